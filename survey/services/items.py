"""Item-level answer distributions per unit and role, suppressed by the one disclosure rule.

An item's distribution shows how many answered each value, so it reveals as much as a cell's
n and more: it is suppressed with the same rule as the scores
(``analysis.disclosure.joint_suppression``: per (unit, role) group across every item, primary
and complementary, the round's own k) with the item as the index and n counting every answer
including "vet ej". A distribution with every answer in one option is homogeneous: it says what
each of them answered, so it needs ``k_homogeneous`` answers. Groups whose scores are hidden
(``hidden_groups``) stay hidden here too. A hidden distribution leaves this module without its
counts, so no page can show (or subtract) them. Last year's distribution is shown only where
last year's own decision, on its own tree, shows it
(``analysis.comparability.comparison_sides``). The year-on-year Mann–Whitney test runs only when
both years' cells are shown; its p-values are Benjamini–Hochberg adjusted over the items of one
unit and role, the family a reader scans at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from analysis.aggregate import rollup_counts
from analysis.comparability import comparison_sides
from analysis.disclosure import joint_suppression
from analysis.instruments import DONT_KNOW, Questionnaire
from analysis.stats import bh_adjust, mann_whitney_counts
from survey.models import Round
from survey.services.rounds import snapshot_questionnaire
from survey.services.row_lookup import ByKey, key_positions
from survey.services.statistics import code_mapping, item_counts, tree_frame

#: The default minimum number of answers of a shown distribution with all answers in one option.
K_HOMOGENEOUS = 10

ALPHA = 0.05
#: An item's counts per scale value (lowest first) and its "vet ej" count.
Counts = tuple[tuple[int, ...], int]


@dataclass(frozen=True)
class ItemRow:
    """One item of one unit and role; every figure is None when the cell is suppressed."""

    item: str
    category: str
    suppressed: bool
    n: int | None  # answers incl. "vet ej"
    counts: tuple[int, ...] | None  # per scale value, lowest first
    dont_know: int | None
    top_two: float | None  # % of the substantive answers in the two highest values
    dont_know_share: float | None  # % of all answers
    compare_counts: tuple[int, ...] | None
    u: float | None
    p_value: float | None
    p_adjusted: float | None
    change: str  # improved | declined | no_change | not_comparable


@dataclass(frozen=True)
class ItemTable:
    """Suppressed item counts of a round, rolled up the tree, with last year's where shown."""

    frame: pd.DataFrame  # unit, role, item, value, count (this round, every unit and role)
    hidden: pd.Series  # (unit, role, item) → suppressed
    compare: pd.DataFrame | None  # the comparison round's counts on this year's units
    compare_hidden: pd.Series | None
    questionnaire: Questionnaire

    def rows(self, unit: str, role: str) -> list[ItemRow]:
        """The items of ``role``'s questionnaire for ``unit`` in questionnaire order."""
        q = self.questionnaire
        mine = self._counts_of[0].get((unit, role), {})
        theirs = self._counts_of[1].get((unit, role), {})
        out: list[tuple[str, str, bool, Counts | None, Counts | None]] = []
        for cat in q.categories:
            for item in cat.items if role == "all" else cat.items_for(role):
                hidden = bool(self.hidden.get((unit, role, item.id), True))
                counts = None if hidden else _counts(mine, item.id, cat.scale.values)
                shown_before = self.compare_hidden is not None and not bool(
                    self.compare_hidden.get((unit, role, item.id), True)
                )
                cmp = (
                    _counts(theirs, item.id, cat.scale.values) if counts and shown_before else None
                )
                out.append((item.id, cat.id, hidden, counts, cmp))
        tests = [
            mann_whitney_counts(c[0], p[0])
            if c is not None and p is not None and sum(c[0]) > 0 and sum(p[0]) > 0
            else (np.nan, np.nan)
            for _, _, _, c, p in out
        ]
        adjusted = bh_adjust(np.array([p for _, p in tests], dtype=float))
        rows = []
        for (item_id, cat_id, hidden, counts, cmp), (u, p), p_adj in zip(
            out, tests, adjusted, strict=True
        ):
            reverse = self.questionnaire.items[item_id][0].reverse
            rows.append(_row(item_id, cat_id, hidden, counts, cmp, u, p, p_adj, reverse))
        return rows

    @cached_property
    def _counts_of(self) -> tuple[Slices, Slices]:
        """This round's and the comparison round's counts by (unit, role), built once: the
        table is kept between requests and filtering its hundreds of thousands of rows per
        page would cost more than the page."""
        return Slices(self.frame), Slices(self.compare)


class Slices:
    """A count frame as (unit, role) → item → {value: count}, each (unit, role) made on first
    use (:class:`~survey.services.row_lookup.ByKey`)."""

    def __init__(self, frame: pd.DataFrame | None) -> None:
        if frame is None:
            frame = pd.DataFrame(columns=["unit", "role", "item", "value", "count"])
        self._slices = ByKey(key_positions(frame, ("unit", "role")), self._make)
        self._items = frame["item"].astype(str).to_numpy(dtype=object)
        self._values = frame["value"].astype(str).to_numpy(dtype=object)
        self._counts = frame["count"].to_numpy()

    def get(
        self, key: tuple[str, str], default: dict[str, dict[str, int]]
    ) -> dict[str, dict[str, int]]:
        return self._slices.get(key, default)

    def _make(self, positions: Any) -> dict[str, dict[str, int]]:
        made: dict[str, dict[str, int]] = {}
        for i in positions:
            made.setdefault(self._items[i], {})[self._values[i]] = int(self._counts[i])
        return made


def _counts(part: dict[str, dict[str, int]], item: str, values: range) -> Counts | None:
    by_value = part.get(item)
    if by_value is None:
        return None
    return tuple(by_value.get(str(v), 0) for v in values), by_value.get(DONT_KNOW, 0)


def _row(
    item: str,
    category: str,
    hidden: bool,
    counts: Counts | None,
    cmp: Counts | None,
    u: float,
    p: float,
    p_adj: float,
    reverse: bool = False,
) -> ItemRow:
    if hidden or counts is None:
        return ItemRow(
            item,
            category,
            True,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "not_comparable",
        )
    values, dk = counts
    answered = sum(values)
    n = answered + dk
    top_two = 100.0 * sum(values[-2:]) / answered if answered else None
    comparable = cmp is not None and not np.isnan(p)
    change = "not_comparable"
    if comparable and cmp is not None:
        if p_adj < ALPHA:
            # U of this year above its null mean: this year's answers tend to be higher, which
            # is better unless the item is reverse-keyed (agreeing means things are worse).
            higher = u > sum(values) * sum(cmp[0]) / 2
            change = "improved" if higher != reverse else "declined"
        else:
            change = "no_change"
    return ItemRow(
        item,
        category,
        False,
        n,
        values,
        dk,
        top_two,
        100.0 * dk / n if n else None,
        cmp[0] if comparable and cmp is not None else None,
        float(u) if comparable else None,
        float(p) if comparable else None,
        float(p_adj) if comparable else None,
        change,
    )


def _raw(session: Session, rnd: Round) -> pd.DataFrame:
    raw = item_counts(session, rnd)
    return raw.assign(value=[DONT_KNOW if pd.isna(v) else str(int(v)) for v in raw["value"]])


def _rolled(raw: pd.DataFrame, tree: pd.DataFrame, mapping: dict[str, str] | None) -> pd.DataFrame:
    if mapping is not None:
        raw = raw.assign(unit=raw["unit"].map(mapping)).dropna(subset=["unit"])
    if raw.empty:
        return pd.DataFrame(columns=["unit", "role", "item", "value", "count"])
    return rollup_counts(raw, tree)


def _cells(counts: pd.DataFrame) -> pd.DataFrame:
    """``unit, role, index, n`` (n = every answer, "vet ej" included), ``homogeneous``."""
    by = counts.groupby(["unit", "role", "item"], sort=False)["count"]
    out = by.sum().reset_index().rename(columns={"item": "index", "count": "n"})
    return out.assign(homogeneous=(by.max().to_numpy() == out["n"].to_numpy()) & (out["n"] > 0))


def _hidden(
    rolled: pd.DataFrame,
    tree: pd.DataFrame,
    k: int,
    k_homogeneous: int,
    hidden_groups: Collection[tuple[str, str]] = (),
) -> pd.Series:
    """The joint decision per (unit, role, item)."""
    if rolled.empty:
        return pd.Series(dtype=bool)
    cells = _cells(rolled)
    flags = joint_suppression(
        cells, tree, k, k_homogeneous=max(k, k_homogeneous), hidden_groups=hidden_groups
    )["suppressed"]
    keys = pd.MultiIndex.from_frame(
        cells[["unit", "role", "index"]], names=["unit", "role", "item"]
    )
    return pd.Series(flags.to_numpy(), index=keys)


def item_table(
    session: Session,
    rnd: Round,
    k: int,
    compare: Round | None,
    k_compare: int,
    k_homogeneous: int = K_HOMOGENEOUS,
    hidden_groups: Collection[tuple[str, str]] = (),
) -> ItemTable:
    """Every unit's and role's item counts of ``rnd`` (closed), suppressed with ``k``.

    ``compare`` (with its own ``k_compare``) is mapped onto this year's units as the figures
    map it (``code_mapping``), so that a renamed unit is still compared with itself; its
    counts show only where its own decision on its own tree shows the same respondents.
    ``hidden_groups``: the (unit, role) groups whose score cells are hidden.
    """
    tree = tree_frame(session, rnd.year)[["unit", "parent"]]
    frame = _rolled(_raw(session, rnd), tree, None)
    hidden = _hidden(frame, tree, k, k_homogeneous, hidden_groups)
    cmp_frame = cmp_hidden = None
    if compare is not None:
        mapping = code_mapping(session, compare.year, rnd.year)
        raw = _raw(session, compare)
        cmp_tree = tree_frame(session, compare.year)[["unit", "parent"]]
        own_hidden = _hidden(_rolled(raw, cmp_tree, None), cmp_tree, k_compare, k_homogeneous)
        cmp_frame = _rolled(raw, tree, mapping)
        if not hidden.empty:
            keys = hidden.index.to_frame(index=False).rename(columns={"item": "index"})
            leaf = raw.groupby(["unit", "role", "item"], sort=False)["count"].sum().reset_index()
            leaf = leaf.rename(columns={"item": "index", "count": "n"})
            own_hidden.index = own_hidden.index.set_names(["unit", "role", "index"])
            sides = comparison_sides(keys, leaf, cmp_tree, own_hidden, mapping, tree)
            cmp_hidden = pd.Series(sides.ne("").to_numpy(), index=hidden.index)
    # Hidden cells lose their counts here, so nothing downstream can read them.
    frame = _blank(frame, hidden)
    cmp_frame = None if cmp_frame is None or cmp_hidden is None else _blank(cmp_frame, cmp_hidden)
    table = ItemTable(frame, hidden, cmp_frame, cmp_hidden, snapshot_questionnaire(session, rnd))
    table._counts_of  # built with the table, which is kept between requests  # noqa: B018
    return table


def _blank(frame: pd.DataFrame, hidden: pd.Series) -> pd.DataFrame:
    if frame.empty:
        return frame
    keys = pd.MultiIndex.from_frame(frame[["unit", "role", "item"]])
    shown = ~hidden.reindex(keys, fill_value=True).to_numpy(dtype=bool)
    return frame[shown].reset_index(drop=True)
