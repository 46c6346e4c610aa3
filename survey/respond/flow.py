"""Where a respondent stands and where they go next, shared by every page group.

A page that finds the respondent somewhere else raises :class:`Redirect` (a 303 to the right
page) or ``context.Stop`` (a status page); the blueprint turns both into responses.
"""

from __future__ import annotations

from flask import url_for

from survey.extensions import db
from survey.models import Draft, Round
from survey.respond import context
from survey.respond.context import Respondent, Stop
from survey.services import respond as service
from survey.services.rounds import snapshot_questionnaire


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def respondent() -> Respondent:
    """The respondent, or after Back from the receipt (submit forgot them) the receipt again.

    The session remembers only the round this browser answered: nothing leads to the answers."""
    try:
        return context.load()
    except Stop as e:
        if e.kind == "no_session" and context.done_round() is not None:
            raise Redirect(url_for("respond.thanks")) from None
        raise


def with_draft() -> tuple[Respondent, Draft]:
    """The respondent of a started questionnaire and their draft; the welcome page for one not
    started yet."""
    who = respondent()
    if who.draft is None:
        raise Redirect(url_for("respond.welcome"))
    return who, who.draft


def resume_url(page: int, role: str, rnd: Round) -> str:
    """The page a draft stopped at: welcome, a question page or the review."""
    plan = service.plan_for(snapshot_questionnaire(db.session(), rnd), role)
    if page >= plan.review:
        return url_for("respond.review")
    if page >= 1:
        return url_for("respond.page", number=page)
    return url_for("respond.welcome")
