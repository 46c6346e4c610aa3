"""One way to set up a survey for a test: organisation, round, invitations, links.

Everything goes through the ``mognad`` commands (a Flask CLI runner), as an administrator would,
so the set-up itself exercises the CLI and never writes rows the application could not.
The fixtures in ``tests/conftest.py`` and ``tests/browser/conftest.py`` and the subprocess
servers of the load test all build on these functions.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = ROOT / "questionnaires" / "malmo-digital.yaml"
from analysis.roles import ROLES  # noqa: E402

SMALL_ORG: list[list[object]] = [
    ["code", "name", "parent_code"],
    ["CITY", "Staden", ""],
    ["EDU", "Utbildning", "CITY"],
    ["EDU-A", "Skola A", "EDU"],
    ["EDU-B", "Skola B", "EDU"],
    ["CARE", "Omsorg", "CITY"],
]
# The CLI moves that bring a draft round to each status.
MOVES = {
    "draft": [],
    "open": ["open"],
    "closed": ["open", "close"],
    "published": ["open", "close", "publish"],
}

WriteCsv = Callable[..., Path]


class CommandRunner(FlaskCliRunner):
    """Runs each command in its own application context, as `mognad` (a ``FlaskGroup``) does.

    The app's own ``cli`` group pushes none for the nested command groups; without this a
    command would only work inside a context the test happened to hold open.
    """

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:
        with self.app.app_context():
            return super().invoke(cli, args, **kwargs)


def commands(app: Flask) -> Flask:
    """Make ``app.test_cli_runner()`` a ``CommandRunner``; return the app."""
    app.test_cli_runner_class = CommandRunner
    return app


def csv_writer(folder: Path) -> WriteCsv:
    """Write rows (first row = header) to a CSV file in ``folder``; return its path."""

    def write(name: str, rows: list[list[object]], encoding: str = "utf-8") -> Path:
        path = folder / name
        text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
        path.write_bytes((text + "\n").encode(encoding))
        return path

    return write


def cli(runner: FlaskCliRunner, *args: str) -> str:
    """Run a ``mognad`` command that must succeed; return its output."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def import_org(
    runner: FlaskCliRunner,
    write_csv: WriteCsv,
    year: int = 2025,
    rows: list[list[object]] | None = None,
) -> None:
    """Import an organisation tree (``SMALL_ORG`` unless ``rows`` is given) for a year."""
    path = write_csv(f"org{year}.csv", rows or SMALL_ORG)
    cli(runner, "org", "import", "--year", str(year), str(path))


def move_round(runner: FlaskCliRunner, name: str, status: str, start: str = "draft") -> None:
    """Move a round from ``start`` to ``status`` through the CLI (open, close, publish)."""
    for move in MOVES[status][len(MOVES[start]) :]:
        cli(runner, "round", move, name)


def create_round(
    runner: FlaskCliRunner,
    write_csv: WriteCsv,
    name: str = "R2025",
    year: int = 2025,
    mode: str = "invited",
    status: str = "draft",
    org: bool = True,
) -> str:
    """Create a round (importing the small org tree for its year first unless ``org`` is False)."""
    if org:
        import_org(runner, write_csv, year)
    args = ["round", "create", name, "--year", str(year), "--questionnaire", str(QUESTIONNAIRE)]
    cli(runner, *args, "--mode", mode)
    move_round(runner, name, status)
    return name


def invite(
    runner: FlaskCliRunner,
    write_csv: WriteCsv,
    name: str = "R2025",
    people: list[tuple[str, str, str]] | None = None,
    status: str = "open",
) -> None:
    """Import respondents (email, unit_code, role) into a draft round; move it to ``status``."""
    people = people or [(f"{role}@example.org", "EDU-A", role) for role in ROLES]
    path = write_csv(f"people-{name}.csv", [["email", "unit_code", "role"], *map(list, people)])
    cli(runner, "respondents", "import", name, str(path))
    move_round(runner, name, status)


def issue_links(
    runner: FlaskCliRunner, out: Path, name: str = "R2025", unit: str | None = None
) -> list[dict[str, str]]:
    """Run `mognad links` and return the CSV rows."""
    cli(runner, "links", name, "--out", str(out), *(["--unit", unit] if unit else []))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def close_round(runner: FlaskCliRunner, name: str = "R2025") -> None:
    """Close the round; closing turns every pending submission into a response."""
    cli(runner, "round", "close", name)


@dataclass
class Survey:
    """A round and the links `mognad links` issued for it."""

    name: str
    mode: str
    rows: list[dict[str, str]]
    runner: FlaskCliRunner

    def link(self, role: str = "employee", n: int = 0) -> str:
        """The n-th personal link for a role (invited rounds)."""
        return [r["url"] for r in self.rows if r["role"] == role][n]

    def unit_link(self, unit_code: str) -> str:
        """The shared link of a unit (open rounds)."""
        return next(r["url"] for r in self.rows if r["unit_code"] == unit_code)

    def move(self, action: str) -> None:
        cli(self.runner, "round", action, self.name)


def make_survey(
    runner: FlaskCliRunner,
    folder: Path,
    mode: str = "invited",
    people: int | list[tuple[str, str, str]] = 1,
    name: str = "R2025",
    unit: str = "EDU-A",
    status: str = "open",
    org: list[list[object]] | None = None,
    **round_args: Any,
) -> Survey:
    """A round on the small org tree (or ``org``) with its links, left in ``status``.

    ``people`` is the number of invitations per role in ``unit`` or the (email, unit, role)
    list itself (invited mode); open rounds get one link per unit.
    """
    write_csv = csv_writer(folder)
    if org is not None:
        import_org(runner, write_csv, 2025, org)
    create_round(runner, write_csv, name=name, mode=mode, org=org is None, **round_args)
    if mode == "invited":
        if isinstance(people, int):
            people = [(f"{r}{i}@example.org", unit, r) for r in ROLES for i in range(people)]
        invite(runner, write_csv, name, people, status="draft")
    rows = issue_links(runner, folder / f"links-{name}.csv", name)
    assert rows, "mognad links wrote no links"
    move_round(runner, name, status)
    return Survey(name, mode, rows, runner)
