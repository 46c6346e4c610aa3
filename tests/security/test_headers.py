"""Security headers on every HTML response of every registered route; no stack trace anywhere.

Each rule of ``app.url_map`` is requested as an anonymous visitor and as a signed-in admin
(GET where the rule takes it, otherwise a POST without a form token), over a world of two
closed rounds (one published). Every HTML response carries the policy headers; no response is
a 500 and no error page shows a traceback or a source path. With an https public address
every response carries HSTS as well.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from survey import create_app
from survey.extensions import db
from tests.security.routes import routes
from tests.support.database import in_app
from tests.survey.staff import signed_in

# One database kind is enough: the headers are the web layer's, not the storage's.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

LEAKS = ("Traceback", 'File "/', "site-packages", "sqlalchemy.exc", "werkzeug.exceptions")


def _round_id(app: Flask, name: str = "R2025") -> int:
    import sqlalchemy as sa

    from survey.models import Round

    with in_app(app):
        return int(db.session.execute(sa.select(Round.id).where(Round.name == name)).scalar_one())


def _send(client, route) -> TestResponse:
    if "GET" in route.methods:
        return client.get(route.url)
    return client.post(route.url, data={"x": "1"})


def _check(route, response: TestResponse, https: bool = False) -> list[str]:
    """What is wrong with ``response`` (which is closed: static files hold an open file)."""
    problems = []
    body = response.get_data().decode("utf-8", "replace")
    response.close()
    if response.status_code >= 500:
        problems.append(f"{route}: {response.status_code}")
    if response.status_code >= 400:
        problems += [f"{route}: error page shows {leak!r}" for leak in LEAKS if leak in body]
    h = response.headers
    if response.mimetype == "text/html":
        csp = h.get("Content-Security-Policy", "")
        if "frame-ancestors 'none'" not in csp or "script-src 'self'" not in csp:
            problems.append(f"{route}: CSP {csp!r}")
        if "'unsafe-inline'" in csp:
            problems.append(f"{route}: CSP allows inline code")
        if h.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"{route}: X-Content-Type-Options")
        if h.get("X-Frame-Options") != "DENY":
            problems.append(f"{route}: X-Frame-Options")
        if not h.get("Referrer-Policy"):
            problems.append(f"{route}: no Referrer-Policy")
    if https and not h.get("Strict-Transport-Security", "").startswith("max-age="):
        problems.append(f"{route}: no HSTS over https")
    return problems


def test_every_route_sends_the_headers_and_no_trace(app, runner, clock, two_years) -> None:
    assert runner.invoke(args=["round", "publish", "R2025"]).exit_code == 0
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    anonymous = app.test_client()
    walked = list(routes(app, _round_id(app)))
    assert len(walked) >= 70, [str(r) for r in walked]  # every blueprint registered
    problems: list[str] = []
    html = 0
    for route in walked:
        for client in (anonymous, admin.client):
            response = _send(client, route)
            html += response.mimetype == "text/html"
            problems += _check(route, response)
        # A missing page and a refused method are error pages too.
        problems += _check(route, anonymous.get(route.url + "/nowhere"))
    assert not problems, "\n".join(problems)
    assert html > len(walked)  # most routes answered with a page, so the checks bit


def test_hsts_on_every_route_when_the_address_is_https(database_url) -> None:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "BASE_URL": "https://mognad.test",
        }
    )
    client = app.test_client()
    problems: list[str] = []
    for route in routes(app, 1):
        problems += _check(route, _send(client, route), https=True)
    assert not problems, "\n".join(problems)
    with app.app_context():
        db.engine.dispose()
