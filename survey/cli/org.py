"""`mognad org`: a year's organisation tree and the reorganisations between years."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import command, existing_file, import_file


@click.group(help="The organisation tree of a year.")
def org() -> None:
    pass


@org.command("import", help="Replace a year's tree from a CSV/XLSX file: code,name,parent_code.")
@click.option("--year", type=int, required=True)
@click.argument("file", type=existing_file)
@command
def org_import(year: int, file: Path) -> None:
    from survey.services.org import import_org

    n = import_file(import_org, year, file, "org.import", year=year)
    click.echo(f"Imported {n} units for {year}.")


@org.command("remap", help="Declare reorganisations from last year: old_code,new_code.")
@click.option("--year", type=int, required=True)
@click.argument("file", type=existing_file)
@command
def org_remap(year: int, file: Path) -> None:
    from survey.services.org import import_remap

    n = import_file(import_remap, year, file, "org.remap", year=year)
    click.echo(f"Stored {n} mappings from {year - 1} to {year}.")
