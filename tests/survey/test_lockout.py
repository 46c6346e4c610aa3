"""Attack: lock a colleague out by typing wrong passwords for their address from elsewhere.

The lockout is per (account, client address); from anywhere else the account only waits a short
back-off (at most ``LOGIN_BACKOFF_MAX_SECONDS``). Time is the clock the sign-in code reads.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import AuditLog, SignInLock
from tests.survey.staff import PASSWORD, Staff, create_user

EMAIL = "anna@example.org"


@pytest.fixture
def anna(app, runner, clock) -> Staff:
    """Anna at her own address, set up and signed out; sign-in rate limits out of the way."""
    app.config["RATELIMIT_SIGN_IN"] = "1000 per minute"
    staff = Staff(app, address="192.0.2.10")
    staff.set_up(create_user(runner, EMAIL), clock)
    staff.sign_out()
    clock.advance(seconds=30)
    return staff


def guess(app, address: str, times: int) -> list[int]:
    attacker = Staff(app, address=address)
    return [
        attacker.post("/auth/sign-in", {"email": EMAIL, "password": f"guess {i}"}).status_code
        for i in range(times)
    ]


def test_an_attacker_cannot_lock_the_owner_out_from_another_address(
    app, anna, clock, db_session
) -> None:
    limit = app.config["LOGIN_MAX_FAILURES"]
    backoff = app.config["LOGIN_BACKOFF_MAX_SECONDS"]
    assert backoff < 60 * app.config["LOGIN_LOCKOUT_MINUTES"]
    assert guess(app, "198.51.100.66", 40) == [400] * 40
    # Only the attacker's first `limit` guesses reached the password check; then their address
    # was locked out of the account (audited) and the rest were refused unchecked.
    actions = list(db_session.scalars(sa.select(AuditLog.action)))
    assert actions.count("auth.failed") == limit and actions.count("auth.locked") == 1
    # Anna, at her own address, waits at most the short back-off, then signs in.
    clock.advance(seconds=backoff)
    assert anna.sign_in(EMAIL, clock).status_code == 302 and anna.signed_in()
    # The attacker's address stays locked, even with the right password.
    attacker = Staff(app, address="198.51.100.66")
    r = attacker.post("/auth/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert r.status_code == 400


def test_guesses_from_many_addresses_only_delay_the_owner_by_the_capped_back_off(
    app, anna, clock, db_session
) -> None:
    limit = app.config["LOGIN_MAX_FAILURES"]
    backoff = app.config["LOGIN_BACKOFF_MAX_SECONDS"]
    for n in range(12):
        guess(app, f"198.51.100.{n + 1}", limit)
        clock.advance(seconds=backoff)  # each wave waits out the back-off, as an attacker would
    assert anna.sign_in(EMAIL, clock).status_code == 302 and anna.signed_in()
    # The back-off holds for every address: after the first wave, each new address got one
    # guess checked before the account's back-off refused the rest unchecked.
    actions = list(db_session.scalars(sa.select(AuditLog.action)))
    assert actions.count("auth.failed") == limit + 11
    # Anna's success cleared only her own counter: the guessers' counters stay.
    locks = list(db_session.scalars(sa.select(SignInLock)))
    assert len(locks) == 12 and sum(lock.locked_until is not None for lock in locks) == 1


def test_the_owners_own_mistakes_lock_only_her_address(app, anna, clock) -> None:
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert guess(app, "192.0.2.10", limit) == [400] * limit
    clock.advance(seconds=app.config["LOGIN_BACKOFF_MAX_SECONDS"])
    assert anna.sign_in(EMAIL, clock).status_code == 400  # still locked at this address
    phone = Staff(app, address="203.0.113.20")
    phone.secret = anna.secret
    assert phone.sign_in(EMAIL, clock).status_code == 302 and phone.signed_in()
