"""The accessibility statement (tillgänglighetsredogörelse) and its anonymous feedback form.

The statement text is configurable: ``ORGANISATION_NAME`` and ``ACCESSIBILITY_CONTACT`` fill in
the built-in text; ``ACCESSIBILITY_STATEMENT_FILE`` replaces it with a file of the installation
(``{lang}`` in the path is replaced by ``sv`` or ``en``; ``.html`` files are used as markup,
other files as plain text with blank lines between paragraphs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from markupsafe import Markup, escape

from survey import ratelimit
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import page_lang
from survey.models import AccessibilityFeedback

if TYPE_CHECKING:
    from flask.typing import RouteCallable

MAX_MESSAGE = 2000
MAX_PAGE = 300
SENT = "feedback_sent"


def statement() -> Any:
    """Show the statement; take feedback (no IP, no account, only the day it arrived)."""
    errors = FormErrors()
    form = {"page": "", "message": ""}
    lang = page_lang()
    if request.method == "POST":
        form = {k: request.form.get(k, "").replace("\r\n", "\n").strip() for k in form}
        # In the order of the form's fields, so the summary lists them as the page does.
        if len(form["page"]) > MAX_PAGE:
            message = _("Sidans namn eller adress får vara högst %(max)s tecken", max=MAX_PAGE)
            errors.add(message, "#feedback-page", "page")
        if not form["message"]:
            errors.add(_("Beskriv vad som inte fungerar"), "#feedback-message", "message")
        elif len(form["message"]) > MAX_MESSAGE:
            message = _("Beskrivningen får vara högst %(max)s tecken", max=MAX_MESSAGE)
            errors.add(message, "#feedback-message", "message")
        if not errors:
            db.session.add(
                AccessibilityFeedback(page=form["page"] or None, message=form["message"], lang=lang)
            )
            db.session.commit()
            session[SENT] = True
            return redirect(url_for("respond.accessibility", _anchor="feedback-sent"), 303)
    return _page(form, errors, lang)


def _page(form: dict[str, str], errors: FormErrors, lang: str) -> tuple[str, int]:
    sent = bool(session.pop(SENT, False))
    return form_page(
        "respond/accessibility.html",
        errors,
        custom=custom_statement(lang),
        form=form,
        sent=sent,
        max_message=MAX_MESSAGE,
    )


def too_many(limit: RequestLimit) -> Response:
    """The form again, with what the person wrote, saying that nothing was stored (429).

    Called by the rate limit (``survey.ratelimit``) instead of the view: one address posting
    hundreds of messages would fill the table and bury real reports.
    """
    errors = FormErrors()
    errors.add(
        _(
            "Vi har tagit emot väldigt många meddelanden från din anslutning på kort tid, så "
            "ditt meddelande har inte skickats. Vänta en stund och skicka det igen."
        ),
        "#feedback-message",
        "message",
    )
    form = {k: request.form.get(k, "").replace("\r\n", "\n").strip() for k in ("page", "message")}
    page, _status = _page(form, errors, page_lang())
    return Response(page, status=429)


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


def init_limits(app: Flask) -> None:
    """Accessibility feedback per client address (``RATELIMIT_FEEDBACK``): anyone may post it,
    without a link, so one address could otherwise store messages as fast as it can send them.
    A breach shows the form again (:func:`too_many`)."""
    endpoint = "respond.accessibility"
    limiter = app.extensions["mognad_limiter"]
    limited = limiter.limit(
        ratelimit.setting("RATELIMIT_FEEDBACK"),
        key_func=ratelimit.client,
        methods=["POST"],
        on_breach=too_many,
    )(app.view_functions[endpoint])
    app.view_functions[endpoint] = cast("RouteCallable", limited)
