"""`mognad org`: a year's organisation tree and the reorganisations between years."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import import_file, importer

YEAR = click.option("--year", type=int, required=True)


@click.group(help="The organisation tree of a year.")
def org() -> None:
    pass


@importer(org, "import", "Replace a year's tree from a CSV/XLSX file: code,name,parent_code.", YEAR)
def org_import(year: int, file: Path) -> None:
    from survey.services.org import import_org

    n = import_file(import_org, year, file, "org.import", year=year)
    click.echo(f"Imported {n} units for {year}.")


@importer(org, "remap", "Declare reorganisations from last year: old_code,new_code.", YEAR)
def org_remap(year: int, file: Path) -> None:
    from survey.services.org import import_remap

    n = import_file(import_remap, year, file, "org.remap", year=year)
    click.echo(f"Stored {n} mappings from {year - 1} to {year}.")
