"""Rate limits of open-link rounds (against stuffing a unit with made-up responses) and of the
anonymous accessibility feedback form (against filling its table).

Anyone holding a unit link can answer, and a fresh cookie jar makes a fresh respondent; so starts
(the unit link itself and the role choice) and submissions are counted per client address and
unit link. Personal links need no limit: each token answers once.

Each app gets its own Limiter (tests and tools build many apps in one process; Flask-Limiter keeps
its settings on the instance). The storage never holds a client address in clear: the bucket key
is an HMAC of the address under a key derived from the secret. A refused request is refused
before its view runs, so nothing is stored half-way and the respondent's draft stays as it was.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app, render_template, request, session
from flask_limiter import Limiter, RateLimitExceeded

from survey.config import derive_key

if TYPE_CHECKING:
    from flask.typing import RouteCallable

OPEN_START = ("respond.unit_link", "respond.role")
OPEN_SUBMIT = ("respond.submit",)
ADDRESS_PURPOSE = "rate-limit address v1"
RESPONDENT = "respondent"  # survey.respond.context.KEY (not imported: no cycle at app creation)


def client() -> str:
    """The caller's address as a keyed hash: the limits count per address, never storing one."""
    key = derive_key(current_app.config["SECRET_KEY"], ADDRESS_PURPOSE)
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]


def _unit_link() -> str:
    """The round and unit of the open link in use (never the link's key)."""
    if request.endpoint == "respond.unit_link" and request.view_args:
        return f"{request.view_args.get('round_id')}/{request.view_args.get('unit_code')}"
    state = session.get(RESPONDENT) or {}
    return f"{state.get('round')}/u{state.get('link_unit')}"


def bucket() -> str:
    return f"{client()}:{_unit_link()}"


def _not_open_link() -> bool:
    """Exempt everything but an open-link respondent (the unit link itself always counts)."""
    if request.endpoint == "respond.unit_link":
        return False
    state = session.get(RESPONDENT)
    return not (isinstance(state, dict) and state.get("kind") == "open")


def setting(name: str) -> Callable[[], str]:
    """A limit read from the configuration each time it is applied."""
    return lambda: str(current_app.config[name])


def init_app(app: Flask) -> None:
    limiter = Limiter(key_func=bucket, app=app)
    app.extensions["mognad_limiter"] = limiter
    for endpoints, limit_name, methods in (
        (OPEN_START, "RATELIMIT_OPEN_START", ["GET", "POST"]),
        (OPEN_SUBMIT, "RATELIMIT_OPEN_SUBMIT", ["POST"]),
    ):
        for endpoint in endpoints:
            view = app.view_functions[endpoint]
            limited = limiter.limit(
                setting(limit_name),
                key_func=bucket,
                methods=["POST"] if endpoint == "respond.role" else methods,
                exempt_when=_not_open_link,
            )(view)
            # Flask-Limiter types its wrapper as sync-or-async; it wraps this sync view.
            app.view_functions[endpoint] = cast("RouteCallable", limited)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Any:
        # A limit with a page of its own (sign-in, feedback) made it in its on_breach callback.
        if error.response is not None:
            return error.response
        return render_template("respond/status.html", kind="busy", round=None), 429
