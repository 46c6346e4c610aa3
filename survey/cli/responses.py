"""`mognad responses`: answers entered outside the browser (history, paper questionnaires)."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import import_file, importer


@click.group(help="Answers entered outside the browser.")
def responses() -> None:
    pass


@importer(
    responses,
    "import",
    "Import answers: unit_code,role,<item ids…> (dk = vet ej).",
    click.argument("name"),
)
def responses_import(name: str, file: Path) -> None:
    from functools import partial

    from survey.sealing import app_sealer
    from survey.services.imports import import_responses

    service = partial(import_responses, sealer=app_sealer())
    n = import_file(service, name, file, "responses.import", round=name)
    click.echo(f"Imported {n} responses into '{name}'.")
