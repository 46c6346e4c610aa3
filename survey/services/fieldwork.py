"""Fieldwork counts per unit: headcount, invitations, responses, and units above headcount.

Counts only, never answers, so they may be read while a round is still open (response rates
during fieldwork). Every count covers the unit and all its sub-units, the same scope as its
headcount and as its cells in the report. A unit with more responses than people is the mark
of a stuffed open link (or a wrong headcount), and ``mognad report`` says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session

from analysis.roles import ALL, ROLES
from analysis.safecell import csv_text
from analysis.tables import count_cells
from survey.models import Ballot, Invitation, InvitationCount, Response, Round, Unit
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.services.tallies import invitation_groups


@dataclass(frozen=True)
class FieldworkRow:
    unit_code: str
    unit_name: str
    headcount: int | None
    invited: int | None  # None for an open-link round: nobody is invited
    completed: int | None  # None also where held back (published rows: a hidden group)
    responses: int | None  # None only where held back
    over_headcount: bool


def _units(
    session: Session, rnd: Round
) -> tuple[list[Row[int, str, str, int | None, int | None]], dict[int, int | None]]:
    """The round year's units in code order, and each unit's parent id (for rolling counts up)."""
    units = list(
        session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.headcount)
            .where(Unit.year == rnd.year)
            .order_by(Unit.code)
        ).all()
    )
    return units, {u.id: u.parent_id for u in units}


def fieldwork(session: Session, rnd: Round) -> list[FieldworkRow]:
    """One row per unit of the round's year, in tree order (parents before sub-units)."""
    units, parent = _units(session, rnd)
    responses = _rolled(parent, ((u, n) for u, _, n in _response_groups(session, rnd)))
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


def published_fieldwork(session: Session, rnd: Round, k: int) -> list[FieldworkRow]:
    """:func:`fieldwork` with every count of a hidden group held back (``None``).

    Completed and response counts are the n of groups of people; a unit's count is published
    only where :func:`analysis.tables.count_cells` shows its ``all`` cell, each count suppressed
    on its own table (invitations answered, responses stored). Invited counts stay: they say
    who was asked, not who answered. Every page, file and report of a round's results takes
    its counts from here.
    """
    units, parent = _units(session, rnd)
    code = {u.id: u.code for u in units}
    tree = pd.DataFrame(
        {"unit": [u.code for u in units], "parent": [code.get(p) for p in parent.values()]}
    )
    own_completed = [(code[u], r, c) for u, r, _, _, c in _role_counts(session, rnd)]
    own_responses = [(code[u], r, n) for u, r, n in _response_groups(session, rnd)]
    shown_completed = _shown(own_completed, tree, k)
    shown_responses = _shown(own_responses, tree, k)
    return [
        replace(
            row,
            completed=row.completed if row.unit_code in shown_completed else None,
            responses=row.responses if row.unit_code in shown_responses else None,
        )
        for row in fieldwork(session, rnd)
    ]


def _response_groups(session: Session, rnd: Round) -> list[tuple[int, str, int]]:
    """(unit id, role, responses) where people answered.

    Closing stores small groups under larger units (``survey.services.atrest``); an open-link
    round keeps its counts per unit from just before (``invitation_counts``), because a
    unit with more responses than people is how a stuffed link shows. Otherwise: the
    responses where they are stored.
    """
    if rnd.mode == RoundMode.OPEN and rnd.status != RoundStatus.OPEN:
        kept = session.execute(
            select(InvitationCount.unit_id, InvitationCount.role, InvitationCount.completed).where(
                InvitationCount.round_id == rnd.id
            )
        ).all()
        if kept:
            return [(u, r, int(n)) for u, r, n in kept]
    return [
        (u, r, int(n))
        for u, r, n in session.execute(
            select(Response.unit_id, Response.role, func.count())
            .where(Response.round_id == rnd.id)
            .group_by(Response.unit_id, Response.role)
        )
    ]


def _shown(own: list[tuple[str, str, int]], tree: pd.DataFrame, k: int) -> set[str]:
    """Units whose ``all`` count may be shown (see :func:`analysis.tables.count_cells`)."""
    frame = pd.DataFrame(own, columns=["unit", "role", "n"])
    cells = count_cells(frame, tree, k)
    kept = cells[(cells["role"] == ALL) & ~cells["suppressed"]]
    return set(kept["unit"])


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
    """One warning line per unit whose responses exceed its headcount (for staff: give the
    rows of :func:`fieldwork`, not the published ones, whose small counts are held back)."""
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


# --- Live fieldwork per unit subtree and role (the staff page) ---------------------------------


@dataclass(frozen=True)
class Progress:
    """Counts of one unit subtree (and one role, or all roles) while the round runs."""

    invited: int | None  # None for an open-link round: nobody is invited
    started: int | None  # started but not yet submitted
    completed: int  # submitted (a ballot until the close, a response after)

    @property
    def percent(self) -> int | None:
        """Completed per cent of invited, rounded down so a unit at 49.6 % never reads 50 %."""
        if not self.invited:
            return None
        return self.completed * 100 // self.invited

    def below(self, threshold: float) -> bool:
        return bool(self.invited) and self.completed * 100 < threshold * (self.invited or 0)

    def under_k(self, k: int) -> bool:
        return self.completed < k


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    depth: int
    headcount: int | None
    total: Progress
    roles: dict[str, Progress]


def _role_counts(session: Session, rnd: Round) -> list[tuple[int, str, int, int, int]]:
    """(unit id, role, invited, started, completed) of each unit's own people.

    An invited round reads the invitations, whose status turns ``completed`` at submission;
    from the close (who answered) and the purge (who was invited) the kept counts per unit and
    role stand in for them. An open-link round has no invitations: its completed count is its
    pending ballots per unit link during fieldwork (a ballot's role is sealed inside it, so it
    counts for its unit, role "", only) and its responses (or the counts kept at close) after.
    """
    if rnd.mode == RoundMode.INVITED:
        live = invitation_groups(session, rnd.id)
        kept = session.execute(
            select(
                InvitationCount.unit_id,
                InvitationCount.role,
                InvitationCount.invited,
                InvitationCount.started,
                InvitationCount.completed,
            ).where(InvitationCount.round_id == rnd.id)
        ).all()
        return [(u, r, int(i), int(s or 0), int(c or 0)) for u, r, i, s, c in [*live, *kept]]
    rows = [(u, r, 0, 0, n) for u, r, n in _response_groups(session, rnd)]
    rows += [
        (unit_id, "", 0, 0, int(n))
        for unit_id, n in session.execute(
            select(Ballot.unit_id, func.count())
            .where(Ballot.round_id == rnd.id)
            .group_by(Ballot.unit_id)
        )
    ]
    return rows


def live_fieldwork(
    session: Session, rnd: Round, root: str | None = None, scope: set[str] | None = None
) -> list[UnitProgress]:
    """Rolled-up counts per unit of ``root``'s subtree (every unit when None), in tree order.

    ``scope`` limits the rows to those unit codes (a manager's subtrees); the counts of a row
    still cover its whole subtree, which lies inside the scope whenever the row does.
    """
    units, parent = _units(session, rnd)
    totals: dict[tuple[int, str], list[int]] = {}
    for unit_id, role, invited, started, completed in _role_counts(session, rnd):
        uid: int | None = unit_id
        while uid is not None:
            for key in {(uid, role), (uid, "")}:
                acc = totals.setdefault(key, [0, 0, 0])
                acc[0] += invited
                acc[1] += started
                acc[2] += completed
            uid = parent.get(uid)
    invited_round = rnd.mode == RoundMode.INVITED

    def progress(uid: int, role: str) -> Progress:
        invited, started, completed = totals.get((uid, role), [0, 0, 0])
        if not invited_round:
            return Progress(None, None, completed)
        return Progress(invited, started, completed)

    by_id = {u.id: u for u in units}
    root_id = next((u.id for u in units if u.code == root), None) if root else None
    out = []
    for uid in _tree_order(parent):
        chain = _chain(uid, parent)
        if root is not None and root_id not in chain:
            continue
        u = by_id[uid]
        if scope is not None and u.code not in scope:
            continue
        out.append(
            UnitProgress(
                code=u.code,
                name=u.name,
                depth=len(chain) - 1,
                headcount=u.headcount,
                total=progress(uid, ""),
                roles={role: progress(uid, role) for role in ROLES},
            )
        )
    return out


def _chain(uid: int, parent: dict[int, int | None]) -> list[int]:
    chain: list[int] = []
    cur: int | None = uid
    while cur is not None:
        chain.append(cur)
        cur = parent.get(cur)
    return chain


LIVE_COLUMNS = (
    "unit_code",
    "unit_name",
    "role",
    "invited",
    "started",
    "completed",
    "percent",
    "below_threshold",
    "under_k",
)


def live_fieldwork_csv(rows: list[UnitProgress], threshold: float, k: int) -> str:
    """The page's counts as CSV text, one line per unit and role (``all`` first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LIVE_COLUMNS)
    for row in rows:
        for role, p in [("all", row.total), *row.roles.items()]:
            values = (row.code, row.name, role, p.invited, p.started, p.completed, p.percent)
            writer.writerow(
                [_text(v) for v in values] + [_text(p.below(threshold)), _text(p.under_k(k))]
            )
    return buffer.getvalue()
