"""SQLite refusing a write — a read-only database file or a full disk — at the two moments that
matter most: a respondent's submission and a staff member saving a form.

Either way the person gets the Swedish try-again page (503, ``Retry-After``) holding what they
entered, and every table is as it was: nothing half-written. The refusals are real SQLite ones:
a read-only connection (``PRAGMA query_only``, as the tests run as root, whom file modes do not
stop: "attempt to write a readonly database") and a full database (``PRAGMA max_page_count``
held at the file's size, so the first page the write needs fails with SQLITE_FULL, "database or
disk is full", as a full disk does).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from survey import blinks
from survey.database import reason
from survey.extensions import db
from survey.models import Round
from tests.support.database import in_app, table_snapshot
from tests.support.forms import Browser, Page
from tests.survey.staff import text

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


TRY_AGAIN = "Försök igen om en stund"
THANKS = "Tack för dina svar!"
# Long enough that the sealed ballot (or the round's texts) needs pages the file does not have.
LONG = "Det här är en lång kommentar om hur vi arbetar digitalt. " * 60
REFUSALS = {
    "read-only": "PRAGMA query_only = ON",
    "disk-full": "PRAGMA max_page_count = 1",  # SQLite keeps it at the file's current size
}
# What SQLite says, in the operator's log line.
REASONS = {
    REFUSALS["read-only"]: "attempt to write a readonly database",
    REFUSALS["disk-full"]: "database or disk is full",
}


@pytest.fixture
def reasons(monkeypatch) -> list[str]:
    """The driver's reasons the 503 handler logged (the app's logger is silenced in tests)."""
    seen: list[str] = []

    def record(error: BaseException) -> str:
        seen.append(reason(error))
        return seen[-1]

    monkeypatch.setattr(blinks, "reason", record)
    return seen


@contextmanager
def refusing(app: Flask, pragma: str) -> Iterator[None]:
    """Every new connection of ``app`` refuses writes with ``pragma`` until the block ends."""

    def refuse(dbapi_connection, _record):
        dbapi_connection.execute(pragma)

    with app.app_context():
        with db.engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")  # no free pages left for a write to take
        sa.event.listen(db.engine, "connect", refuse)
        db.engine.dispose()
    try:
        yield
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "connect", refuse)
            db.engine.dispose()


def _to_review(b: Browser, link: str) -> Page:
    """Answer every page, writing a long text in every comment field, up to the review."""
    b.get(link)
    page = b.press("Starta enkäten")
    while page.h1 != "Granska dina svar":
        assert page.status == 200, (page.path, page.h1)
        comments = {name: LONG for name in page.form_with("Nästa").texts}
        page = b.press("Nästa", choose="first", fill=comments)
    return page


@pytest.mark.parametrize("pragma", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_submission_is_a_swedish_503_and_sending_again_submits_once(
    app, make_survey, pragma, reasons
):
    survey = make_survey()
    b = Browser(app.test_client())
    _to_review(b, survey.link("manager"))
    before = table_snapshot(app)
    with refusing(app, pragma):
        page = b.press("Skicka in svaren")
        assert table_snapshot(app) == before  # read through the refusing connections
    assert page.status == 503, page.html[:300]
    assert reasons == [REASONS[pragma]]
    assert page.response.headers["Retry-After"].isdigit()
    assert TRY_AGAIN in page.html and "Skicka igen" in page.html
    assert 'lang="sv"' in page.html
    assert THANKS not in page.html
    with in_app(app):
        invitation = db.session.execute(sa.text("SELECT status FROM invitations")).scalars()
        assert set(invitation) <= {"started", "pending"}  # not completed without its ballot
        assert db.session.execute(sa.text("SELECT count(*) FROM ballots")).scalar_one() == 0
        assert db.session.execute(sa.text("SELECT count(*) FROM drafts")).scalar_one() == 1

    page = b.press("Skicka igen")  # the disk has room again
    assert page.h1 == THANKS
    with in_app(app):
        assert db.session.execute(sa.text("SELECT count(*) FROM ballots")).scalar_one() == 1
        assert db.session.execute(sa.text("SELECT count(*) FROM drafts")).scalar_one() == 0


@pytest.mark.parametrize("pragma", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_staff_save_keeps_the_form_and_writes_nothing(
    app, admin, make_survey, db_session, pragma, reasons
):
    """The round's mail texts: the round row, its reminder dates and the audit log are written
    in one transaction, and none of them is when the database refuses."""
    make_survey(status="draft")
    with in_app(app):
        rid = db.session.execute(sa.select(Round.id)).scalar_one()
    url = f"/admin/rounds/{rid}/texts"
    form = {
        "csrf_token": admin.token(url),
        "invitation-sv-subject": "Hej från {organisation}",
        "invitation-sv-body": f"Svara här:\n{{link}}\n\n{LONG}",
        "closes_on": "2025-03-31",
        "reminder_dates": "2025-03-10, 2025-03-20",
        "action": "save",
    }
    before = table_snapshot(app)
    with refusing(app, pragma):
        r = admin.client.post(url, data=form)
    assert table_snapshot(app) == before
    page = text(r)
    assert r.status_code == 503, page[:300]
    assert reasons == [REASONS[pragma]]
    assert TRY_AGAIN in page and "Skicka igen" in page
    assert 'name="reminder_dates" value="2025-03-10, 2025-03-20"' in page
    assert "Svara här:\n{link}" in page
    assert r.headers["Cache-Control"] == "no-store"

    r = admin.client.post(url, data=form)  # what "Skicka igen" sends, once there is room
    assert r.status_code == 303
    rnd = db_session.get(Round, rid, populate_existing=True)
    assert rnd.mail_texts["invitation"]["sv"]["subject"] == "Hej från {organisation}"
