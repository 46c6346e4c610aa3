"""Headcounts per role in the organisation file: stored, shown, and refused in Swedish."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Unit
from tests.conftest import table_snapshot
from tests.survey.admin_pages import confirm, upload
from tests.survey.staff import signed_in, text

HEADER = ["code", "name", "parent_code", "headcount"] + [
    f"headcount_{r}" for r in ("employee", "manager", "specialist")
]
GOOD = [
    HEADER,
    ["CITY", "Staden", "", "120", "100", "12", "8"],
    ["EDU", "Utbildning", "CITY", "40", "35", "3", "2"],
    ["CARE", "Omsorg", "CITY", "", "50", "", "4"],
]
BAD = [
    HEADER,
    ["CITY", "Staden", "", "120", "100", "12", "9"],
    ["EDU", "Utbildning", "CITY", "", "many", "3", "2"],
    ["CARE", "Omsorg", "CITY", "", "70", "", "4"],
]


pytestmark = pytest.mark.usefixtures("upload_dir")


def test_role_headcounts_are_stored_and_shown(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = upload(admin, "/admin/org/upload", GOOD, "org.csv", year="2026")
    assert r.status_code == 200, text(r)
    assert confirm(admin, r, "/admin/org/upload/confirm").status_code == 302
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Unit.code, Unit.headcount_employee, Unit.headcount_manager,
                Unit.headcount_specialist,
            )
        ).all()  # fmt: skip
    assert {c: (e, m, s) for c, e, m, s in rows} == {
        "CITY": (100, 12, 8), "EDU": (35, 3, 2), "CARE": (50, None, 4),
    }  # fmt: skip
    page = text(admin.get("/admin/org/2026"))
    assert "medarbetare 100, chefer 12, specialister 8" in page
    assert "medarbetare 50, chefer –, specialister 4" in page


def test_bad_role_headcounts_are_named_in_swedish_and_nothing_is_written(
    app, runner, clock
) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    with app.app_context():
        before = table_snapshot()
    r = upload(admin, "/admin/org/upload", BAD, "org.csv", year="2026")
    assert r.status_code == 400
    page = text(r)
    assert re.search(
        r"<td>3</td>\s*<td>headcount_employee</td>\s*<td>'many' är inte ett heltal", page
    )
    with app.app_context():
        after = table_snapshot()
    for volatile in ("audit_log", "users"):
        after.pop(volatile), before.pop(volatile)
    assert after == before


def test_sub_units_and_roles_must_add_up(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    bad = [row[:] for row in BAD]
    bad[2][4] = "35"
    page = text(upload(admin, "/admin/org/upload", bad, "org.csv", year="2026"))
    assert re.search(r"<td>2</td>\s*<td>headcount_employee</td>\s*<td>enheten", page)
    assert "har 100 men enheterna under den har tillsammans 105" in page
    assert re.search(r"<td>2</td>\s*<td>headcount</td>\s*<td>enheten", page)
    assert "blir tillsammans 121" in page
