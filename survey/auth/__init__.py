"""Staff sign-in: password, second factor, set-up links, sessions that can be revoked.

Flask-Login identifies a session by the account's ``session_token`` rather than its id: setting
a new token (disabling the account, changing or resetting the password) makes every existing
session anonymous at its next request, on every device.

The view modules (``views``, ``oidc``) put their routes on ``bp`` and are imported in one
place, :mod:`survey.auth.routes`, which the app registers; this module imports neither.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.extensions import db, login_manager
from survey.models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")

DEFAULTS = {
    # Password and code attempts per client address and form.
    "RATELIMIT_SIGN_IN": "10 per 5 minutes",
    # Consecutive failures from one address that lock the account for that address, and for
    # how long; failures from anywhere only delay the account by a back-off of at most
    # LOGIN_BACKOFF_MAX_SECONDS (so a guesser cannot lock the owner out from elsewhere).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_MINUTES": 15,
    "LOGIN_BACKOFF_MAX_SECONDS": 60,
}


@bp.record_once
def _defaults(state: Any) -> None:
    app: Flask = state.app
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


login_manager.login_view = "auth.sign_in"
login_manager.login_message = None


@bp.after_request
def no_store(response: Response) -> Response:
    """Staff pages hold codes and personal set-up links: no cache keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response
