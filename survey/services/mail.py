"""Invitations and reminders by mail, idempotent across crashes.

Only the hash of a personal token is stored, so every message carries a fresh link for that
person alone (issuing it makes their earlier link stop working; the reminder says so).

Each message is recorded before it leaves: the invitation is marked ``sending`` (or its reminder
``sending``) together with its new token hash and *committed*, then the message goes to the
server, then ``sent`` is committed. A run that dies in between leaves at most one row in flight.
Whether that message arrived cannot be known, so the next run takes the safe side: it never
sends that invitation again (the row becomes ``unknown`` and is reported "check"; the next
reminder reaches them anyway, or ``--resend-unknown`` after checking the mail server's log),
and counts the in-flight reminder as given.

Reminders go in runs: a run first marks everyone who has been invited and not completed as
``due`` (committed), then sends to each due person once. A run that stops midway is resumed, not
restarted, by the next ``reminders send``, so nobody gets two reminders from one run; a new run
starts only when nobody is due any more. Someone who completes while due is skipped.

The services never commit themselves: the caller passes ``commit`` (the CLI's session commit),
because here committing between messages *is* the use case.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from survey.mail import MailError, Refused, Sender
from survey.models import Invitation, Round, Unit
from survey.models.audit import utcnow
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.services.errors import StateError
from survey.services.links import personal_url
from survey.services.rounds import get_round
from survey.tokens import new_token, token_hash

Compose = Callable[[str, str], EmailMessage]  # (recipient, personal link) -> message
Connect = Callable[[], AbstractContextManager[Sender]]
Progress = Callable[[int, int], None]  # (done, to do)


@dataclass
class MailRun:
    """What a run did (or, dry, would do).

    sent + skipped + failed + unknown + remaining = invitations; ``remaining`` are those a run
    with a ``limit`` left for the next run (the browser sends one batch per request).
    """

    kind: str  # "invitations" | "reminders"
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    remaining: int = 0
    dry_run: bool = False
    resumed: bool = False  # reminders: an interrupted run was continued
    failures: list[tuple[str, str]] = field(default_factory=list)  # (address, server's reason)
    error: str | None = None  # why the run stopped early (server unreachable, round closed)

    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "failed": self.failed,
            "unknown": self.unknown,
        }


@dataclass(frozen=True)
class Delivery:
    """How messages leave: ``compose`` builds one, ``connect`` opens a sender per batch."""

    base_url: str
    compose: Compose
    connect: Connect
    commit: Callable[[], None]
    progress: Progress | None = None
    batch: int = 50
    limit: int | None = None  # at most this many messages in this run (None: all)


def sendable_round(session: Session, name: str) -> Round:
    """The round, if mail may go out for it now; otherwise a StateError saying why not."""
    rnd = get_round(session, name)
    if rnd.mode != RoundMode.INVITED:
        raise StateError(
            f"round '{name}' is an open-link round: it has no personal invitations to mail "
            f"(hand out its unit links from 'mognad links {name}')"
        )
    if rnd.status != RoundStatus.OPEN:
        raise StateError(
            f"round '{name}' is {rnd.status}; invitations and reminders can only be sent while "
            f"a round is open"
            + (f" ('mognad round open {name}')" if rnd.status == RoundStatus.DRAFT else "")
        )
    return rnd


def _total(session: Session, rnd: Round) -> int:
    return session.scalar(select(func.count()).where(Invitation.round_id == rnd.id)) or 0


def _ids(session: Session, query: Select[int]) -> list[int]:
    return list(session.scalars(query))


def _invitable(rnd: Round, resend_unknown: bool) -> Select[int]:
    states = ["failed", "unknown"] if resend_unknown else ["failed"]
    return (
        select(Invitation.id)
        .where(
            Invitation.round_id == rnd.id,
            Invitation.status != InvitationStatus.COMPLETED,
            Invitation.email.is_not(None),
            Invitation.mail_state.is_(None) | Invitation.mail_state.in_(states),
        )
        .order_by(Invitation.id)
    )


def send_invitations(
    session: Session,
    round_name: str,
    delivery: Delivery | None,
    *,
    resend_unknown: bool = False,
) -> MailRun:
    """Mail everyone not yet invited (and retry refused ones); ``delivery=None`` is a dry run."""
    rnd = sendable_round(session, round_name)
    run = MailRun("invitations", dry_run=delivery is None)
    in_flight = Invitation.round_id == rnd.id, Invitation.mail_state == "sending"
    if delivery is not None:
        session.execute(update(Invitation).where(*in_flight).values(mail_state="unknown"))
        session.flush()
        delivery.commit()
    ids = _ids(session, _invitable(rnd, resend_unknown))
    if delivery is not None:
        _send_each(session, rnd, ids, delivery, run, _invitation_step)
    else:
        run.sent = len(ids)
    # Every invitation whose mail may or may not have arrived, reported on every run until
    # resolved; a dry run that would resend them does not count them twice.
    unknown = select(func.count()).where(
        Invitation.round_id == rnd.id, Invitation.mail_state.in_(("unknown", "sending"))
    )
    if delivery is None and resend_unknown:
        unknown = unknown.where(Invitation.id.not_in(ids))
    run.unknown = session.scalar(unknown) or 0
    run.skipped = _total(session, rnd) - run.sent - run.failed - run.unknown - run.remaining
    return run


def subtree_ids(session: Session, rnd: Round, code: str) -> list[int]:
    """The ids of unit ``code`` and every unit below it in the round's year (a scoped run)."""
    rows = session.execute(select(Unit.id, Unit.parent_id, Unit.code).where(Unit.year == rnd.year))
    children: dict[int | None, list[int]] = {}
    start = []
    for uid, parent, ucode in rows:
        children.setdefault(parent, []).append(uid)
        if ucode == code:
            start.append(uid)
    seen: list[int] = []
    while start:
        uid = start.pop()
        seen.append(uid)
        start += children.get(uid, [])
    return seen


def send_reminders(
    session: Session,
    round_name: str,
    delivery: Delivery | None,
    unit_ids: list[int] | None = None,
) -> MailRun:
    """One reminder to each invited person who has not completed, at most once per run.

    ``unit_ids`` limits the run to the invitations of those units (a förvaltning's
    administrator reminds their own subtree only, :func:`subtree_ids`).
    """
    rnd = sendable_round(session, round_name)
    run = MailRun("reminders", dry_run=delivery is None)
    in_round = Invitation.round_id == rnd.id
    if unit_ids is not None:
        in_round = in_round & Invitation.unit_id.in_(unit_ids)
    in_flight = (in_round, Invitation.reminder_state == "sending")
    due = select(Invitation.id).where(in_round, Invitation.reminder_state.is_not(None))
    # Invited (or possibly invited) and not completed; a refused invitation gets no reminder.
    remindable = (
        in_round,
        Invitation.status != InvitationStatus.COMPLETED,
        Invitation.email.is_not(None),
        Invitation.mail_state.in_(("sent", "unknown")),
    )
    run.resumed = session.scalar(due.limit(1)) is not None
    if delivery is not None:
        # A reminder in flight when a run stopped may have arrived: count it, never resend it.
        run.unknown = session.scalar(select(func.count()).where(*in_flight)) or 0
        session.execute(
            update(Invitation)
            .where(*in_flight)
            .values(reminder_state=None, reminders=Invitation.reminders + 1)
        )
        if not run.resumed:
            session.execute(update(Invitation).where(*remindable).values(reminder_state="due"))
        session.flush()
        delivery.commit()
        ids = _ids(session, due.order_by(Invitation.id))
        _send_each(session, rnd, ids, delivery, run, _reminder_step)
    elif run.resumed:
        due_now = (
            Invitation.reminder_state == "due",
            Invitation.status != InvitationStatus.COMPLETED,
        )
        run.sent = session.scalar(select(func.count()).where(in_round, *due_now)) or 0
        run.unknown = session.scalar(select(func.count()).where(*in_flight)) or 0
    else:
        run.sent = session.scalar(select(func.count()).where(*remindable)) or 0
    total = session.scalar(select(func.count()).where(in_round)) or 0
    run.skipped = total - run.sent - run.failed - run.unknown - run.remaining
    return run


# A step marks one invitation before its message leaves ("start") and records the outcome.
Step = Callable[[Invitation, str], None]


def _invitation_step(inv: Invitation, outcome: str) -> None:
    if outcome == "start":
        inv.mail_state = "sending"
    elif outcome == "sent":
        inv.mail_state, inv.invited_at = "sent", utcnow()
    else:  # "failed" | "unknown"
        inv.mail_state = outcome


def _reminder_step(inv: Invitation, outcome: str) -> None:
    if outcome == "start":
        inv.reminder_state = "sending"
        return
    inv.reminder_state = None
    if outcome in ("sent", "unknown"):
        inv.reminders += 1


def _send_each(
    session: Session,
    rnd: Round,
    ids: list[int],
    delivery: Delivery,
    run: MailRun,
    step: Callable[[Invitation, str], None],
) -> None:
    """Send one message per invitation in ``ids``, committing around each; stop on MailError.

    With ``delivery.limit`` only the first ones go; the rest stay due for the next run (an
    invitation without a mail state, a reminder marked due), so runs can be chained.
    """
    if delivery.limit is not None and len(ids) > delivery.limit:
        run.remaining = len(ids) - delivery.limit
        ids = ids[: delivery.limit]
    done = 0
    for start in range(0, len(ids), max(1, delivery.batch)):
        chunk = ids[start : start + max(1, delivery.batch)]
        session.refresh(rnd)
        if rnd.status != RoundStatus.OPEN:
            run.error = f"round '{rnd.name}' was {rnd.status} during the run; stopped"
            return
        try:
            with delivery.connect() as sender:
                for inv_id in chunk:
                    if not _send_one(session, inv_id, sender, delivery, run, step):
                        return
                    done += 1
        except MailError as e:  # connecting failed: no message of this batch was in flight
            run.error = str(e)
            return
        if delivery.progress is not None:
            delivery.progress(done, len(ids))


def _send_one(
    session: Session,
    inv_id: int,
    sender: Sender,
    delivery: Delivery,
    run: MailRun,
    step: Callable[[Invitation, str], None],
) -> bool:
    """Send one message; False when the run must stop (the error is on ``run``)."""
    inv = session.get(Invitation, inv_id)
    if inv is None or inv.status == InvitationStatus.COMPLETED or not inv.email:
        if inv is not None and inv.reminder_state == "due":
            inv.reminder_state = None  # completed since the run began: no reminder
            session.flush()
            delivery.commit()
        return True
    token = new_token()
    msg = delivery.compose(inv.email, personal_url(delivery.base_url, token))
    inv.token_hash = token_hash(token)
    step(inv, "start")
    session.flush()
    delivery.commit()  # recorded before it leaves: a crash from here on is never resent
    try:
        sender.send(msg)
    except Refused as e:
        step(inv, "failed")
        run.failed += 1
        run.failures.append((inv.email, str(e)))
    except MailError as e:
        step(inv, "unknown")
        run.unknown += 1
        run.error = str(e)
    else:
        step(inv, "sent")
        run.sent += 1
    session.flush()
    delivery.commit()
    return run.error is None
