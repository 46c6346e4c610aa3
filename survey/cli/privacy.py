"""`mognad expire-drafts` and `mognad purge-personal-data`: personal data's life cycle."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app

from survey.cli.common import command, transaction
from survey.models.enums import FINISHED
from survey.services.audit import audit
from survey.services.errors import StateError


def purge_reminder(name: str, due: date | None, today: date) -> str | None:
    """The line that tells an operator when a round's personal data must go."""
    if due is None:
        return None
    command = f"mognad purge-personal-data {name}"
    if due == date.min:
        return f"Purging personal data is due (the closing date is unknown): run '{command}'."
    if today >= due:
        return f"Purging personal data has been due since {due.isoformat()}: run '{command}'."
    return f"Personal data is kept until {due.isoformat()}; then run '{command}'."


def report_traces(name: str) -> bool:
    """Wait, rewrite and verify after a committed close or purge; print and return the outcome."""
    from survey.traces import check_round

    outcome = check_round(name)
    if outcome.verified:
        click.echo(
            "Verified: no deleted row version of the round's ballots, drafts or invitations "
            "is left in the database."
        )
    else:
        click.echo(
            f"NOT VERIFIED that no deleted row version is left: {outcome.problem}. "
            f"Retry with 'mognad round verify {name}'.",
            err=True,
        )
    return outcome.verified


def after_close(name: str) -> None:
    """Remove and verify the close's traces and remind of the retention period (committed)."""
    from survey.services.retention import has_personal_data, round_status

    report_traces(name)
    with transaction() as session:
        status = round_status(session, name, current_app.config["RETENTION_DAYS"])
        personal = has_personal_data(session, status.round.id)
    if personal:
        click.echo(purge_reminder(name, status.purge_due, date.today()))


@click.command(
    "expire-drafts",
    help="Delete open-link drafts untouched for MOGNAD_DRAFT_EXPIRY_DAYS and upload previews "
    "(which hold e-mail addresses) older than an hour (run it daily from cron). Submissions "
    "become responses only when their round closes.",
)
@command
def expire_drafts() -> None:
    from survey.admin.uploads import preview_folder, sweep
    from survey.services.ballots import expire_drafts as expire

    config = current_app.config
    with transaction() as session:
        expired = expire(session, config["DRAFT_EXPIRY_DAYS"])
    click.echo(f"Deleted {expired} abandoned open-link drafts.")
    previews = sweep(preview_folder(config, current_app.instance_path))
    if previews:
        click.echo(f"Deleted {previews} upload previews older than an hour.")


@click.command(
    "purge-personal-data",
    help="Delete a closed round's e-mails, link hashes and drafts for good, keeping anonymous "
    "counts per unit and role. Responses and reports are unchanged.",
)
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@command
def purge_personal_data(name: str, yes: bool) -> None:
    from survey.services.retention import purge_round, round_status

    with transaction() as session:
        s = round_status(session, name, current_app.config["RETENTION_DAYS"])
        if s.round.status not in FINISHED:
            raise StateError(
                f"round '{name}' is {s.round.status}; only a closed or published round can be "
                f"purged (close it first with 'mognad round close {name}')"
            )
        invited = s.counts.invited
    if not yes and not click.confirm(
        f"Delete the e-mail addresses, link hashes and drafts of round '{name}' "
        f"({invited} invitations) for good?"
    ):
        raise StateError("nothing was purged")
    with transaction() as session:
        done = purge_round(session, name)
        audit(
            session,
            "round.purge",
            round=name,
            invitations=done.invitations,
            drafts=done.drafts,
        )
    click.echo(
        f"Purged round '{name}': {done.invitations} invitations reduced to counts per unit and "
        f"role, {done.drafts} drafts deleted."
    )
    report_traces(name)
