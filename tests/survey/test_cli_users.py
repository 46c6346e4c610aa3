"""`mognad user create|reset|disable|list`, and the demo's way in for its administrator."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import AuditLog, User
from tests.support.database import in_app, table_snapshot
from tests.survey.staff import PASSWORD, Clock, Staff, create_user, install_clock


def users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.email)))


def test_create_prints_a_link_and_stores_only_its_hash(app, runner, make_org, db_session) -> None:
    make_org(2025)
    link = create_user(runner, "Chef@Example.org", "manager", "EDU", "CARE")
    assert link.startswith("http://mognad.test/auth/setup/")
    token = link.rsplit("/", 1)[1]
    (user,) = users(db_session)
    assert user.email == "chef@example.org" and user.role == "manager"
    assert user.unit_codes == ("CARE", "EDU")
    assert user.setup_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(table_snapshot(app))
    audit = db_session.scalar(sa.select(AuditLog).where(AuditLog.action == "user.created"))
    assert audit.detail == {"role": "manager", "units": ["CARE", "EDU"]}


def test_create_refuses_bad_input_and_writes_nothing(app, runner, make_org) -> None:
    make_org(2025)
    before = table_snapshot(app)
    cases = [
        (["not-an-address", "--role", "admin"], "not a valid e-mail address"),
        (["a@example.org", "--role", "boss"], "Invalid value for '--role'"),
        (["a@example.org", "--role", "manager"], "a manager needs at least one --unit"),
        (["a@example.org", "--role", "hr", "--unit", "EDU"], "an hr account sees every unit"),
        (["a@example.org", "--role", "manager", "--unit", "NOPE"], "no unit with code NOPE"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["user", "create", *args])
        assert result.exit_code != 0 and message in result.output, result.output
        assert "Traceback" not in result.output
    assert table_snapshot(app) == before
    create_user(runner, "a@example.org")
    again = runner.invoke(args=["user", "create", "A@example.org", "--role", "hr"])
    assert again.exit_code == 1 and "already exists" in again.output


def test_list_disable_and_reset(app, runner, monkeypatch) -> None:
    clock = Clock()
    install_clock(monkeypatch, clock)
    assert "No accounts" in runner.invoke(args=["user", "list"]).output
    staff = Staff(app)
    staff.set_up(create_user(runner, "anna@example.org"), clock)
    create_user(runner, "bo@example.org", "hr")
    out = runner.invoke(args=["user", "list"]).output.splitlines()
    assert out[0].split() == ["anna@example.org", "admin", "active", "-"]
    assert out[1].split()[:3] == ["bo@example.org", "hr", "awaiting"]

    # Reset: the old password and app stop working, the new link sets up both again.
    result = runner.invoke(args=["user", "reset", "anna@example.org"])
    assert result.exit_code == 0, result.output
    assert not staff.signed_in()
    clock.advance(seconds=30)
    assert staff.sign_in("anna@example.org", clock).status_code == 400
    staff.set_up(result.output.strip().splitlines()[-1], clock)
    assert staff.signed_in()

    result = runner.invoke(args=["user", "disable", "bo@example.org"])
    assert result.exit_code == 0 and "Disabled bo@example.org" in result.output
    assert "disabled" in runner.invoke(args=["user", "list"]).output.splitlines()[1]
    missing = runner.invoke(args=["user", "disable", "nobody@example.org"])
    assert missing.exit_code == 1 and "no account for nobody@example.org" in missing.output
    refused = runner.invoke(args=["user", "reset", "bo@example.org"])
    assert refused.exit_code == 1 and "disabled" in refused.output


def test_demo_admin_gets_a_working_set_up_link(app, monkeypatch) -> None:
    from survey.services.demo import ADMIN_EMAIL, set_admin

    clock = Clock()
    install_clock(monkeypatch, clock)
    with in_app(app):
        token = set_admin(db.session)
        db.session.commit()
    staff = Staff(app)
    staff.set_up(f"http://mognad.test/auth/setup/{token}", clock)
    assert staff.signed_in()
    # Running the demo again resets the administrator: the old sign-in no longer works.
    with in_app(app):
        again = set_admin(db.session)
        db.session.commit()
    assert again != token and not staff.signed_in()
    clock.advance(seconds=30)
    assert staff.sign_in(ADMIN_EMAIL, clock, password=PASSWORD).status_code == 400


def test_units_replaces_a_managers_units(app, runner, make_org, db_session) -> None:
    make_org(2025)
    create_user(runner, "chef@example.org", "manager", "EDU")
    result = runner.invoke(args=["user", "units", "chef@example.org", "--unit", "CARE"])
    assert result.exit_code == 0, result.output
    assert users(db_session)[0].unit_codes == ("CARE",)
    bad = runner.invoke(args=["user", "units", "chef@example.org", "--unit", "NOPE"])
    assert bad.exit_code == 1 and "no unit with code NOPE" in bad.output
    assert users(db_session)[0].unit_codes == ("CARE",)
    create_user(runner, "hr@example.org", "hr")
    before = table_snapshot(app)
    hr = runner.invoke(args=["user", "units", "hr@example.org", "--unit", "EDU"])
    assert hr.exit_code == 1 and "an hr account sees every unit" in hr.output
    assert table_snapshot(app) == before
