"""Error pages: a clear message in the user's language, never a stack trace.

An unexpected error is logged by its type and where it happened, never by its message: a
database error's message can quote the values it refused (an answer, a comment, a key).
"""

from __future__ import annotations

import traceback

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from survey.extensions import db


def init_app(app: Flask) -> None:
    from survey.access import Refused, why_refused
    from survey.api.problems import from_exception, problem, under_api
    from survey.security import RefusedText

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        if under_api():  # the read API answers in JSON (problem details), never HTML
            return from_exception(error)
        message = error.description if isinstance(error, (RefusedText, Refused)) else None
        if message is None and error.code == 403:  # an abort(403) without a reason given
            message = why_refused(current_user, None)
        if isinstance(error, RequestEntityTooLarge):  # staff uploads have their own (admin/)
            message = _(
                "Det du skickade är för stort för att tas emot. Ingenting har sparats. Korta "
                "texten och försök igen."
            )
        if isinstance(error, CSRFError):  # respondents' forms have their own page (respond/)
            message = _(
                "Formuläret saknade sin säkerhetskod eller var för gammalt. Ingenting har "
                "sparats. Ladda om sidan och försök igen."
            )
        page = render_template("errors/error.html", error=error, message=message)
        return page, error.code or 500

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int] | Response:
        db.session.rollback()
        app.logger.error(
            "Unhandled %s in %s %s\n%s",
            type(error).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "(no route)",
            "".join(traceback.format_tb(error.__traceback__)),
        )
        if under_api():
            return problem(500)
        wrapped = InternalServerError()
        return render_template("errors/error.html", error=wrapped), 500
