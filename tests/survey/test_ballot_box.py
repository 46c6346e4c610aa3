"""The ballot box and the close: no response during fieldwork, every submission once after.

Crashes at every step of the close, two closes at once, a submission racing the close, drafts,
settings (both databases).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from survey import create_app
from survey.extensions import db
from survey.models import Draft, InvitationCount, Round
from survey.models.audit import utcnow
from survey.sealing import Sealer
from survey.services import closing, respond
from survey.services.errors import StateError
from survey.services.settings import FigureSettings
from survey.services.transitions import move_round
from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser

N = 6


@pytest.fixture
def links(make_round, runner, write_csv, tmp_path) -> list[str]:
    make_round()
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(2 * N)]
    invite(runner, write_csv, people=people)
    return [r["url"] for r in issue_links(runner, tmp_path / "links.csv")]


def respond_to(app: Flask, link: str, answer: bool = True) -> str | None:
    b = Browser(app.test_client())
    b.get(link)
    b.walk_to_review(choose="first" if answer else None)
    return b.press("Skicka in svaren").h1


def engine(app: Flask) -> sa.Engine:
    """The app's own engine: sessions on it run in transactions, as the app's do."""
    with app.app_context():
        return db.engine


def counts(db_session) -> tuple[int, int, int, int]:
    """(pending ballots, responses, invitations marked completed, completed kept as counts)."""
    db_session.rollback()

    def n(sql: str) -> int:
        return int(db_session.scalar(sa.text(sql)) or 0)

    return (
        n("SELECT count(*) FROM ballots"),
        n("SELECT count(*) FROM responses"),
        n("SELECT count(*) FROM invitations WHERE status = 'completed'"),
        n("SELECT sum(completed) FROM invitation_counts"),
    )


def test_no_response_exists_until_the_close_then_every_submission_once(
    app, links, runner, db_session
):
    for i in range(2 * N - 1):
        assert respond_to(app, links[i]) == "Tack för dina svar!"
        assert counts(db_session) == (i + 1, 0, i + 1, 0)  # never mixed during fieldwork
    close_round(runner)
    assert counts(db_session) == (0, 2 * N - 1, 0, 2 * N - 1)
    # After the close nobody can answer, and nothing lands in the box.
    b = Browser(app.test_client())
    page = b.get(links[2 * N - 1])
    assert page.status != 200 or page.h1 != "Välkommen"
    assert counts(db_session) == (0, 2 * N - 1, 0, 2 * N - 1)


def test_an_empty_submission_completes_the_invitation_and_stores_nothing(
    app, links, runner, db_session
):
    respond_to(app, links[0], answer=False)
    assert counts(db_session) == (0, 0, 1, 0)
    close_round(runner)
    assert counts(db_session) == (0, 0, 0, 1)


def test_a_crash_inside_the_close_after_its_inserts_rolls_all_back(
    app, links, runner, monkeypatch, db_session
):
    """Responses written, then the last step fails: the round is open, every ballot pending."""
    for i in range(N):
        respond_to(app, links[i])

    def crash(session: Session, round_id: int) -> int:
        raise RuntimeError("crash after the responses were inserted")

    monkeypatch.setattr(closing, "forget_completion", crash)
    with pytest.raises(RuntimeError):
        runner.invoke(args=["round", "close", "R2025"], catch_exceptions=False)
    assert counts(db_session) == (N, 0, N, 0)
    assert db_session.scalar(sa.select(Round.status)) == "open"
    monkeypatch.undo()
    close_round(runner)
    assert counts(db_session) == (0, N, 0, N)


def test_two_closes_never_open_a_ballot_twice(app, links, db_session):
    """A second close waits for the first (PostgreSQL) or fails on the busy file (SQLite)."""
    for i in range(N):
        respond_to(app, links[i])
    db_session.rollback()
    first, second = Session(engine(app)), Session(engine(app))
    sealer = Sealer.from_config(app.config)  # the installation's: it opens the sealed ballots
    settings = FigureSettings.of(app.config)  # and makes the figures closing stores
    outcome: list[object] = []

    def other() -> None:
        try:
            move_round(second, "R2025", "close", sealer=sealer, settings=settings)
            second.commit()
            outcome.append("closed")
        except (StateError, sa.exc.OperationalError) as e:
            second.rollback()
            outcome.append(type(e).__name__)

    try:
        move_round(first, "R2025", "close", sealer=sealer, settings=settings)  # not committed yet
        thread = threading.Thread(target=other)
        thread.start()
        first.commit()
        thread.join()
    finally:
        first.close()
        second.close()
    assert outcome in (["StateError"], ["OperationalError"])
    assert counts(db_session) == (0, N, 0, N)


def test_a_submission_in_flight_is_taken_by_the_close_that_waits_for_it(
    app, links, db_session, pg_only
):
    """The submission holds its share lock on the round; the close waits, then includes it."""
    for i in range(N - 1):
        respond_to(app, links[i])
    db_session.rollback()
    rid = db_session.scalar(sa.select(Round.id))
    unit, role = db_session.execute(sa.text("SELECT unit_id, role FROM invitations")).first()
    submitting, closer = Session(engine(app)), Session(engine(app))
    sealer = Sealer.from_config(app.config)
    settings = FigureSettings.of(app.config)
    done: list[str] = []

    def close() -> None:
        move_round(closer, "R2025", "close", sealer=sealer, settings=settings)
        closer.commit()
        done.append("closed")

    try:
        respond.lock_open_round(submitting, rid)
        from survey.services.ballots import Submission, drop_ballots

        answer = {"item_id": "x", "value": 3, "scale_min": 1, "scale_max": 5}
        drop_ballots(submitting, [Submission(rid, unit, role, [answer], [])], sealer=sealer)
        thread = threading.Thread(target=close)
        thread.start()
        thread.join(timeout=1)
        assert done == []  # the close waits for the submission in flight
        submitting.commit()
        thread.join()
    finally:
        submitting.close()
        closer.close()
    assert done == ["closed"]
    assert counts(db_session)[:2] == (0, N)
    # A submission after the close is refused before it stores anything.
    late = Session(engine(app))
    with pytest.raises(respond.RoundNotOpen):
        respond.lock_open_round(late, rid)
    late.close()


@pytest.fixture
def pg_only(app):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("row locks that make a close wait are a PostgreSQL matter")


def test_close_deletes_unsubmitted_drafts_and_open_link_drafts_expire(
    app, make_round, runner, tmp_path, links, db_session
):
    b = Browser(app.test_client())
    b.get(links[0])
    b.press("Starta enkäten")
    make_round(name="OPEN", year=2026, mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", name="OPEN", unit="EDU-A")[0]["url"]
    for _ in range(2):
        o = Browser(app.test_client())
        o.get(url)
        o.press("Fortsätt", fill={"role": "employee"})
        o.press("Starta enkäten")
    db_session.rollback()
    drafts = db_session.scalars(sa.select(Draft).where(Draft.browser_key.is_not(None))).all()
    assert len(drafts) == 2
    drafts[0].updated_at = utcnow() - timedelta(days=app.config["DRAFT_EXPIRY_DAYS"] + 1)
    db_session.commit()
    result = runner.invoke(args=["expire-drafts"])
    assert result.exit_code == 0 and "Deleted 1 abandoned open-link drafts." in result.output
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 2  # 1 + personal
    close_round(runner)
    remaining = db_session.scalars(sa.select(Draft.round_id)).all()
    assert remaining == [db_session.scalar(sa.select(Round.id).where(Round.name == "OPEN"))]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(InvitationCount)) >= 1


def test_mix_is_retired() -> None:
    from survey.cli import GROUPS

    assert "mix" not in GROUPS["privacy"] and "expire_drafts" in GROUPS["privacy"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"CLOSE_VERIFY_WAIT": "soon"}, "MOGNAD_CLOSE_VERIFY_WAIT must be a number of seconds"),
        ({"K_HOMOGENEOUS": "many"}, "MOGNAD_K_HOMOGENEOUS must be a whole number"),
        ({"K_HOMOGENEOUS": 2}, "MOGNAD_K_HOMOGENEOUS must be at least 3, got 2"),
        ({"CLOSE_VERIFY_WAIT": -1}, "MOGNAD_CLOSE_VERIFY_WAIT must not be negative"),
        ({"DRAFT_EXPIRY_DAYS": 0}, "MOGNAD_DRAFT_EXPIRY_DAYS must be at least 1"),
        ({"RETENTION_DAYS": -1}, "MOGNAD_RETENTION_DAYS must be at least 1"),
    ],
)
def test_unsafe_settings_are_refused(settings, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True, **settings})


def test_the_verify_wait_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MOGNAD_CLOSE_VERIFY_WAIT", "2.5")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    assert app.config["CLOSE_VERIFY_WAIT"] == 2.5
