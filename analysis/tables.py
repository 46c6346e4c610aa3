"""The open-data tables beside the aggregates: units, indices, competence gaps and fieldwork.

Each takes what the figures already hold (nothing is recomputed) and shapes it into the
columns that :mod:`analysis.datapackage` describes; :mod:`analysis.opendata` writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.aggregate import rollup
from analysis.instruments import DIMENSIONS, Questionnaire
from analysis.roles import ALL, OUTPUT_ROLES, ROLES
from analysis.scoring import applicable_indices
from analysis.suppression import suppress_cells
from analysis.tree import ancestors, parent_map

__all__ = [
    "MATURITY_LABEL",
    "PATH_SEPARATOR",
    "count_cells",
    "fieldwork_table",
    "gap_table",
    "index_table",
    "unit_table",
]

PATH_SEPARATOR = " / "
#: ``maturity`` is the one index that is neither a dimension nor a category of the instrument.
MATURITY_LABEL = {"sv": "Digital mognad", "en": "Digital maturity"}


def unit_table(
    units: pd.DataFrame, headcounts: Mapping[str, int | None] | None = None
) -> pd.DataFrame:
    """``units.csv``: unit code, name, parent code, level, the path of names from the top and
    the headcount (the unit and its sub-units; empty where the organisation file gave none).

    The path tells apart units that share a name ("Administration" under several
    förvaltningar). ``units`` has columns ``unit, name, parent, level`` in tree order. The
    columns are named as in every other file (``unit_code``, ``unit_name``, ``unit_level``)
    so that joins need no renaming.
    """
    heads = headcounts or {}
    parent = parent_map(units["unit"], units["parent"])
    names = dict(zip(units["unit"], units["name"], strict=True))
    paths = [
        PATH_SEPARATOR.join(str(names[a]) for a in reversed(ancestors(code, parent)))
        for code in units["unit"]
    ]
    return pd.DataFrame(
        {
            "unit_code": units["unit"].astype(object),
            "unit_name": units["name"].astype(object),
            "parent_code": units["parent"].where(units["parent"].notna(), None).astype(object),
            "unit_level": units["level"].astype("Int64"),
            "path": paths,
            "headcount": pd.array([heads.get(c) for c in units["unit"]], dtype="Int64"),
        }
    )


def index_table(q: Questionnaire) -> pd.DataFrame:
    """``indices.csv``: every index id of the outputs with its labels, item counts, roles, kind
    (a plan area is an index of its own, ``analysis.plan_areas``) and the categories it averages.

    Items are counted per role (``items_employee`` …): an index averages only the items a
    role is asked, so a count across roles (maturity: 31) says nothing about what any one
    respondent answered (an employee: 5).
    """
    applies = applicable_indices(q)
    areas = {a.id: a for a in q.plan_areas}
    rows = []
    for index in q.indices:
        cats = q.index_categories(index)
        if index == "maturity":
            kind, dimension, label = "maturity", "", MATURITY_LABEL
        elif index in DIMENSIONS:
            kind, dimension = "dimension", index
            label = next(d.title for d in q.dimensions if d.id == index)
        elif index in areas:
            kind, dimension, label = "plan_area", "", areas[index].title
        else:
            kind, dimension, label = "category", cats[0].dimension, cats[0].title
        roles = [r for r in OUTPUT_ROLES if r != ALL and index in applies[r]]
        counts = [
            sum(1 for c in cats for i in c.items if r in i.roles) if r in roles else None
            for r in ROLES
        ]
        rows.append(
            (index, dimension, label.get("sv", ""), label.get("en", ""), *counts,
             " ".join(roles), kind, " ".join(c.id for c in cats))
        )  # fmt: skip
    items = [f"items_{r}" for r in ROLES]
    frame = pd.DataFrame(
        rows,
        columns=["index", "dimension", "label_sv", "label_en", *items, "roles", "kind",
                 "categories"],
    )  # fmt: skip
    return frame.astype(dict.fromkeys(items, "Int64"))


def gap_table(gaps: pd.DataFrame, round_name: str) -> pd.DataFrame:
    """``gaps.csv`` from the figures' gap frame (already suppressed: figures empty when hidden)."""
    hidden = gaps["suppressed"].astype(bool)
    return pd.DataFrame(
        {
            "round": round_name,
            "unit_code": gaps["unit"].astype(object),
            "role": gaps["role"].astype(object),
            "category": gaps["category"].astype(object),
            "target": gaps["target"].round().astype("Int64"),
            "n": gaps["n"].astype("Int64"),
            "mean_level": gaps["mean_level"].where(~hidden).astype(float),
            "gap": gaps["gap"].where(~hidden).astype(float),
            "share_below": gaps["share_below"].where(~hidden).astype(float),
            "rank": gaps["rank"].astype("Int64"),
            "suppressed": hidden.to_numpy(),
            "hidden_reason": gaps["hidden_reason"].where(hidden, "").astype(object)
            if "hidden_reason" in gaps.columns
            else np.where(hidden, "complementary", "").astype(object),
        }
    )


def count_cells(own: pd.DataFrame, tree: pd.DataFrame, k: int) -> pd.DataFrame:
    """People counts per unit subtree and role (and ``all``), with the cells to keep back.

    A count of those who answered is the n of a cell: a unit whose count is 1 (or any number
    below k) says who answered, and counts add up, so a parent's count minus its other
    children's gives a hidden child's. The counts are therefore suppressed like the figures'
    cells, primary and complementary over the tree and the roles
    (:func:`analysis.suppression.suppress_cells`); the same counts give the same pattern as
    the figures whose n they are.

    ``own`` has columns ``unit, role, n``: each unit's own people per respondent role (repeats
    are summed). Returns ``unit, role, n, suppressed`` for every unit of ``tree`` × role
    (``all`` included), ``n`` over the unit's subtree; an empty cell (n = 0) is suppressed too.
    """
    leaf = own.assign(index="count")[["unit", "role", "index", "n"]]
    rolled = rollup(leaf, tree[["unit", "parent"]], indices=["count"], values=("n",))
    flags = suppress_cells(rolled, tree[["unit", "parent"]], k)
    return rolled.assign(suppressed=flags.to_numpy())[["unit", "role", "n", "suppressed"]]


def fieldwork_table(rows: Iterable[Mapping[str, Any]], round_name: str) -> pd.DataFrame:
    """``fieldwork.csv``: headcount, invited and completed per unit with invitations.

    Counts of people, never answers, so response rates can be published; units without
    invitations (and every unit of an open-link round, where nobody is invited) are left out,
    as are raw response counts, which belong to administrators. The headcount (people
    employed, from the organisation file) says how much of the unit was invited. A completed
    count the rows hold back (``None``: a hidden group, see :func:`count_cells`) stays empty,
    and so does its response rate.
    """
    kept = [r for r in rows if isinstance(r.get("invited"), int) and r["invited"] > 0]
    frame = pd.DataFrame(
        {
            "round": [round_name] * len(kept),
            "unit_code": [r["unit_code"] for r in kept],
            "unit_name": [r["unit_name"] for r in kept],
            "headcount": pd.array([r.get("headcount") for r in kept], dtype="Int64"),
            "invited": pd.array([r["invited"] for r in kept], dtype="Int64"),
            "completed": pd.array([r["completed"] for r in kept], dtype="Int64"),
        }
    )
    frame["response_rate"] = (frame["completed"] / frame["invited"]).astype(float)
    return frame.astype({"round": object, "unit_code": object, "unit_name": object})
