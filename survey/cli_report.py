"""`mognad report`: the open-data files of a round."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from survey.cli import command_errors, transaction


@click.command("report", help="Write a round's open data: aggregates.csv/.json, reliability.csv.")
@click.argument("name")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--compare-to", default=None, help="Round to compare with (default: last year's).")
@click.option(
    "--format", "formats", default="csv,json", show_default=True, help="Comma-separated: csv, json."
)
@command_errors
def report(name: str, out_dir: Path, compare_to: str | None, formats: str) -> None:
    from survey.services.errors import InputError
    from survey.services.report import FORMATS, round_figures, write_report

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise InputError(
            f"unknown or unavailable format '{bad[0]}' (available: {', '.join(FORMATS)})"
        )
    with transaction() as session:
        figures = round_figures(session, name, current_app.config["K_ANONYMITY"], compare_to)
    written = write_report(figures, out_dir, wanted)
    agg = figures.aggregates
    changes = agg["change"].value_counts().to_dict()
    compared = (
        f" compared with '{figures.compare.name}'"
        if figures.compare
        else " (no earlier round to compare with)"
    )
    click.echo(
        f"Report for '{name}'{compared}: {len(agg)} cells, "
        f"{int(agg['suppressed'].sum())} suppressed; "
        + ", ".join(f"{k} {v}" for k, v in sorted(changes.items()))
    )
    for path in written:
        click.echo(f"  wrote {path}")
