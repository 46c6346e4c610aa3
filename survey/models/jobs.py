"""Background jobs: one row per slow action a web request hands to the worker.

The row, not the queue, is the truth about a job: the queue (Huey) only carries its id. So a
job page reads its status from the database whatever queue is configured, and a worker claims
the row (a row lock, then ``running``) before it runs, which is what keeps a job from running
twice, also when two workers share the queue or a message is delivered twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import Model
from survey.models.audit import utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# A job of these statuses is still to finish: a second one for the same target is not queued.
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_kind_target", "kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # "publish" | "close" | "invitations" | …
    target: Mapped[str] = mapped_column(String(200))  # the round's name
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    # A stage key ("verifying", …) the job page translates; never data.
    progress: Mapped[str | None] = mapped_column(String(200), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))  # who asked, for the audit entries
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the job needs besides its target (a mail job's language, a browser publish's preview
    # fingerprint) and what it counted (a mail job's sent/skipped/failed/unknown); never an
    # address or other personal data.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class RoundReminder(Model):
    """A date on which the worker sends the round's reminders (once: ``claimed_at`` is set by
    the one worker that queues the job, in an update only a still unclaimed row matches)."""

    __tablename__ = "round_reminders"
    __table_args__ = (UniqueConstraint("round_id", "on", name="round_reminder_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column(Date)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    job_id: Mapped[int | None] = mapped_column(nullable=True)
