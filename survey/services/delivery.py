"""How one run's messages leave: one at a time, each recorded before it goes.

Each message is recorded before it leaves: the invitation is marked ``sending`` (or its reminder
``sending``) together with its new token hash and *committed*, then the message goes to the
server, then the outcome is committed. A run that dies in between leaves at most one row in
flight, and the use cases (:mod:`survey.services.mail`) take the safe side with it. The caller
passes ``commit`` (the CLI's session commit), because here committing between messages *is* the
use case; ``compose`` and ``connect`` are passed in as well, so this module knows neither the
templates nor the server.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy.orm import Session

from survey.mail import MailError, Refused, Sender
from survey.models import Invitation, Round
from survey.models.enums import InvitationStatus, RoundStatus
from survey.services.links import personal_url
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


# A step marks one invitation before its message leaves ("start") and records the outcome.
Step = Callable[[Invitation, str], None]


def send_each(
    session: Session,
    rnd: Round,
    ids: list[int],
    delivery: Delivery,
    run: MailRun,
    step: Step,
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
    step: Step,
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
