"""Submitting once, and the receipt that says what was answered and when, never which answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, session, url_for

from analysis.instruments import Questionnaire
from survey.extensions import db
from survey.i18n import long_date
from survey.models import Round
from survey.models.enums import RoundMode
from survey.respond import context, profile
from survey.respond.context import Stop
from survey.sealing import app_sealer
from survey.services import respond as service
from survey.services.rounds import snapshot_questionnaire


def submit() -> Any:
    """Submit once; a repeat (double click, reload, retry) shows the thank-you page again."""
    if request.method == "GET":
        return redirect(url_for("respond.review"))
    if session.get(context.KEY) is None and context.done_round() is not None:
        return redirect(url_for("respond.thanks"), 303)
    who = context.load(allow_completed=True)
    rnd = who.round
    levels = profile.levels_before_submit(who)  # the draft is gone after the submit
    # A personal link submits its invitation's answers, an open link its browser's draft.
    submit_once: Callable[..., bool] | None
    if who.invitation is not None:
        submit_once, target = service.submit_invitation, who.invitation.id
    elif who.draft is not None:
        submit_once, target = service.submit_browser, who.draft.id
    else:
        submit_once, target = None, 0
    try:
        created = submit_once is not None and submit_once(
            db.session(),
            target,
            who.plan,
            draft_sealer=who.draft_sealer,
            ballot_sealer=app_sealer(),
        )
    except service.RoundNotOpen:
        raise Stop("closed", rnd) from None  # rolled back: nothing was taken
    if not created:
        # A repeat ends on the same address as the first submission (post/redirect/get), so
        # whichever of two racing POSTs the browser shows, reload and Back behave the same.
        db.session.rollback()
        context.finish(rnd, who.personal)
        return redirect(url_for("respond.thanks"), 303)
    db.session.commit()
    context.finish(rnd, who.personal)
    profile.keep(rnd, who.role, levels)
    return redirect(url_for("respond.thanks"), 303)


def thanks() -> Any:
    rnd = context.done_round()
    if rnd is None:
        raise Stop("no_session")
    return render_thanks(rnd)


def render_thanks(rnd: Round) -> str:
    """The receipt: what was answered (the round), when (the day), never which answers."""
    questionnaire = snapshot_questionnaire(db.session(), rnd)
    return render_template(
        "respond/thanks.html",
        **thanks_context(rnd.name, questionnaire, rnd.mode == RoundMode.INVITED, rnd),
        report_url=report_url(rnd),
        profile_url=url_for("respond.profile") if profile.available() else None,
    )


def thanks_context(
    round_name: str, questionnaire: Questionnaire, personal: bool, rnd: Round | None = None
) -> dict[str, Any]:
    """What thanks.html needs besides the report link; shared with the admin preview (which
    has no round: the installation's k is shown there)."""
    return {
        "round": {"name": round_name} if rnd is None else rnd,
        "questionnaire": questionnaire,
        "today": long_date(),
        "personal": personal,
    }


def report_url(rnd: Round) -> str | None:
    """The public page of last year's published round, if there is one."""
    prev = context.previous_published(rnd)
    return url_for("results.report", round_id=prev.id) if prev is not None else None
