"""Action plans: make, change and delete a unit's åtgärdsplan for a round, each change audited.

A plan is staff text (goals, measures, an owner's name or role) about a unit's results; nothing
here reads or stores respondent data. The chosen categories are checked against the round's
questionnaire so that a follow-up can always name them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.instruments import Questionnaire
from analysis.typology import QUADRANTS
from survey.models import ActionPlan, PlanStatus, Round
from survey.models.audit import utcnow
from survey.services.audit import audit
from survey.services.errors import Problem, ValidationError
from survey.services.statistics import code_mapping

#: The longest goals or measures text kept (a page of text; a plan is not a report).
MAX_TEXT = 5000
MAX_OWNER = 200


@dataclass(frozen=True)
class PlanValues:
    """What a person writes in a plan, already parsed from the form."""

    categories: tuple[str, ...]
    quadrant: str | None
    goals: str
    measures: str
    owner: str
    due: date | None
    status: str
    in_report: bool


def check(q: Questionnaire, values: PlanValues) -> list[Problem]:
    """What is wrong with ``values`` for a plan of a round of ``q`` (empty: nothing)."""
    known = {c.id for c in q.categories}
    problems = [
        Problem(f"unknown category {c!r}", None, None, "categories")
        for c in values.categories
        if c not in known
    ]
    if values.quadrant is not None and values.quadrant not in QUADRANTS:
        problems.append(Problem(f"unknown quadrant {values.quadrant!r}", None, None, "quadrant"))
    if not values.categories and values.quadrant is None:
        problems.append(Problem("choose a category or a quadrant", None, None, "categories"))
    for name, text, limit in (
        ("goals", values.goals, MAX_TEXT),
        ("measures", values.measures, MAX_TEXT),
        ("owner", values.owner, MAX_OWNER),
    ):
        if not text.strip():
            problems.append(Problem(f"{name} is empty", None, None, name))
        elif len(text) > limit:
            problems.append(Problem(f"{name} is longer than {limit}", None, None, name))
    if values.status not in set(PlanStatus):
        problems.append(Problem(f"unknown status {values.status!r}", None, None, "status"))
    return problems


def _ordered(q: Questionnaire, chosen: Collection[str]) -> list[str]:
    return [c.id for c in q.categories if c.id in set(chosen)]


def save(
    session: Session,
    q: Questionnaire,
    rnd: Round,
    unit_code: str,
    values: PlanValues,
    actor: str,
    plan: ActionPlan | None = None,
) -> ActionPlan:
    """Create (``plan=None``) or change a plan; ValidationError (nothing written) if refused."""
    problems = check(q, values)
    if problems:
        raise ValidationError(problems)
    if plan is None:
        plan = ActionPlan(round_id=rnd.id, unit_code=unit_code, updated_by=actor)
        session.add(plan)
        event = "plan.create"
    else:
        event = "plan.edit"
    plan.categories = _ordered(q, values.categories)
    plan.quadrant = values.quadrant
    plan.goals = values.goals.strip()
    plan.measures = values.measures.strip()
    plan.owner = values.owner.strip()
    plan.due = values.due
    plan.status = values.status
    plan.in_report = values.in_report
    plan.updated_by = actor
    plan.updated_at = utcnow()
    session.flush()
    audit(
        session, event, actor, round=rnd.name, unit=unit_code, status=plan.status,
        in_report=plan.in_report,
    )  # fmt: skip
    return plan


def delete(session: Session, plan: ActionPlan, actor: str) -> None:
    audit(session, "plan.delete", actor, round=plan.round.name, unit=plan.unit_code)
    session.delete(plan)
    session.flush()


def plan_for(session: Session, round_id: int, unit_code: str) -> ActionPlan | None:
    return session.scalar(
        select(ActionPlan).where(ActionPlan.round_id == round_id, ActionPlan.unit_code == unit_code)
    )


def plans_of(session: Session, round_id: int, codes: Collection[str] | None) -> list[ActionPlan]:
    """The round's plans for ``codes`` (None: every unit), by unit code."""
    query = select(ActionPlan).where(ActionPlan.round_id == round_id)
    if codes is not None:
        query = query.where(ActionPlan.unit_code.in_(list(codes)))
    return list(session.scalars(query.order_by(ActionPlan.unit_code)))


def earlier_plans(
    session: Session, earlier: Round, later: Round, unit_code: str
) -> list[ActionPlan]:
    """The plans of round ``earlier`` whose unit is ``unit_code`` in ``later``'s tree (codes
    followed through the declared remaps, as the comparison figures follow them)."""
    mapping = code_mapping(session, earlier.year, later.year)
    return [
        p
        for p in plans_of(session, earlier.id, None)
        if mapping.get(p.unit_code, p.unit_code) == unit_code
    ]
