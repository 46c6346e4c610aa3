"""Action plans (åtgärdsplaner): what a unit decides to do about its results of one round.

Staff text about a unit, never respondent data: the owner is a name or role written by the
person making the plan, linked to no respondent or account. A plan belongs to the round whose
results it answers and to a unit by code (as a manager's binding does), so that the next round's
figures for the same code can follow it up.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import Model
from survey.models.audit import utcnow
from survey.models.enums import check_in
from survey.models.rounds import Round


class PlanStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionPlan(Model):
    __tablename__ = "action_plans"
    __table_args__ = (
        # One plan per unit and round: "the plan for Dataarbete 2025" names one plan.
        UniqueConstraint("round_id", "unit_code", name="plan_round_unit"),
        CheckConstraint(check_in("status", PlanStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    categories: Mapped[list[str]] = mapped_column(
        JSON
    )  # chosen category ids, in questionnaire order
    quadrant: Mapped[str | None] = mapped_column(String(32))
    goals: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.PLANNED.value)
    in_report: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

    round: Mapped[Round] = relationship()
