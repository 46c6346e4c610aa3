"""A closed round never reopens, and every surface that shows its results is on the record.

The attack: close, export, reopen, one more answer, close, export again — a diff of the two
files is that person's row. Closing is final (the close forgets who answered), which stops it
whatever showed the round; and every surface that hands out results is audited as shown (the
record of who saw what): reports, the dashboards, the API (tested beside them), analyst exports
from the command line and the page, the gaps workbook and the comments page.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AuditLog, Round
from survey.services.rounds import RESULTS_SHOWN
from tests.support.factory import QUESTIONNAIRE
from tests.support.results import ORG, answers
from tests.survey.staff import Staff, signed_in

REFUSED = "Omgången 'R2026' är stängd och kan inte öppnas igen"


@pytest.fixture
def closed_2026(app, runner, write_csv) -> int:
    """R2026 with answers, closed."""
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


def _export_cli(runner, staff: Staff, rid: int, tmp_path) -> None:
    out = tmp_path / "answers.csv"
    result = runner.invoke(args=["export", "R2026", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output


def _export_page(runner, staff: Staff, rid: int, tmp_path) -> None:
    got = staff.post_from("/admin/exports/", f"/admin/exports/{rid}/csv", {})
    assert got.status_code == 200


def _gaps_xlsx(runner, staff: Staff, rid: int, tmp_path) -> None:
    assert staff.get(f"/dashboard/{rid}/gaps.xlsx").status_code == 200


def _comments(runner, staff: Staff, rid: int, tmp_path) -> None:
    assert staff.get("/admin/comments/R2026").status_code == 200


SURFACES: dict[str, tuple[Callable[..., None], str]] = {
    "export-cli": (_export_cli, "export.write"),
    "export-page": (_export_page, "export.write"),
    "gaps-xlsx": (_gaps_xlsx, "gaps.export"),
    "comments": (_comments, "comments.view"),
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_round_shown_through_any_surface_never_reopens(
    app, runner, clock, closed_2026, tmp_path, surface
) -> None:
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    show, action = SURFACES[surface]
    assert action in RESULTS_SHOWN
    show(runner, hr, closed_2026, tmp_path)
    with app.app_context():
        details = db.session.scalars(
            sa.select(AuditLog.detail).where(AuditLog.action == action)
        ).all()
    assert any(d.get("round") == "R2026" for d in details), details
    result = runner.invoke(args=["round", "open", "R2026"])
    assert result.exit_code != 0
    assert REFUSED in result.output
    with app.app_context():
        status = db.session.scalar(sa.select(Round.status).where(Round.id == closed_2026))
    assert status == "closed"
