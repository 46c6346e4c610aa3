"""The audit log viewer (administrators): who did what, when, filtered by round, user, action.

Audit details never hold answers (``survey.services.audit`` records actions and counts), and
this page shows them as plain ``key: value`` text in words (``survey.admin.audit_names``), never
as markup.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import Select, func, select

from survey.access import Action, require
from survey.admin import bp
from survey.admin.audit_names import detail_lines, event_name
from survey.extensions import db
from survey.models import AuditLog, Round

PER_PAGE = 50


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _filtered(query: Select[Any], rnd: str, user: str, action: str) -> Select[Any]:
    if rnd:
        query = query.where(AuditLog.detail["round"].as_string() == rnd)
    if user:
        query = query.where(AuditLog.actor == user)
    if action:
        query = query.where(AuditLog.action == action)
    return query


@bp.get("/audit/")
def audit_log() -> str:
    require(Action.VIEW_AUDIT)
    rnd = request.args.get("round", "").strip()
    user = request.args.get("user", "").strip()
    action = request.args.get("action", "").strip()
    page = _page()
    total = db.session.scalar(_filtered(select(func.count(AuditLog.id)), rnd, user, action)) or 0
    entries = db.session.scalars(
        _filtered(select(AuditLog), rnd, user, action)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "admin/audit/log.html",
        entries=[(e, detail_lines(e.detail, e.action)) for e in entries],
        rounds=db.session.scalars(select(Round.name).order_by(Round.name)).all(),
        users=db.session.scalars(select(AuditLog.actor).distinct().order_by(AuditLog.actor)).all(),
        actions=db.session.scalars(
            select(AuditLog.action).distinct().order_by(AuditLog.action)
        ).all(),
        filters={"round": rnd, "user": user, "action": action},
        event_name=event_name,
        page=min(page, pages),
        pages=pages,
        total=total,
    )
