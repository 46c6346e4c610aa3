"""Respondent pages (blueprint ``respond``): the URL table, and the hooks every page shares.

The controllers live by page group: ``entry`` (links, role choice, status pages),
``questionnaire`` (welcome, pages, review), ``submit`` (submit, receipt) and
``accessibility``. Each row below is (rule, endpoint, view, methods); endpoint names are part
of the templates' contract (``url_for("respond.page", …)``), so they never change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as HttpResponse

from survey.i18n import template_helpers
from survey.respond import accessibility, entry, profile, questionnaire, submit
from survey.respond.context import Stop
from survey.respond.flow import Redirect

__all__ = ["bp"]

GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")

URLS: tuple[tuple[str, str, Callable[..., Any], tuple[str, ...]], ...] = (
    ("/accessibility", "accessibility", accessibility.statement, BOTH),
    # entry
    ("/s/<path:token>", "personal_link", entry.personal_link, GET),
    ("/o/<int:round_id>/<path:unit_code>/<key>", "unit_link", entry.unit_link, GET),
    ("/survey/again", "answer_again", entry.answer_again, POST),
    ("/survey/role", "role", entry.role, BOTH),
    # questionnaire
    ("/survey", "welcome", questionnaire.welcome, GET),
    ("/survey/start", "start", questionnaire.start, BOTH),
    ("/survey/page/<int:number>", "page", questionnaire.page, BOTH),
    ("/survey/review", "review", questionnaire.review, GET),
    # submit
    ("/survey/submit", "submit", submit.submit, BOTH),
    ("/survey/thanks", "thanks", submit.thanks, GET),
    # the respondent's own competence profile (survey/respond/profile.py)
    ("/survey/profile", "profile", profile.show, GET),
    ("/survey/profile.<fmt>", "profile_download", profile.download, GET),
)

bp = Blueprint("respond", __name__)
for rule, endpoint, view, methods in URLS:
    bp.add_url_rule(rule, endpoint, view, methods=list(methods))


@bp.after_request
def private(response: HttpResponse) -> HttpResponse:
    """No referrer leaves these pages (tokens, rounds); nothing personal is cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _redirect(e: Redirect) -> HttpResponse:
    return redirect(e.url, 303)


bp.register_error_handler(Stop, entry.stop)
bp.register_error_handler(CSRFError, entry.stale_form)
bp.register_error_handler(Redirect, _redirect)
bp.context_processor(template_helpers)
