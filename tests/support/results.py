"""Two closed yearly rounds on a small tree: the shared ground of the report and results tests.

``EDU-A`` improves by ``planted`` in the second year (so a significant change exists), ``TINY``
has two respondents (so suppression has something to hide), and the rest stay level.
"""

from __future__ import annotations

import numpy as np
from click.testing import Result
from flask.testing import FlaskCliRunner

from analysis.instruments import load_questionnaire
from analysis.synthetic import Plan, response_rows
from tests.support.factory import QUESTIONNAIRE, SMALL_ORG, WriteCsv, create_round

ORG = SMALL_ORG[:5] + [
    ["CARE", "Omsorg", "CITY"],
    ["CARE-A", "Hemtjänst", "CARE"],
    ["CARE-B", "Boende", "CARE"],
    ["TINY", "Liten enhet", "CITY"],
]
SIZES = {"EDU-A": 60, "EDU-B": 60, "CARE-A": 60, "CARE-B": 60, "TINY": 2}
YEARS = ((2024, 0.0), (2025, 1.5))
ROUNDS = ("R2024", "R2025")
#: A role mix in which every role has shown cells in the larger units.
ALL_ROLES = {"employee": 0.6, "manager": 0.2, "specialist": 0.2}
EMPLOYEES = {"employee": 1.0}


def answers(seed: int, planted: float, roles: dict[str, float] | None = None) -> list[list]:
    """Answers whose respondents share a personal level (so the categories' α is worth checking)."""
    plan = Plan(
        sizes=SIZES,
        trend={"EDU-A": planted},
        roles=roles or EMPLOYEES,
        centre=0.2,
        unit_sd=0.0,
        person_sd=0.6,
        noise_sd=1.0,
        missing=0.0,
        dont_know=0.0,
    )
    q = load_questionnaire(QUESTIONNAIRE)
    rng = np.random.default_rng(seed)
    header, rows = response_rows(q, list(SIZES), sum(SIZES.values()), rng, plan, step=1)
    return [header, *rows]


def _ok(result: Result) -> None:
    assert result.exit_code == 0, result.output


def load_two_years(
    runner: FlaskCliRunner, write_csv: WriteCsv, roles: dict[str, float] | None = None
) -> tuple[str, str]:
    """Import the tree and answers of 2024 and 2025 and close both rounds ("R2024", "R2025")."""
    for year, planted in YEARS:
        org = write_csv(f"org{year}.csv", ORG)
        _ok(runner.invoke(args=["org", "import", "--year", str(year), str(org)]))
        create_round(runner, write_csv, f"R{year}", year, "invited", "draft", False)
        path = write_csv(f"answers{year}.csv", answers(year, planted, roles))
        _ok(runner.invoke(args=["responses", "import", f"R{year}", str(path)]))
        for move in ("open", "close"):
            _ok(runner.invoke(args=["round", move, f"R{year}"]))
    return ROUNDS
