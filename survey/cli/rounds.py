"""`mognad round`: create, open, close, publish, list and inspect measurement rounds."""

from __future__ import annotations

import sys
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
        from survey.services.settings import DataSettings, FigureSettings
        from survey.services.transitions import move_round

        files: list[Listed] = []
        config = current_app.config
        settings = FigureSettings.of(config)
        with transaction() as session:
            if action == "publish":
                from survey.results.report import write_documents
                from survey.services.publish import publish_round

                data = DataSettings.of(config)
                rnd, files = publish_round(session, name, settings, write_documents, data)
            else:
                rnd = move_round(session, name, action, sealer=app_sealer(), settings=settings)
            audit(session, f"round.{action}", round=name)
        click.echo(f"Round '{name}' is now {rnd.status}.")
        for f in files:
            click.echo(f"  public: {f.filename} ({f.size} bytes)")
        if action == "close":
            after_close(name)

    return move


MOVE_HELP = {
    "open": "Open a draft round for answers. A closed round never reopens.",
    "close": "Close a round for good: every submission becomes a response, shuffled; drafts "
    "and who answered are deleted; then the deleted rows are removed and that is verified.",
    "publish": "Publish a closed round's results.",
}

for _action in ("open", "close", "publish"):
    round_.command(_action, help=MOVE_HELP[_action])(click.argument("name")(_move(_action)))


@round_.command(
    "verify",
    help="Rewrite the tables a close or purge deleted rows from and verify that no deleted "
    "row version is left (waits up to MOGNAD_CLOSE_VERIFY_WAIT seconds for older snapshots).",
)
@click.argument("name")
@command
def round_verify(name: str) -> None:
    from survey.cli.privacy import report_traces
    from survey.models.enums import FINISHED
    from survey.services.errors import StateError
    from survey.services.rounds import get_round

    with transaction() as session:
        status = get_round(session, name).status
    if status not in FINISHED:
        raise StateError(f"round '{name}' is {status}; only a closed round has traces to verify")
    if not report_traces(name):
        sys.exit(1)


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
    from survey.traces import describe

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
            f"Responses: {s.responses}, {s.pending} submissions waiting for the close, "
            f"{s.drafts} unsubmitted drafts"
        )
        traces = describe(rnd.traces_verified_at, rnd.traces_problem)
        if traces:
            lines.append(traces)
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
