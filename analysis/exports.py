"""Respondent-level files for analysts: coarsened units, no comments, no order of answering.

An analyst export has one row per response, so a unit with fewer than k respondents would hand
over a small group's answers row by row. Units are therefore *coarsened*: a unit with fewer than
k respondents (its own, plus those of sub-units merged into it) is merged into its parent, and so
on up to the nearest unit whose subtree has k; that unit (or the top of the tree), if what it
holds is still fewer than k, takes its smallest sub-group too, until it reaches k. Every
exported unit code then labels at least k rows. Closing a round stores its responses by the
same rule, per role (:mod:`analysis.atrest`).
The rows are sorted by unit, role and answers, so their order says nothing about who answered
first. Free-text comments are never exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pandas as pd

from analysis.datapackage import Field
from analysis.instruments import Questionnaire
from analysis.roles import ROLES
from analysis.safecell import csv_text
from analysis.tree import children_map, ordered
from analysis.workbook import workbook_bytes

__all__ = [
    "DONT_KNOW_CODE",
    "EXPORT_FORMATS",
    "coarsen_units",
    "export_bytes",
    "export_frame",
]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "sav")
#: "vet ej" in every export format: a code off every scale, declared user-missing in .sav.
DONT_KNOW_CODE = 99


def coarsen_units(
    parent: Mapping[str, str | None], counts: Mapping[str, int], k: int, *, strict: bool = True
) -> dict[str, str]:
    """Each unit's label: itself when its group has at least ``k`` respondents, else an ancestor.

    ``counts`` are each unit's own respondents (not its subtree's). Working up from the leaves,
    a unit's group is its own respondents plus the groups of its sub-units that were too small.
    A unit *stands* (labels its group) when its group has at least ``k``; also when it is a top
    unit or its whole subtree has at least ``k`` — then, while its group has ``0 < n < k``, its
    smallest standing sub-group (ties: code) is merged into it. Otherwise its group joins its
    parent's. So a small group is labelled with its nearest ancestor whose subtree reaches k,
    and never leaves a subtree of at least k respondents unless that subtree's own leftovers
    need it; the suppression of figures hides the same sub-cells (a block whose remainder is
    below k loses its smallest shown sub-cell), so the shown figures stay as they were. The
    same rule decides where a closed round's responses are stored (:mod:`analysis.atrest`).

    When the whole tree under a top unit has ``0 < n < k`` respondents, no labelling can reach
    k: with ``strict`` (an export, which must not show such a group) this raises ValueError;
    otherwise everything under that top unit is labelled with it.
    """
    order = ordered(parent, key=str)
    kids = children_map(parent)
    group = {u: int(counts.get(u, 0)) for u in order}
    total = dict(group)
    stands = dict.fromkeys(order, False)
    for u in reversed(order):
        group[u] += sum(group[c] for c in kids.get(u, []) if not stands[c])
        total[u] += sum(total[c] for c in kids.get(u, []))
        stands[u] = parent[u] is None or total[u] >= k
        while stands[u] and 0 < group[u] < k:
            below = _groups_below(u, kids, stands, group)
            if not below and not strict:
                break
            if not below:
                raise ValueError(
                    f"unit {u!r} and all units below it have {group[u]} respondents, "
                    f"fewer than the minimum group size {k}"
                )
            smallest = min(below, key=lambda v: (group[v], str(v)))
            step: str | None = smallest
            while step != u and step is not None:  # standing units on the way hold nothing
                stands[step] = False
                step = parent[step]
            group[u] += group[smallest]
    label: dict[str, str] = {}
    for u in order:
        up = parent[u]
        label[u] = u if stands[u] or up is None else label[up]
    return label


def _groups_below(
    top: str,
    kids: Mapping[str | None, Sequence[str]],
    stands: Mapping[str, bool],
    group: Mapping[str, int],
) -> list[str]:
    """The standing units with a group whose nearest such ancestor is ``top``.

    A unit may stand with an empty group (its subtree has k, all in standing sub-units); it is
    looked through, as merging it would merge nothing.
    """
    out, stack = [], list(kids.get(top, []))
    while stack:
        u = stack.pop()
        if stands[u] and group[u] > 0:
            out.append(u)
        else:
            stack.extend(kids.get(u, []))
    return out


def export_frame(
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    q: Questionnaire,
    labels: Mapping[str, str],
    unit_order: Sequence[str],
) -> pd.DataFrame:
    """One row per response: ``unit_code`` (coarsened), ``role``, then every item in order.

    ``responses`` has ``response, unit, role``; ``answers`` has ``response, item, value``
    (None for "vet ej", which becomes :data:`DONT_KNOW_CODE`; an unanswered item is empty).
    Response ids are only used to pivot and are dropped: rows are sorted by unit (tree order
    of ``unit_order``), role, then the answers themselves.
    """
    items = list(q.items)
    wide = (
        answers.assign(value=answers["value"].fillna(DONT_KNOW_CODE))
        .pivot(index="response", columns="item", values="value")
        .reindex(columns=items)
    )
    frame = responses.set_index("response")[["unit", "role"]].join(wide)
    frame["unit_code"] = frame["unit"].map(labels)
    pos = {u: i for i, u in enumerate(unit_order)}
    role_pos = {r: i for i, r in enumerate(ROLES)}
    frame = frame.assign(_u=frame["unit_code"].map(pos), _r=frame["role"].map(role_pos))
    frame = frame.sort_values(["_u", "_r", *items], kind="mergesort", na_position="last")
    out = frame[["unit_code", "role", *items]].reset_index(drop=True)
    out = out.astype({i: "Int64" for i in items})
    return out.astype({"unit_code": object, "role": object})


def _fields(q: Questionnaire) -> list[Field]:
    out = [
        Field("unit_code", "string", "Unit (coarsened to at least k respondents).",
              "Enhet (sammanslagen till minst k svarande)."),
        Field("role", "string", "Respondent role.", "Svarandes roll."),
    ]  # fmt: skip
    for iid, (item, cat) in q.items.items():
        s = cat.scale
        unit = f"{s.min}–{s.max}; {DONT_KNOW_CODE} = vet ej / don't know; empty = not answered"
        out.append(Field(iid, "integer", item.text.get("en", ""), item.text.get("sv", ""), unit))
    return out


def _sav(frame: pd.DataFrame, q: Questionnaire) -> bytes:
    import pyreadstat  # only the .sav export needs it

    labels = {"unit_code": "Enhet (sammanslagen till minst k svarande)", "role": "Roll"}
    values: dict[str, dict[float, str]] = {}
    missing: dict[str, list[int | float | str | Any]] = {}
    for iid, (item, cat) in q.items.items():
        labels[iid] = item.text.get("sv", iid)[:256]
        scale = cat.scale
        sv = scale.labels.get("sv", ())
        values[iid] = {
            float(v): (sv[i] if i < len(sv) else str(v)) for i, v in enumerate(scale.values)
        }
        values[iid][float(DONT_KNOW_CODE)] = "Vet ej"
        missing[iid] = [float(DONT_KNOW_CODE)]
    data = frame.astype({iid: float for iid in q.items})
    data = data.astype({"unit_code": str, "role": str})
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.sav"
        pyreadstat.write_sav(
            data,
            str(path),
            column_labels=[labels[c] for c in data.columns],
            variable_value_labels=values,
            missing_ranges=missing,
        )
        return path.read_bytes()


def export_bytes(frame: pd.DataFrame, fmt: str, q: Questionnaire, created: datetime) -> bytes:
    """The export as ``csv`` (UTF-8, text neutralised), ``xlsx`` (typed, with a dictionary
    sheet) or ``sav`` (SPSS, item texts as variable labels, scale labels as value labels,
    "vet ej" user-missing)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(frame.columns)
        items = list(q.items)
        numbers = frame[items].astype(object).where(frame[items].notna(), None).to_numpy()
        for unit, role, row in zip(frame["unit_code"], frame["role"], numbers, strict=True):
            values = ["" if v is None else str(int(v)) for v in row]
            writer.writerow([csv_text(str(unit)), csv_text(str(role)), *values])
        return buffer.getvalue().encode("utf-8")
    if fmt == "xlsx":
        return workbook_bytes(frame, "svar", _fields(q), created)
    if fmt == "sav":
        return _sav(frame, q)
    raise ValueError(f"unknown export format {fmt!r} (available: {', '.join(EXPORT_FORMATS)})")
