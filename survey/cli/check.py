"""`mognad check`: is this installation ready to serve people? One line per check."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.command(
    help="Check the secret key, base URL, database (reachable, migrated), mail, PDF, k "
    "settings and file modes; exit 1 if anything needs fixing."
)
@with_appcontext
def check() -> None:
    from flask import current_app

    from survey.checks import run_checks

    outcomes = run_checks(current_app._get_current_object())  # type: ignore[attr-defined]
    for o in outcomes:
        mark = {True: "OK  ", False: "FIX ", None: "SKIP"}[o.ok]
        click.echo(f"{mark} {o.name}: {o.detail}")
    failed = [o for o in outcomes if o.ok is False]
    if failed:
        click.echo(f"{len(failed)} to fix.", err=True)
        sys.exit(1)
    click.echo("Everything checked is in order.")
