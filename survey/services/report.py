"""Gather a round's data and make its published figures with one call into ``analysis``.

:func:`round_figures` reads the rounds, questionnaire snapshots, trees, code mapping, the
statistics (from the cache or a scan) and who was asked, and hands them as plain data to
:func:`analysis.figures.figures`, which rolls up, suppresses, compares and checks. The
settings (``min_test_n``, the licence and catalogue facts of
:class:`survey.services.settings.DataSettings`) are passed in by the callers, which read the
app's configuration; nothing here reads it.

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
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from analysis.comparison import MIN_TEST_N
from analysis.datapackage import DEFAULT_LICENSE
from analysis.figures import K_HOMOGENEOUS, RoundData, Rules, figures
from analysis.headline import Estimates
from analysis.instruments import Questionnaire
from analysis.opendata import PackageMeta, write_package
from analysis.plan_areas import plan_area_rows
from analysis.sufficient import LeafStatistics
from analysis.tables import fieldwork_table, gap_table, index_table, unit_table
from survey.models import Round
from survey.models.enums import FINISHED
from survey.services.errors import InputError, StateError
from survey.services.estimates import estimate_table, population
from survey.services.fieldwork import FieldworkRow, published_fieldwork
from survey.services.nonresponse import response_inputs
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.row_lookup import RowLookup
from survey.services.settings import DataSettings
from survey.services.statistics import (
    cached,
    code_mapping,
    leaf_statistics,
    previous_round,
    response_count,
    store,
    tree_frame,
)

__all__ = [
    "K_HOMOGENEOUS",
    "RoundFigures",
    "package_tables",
    "require_closed",
    "round_figures",
    "round_k",
    "write_report",
]

REPORTABLE = FINISHED


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
        composites = self.questionnaire.composites
        hidden = rows[rows["suppressed"].astype(bool) & ~rows["index"].isin(composites)]
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


def round_figures(
    session: Session,
    name: str,
    k: int,
    compare_to: str | None = None,
    k_homogeneous: int = K_HOMOGENEOUS,
    min_test_n: int = MIN_TEST_N,
) -> RoundFigures:
    """Compute the round's open-data rows, compared with ``compare_to`` or last year's round.

    ``k`` is the installation's minimum group size; each round uses its own if larger. A cell
    in which everyone answered alike is shown from ``k_homogeneous`` respondents. Both rounds
    must be closed or published (StateError otherwise). A cell is tested only with
    ``min_test_n`` in both years (the caller passes the installation's ``MIN_TEST_N``). This
    gathers the data; :func:`analysis.figures.figures` makes every figure in one call."""
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
    wanted = [(rnd, q)] + (
        [(cmp_round, snapshot_questionnaire(session, cmp_round))] if cmp_round else []
    )
    found = _statistics(session, wanted)
    current, *earlier = (
        _round_data(session, r, rq, stats, round_k(r, k))
        for (r, rq), stats in zip(wanted, found, strict=True)
    )
    compare = earlier[0] if earlier else None
    mapping = code_mapping(session, cmp_round.year, rnd.year) if cmp_round is not None else None
    out = figures(
        current,
        response_inputs(session, rnd),
        Rules(k_homogeneous, min_test_n),
        compare,
        mapping,
    )
    k = current.k
    return RoundFigures(
        rnd, cmp_round, q, out.aggregates, out.reliability, out.gaps, k,
        published_fieldwork(session, rnd, k), out.comparisons, out.units, out.estimates,
    )  # fmt: skip


def _round_data(
    session: Session, rnd: Round, q: Questionnaire, stats: LeafStatistics, k: int
) -> RoundData:
    """A round's data for :func:`analysis.figures.figures`: its year's tree, its own k, the
    groups moved at close and who its population is."""
    units = tree_frame(session, rnd.year)
    return RoundData(
        rnd.name, rnd.year, q, stats, units, k, rnd.moved_cells or (),
        population(session, rnd, units[["unit", "parent"]]),
    )  # fmt: skip


def package_tables(figures: RoundFigures) -> dict[str, pd.DataFrame]:
    """The open-data package's tables, by file name (see ``analysis.opendata.CSV_TABLES``)."""
    name = figures.round.name
    areas = figures.questionnaire.plan_area_ids
    tables = {
        "aggregates": figures.aggregates,
        "comparisons": figures.comparisons,
        "units": unit_table(figures.units, {r.unit_code: r.headcount for r in figures.fieldwork}),
        "indices": index_table(figures.questionnaire),
        "reliability": figures.reliability,
        "gaps": gap_table(figures.gaps, name),
        "fieldwork": fieldwork_table([asdict(r) for r in figures.fieldwork], name),
        "estimates": estimate_table(figures.estimates, name),
    }
    return tables | ({"plan_areas": plan_area_rows(figures.aggregates, areas)} if areas else {})


def package_meta(figures: RoundFigures, data: DataSettings) -> PackageMeta:
    """The descriptor's facts; ``created`` is when the round closed (the same on every run).
    ``data``: the installation's licence and catalogue facts, passed by the caller."""
    rnd = figures.round
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
        license=data.license or DEFAULT_LICENSE,
        catalogue=data.catalogue(str(top.iloc[0]) if len(top) else "Mognad", rnd.id),
    )


def write_report(
    figures: RoundFigures, out: Path, formats: tuple[str, ...], data: DataSettings
) -> list[Path]:
    """Write the open-data package (which files for which format: ``write_package``).

    Unknown formats are refused before anything is written (``analysis.opendata.check_formats``).
    The licence and catalogue facts are ``data`` (the callers pass
    ``DataSettings.of`` the app's configuration); nothing else varies, so the CLI and the publish
    action write the same bytes.
    """
    try:
        return write_package(package_tables(figures), out, formats, package_meta(figures, data))
    except OSError as e:
        raise InputError(f"cannot write the report ({e.strerror or e})", file=str(out)) from None
