"""A closed round that showed anything made from its responses never reopens, whatever showed it.

The attack: close, export, reopen, one more answer, close, export again — a diff of the two
files is that person's row. Every surface that hands out results counts as shown: reports, the
dashboards, the API (tested beside them), analyst exports from the command line and the page,
the gaps workbook and the comments page.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Round
from tests.support.factory import QUESTIONNAIRE
from tests.support.results import ORG, answers
from tests.survey import admin_fixtures
from tests.survey.admin_fixtures import signed_in
from tests.survey.staff import Staff

clock = admin_fixtures.clock
REFUSED = "round 'R2026' has had results, an export or comments shown from it"


@pytest.fixture
def closed_2026(app, runner, write_csv) -> int:  # type: ignore[no-untyped-def]
    """R2026 with answers, closed; a round of this year may otherwise reopen."""
    org = write_csv("org2026.csv", ORG)
    create = ["round", "create", "R2026", "--year", "2026", "--questionnaire", str(QUESTIONNAIRE)]
    for args in (
        ["org", "import", "--year", "2026", str(org)],
        create,
        ["responses", "import", "R2026", str(write_csv("a.csv", answers(7, 0.0)))],
        ["round", "open", "R2026"],
        ["round", "close", "R2026"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        return int(db.session.scalar(sa.select(Round.id).where(Round.name == "R2026")))


def _export_cli(runner, staff: Staff, rid: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "answers.csv"
    result = runner.invoke(args=["export", "R2026", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output


def _export_page(runner, staff: Staff, rid: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    got = staff.post_from("/admin/exports/", f"/admin/exports/{rid}/csv", {})
    assert got.status_code == 200


def _gaps_xlsx(runner, staff: Staff, rid: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert staff.get(f"/dashboard/{rid}/gaps.xlsx").status_code == 200


def _comments(runner, staff: Staff, rid: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert staff.get("/admin/comments/R2026").status_code == 200


SURFACES: dict[str, Callable[..., None]] = {
    "export-cli": _export_cli,
    "export-page": _export_page,
    "gaps-xlsx": _gaps_xlsx,
    "comments": _comments,
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_round_shown_through_any_surface_never_reopens(
    app, runner, clock, closed_2026, tmp_path, surface
) -> None:  # type: ignore[no-untyped-def]
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    # Nothing shown yet: closing and reopening is still allowed (a premature close).
    assert runner.invoke(args=["round", "open", "R2026"]).exit_code == 0
    assert runner.invoke(args=["round", "close", "R2026"]).exit_code == 0
    SURFACES[surface](runner, hr, closed_2026, tmp_path)
    result = runner.invoke(args=["round", "open", "R2026"])
    assert result.exit_code != 0
    assert REFUSED in result.output
    with app.app_context():
        status = db.session.scalar(sa.select(Round.status).where(Round.id == closed_2026))
    assert status == "closed"
