"""Anonymity is technical: after submit nothing links a response to a person, a token or a time."""

from __future__ import annotations

import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from survey.extensions import db
from survey.models import (
    AccessibilityFeedback,
    Ballot,
    Draft,
    Invitation,
    Response,
)
from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser


def _session(app, client) -> dict:
    cookie = client.get_cookie("session")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie.value) if cookie else {}


def test_after_submit_only_the_invitation_status_remains(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    make_round()
    invite(runner, write_csv)
    rows = issue_links(runner, tmp_path / "links.csv")
    url = next(r["url"] for r in rows if r["role"] == "manager")
    client = app.test_client()
    b = Browser(client)
    b.get(url)
    b.walk_to_review()
    assert _session(app, client)["respondent"]["kind"] == "invitation"
    before = {
        i.email: (i.unit_id, i.role, i.token_hash, i.reminders)
        for i in db_session.scalars(sa.select(Invitation))
    }
    b.press("Skicka in svaren", fill={})
    db_session.expire_all()

    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
    invitations = {i.email: i for i in db_session.scalars(sa.select(Invitation))}
    assert {e: i.status for e, i in invitations.items()} == {
        "employee@example.org": "pending",
        "manager@example.org": "completed",
        "specialist@example.org": "pending",
    }
    after = {e: (i.unit_id, i.role, i.token_hash, i.reminders) for e, i in invitations.items()}
    assert after == before  # only the status changed

    # The submission waits in the ballot box: random id, no invitation, time or sequence, and
    # its role and answers sealed (survey/sealing.py: version, key id, nonce + ciphertext).
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    ballot = db_session.execute(sa.select(Ballot.__table__)).mappings().one()
    assert set(ballot) == {"id", "round_id", "unit_id", "payload"}
    assert len(ballot["id"]) == 32 and int(ballot["id"], 16) >= 0
    assert ballot["payload"].startswith("v1.") and "manager" not in ballot["payload"]
    close_round(runner)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0
    response = db_session.scalar(sa.select(Response))
    assert response.id != ballot["id"]  # the close gives a fresh id
    row = db_session.execute(sa.select(Response.__table__)).mappings().one()
    assert set(row) == {"id", "round_id", "unit_id", "role"}
    assert len(response.id) == 32 and int(response.id, 16) >= 0
    assert str(invitations["manager@example.org"].id) != response.id
    for table in ("answers", "response_comments"):
        columns = {c.name for c in db.metadata.tables[table].columns}
        assert not columns & {
            "invitation_id",
            "token",
            "token_hash",
            "email",
            "created_at",
            "submitted_at",
            "updated_at",
            "ip",
        }
    # The browser forgets the respondent too: no token hash or invitation left in the cookie.
    state = _session(app, client)
    assert "respondent" not in state
    assert invitations["manager@example.org"].token_hash not in str(state)


def test_open_link_response_keeps_no_browser_key(app, make_round, runner, tmp_path, db_session):
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    client = app.test_client()
    b = Browser(client)
    b.get(url)
    b.press("Fortsätt", fill={"role": "employee"})
    b.press("Starta enkäten")
    assert _session(app, client)["browser_keys"]
    while b.page.h1 != "Granska dina svar":
        b.press("Nästa", choose="first")
    b.press("Skicka in svaren")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
    assert _session(app, client)["browser_keys"] == {}
    close_round(runner)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_feedback_table_has_no_identifying_columns():
    columns = {c.name: c for c in AccessibilityFeedback.__table__.columns}
    assert set(columns) == {"id", "received_on", "page", "message", "lang"}
    assert isinstance(columns["received_on"].type, sa.Date)  # a day, never a time


def test_submission_transaction_writes_no_response_and_close_unlinks_invitations(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    """On PostgreSQL, xmin ties whatever the submit transaction writes to the invitation."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        import pytest

        pytest.skip("transaction ids (xmin) are a PostgreSQL matter")
    make_round()
    invite(runner, write_csv)
    rows = issue_links(runner, tmp_path / "links.csv")
    b = Browser(app.test_client())
    b.get(next(r["url"] for r in rows if r["role"] == "employee"))
    b.walk_to_review()
    b.press("Skicka in svaren", fill={})

    def xmins(table: str) -> set[str]:
        db_session.rollback()
        return set(db_session.scalars(sa.text(f"SELECT xmin::text FROM {table}")))

    # The known window: until a batch is full the ballot shares the invitation's transaction,
    # but no response row exists that could.
    assert not xmins("responses")
    assert xmins("invitations") & xmins("ballots")
    close_round(runner)
    inv, resp = xmins("invitations"), xmins("responses")
    assert len(resp) == 1 and not xmins("ballots")
    assert len(inv) == 1  # every invitation now carries the same transaction id
