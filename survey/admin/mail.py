"""Mail from the browser: a round's own texts with a preview, sending, and the outbox.

Sending uses the same idempotent services as `mognad invitations send` and `mognad reminders
send`: the page first shows the dry run's counts, and only a POST from that page queues the
run as a background job (``mognad worker`` sends, each message committed as it goes, so a
second click or a crash never sends anyone the same invitation twice); the job's page shows
the progress and the counts. The outbox list never shows a message's body, because every
message carries a live personal link; the message page does, for the admin who sent it.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.languages import LANGUAGES
from survey.access import Action, require
from survey.admin import bp
from survey.admin.rounds import load_round, parse_date
from survey.auth.flow import actor
from survey.extensions import db
from survey.forms import FormErrors, form_page
from survey.i18n import day_month_year
from survey.jobs.queue import enqueue
from survey.jobs.schedule import dates_of, set_dates
from survey.mail import (
    MailConfigError,
    MailSettings,
    OutboxMessage,
    outbox_messages,
    settings_from_config,
)
from survey.messages import staff_message
from survey.models import Round, Unit
from survey.services.audit import audit
from survey.services.errors import MognadError
from survey.services.mail import (
    compose,
    letterhead,
    send_invitations,
    send_reminders,
    sendable_round,
    subtree_ids,
)
from survey.services.round_texts import KINDS, PLACEHOLDERS, unknown_placeholders

SAMPLE_TOKEN = "EXEMPEL-inte-en-riktig-lank"  # noqa: S105 (a sample, not a secret)
OUTBOX_NAME = re.compile(r"^[0-9A-Za-z]+-[0-9a-f]{12}\.eml$")
OUTBOX_LIMIT = 500


def mail_date(header: str) -> str:
    """A message's Date header ("Fri, 04 Dec 2026 22:11:52 +0000") as the page's language
    writes a date and time; the header as it is if it cannot be read."""
    try:
        return format_datetime(parsedate_to_datetime(header))
    except (TypeError, ValueError):
        return header


bp.add_app_template_filter(mail_date, "mail_date")


def mail_settings() -> tuple[MailSettings | None, str | None]:
    try:
        return settings_from_config(current_app.config, current_app.instance_path), None
    except MailConfigError as e:
        return None, str(e)


def _texts_from_form(errors: FormErrors) -> dict[str, dict[str, dict[str, str]]]:
    texts: dict[str, dict[str, dict[str, str]]] = {}
    names = {"invitation": _("Inbjudan"), "reminder": _("Påminnelse")}
    languages = {"sv": _("svenska"), "en": _("engelska")}
    for kind in KINDS:
        for lang in LANGUAGES:
            key = f"{kind}-{lang}"
            subject = request.form.get(f"{key}-subject", "").strip()
            body = request.form.get(f"{key}-body", "").replace("\r\n", "\n").strip()
            what = f"{names[kind]} ({languages[lang]})"
            if bool(subject) != bool(body):
                missing = f"{key}-subject" if not subject else f"{key}-body"
                errors.add(
                    _("%(what)s: skriv både ämnesrad och text, eller lämna båda tomma", what=what),
                    f"#{missing}",
                    missing,
                )
            for field, text in (("subject", subject), ("body", body)):
                bad = unknown_placeholders(text)
                if bad:
                    errors.add(
                        _(
                            "%(what)s: okänd platshållare %(names)s (använd %(known)s)",
                            what=what,
                            names=", ".join("{" + b + "}" for b in bad),
                            known=", ".join("{" + p + "}" for p in PLACEHOLDERS),
                        ),
                        f"#{key}-{field}",
                        f"{key}-{field}",
                    )
            if body and "{link}" not in body:
                errors.add(
                    _("%(what)s: texten måste innehålla {link}, annars kan ingen svara", what=what),
                    f"#{key}-body",
                    f"{key}-body",
                )
            if subject and body:
                texts.setdefault(kind, {})[lang] = {"subject": subject, "body": body}
    return texts


@bp.route("/rounds/<int:round_id>/texts", methods=["GET", "POST"])
def round_texts(round_id: int) -> Any:
    """Edit the round's invitation and reminder texts and dates; preview them as sent."""
    require(Action.MANAGE_ROUNDS)
    rnd = load_round(round_id)
    errors = FormErrors()
    texts = rnd.mail_texts or {}
    dates = {"opens_on": rnd.opens_on, "closes_on": rnd.closes_on}
    reminders = ", ".join(r.on.isoformat() for r in dates_of(db.session(), rnd))
    preview = None
    if request.method == "POST":
        texts = _texts_from_form(errors)
        opens = parse_date(errors, "opens_on", _("Startdatum"))
        closes = parse_date(errors, "closes_on", _("Slutdatum"))
        if opens and closes and closes < opens:
            errors.add(_("Slutdatum kan inte vara före startdatum"), "#closes_on", "closes_on")
        dates = {"opens_on": opens, "closes_on": closes}
        reminders = request.form.get("reminder_dates", "").strip()
        reminder_dates = parse_reminder_dates(errors, reminders)
        if not errors and request.form.get("action") == "save":
            rnd.mail_texts = texts or None
            rnd.opens_on, rnd.closes_on = opens, closes
            set_dates(db.session(), rnd, reminder_dates)
            audit(
                db.session(), "round.texts", actor=actor(current_user), round=rnd.name,
                texts=sorted(f"{k}-{lang}" for k in texts for lang in texts[k]),
                reminders=[d.isoformat() for d in reminder_dates],
            )  # fmt: skip
            db.session.commit()
            return redirect(url_for("admin.round_detail", round_id=round_id, done="texts"), 303)
        if not errors:
            preview = _preview(rnd.name, texts, dates.get("closes_on"))
    return form_page(
        "admin/mail/texts.html",
        errors,
        rnd=rnd,
        texts=texts,
        dates=dates,
        reminders=reminders,
        preview=preview,
        placeholders=PLACEHOLDERS,
    )


def parse_reminder_dates(errors: FormErrors, raw: str) -> list[date]:
    """The dates of the reminder field (separated by commas or spaces), each checked."""
    dates: list[date] = []
    for part in re.split(r"[,\s]+", raw):
        if not part:
            continue
        try:
            dates.append(date.fromisoformat(part))
        except ValueError:
            errors.add(
                _("Påminnelsedatum måste vara datum som 2026-03-31, åtskilda med kommatecken"),
                "#reminder_dates",
                "reminder_dates",
            )
            return []
    return sorted(set(dates))


def _preview(name: str, texts: dict[str, Any], closes: Any) -> list[dict[str, str]]:
    """Each message as it would be sent, with a sample link in place of a personal one."""
    settings, _problem = mail_settings()
    sender = settings or settings_from_config({}, current_app.instance_path)
    head = letterhead(current_app.config, sender, render_template)
    link = f"{str(current_app.config['BASE_URL']).rstrip('/')}/s/{SAMPLE_TOKEN}"
    out = []
    for kind in KINDS:
        for lang in LANGUAGES:
            shown = day_month_year(closes, lang) if closes is not None else None
            msg = compose(
                db.session(), kind, "exempel@example.org", link, head=head, round_name=name,
                lang=lang, closes=shown, texts=texts,
            )  # fmt: skip
            body = msg.get_body(preferencelist=("plain",))
            out.append(
                {
                    "kind": kind,
                    "lang": lang,
                    "subject": str(msg["Subject"]),
                    "text": body.get_content() if body is not None else "",
                    "own": "yes" if (texts.get(kind) or {}).get(lang) else "",
                }
            )
    return out


@bp.route("/rounds/<int:round_id>/send/<kind>", methods=["GET", "POST"])
def round_send(round_id: int, kind: str) -> Any:
    """GET: the dry run's counts and a confirmation; POST: queue the run, go to its job page."""
    if kind not in ("invitations", "reminders"):
        abort(404)
    rnd = load_round(round_id)
    name = rnd.name
    unit = mail_scope(rnd, kind)
    use_case: Any = send_invitations if kind == "invitations" else send_reminders
    if unit is not None:
        use_case = functools.partial(
            send_reminders, unit_ids=subtree_ids(db.session(), rnd, unit.code)
        )
    settings, config_problem = mail_settings()
    lang = request.values.get("lang", "")
    if lang not in LANGUAGES:
        lang = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    problem = config_problem
    if request.method == "POST" and settings is not None:
        try:
            sendable_round(db.session(), name)
        except MognadError as e:
            db.session.rollback()
            problem = staff_message(e)
        else:  # the whole run goes to the worker; its page shows progress and counts
            scope = {"unit": unit.code} if unit is not None else {}
            job = enqueue(
                current_app, db.session(), kind, name, actor(current_user), {"lang": lang, **scope}
            )
            return redirect(url_for("admin.job_detail", job_id=job.id), 303)
    dry = None
    if problem is None:
        try:
            dry = use_case(db.session(), name, None)
        except MognadError as e:
            problem = staff_message(e)
        db.session.rollback()
    page = render_template(
        "admin/mail/send.html",
        rnd=rnd,
        kind=kind,
        lang=lang,
        dry=dry,
        problem=problem,
        settings=settings,
        unit=unit,
    )
    return page, 400 if problem and request.method == "POST" else 200


def mail_scope(rnd: Round, kind: str) -> Unit | None:
    """The unit whose subtree a reminder run is limited to (``?unit=``), checked against the
    signed-in person's scope; None for a run over the whole round (admins only)."""
    code = request.values.get("unit", "")
    if not code:
        require(Action.SEND_MAIL)
        return None
    if kind != "reminders":
        abort(404)
    unit = db.session.scalar(select(Unit).where(Unit.year == rnd.year, Unit.code == code))
    require(Action.SEND_MAIL, unit or SimpleNamespace(year=rnd.year, code=code))
    if unit is None:
        abort(404)
    return unit


@bp.get("/outbox")
def outbox() -> str:
    """The outbox's messages (date, recipient, subject); never their links."""
    require(Action.SEND_MAIL)
    settings, problem = mail_settings()
    folder = settings.outbox if settings else None
    messages = outbox_messages(folder, limit=OUTBOX_LIMIT) if folder else []
    return render_template(
        "admin/mail/outbox.html",
        messages=messages,
        settings=settings,
        problem=problem,
        limit=OUTBOX_LIMIT,
    )


@bp.get("/outbox/<name>")
def outbox_message(name: str) -> str:
    require(Action.SEND_MAIL)
    settings, _problem = mail_settings()
    if settings is None or not OUTBOX_NAME.match(name):
        abort(404)
    path = settings.outbox / name
    if not path.is_file():
        abort(404)
    with path.open("rb") as fh:
        msg = BytesParser(policy=policy.default).parse(fh)
    body = msg.get_body(preferencelist=("plain",))
    message = OutboxMessage(
        name=name,
        date=str(msg["Date"] or ""),
        to=str(msg["To"] or ""),
        subject=str(msg["Subject"] or ""),
        text=body.get_content() if body is not None else "",
        html="",
    )
    return render_template("admin/mail/message.html", message=message)
