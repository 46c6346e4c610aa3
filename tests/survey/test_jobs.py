"""Background jobs: publish and close queue a job, its page tells how it ended, it runs once.

In these tests the queue runs a job at once in the enqueuing process (Huey's immediate mode,
the default under TESTING), except the last one, which starts two real `mognad worker`
processes on one PostgreSQL database and hands both the same job id.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey import create_app
from survey.extensions import db
from survey.jobs.claim import claim
from survey.jobs.queue import queue
from survey.jobs.run import run_job
from survey.models import AuditLog, Job, Round
from tests.support.database import in_app
from tests.survey.admin_pages import preview_and_read
from tests.survey.respondent import invite
from tests.survey.staff import text

ROOT = Path(__file__).resolve().parents[2]
POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def round_of(session: Session, name: str = "R2025") -> Round:
    return session.scalar(sa.select(Round).where(Round.name == name))


def actions(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(sa.select(AuditLog.actor, AuditLog.action).order_by(AuditLog.id))
    return [(actor, action) for actor, action in rows]


def test_close_and_publish_run_as_jobs_with_a_page_and_audit(
    app, admin, make_round, runner, write_csv, db_session
) -> None:
    make_round()
    invite(runner, write_csv, status="open")
    rid = round_of(db_session).id
    r = admin.post(f"/admin/rounds/{rid}/close", {})
    assert r.status_code == 303 and r.location.startswith("/admin/jobs/")
    page = text(admin.get(r.location))
    assert "Stäng omgången R2025" in page and "Klart" in page and "Omgången är stängd." in page
    assert 'role="status"' in page and "data-job-poll" not in page  # finished: no polling
    assert round_of(db_session).status == "closed"
    english = text(admin.get(f"{r.location}?lang=en"))
    assert "Close round R2025" in english and "The round is closed." in english
    web = "web:admin@example.org"
    shown = ("job.enqueue", "round.close", "round.verify", "job.done")
    assert [a for a in actions(db_session) if a[1] in shown] == [
        (web, "job.enqueue"), (web, "round.close"), (web, "round.verify"), (web, "job.done"),
    ]  # fmt: skip
    job = db_session.scalar(sa.select(Job))
    assert (job.kind, job.target, job.status, job.error) == ("close", "R2025", "done", None)
    assert job.started_at is not None and job.finished_at >= job.started_at

    preview_and_read(admin, rid)  # the browser publishes only after a preview (a job too)
    r = admin.post(f"/admin/rounds/{rid}/publish", {})
    assert r.status_code == 303
    assert "Omgången är publicerad." in text(admin.get(r.location))
    assert round_of(db_session).status == "published"
    # Nothing to do any more: a move that cannot happen is refused at once, no job queued.
    r = admin.post_from("/admin/", f"/admin/rounds/{rid}/close", {})
    assert r.status_code == 400 and db_session.scalar(sa.select(sa.func.count(Job.id))) == 3


def test_a_queued_publish_asks_again_whether_the_preview_read_is_current(
    app, admin, make_round, runner, write_csv, db_session, monkeypatch
) -> None:
    make_round()
    invite(runner, write_csv, status="open")
    rid = round_of(db_session).id
    assert admin.post(f"/admin/rounds/{rid}/close", {}).status_code == 303
    preview_and_read(admin, rid)

    def queue_publish() -> int:  # the click queues the job; the worker has not taken it yet
        with monkeypatch.context() as m:
            m.setattr("survey.jobs.queue.send", lambda app, job_id: None)
            r = admin.post(f"/admin/rounds/{rid}/publish", {})
        assert r.status_code == 303
        return int(r.location.rsplit("/", 1)[1])

    # A setting that changes the report's words changes before the job runs: it stops.
    job_id = queue_publish()
    with monkeypatch.context() as m, in_app(app):
        m.setitem(app.config, "ORGANISATION_NAME", "Annan kommun")
        assert run_job(job_id) is True
    assert round_of(db_session).status == "closed"
    assert db_session.get(Job, job_id).error == "preview:stale"
    page = text(admin.get(f"/admin/jobs/{job_id}"))
    assert "Misslyckades" in page and "Förhandsgranskningen är inte längre aktuell" in page
    assert "The preview is no longer current" in text(admin.get(f"/admin/jobs/{job_id}?lang=en"))

    # The preview is rebuilt after the click and nobody has opened the new one: it stops too.
    job_id = queue_publish()
    r = admin.post_from(f"/admin/rounds/{rid}/publish", f"/admin/rounds/{rid}/preview", {})
    assert r.status_code == 303
    with in_app(app):
        assert run_job(job_id) is True
    assert round_of(db_session).status == "closed"
    assert db_session.get(Job, job_id).error == "preview:unread"
    page = text(admin.get(f"/admin/jobs/{job_id}"))
    assert "ingen har öppnat den nya" in page and f"/admin/rounds/{rid}/publish" in page

    # Read, and still current when the job runs: published.
    assert admin.get(f"/admin/rounds/{rid}/preview/report.pdf").status_code == 200
    job_id = queue_publish()
    with in_app(app):
        assert run_job(job_id) is True
    assert db_session.get(Job, job_id).status == "done"
    assert round_of(db_session).status == "published"


def test_an_unfinished_job_is_not_queued_twice_and_runs_once(
    app, admin, make_round, runner, write_csv, db_session
) -> None:
    make_round()
    invite(runner, write_csv, status="open")
    rid = round_of(db_session).id
    with in_app(app):  # a job a worker has not taken yet
        db.session.add(Job(kind="close", target="R2025", actor="web:admin@example.org"))
        db.session.commit()
        job_id = db.session.scalar(sa.select(Job.id))
    r = admin.post(f"/admin/rounds/{rid}/close", {})
    assert r.status_code == 303 and r.location == f"/admin/jobs/{job_id}"
    page = text(admin.get(r.location))
    assert "I kö" in page and "data-job-poll" in page and 'aria-live="polite"' in page
    assert "Uppdatera sidan" in page
    assert round_of(db_session).status == "open"  # queued, not run by the second click
    detail = text(admin.get(f"/admin/rounds/{rid}"))
    assert (
        "Ett jobb för omgången väntar eller pågår" in detail and f"/admin/jobs/{job_id}" in detail
    )
    with in_app(app):
        assert run_job(job_id) is True
        assert run_job(job_id) is False  # finished: never again
        assert run_job(job_id + 1) is False  # no such job
    assert round_of(db_session).status == "closed"
    assert [a for _, a in actions(db_session)].count("job.done") == 1
    assert "Ett jobb för omgången" not in text(admin.get(f"/admin/rounds/{rid}"))


@SQLITE
def test_sqlite_claim_takes_a_queued_job_once(app, db_session) -> None:
    with in_app(app):
        db.session.add(Job(kind="publish", target="R2025", actor="cli"))
        db.session.commit()
        job_id = db.session.scalar(sa.select(Job.id))
        assert claim(db.engine, job_id) is True
        assert claim(db.engine, job_id) is False
    assert db_session.get(Job, job_id).status == "running"


def worker(tmp_path: Path, database_url: str, key: str, queue_file: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MOGNAD_DATABASE_URL": database_url,
        "MOGNAD_SECRET_KEY": key,
        "MOGNAD_INSTANCE_PATH": str(tmp_path / "instance"),
        "MOGNAD_QUEUE_URL": f"sqlite:///{queue_file}",
        "MOGNAD_CLOSE_VERIFY_WAIT": "5",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from survey.cli import main; main()", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@POSTGRESQL
def test_two_workers_given_one_job_run_it_once(
    app, make_round, runner, write_csv, db_session, tmp_path
) -> None:
    make_round()
    invite(runner, write_csv, status="open")
    url = app.config["DATABASE_URL"]
    with in_app(app):
        db.session.add(Job(kind="close", target="R2025", actor="web:admin@example.org"))
        db.session.commit()
        job_id = db.session.scalar(sa.select(Job.id))
    # Each worker reads its own queue, and both queues carry the same job id: both get it.
    key = secrets.token_urlsafe(48)
    queues = [tmp_path / "queue-a.db", tmp_path / "queue-b.db"]
    results = []
    for queue_file in queues:
        sender = create_app(
            {"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": key,
             "QUEUE_IMMEDIATE": False, "QUEUE_URL": f"sqlite:///{queue_file}"}
        )  # fmt: skip
        results.append(queue(sender).run_job(job_id))
    workers = [worker(tmp_path, url, key, q) for q in queues]
    try:
        ran = sorted(r.get(blocking=True, timeout=120) for r in results)
    finally:
        for w in workers:
            w.send_signal(signal.SIGINT)  # Huey's graceful stop
        outputs = [w.communicate(timeout=60)[0].decode() for w in workers]
    assert ran == [False, True], outputs  # exactly one worker ran the job, the other skipped it
    assert round_of(db_session).status == "closed"
    done = [a for _, a in actions(db_session)]
    assert done.count("round.close") == 1 and done.count("job.done") == 1
    assert db_session.get(Job, job_id).status == "done"


def test_scheduled_reminders_go_out_once_on_their_dates(
    app, admin, make_round, runner, write_csv, db_session, tmp_path
) -> None:
    from datetime import date

    from survey.jobs.schedule import send_due_reminders
    from survey.mail import outbox_messages

    app.instance_path = str(tmp_path / "instance")
    outbox = tmp_path / "instance" / "outbox"
    make_round()
    invite(runner, write_csv, status="draft")
    rid = round_of(db_session).id
    url = f"/admin/rounds/{rid}/texts"
    bad = admin.post(url, {"reminder_dates": "2025-03-10, tisdag", "action": "save"})
    assert bad.status_code == 400 and "Påminnelsedatum måste vara datum" in text(bad)
    r = admin.post(url, {"reminder_dates": "2025-03-17 2025-03-10", "action": "save"})
    assert r.status_code == 303
    assert 'value="2025-03-10, 2025-03-17"' in text(admin.get(url))
    with in_app(app):  # a draft round sends nothing, however late it is
        assert send_due_reminders(app, db.session(), date(2025, 4, 1)) == []
    assert admin.post(f"/admin/rounds/{rid}/open", {}).status_code == 303
    r = admin.post(f"/admin/rounds/{rid}/send/invitations", {"lang": "sv"})
    assert r.status_code == 303

    def reminders() -> int:
        return sum(m.subject.startswith("Påminnelse") for m in outbox_messages(outbox))

    with in_app(app):
        assert send_due_reminders(app, db.session(), date(2025, 3, 9)) == []  # not yet
        first = send_due_reminders(app, db.session(), date(2025, 3, 10))
        assert len(first) == 1 and reminders() == 3
        assert send_due_reminders(app, db.session(), date(2025, 3, 12)) == []  # sent once
        assert len(send_due_reminders(app, db.session(), date(2025, 3, 17))) == 1
        assert send_due_reminders(app, db.session(), date(2025, 3, 17)) == []
    assert reminders() == 6
    jobs = db_session.scalars(sa.select(Job).where(Job.kind == "reminders")).all()
    assert [(j.actor, j.status) for j in jobs] == [("schedule", "done")] * 2
