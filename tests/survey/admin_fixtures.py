"""Signed-in staff for the admin page tests: an admin, an hr analyst and a manager."""

from __future__ import annotations

import re

import pytest

from tests.survey.staff import Clock, Staff, create_user, install_clock

ROUND_ID = re.compile(r"/admin/rounds/(\d+)")


@pytest.fixture
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    c = Clock()
    install_clock(monkeypatch, c)
    return c


def signed_in(app, runner, clock, email: str, role: str, *units: str) -> Staff:  # type: ignore[no-untyped-def]
    staff = Staff(app)
    staff.set_up(create_user(runner, email, role, *units), clock)
    assert staff.signed_in()
    return staff


@pytest.fixture
def admin(app, runner, clock) -> Staff:  # type: ignore[no-untyped-def]
    return signed_in(app, runner, clock, "admin@example.org", "admin")


@pytest.fixture
def outbox(app, tmp_path):  # type: ignore[no-untyped-def]
    """The instance folder (and so the outbox) of this test only."""
    app.instance_path = str(tmp_path / "instance")
    return tmp_path / "instance" / "outbox"
