"""Staff sign-in over HTTP: set-up link, TOTP enrolment, recovery codes, lockout, sessions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import AuditLog, RecoveryCode, User
from tests.survey.staff import PASSWORD, Staff, create_user, text

EMAIL = "anna@example.org"


@pytest.fixture
def anna(app, runner, clock) -> Staff:
    """An administrator who has used her set-up link and signed out again."""
    staff = Staff(app)
    staff.set_up(create_user(runner, EMAIL), clock)
    assert staff.signed_in()
    staff.sign_out()
    assert not staff.signed_in()
    clock.advance(seconds=30)
    return staff


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def test_set_up_enrol_sign_in_and_recovery_code(app, runner, clock, db_session) -> None:
    link = create_user(runner, EMAIL)
    assert "/auth/setup/" in link
    staff = Staff(app)
    page = staff.set_up(link, clock)
    assert len(staff.recovery) == 10 and len(set(staff.recovery)) == 10
    assert "visas bara nu" in text(page)
    home = staff.get("/admin/")
    assert home.status_code == 200
    assert EMAIL in text(home) and "administratör" in text(home)
    # Only hashes of the codes are stored; the secret is stored encrypted.
    stored = db_session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(stored) & set(staff.recovery)
    user = db_session.scalar(sa.select(User))
    assert user.totp_enrolled and staff.secret not in (user.totp_secret or "")
    assert user.password_hash.startswith("$argon2id$")

    staff.sign_out()
    assert not staff.signed_in()
    clock.advance(seconds=30)
    r = staff.sign_in(EMAIL, clock)
    assert r.status_code == 302 and r.location.endswith("/admin/")
    assert staff.signed_in()

    staff.sign_out()
    r = staff.sign_in(EMAIL, clock, code=staff.recovery[0].upper())
    assert r.status_code == 302 and staff.signed_in()
    staff.sign_out()
    r = staff.sign_in(EMAIL, clock, code=staff.recovery[0])
    assert r.status_code == 400 and not staff.signed_in()
    assert "auth.recovery_code_used" in audit_actions(db_session)


def test_wrong_password_and_wrong_code_are_refused(app, anna, clock) -> None:
    r = anna.post("/auth/sign-in", {"email": EMAIL, "password": "not the password"})
    assert r.status_code == 400
    body = text(r)
    assert "Det finns ett problem" in body and "Fel:" in body
    assert not anna.signed_in()
    # Unknown address: the same message, nothing revealed.
    other = anna.post("/auth/sign-in", {"email": "nobody@example.org", "password": "x" * 12})
    assert other.status_code == 400 and "stämmer inte" in text(other)
    # Right password, wrong code.
    r = anna.post("/auth/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert r.status_code == 302 and r.location.endswith("/auth/two-factor")
    wrong = str((int(clock.code(anna.secret)) + 1) % 1_000_000).zfill(6)
    r = anna.post("/auth/two-factor", {"code": wrong})
    assert r.status_code == 400 and not anna.signed_in()
    # The half-signed-in state gives no access to staff pages.
    assert anna.get("/admin/").status_code == 302
    # Empty fields name what is missing.
    r = anna.post("/auth/sign-in", {"email": "", "password": ""})
    assert r.status_code == 400
    assert 'href="#email"' in text(r) and 'href="#password"' in text(r)


def test_totp_code_cannot_be_replayed(app, anna, clock) -> None:
    code = clock.code(anna.secret)
    assert anna.sign_in(EMAIL, clock, code=code).status_code == 302
    anna.sign_out()
    r = anna.sign_in(EMAIL, clock, code=code)
    assert r.status_code == 400 and not anna.signed_in()
    # Another browser with the same (overheard) code is refused too.
    thief = Staff(app, address="198.51.100.3")
    assert thief.sign_in(EMAIL, clock, code=code).status_code == 400
    clock.advance(seconds=30)
    assert anna.sign_in(EMAIL, clock).status_code == 302


def test_sign_in_is_rate_limited_per_client(app, anna, db_session) -> None:
    app.config["RATELIMIT_SIGN_IN"] = "4 per minute"
    app.config["LOGIN_MAX_FAILURES"] = 100
    codes = [
        anna.post("/auth/sign-in", {"email": EMAIL, "password": f"guess {i}"}).status_code
        for i in range(6)
    ]
    assert codes == [400, 400, 400, 400, 429, 429]
    # The refused attempts reached no view: only four failures were counted.
    assert audit_actions(db_session).count("auth.failed") == 4
    assert "För många försök" in text(anna.post("/auth/sign-in", {"email": EMAIL}))
    # Another address still gets through to the form.
    other = Staff(app, address="203.0.113.50")
    assert other.post("/auth/sign-in", {"email": EMAIL, "password": "x"}).status_code == 400


def test_lockout_is_temporary_and_audited(app, anna, clock, db_session) -> None:
    app.config["LOGIN_MAX_FAILURES"] = 3
    app.config["LOGIN_LOCKOUT_MINUTES"] = 15
    for i in range(3):
        anna.post("/auth/sign-in", {"email": EMAIL, "password": f"guess {i}"})
    assert audit_actions(db_session).count("auth.locked") == 1
    locked = db_session.scalar(sa.select(AuditLog).where(AuditLog.action == "auth.locked"))
    assert locked.actor == f"web:{EMAIL}" and locked.detail["minutes"] == 15
    # Even the right password is refused while locked, with the same message.
    r = anna.sign_in(EMAIL, clock)
    assert r.status_code == 400 and not anna.signed_in()
    clock.advance(minutes=14)
    assert anna.sign_in(EMAIL, clock).status_code == 400
    clock.advance(minutes=2)
    assert anna.sign_in(EMAIL, clock).status_code == 302 and anna.signed_in()


def test_wrong_codes_lock_the_account_too(app, anna, clock, db_session) -> None:
    app.config["LOGIN_MAX_FAILURES"] = 3
    anna.post("/auth/sign-in", {"email": EMAIL, "password": PASSWORD})
    for _ in range(3):
        assert anna.post("/auth/two-factor", {"code": "000000"}).status_code == 400
    assert "auth.locked" in audit_actions(db_session)
    assert anna.post("/auth/two-factor", {"code": clock.code(anna.secret)}).status_code == 400
    assert not anna.signed_in()


def test_forms_without_csrf_token_are_refused(app, anna, clock) -> None:
    r = anna.post("/auth/sign-in", {"email": EMAIL, "password": PASSWORD}, csrf=False)
    assert r.status_code == 400 and "Traceback" not in text(r)
    assert "staff_pending" not in (anna.client.get_cookie("session") or "")
    assert anna.sign_in(EMAIL, clock).status_code == 302
    r = anna.post("/auth/sign-out", {}, csrf=False)
    assert r.status_code == 400 and anna.signed_in()
    r = anna.post("/auth/password", {"current": PASSWORD, "password": "y" * 12}, csrf=False)
    assert r.status_code == 400


def test_staff_responses_carry_the_security_headers(app, anna, clock) -> None:
    pages = [anna.get("/auth/sign-in")]
    anna.sign_in(EMAIL, clock)
    pages += [anna.get("/admin/"), anna.get("/auth/password")]
    for r in pages:
        assert r.status_code == 200
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-store"
        assert "<script>" not in text(r) and "style=" not in text(r)


def test_disabled_account_is_refused_at_its_next_request(
    app, anna, runner, clock, db_session
) -> None:
    assert anna.sign_in(EMAIL, clock).status_code == 302 and anna.signed_in()
    result = runner.invoke(args=["user", "disable", EMAIL])
    assert result.exit_code == 0, result.output
    r = anna.get("/admin/")
    assert r.status_code == 302 and "/auth/sign-in" in r.location
    clock.advance(seconds=30)
    assert anna.sign_in(EMAIL, clock).status_code == 400
    assert "user.disabled" in audit_actions(db_session)


def test_password_change_ends_every_other_session(app, anna, clock) -> None:
    laptop = anna
    phone = Staff(app, address="192.0.2.99")
    phone.secret = anna.secret
    assert laptop.sign_in(EMAIL, clock).status_code == 302
    clock.advance(seconds=30)
    assert phone.sign_in(EMAIL, clock).status_code == 302
    new = "a new and longer passphrase"
    r = laptop.post("/auth/password", {"current": "wrong", "password": new, "confirm": new})
    assert r.status_code == 400 and phone.signed_in()
    r = laptop.post("/auth/password", {"current": PASSWORD, "password": new, "confirm": new})
    assert r.status_code == 200 and "Lösenordet är bytt" in text(r)
    assert laptop.signed_in()
    assert not phone.signed_in()
    clock.advance(seconds=30)
    assert phone.sign_in(EMAIL, clock).status_code == 400
    assert phone.sign_in(EMAIL, clock, password=new).status_code == 302


def test_set_up_link_is_single_use_and_expires_after_24_hours(
    app, runner, clock, db_session
) -> None:
    link = create_user(runner, EMAIL)
    path = link.split("mognad.test", 1)[1]
    first = Staff(app)
    first.set_up(link, clock)
    again = Staff(app, address="192.0.2.77")
    r = again.get(path)
    assert r.status_code == 404 and "Länken fungerar inte" in text(r)

    late = create_user(runner, "bo@example.org", "hr")
    late_path = late.split("mognad.test", 1)[1]
    clock.advance(hours=23, minutes=59)
    assert again.get(late_path).status_code == 200
    clock.advance(minutes=2)
    assert again.get(late_path).status_code == 404
    r = again.post(late_path, {"password": PASSWORD, "confirm": PASSWORD}, csrf=False)
    assert r.status_code in (400, 404)
    user = db_session.scalar(sa.select(User).where(User.email == "bo@example.org"))
    assert user.password_hash == ""


def test_set_up_refuses_a_short_or_mismatched_password(app, runner, clock) -> None:
    path = create_user(runner, EMAIL).split("mognad.test", 1)[1]
    staff = Staff(app)
    r = staff.post(path, {"password": "short", "confirm": "short"})
    assert r.status_code == 400 and "minst 12 tecken" in text(r)
    r = staff.post(path, {"password": PASSWORD, "confirm": PASSWORD + "!"})
    assert r.status_code == 400 and 'href="#confirm"' in text(r)
    assert staff.get(path).status_code == 200  # the link still works


def test_english_sign_in_page(app) -> None:
    staff = Staff(app)
    r = staff.get("/auth/sign-in?lang=en")
    body = text(r)
    assert r.status_code == 200 and '<html lang="en">' in body
    assert "Sign in" in body and 'autocomplete="current-password"' in body
