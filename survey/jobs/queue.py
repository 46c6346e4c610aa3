"""The queue that carries job ids to ``mognad worker``: Huey, on SQLite or Redis.

Huey needs no broker of its own: by default its queue is a SQLite file in the instance folder
(``queue.db``), which suits one server with one worker, as ``make demo`` runs. With
``MOGNAD_QUEUE_URL=redis://…`` the queue is Redis, for several servers or workers. Either way
the queue carries only a job's id; what a job is and how it ended lives in the ``jobs`` table
(:mod:`survey.models.jobs`). Under ``TESTING`` (or ``MOGNAD_QUEUE_IMMEDIATE``) a job runs at
once in the process that enqueues it, so tests need no worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Job
from survey.models.jobs import UNFINISHED
from survey.services.audit import audit

EXTENSION = "mognad.queue"
TASK = "mognad.run_job"


@dataclass(frozen=True)
class Queue:
    huey: Huey
    run_job: Any  # the Huey task: calling it enqueues a job id (immediate mode: runs it)


def queue(app: Flask) -> Queue:
    """The app's queue, made on first use (a page that enqueues nothing opens no queue file)."""
    made = app.extensions.get(EXTENSION)
    if made is None:
        made = app.extensions[EXTENSION] = make_queue(app)
    return cast(Queue, made)


def make_queue(app: Flask) -> Queue:
    config = app.config
    url = str(config.get("QUEUE_URL") or "")
    immediate = config.get("QUEUE_IMMEDIATE")
    if immediate is None:  # unset: at once under TESTING, through the worker otherwise
        immediate = bool(config.get("TESTING"))
    huey: Huey
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey("mognad", url=url, immediate=immediate)
    else:
        path = url.removeprefix("sqlite:///") if url else str(Path(app.instance_path) / "queue.db")
        if not immediate:
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        huey = SqliteHuey("mognad", filename=path, immediate=immediate)

    @huey.task(name=TASK)
    def run_job_task(job_id: int) -> bool:
        from survey.jobs.run import run_job

        with app.app_context():
            return run_job(job_id)

    return Queue(huey, run_job_task)


def unfinished(session: Session, kind: str, target: str) -> Job | None:
    return session.scalar(
        select(Job)
        .where(Job.kind == kind, Job.target == target, Job.status.in_(UNFINISHED))
        .order_by(Job.id)
        .limit(1)
    )


def enqueue(
    app: Flask,
    session: Session,
    kind: str,
    target: str,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> Job:
    """Record a job, audit it, commit, and hand its id to the queue; the job, or the one of the
    same kind and target that is still queued or running (a second click queues nothing)."""
    existing = unfinished(session, kind, target)
    if existing is not None:
        return existing
    job = Job(kind=kind, target=target, actor=actor, detail=detail)
    session.add(job)
    session.flush()
    audit(session, "job.enqueue", actor=actor, job=job.id, kind=kind, round=target)
    session.commit()
    send(app, job.id)
    return job


def send(app: Flask, job_id: int) -> None:
    """Hand ``job_id`` to the queue (in immediate mode: run it now)."""
    queue(app).run_job(job_id)
