"""The half-signed-in state between the password and the second factor, and its end.

After a correct password (or a used set-up link) the session holds only the account id, its
current session token and a deadline; no page but the second-factor and enrolment pages
accepts that. The account is signed in (Flask-Login) only once the second factor is correct.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, session, url_for
from flask_login import login_user
from sqlalchemy import select

from survey import ratelimit
from survey.extensions import db
from survey.models import User
from survey.services import accounts
from survey.services.audit import audit

PENDING = "staff_pending"
PENDING_MINUTES = 10


def utcnow() -> datetime:
    return datetime.now(UTC)


def safe_next(target: str | None) -> str | None:
    """A same-site path to go to after signing in, or None (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def start_pending(user: User, next_url: str | None = None) -> None:
    deadline = utcnow() + timedelta(minutes=PENDING_MINUTES)
    session[PENDING] = {
        "uid": user.id,
        "tok": user.session_token,
        "exp": int(deadline.timestamp()),
        "next": safe_next(next_url),
    }


def pending_user() -> User | None:
    """The account half-way through signing in, if the state is fresh and still valid."""
    state: Any = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    if int(state.get("exp") or 0) < int(utcnow().timestamp()):
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, state.get("uid"))
    if user is None or not user.active or user.session_token != state.get("tok"):
        session.pop(PENDING, None)
        return None
    return user


def pending_next() -> str | None:
    state: Any = session.get(PENDING)
    return state.get("next") if isinstance(state, dict) else None


def _fresh_session() -> None:
    """Start from an empty session (keeping only the language) so nothing carries over."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def complete_sign_in(user: User, method: str) -> str:
    """Sign the account in; return where to go next."""
    target = pending_next() or url_for("admin.home")
    accounts.clear_failures(user, client())
    _fresh_session()
    login_user(user)
    audit(db.session(), "auth.signed_in", actor=actor(user), method=method)
    return target


def end_session() -> None:
    _fresh_session()


def setup_url(token: str) -> str:
    """The full address of a set-up link (``BASE_URL``: mail and the terminal have no request)."""
    return f"{str(current_app.config['BASE_URL']).rstrip('/')}/auth/setup/{token}"


def actor(user: User) -> str:
    return f"web:{user.email}"


def client() -> str:
    """This request's client address as the rate limits key it (a keyed hash, never clear)."""
    return ratelimit.client()


def locked(user: User) -> bool:
    """Whether this address may not try the account now (its lock or the account's back-off)."""
    return accounts.is_locked(user, client(), utcnow())


def fail(user: User, step: str) -> None:
    """Count a wrong password or code against the account from this address; lock the pair
    (audited) at the limit."""
    limit = int(current_app.config["LOGIN_MAX_FAILURES"])
    minutes = int(current_app.config["LOGIN_LOCKOUT_MINUTES"])
    backoff = int(current_app.config["LOGIN_BACKOFF_MAX_SECONDS"])
    audit(db.session(), "auth.failed", actor=actor(user), step=step)
    if accounts.record_failure(user, client(), utcnow(), limit, minutes, backoff):
        audit(db.session(), "auth.locked", actor=actor(user), minutes=minutes, failures=limit)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))
