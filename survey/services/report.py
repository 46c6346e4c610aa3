"""Assemble a round's published figures: cells, comparison, suppression, reliability, gaps.

Figures come only from closed (or published) rounds. Two reports of a round still receiving
answers, one response apart, give that response's scores by subtraction; a closed round takes no
more answers (no imports either), so every report of it shows the same figures. Each round is
suppressed with its own minimum group size (``rounds.k_min``), at least ``K_ANONYMITY``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import pandas as pd
from flask import current_app, has_app_context
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from analysis.aggregate import cells, rollup, unit_levels
from analysis.comparability import comparison_sides
from analysis.comparison import AGGREGATE_COLUMNS, MIN_TEST_N, build_aggregates, comparison_table
from analysis.datapackage import DEFAULT_LICENSE
from analysis.disclosure import homogeneous_gaps, role_rules, score_suppression
from analysis.gaps import competence_gaps
from analysis.instruments import Questionnaire
from analysis.opendata import PackageMeta, write_package
from analysis.reliability import flag_reliability, reliability_table, suppress_reliability
from analysis.scoring import COMPOSITE_INDICES, ScoringPlan, applicable_indices
from analysis.tables import fieldwork_table, gap_table, index_table, unit_table
from analysis.tree import ancestor_pairs
from survey.models import Round
from survey.models.enums import FINISHED
from survey.services.catalogue import catalogue
from survey.services.errors import InputError, StateError
from survey.services.estimates import Estimates, estimate_table, round_estimates
from survey.services.fieldwork import FieldworkRow, published_fieldwork
from survey.services.nonresponse import add_response_columns
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.row_lookup import RowLookup
from survey.services.statistics import (
    LeafStatistics,
    cached,
    code_mapping,
    leaf_statistics,
    previous_round,
    response_count,
    store,
    tree_frame,
)

REPORTABLE = FINISHED
#: The default minimum size of a shown cell in which everyone answered alike (``K_HOMOGENEOUS``).
K_HOMOGENEOUS = 10


@dataclass(frozen=True)
class RoundFigures:
    """Everything a report, dashboard or API shows about one round (already suppressed).

    ``aggregates`` holds only cells that apply to their role; ``comparisons`` says for each of
    its rows whether it is comparable and why not; ``reliability`` ends with the
    ``alpha_below_070`` flag; ``units`` is the year's tree (``unit, name, parent, level``).
    """

    round: Round
    compare: Round | None
    questionnaire: Questionnaire
    aggregates: pd.DataFrame
    reliability: pd.DataFrame
    gaps: pd.DataFrame
    k: int = 5  # the minimum group size the round's cells were suppressed with
    fieldwork: list[FieldworkRow] = field(default_factory=list)
    comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    estimates: Estimates | None = None  # population estimates and the standardised headline

    @cached_property
    def cell_rows(self) -> RowLookup:
        """The aggregates' rows as ``(unit, role) → index → row``, None for missing values.

        A page looks up hundreds of cells of a frame of tens of thousands of rows; filtering
        the frame for each costs more than the page may take, and the figures of a closed
        round are kept in memory between requests, so this lookup is built once with them.
        """
        return RowLookup(self.aggregates, ("unit_code", "role"), "index")

    @cached_property
    def gap_rows(self) -> RowLookup:
        """The gaps' rows as ``(role, unit) → category → row`` (see :attr:`cell_rows`)."""
        return RowLookup(self.gaps, ("role", "unit"), "category")

    @cached_property
    def hidden_groups(self) -> frozenset[tuple[str, str]]:
        """(unit, role) groups with a hidden category cell: their items stay hidden too, so as
        not to give back what the scores hide (items sum no composite, which may hide alone)."""
        rows = self.aggregates
        hidden = rows[rows["suppressed"].astype(bool) & ~rows["index"].isin(COMPOSITE_INDICES)]
        return frozenset(zip(hidden["unit_code"], hidden["role"], strict=True))

    def with_rounds(self, rnd: Round, compare: Round | None) -> RoundFigures:
        """The same figures holding another session's rounds, with the lookups built so far
        (figures kept between requests are handed to each request with its own rounds)."""
        fresh = replace(self, round=rnd, compare=compare)
        fresh.__dict__.update({k: v for k, v in self.__dict__.items() if k not in FIELDS})
        return fresh


FIELDS = {f.name for f in fields(RoundFigures)}


def require_closed(rnd: Round, role: str = "round") -> None:
    """Refuse figures of a round that may still change (see the module's docstring)."""
    if rnd.status not in REPORTABLE:
        raise StateError(
            f"{role} '{rnd.name}' is {rnd.status}; results are only made from a closed or "
            "published round, so that they cannot change between two reports "
            f"(close it with 'mognad round close {rnd.name}' when fieldwork is over)"
        )


def round_k(rnd: Round, k: int) -> int:
    """The round's minimum group size: its own, never below the installation's ``k``."""
    return max(k, rnd.k_min or k, 3)


def _scan(
    bind: Engine | Connection, round_id: int, snapshot_id: int, q: Questionnaire
) -> LeafStatistics:
    with Session(bind) as session:
        return leaf_statistics(session, round_id, snapshot_id, q)


def _statistics(
    session: Session, rounds: list[tuple[Round, Questionnaire]]
) -> list[LeafStatistics]:
    """Each round's leaf statistics: from the cache, else scanned (in parallel) and cached.

    Scans run on their own connections, one per round, because they are SQL-bound and the
    machine has more than one core; only this session writes the cache afterwards.
    """
    counts = [response_count(session, rnd.id) for rnd, _ in rounds]
    found = [cached(session, rnd.id) for rnd, _ in rounds]
    missing = [i for i, stats in enumerate(found) if stats is None]
    fresh: dict[int, LeafStatistics] = {}
    if missing:
        engine = session.get_bind()
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            futures = {
                i: pool.submit(
                    _scan, engine, rounds[i][0].id, rounds[i][0].snapshot_id, rounds[i][1]
                )
                for i in missing
            }
            fresh = {i: future.result() for i, future in futures.items()}
        for i in missing:
            store(session, rounds[i][0].id, fresh[i], counts[i])
    return [fresh[i] if stats is None else stats for i, stats in enumerate(found)]


def decide_cells(
    current: pd.DataFrame,
    gap_sums: pd.DataFrame,
    tree: pd.DataFrame,
    q: Questionnaire,
    k: int,
    k_homogeneous: int,
    moved_cells: list[list[str]] | None = None,
    partial: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The one disclosure decision of a round's score cells and HR gaps on its own tree
    (``analysis.disclosure``): ``suppressed`` and ``reason`` by (unit, role, index). The cells
    k-anonymous storage changed at close (``Round.moved_cells``) stay hidden."""
    return score_suppression(
        current,
        tree,
        k,
        k_homogeneous=k_homogeneous,
        homogeneous=homogeneous_gaps(gap_sums),
        hidden_groups=[(unit, role) for unit, role in moved_cells or ()],
        partial=partial,
        **role_rules(q),
    )


def _gap_sums(gap_leaf: pd.DataFrame, tree: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Competence-gap sums (``n, level_sum, below``) rolled up the tree."""
    if gap_leaf.empty:
        return pd.DataFrame(columns=["unit", "role", "index", "n", "level_sum", "below"])
    order = [c.id for c in q.categories if c.dimension == "competence"]
    return rollup(gap_leaf, tree, indices=order, values=("n", "level_sum", "below"))


def round_figures(
    session: Session,
    name: str,
    k: int,
    compare_to: str | None = None,
    k_homogeneous: int = K_HOMOGENEOUS,
    min_test_n: int | None = None,
) -> RoundFigures:
    """Compute the round's open-data rows, compared with ``compare_to`` or last year's round.

    ``k`` is the installation's minimum group size; each round uses its own if larger. A cell
    in which everyone answered alike is shown from ``k_homogeneous`` respondents. Both rounds
    must be closed or published (StateError otherwise). The comparison round's figures show
    only where its own report, on its own tree, shows them (``analysis.comparability``). A cell
    is tested only with ``min_test_n`` in both years (default: the app's ``MIN_TEST_N``)."""
    if min_test_n is None:
        min_test_n = int(current_app.config["MIN_TEST_N"]) if has_app_context() else MIN_TEST_N
    rnd = get_round(session, name)
    require_closed(rnd)
    q = snapshot_questionnaire(session, rnd)
    cmp_round: Round | None
    if compare_to:
        cmp_round = get_round(session, compare_to)
        if cmp_round.id == rnd.id:
            raise InputError("a round cannot be compared with itself")
        if cmp_round.year > rnd.year:
            raise InputError(f"round '{compare_to}' ({cmp_round.year}) is later than '{name}'")
        require_closed(cmp_round, "comparison round")
    else:
        cmp_round = previous_round(session, rnd)
    k_cmp = round_k(cmp_round, k) if cmp_round is not None else k
    k = round_k(rnd, k)
    units = tree_frame(session, rnd.year)
    tree = units[["unit", "parent"]]
    indices = list(q.indices)
    wanted = [(rnd, q)] + (
        [(cmp_round, snapshot_questionnaire(session, cmp_round))] if cmp_round else []
    )
    stats, *rest = _statistics(session, wanted)
    cmp_stats = rest[0] if rest else None
    current = cells(rollup(stats.scores, tree, indices=indices))
    gap_sums, k_homogeneous = _gap_sums(stats.gaps, tree, q), max(k_homogeneous, k)
    decision = decide_cells(
        current, gap_sums, tree, q, k, k_homogeneous, rnd.moved_cells, stats.partial
    )
    compare = compare_hidden = compare_applies = sides = cmp_estimates = None
    new_units: set[str] = set()
    if cmp_round is not None and cmp_stats is not None:
        cmp_q = wanted[1][1]
        cmp_tree = tree_frame(session, cmp_round.year)[["unit", "parent"]]
        cmp_own = cells(rollup(cmp_stats.scores, cmp_tree, indices=list(cmp_q.indices)))
        cmp_gaps = _gap_sums(cmp_stats.gaps, cmp_tree, cmp_q)
        cmp_decision = decide_cells(
            cmp_own, cmp_gaps, cmp_tree, cmp_q, k_cmp, max(k_homogeneous, k_cmp),
            cmp_round.moved_cells, cmp_stats.partial,
        )  # fmt: skip
        cmp_leaf = cmp_stats.scores
        mapping = code_mapping(session, cmp_round.year, rnd.year)
        sides = comparison_sides(
            current[["unit", "role", "index"]], cmp_leaf, cmp_tree, cmp_decision["suppressed"],
            mapping, tree,
        )  # fmt: skip
        sides.index = pd.MultiIndex.from_frame(current[["unit", "role", "index"]])
        cmp_leaf = cmp_leaf.assign(unit=cmp_leaf["unit"].map(mapping)).dropna(subset=["unit"])
        cmp_leaf = cmp_leaf[cmp_leaf["index"].isin(indices)]
        compare = cells(rollup(cmp_leaf, tree, indices=indices))
        compare_hidden, cmp_estimates = sides.ne(""), (cmp_round, cmp_stats, cmp_tree, cmp_decision)
        compare_applies = applicable_indices(cmp_q)
        new_units = _units_without_counterpart(tree, set(mapping.values()))
    units = units.assign(level=units["unit"].map(unit_levels(tree)).to_numpy())
    full = build_aggregates(
        current,
        compare,
        units[["unit", "name", "level"]],
        round_name=rnd.name,
        year=rnd.year,
        compare_round=cmp_round.name if cmp_round else None,
        suppressed=decision["suppressed"],
        compare_suppressed=compare_hidden,
        indices=indices,
        applicable=applicable_indices(q),
        compare_applicable=compare_applies,
        new_units=new_units,
        reasons=True,
        compare_sides=sides,
        hidden_reasons=decision["reason"],
        min_test_n=min_test_n,
    )
    aggregates = add_response_columns(session, rnd, full[list(AGGREGATE_COLUMNS)], tree, q, k)
    reliability = reliability_table(
        stats.reliability_items, stats.reliability_totals, round_name=rnd.name,
        categories=[c.id for c in q.categories], sizes=ScoringPlan(q).item_counts,
    )  # fmt: skip
    return RoundFigures(
        rnd, cmp_round, q, aggregates, flag_reliability(suppress_reliability(reliability, k)),
        _gaps(gap_sums, decision, q, k), k, published_fieldwork(session, rnd, k),
        comparison_table(full), units[["unit", "name", "parent", "level"]],
        round_estimates(session, rnd, stats, tree, aggregates, cmp_estimates),
    )  # fmt: skip


def _units_without_counterpart(tree: pd.DataFrame, reached: set[str]) -> set[str]:
    """This year's units into which no unit of the comparison year maps (``unit_new``); a
    unit whose sub-unit has a counterpart is not new: its cell rolls that sub-unit up."""
    pairs = ancestor_pairs(tree)
    covered = set(pairs.loc[pairs["unit"].isin(reached), "ancestor"])
    return set(tree["unit"]) - covered


def _gaps(rolled: pd.DataFrame, decision: pd.DataFrame, q: Questionnaire, k: int) -> pd.DataFrame:
    """The HR gaps, each shown exactly when its score cell (unit, role, category) is, with the
    reason a hidden one is hidden (``hidden_reason``)."""
    if rolled.empty:
        empty = pd.DataFrame(columns=["unit", "role", "category", "n", "level_sum", "below"])
        return competence_gaps(empty, q, k).assign(hidden_reason="")
    keys = pd.MultiIndex.from_frame(rolled[["unit", "role", "index"]])
    flags = decision["suppressed"].reindex(keys, fill_value=True).to_numpy(dtype=bool)
    reasons = decision["reason"].reindex(keys, fill_value="complementary").to_numpy()
    rolled = rolled.assign(suppressed=flags).rename(columns={"index": "category"})
    targets = {(c.id, r) for c in q.categories for r in c.target}
    keep = [(c, r) in targets for c, r in zip(rolled["category"], rolled["role"], strict=True)]
    why = {
        (u, r, c): w
        for u, r, c, w in zip(
            rolled["unit"], rolled["role"], rolled["category"], reasons, strict=True
        )
    }
    gaps = competence_gaps(rolled[keep], q, k)
    found = [
        why.get(key, "complementary")
        for key in zip(gaps["unit"], gaps["role"], gaps["category"], strict=True)
    ]
    return gaps.assign(
        hidden_reason=[w if h else "" for w, h in zip(found, gaps["suppressed"], strict=True)]
    )


def package_tables(figures: RoundFigures) -> dict[str, pd.DataFrame]:
    """The open-data package's tables, by file name (see ``analysis.opendata.CSV_TABLES``)."""
    name = figures.round.name
    return {
        "aggregates": figures.aggregates,
        "comparisons": figures.comparisons,
        "units": unit_table(figures.units, {r.unit_code: r.headcount for r in figures.fieldwork}),
        "indices": index_table(figures.questionnaire),
        "reliability": figures.reliability,
        "gaps": gap_table(figures.gaps, name),
        "fieldwork": fieldwork_table([asdict(r) for r in figures.fieldwork], name),
        "estimates": estimate_table(figures.estimates, name),
    }


def package_meta(figures: RoundFigures, license: str | None = None) -> PackageMeta:
    """The descriptor's facts; ``created`` is when the round closed (the same on every run)."""
    rnd = figures.round
    if license is None:
        license = DEFAULT_LICENSE
        if has_app_context():
            license = str(current_app.config.get("DATA_LICENSE") or DEFAULT_LICENSE)
    closed = rnd.closed_at or rnd.published_at or datetime(rnd.year, 12, 31, tzinfo=UTC)
    top = figures.units.loc[figures.units["level"] == 0, "name"]
    return PackageMeta(
        round_name=rnd.name,
        year=rnd.year,
        created=closed,
        k=figures.k,
        questionnaire_id=figures.questionnaire.id,
        questionnaire_version=figures.questionnaire.version,
        compare_round=figures.compare.name if figures.compare else None,
        title=dict(figures.questionnaire.title),
        license=license,
        catalogue=catalogue(str(top.iloc[0]) if len(top) else "Mognad", rnd.id),
    )


def write_report(
    figures: RoundFigures, out: Path, formats: tuple[str, ...], license: str | None = None
) -> list[Path]:
    """Write the open-data package (which files for which format: ``write_package``).

    Unknown formats are refused before anything is written (``analysis.opendata.check_formats``).
    The licence is ``license``, else the app's ``DATA_LICENSE`` (``MOGNAD_DATA_LICENSE``), else
    CC0-1.0; nothing else varies, so the CLI and the publish action write the same bytes.
    """
    try:
        return write_package(package_tables(figures), out, formats, package_meta(figures, license))
    except OSError as e:
        raise InputError(f"cannot write the report ({e.strerror or e})", file=str(out)) from None
