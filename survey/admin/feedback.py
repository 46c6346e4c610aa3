"""Readers of what people wrote: accessibility feedback (admins) and free-text comments.

Comments are shown only as groups of at least ``K_TEXT`` (``survey.services.comments``), sorted
and without ids, and only for rounds whose fieldwork is over.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from survey.access import Action, require
from survey.admin import bp
from survey.auth.flow import actor
from survey.extensions import db
from survey.models import AccessibilityFeedback, Round, Unit
from survey.models.enums import FINISHED
from survey.services.comments import comment_groups
from survey.services.errors import StateError
from survey.services.rounds import note_results_shown

PER_PAGE = 50


@bp.get("/feedback/")
def feedback() -> str:
    require(Action.READ_FEEDBACK)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    total = db.session.scalar(select(func.count(AccessibilityFeedback.id))) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)
    items = db.session.scalars(
        select(AccessibilityFeedback)
        .order_by(AccessibilityFeedback.received_on.desc(), AccessibilityFeedback.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/feedback/feedback.html", items=items, page=page, pages=pages, total=total
    )


@bp.get("/comments/")
def comment_rounds() -> str:
    require(Action.READ_COMMENTS)
    rounds = db.session.scalars(
        select(Round).where(Round.status.in_(FINISHED)).order_by(Round.year.desc(), Round.name)
    ).all()
    return render_template("admin/feedback/comment_rounds.html", rounds=rounds)


@bp.get("/comments/<name>")
def comments(name: str) -> tuple[str, int] | str:
    rnd = db.session.scalar(select(Round).where(Round.name == name))
    if rnd is None:
        abort(404)
    code = request.args.get("unit") or None
    unit = None
    if code:
        unit = db.session.scalar(select(Unit).where(Unit.year == rnd.year, Unit.code == code))
        require(Action.READ_COMMENTS, unit or SimpleNamespace(year=rnd.year, code=code))
        if unit is None:
            abort(404)
    else:
        require(Action.READ_COMMENTS)
    k_text = int(current_app.config["K_TEXT"])
    try:
        groups = comment_groups(db.session(), rnd, code, k_text)
    except StateError:
        return render_template("admin/feedback/comments_closed_only.html", rnd=rnd), 409
    # Comments read now and again after one more answer would show that answer's text.
    note_results_shown(db.session(), "comments.view", rnd.name, None, actor(current_user))
    db.session.commit()
    units = db.session.execute(
        select(Unit.code, Unit.name).where(Unit.year == rnd.year).order_by(Unit.code)
    ).all()
    return render_template(
        "admin/feedback/comments.html",
        rnd=rnd,
        groups=groups,
        units=units,
        unit=unit,
        k_text=k_text,
    )
