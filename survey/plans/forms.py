"""The action plan's form (Flask-WTF), every message in Swedish with its English catalogue entry.

The choices (the round's categories, the quadrants) are given per request; what the form
accepts is then parsed into :class:`survey.services.plans.PlanValues` for the service, which
checks the same limits again (a plan can also be made without this form).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from survey.models import PlanStatus
from survey.services.plans import MAX_OWNER, MAX_TEXT, PlanValues


def status_names() -> dict[str, str]:
    return {
        PlanStatus.PLANNED: str(_l("planerad")),
        PlanStatus.IN_PROGRESS: str(_l("pågår")),
        PlanStatus.DONE: str(_l("klar")),
        PlanStatus.CANCELLED: str(_l("avbruten")),
    }


def parse_day(text: str) -> date | None:
    """``ÅÅÅÅ-MM-DD`` as a date, None for an empty field; ValueError for anything else."""
    text = text.strip()
    return datetime.strptime(text, "%Y-%m-%d").date() if text else None


class PlanForm(FlaskForm):
    class Meta:
        csrf = False  # the app-wide CSRFProtect checks every post, with the page's one token

    categories = SelectMultipleField(_l("Kategorier"), choices=[], validate_choice=False)
    quadrant = RadioField(_l("Fyrfält"), choices=[], validate_choice=False, default="")
    goals = TextAreaField(
        _l("Mål"),
        validators=[
            DataRequired(message=_l("Skriv planens mål.")),
            Length(max=MAX_TEXT, message=_l("Målen får vara högst %(max)d tecken.")),
        ],
    )
    measures = TextAreaField(
        _l("Åtgärder"),
        validators=[
            DataRequired(message=_l("Skriv planens åtgärder.")),
            Length(max=MAX_TEXT, message=_l("Åtgärderna får vara högst %(max)d tecken.")),
        ],
    )
    owner = StringField(
        _l("Ansvarig"),
        validators=[
            DataRequired(message=_l("Skriv vem som är ansvarig (namn eller roll).")),
            Length(max=MAX_OWNER, message=_l("Ansvarig får vara högst %(max)d tecken.")),
        ],
    )
    due = StringField(_l("Klart senast"))
    status = RadioField(
        _l("Status"), choices=[], validate_choice=False, default=PlanStatus.PLANNED.value
    )
    in_report = BooleanField(_l("Ta med planen i den publicerade rapporten"))

    def set_choices(
        self, categories: list[tuple[str, str]], quadrants: list[tuple[str, str]]
    ) -> None:
        self.categories.choices = categories
        self.quadrant.choices = [("", str(_l("Inget fyrfält"))), *quadrants]
        self.status.choices = list(status_names().items())

    def validate_categories(self, field: Any) -> None:
        known = {value for value, _label in field.choices}
        if any(c not in known for c in field.data or []):
            raise ValidationError(str(_l("Välj bland enkätens kategorier.")))
        if not field.data and not self.quadrant.data:
            raise ValidationError(str(_l("Välj minst en kategori eller ett fyrfält.")))

    def validate_quadrant(self, field: Any) -> None:
        if field.data and field.data not in {v for v, _label in field.choices}:
            raise ValidationError(str(_l("Välj ett av fyrfälten.")))

    def validate_status(self, field: Any) -> None:
        if field.data not in status_names():
            raise ValidationError(str(_l("Välj planens status.")))

    def validate_due(self, field: Any) -> None:
        try:
            parse_day(field.data or "")
        except ValueError:
            raise ValidationError(
                str(_l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-06-30."))
            ) from None

    def values(self) -> PlanValues:
        return PlanValues(
            categories=tuple(self.categories.data or ()),
            quadrant=self.quadrant.data or None,
            goals=self.goals.data or "",
            measures=self.measures.data or "",
            owner=self.owner.data or "",
            due=parse_day(self.due.data or ""),
            status=self.status.data or PlanStatus.PLANNED.value,
            in_report=bool(self.in_report.data),
        )
