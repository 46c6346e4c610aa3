"""No 500 page when the database blinks.

A PostgreSQL restart invalidates every pooled connection; the engine's ``pool_pre_ping``
(survey/config.py) replaces a dead one before use, but a request already running on it fails.
Such a request is run once more when that is safe: every read (GET, HEAD) and the respondent's
own posts, which are idempotent (saving a page writes the same values again; a submission that
did commit is recognised and only shows the thank-you page again). What still fails gets a
503 page saying to try again, with ``Retry-After``; a respondent's page, and a staff form, keeps
what was entered (the posted fields, sent again by one button), and the request's transaction
is rolled back, so nothing is half-written. SQLite refusing a write (a read-only file, a full
disk) ends the same way.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, render_template, request
from werkzeug.wrappers import Response

from survey.database import TRANSIENT, reason
from survey.extensions import db

# Posts that may run twice with the same outcome as once (see the module docstring).
IDEMPOTENT_POSTS = frozenset({"respond.start", "respond.page", "respond.submit"})
READS = frozenset({"GET", "HEAD"})
# A restarting PostgreSQL accepts connections again within about a second.
RETRY_DELAY = 0.5
RETRY_AFTER = 10  # seconds, in the 503 answer
# Forms whose entries the 503 page holds for sending again: a respondent's page and a staff
# form (mail texts, organisation, rounds). Never the sign-in forms: a password is not echoed.
KEEPS_ENTRIES = frozenset({"respond", "admin"})


def init_app(app: Flask) -> None:
    """Wrap every view in the one retry, and answer what still fails with 503 (after the
    blueprints are registered: it wraps the views they added)."""
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = _retrying(endpoint, view)
    for error in TRANSIENT:
        app.register_error_handler(error, unavailable)
    app.teardown_appcontext(_release)  # runs before Flask-SQLAlchemy's (teardowns run reversed)


def _release(_error: BaseException | None) -> None:
    """End the request's session; a connection that died after the answer was decided is let go.

    Ending a session rolls back its transaction. When PostgreSQL restarts between the view's
    last statement and that rollback, the rollback fails although the page (or the commit
    before it) is complete: a 500 for nothing. The dead connection has nothing left to undo, and
    SQLAlchemy has already invalidated it (and every pooled connection older than it), so the
    session is dropped and the answer stands.
    """
    try:
        db.session.remove()
    except TRANSIENT:
        db.session.registry.clear()


def _retrying(endpoint: str, view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except TRANSIENT:
            if request.method not in READS and endpoint not in IDEMPOTENT_POSTS:
                raise
            _rollback()
            time.sleep(RETRY_DELAY)
            return view(*args, **kwargs)

    return run


def _rollback() -> None:
    """End the failed transaction; on a dead connection SQLAlchemy only discards it."""
    with contextlib.suppress(Exception):  # the connection is gone: nothing is left to undo
        db.session.rollback()


def unavailable(error: Exception) -> tuple[str | Response, int, dict[str, str]]:
    """The database cannot be used now: 503, try again; a respondent's entries are kept."""
    from flask import current_app

    from survey.api.problems import problem, under_api

    _rollback()
    current_app.logger.warning(
        "Database unavailable (%s: %s) in %s %s",
        type(getattr(error, "orig", None) or error).__name__,
        reason(error),  # the driver's first line: refused, read-only, disk full (no values)
        request.method,
        request.url_rule.rule if request.url_rule else "(no route)",
    )
    headers = {"Retry-After": str(RETRY_AFTER)}
    if under_api():
        return problem(503), 503, headers
    kept: list[tuple[str, str]] = []
    if request.method == "POST" and request.blueprint in KEEPS_ENTRIES and not request.files:
        kept = [(k, v) for k, v in request.form.items(multi=True) if "password" not in k]
        headers["Cache-Control"] = "no-store"  # what was entered stays out of every cache
    page = render_template(
        "errors/unavailable.html", kept=kept, action=request.full_path.rstrip("?")
    )
    return page, 503, headers
