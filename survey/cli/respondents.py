"""`mognad respondents`: the people invited to a round."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import import_file, importer


@click.group(help="People invited to a round.")
def respondents() -> None:
    pass


@importer(
    respondents,
    "import",
    "Add invitations from CSV/XLSX: email,unit_code,role.",
    click.argument("name"),
)
def respondents_import(name: str, file: Path) -> None:
    from survey.services.imports import import_respondents

    n = import_file(import_respondents, name, file, "respondents.import", round=name)
    click.echo(f"Added {n} respondents to '{name}'. Issue their links with 'mognad links {name}'.")
