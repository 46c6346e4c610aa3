"""The `mognad` command group (also `flask --app survey ...`)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy.exc import SQLAlchemyError

from survey.extensions import db
from survey.services.audit import audit
from survey.services.errors import InputError, StateError


@contextmanager
def transaction() -> Iterator[Any]:
    """Commit once if the block succeeds; otherwise roll back and report without a traceback."""
    try:
        yield db.session
        db.session.commit()
    except (InputError, StateError) as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    except SQLAlchemyError as e:
        db.session.rollback()
        reason = str(getattr(e, "orig", None) or e).splitlines()[0]
        raise click.ClickException(f"the database refused the change: {reason}") from None


def main() -> None:
    """Entry point of the `mognad` console script."""
    cli = FlaskGroup(create_app=_create_app, help="Mognad: digital maturity surveys.")
    cli.main(prog_name="mognad")


def _create_app() -> Flask:
    """The app, or a one-paragraph message and exit 1 when it must not start (no traceback)."""
    from survey import create_app
    from survey.config import SecretKeyError

    try:
        return create_app()
    except SecretKeyError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)


def register_commands(app: Flask) -> None:
    for group in (org, round_, respondents, responses, questionnaire):
        app.cli.add_command(group)
    app.cli.add_command(demo)
    # These modules import this one (for `transaction`), so they are imported here.
    from survey.cli_links import links
    from survey.cli_privacy import mix, purge_personal_data
    from survey.cli_report import report

    app.cli.add_command(report)
    app.cli.add_command(links)
    app.cli.add_command(mix)
    app.cli.add_command(purge_personal_data)
    from survey.cli_users import user

    app.cli.add_command(user)


def command_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors raised outside a transaction into a one-line message."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (InputError, StateError) as e:
            raise click.ClickException(str(e)) from None

    return wrapper


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group(help="The organisation tree of a year.")
def org() -> None:
    pass


@org.command("import", help="Replace a year's tree from a CSV/XLSX file: code,name,parent_code.")
@click.option("--year", type=int, required=True)
@click.argument("file", type=existing_file)
def org_import(year: int, file: Path) -> None:
    from survey.services.org import import_org

    with transaction() as session:
        n = import_org(session, year, file)
        audit(session, "org.import", year=year, file=file.name, units=n)
    click.echo(f"Imported {n} units for {year}.")


@org.command("remap", help="Declare reorganisations from last year: old_code,new_code.")
@click.option("--year", type=int, required=True)
@click.argument("file", type=existing_file)
def org_remap(year: int, file: Path) -> None:
    from survey.services.org import import_remap

    with transaction() as session:
        n = import_remap(session, year, file)
        audit(session, "org.remap", year=year, file=file.name, mappings=n)
    click.echo(f"Stored {n} mappings from {year - 1} to {year}.")


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
    "--mode", type=click.Choice(["invited", "open"]), default="invited", show_default=True
)
@click.option(
    "--k",
    "k",
    type=int,
    default=None,
    help="Minimum group size for results (default: K_ANONYMITY, or K_OPEN for open rounds).",
)
def round_create(name: str, year: int, questionnaire_ref: str, mode: str, k: int | None) -> None:
    from flask import current_app

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
    if mode == "open":
        click.echo(OPEN_ROUND_WARNING.format(k=k), err=True)


def _move(action: str) -> Callable[[str], None]:
    def command(name: str) -> None:
        from survey.services.rounds import move_round

        with transaction() as session:
            rnd = move_round(session, name, action)
            audit(session, f"round.{action}", round=name)
        click.echo(f"Round '{name}' is now {rnd.status}.")
        if action == "close":
            from survey.cli_privacy import after_close

            after_close(name)

    return command


for _action in ("open", "close", "publish"):
    round_.command(_action, help=f"{_action.capitalize()} a round.")(
        click.argument("name")(_move(_action))
    )


@click.group(help="People invited to a round.")
def respondents() -> None:
    pass


@respondents.command("import", help="Add invitations from CSV/XLSX: email,unit_code,role.")
@click.argument("name")
@click.argument("file", type=existing_file)
def respondents_import(name: str, file: Path) -> None:
    from survey.services.imports import import_respondents

    with transaction() as session:
        n = import_respondents(session, name, file)
        audit(session, "respondents.import", round=name, file=file.name, count=n)
    click.echo(f"Added {n} respondents to '{name}'. Issue their links with 'mognad links {name}'.")


@click.group(help="Answers entered outside the browser.")
def responses() -> None:
    pass


@responses.command("import", help="Import answers: unit_code,role,<item ids…> (dk = vet ej).")
@click.argument("name")
@click.argument("file", type=existing_file)
def responses_import(name: str, file: Path) -> None:
    from survey.services.imports import import_responses

    with transaction() as session:
        n = import_responses(session, name, file)
        audit(session, "responses.import", round=name, file=file.name, count=n)
    click.echo(f"Imported {n} responses into '{name}'.")


@click.group(help="Questionnaire files.")
def questionnaire() -> None:
    pass


@questionnaire.command("check", help="Validate a questionnaire file and list every problem.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def questionnaire_check(file: Path) -> None:
    from analysis.instruments import QuestionnaireError, load_questionnaire

    try:
        q = load_questionnaire(file)
    except QuestionnaireError as e:
        for problem in e.problems:
            click.echo(f"{file}: {problem}", err=True)
        click.echo(f"{len(e.problems)} problem(s) found.", err=True)
        sys.exit(1)
    counts = ", ".join(f"{r} {len(q.items_for(r))}" for r in ("employee", "manager", "specialist"))
    click.echo(f"{file}: OK – {q.id} {q.version}, {len(q.categories)} categories; items: {counts}")


@click.command(help="Load a synthetic city with three years of data and an admin account.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--respondents", "per_year", type=int, default=4000, show_default=True)
def demo(seed: int, per_year: int) -> None:
    from flask import current_app

    from survey.services.demo import load_demo

    with transaction() as session:
        summary = load_demo(
            session, seed=seed, per_year=per_year, base_url=current_app.config["BASE_URL"]
        )
    for line in summary:
        click.echo(line)
