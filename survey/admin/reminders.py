"""A round's reminder dates on its own page: add a date, remove one not yet sent, see each state.

The worker's periodic task (``survey.jobs.schedule``) sends the reminders of each date that has
come while the round is open, once; a date it has claimed is "sent" and stays, as the record of
what went out. The same dates can be edited as a list on the texts page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.access import Action, require
from survey.admin import bp
from survey.admin.rounds import load_round
from survey.auth.flow import actor
from survey.extensions import db
from survey.models import RoundReminder
from survey.models.enums import RoundStatus
from survey.services.audit import audit


@bp.post("/rounds/<int:round_id>/reminders")
def round_reminders(round_id: int) -> Any:
    """Add a reminder date, or remove one that has not been sent."""
    require(Action.SEND_MAIL)
    rnd = load_round(round_id)
    back = url_for("admin.round_detail", round_id=rnd.id)
    if request.form.get("action") == "remove":
        reminder = db.session.get(RoundReminder, request.form.get("id", type=int) or 0)
        if reminder is None or reminder.round_id != rnd.id or reminder.claimed_at is not None:
            abort(404)
        on = reminder.on
        db.session.delete(reminder)
        audit(db.session(), "round.reminder_removed", actor=actor(current_user), round=rnd.name,
              on=on.isoformat())  # fmt: skip
        db.session.commit()
        return redirect(f"{back}?done=reminder_removed#reminders", 303)
    raw = request.form.get("on", "").strip()
    try:
        on = date.fromisoformat(raw)
    except ValueError:
        return redirect(f"{back}?reminder_error=1#reminders", 303)
    exists = db.session.scalar(
        select(RoundReminder.id).where(RoundReminder.round_id == rnd.id, RoundReminder.on == on)
    )
    if exists is None and rnd.status in (RoundStatus.DRAFT, RoundStatus.OPEN):
        db.session.add(RoundReminder(round_id=rnd.id, on=on))
        audit(db.session(), "round.reminder_added", actor=actor(current_user), round=rnd.name,
              on=on.isoformat())  # fmt: skip
        db.session.commit()
    return redirect(f"{back}?done=reminder_added#reminders", 303)


def reminder_error() -> str | None:
    if request.args.get("reminder_error"):
        return _("Skriv påminnelsedatumet som 2026-03-31")
    return None


bp.add_app_template_global(reminder_error, "admin_reminder_error")
