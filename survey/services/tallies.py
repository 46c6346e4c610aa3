"""Invitations as anonymous counts per unit and role: what close and purge keep of them.

Closing keeps how many started and completed (and forgets who); purging keeps how many were
invited (and forgets the people). Both add to the same ``invitation_counts`` rows, so live
invitations plus kept counts always give the round's totals, before and after each step.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from survey.models import Invitation, InvitationCount
from survey.models.enums import InvitationStatus


def invitation_groups(session: Session, round_id: int) -> list[tuple[int, str, int, int, int]]:
    """(unit id, role, invited, started, completed) of the round's live invitations."""
    status = Invitation.status
    rows = session.execute(
        select(
            Invitation.unit_id,
            Invitation.role,
            func.count(),
            func.sum(case((status == InvitationStatus.STARTED, 1), else_=0)),
            func.sum(case((status == InvitationStatus.COMPLETED, 1), else_=0)),
        )
        .where(Invitation.round_id == round_id)
        .group_by(Invitation.unit_id, Invitation.role)
    ).all()
    return [(u, r, int(i), int(st or 0), int(c or 0)) for u, r, i, st, c in rows]


def add_counts(
    session: Session, round_id: int, groups: list[tuple[int, str, int, int, int]]
) -> int:
    """Add (unit id, role, invited, started, completed) to the round's kept counts; invited."""
    invitations = 0
    for unit_id, role, invited, started, completed in groups:
        row = session.get(InvitationCount, (round_id, unit_id, role))
        if row is None:
            row = InvitationCount(
                round_id=round_id, unit_id=unit_id, role=role, invited=0, started=0, completed=0
            )
            session.add(row)
        row.invited += int(invited)
        row.started += int(started or 0)
        row.completed += int(completed or 0)
        invitations += int(invited)
    session.flush()
    return invitations
