"""Role competence profiles: what digital competence each role is expected to have.

Public, no sign-in (docs/privacy.md): a page holds the instrument's competence categories, the
role's target levels and what each level means, all from the instrument file that the latest
round uses. None of it is an answer or a figure about anyone, and HR attaches it to job adverts
and development plans, which are public or go to people without an account here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from analysis.instruments import ROLES, Questionnaire
from analysis.profile import profile_categories
from survey.extensions import db
from survey.i18n import template_helpers
from survey.models import Round
from survey.models.enums import RoundStatus
from survey.services.rounds import snapshot_questionnaire

bp = Blueprint("roles", __name__)
bp.context_processor(template_helpers)


def latest_round() -> Round | None:
    """The round the targets apply to: the latest one past its draft (its instrument snapshot
    is what respondents answer or answered)."""
    return db.session.scalar(
        select(Round)
        .where(Round.status != RoundStatus.DRAFT)
        .order_by(Round.year.desc(), Round.id.desc())
        .limit(1)
    )


def _source() -> tuple[Round | None, Questionnaire | None]:
    rnd = latest_round()
    return rnd, (snapshot_questionnaire(db.session(), rnd) if rnd is not None else None)


@bp.get("/roles")
def index() -> str:
    """Every role that answers competence categories, with a link to its page."""
    rnd, q = _source()
    roles = [r for r in ROLES if q is not None and profile_categories(q, r)]
    return render_template("main/roles.html", rnd=rnd, q=q, roles=roles)


@bp.get("/roles/<role>")
def role(role: str) -> str:
    """One role's competence categories, its expected level in each and what every level means."""
    rnd, q = _source()
    if role not in ROLES or q is None or not profile_categories(q, role):
        abort(404)
    return render_template("main/role.html", **role_context(q, role), rnd=rnd)


def role_context(q: Questionnaire, role: str) -> dict[str, Any]:
    """What main/role.html needs from the instrument (no figures, no answers)."""
    categories = [
        {
            "category": c,
            "target": c.target.get(role),
            "statements": c.items_for(role),
            "levels": q.levels.get(c.id, ()),
            "labels": c.scale.labels,
        }
        for c in profile_categories(q, role)
    ]
    return {"q": q, "role": role, "categories": categories}
