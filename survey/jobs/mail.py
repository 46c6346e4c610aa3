"""Invitations and reminders as jobs: the whole run in the worker, progress on the job row.

The services (:mod:`survey.services.mail`) commit each message as it goes, so a job that stops
midway is resumed, not repeated, by the next one; the job only adds where it stands
(``sending:done:to do``) and what it counted. The audit entry is the one the page used to
write (``invitations.send`` / ``reminders.send`` with the counts).
"""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy.orm import Session

from survey.models import Job
from survey.services.audit import audit
from survey.services.errors import StateError

SENDING = "sending"


def send(session: Session, job: Job) -> None:
    from survey.mail import MailConfigError, settings_from_config
    from survey.services.mail import (
        round_delivery,
        send_invitations,
        send_reminders,
        sendable_round,
        subtree_ids,
    )

    kind, name = job.kind, job.target
    config = current_app.config
    lang = str((job.detail or {}).get("lang") or config["BABEL_DEFAULT_LOCALE"])
    try:
        settings = settings_from_config(config, current_app.instance_path)
    except MailConfigError as e:
        raise StateError(str(e)) from None

    def progress(done: int, todo: int) -> None:
        job.progress = f"{SENDING}:{done}:{todo}"
        session.commit()

    delivery = round_delivery(
        session, kind[:-1], name, lang,
        settings=settings, config=config, render=render_template, commit=session.commit,
        progress=progress,
    )  # fmt: skip
    unit = (job.detail or {}).get("unit")
    if kind == "invitations":
        run = send_invitations(session, name, delivery)
    elif unit:  # a scoped administrator's reminders: their subtree only
        rnd = sendable_round(session, name)
        run = send_reminders(session, name, delivery, subtree_ids(session, rnd, str(unit)))
    else:
        run = send_reminders(session, name, delivery)
    scope = {"unit": unit} if unit else {}
    audit(session, f"{kind}.send", actor=job.actor, round=name, **scope, **run.counts())
    job.detail = {**(job.detail or {}), "counts": run.counts()}
    session.commit()
    if run.error:  # the server stopped answering: what was sent is counted, the rest waits
        raise StateError(run.error)
