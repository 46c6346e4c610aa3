"""The respondent's own competence profile, shown right after submitting and never stored.

Privacy (docs/privacy.md, "The personal competence profile"): the profile is computed in the
request that submits, from the answers of the respondent's own draft, opened with their own
secret just before the draft is deleted. Its only copy is the category levels, sealed under a
key derived from the installation's secret for this purpose and this round, in the respondent's
browser-session cookie. No table, column or log line holds it; the database cannot tell it
exists. Every view here reads it from that cookie only, so no other browser, and nobody with a
link, can fetch it; once the round is no longer open it is dropped and refused. The pages carry
``Cache-Control: no-store`` like every respondent page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, session
from werkzeug.wrappers import Response as HttpResponse

from analysis.profile import Profile, build_profile, category_levels, profile_categories
from survey.extensions import db
from survey.i18n import long_date
from survey.models import Round
from survey.models.enums import RoundStatus
from survey.respond.context import Respondent, Stop
from survey.results.numbers import number
from survey.sealing import SealError, app_sealer
from survey.services import respond as service
from survey.services.rounds import snapshot_questionnaire

KEY = "profile"
PURPOSE = "competence profile"  # a key derived for this opens nothing else, and nothing else this
PLACE = "respondent profile cookie"
FORMATS = ("html", "pdf")

Levels = dict[str, tuple[float, int]]


def levels_before_submit(who: Respondent) -> Levels | None:
    """The category levels of the draft about to be submitted (read before it is deleted)."""
    if who.draft is None or who.role is None:
        return None
    if not profile_categories(who.questionnaire, who.role):
        return None
    return category_levels(
        who.questionnaire, who.role, service.draft_values(who.draft, who.draft_sealer)
    )


def keep(rnd: Round, role: str | None, levels: Levels | None) -> None:
    """Seal the levels into the browser-session cookie (replacing any earlier profile)."""
    session.pop(KEY, None)
    if role is None or not levels:
        return
    content = {"role": role, "levels": {k: list(v) for k, v in levels.items()}}
    session[KEY] = {
        "round": rnd.id,
        "sealed": app_sealer().seal(PURPOSE, str(rnd.id), PLACE, content),
    }


def _kept() -> tuple[Round, str, Levels] | None:
    """The profile this browser holds, for an open round; anything else is forgotten."""
    state = session.get(KEY)
    if not isinstance(state, dict):
        return None
    rnd = db.session.get(Round, state.get("round"))
    try:
        content = app_sealer().open(PURPOSE, str(state.get("round")), PLACE, state["sealed"])
    except (SealError, KeyError, TypeError):
        content = None
    if rnd is None or rnd.status != RoundStatus.OPEN or not isinstance(content, dict):
        session.pop(KEY, None)  # the round closed, or not sealed here: never shown again
        if rnd is not None and rnd.status != RoundStatus.OPEN:
            raise Stop("closed", rnd)
        return None
    levels = {str(k): (float(v[0]), int(v[1])) for k, v in content["levels"].items()}
    return rnd, str(content["role"]), levels


def available() -> bool:
    """Whether this browser holds a profile it may see (for the thank-you page's link)."""
    try:
        return _kept() is not None
    except Stop:
        return False


def _context() -> dict[str, Any]:
    kept = _kept()
    if kept is None:
        raise Stop("no_session")
    rnd, role, levels = kept
    questionnaire = snapshot_questionnaire(db.session(), rnd)
    prof: Profile = build_profile(questionnaire, role, levels)
    return {
        "p": prof,
        "round": rnd,
        "questionnaire": questionnaire,
        "today": long_date(),
        "level": format_level,
    }


def format_level(value: float) -> str:
    """A level with one decimal in the page's language (3,7 in Swedish)."""
    return number(round(value, 1), 1)


def show() -> str:
    """The profile page, with print and download."""
    return render_template("respond/profile.html", **_context())


def download(fmt: str) -> HttpResponse:
    """The profile as one self-contained HTML file or a one-page PDF, to keep."""
    if fmt not in FORMATS:
        abort(404)
    html = render_template("respond/profile_document.html", **_context())
    if fmt == "html":
        body, mimetype = html.encode(), "text/html; charset=utf-8"
    else:
        from survey.results.report import render_pdf

        body, mimetype = render_pdf(html), "application/pdf"
    response = HttpResponse(body, mimetype=mimetype)
    name = f"kompetensprofil.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
