"""The questionnaire itself: welcome, start, one page per category (and comments), review.

Each Next/Back saves the page in the draft; the request's single commit happens here, never
in the services.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as HttpResponse

from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.models import Unit
from survey.respond import context
from survey.respond.context import Respondent
from survey.respond.flow import respondent, resume_url, with_draft
from survey.respond.forms import kept_comments, page_errors
from survey.services import respond as service
from survey.tokens import new_token


def welcome() -> Any:
    who = respondent()
    if who.role is None:
        return redirect(url_for("respond.role"))
    unit = db.session.get(Unit, who.unit_id)
    return render_template("respond/welcome.html", who=who, plan=who.plan, unit=unit)


def start() -> HttpResponse:
    """Create the draft (once) and go to the first page, or to where the respondent left off."""
    if request.method == "GET":
        return redirect(url_for("respond.welcome"))
    who = context.load()
    role, unit_id = who.role, who.unit_id
    if role is None or unit_id is None:
        return redirect(url_for("respond.role"), 303)
    try:
        if who.invitation is not None:  # a personal link
            draft = service.start_invitation_draft(db.session(), who.invitation)
        else:
            key = context.browser_key(who.round.id) or new_token()
            context.set_browser_key(who.round.id, key)
            draft = service.start_browser_draft(db.session(), who.round.id, unit_id, role, key)
        page = draft.page
        db.session.commit()
    except IntegrityError:  # a double click created it in parallel
        db.session.rollback()
        who = context.load()
        page = who.draft.page if who.draft else 0
    return redirect(resume_url(max(page, 1), role, who.round), 303)


def page(number: int) -> Any:
    who, draft = with_draft()
    plan = who.plan
    current = plan.page(number)
    if current is None:
        raise NotFound()
    back_to_review = request.values.get("return") == "review"
    if request.method == "GET":
        values = service.draft_values(draft, who.draft_sealer)
        return _render_page(who, plan, current, values, FormErrors(), back_to_review)
    form = request.form.to_dict(flat=False)
    values, problems = service.parse_page(current, form)
    if problems:
        values |= kept_comments(problems, form)
        errors = page_errors(current, problems)
        return _render_page(who, plan, current, values, errors, back_to_review)
    going_back = request.form.get("action") == "back"
    if going_back:
        target = number - 1
    elif back_to_review:
        target = plan.review
    else:
        target = number + 1
    service.save_page(db.session(), draft, current, values, target, who.draft_sealer)
    db.session.commit()
    if target >= plan.review:
        return redirect(url_for("respond.review"), 303)
    if target < 1:
        return redirect(url_for("respond.welcome"), 303)
    return redirect(url_for("respond.page", number=target), 303)


def _render_page(
    who: Respondent,
    plan: service.Plan,
    current: service.Page,
    values: dict[str, str],
    errors: FormErrors,
    back_to_review: bool,
) -> tuple[str, int]:
    """The page's questions, with the problems of the answers just sent (400) if any."""
    return form_page(
        "respond/page.html",
        errors,
        who=who,
        plan=plan,
        page=current,
        values=values,
        back_to_review=back_to_review,
        max_comment=service.MAX_COMMENT,
    )


def review() -> str:
    who, draft = with_draft()
    values = service.draft_values(draft, who.draft_sealer)
    return render_template("respond/review.html", who=who, **review_context(who.plan, values))


def review_context(plan: service.Plan, values: dict[str, str]) -> dict[str, Any]:
    """What review.html needs besides ``who``; shared with the admin preview (no answers)."""
    missing = service.unanswered(plan, values)
    per_page = []
    for p in plan.pages:
        answered = sum(1 for i in p.items if i.id in values)
        written = sum(1 for c in p.comments if c.id in values)
        per_page.append({"page": p, "answered": answered, "written": written})
    return {
        "plan": plan,
        "missing": missing,
        "per_page": per_page,
        "answered": len(plan.items) - len(missing),
        # one sentence before submitting says what the competence profile is (profile.py)
        "profile_note": any(
            p.category and p.category.dimension == "competence" for p in plan.pages
        ),
    }
