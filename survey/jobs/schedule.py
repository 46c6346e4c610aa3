"""Scheduled reminders: on each of a round's reminder dates the worker queues one reminder run.

The worker's periodic task (every few minutes, :func:`register_periodic`) looks for reminder
dates that have come (``round_reminders.on`` today or earlier) of open invited rounds and not yet
claimed. Each is claimed by an update that only a still unclaimed row matches (``claimed_at IS
NULL``), committed before the job is queued, so a date is sent once, also when two workers run
the periodic task at the same moment. A date that passed while the round was not open is left
unclaimed and goes out if the round opens later; a closed round sends nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.jobs.queue import enqueue
from survey.models import Round, RoundReminder
from survey.models.audit import utcnow
from survey.models.enums import RoundMode, RoundStatus

ACTOR = "schedule"  # the audit actor of jobs the schedule queues
EVERY_MINUTES = 5


def due(session: Session, today: date) -> list[tuple[int, str]]:
    """(reminder id, round name) of every unclaimed date that has come in an open invited round."""
    rows = session.execute(
        select(RoundReminder.id, Round.name)
        .join(Round, Round.id == RoundReminder.round_id)
        .where(
            RoundReminder.claimed_at.is_(None),
            RoundReminder.on <= today,
            Round.status == RoundStatus.OPEN.value,
            Round.mode == RoundMode.INVITED.value,
        )
        .order_by(RoundReminder.on, RoundReminder.id)
    )
    return [(rid, name) for rid, name in rows]


def send_due_reminders(app: Flask, session: Session, today: date | None = None) -> list[int]:
    """Queue a reminder job for every due date this call claims; the ids of the jobs."""
    today = today or date.today()
    jobs: list[int] = []
    for reminder_id, name in due(session, today):
        claimed = session.execute(
            update(RoundReminder)
            .where(RoundReminder.id == reminder_id, RoundReminder.claimed_at.is_(None))
            .values(claimed_at=utcnow())
        )
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
            continue  # another worker took this date
        job = enqueue(app, session, "reminders", name, ACTOR)
        session.execute(
            update(RoundReminder).where(RoundReminder.id == reminder_id).values(job_id=job.id)
        )
        session.commit()
        jobs.append(job.id)
    return jobs


def set_dates(session: Session, rnd: Round, dates: list[date]) -> None:
    """Make ``dates`` the round's reminder dates; a date already claimed (sent) stays."""
    existing = {r.on: r for r in session.scalars(select(RoundReminder).where(
        RoundReminder.round_id == rnd.id))}  # fmt: skip
    for on, reminder in existing.items():
        if on not in dates and reminder.claimed_at is None:
            session.delete(reminder)
    for on in dates:
        if on not in existing:
            session.add(RoundReminder(round_id=rnd.id, on=on))
    session.flush()


def dates_of(session: Session, rnd: Round) -> list[RoundReminder]:
    return list(
        session.scalars(
            select(RoundReminder).where(RoundReminder.round_id == rnd.id).order_by(RoundReminder.on)
        )
    )


def states(session: Session, rnd: Round, today: date) -> list[dict[str, Any]]:
    """Each reminder date with its state for the round page: ``sent`` (claimed by the worker),
    ``due`` (its day has come in an open round), ``waiting`` (its day has come but the round is
    not open: goes out if it opens), ``planned``; and the job that sent it."""
    from survey.models import Job

    rows = []
    for r in dates_of(session, rnd):
        if r.claimed_at is not None:
            state = "sent"
        elif r.on > today:
            state = "planned"
        else:
            state = "due" if rnd.status == RoundStatus.OPEN else "waiting"
        job = session.get(Job, r.job_id) if r.job_id else None
        rows.append({"id": r.id, "on": r.on, "state": state, "job": job})
    return rows


def register_periodic(huey: Any, app: Flask) -> None:
    """The worker's periodic task: every few minutes, queue the reminders whose day has come.

    Registered by ``mognad worker`` on its own queue, the only process whose Huey consumer runs
    periodic tasks; a web process that only enqueues has no use for it (and the queue module
    need not know the schedule, which enqueues through it)."""
    from huey import crontab

    @huey.periodic_task(crontab(minute=f"*/{EVERY_MINUTES}"), name="mognad.due_reminders")
    def due_reminders() -> list[int]:
        from survey.extensions import db

        with app.app_context():
            return send_due_reminders(app, db.session())
