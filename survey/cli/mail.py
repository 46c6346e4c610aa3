"""`mognad invitations send` and `mognad reminders send`: personal links by mail.

The links themselves are never printed or logged: they go only into the messages.
"""

from __future__ import annotations

from typing import Any

import click
from flask import current_app, render_template

from analysis.languages import LANGUAGES
from survey.cli.common import command
from survey.extensions import db

LANGUAGE = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the messages (default: the installation's default language, sv).",
)
DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Only count who would get a message; send and change nothing."
)


@click.group(help="Invitations by e-mail, each with a personal link.")
def invitations() -> None:
    pass


@click.group(help="Reminders by e-mail to everyone invited who has not completed.")
def reminders() -> None:
    pass


@invitations.command(
    "send",
    help="Mail every respondent of an open round who has not been invited yet a personal link "
    "(refused addresses are retried on the next run). Safe to run again after a crash: nobody "
    "gets a second invitation.",
)
@click.argument("name")
@DRY_RUN
@LANGUAGE
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Also send to invitations whose delivery is unknown (a run stopped while sending "
    "them). Use only after checking the mail server's log: they may already have it.",
)
@command
def invitations_send(name: str, dry_run: bool, lang: str | None, resend_unknown: bool) -> None:
    from survey.services.mail import send_invitations

    _run("invitation", name, dry_run, lang, send_invitations, resend_unknown=resend_unknown)


@reminders.command(
    "send",
    help="Mail one reminder with a NEW personal link (their earlier link stops working) to "
    "everyone invited who has not completed. A run that stopped midway is resumed, so nobody "
    "gets two reminders from one run.",
)
@click.argument("name")
@DRY_RUN
@LANGUAGE
@command
def reminders_send(name: str, dry_run: bool, lang: str | None) -> None:
    from survey.services.mail import send_reminders

    _run("reminder", name, dry_run, lang, send_reminders)


def _run(
    kind: str, name: str, dry_run: bool, lang: str | None, use_case: Any, **extra: Any
) -> None:
    from survey.mail import MailConfigError, settings_from_config
    from survey.services.audit import audit
    from survey.services.mail import round_delivery

    config = current_app.config
    try:
        settings = settings_from_config(config, current_app.instance_path)
    except MailConfigError as e:
        raise click.ClickException(f"mail is not configured correctly: {e}") from None
    lang = lang or str(config["BABEL_DEFAULT_LOCALE"])
    session: Any = db.session
    delivery = None
    if not dry_run:
        delivery = round_delivery(
            session, kind, name, lang,
            settings=settings, config=config, render=render_template, commit=session.commit,
            progress=lambda done, total: click.echo(f"  {done} of {total} handled"),
        )  # fmt: skip
        click.echo(f"Sending {kind}s for '{name}' through {settings.describe()}.")
    # Each message commits its own progress (so a crash never sends twice); a refusal before
    # any sending rolls back through the shared command path.
    run = use_case(session, name, delivery, **extra)
    if not dry_run:
        audit(session, f"{kind}s.send", round=name, **run.counts())
    session.commit()
    _report(kind, name, run)


def _report(kind: str, name: str, run: Any) -> None:
    for address, reason in run.failures:
        click.echo(f"failed: {address} ({reason})", err=True)
    if run.dry_run:
        click.echo(
            f"Dry run for '{name}': {run.sent} {kind}(s) would be sent, {run.skipped} skipped"
            + (f", {run.unknown} unknown" if run.unknown else "")
            + ". Nothing was sent or changed."
        )
        return
    if run.resumed:
        click.echo("Continued the reminder run that stopped before it was finished.")
    click.echo(
        f"{kind.capitalize()}s for '{name}': {run.sent} sent, {run.skipped} skipped, "
        f"{run.failed} failed."
    )
    if run.unknown:
        if kind == "invitation":
            click.echo(
                f"{run.unknown} invitation(s) were being sent when an earlier run stopped: they "
                "may or may not have arrived and are not sent again (unknown, check the mail "
                "server's log; the next reminder reaches them, or use --resend-unknown).",
                err=True,
            )
        else:
            click.echo(
                f"{run.unknown} reminder(s) were being sent when a run stopped: counted as "
                "given and not sent again (unknown, check).",
                err=True,
            )
    if run.error:
        raise click.ClickException(f"stopped early: {run.error}")
