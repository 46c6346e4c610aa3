"""`mognad demo`: a synthetic city to look around in."""

from __future__ import annotations

import click

from survey.cli.common import command, transaction


@click.command(help="Load a synthetic city with three years of data and an admin account.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--respondents", "per_year", type=int, default=4000, show_default=True)
@command
def demo(seed: int, per_year: int) -> None:
    from flask import current_app

    from survey.results.report import write_documents
    from survey.sealing import app_sealer
    from survey.services.demo import load_demo
    from survey.services.settings import DataSettings, FigureSettings

    config = current_app.config
    with transaction() as session:
        summary = load_demo(
            session,
            seed=seed,
            per_year=per_year,
            base_url=config["BASE_URL"],
            sealer=app_sealer(),
            write_documents=write_documents,
            settings=FigureSettings.of(config),
            data=DataSettings.of(config),
        )
    for line in summary:
        click.echo(line)
    # The demo closed its past rounds: remove and verify their traces as `round close` does.
    from sqlalchemy import select

    from survey.models import Round
    from survey.models.enums import FINISHED
    from survey.traces import check_round

    with transaction() as session:
        closed = session.scalars(
            select(Round.name).where(Round.status.in_(FINISHED), Round.traces_verified_at.is_(None))
        ).all()
    for name in closed:
        check_round(name)
