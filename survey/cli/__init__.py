"""The `mognad` command line (also `flask --app survey ...`): one module per command group.

Every command goes through :func:`survey.cli.common.command`, the one path that commits once
on success and, on any :class:`~survey.services.errors.MognadError`, rolls back and prints
every problem with exit code 1, never a traceback. A command module reads files (the edge),
calls services with plain data, and prints; a new group (users, mail, export) is a new module
added to :data:`GROUPS`.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click
from flask import Flask
from flask.cli import FlaskGroup

# module → the click commands it contributes at the top level
GROUPS = {
    "org": ("org",),
    "rounds": ("round_",),
    "respondents": ("respondents",),
    "responses": ("responses",),
    "questionnaire": ("questionnaire",),
    "demo": ("demo",),
    "report": ("report",),
    "links": ("links",),
    "privacy": ("mix", "purge_personal_data"),
}


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
    for module, names in GROUPS.items():
        mod = import_module(f"survey.cli.{module}")
        for name in names:
            app.cli.add_command(getattr(mod, name))
