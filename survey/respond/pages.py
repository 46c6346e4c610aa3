"""What the question pages and the receipt say: error messages, kept text, the receipt.

Kept apart from the views so that they stay thin; nothing here touches the session or commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import current_app, render_template, url_for
from flask_babel import format_date, format_number, get_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from survey.extensions import db
from survey.models import Round
from survey.respond import context
from survey.services import respond as service
from survey.services.rounds import snapshot_questionnaire

QUESTION_IN_ERROR = 70  # characters of a statement quoted in an error message
# Day month year in every language: "27 november 2026", "27 November 2026". Babel's "long"
# format would give the American "November 27, 2026" in English.
DAY_MONTH_YEAR = "d MMMM y"


def page_errors(
    current: service.Page, problems: list[service.FieldError]
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The error summary (one link per distinct message) and the message beside each field."""
    lang = str(get_locale() or "sv")
    items = {i.id: i for i in current.items}
    errors, field_errors = [], {}
    for p in problems:
        if p.reason == "off_scale" and p.field in items:
            item = items[p.field]
            text = item.text.get(lang) or item.text.get("sv", "")
            if len(text) > QUESTION_IN_ERROR:
                text = text[: QUESTION_IN_ERROR - 1].rsplit(" ", 1)[0] + " …"
            message = _("Välj ett av svarsalternativen för ”%(question)s”", question=text)
            scale = current.category.scale  # type: ignore[union-attr]
            href = f"#a-{item.id}-{scale.min}"
            field_errors[item.id] = message
        elif p.reason == "too_long":
            message = _(
                "Kommentaren får vara högst %(max)s tecken", max=format_number(service.MAX_COMMENT)
            )
            href = f"#c-{p.field}"
            field_errors[p.field] = message
        else:
            message = _(
                "Svaret på en fråga som inte finns på den här sidan kunde inte tas emot. "
                "Fyll i sidan och försök igen."
            )
            first = current.items[0] if current.items else None
            href = (
                f"#a-{first.id}-{current.category.scale.min}"  # type: ignore[union-attr]
                if first
                else f"#c-{current.comments[0].id}"
            )
        if not any(e["text"] == message for e in errors):
            errors.append({"href": href, "text": message})
    return errors, field_errors


def kept_comments(
    problems: list[service.FieldError], form: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Comments refused as too long, as sent: they go back into their box to be shortened there.

    Normalised as the service counts them, so the count under the box matches the rule.
    """
    kept = {}
    for p in problems:
        if p.reason == "too_long":
            texts = form.get(service.COMMENT_PREFIX + p.field, ())
            kept[p.field] = "\n".join(texts).replace("\r\n", "\n").strip()
    return kept


def render_thanks(rnd: Round) -> str:
    """The receipt: what was answered (the round), when (the day), never which answers."""
    return render_template(
        "respond/thanks.html",
        round=rnd,
        questionnaire=snapshot_questionnaire(db.session, rnd),
        today=format_date(format=DAY_MONTH_YEAR),
        report_url=report_url(rnd),
        personal=rnd.mode == "invited",
    )


def report_url(rnd: Round) -> str | None:
    """Last year's published report, if the results pages exist in this installation."""
    if "results.report" not in current_app.view_functions:
        return None
    prev = context.previous_published(rnd)
    if prev is None:
        return None
    for kwargs in (
        {"name": prev.name},
        {"round_name": prev.name},
        {"round_id": prev.id},
        {"round": prev.name},
    ):
        try:
            return url_for("results.report", **kwargs)
        except BuildError:
            continue
    return None
