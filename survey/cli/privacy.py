"""`mognad mix` and `mognad purge-personal-data`: the data's life cycle after submission."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app

from survey.cli.common import command, transaction
from survey.extensions import db
from survey.models.enums import FINISHED
from survey.sealing import app_sealer
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


def after_close(name: str) -> None:
    """Vacuum what closing deleted and remind of the retention period (the close committed)."""
    from survey.services.mixer import vacuum
    from survey.services.retention import has_personal_data, round_status

    vacuum(db.engine, full=True)
    with transaction() as session:
        status = round_status(session, name, current_app.config["RETENTION_DAYS"])
        personal = has_personal_data(session, status.round.id)
    if personal:
        click.echo(purge_reminder(name, status.purge_due, date.today()))


@click.command(
    "mix",
    help="Move pending submissions into the responses in shuffled batches (for cron). Rounds "
    "still open are mixed when at least MOGNAD_MIX_BATCH submissions wait; closed ones always. "
    "Also deletes open-link drafts older than MOGNAD_DRAFT_EXPIRY_DAYS and upload previews "
    "(which hold e-mail addresses) older than an hour.",
)
@click.argument("name", required=False)
@command
def mix(name: str | None) -> None:
    from survey.admin.uploads import preview_folder, sweep
    from survey.models import Round
    from survey.services.mixer import (
        MixConflict,
        expire_drafts,
        mix_round,
        pending_count,
        rounds_with_ballots,
        vacuum,
    )
    from survey.services.rounds import get_round

    config = current_app.config
    batch = config["MIX_BATCH"]
    lines = []
    try:
        with transaction() as session:
            if name is not None:
                rounds = [get_round(session, name)]
            else:
                rounds = [session.get_one(Round, rid) for rid in rounds_with_ballots(session)]
            for rnd in rounds:
                mixed = mix_round(session, rnd.id, batch, sealer=app_sealer())
                left = pending_count(session, rnd.id)
                if mixed or left:
                    wait = f" (fewer than a batch of {batch})" if left else ""
                    lines.append(f"'{rnd.name}': mixed {mixed}, pending {left}{wait}")
            expired = expire_drafts(session, config["DRAFT_EXPIRY_DAYS"])
    except MixConflict:
        raise StateError("another mix ran at the same time; run it again") from None
    vacuum(db.engine, full=True)
    for line in lines or ["Nothing to mix."]:
        click.echo(line)
    if expired:
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
    from survey.services.mixer import vacuum
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
        done = purge_round(session, name, app_sealer())
        audit(
            session,
            "round.purge",
            round=name,
            invitations=done.invitations,
            drafts=done.drafts,
            mixed=done.mixed,
        )
    vacuum(db.engine, full=True)
    click.echo(
        f"Purged round '{name}': {done.invitations} invitations reduced to counts per unit and "
        f"role, {done.drafts} drafts deleted."
    )
