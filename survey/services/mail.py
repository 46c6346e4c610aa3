"""Invitations and reminders by mail, idempotent across crashes.

Only the hash of a personal token is stored, so every message carries a fresh link for that
person alone (issuing it makes their earlier link stop working; the reminder says so).

Each message is recorded before it leaves (:mod:`survey.services.delivery`): the invitation is
marked ``sending`` (or its reminder ``sending``) together with its new token hash and
*committed*, then the message goes to the server, then ``sent`` is committed. A run that dies in
between leaves at most one row in flight. Whether that message arrived cannot be known, so the
next run takes the safe side: it never sends that invitation again (the row becomes ``unknown``
and is reported "check"; the next reminder reaches them anyway, or ``--resend-unknown`` after
checking the mail server's log), and counts the in-flight reminder as given.

Reminders go in runs: a run first marks everyone who has been invited and not completed as
``due`` (committed), then sends to each due person once. A run that stops midway is resumed, not
restarted, by the next ``reminders send``, so nobody gets two reminders from one run; a new run
starts only when nobody is due any more. Someone who completes while due is skipped.

The services never commit themselves: the caller passes ``commit`` (the CLI's session commit),
because here committing between messages *is* the use case.

What a message says is composed here too, one way for every mail (:func:`_from_templates`):
the round's own text or the template pair ``templates/mail/<kind>.txt`` and ``.html`` in the
reader's language. The settings it names (organisation, contact, sender) and the template
renderer are passed in as a :class:`Letterhead`, and the words are translated through
:mod:`survey.i18n`, so that this module imports no Flask; :mod:`survey.mail` only carries the
finished message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from analysis.errors import Text, say
from survey.i18n import day_month_year, in_language, speaking
from survey.mail import MailSettings, build_message, connect
from survey.models import Invitation, Round, Unit
from survey.models.audit import utcnow
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.services.delivery import Delivery, MailRun, Progress, send_each
from survey.services.errors import StateError
from survey.services.round_texts import fill, own_text, to_html
from survey.services.rounds import get_round

#: A template renderer: the template's name and its values in, the text out (the app's
#: ``flask.render_template``, passed in by the callers: a service imports no Flask).
Render = Callable[..., str]


@dataclass(frozen=True)
class Letterhead:
    """Who a message is from (the sender address, and the organisation and contact it names),
    and how its bundled templates are rendered."""

    sender: str
    organisation: str
    contact: str
    render: Render


def letterhead(config: Mapping[str, Any], settings: MailSettings, render: Render) -> Letterhead:
    """The letterhead the installation's settings give (read by the caller, passed in here)."""
    contact = config.get("SURVEY_CONTACT") or config["ACCESSIBILITY_CONTACT"]
    return Letterhead(settings.sender, str(config["ORGANISATION_NAME"]), str(contact), render)


def _from_templates(
    template: str, to: str, lang: str, head: Letterhead, subject: Text, **context: Any
) -> EmailMessage:
    """The one way a bundled mail is made: ``templates/mail/<template>.txt`` and ``.html``
    rendered in ``lang`` under the ``subject`` said in that language, as one message."""
    title = in_language(subject, lang)
    with speaking(lang):
        parts = [
            head.render(f"mail/{template}.{ext}", subject=title, lang=lang,
                        organisation=head.organisation, **context)
            for ext in ("txt", "html")
        ]  # fmt: skip
    return build_message(head.sender, to, title, *parts)


def compose(
    session: Session,
    kind: str,
    to: str,
    link: str,
    *,
    head: Letterhead,
    round_name: str,
    lang: str,
    closes: str | None = None,
    texts: Mapping[str, Any] | None = None,
) -> EmailMessage:
    """An invitation or reminder (``kind``) in ``lang``: the round's own text if it has one,
    else the bundled templates.

    ``texts`` replaces the round's stored texts (the admin page previews unsaved ones). The
    bundled templates need what the letterhead's renderer needs (Flask's: an app context).
    """
    rnd = session.scalar(select(Round).where(Round.name == round_name))
    if texts is None and rnd is not None:
        texts = rnd.mail_texts
    if closes is None and rnd is not None and rnd.closes_on is not None:
        closes = day_month_year(rnd.closes_on, lang)
    own = own_text(texts, kind, lang)
    if own is not None:
        values = {"organisation": head.organisation, "round": round_name, "link": link,
                  "closes": closes or "", "contact": head.contact}  # fmt: skip
        subject = " ".join(fill(own.subject, values).split())
        text = fill(own.body, values) + "\n"
        return build_message(
            head.sender, to, subject, text, to_html(own.body, values, subject, lang)
        )
    org = head.organisation
    subjects = {
        "invitation": say("Inbjudan till enkäten om digital mognad – %(org)s", org=org),
        "reminder": say("Påminnelse: enkäten om digital mognad – %(org)s", org=org),
    }
    return _from_templates(kind, to, lang, head, subjects[kind], round_name=round_name,
                           link=link, closes=closes, contact=head.contact)  # fmt: skip


def setup_message(to: str, link: str, hours: int, lang: str, head: Letterhead) -> EmailMessage:
    """The set-up link of a new or reset staff account, valid ``hours``."""
    return _from_templates(
        "staff_setup", to, lang, head,
        say("Ditt konto i Mognad – %(org)s", org=head.organisation), link=link, hours=hours,
    )  # fmt: skip


def round_delivery(
    session: Session,
    kind: str,
    round_name: str,
    lang: str,
    *,
    settings: MailSettings,
    config: Mapping[str, Any],
    render: Render,
    commit: Callable[[], None],
    progress: Progress | None = None,
) -> Delivery:
    """How a run's invitations or reminders (``kind``) leave, in ``lang``, by ``settings``;
    ``render`` renders the bundled templates (:class:`Letterhead`)."""
    head = letterhead(config, settings, render)
    return Delivery(
        base_url=str(config["BASE_URL"]),
        compose=functools.partial(
            compose, session, kind, head=head, round_name=round_name, lang=lang
        ),
        connect=functools.partial(connect, settings),
        commit=commit,
        progress=progress,
        batch=settings.batch,
    )


def sendable_round(session: Session, name: str) -> Round:
    """The round, if mail may go out for it now; otherwise a StateError saying why not."""
    rnd = get_round(session, name)
    if rnd.mode != RoundMode.INVITED:
        raise StateError(
            f"round '{name}' is an open-link round: it has no personal invitations to mail "
            f"(hand out its unit links from 'mognad links {name}')"
        )
    if rnd.status != RoundStatus.OPEN:
        raise StateError(
            f"round '{name}' is {rnd.status}; invitations and reminders can only be sent while "
            f"a round is open"
            + (f" ('mognad round open {name}')" if rnd.status == RoundStatus.DRAFT else "")
        )
    return rnd


def _total(session: Session, rnd: Round) -> int:
    return session.scalar(select(func.count()).where(Invitation.round_id == rnd.id)) or 0


def _ids(session: Session, query: Select[int]) -> list[int]:
    return list(session.scalars(query))


def _invitable(rnd: Round, resend_unknown: bool) -> Select[int]:
    states = ["failed", "unknown"] if resend_unknown else ["failed"]
    return (
        select(Invitation.id)
        .where(
            Invitation.round_id == rnd.id,
            Invitation.status != InvitationStatus.COMPLETED,
            Invitation.email.is_not(None),
            Invitation.mail_state.is_(None) | Invitation.mail_state.in_(states),
        )
        .order_by(Invitation.id)
    )


def send_invitations(
    session: Session,
    round_name: str,
    delivery: Delivery | None,
    *,
    resend_unknown: bool = False,
) -> MailRun:
    """Mail everyone not yet invited (and retry refused ones); ``delivery=None`` is a dry run."""
    rnd = sendable_round(session, round_name)
    run = MailRun("invitations", dry_run=delivery is None)
    in_flight = Invitation.round_id == rnd.id, Invitation.mail_state == "sending"
    if delivery is not None:
        session.execute(update(Invitation).where(*in_flight).values(mail_state="unknown"))
        session.flush()
        delivery.commit()
    ids = _ids(session, _invitable(rnd, resend_unknown))
    if delivery is not None:
        send_each(session, rnd, ids, delivery, run, _invitation_step)
    else:
        run.sent = len(ids)
    # Every invitation whose mail may or may not have arrived, reported on every run until
    # resolved; a dry run that would resend them does not count them twice.
    unknown = select(func.count()).where(
        Invitation.round_id == rnd.id, Invitation.mail_state.in_(("unknown", "sending"))
    )
    if delivery is None and resend_unknown:
        unknown = unknown.where(Invitation.id.not_in(ids))
    run.unknown = session.scalar(unknown) or 0
    run.skipped = _total(session, rnd) - run.sent - run.failed - run.unknown - run.remaining
    return run


def subtree_ids(session: Session, rnd: Round, code: str) -> list[int]:
    """The ids of unit ``code`` and every unit below it in the round's year (a scoped run)."""
    rows = session.execute(select(Unit.id, Unit.parent_id, Unit.code).where(Unit.year == rnd.year))
    children: dict[int | None, list[int]] = {}
    start = []
    for uid, parent, ucode in rows:
        children.setdefault(parent, []).append(uid)
        if ucode == code:
            start.append(uid)
    seen: list[int] = []
    while start:
        uid = start.pop()
        seen.append(uid)
        start += children.get(uid, [])
    return seen


def send_reminders(
    session: Session,
    round_name: str,
    delivery: Delivery | None,
    unit_ids: list[int] | None = None,
) -> MailRun:
    """One reminder to each invited person who has not completed, at most once per run.

    ``unit_ids`` limits the run to the invitations of those units (a förvaltning's
    administrator reminds their own subtree only, :func:`subtree_ids`).
    """
    rnd = sendable_round(session, round_name)
    run = MailRun("reminders", dry_run=delivery is None)
    in_round = Invitation.round_id == rnd.id
    if unit_ids is not None:
        in_round = in_round & Invitation.unit_id.in_(unit_ids)
    in_flight = (in_round, Invitation.reminder_state == "sending")
    due = select(Invitation.id).where(in_round, Invitation.reminder_state.is_not(None))
    # Invited (or possibly invited) and not completed; a refused invitation gets no reminder.
    remindable = (
        in_round,
        Invitation.status != InvitationStatus.COMPLETED,
        Invitation.email.is_not(None),
        Invitation.mail_state.in_(("sent", "unknown")),
    )
    run.resumed = session.scalar(due.limit(1)) is not None
    if delivery is not None:
        # A reminder in flight when a run stopped may have arrived: count it, never resend it.
        run.unknown = session.scalar(select(func.count()).where(*in_flight)) or 0
        session.execute(
            update(Invitation)
            .where(*in_flight)
            .values(reminder_state=None, reminders=Invitation.reminders + 1)
        )
        if not run.resumed:
            session.execute(update(Invitation).where(*remindable).values(reminder_state="due"))
        session.flush()
        delivery.commit()
        ids = _ids(session, due.order_by(Invitation.id))
        send_each(session, rnd, ids, delivery, run, _reminder_step)
    elif run.resumed:
        due_now = (
            Invitation.reminder_state == "due",
            Invitation.status != InvitationStatus.COMPLETED,
        )
        run.sent = session.scalar(select(func.count()).where(in_round, *due_now)) or 0
        run.unknown = session.scalar(select(func.count()).where(*in_flight)) or 0
    else:
        run.sent = session.scalar(select(func.count()).where(*remindable)) or 0
    total = session.scalar(select(func.count()).where(in_round)) or 0
    run.skipped = total - run.sent - run.failed - run.unknown - run.remaining
    return run


def _invitation_step(inv: Invitation, outcome: str) -> None:
    if outcome == "start":
        inv.mail_state = "sending"
    elif outcome == "sent":
        inv.mail_state, inv.invited_at = "sent", utcnow()
    else:  # "failed" | "unknown"
        inv.mail_state = outcome


def _reminder_step(inv: Invitation, outcome: str) -> None:
    if outcome == "start":
        inv.reminder_state = "sending"
        return
    inv.reminder_state = None
    if outcome in ("sent", "unknown"):
        inv.reminders += 1
