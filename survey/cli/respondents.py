"""`mognad respondents`: the people invited to a round."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import command, existing_file, import_file


@click.group(help="People invited to a round.")
def respondents() -> None:
    pass


@respondents.command("import", help="Add invitations from CSV/XLSX: email,unit_code,role.")
@click.argument("name")
@click.argument("file", type=existing_file)
@command
def respondents_import(name: str, file: Path) -> None:
    from survey.services.imports import import_respondents

    n = import_file(import_respondents, name, file, "respondents.import", round=name)
    click.echo(f"Added {n} respondents to '{name}'. Issue their links with 'mognad links {name}'.")
