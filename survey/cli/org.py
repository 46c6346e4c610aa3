"""`mognad org`: a year's organisation tree and the reorganisations between years."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import command, existing_file, transaction


@click.group(help="The organisation tree of a year.")
def org() -> None:
    pass


@org.command("import", help="Replace a year's tree from a CSV/XLSX file: code,name,parent_code.")
@click.option("--year", type=int, required=True)
@click.argument("file", type=existing_file)
@command
def org_import(year: int, file: Path) -> None:
    from survey.services.audit import audit
    from survey.services.org import import_org
    from survey.services.tabular import read_table

    table = read_table(file)
    with transaction() as session:
        n = import_org(session, year, table)
        audit(session, "org.import", year=year, file=file.name, units=n)
    click.echo(f"Imported {n} units for {year}.")


@org.command("remap", help="Declare reorganisations from last year: old_code,new_code.")
@click.option("--year", type=int, required=True)
@click.argument("file", type=existing_file)
@command
def org_remap(year: int, file: Path) -> None:
    from survey.services.audit import audit
    from survey.services.org import import_remap
    from survey.services.tabular import read_table

    table = read_table(file)
    with transaction() as session:
        n = import_remap(session, year, table)
        audit(session, "org.remap", year=year, file=file.name, mappings=n)
    click.echo(f"Stored {n} mappings from {year - 1} to {year}.")
