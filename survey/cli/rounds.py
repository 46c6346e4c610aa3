"""`mognad round`: create, open, close, publish, list and inspect measurement rounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import click
from flask import current_app

from survey.cli.common import command, transaction
from survey.cli.privacy import after_close, purge_reminder
from survey.models.enums import RoundMode, values
from survey.sealing import app_sealer
from survey.services.audit import audit

if TYPE_CHECKING:
    from survey.services.publish import Listed


@click.group("round", help="Measurement rounds (mätomgångar).")
def round_() -> None:
    pass


OPEN_ROUND_WARNING = (
    "Warning: an open-link round is lower assurance. Anyone who has a unit's link can answer, "
    "more than once and without belonging to the unit, so made-up answers can hide among real "
    "ones. Defences: results are shown only for groups of at least {k} (--k), starts and "
    "submissions are rate-limited per link and per client address, and 'mognad report' flags "
    "every unit with more responses than its headcount (the organisation file's optional "
    "headcount column). Use an invited round with personal links where you can."
)


@round_.command("create", help="Create a draft round with a snapshot of the questionnaire.")
@click.argument("name")
@click.option("--year", type=int, required=True)
@click.option(
    "--questionnaire",
    "questionnaire_ref",
    required=True,
    help="Bundled instrument id or path to a questionnaire file.",
)
@click.option(
    "--mode",
    type=click.Choice(values(RoundMode)),
    default=RoundMode.INVITED.value,
    show_default=True,
)
@click.option(
    "--k",
    "k",
    type=int,
    default=None,
    help="Minimum group size for results (default: K_ANONYMITY, or K_OPEN for open rounds).",
)
@command
def round_create(name: str, year: int, questionnaire_ref: str, mode: str, k: int | None) -> None:
    from survey.services.rounds import create_round

    config = current_app.config
    with transaction() as session:
        rnd = create_round(
            session,
            name,
            year,
            questionnaire_ref,
            mode,
            k,
            k_anonymity=config["K_ANONYMITY"],
            k_open=config["K_OPEN"],
        )
        audit(session, "round.create", round=name, year=year, mode=mode, k=rnd.k_min)
        snap = rnd.snapshot
        k = rnd.k_min
    click.echo(
        f"Created round '{name}' ({year}, {mode}, minimum group size {k}) "
        f"with {snap.instrument} {snap.version}."
    )
    if mode == RoundMode.OPEN:
        click.echo(OPEN_ROUND_WARNING.format(k=k), err=True)


def _move(action: str) -> Callable[[str], None]:
    @command
    def move(name: str) -> None:
        from survey.services.rounds import move_round

        files: list[Listed] = []
        with transaction() as session:
            if action == "publish":
                from survey.services.publish import publish_round

                config = current_app.config
                rnd, files = publish_round(
                    session,
                    name,
                    config["K_ANONYMITY"],
                    k_homogeneous=config["K_HOMOGENEOUS"],
                )
            else:
                rnd = move_round(session, name, action, sealer=app_sealer())
            audit(session, f"round.{action}", round=name)
        click.echo(f"Round '{name}' is now {rnd.status}.")
        for f in files:
            click.echo(f"  public: {f.filename} ({f.size} bytes)")
        if action == "close":
            after_close(name)

    return move


for _action in ("open", "close", "publish"):
    round_.command(_action, help=f"{_action.capitalize()} a round.")(
        click.argument("name")(_move(_action))
    )


@round_.command("list", help="Every round: name, year, mode, status, k and counts.")
@command
def round_list() -> None:
    from sqlalchemy import select

    from survey.models import Round
    from survey.services.retention import round_status

    with transaction() as session:
        names = session.scalars(select(Round.name).order_by(Round.year, Round.name)).all()
        rows = []
        for name in names:
            s = round_status(session, name, current_app.config["RETENTION_DAYS"])
            r = s.round
            invited = str(s.counts.invited) if r.mode == RoundMode.INVITED else "-"
            rows.append(
                (r.name, str(r.year), r.mode, r.status, str(r.k_min), invited,
                 str(s.responses), str(s.pending))
            )  # fmt: skip
    if not rows:
        click.echo("There are no rounds yet; create one with 'mognad round create'.")
        return
    header = ("name", "year", "mode", "status", "k", "invited", "responses", "pending")
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@round_.command("status", help="A round's state, counts, pending submissions and retention.")
@click.argument("name")
@command
def round_status_command(name: str) -> None:
    from survey.services.retention import has_personal_data, round_status

    with transaction() as session:
        s = round_status(session, name, current_app.config["RETENTION_DAYS"])
        personal = has_personal_data(session, s.round.id)
        rnd = s.round
        snap = rnd.snapshot
        lines = [
            f"Round '{rnd.name}': {rnd.status} ({rnd.mode}), year {rnd.year}, "
            f"questionnaire {snap.instrument} {snap.version}",
        ]
        if rnd.mode == RoundMode.INVITED:
            c = s.counts
            lines.append(
                f"Invitations: {c.invited} invited, {c.started} started (not submitted), "
                f"{c.completed} completed"
            )
        lines.append(
            f"Responses: {s.responses} mixed, {s.pending} pending submissions, "
            f"{s.drafts} unsubmitted drafts"
        )
        if rnd.closed_at is not None:
            lines.append(f"Closed: {rnd.closed_at.date().isoformat()}")
        days = current_app.config["RETENTION_DAYS"]
        if rnd.purged_at is not None:
            lines.append(f"Retention: personal data purged on {rnd.purged_at.date().isoformat()}")
        elif s.purge_due is None:
            lines.append(f"Retention: personal data is kept {days} days after close")
        elif personal:
            lines.append("Retention: " + str(purge_reminder(rnd.name, s.purge_due, date.today())))
        else:
            lines.append("Retention: no personal data left to purge")
    for line in lines:
        click.echo(line)
