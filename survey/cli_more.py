"""Commands added by later features (report, links, export) register here."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach optional command groups to the app's CLI."""
    from survey.cli_links import links
    from survey.cli_report import report

    app.cli.add_command(report)
    app.cli.add_command(links)
