"""Retention and purge: a closed round's personal data goes, its results stay byte for byte."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.models import AuditLog, Draft, Invitation, InvitationCount, Round
from survey.models.audit import utcnow
from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser

PEOPLE = [(f"p{i}@example.org", ("EDU-A", "EDU-B")[i % 2], "employee") for i in range(6)]


@pytest.fixture
def fieldwork(app, make_round, runner, write_csv, tmp_path):
    """4 of 6 invited submitted, 1 only started, 1 did nothing; the round is still open."""
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    links = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "links.csv")}
    for i in range(5):
        b = Browser(app.test_client())
        b.get(links[f"p{i}@example.org"])
        b.walk_to_review(choose="first" if i % 2 else "last")
        if i < 4:
            assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
    return runner


def status(runner) -> str:
    result = runner.invoke(args=["round", "status", "R2025"])
    assert result.exit_code == 0, result.output
    return result.output


def report(runner, out: Path) -> dict[str, bytes]:
    result = runner.invoke(args=["report", "R2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_round_status_shows_counts_pending_and_retention(fieldwork, db_session):
    text = status(fieldwork)
    assert "Round 'R2025': open (invited), year 2025, questionnaire malmo-digital" in text
    assert "Invitations: 6 invited, 1 started (not submitted), 4 completed" in text
    assert "Responses: 0, 4 submissions waiting for the close, 1 unsubmitted drafts" in text
    assert "Retention: personal data is kept 90 days after close" in text

    result = fieldwork.invoke(args=["round", "close", "R2025"])
    assert result.exit_code == 0, result.output
    due = (date.today() + timedelta(days=90)).isoformat()
    assert f"Personal data is kept until {due}; then run 'mognad purge-personal-data R2025'" in (
        result.output
    )
    text = status(fieldwork)
    assert "Responses: 4, 0 submissions waiting for the close, 0 unsubmitted drafts" in text
    assert f"Closed: {date.today().isoformat()}" in text
    # Who answered is gone from the invitations; the counts per unit and role remain.
    assert "Invitations: 6 invited, 1 started (not submitted), 4 completed" in text
    assert "Traces: " in text

    rnd = db_session.scalar(sa.select(Round))
    rnd.closed_at = utcnow() - timedelta(days=100)
    db_session.commit()
    since = (date.today() - timedelta(days=10)).isoformat()
    assert f"Purging personal data has been due since {since}" in status(fieldwork)


def test_purge_deletes_personal_data_and_keeps_results(
    app, fieldwork, make_round, tmp_path, db_session
):
    runner = fieldwork
    make_round(name="OTHER", year=2026, mode="open", status="open")
    refused = runner.invoke(args=["purge-personal-data", "R2025", "--yes"])
    assert refused.exit_code != 0
    assert "round 'R2025' is open; only a closed or published round can be purged" in (
        refused.output
    )
    close_round(runner)
    before = report(runner, tmp_path / "before")
    assert before
    pageinspect = _pageinspect(db_session, app)

    declined = runner.invoke(args=["purge-personal-data", "R2025"], input="n\n")
    assert declined.exit_code != 0 and "nothing was purged" in declined.output
    assert "(6 invitations) for good?" in declined.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 6

    result = runner.invoke(args=["purge-personal-data", "R2025"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "6 invitations reduced to counts" in result.output
    if pageinspect or app.config["DATABASE_URL"].startswith("sqlite"):
        # The purge waited for older snapshots, rewrote the tables and checked every page.
        assert "Verified: no deleted row version" in result.output, result.output
    db_session.expire_all()
    rnd = db_session.scalar(sa.select(Round).where(Round.name == "R2025"))
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
    kept = db_session.execute(
        sa.select(InvitationCount.unit_id, InvitationCount.invited, InvitationCount.completed)
        .where(InvitationCount.round_id == rnd.id)
        .order_by(InvitationCount.unit_id)
    ).all()
    assert [(invited, completed) for _, invited, completed in kept] == [(3, 2), (3, 2)]
    entry = db_session.scalar(sa.select(AuditLog).where(AuditLog.action == "round.purge"))
    assert entry.detail == {"round": "R2025", "invitations": 6, "drafts": 0}
    assert "@" not in str(entry.detail)

    assert report(runner, tmp_path / "after") == before
    text = status(runner)
    assert "Invitations: 6 invited, 1 started (not submitted), 4 completed" in text
    assert f"Retention: personal data purged on {date.today().isoformat()}" in text
    reopen = runner.invoke(args=["round", "open", "R2025"])
    assert reopen.exit_code != 0 and "är stängd och kan inte öppnas igen" in reopen.output
    if pageinspect or app.config["DATABASE_URL"].startswith("sqlite"):
        _no_email_bytes_left(db_session, app)


def _pageinspect(db_session, app) -> bool:
    """Install pageinspect on PostgreSQL (the test role is a superuser); False if it cannot."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return False
    try:
        db_session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db_session.commit()
    except sa.exc.DBAPIError:
        db_session.rollback()
        return False
    return True


def _no_email_bytes_left(db_session, app) -> None:
    """Not in a live row, nor in a dead one or free space: the rewrite removed them."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        db_session.close()
        db_session.get_bind().dispose()
        data = Path(url.removeprefix("sqlite:///")).read_bytes()
    else:
        blocks = db_session.scalar(
            sa.text("SELECT pg_relation_size('invitations') / current_setting('block_size')::int")
        )
        data = b"".join(
            bytes(db_session.scalar(sa.text(f"SELECT get_raw_page('invitations', {n})")))
            for n in range(blocks)
        )
    assert b"p1@example.org" not in data


def test_open_round_status_and_verify_of_an_unknown_round(app, make_round, runner, tmp_path):
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    b = Browser(app.test_client())
    b.get(url)
    b.press("Fortsätt", fill={"role": "manager"})
    b.walk_to_review()
    assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
    text = status(runner)
    assert "Round 'R2025': open (open), year 2025" in text
    assert "Invitations:" not in text
    assert "Responses: 0, 1 submissions waiting for the close, 0 unsubmitted drafts" in text
    early = runner.invoke(args=["round", "verify", "R2025"])
    assert early.exit_code != 0 and "only a closed round has traces to verify" in early.output
    unknown = runner.invoke(args=["round", "verify", "R2099"])
    assert unknown.exit_code != 0 and "no round named 'R2099' (known rounds: R2025)" in (
        unknown.output
    )
    result = runner.invoke(args=["round", "close", "R2025"])
    assert result.exit_code == 0 and "purge" not in result.output  # nothing personal is left
    assert "Retention: no personal data left to purge" in status(runner)
    assert "Responses: 1, 0 submissions waiting for the close" in status(runner)
