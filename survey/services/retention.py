"""How long a round keeps personal data, what it holds now, and the purge that ends it.

After close the only personal data left are the invitations: e-mail and token hash (closing
already turned *whether* each person answered into counts per unit and role). Purging turns the
invitations themselves into anonymous counts per unit and role, so response rates survive, and
deletes the rest; responses are never touched, so every report of the round stays byte for byte
the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from survey.models import Draft, Invitation, InvitationCount, Response, Round
from survey.models.audit import utcnow
from survey.models.enums import FINISHED, InvitationStatus
from survey.models.rounds import TRACES_NOT_CHECKED
from survey.services.ballots import delete_round_drafts, pending_count
from survey.services.errors import StateError
from survey.services.rounds import get_round
from survey.services.tallies import add_counts, invitation_groups


@dataclass(frozen=True)
class Counts:
    invited: int = 0
    started: int = 0  # started but not submitted
    completed: int = 0


@dataclass(frozen=True)
class RoundStatus:
    round: Round
    counts: Counts
    drafts: int
    responses: int
    pending: int
    purge_due: date | None  # None while the round is open or a draft


def invitation_counts(session: Session, round_id: int) -> Counts:
    """Invited/started/completed from the invitations, plus what close and purge kept as counts."""
    status = Invitation.status
    live = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((status == InvitationStatus.STARTED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((status == InvitationStatus.COMPLETED, 1), else_=0)), 0),
        ).where(Invitation.round_id == round_id)
    ).one()
    kept = session.execute(
        select(
            func.coalesce(func.sum(InvitationCount.invited), 0),
            func.coalesce(func.sum(InvitationCount.started), 0),
            func.coalesce(func.sum(InvitationCount.completed), 0),
        ).where(InvitationCount.round_id == round_id)
    ).one()
    return Counts(*(int(a) + int(b) for a, b in zip(live, kept, strict=True)))


def purge_due(rnd: Round, retention_days: int) -> date | None:
    """The day personal data should be gone; a closed round without a close date is due now."""
    if rnd.status not in FINISHED:
        return None
    if rnd.closed_at is None:
        return date.min
    return rnd.closed_at.date() + timedelta(days=retention_days)


def round_status(session: Session, name: str, retention_days: int) -> RoundStatus:
    rnd = get_round(session, name)
    count = func.count()
    return RoundStatus(
        round=rnd,
        counts=invitation_counts(session, rnd.id),
        drafts=session.scalar(select(count).select_from(Draft).where(Draft.round_id == rnd.id))
        or 0,
        responses=session.scalar(
            select(count).select_from(Response).where(Response.round_id == rnd.id)
        )
        or 0,
        pending=pending_count(session, rnd.id),
        purge_due=purge_due(rnd, retention_days),
    )


def has_personal_data(session: Session, round_id: int) -> bool:
    for model in (Invitation, Draft):
        if session.scalar(select(model.id).where(model.round_id == round_id).limit(1)):
            return True
    return False


@dataclass(frozen=True)
class Purged:
    invitations: int
    drafts: int


def purge_round(session: Session, name: str) -> Purged:
    """Delete a closed round's personal data, keeping anonymous invitation counts.

    The caller commits and then removes and verifies the dead row versions that still hold
    e-mails (survey.traces).
    """
    rnd = get_round(session, name)
    if rnd.status not in FINISHED:
        raise StateError(
            f"round '{name}' is {rnd.status}; only a closed or published round can be purged "
            f"(close it first with 'mognad round close {name}')"
        )
    drafts = delete_round_drafts(session, rnd.id)
    invitations = add_counts(session, rnd.id, invitation_groups(session, rnd.id))
    session.execute(delete(Invitation.__table__).where(Invitation.__table__.c.round_id == rnd.id))
    rnd.purged_at = utcnow()
    # Not verified until survey.traces has checked, after the commit, that the deleted e-mails
    # left no dead row version behind.
    rnd.traces_verified_at = None
    rnd.traces_problem = TRACES_NOT_CHECKED
    session.flush()
    return Purged(invitations, drafts)
