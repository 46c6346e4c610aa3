"""`mognad report`: the open-data package of a closed round."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from analysis.languages import LANGUAGES
from survey.cli.common import command, transaction


@click.command(
    "report",
    help="Write a closed round's open-data package. csv: aggregates.csv, comparisons.csv, "
    "units.csv, indices.csv, reliability.csv, gaps.csv, fieldwork.csv (invited and completed "
    "per unit with invitations), plan_areas.csv (when the instrument has plan areas) and "
    "datapackage.json describing every file written; json: "
    "aggregates.json; xlsx: aggregates.xlsx with a data-dictionary sheet. Every file may be "
    "published; the same round always gives the same bytes.",
)
@click.argument("name")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--compare-to", default=None, help="Round to compare with (default: last year's).")
@click.option(
    "--format",
    "formats",
    default="csv,json",
    show_default=True,
    help="Comma-separated: csv, json, xlsx; html, pdf for the report document.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="sv",
    show_default=True,
    help="Language of the report document (report.html, or report.en.html in English).",
)
@command
def report(name: str, out_dir: Path, compare_to: str | None, formats: str, lang: str) -> None:
    from analysis.opendata import check_formats
    from survey.results.report import write_documents
    from survey.services.audit import audit
    from survey.services.estimates import estimates_line
    from survey.services.fieldwork import fieldwork, over_headcount
    from survey.services.report import round_figures, write_report
    from survey.services.settings import DataSettings

    wanted = check_formats(f.strip() for f in formats.split(",") if f.strip())
    with transaction() as session:
        config = current_app.config
        figures = round_figures(
            session, name, config["K_ANONYMITY"], compare_to, config["K_HOMOGENEOUS"],
            int(config["MIN_TEST_N"]),
        )  # fmt: skip
        written = write_report(figures, out_dir, wanted, DataSettings.of(config))
        written += write_documents(figures, out_dir, wanted, lang)
        # Who made which report, never what it showed.
        audit(
            session,
            "report.write",
            round=figures.round.name,
            formats=list(wanted),
            compare_round=figures.compare.name if figures.compare else None,
        )
        warnings = over_headcount(fieldwork(session, figures.round))
    for line in warnings:
        click.echo(line, err=True)
    agg = figures.aggregates
    changes = agg["change"].value_counts().to_dict()
    compared = (
        f" compared with '{figures.compare.name}'"
        if figures.compare
        else " (no earlier round to compare with)"
    )
    click.echo(
        f"Report for '{name}'{compared}: {len(agg)} cells, "
        f"{int(agg['suppressed'].sum())} suppressed (minimum group size {figures.k}); "
        + ", ".join(f"{k} {v}" for k, v in sorted(changes.items()))
    )
    est = figures.estimates
    if est is not None:
        click.echo(estimates_line(est))
    for path in written:
        click.echo(f"  wrote {path}")
    if "csv" in wanted:
        click.echo(
            "fieldwork.csv holds counts of people only (headcount, invited, answered; no "
            "answers); the administrators' per-unit progress stays on the fieldwork page."
        )
