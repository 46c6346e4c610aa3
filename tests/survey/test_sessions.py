"""Attack: a staff session cookie copied before sign-out (or before the account is disabled) and
replayed afterwards. The cookie is signed, not stored, so only a server-side token can end it."""

from __future__ import annotations

import pytest

from tests.survey.staff import Staff, create_user

EMAIL = "anna@example.org"


def _copy(staff: Staff, address: str = "198.51.100.7") -> Staff:
    """Another browser holding a copy of ``staff``'s session cookie (stolen or kept)."""
    thief = Staff(staff.app, address=address)
    cookie = staff.client.get_cookie("session")
    assert cookie is not None
    thief.client.set_cookie("session", cookie.value)
    return thief


@pytest.fixture
def anna(app, runner, clock) -> Staff:
    staff = Staff(app)
    staff.set_up(create_user(runner, EMAIL), clock)
    assert staff.signed_in()
    return staff


def test_a_cookie_copied_before_sign_out_is_refused_after_it(anna) -> None:
    thief = _copy(anna)
    assert thief.get("/admin/").status_code == 200  # the copy works while Anna is signed in
    assert thief.get("/admin/comments/").status_code == 200
    anna.sign_out()
    for path in ("/admin/", "/admin/comments/"):
        r = thief.get(path)
        assert r.status_code == 302 and "/auth/sign-in" in r.location, path
    assert not anna.signed_in()


def test_signing_in_again_after_sign_out_does_not_revive_the_old_cookie(anna, clock) -> None:
    thief = _copy(anna)
    anna.sign_out()
    clock.advance(seconds=30)
    assert anna.sign_in(EMAIL, clock).status_code == 302 and anna.signed_in()
    r = thief.get("/admin/")
    assert r.status_code == 302 and "/auth/sign-in" in r.location


def test_disabling_an_account_ends_every_copy_of_its_session(anna, runner) -> None:
    thief = _copy(anna)
    assert thief.get("/admin/").status_code == 200
    result = runner.invoke(args=["user", "disable", EMAIL])
    assert result.exit_code == 0, result.output
    for staff in (anna, thief):
        r = staff.get("/admin/")
        assert r.status_code == 302 and "/auth/sign-in" in r.location
