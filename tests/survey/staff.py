"""A staff member's browser through the Flask test client, and a clock the sign-in code reads.

Staff pages answer with redirects the tests assert on (302 to the second factor, to sign-in),
so ``Staff`` returns raw responses and follows no redirect; it reads the forms (their CSRF
token) with the one form parser, ``tests.support.forms``.
Every request gets its own application context, so nothing of one request (the signed-in user,
the form token) leaks into the next.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from werkzeug.test import TestResponse

from survey.auth import flow
from tests.support.forms import parse

SECRET = re.compile(r'<code class="secret">([^<]+)</code>')
CODES = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")
PASSWORD = "correct horse battery staple"


class Clock:
    """The time the sign-in code sees (``flow.utcnow``), moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.now)


class Staff:
    """One browser (cookie jar) of one person."""

    def __init__(self, app: Flask, address: str = "192.0.2.10") -> None:
        self.app = app
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.secret = ""
        self.recovery: list[str] = []

    def get(self, url: str) -> TestResponse:
        return self.client.get(url)

    def token(self, url: str) -> str:
        """The CSRF token of the forms on the page at ``url``, as a browser would have it."""
        page = parse(self.get(url), url)
        tokens = {v for form in page.forms for name, v in form.hidden if name == "csrf_token"}
        assert len(tokens) == 1, f"no single CSRF token on {url}: {tokens}"
        return tokens.pop()

    def post(self, url: str, data: dict[str, str], csrf: bool = True) -> TestResponse:
        """POST with the CSRF token of the page at ``url``."""
        if csrf:
            data = {"csrf_token": self.token(url), **data}
        return self.client.post(url, data=data)

    def post_from(self, page_url: str, action: str, data: dict[str, str]) -> TestResponse:
        """Submit a form whose action differs from the page that shows it (sign-out)."""
        return self.client.post(action, data={"csrf_token": self.token(page_url), **data})

    # --- journeys ------------------------------------------------------------------------

    def set_up(self, link: str, clock: Clock, password: str = PASSWORD) -> TestResponse:
        """Use a set-up link: password, enrol the app, keep the recovery codes."""
        path = link.split("mognad.test", 1)[-1]
        r = self.post(path, {"password": password, "confirm": password})
        assert r.status_code == 302 and r.location.endswith("/auth/enrol"), r.status_code
        page = self.get("/auth/enrol").get_data(as_text=True)
        self.secret = "".join(SECRET.search(page).group(1).split())
        r = self.post("/auth/enrol", {"code": clock.code(self.secret)})
        assert r.status_code == 200, r.get_data(as_text=True)
        self.recovery = CODES.findall(r.get_data(as_text=True))
        return r

    def sign_in(
        self, email: str, clock: Clock, password: str = PASSWORD, code: str | None = None
    ) -> TestResponse:
        """Password, then the TOTP code of the clock's time (or ``code``)."""
        r = self.post("/auth/sign-in", {"email": email, "password": password})
        if r.status_code != 302:
            return r
        return self.post("/auth/two-factor", {"code": code or clock.code(self.secret)})

    def sign_out(self) -> TestResponse:
        return self.post_from("/admin/", "/auth/sign-out", {})

    def signed_in(self) -> bool:
        r = self.get("/admin/")
        return r.status_code == 200


def create_user(runner: FlaskCliRunner, email: str, role: str = "admin", *units: str) -> str:
    """`mognad user create`; return the printed set-up link."""
    args = ["user", "create", email, "--role", role]
    for unit in units:
        args += ["--unit", unit]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@dataclass
class Account:
    email: str
    staff: Staff


def text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def install_clock(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    monkeypatch.setattr(flow, "utcnow", clock)


def signed_in(
    app: Flask,
    runner: FlaskCliRunner,
    clock: Clock,
    email: str,
    role: str = "admin",
    *units: str,
    address: str = "192.0.2.10",
) -> Staff:
    """A staff account made with ``mognad user create``, set up (password, TOTP) and signed in
    from ``address`` (the sign-in lockout counts per address)."""
    staff = Staff(app, address=address)
    staff.set_up(create_user(runner, email, role, *units), clock)
    assert staff.signed_in()
    return staff
