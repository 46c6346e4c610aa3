"""`mognad responses`: answers entered outside the browser (history, paper questionnaires)."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import command, existing_file, transaction


@click.group(help="Answers entered outside the browser.")
def responses() -> None:
    pass


@responses.command("import", help="Import answers: unit_code,role,<item ids…> (dk = vet ej).")
@click.argument("name")
@click.argument("file", type=existing_file)
@command
def responses_import(name: str, file: Path) -> None:
    from survey.services.audit import audit
    from survey.services.imports import import_responses
    from survey.services.tabular import read_table

    table = read_table(file)
    with transaction() as session:
        n = import_responses(session, name, table)
        audit(session, "responses.import", round=name, file=file.name, count=n)
    click.echo(f"Imported {n} responses into '{name}'.")
