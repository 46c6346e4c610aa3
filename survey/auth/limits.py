"""Rate limits of the sign-in forms, per client address (keyed by an HMAC, as for open links).

The lockout in ``accounts`` protects one account from slow guessing from many addresses; this
limit protects every account from fast guessing from one address.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask.wrappers import Response
from flask_limiter import RequestLimit

from survey import ratelimit

LIMITED = ("auth.sign_in", "auth.two_factor", "auth.enrol", "auth.setup")


def _limit() -> str:
    return str(current_app.config["RATELIMIT_SIGN_IN"])


def _busy(limit: RequestLimit) -> Response:
    return Response(render_template("auth/busy.html"), status=429)


def init_app(app: Flask) -> None:
    limiter = app.extensions["mognad_limiter"]
    for endpoint in LIMITED:
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(
            _limit, key_func=ratelimit.client, methods=["POST"], on_breach=_busy
        )(view)
