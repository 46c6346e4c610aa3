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
    "export": ("export",),
    "links": ("links",),
    "privacy": ("expire_drafts", "purge_personal_data"),
    "mail": ("invitations", "reminders"),
    "users": ("user",),
    "tokens": ("token",),
    "check": ("check",),
    "worker": ("worker",),
}


# Commands that serve pages or issue links: without a real secret key they must not start.
NEEDS_SECRET_KEY = frozenset(
    {"run", "shell", "demo", "links", "invitations", "reminders", "user", "worker"}
)
# Commands that work without the database (`check` reports on it itself); every other one
# first makes sure it can reach the database, and says in one line which one and why not.
NO_DATABASE = frozenset({None, "questionnaire", "routes", "shell", "check"})


class MognadGroup(FlaskGroup):
    """Remembers which command is being resolved, so the app knows whether a key is needed."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        ctx.meta.setdefault("mognad.command", name)  # `--help` resolves every name: not a run
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        ctx.meta.setdefault("mognad.command", None)
        return super().list_commands(ctx)


def main() -> None:
    """Entry point of the `mognad` console script."""
    from survey.files import private_umask

    private_umask()  # the database, outbox and exports it writes are the user's alone
    cli = MognadGroup(create_app=_create_app, help="Mognad: digital maturity surveys.")
    cli.main(prog_name="mognad")


def _create_app() -> Flask:
    """The app, or a one-paragraph message and exit 1 when it must not start (no traceback)."""
    from survey import create_app
    from survey.config import SecretKeyError

    ctx = click.get_current_context(silent=True)
    name = ctx.meta.get("mognad.command") if ctx else None
    try:
        app = create_app(None if name in NEEDS_SECRET_KEY else {"SECRET_KEY_CHECK": False})
    except SecretKeyError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    if name not in NO_DATABASE and not {"--help", "-h"} & set(sys.argv):
        from survey.database import unreachable
        from survey.extensions import db

        with app.app_context():
            problem = unreachable(db.engine)
        if problem:
            click.echo(f"Error: {problem}", err=True)
            sys.exit(1)
    return app


def register_commands(app: Flask) -> None:
    for module, names in GROUPS.items():
        mod = import_module(f"survey.cli.{module}")
        for name in names:
            app.cli.add_command(getattr(mod, name))
