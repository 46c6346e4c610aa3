"""`mognad questionnaire check`: validate a questionnaire file and list every problem."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli.common import command


@click.group(help="Questionnaire files.")
def questionnaire() -> None:
    pass


@questionnaire.command("check", help="Validate a questionnaire file and list every problem.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@command
def questionnaire_check(file: Path) -> None:
    from analysis.instruments import ROLES, load_questionnaire

    q = load_questionnaire(file)  # a QuestionnaireError lists every problem
    counts = ", ".join(f"{r} {len(q.items_for(r))}" for r in ROLES)
    click.echo(f"{file}: OK – {q.id} {q.version}, {len(q.categories)} categories; items: {counts}")
