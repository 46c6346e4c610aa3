"""Non-response and composition beside every cell: response rate, "vet ej" share, role mix.

A mean says little without who it speaks for. Statistics Sweden documents beside every
estimate how many of those asked answered, how many items were left as "don't know", and
whether the population changed between the years compared; a low response rate or a shifted
role mix can make a change that is only a change of who answered. These functions put those
three facts beside the cells, as plain frames (no database, no Flask):

* :func:`cell_response`: ``invited``, ``headcount`` and ``response_rate`` per unit × role,
  the counts rolled up the tree like the cells' n;
* :func:`dont_know_shares`: the share of "vet ej" among the answers to an index's items that
  offer it, per unit × role × index;
* :func:`role_mix_shifts`: units whose share of some role moved by more than a threshold.

Privacy: a response rate times the invited count is the number who answered, which is a
cell's n. It is therefore shown only where that count is itself shown by the joint
suppression of counts (:func:`analysis.tables.count_cells`) *and* the cell beside it is shown;
a hidden cell has no count and no rate. Invited counts and headcounts say who was asked or
employed, not who answered, and are shown as the fieldwork table shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.aggregate import rollup
from analysis.instruments import Questionnaire
from analysis.package_fields import RESPONSE_COLUMNS
from analysis.roles import ALL
from analysis.tables import count_cells

__all__ = [
    "RESPONSE_COLUMNS",
    "Responses",
    "cell_response",
    "dont_know_shares",
    "low_response",
    "role_mix_notes",
    "role_mix_shifts",
    "with_response",
]


@dataclass(frozen=True)
class Responses:
    """Who a round's cells speak for, as counts read from the database.

    ``invited``: ``unit, role, invited, completed`` of each unit's own invitations (None: the
    round has no invitations, so no invited count and no rate); ``headcounts``: unit code →
    people employed in its subtree; ``answers``: ``unit, role, item, answered, dont_know``.
    """

    invited: pd.DataFrame | None = None
    headcounts: Mapping[str, int | None] = field(default_factory=dict)
    answers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["unit", "role", "item", "answered", "dont_know"]
        )
    )

    def columns(
        self, aggregates: pd.DataFrame, tree: pd.DataFrame, q: Questionnaire, k: int
    ) -> pd.DataFrame:
        """``aggregates`` with the response columns (:func:`with_response`) of these counts."""
        response = None
        if self.invited is not None:
            response = cell_response(self.invited, tree, self.headcounts, k)
        return with_response(aggregates, response, dont_know_shares(self.answers, tree, q))


def cell_response(
    own: pd.DataFrame, tree: pd.DataFrame, headcount: Mapping[str, int | None], k: int
) -> pd.DataFrame:
    """Invited, headcount and response rate per unit (its subtree) and role (and ``all``).

    Parameters
    ----------
    own : DataFrame
        Columns ``unit, role, invited, completed``: each unit's own invitations per role.
    tree : DataFrame
        Columns ``unit, parent`` of the round's tree.
    headcount : mapping
        Unit code → people employed in its subtree (None: not given); it is per unit only,
        so only the ``all`` rows carry it.
    k : int
        Minimum group size: completed counts (and so rates) of hidden groups stay empty.

    Returns
    -------
    DataFrame
        Columns ``unit, role, invited, headcount, completed, response_rate``; ``completed``
        and ``response_rate`` are NA where the count is hidden or nobody was invited.
    """
    roles = own[["unit", "role"]]
    invited = rollup(
        roles.assign(index="count", n=own["invited"].astype(int)),
        tree[["unit", "parent"]],
        indices=["count"],
        values=("n",),
    )
    done = count_cells(roles.assign(n=own["completed"].astype(int)), tree, k)
    out = invited[["unit", "role"]].copy()
    out["invited"] = invited["n"].astype("Int64").to_numpy()
    shown = ~done["suppressed"].to_numpy(dtype=bool) & (out["invited"].to_numpy() > 0)
    completed = pd.array(np.where(shown, done["n"].to_numpy(), 0), dtype="Int64")
    completed[~shown] = pd.NA
    out["completed"] = completed
    heads = [
        headcount.get(u) if r == ALL else None
        for u, r in zip(out["unit"], out["role"], strict=True)
    ]
    out["headcount"] = pd.array(heads, dtype="Int64")
    rate = out["completed"].astype("Float64") / out["invited"].astype("Float64")
    out["response_rate"] = rate.where(out["completed"].notna())
    return out[["unit", "role", "invited", "headcount", "completed", "response_rate"]]


def dont_know_shares(answers: pd.DataFrame, tree: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The share of "vet ej" per unit (subtree) × role × index, among items that offer it.

    ``answers`` has columns ``unit, role, item, answered, dont_know``: per unit's own
    respondents, how many answers each item got ("vet ej" included) and how many of them were
    "vet ej". An index whose items offer no "vet ej" (or got no answer) has no share (NA).
    """
    offered = {i for i, (_, cat) in q.items.items() if cat.scale.dont_know}
    kept = answers[answers["item"].isin(offered)]
    frames = []
    for index in q.indices:
        items = {i.id for c in q.index_categories(index) for i in c.items} & offered
        if not items:
            continue
        part = kept[kept["item"].isin(items)]
        frames.append(part[["unit", "role", "answered", "dont_know"]].assign(index=index))
    if not frames:
        return pd.DataFrame(columns=["unit", "role", "index", "dont_know_share"])
    leaf = pd.concat(frames, ignore_index=True)
    indices = [i for i in q.indices if i in set(leaf["index"])]
    rolled = rollup(
        leaf, tree[["unit", "parent"]], indices=indices, values=("answered", "dont_know")
    )
    answered = rolled["answered"].to_numpy(dtype=float)
    share = np.divide(
        rolled["dont_know"].to_numpy(dtype=float),
        answered,
        out=np.full(len(rolled), np.nan),
        where=answered > 0,
    )
    return rolled[["unit", "role", "index"]].assign(dont_know_share=share)


def low_response(rate: float | None, threshold: float) -> bool:
    """True when a shown response rate is below the warning threshold (a share 0–1)."""
    return rate is not None and not pd.isna(rate) and float(rate) < threshold


def role_mix_shifts(
    current: pd.DataFrame, previous: pd.DataFrame, threshold: float
) -> dict[str, float]:
    """Units whose share of some role moved by more than ``threshold`` between two years.

    ``current`` and ``previous`` have columns ``unit, role, n`` (respondents per unit subtree
    and answering role, the previous year's already mapped onto this year's units). Returns
    unit → the largest absolute change of a role's share, for the units above the threshold
    that have respondents in both years. A change of the pooled ("all") mean in such a unit
    may be a change of who answered rather than of maturity.
    """

    def shares(frame: pd.DataFrame) -> pd.DataFrame:
        table = frame[frame["role"] != ALL].pivot_table(
            index="unit", columns="role", values="n", aggfunc="sum", fill_value=0
        )
        total = table.sum(axis=1)
        return table[total > 0].div(total[total > 0], axis=0)

    now, then = shares(current), shares(previous)
    units = now.index.intersection(then.index)
    roles = now.columns.union(then.columns)
    moved = (
        (
            now.reindex(index=units, columns=roles, fill_value=0.0)
            - then.reindex(index=units, columns=roles, fill_value=0.0)
        )
        .abs()
        .max(axis=1)
    )
    return {str(u): float(v) for u, v in moved.items() if v > threshold}


def with_response(
    aggregates: pd.DataFrame, response: pd.DataFrame | None, dont_know: pd.DataFrame | None
) -> pd.DataFrame:
    """``aggregates`` with :data:`RESPONSE_COLUMNS` appended, matched by unit and role (and
    index for the "vet ej" share); every one of them empty on a hidden row.

    ``response`` is :func:`cell_response`'s frame (None: the round has no invitations, so no
    invited count and no rate); ``dont_know`` is :func:`dont_know_shares`' frame.
    """
    key = pd.MultiIndex.from_frame(aggregates[["unit_code", "role"]])
    shown = ~aggregates["suppressed"].astype(bool).to_numpy()
    out = aggregates.copy()
    if response is not None:
        by = response.set_index(["unit", "role"])
        out["invited"] = by["invited"].reindex(key).to_numpy()
        out["headcount"] = by["headcount"].reindex(key).to_numpy()
        rate = (
            by["response_rate"]
            .astype("Float64")
            .reindex(key)
            .to_numpy(dtype=float, na_value=np.nan)
        )
        out["response_rate"] = np.where(shown, rate, np.nan)
    else:
        out["invited"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["headcount"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["response_rate"] = np.nan
    out["invited"] = out["invited"].astype("Int64")
    out["headcount"] = out["headcount"].astype("Int64")
    share = np.full(len(out), np.nan)
    if dont_know is not None and len(dont_know):
        by3 = dont_know.set_index(["unit", "role", "index"])["dont_know_share"]
        key3 = pd.MultiIndex.from_frame(aggregates[["unit_code", "role", "index"]])
        share = by3.reindex(key3).to_numpy(dtype=float)
    out["dont_know_share"] = np.where(shown, share, np.nan)
    return out


def role_mix_notes(aggregates: pd.DataFrame, threshold: float) -> dict[str, float]:
    """:func:`role_mix_shifts` read from the aggregates' shown rows.

    A role's respondents in a unit are the largest shown ``n`` (and ``compare_n``) over its
    indices; a composite alone may be hidden (for its partial respondents) while the group
    shows, so no one index is asked. A unit with a role whose rows are all hidden, or without a
    comparison, gets no note, so the note never rests on a hidden count.
    """
    rows = aggregates[aggregates["role"] != ALL]
    usable = rows["n"].notna() & rows["compare_n"].notna() & ~rows["suppressed"].astype(bool)
    per_role = rows.assign(usable=usable).groupby(["unit_code", "role"], sort=False)["usable"]
    unusable = per_role.any()
    blocked = set(unusable[~unusable].index.get_level_values(0))
    kept = rows[usable & ~rows["unit_code"].isin(blocked)]
    kept = kept.groupby(["unit_code", "role"], sort=False)[["n", "compare_n"]].max().reset_index()
    now = pd.DataFrame({"unit": kept["unit_code"], "role": kept["role"], "n": kept["n"]})
    then = pd.DataFrame({"unit": kept["unit_code"], "role": kept["role"], "n": kept["compare_n"]})
    return role_mix_shifts(now, then, threshold)
