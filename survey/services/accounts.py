"""Staff accounts: creation, set-up links, passwords, the second factor and lockout.

Functions take a Session and plain values and flush, never commit (the request or the CLI
command commits once). Time is passed in (``now``) so that expiry and TOTP steps are testable
without waiting.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.config import derive_key
from survey.models import Unit
from survey.models.enums import UserRole
from survey.models.users import USER_ROLES, RecoveryCode, SignInLock, User, UserUnit, aware
from survey.services.errors import InputError, StateError

# Set-up tokens and recovery codes are long and random: a plain SHA-256 hides them, as it does
# link tokens.
from survey.tokens import token_hash

SETUP_HOURS = 24
MIN_PASSWORD = 12
RECOVERY_CODES = 10
TOTP_PURPOSE = "totp secret v1"
ISSUER = "Mognad"
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise InputError(f"not a valid e-mail address: {email!r} ({e})") from None


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def rotate_session(user: User) -> None:
    """Every session of the account stops working at its next request."""
    user.session_token = secrets.token_hex(32)


def create_user(
    session: Session, email: str, role: str, unit_codes: list[str], now: datetime
) -> tuple[User, str]:
    """Create an account that can only be used through its set-up link; return it and the token."""
    address = normalise_email(email)
    if role not in USER_ROLES:
        raise InputError(f"unknown role {role!r}: use one of {', '.join(USER_ROLES)}")
    codes = checked_units(session, role, unit_codes)
    if find_user(session, address) is not None:
        raise StateError(f"an account for {address} already exists")
    user = User(email=address, role=role, password_hash="", active=True, totp_enrolled=False)
    user.units = [UserUnit(unit_code=c) for c in codes]
    rotate_session(user)
    session.add(user)
    token = issue_setup(user, now)
    session.flush()
    return user, token


def checked_units(session: Session, role: str, unit_codes: list[str]) -> list[str]:
    """The unit codes a ``role`` account is bound to, or InputError saying what is wrong.

    An admin bound to units is a scoped administrator (``survey.access``); unbound, it may do
    everything.
    """
    codes = sorted({c.strip() for c in unit_codes if c.strip()})
    if role == UserRole.MANAGER and not codes:
        raise InputError("a manager needs at least one --unit CODE (the units they may see)")
    if role == UserRole.HR and codes:
        raise InputError(
            "--unit applies to managers and scoped admins; an hr account sees every unit"
        )
    known = set(session.scalars(select(Unit.code).where(Unit.code.in_(codes))))
    missing = [c for c in codes if c not in known]
    if missing:
        raise InputError(f"no unit with code {', '.join(missing)} in any year's organisation tree")
    return codes


def bind_units(session: Session, user: User, unit_codes: list[str]) -> None:
    """Replace a manager's units (the scope changes at their next request)."""
    codes = checked_units(session, user.role, unit_codes)
    user.units = [UserUnit(unit_code=c) for c in codes]
    session.flush()


def issue_setup(user: User, now: datetime) -> str:
    """A fresh single-use set-up link (password and second factor from scratch), valid 24 hours.

    Any earlier link, password, second factor and session of the account stop working.
    """
    token = secrets.token_urlsafe(32)
    user.setup_token_hash = token_hash(token)
    user.setup_expires = now + timedelta(hours=SETUP_HOURS)
    user.password_hash = ""
    user.totp_secret = None
    user.totp_enrolled = False
    user.totp_last_step = None
    user.recovery_codes = []
    clear_failures(user)
    rotate_session(user)
    return token


def user_for_setup(session: Session, token: str, now: datetime) -> User | None:
    """The active account whose unexpired set-up link this is, or None."""
    user = session.scalar(select(User).where(User.setup_token_hash == token_hash(token)))
    if user is None or not user.active:
        return None
    expires = aware(user.setup_expires)
    if expires is None or expires <= now:
        return None
    return user


def password_problem(password: str, confirm: str) -> str | None:
    """Why this password cannot be used (an English key the views translate), or None."""
    if len(password) < MIN_PASSWORD:
        return "short"
    if password != confirm:
        return "mismatch"
    return None


def set_password(user: User, password: str) -> None:
    """Store the new password; the set-up link is used up and every other session ends."""
    user.password_hash = _HASHER.hash(password)
    user.setup_token_hash = None
    user.setup_expires = None
    rotate_session(user)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return True


_DUMMY: list[str] = []


def spend_like_a_check(password: str) -> None:
    """Verify against a throw-away hash, so that an unknown or locked account answers as slowly
    as a real one (the time taken must not tell which addresses have accounts)."""
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(16)))
    with contextlib.suppress(VerificationError):
        _HASHER.verify(_DUMMY[0], password)


def enable_user(user: User) -> None:
    """Let a disabled account sign in again (with its password and app, or a new set-up link)."""
    user.active = True
    clear_failures(user)


def disable_user(user: User) -> None:
    user.active = False
    user.setup_token_hash = None
    user.setup_expires = None
    rotate_session(user)


# --- Lockout ---------------------------------------------------------------------------------
#
# Two counters, so that a guesser cannot lock the real person out: failures per (account, client
# address) lock that pair for ``minutes``; failures of the account from anywhere only delay every
# address by a short back-off that doubles per failure up to ``backoff_max`` seconds.


def lock_for(user: User, client: str) -> SignInLock:
    """The failure counter of ``user`` from ``client`` (a keyed hash of the address)."""
    for lock in user.sign_in_locks:
        if lock.client == client:
            return lock
    lock = SignInLock(client=client, failures=0)
    user.sign_in_locks.append(lock)
    return lock


def is_locked(user: User, client: str, now: datetime) -> bool:
    """True while this address is locked out of the account, or the account's back-off runs."""
    lock = next((x for x in user.sign_in_locks if x.client == client), None)
    untils = [aware(user.locked_until), aware(lock.locked_until) if lock else None]
    return any(until is not None and until > now for until in untils)


def record_failure(
    user: User, client: str, now: datetime, limit: int, minutes: int, backoff_max: int
) -> bool:
    """Count a failed password or code; lock the (account, address) pair for ``minutes`` at
    ``limit`` failures in a row from it. Returns True when this failure locked the pair."""
    _forget_old_locks(user, now, minutes)
    lock = lock_for(user, client)
    last = aware(lock.last_failure)
    if last is not None and last < now - timedelta(minutes=minutes):
        lock.failures = 0  # an old, forgotten mistake does not count towards a new lock
    lock.failures = (lock.failures or 0) + 1
    lock.last_failure = now
    user.failed_attempts = (user.failed_attempts or 0) + 1
    if user.failed_attempts >= limit:
        doubling = min(user.failed_attempts - limit, 30)
        user.locked_until = now + timedelta(seconds=min(2**doubling, backoff_max))
    if lock.failures >= limit:
        lock.failures = 0
        lock.locked_until = now + timedelta(minutes=minutes)
        return True
    return False


def _forget_old_locks(user: User, now: datetime, minutes: int) -> None:
    """Drop counters of addresses that are neither locked nor failed within ``minutes``, so
    that guesses from many addresses leave no growing pile of rows."""
    horizon = now - timedelta(minutes=minutes)
    for lock in list(user.sign_in_locks):
        until, last = aware(lock.locked_until), aware(lock.last_failure)
        if (until is None or until <= now) and (last is None or last < horizon):
            user.sign_in_locks.remove(lock)


def clear_failures(user: User, client: str | None = None) -> None:
    """A success: the account's back-off ends, and so does the counter of this address (the
    counters of other addresses, a guesser's, stay)."""
    user.failed_attempts = 0
    user.locked_until = None
    for lock in list(user.sign_in_locks):
        if client is None or lock.client == client:
            user.sign_in_locks.remove(lock)


# --- Second factor --------------------------------------------------------------------------


def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret_key, TOTP_PURPOSE)))


def totp_secret(user: User, secret_key: str) -> str:
    """The account's TOTP secret, made (and stored encrypted) on first use."""
    if user.totp_secret:
        try:
            return _fernet(secret_key).decrypt(user.totp_secret.encode()).decode()
        except InvalidToken:
            # The installation key changed: the old secret is unreadable; enrol anew.
            if user.totp_enrolled:
                raise
    raw = pyotp.random_base32()
    user.totp_secret = _fernet(secret_key).encrypt(raw.encode()).decode()
    return raw


def provisioning_uri(user: User, secret: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def verify_totp(user: User, secret: str, code: str, now: datetime) -> bool:
    """Accept a code of this or a neighbouring 30-second step, never a step used before."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        expected = totp.generate_otp(candidate)
        if hmac.compare_digest(expected, code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return False  # replay of a code already used (or an older one)
            user.totp_last_step = candidate
            return True
    return False


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh one-time codes (the old ones stop working); only their hashes are stored."""
    codes = [
        "-".join(secrets.token_hex(5)[i : i + 5] for i in (0, 5)) for _ in range(RECOVERY_CODES)
    ]
    user.recovery_codes = [RecoveryCode(code_hash=token_hash(c)) for c in codes]
    return codes


def use_recovery_code(user: User, code: str, now: datetime) -> bool:
    wanted = token_hash("".join(code.split()).lower())
    for stored in user.recovery_codes:
        if stored.used_at is None and hmac.compare_digest(stored.code_hash, wanted):
            stored.used_at = now
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return sum(1 for c in user.recovery_codes if c.used_at is None)
