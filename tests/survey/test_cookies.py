"""The session cookie: nothing the database stores, never permanent, Secure + HSTS under https."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from survey import create_app
from survey.extensions import db
from survey.models import Draft, Invitation, Round, Unit
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

# Columns every respondent of a unit shares with many others; the cookie may name them.
SHARED = {"round_id", "unit_id", "role", "status", "page", "reminders"}
HSTS = "max-age=31536000; includeSubDomains"


def _session(app, client) -> dict[str, Any]:
    cookie = client.get_cookie("session")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie.value) if cookie else {}


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in (k, *_leaves(v))]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _leaves(v)]
    return [value]


def _stored_values(db_session) -> dict[str, set[Any]]:
    """Every value of invitations and drafts, by column, as the database holds it now."""
    db_session.expire_all()
    out: dict[str, set[Any]] = {}
    for model in (Invitation, Draft):
        for row in db_session.execute(sa.select(model.__table__)).mappings():
            for column, value in row.items():
                if value is not None:
                    out.setdefault(f"{model.__tablename__}.{column}", set()).add(value)
    return out


def assert_nothing_stored_in(db_session, app, client) -> dict[str, Any]:
    """The cookie's content shares no value with a row of invitations or drafts."""
    state = _session(app, client)
    raw = client.get_cookie("session").value
    text = json.dumps(state, default=str)
    leaves = _leaves(state)
    shared_ids = set(db_session.scalars(sa.select(Round.id))) | set(
        db_session.scalars(sa.select(Unit.id))
    )
    for column, values in _stored_values(db_session).items():
        name = column.split(".", 1)[1]
        for value in values:
            if name in SHARED:
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                # An id in the cookie must be a round's or a unit's, never an invitation's/draft's.
                assert value not in leaves or value in shared_ids, (column, value)
            else:
                assert str(value) not in text and str(value) not in raw, (column, value)
    assert all(v in shared_ids for v in leaves if isinstance(v, int) and not isinstance(v, bool))
    return state


def test_personal_link_cookie_holds_no_database_value(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    make_round()
    invite(runner, write_csv)
    url = issue_links(runner, tmp_path / "l.csv")[0]["url"]
    token = url.rsplit("/", 1)[1]
    client = app.test_client()
    b = Browser(client)
    seals = []
    b.get(url)
    state = assert_nothing_stored_in(db_session, app, client)
    assert state["respondent"]["kind"] == "invitation"
    seals.append(state["respondent"]["sealed"])
    for page in b.walk_to_review():
        assert page.status == 200
        assert_nothing_stored_in(db_session, app, client)
    raw = client.get_cookie("session").value
    assert token not in raw and hashlib.sha256(token.encode()).hexdigest() not in raw
    assert token not in json.dumps(_session(app, client))  # sealed, not merely signed
    b.get(url)  # a second visit seals the token afresh: no stable value to follow
    seals.append(_session(app, client)["respondent"]["sealed"])
    assert seals[0] != seals[1]
    assert client.get_cookie("session").expires is None  # a browser-session cookie
    assert b.page.h1 == "Granska dina svar"  # the second visit resumed where it left off
    b.press("Skicka in svaren")
    assert b.page.h1 == "Tack för dina svar!"
    state = assert_nothing_stored_in(db_session, app, client)
    assert "respondent" not in state


def test_a_tampered_or_foreign_seal_is_no_session(app, make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv)
    url = issue_links(runner, tmp_path / "l.csv")[0]["url"]
    client = app.test_client()
    Browser(client).get(url)
    state = _session(app, client)
    sealed = state["respondent"]["sealed"]
    for forged in (sealed[:-4] + "AAAA", "not base64 at all!", 42, None):
        state["respondent"]["sealed"] = forged
        value = SecureCookieSessionInterface().get_signing_serializer(app).dumps(state)
        client.set_cookie("session", value)
        response = client.get("/survey")
        assert response.status_code == 403, forged
        assert "Öppna enkäten med din länk" in response.get_data(as_text=True)


def test_open_link_cookie_holds_no_database_value_and_is_never_permanent(
    app, make_round, runner, tmp_path, db_session
):
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    client = app.test_client()
    b = Browser(client)
    b.get(url)
    b.press("Fortsätt", fill={"role": "employee"})
    b.press("Starta enkäten")
    state = assert_nothing_stored_in(db_session, app, client)
    (key,) = state["browser_keys"].values()
    stored = db_session.scalar(sa.select(Draft.browser_key))
    assert stored == hashlib.sha256(key.encode()).hexdigest()  # the cookie has the preimage only
    cookie = client.get_cookie("session")
    assert cookie.expires is None and cookie.max_age is None
    while b.page.h1 != "Granska dina svar":
        b.press("Nästa", choose="first")
        assert_nothing_stored_in(db_session, app, client)
        assert client.get_cookie("session").expires is None
    b.press("Skicka in svaren")
    assert_nothing_stored_in(db_session, app, client)
    assert client.get_cookie("session").expires is None


def _app(database_url: str, base_url: str):
    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "cookie-test-secret-" + "0123456789abcdef" * 2,
            "BASE_URL": base_url,
        }
    )


def test_secure_cookie_and_hsts_under_an_https_base_url(database_url):
    app = _app(database_url, "https://mognad.example.se")
    response = app.test_client().get("/lang/en", base_url="https://mognad.example.se")
    assert response.headers["Strict-Transport-Security"] == HSTS
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" not in cookie and "Max-Age=" not in cookie
    for path in ("/", "/nope", "/s/" + "x" * 43):
        assert app.test_client().get(path).headers["Strict-Transport-Security"] == HSTS
    with app.app_context():
        db.engine.dispose()


def test_no_secure_flag_or_hsts_under_an_http_base_url(database_url):
    app = _app(database_url, "http://127.0.0.1:5000")
    response = app.test_client().get("/lang/en")
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie
    with app.app_context():
        db.engine.dispose()
