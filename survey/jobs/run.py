"""Run a claimed job: the same services as the commands, then the outcome on the job row.

Each kind is the body of what the web request did before jobs existed, with the request's
person as the audit actor: ``publish`` builds the files and moves the round in one transaction
(:func:`survey.services.publish.publish_round`) — when the browser queued it, only if the
preview the person read is still current and opened (the fingerprint in ``detail``, asked
again here since the job may run minutes later); ``preview`` builds the same documents marked
as a draft (:func:`survey.services.preview.build_preview`); ``close`` closes in one transaction
and then, committed, removes and verifies the deleted rows' traces
(:func:`survey.traces.check_round`). A job that fails leaves the round as it was (the services
roll back) and stores why; the audit log records the outcome either way. A job never re-runs:
it is claimed once (:func:`survey.jobs.claim.claim`), and a failed one is queued again by the
person, as a new job.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.jobs import mail
from survey.jobs.claim import claim
from survey.models import Job
from survey.models.audit import utcnow
from survey.models.enums import RoundStatus
from survey.models.jobs import JobStatus
from survey.services.audit import audit
from survey.services.ballots import BallotsUnopened
from survey.services.errors import MognadError
from survey.services.preview import READY, PreviewNotCurrent, preview_state, wording
from survey.services.rounds import get_round
from survey.services.settings import DataSettings, FigureSettings

log = logging.getLogger(__name__)

# Stage keys stored in ``jobs.progress``; the job page says them in the reader's language.
BUILDING, CLOSING, VERIFYING = "building", "closing", "verifying"
PREVIEWING = "previewing"
# An error stored for a close refused because ballots cannot be opened: ``unopened:n:of:keys``.
UNOPENED = "unopened"
# An error stored for a publish whose preview is no longer what was read: ``preview:stale``.
PREVIEW = "preview"
# The ``detail`` key of a browser's publish job: the preview's fingerprint at the click. The
# command line publishes without a job, so a publish job without it is not held back.
SEEN = "preview_seen"


def run_job(job_id: int) -> bool:
    """Claim job ``job_id`` and run it; False if it was not this worker's to run."""
    if not claim(db.engine, job_id):
        log.info("job %s: not claimed (running elsewhere, finished or unknown)", job_id)
        return False
    session = db.session()
    job = session.get(Job, job_id)
    assert job is not None  # claimed, so it exists
    kind, target, actor = job.kind, job.target, job.actor
    try:
        KINDS[kind](session, job)
    except BallotsUnopened as e:
        session.rollback()
        finish(session, job_id, f"{UNOPENED}:{e.unopened}:{e.pending}:{','.join(e.key_ids)}")
    except PreviewNotCurrent as e:
        session.rollback()
        finish(session, job_id, f"{PREVIEW}:{e.state}")
    except MognadError as e:
        session.rollback()
        finish(session, job_id, str(e))
    except Exception as e:  # the worker survives; the page says it failed, the log says where
        session.rollback()
        log.error(
            "job %s (%s) failed: %s\n%s",
            job_id,
            kind,
            type(e).__name__,
            "".join(traceback.format_tb(e.__traceback__)),
        )
        finish(session, job_id, f"{type(e).__name__}")
    else:
        finish(session, job_id, None)
    log.info("job %s (%s %s, by %s) finished", job_id, kind, target, actor)
    return True


def finish(session: Session, job_id: int, error: str | None) -> None:
    """Record the outcome on the row and in the audit log (committed)."""
    job = session.get(Job, job_id)
    assert job is not None
    job.status = JobStatus.FAILED.value if error else JobStatus.DONE.value
    job.finished_at = utcnow()
    job.error = error
    job.progress = None
    audit(
        session, f"job.{job.status}", actor=job.actor, job=job.id, kind=job.kind,
        round=job.target, error=error,
    )  # fmt: skip
    session.commit()


def stage(session: Session, job: Job, key: str) -> None:
    """Show the job's stage on its page now (committed; the job holds no transaction open)."""
    job.progress = key
    session.commit()


def publish(session: Session, job: Job) -> None:
    from survey.results.report import write_documents
    from survey.services.publish import publish_round

    stage(session, job, BUILDING)
    name, actor, config = job.target, job.actor, current_app.config
    seen = (job.detail or {}).get(SEEN)
    rnd = get_round(session, name)
    settings = FigureSettings.of(config)
    if seen is not None and rnd.status == RoundStatus.CLOSED:  # else publish_round says why
        state = preview_state(session, rnd, settings, wording(config), seen=str(seen))
        if state != READY:
            raise PreviewNotCurrent(name, state)
    publish_round(session, name, settings, write_documents, DataSettings.of(config), actor)
    audit(session, "round.publish", actor=actor, round=name)
    session.commit()


def preview(session: Session, job: Job) -> None:
    """The draft documents shown before publishing (:mod:`survey.services.preview`)."""
    from survey.results.report import write_documents
    from survey.services.preview import build_preview

    stage(session, job, PREVIEWING)
    config = current_app.config
    build_preview(session, job.target, FigureSettings.of(config), write_documents, wording(config))
    audit(session, "round.preview", actor=job.actor, round=job.target)
    session.commit()


def close(session: Session, job: Job) -> None:
    from survey.sealing import app_sealer
    from survey.services.transitions import move_round
    from survey.traces import check_round

    stage(session, job, CLOSING)
    name, actor = job.target, job.actor
    settings = FigureSettings.of(current_app.config)
    move_round(session, name, "close", sealer=app_sealer(), settings=settings)
    audit(session, "round.close", actor=actor, round=name)
    session.commit()
    stage(session, job, VERIFYING)
    check_round(name, actor)


KINDS: dict[str, Callable[[Session, Job], None]] = {
    "publish": publish,
    "preview": preview,
    "close": close,
    "invitations": mail.send,
    "reminders": mail.send,
}
