"""Fieldwork counts per unit: headcount, invitations, responses, and units above headcount.

Counts only, never answers, so they may be read while a round is still open (response rates
during fieldwork). Every count covers the unit and all its sub-units, the same scope as its
headcount and as its cells in the report. A unit with more responses than people is the mark
of a stuffed open link (or a wrong headcount), and ``mognad report`` says so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from analysis.safecell import csv_text
from survey.models import Invitation, InvitationCount, Response, Round, Unit
from survey.models.enums import InvitationStatus, RoundMode
from survey.services.errors import InputError


@dataclass(frozen=True)
class FieldworkRow:
    unit_code: str
    unit_name: str
    headcount: int | None
    invited: int | None  # None for an open-link round: nobody is invited
    completed: int | None
    responses: int
    over_headcount: bool


COLUMNS = tuple(f.name for f in fields(FieldworkRow))


def fieldwork(session: Session, rnd: Round) -> list[FieldworkRow]:
    """One row per unit of the round's year, in tree order (parents before sub-units)."""
    units = session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.headcount)
        .where(Unit.year == rnd.year)
        .order_by(Unit.code)
    ).all()
    parent = {u.id: u.parent_id for u in units}
    responses = _rolled(
        parent,
        session.execute(
            select(Response.unit_id, func.count())
            .where(Response.round_id == rnd.id)
            .group_by(Response.unit_id)
        ),
    )
    invited = completed = None
    if rnd.mode == RoundMode.INVITED:
        # Live invitations, plus the counts a purge kept once it deleted them.
        counts = [
            *session.execute(
                select(
                    Invitation.unit_id,
                    func.count(),
                    func.sum(case((Invitation.status == InvitationStatus.COMPLETED, 1), else_=0)),
                )
                .where(Invitation.round_id == rnd.id)
                .group_by(Invitation.unit_id)
            ),
            *session.execute(
                select(
                    InvitationCount.unit_id, InvitationCount.invited, InvitationCount.completed
                ).where(InvitationCount.round_id == rnd.id)
            ),
        ]
        invited = _rolled(parent, ((uid, n) for uid, n, _ in counts))
        completed = _rolled(parent, ((uid, int(done or 0)) for uid, _, done in counts))
    rows = {
        u.id: FieldworkRow(
            unit_code=u.code,
            unit_name=u.name,
            headcount=u.headcount,
            invited=None if invited is None else invited.get(u.id, 0),
            completed=None if completed is None else completed.get(u.id, 0),
            responses=responses.get(u.id, 0),
            over_headcount=u.headcount is not None and responses.get(u.id, 0) > u.headcount,
        )
        for u in units
    }
    return [rows[uid] for uid in _tree_order(parent)]


def _rolled(parent: dict[int, int | None], counts: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Add each unit's own count to it and to every unit above it."""
    total: dict[int, int] = {}
    for unit_id, n in counts:
        uid: int | None = unit_id
        while uid is not None:
            total[uid] = total.get(uid, 0) + int(n)
            uid = parent.get(uid)
    return total


def _tree_order(parent: dict[int, int | None]) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for uid, par in parent.items():  # already in code order
        children.setdefault(par, []).append(uid)
    order, stack = [], list(reversed(children.get(None, [])))
    while stack:
        uid = stack.pop()
        order.append(uid)
        stack.extend(reversed(children.get(uid, [])))
    return order


def over_headcount(rows: list[FieldworkRow]) -> list[str]:
    """One warning line per unit whose responses exceed its headcount."""
    return [
        f"warning: unit '{r.unit_code}' ({r.unit_name}) has {r.responses} responses but a "
        f"headcount of {r.headcount}: people outside the unit, or the same people more than "
        "once, may have answered through its link (or the headcount is out of date)"
        for r in rows
        if r.over_headcount
    ]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return csv_text(str(value))


def write_fieldwork(rows: list[FieldworkRow], out: Path) -> Path:
    """Write ``fieldwork.csv`` (UTF-8, ``\\n``); text neutralised against spreadsheet formulas."""
    path = Path(out) / "fieldwork.csv"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([_text(v) for v in astuple(r)] for r in rows)
    except OSError as e:
        raise InputError(f"cannot write the file ({e.strerror or e})", file=str(path)) from None
    return path
