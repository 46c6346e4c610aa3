"""The read API (``/api/v1/``): published results as JSON, and more with a personal token.

Who may read what:

- Anyone: the published rounds and all of their figures (they are public anyway).
- A personal API token (``Authorization: Bearer <token>``, see ``survey.services.tokens``):
  also closed, not yet published rounds, with the owner's role and scope as ``survey.access``
  decides; a manager's token lists a closed round when one of their units is in that year's tree
  and gets only the rows of their subtree. Published rounds are the same for everyone.
- The staff session cookie grants nothing here: authentication is by the header alone, so no
  other site can make a signed-in browser read unpublished figures (no CSRF-style read), and
  the blueprint needs no CSRF tokens (every route is a GET that changes nothing).

Errors are problem details (``survey.api.problems``), never HTML; responses read with a token are
``no-store``, public ones may be cached briefly and carry an ETag.

The routes are in ``views``, imported in one place, :mod:`survey.api.routes`, which the app
registers; this module does not import it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, g, request
from flask_limiter import RateLimitExceeded
from werkzeug.wrappers import Response

from survey.api.problems import DETAILS, ApiProblem, problem
from survey.extensions import csrf, db
from survey.models.audit import utcnow

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

DEFAULTS = {
    # Requests per client address to the whole API (the figures of a large round are cached,
    # but a client in a loop should still not take the server's time from everyone else).
    "RATELIMIT_API": "300 per minute",
    # How long a cache may keep a public response (published rounds only).
    "API_MAX_AGE": 300,
}


@bp.record_once
def _defaults(state: Any) -> None:
    for key, value in DEFAULTS.items():
        state.app.config.setdefault(key, value)


def owner() -> Any:
    """The account whose token this request carries, or None for an anonymous request."""
    return g.get("api_owner")


@bp.before_request
def authenticate() -> None:
    """Resolve the bearer token, if any; a token sent and not accepted is always a 401.

    A client whose token stopped working must learn so, rather than silently getting the public
    view. The token itself is never logged (``survey.security`` redacts ``Bearer`` values).
    """
    from survey.services.tokens import token_owner

    g.api_owner = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "Send a personal API token as 'Authorization: Bearer <token>'.")
    user = token_owner(db.session(), token.strip(), utcnow())
    if user is None:
        raise ApiProblem(401, DETAILS[401])
    db.session.commit()  # when the token was last used
    g.api_owner = user


@bp.after_request
def cache_headers(response: Response) -> Response:
    """A token's answer is the owner's alone: no cache may keep it or give it to someone else."""
    if request.headers.get("Authorization") is not None:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    return response


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded) -> Response:
    return problem(429)


def init_limits(app: Flask) -> None:
    """Limit the whole API per client address (HMAC-keyed, as the other limits): one shared
    count for every endpoint, not one per endpoint."""
    from survey import ratelimit

    limiter = app.extensions["mognad_limiter"]
    limiter.shared_limit(
        lambda: str(current_app.config["RATELIMIT_API"]), scope="api", key_func=ratelimit.client
    )(bp)
