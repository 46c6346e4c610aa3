"""The accessibility statement (tillgänglighetsredogörelse) and its anonymous feedback form.

The statement text is configurable: ``ORGANISATION_NAME`` and ``ACCESSIBILITY_CONTACT`` fill in
the built-in text; ``ACCESSIBILITY_STATEMENT_FILE`` replaces it with a file of the installation
(``{lang}`` in the path is replaced by ``sv`` or ``en``; ``.html`` files are used as markup,
other files as plain text with blank lines between paragraphs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from survey.extensions import db
from survey.models import AccessibilityFeedback

MAX_MESSAGE = 2000
MAX_PAGE = 300
SENT = "feedback_sent"


def statement() -> Any:
    """Show the statement; take feedback (no IP, no account, only the day it arrived)."""
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    form = {"page": "", "message": ""}
    lang = str(get_locale() or "sv")
    if request.method == "POST":
        form = {k: request.form.get(k, "").replace("\r\n", "\n").strip() for k in form}
        if not form["message"]:
            field_errors["message"] = _("Beskriv vad som inte fungerar")
        elif len(form["message"]) > MAX_MESSAGE:
            field_errors["message"] = _(
                "Beskrivningen får vara högst %(max)s tecken", max=MAX_MESSAGE
            )
        if len(form["page"]) > MAX_PAGE:
            field_errors["page"] = _(
                "Sidans namn eller adress får vara högst %(max)s tecken", max=MAX_PAGE
            )
        errors = [
            {"href": f"#feedback-{k}", "text": v}
            for k in ("page", "message")
            if (v := field_errors.get(k))
        ]
        if not errors:
            db.session.add(
                AccessibilityFeedback(page=form["page"] or None, message=form["message"], lang=lang)
            )
            db.session.commit()
            session[SENT] = True
            return redirect(url_for("respond.accessibility", _anchor="feedback-sent"), 303)
    sent = bool(session.pop(SENT, False))
    return render_template(
        "respond/accessibility.html",
        custom=custom_statement(lang),
        form=form,
        errors=errors,
        field_errors=field_errors,
        sent=sent,
        max_message=MAX_MESSAGE,
    ), (400 if errors else 200)


def custom_statement(lang: str) -> Markup | None:
    """The installation's own statement text, if configured and readable."""
    setting = current_app.config.get("ACCESSIBILITY_STATEMENT_FILE")
    if not setting:
        return None
    path = Path(str(setting).replace("{lang}", lang))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        current_app.logger.warning("ACCESSIBILITY_STATEMENT_FILE %s: %s", path, e)
        return None
    if path.suffix.lower() in (".html", ".htm"):
        return Markup(text)  # noqa: S704  (the installation's own, trusted file)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return Markup("\n").join(Markup("<p>%s</p>") % escape(p) for p in paragraphs)
