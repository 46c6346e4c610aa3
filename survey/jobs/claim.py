"""Claim a queued job so that it runs once, whatever the queue delivers.

The queue may hand one job id to two workers (two consumers on one Redis, a message delivered
again after a crash, a second enqueue of the same id), so the database decides: a worker takes
the job row's lock and moves it from ``queued`` to ``running`` in one short transaction, and
runs the job only if that move was its own. On PostgreSQL the lock is ``SELECT … FOR UPDATE
SKIP LOCKED`` (a second worker skips the row instead of waiting for it, then finds it running);
on SQLite, which locks the whole file, ``BEGIN IMMEDIATE`` takes the write lock before the
status is read, so no second worker can read ``queued`` between the read and the update.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from survey.models import Job
from survey.models.audit import utcnow
from survey.models.jobs import JobStatus

QUEUED, RUNNING = JobStatus.QUEUED.value, JobStatus.RUNNING.value


def claim(engine: Engine, job_id: int) -> bool:
    """Move job ``job_id`` from queued to running (committed); False if another worker has it,
    it ran already or it does not exist."""
    table = Job.__table__
    start = update(table).where(table.c.id == job_id).values(status=RUNNING, started_at=utcnow())
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                status = conn.scalar(select(table.c.status).where(table.c.id == job_id))
                if status == QUEUED:
                    conn.execute(start)
                conn.exec_driver_sql("COMMIT")
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            return status == QUEUED
    with engine.begin() as conn:
        status = conn.scalar(
            select(table.c.status).where(table.c.id == job_id).with_for_update(skip_locked=True)
        )
        if status != QUEUED:  # None: locked by another worker (skipped) or no such job
            return False
        conn.execute(start)
        return True
