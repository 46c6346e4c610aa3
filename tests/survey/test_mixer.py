"""The ballot box and the mixer: batches, crashes at every step, drafts, settings (both DBs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from survey import create_app
from survey.extensions import db
from survey.models import Draft, Round, RoundStatistics
from survey.models.audit import utcnow
from survey.sealing import Sealer
from survey.services import mixer
from tests.support import factory
from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser

B = 5


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The shared app fixture with the smallest batch the default k allows."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "BASE_URL": "http://mognad.test",
            "MIX_BATCH": B,
        }
    )
    yield factory.commands(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def links(make_round, runner, write_csv, tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    make_round()
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(2 * B)]
    invite(runner, write_csv, people=people)
    return [r["url"] for r in issue_links(runner, tmp_path / "links.csv")]


def respond(app: Flask, link: str, answer: bool = True) -> None:
    b = Browser(app.test_client())
    b.get(link)
    b.walk_to_review(choose="first" if answer else None)
    assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"


def counts(db_session) -> tuple[int, int, int]:
    """(pending ballots, responses, completed invitations)."""
    db_session.rollback()

    def n(sql: str) -> int:
        return int(db_session.scalar(sa.text(sql)))

    return (
        n("SELECT count(*) FROM ballots"),
        n("SELECT count(*) FROM responses"),
        n("SELECT count(*) FROM invitations WHERE status = 'completed'"),
    )


def test_the_submission_that_fills_a_batch_mixes_it(app, links, db_session):
    for i in range(B - 1):
        respond(app, links[i])
    assert counts(db_session) == (B - 1, 0, B - 1)
    rnd = db_session.scalar(sa.select(Round))
    db_session.add(RoundStatistics(round_id=rnd.id, responses=0, payload={}))
    db_session.commit()
    respond(app, links[B - 1])
    assert counts(db_session) == (0, B, B)
    db_session.expire_all()
    assert db_session.get(RoundStatistics, rnd.id) is None  # the cache was invalidated
    respond(app, links[B])
    assert counts(db_session) == (1, B, B + 1)


def test_an_empty_submission_completes_the_invitation_and_stores_nothing(
    app, links, runner, db_session
):
    respond(app, links[0], answer=False)
    assert counts(db_session) == (0, 0, 1)
    close_round(runner)
    assert counts(db_session) == (0, 0, 1)


def test_a_failing_mixer_keeps_every_submission_pending_then_mixes_once(
    app, links, runner, monkeypatch, db_session
):
    """An insert fails inside the mixer (two responses get one id): nothing is lost."""
    real = mixer.random_id
    ids = iter([real() for _ in range(B)])  # the ballots' ids; then every response gets one id
    monkeypatch.setattr(mixer, "random_id", lambda: next(ids, "f" * 32))
    for i in range(B):
        respond(app, links[i])  # the respondent still sees the thank-you page
    assert counts(db_session) == (B, 0, B)
    monkeypatch.undo()
    result = runner.invoke(args=["mix"])
    assert result.exit_code == 0, result.output
    assert f"'R2025': mixed {B}, pending 0" in result.output
    assert counts(db_session) == (0, B, B)
    result = runner.invoke(args=["mix", "R2025"])
    assert result.exit_code == 0 and counts(db_session) == (0, B, B)  # nothing twice


def test_a_crash_between_submission_and_mixing_loses_nothing(
    app, links, runner, monkeypatch, db_session
):
    """The process dies after the submission committed and before the mixer ran."""
    import survey.respond.submit as submit

    monkeypatch.setattr(submit, "mix_after_submit", lambda round_id: 0)
    for i in range(B + 2):
        respond(app, links[i])
    assert counts(db_session) == (B + 2, 0, B + 2)
    monkeypatch.undo()
    result = runner.invoke(args=["mix"])
    assert result.exit_code == 0, result.output
    assert counts(db_session) == (0, B + 2, B + 2)
    respond(app, links[B + 2])
    assert counts(db_session) == (1, B + 2, B + 3)
    close_round(runner)  # closing mixes whatever is left, however few
    assert counts(db_session) == (0, B + 3, B + 3)


def test_a_crash_inside_the_mixer_after_its_inserts_rolls_all_back(
    app, links, runner, monkeypatch, db_session
):
    """Everything inserted, then the last step fails: the ballots are still all pending."""
    for i in range(B - 1):
        respond(app, links[i])

    monkeypatch.setattr(mixer, "delete", _delete_failing_on_statistics(mixer.delete))
    respond(app, links[B - 1])
    assert counts(db_session) == (B, 0, B)
    monkeypatch.undo()
    assert runner.invoke(args=["mix"]).exit_code == 0
    assert counts(db_session) == (0, B, B)


def _delete_failing_on_statistics(real):  # type: ignore[no-untyped-def]
    """A delete() that fails on the mixer's last statement (the statistics cache)."""

    def delete(target):  # type: ignore[no-untyped-def]
        if target is RoundStatistics:
            raise RuntimeError("crash after the responses were inserted")
        return real(target)

    return delete


def test_two_mixers_never_move_a_ballot_twice(app, links, db_session):
    """A second mixer waits for the first (PostgreSQL) or finds its ballots gone (SQLite)."""
    for i in range(B - 1):
        respond(app, links[i])
    rnd_id = db_session.scalar(sa.select(Round.id))
    db_session.rollback()
    first, second = Session(db_session.get_bind()), Session(db_session.get_bind())
    sealer = Sealer.from_config(app.config)
    outcome: list[object] = []

    def other() -> None:
        try:
            outcome.append(mixer.mix_round(second, rnd_id, batch=1, sealer=sealer))
            second.commit()
        except mixer.MixConflict:
            second.rollback()
            outcome.append("conflict")

    try:
        assert mixer.mix_round(first, rnd_id, batch=1, sealer=sealer) == B - 1  # not committed
        thread = threading.Thread(target=other)
        thread.start()
        first.commit()
        thread.join()
    finally:
        first.close()
        second.close()
    assert outcome in ([0], ["conflict"])
    assert counts(db_session) == (0, B - 1, B - 1)


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
    result = runner.invoke(args=["mix"])
    assert result.exit_code == 0 and "Deleted 1 abandoned open-link drafts." in result.output
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 2  # 1 + personal
    close_round(runner)
    remaining = db_session.scalars(sa.select(Draft.round_id)).all()
    assert remaining == [db_session.scalar(sa.select(Round.id).where(Round.name == "OPEN"))]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MIX_BATCH": 4}, "MOGNAD_MIX_BATCH must be at least K_ANONYMITY (5), got 4"),
        ({"MIX_BATCH": 9, "K_ANONYMITY": 10}, "MOGNAD_MIX_BATCH must be at least K_ANONYMITY"),
        ({"MIX_BATCH": "ten"}, "MOGNAD_MIX_BATCH must be a whole number"),
        ({"DRAFT_EXPIRY_DAYS": 0}, "MOGNAD_DRAFT_EXPIRY_DAYS must be at least 1"),
        ({"RETENTION_DAYS": -1}, "MOGNAD_RETENTION_DAYS must be at least 1"),
        ({"K_HOMOGENEOUS": "many"}, "MOGNAD_K_HOMOGENEOUS must be a whole number"),
        ({"K_HOMOGENEOUS": 2}, "MOGNAD_K_HOMOGENEOUS must be at least 3, got 2"),
    ],
)
def test_unsafe_settings_are_refused(settings, message, tmp_path):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True, **settings})


def test_batch_size_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MOGNAD_MIX_BATCH", "25")
    assert (
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True}).config[
            "MIX_BATCH"
        ]
        == 25
    )
    monkeypatch.setenv("MOGNAD_MIX_BATCH", "3")
    with pytest.raises(ValueError, match="MOGNAD_MIX_BATCH must be at least"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
