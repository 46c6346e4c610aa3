"""Every published figure of a round in one call: roll-up, disclosure, comparison, gaps, α.

``survey/`` gathers a round's data (its sufficient statistics, tree, instrument, the comparison
round's and the code mapping between the years, the counts of who was asked) and calls
:func:`figures` once; what comes back has already been decided by the one disclosure rule
(:mod:`analysis.disclosure`), so no page, file or API response can show a figure another
surface hides. Being plain data in and out, the whole pipeline is property-tested without a
database (``tests/analysis/test_figures_properties.py``).

The steps, in order: the leaf sums are rolled up the tree (:mod:`analysis.aggregate`); the
disclosure rule decides the score cells and HR gaps of each round on its own tree; the
comparison round's figures are mapped onto this year's units and shown only where its own
decision shows them (:mod:`analysis.comparability`); the open-data rows are built with their
tests (:mod:`analysis.comparison`), then the response columns, Cronbach's α, the gaps (each
shown exactly when its score cell is) and the population estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from analysis.aggregate import cells, rollup, unit_levels
from analysis.comparability import comparison_sides
from analysis.comparison import AGGREGATE_COLUMNS, MIN_TEST_N, build_aggregates, comparison_table
from analysis.disclosure import homogeneous_gaps, role_rules, score_suppression
from analysis.families import check_families, default_families
from analysis.gaps import competence_gaps
from analysis.headline import Estimates, Population, check_role_weights, round_estimates
from analysis.instruments import Questionnaire
from analysis.nonresponse import Responses
from analysis.reliability import flag_reliability, reliability_table, suppress_reliability
from analysis.scoring import ScoringPlan, applicable_indices
from analysis.sufficient import LeafStatistics
from analysis.tree import ancestor_pairs

__all__ = ["Figures", "RoundData", "Rules", "decide_cells", "figures"]

#: The default minimum size of a shown cell in which everyone answered alike.
K_HOMOGENEOUS = 10


@dataclass(frozen=True)
class RoundData:
    """One round as the pipeline needs it (this round or the comparison round).

    ``tree``: ``unit, parent`` (and ``name`` for this round), parents before children;
    ``k``: the round's own minimum group size; ``moved_cells``: the (unit, role) groups that
    k-anonymous storage changed at close (they stay hidden); ``population``: people per
    stratum for the estimates.
    """

    name: str
    year: int
    questionnaire: Questionnaire
    statistics: LeafStatistics
    tree: pd.DataFrame
    k: int
    moved_cells: Sequence[Sequence[str]] = ()
    population: Population = field(default_factory=lambda: Population(pd.DataFrame()))


@dataclass(frozen=True)
class Rules:
    """The installation's rules: a cell in which everyone answered alike is shown from
    ``k_homogeneous`` respondents (never below a round's k); a change is tested only with
    ``min_test_n`` respondents in both years.

    ``families`` (index id → ``headline``, ``category`` or ``plan_area``) are the families of
    tests within which Benjamini–Hochberg runs per unit and role; None means the instrument's
    (:func:`analysis.families.default_families`). ``role_weights`` (role → weight, the three
    roles, each ≥ 0, summing to 1) weight the role-standardised headline of both years; None
    means this round's headcount shares, else its respondent shares
    (:func:`analysis.estimates.reference_weights`). Both are stated inputs so that another
    analysis plan is a different ``Rules``, not different code; a given mapping is checked
    here (ValueError) and kept as a read-only copy.
    """

    k_homogeneous: int = K_HOMOGENEOUS
    min_test_n: int = MIN_TEST_N
    families: Mapping[str, str] | None = field(default=None, hash=False)
    role_weights: Mapping[str, float] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if self.families is not None:
            check_families(self.families)
            object.__setattr__(self, "families", MappingProxyType(dict(self.families)))
        if self.role_weights is not None:
            check_role_weights(self.role_weights)
            object.__setattr__(self, "role_weights", MappingProxyType(dict(self.role_weights)))


@dataclass(frozen=True)
class Figures:
    """What :func:`figures` returns: every frame already suppressed.

    ``aggregates`` holds only cells that apply to their role, with the response columns;
    ``comparisons`` says for each row whether it is comparable and why not; ``reliability``
    ends with the ``alpha_below_070`` flag; ``units`` is the year's tree (``unit, name,
    parent, level``); ``gaps`` carries ``hidden_reason``.
    """

    aggregates: pd.DataFrame
    reliability: pd.DataFrame
    gaps: pd.DataFrame
    comparisons: pd.DataFrame
    units: pd.DataFrame
    estimates: Estimates


def decide_cells(
    current: pd.DataFrame,
    gap_sums: pd.DataFrame,
    tree: pd.DataFrame,
    q: Questionnaire,
    k: int,
    k_homogeneous: int,
    moved_cells: Sequence[Sequence[str]] | None = None,
    partial: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The one disclosure decision of a round's score cells and HR gaps on its own tree
    (``analysis.disclosure``): ``suppressed`` and ``reason`` by (unit, role, index). The cells
    k-anonymous storage changed at close (``moved_cells``) stay hidden."""
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


def gap_sums(gap_leaf: pd.DataFrame, tree: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Competence-gap sums (``n, level_sum, below``) rolled up the tree."""
    if gap_leaf.empty:
        return pd.DataFrame(columns=["unit", "role", "index", "n", "level_sum", "below"])
    order = [c.id for c in q.categories if c.dimension == "competence"]
    return rollup(gap_leaf, tree, indices=order, values=("n", "level_sum", "below"))


@dataclass(frozen=True)
class _Decided:
    """One round rolled up on its own tree and decided by the disclosure rule."""

    cells: pd.DataFrame
    gaps: pd.DataFrame
    decision: pd.DataFrame


def _decide(data: RoundData, k_homogeneous: int) -> _Decided:
    q, tree = data.questionnaire, data.tree[["unit", "parent"]]
    own = cells(rollup(data.statistics.scores, tree, indices=list(q.indices)))
    sums = gap_sums(data.statistics.gaps, tree, q)
    decision = decide_cells(
        own, sums, tree, q, data.k, max(k_homogeneous, data.k), data.moved_cells,
        data.statistics.partial,
    )  # fmt: skip
    return _Decided(own, sums, decision)


def figures(
    current: RoundData,
    responses: Responses,
    rules: Rules,
    compare: RoundData | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Figures:
    """Every figure of ``current``, compared with ``compare``, decided by the disclosure rule.

    Parameters
    ----------
    current : RoundData
        The round reported on; its ``tree`` has ``unit, name, parent``.
    responses : Responses
        Who its cells speak for (the response columns of the aggregates).
    rules : Rules
        ``k_homogeneous``, ``min_test_n``, the families of tests (default: the instrument's)
        and the headline's role weights (default: this round's shares).
    compare : RoundData, optional
        The comparison round; its figures show only where its own decision, on its own tree,
        shows them (:func:`analysis.comparability.comparison_sides`).
    mapping : mapping of str to str, optional
        The comparison year's unit codes → this year's (:func:`analysis.tree.code_mapping`);
        required with ``compare``.

    Returns
    -------
    Figures
    """
    q, k = current.questionnaire, current.k
    tree = current.tree[["unit", "parent"]]
    indices = list(q.indices)
    # A homogeneous cell needs at least k_homogeneous, never fewer than either round's k.
    k_homogeneous = max(rules.k_homogeneous, k)
    this = _decide(current, k_homogeneous)
    compared = compare_hidden = compare_applies = sides = None
    cmp_estimates = None
    new_units: set[str] = set()
    if compare is not None:
        mapping = mapping or {}
        before = _decide(compare, k_homogeneous)
        cmp_leaf = compare.statistics.scores
        cmp_tree = compare.tree[["unit", "parent"]]
        keys = this.cells[["unit", "role", "index"]]
        sides = comparison_sides(
            keys, cmp_leaf, cmp_tree, before.decision["suppressed"], mapping, tree
        )
        sides.index = pd.MultiIndex.from_frame(keys)
        cmp_leaf = cmp_leaf.assign(unit=cmp_leaf["unit"].map(mapping)).dropna(subset=["unit"])
        cmp_leaf = cmp_leaf[cmp_leaf["index"].isin(indices)]
        compared = cells(rollup(cmp_leaf, tree, indices=indices))
        compare_hidden = sides.ne("")
        cmp_estimates = (
            compare.name, compare.statistics.scores, compare.population, cmp_tree, before.decision
        )  # fmt: skip
        compare_applies = applicable_indices(compare.questionnaire)
        new_units = _units_without_counterpart(tree, set(mapping.values()))
    units = current.tree[["unit", "name", "parent"]]
    units = units.assign(level=units["unit"].map(unit_levels(tree)).to_numpy())
    full = build_aggregates(
        this.cells,
        compared,
        units[["unit", "name", "level"]],
        round_name=current.name,
        year=current.year,
        compare_round=compare.name if compare else None,
        suppressed=this.decision["suppressed"],
        compare_suppressed=compare_hidden,
        indices=indices,
        applicable=applicable_indices(q),
        compare_applicable=compare_applies,
        new_units=new_units,
        reasons=True,
        compare_sides=sides,
        hidden_reasons=this.decision["reason"],
        min_test_n=rules.min_test_n,
        families=default_families(q) if rules.families is None else rules.families,
    )
    aggregates = responses.columns(full[list(AGGREGATE_COLUMNS)], tree, q, k)
    stats = current.statistics
    reliability = reliability_table(
        stats.reliability_items, stats.reliability_totals, round_name=current.name,
        categories=[c.id for c in q.categories], sizes=ScoringPlan(q).item_counts,
    )  # fmt: skip
    estimates = round_estimates(
        stats.scores, current.population, tree, aggregates, cmp_estimates, rules.role_weights
    )
    return Figures(
        aggregates,
        flag_reliability(suppress_reliability(reliability, k)),
        _gaps(this.gaps, this.decision, q, k),
        comparison_table(full),
        units[["unit", "name", "parent", "level"]],
        estimates,
    )


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
