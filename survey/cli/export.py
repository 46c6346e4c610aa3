"""`mognad export`: a closed round's responses, one row each, for analysts (admin and hr)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from survey.cli.common import command, transaction


@click.command(
    "export",
    help="Write a closed or published round's responses for analysts: one row per response "
    "with its unit (merged upward until every unit has at least k respondents), role and "
    "every item's answer (99 = 'vet ej', empty = not answered). No comments, no ids, rows "
    "sorted by unit, role and answers. Formats: csv, xlsx, sav (SPSS, with labels).",
)
@click.argument("name")
@click.option("--format", "fmt", required=True, help="csv, xlsx or sav.")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="The file to write.",
)  # fmt: skip
@command
def export(name: str, fmt: str, out: Path) -> None:
    from survey.services.exports import check_format, check_target, export_file, write_bytes

    check_format(fmt)
    check_target(out)
    with transaction() as session:
        result, data = export_file(session, name, int(current_app.config["K_ANONYMITY"]), fmt)
        write_bytes(out, data)
    units = result.frame["unit_code"].nunique()
    click.echo(
        f"Exported {len(result.frame)} responses of '{name}' in {units} units "
        f"(minimum group size {result.k}) to {out}"
    )
