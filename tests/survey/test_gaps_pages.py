"""HR competence gaps: page, SVG and XLSX show exactly the engine's suppressed cells, in scope."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from analysis.instruments import load_questionnaire
from survey.extensions import db
from survey.models import AuditLog
from tests.support.factory import QUESTIONNAIRE
from tests.support.tables import tables
from tests.survey.gap_pages import (
    CODE,
    assert_shows,
    cell,
    gaps_of,
    round_id,
    svg_rows,
)
from tests.survey.staff import signed_in

Q = load_questionnaire(QUESTIONNAIRE)


def _categories(role: str) -> list[str]:
    return [c.id for c in Q.categories if c.dimension == "competence" and role in c.target]


@pytest.fixture
def hr(app, runner, clock):
    return signed_in(app, runner, clock, "hr@example.org", "hr")


def _heatmap(page: str) -> dict[str, list[str]]:
    rows = tables(page)["heatmap-caption"]
    out = {}
    for row in rows[1:]:
        found = CODE.search(row[0])
        assert found, row
        out[found.group(1)] = row[1:]
    return out


@pytest.mark.parametrize("role", ["employee", "manager", "specialist"])
def test_every_heatmap_share_is_the_engines(app, two_years_all_roles, hr, role) -> None:
    rid = round_id(app, "R2025")
    gaps = gaps_of(app, "R2025")
    response = hr.get(f"/dashboard/{rid}/gaps?role={role}")
    assert response.status_code == 200
    shown = _heatmap(response.get_data(as_text=True))
    categories = _categories(role)
    assert set(shown) == {"CITY", "EDU", "EDU-A", "EDU-B", "CARE", "CARE-A", "CARE-B", "TINY"}
    for code, texts in shown.items():
        assert len(texts) == len(categories)
        for text, category in zip(texts, categories, strict=True):
            assert_shows(text, cell(gaps, code, role, category))
    assert all(t.startswith("–") for t in shown["TINY"])
    assert any("%" in t for t in shown["CARE"])


def test_svg_shows_the_same_cells_and_hides_tiny(app, two_years, hr) -> None:
    rid = round_id(app, "R2025")
    gaps = gaps_of(app, "R2025")
    response = hr.get(f"/dashboard/{rid}/gaps.svg?role=employee")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    categories = _categories("employee")
    rows = svg_rows(response.data, len(categories))
    assert "TINY" in rows and "CITY" in rows
    for code, texts in rows.items():
        for text, category in zip(texts, categories, strict=True):
            assert_shows(text, cell(gaps, code, "employee", category))
    assert rows["TINY"] == ["–"] * len(categories)


def test_top_gaps_follow_the_engines_rank(app, two_years, hr) -> None:
    rid = round_id(app, "R2025")
    gaps = gaps_of(app, "R2025")
    page = hr.get(f"/dashboard/{rid}/gaps").get_data(as_text=True)
    rows = tables(page)["top-caption"][1:]
    # The root and the units directly below it; the units further down when chosen.
    assert {r[0].rsplit("(", 1)[1] for r in rows} == {"CITY)", "EDU)", "CARE)", "TINY)"}
    page = hr.get(f"/dashboard/{rid}/gaps?unit=EDU").get_data(as_text=True)
    rows = tables(page)["top-caption"][1:]
    assert {r[0].rsplit("(", 1)[1] for r in rows} == {"EDU)", "EDU-A)", "EDU-B)"}
    edu_a = [r for r in rows if r[0].endswith("(EDU-A)")]
    expected = gaps[(gaps["unit"] == "EDU-A") & (gaps["role"] == "employee")].sort_values("rank")
    labels = {c.id: c.title["sv"] for c in Q.categories}
    shown = [r[1] for r in edu_a]
    assert shown == [f"{i}. {labels[c]}" for i, c in enumerate(expected["category"][:3], 1)]
    for r, (_, figure) in zip(edu_a, expected.head(3).iterrows(), strict=True):
        assert_shows(r[5], figure)
    page = hr.get(f"/dashboard/{rid}/gaps?unit=TINY").get_data(as_text=True)
    tiny = [r for r in tables(page)["top-caption"][1:] if r[0].endswith("(TINY)")]
    assert len(tiny) == 1 and "%" not in tiny[0][1]


def test_trend_has_both_years_for_the_chosen_unit(app, two_years, hr) -> None:
    rid = round_id(app, "R2025")
    years = {name: gaps_of(app, name) for name in ("R2024", "R2025")}
    page = hr.get(f"/dashboard/{rid}/gaps?unit=EDU-A").get_data(as_text=True)
    rows = tables(page)["trend-caption"]
    assert rows[0][1:] == ["2024", "2025"]
    for row, category in zip(rows[1:], _categories("employee"), strict=True):
        for text, name in zip(row[1:], ("R2024", "R2025"), strict=True):
            assert_shows(text, cell(years[name], "EDU-A", "employee", category))
    tiny = tables(hr.get(f"/dashboard/{rid}/gaps?unit=TINY").get_data(as_text=True))
    assert all(t.startswith("–") for row in tiny["trend-caption"][1:] for t in row[1:])


def test_xlsx_reads_back_with_the_engines_figures(app, two_years_all_roles, hr) -> None:
    rid = round_id(app, "R2025")
    gaps = gaps_of(app, "R2025")
    response = hr.get(f"/dashboard/{rid}/gaps.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["gaps", "columns"]
    rows = list(book["gaps"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == len(gaps)
    for values in body:
        row = dict(zip(header, values, strict=True))
        figure = cell(gaps, row["unit_code"], row["role"], row["category"])
        assert row["suppressed"] is bool(figure["suppressed"])
        assert row["target"] == figure["target"]
        assert (row["hidden_reason"] or "") == (figure["hidden_reason"] or "")
        if row["suppressed"]:
            assert all(row[c] is None for c in ("n", "mean_level", "gap", "share_below", "rank"))
        else:
            assert row["share_below"] == pytest.approx(figure["share_below"], abs=1e-12)
            assert row["n"] == figure["n"] and row["rank"] == figure["rank"]
            assert row["gap"] == pytest.approx(figure["gap"], abs=1e-12)
    tiny = [dict(zip(header, v, strict=True)) for v in body if v[0] == "TINY"]
    assert tiny and all(r["suppressed"] and r["share_below"] is None for r in tiny)
    assert {r["hidden_reason"] for r in tiny} <= {"too_few", "complementary"}
    assert {r[0] for r in book["columns"].iter_rows(values_only=True)} >= set(header)
    with app.app_context():
        logged = db.session.scalars(select(AuditLog).where(AuditLog.action == "gaps.export"))
        entries = [(e.actor, e.detail) for e in logged]
    assert entries == [("web:hr@example.org", {"round": "R2025"})]


def test_unit_names_are_neutralised_in_the_xlsx(app, two_years, hr, runner) -> None:
    from survey.models import Unit

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.year == 2025, Unit.code == "EDU-B"))
        unit.name = '=HYPERLINK("http://evil.example","x")'
        db.session.commit()
    rid = round_id(app, "R2025")
    book = load_workbook(BytesIO(hr.get(f"/dashboard/{rid}/gaps.xlsx").data))
    names = {r[1] for r in book["gaps"].iter_rows(min_row=2, values_only=True) if r[0] == "EDU-B"}
    assert names == {'\'=HYPERLINK("http://evil.example","x")'}


def test_anonymous_visitors_must_sign_in_for_gaps(app, two_years, client) -> None:
    rid = round_id(app, "R2025")
    for url in (
        f"/dashboard/{rid}/gaps",
        f"/dashboard/{rid}/gaps.svg",
        f"/dashboard/{rid}/gaps.xlsx",
    ):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/auth/" in anonymous.headers["Location"]


def test_open_and_unknown_rounds_have_no_gaps(app, hr, make_round) -> None:
    make_round("Open", status="open")
    rid = round_id(app, "Open")
    assert hr.get(f"/dashboard/{rid}/gaps").status_code == 404
    assert hr.get(f"/dashboard/{rid}/gaps.xlsx").status_code == 404
    assert hr.get(f"/dashboard/{rid + 1000}/gaps").status_code == 404


def test_unknown_unit_is_404_and_admin_sees_all_units(app, two_years, admin) -> None:
    rid = round_id(app, "R2025")
    assert admin.get(f"/dashboard/{rid}/gaps?unit=NOPE").status_code == 404
    shown = _heatmap(admin.get(f"/dashboard/{rid}/gaps").get_data(as_text=True))
    assert {"CITY", "CARE-B", "EDU-A"} <= set(shown)


def test_managers_see_their_own_units_gaps_and_nothing_outside(
    app, runner, clock, two_years
) -> None:
    """Managers answer for their group's digital competence: their subtree's gaps, the same
    suppressed cells as HR sees, and 403 for any unit outside it, on the page and in the files."""
    rid = round_id(app, "R2025")
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "CARE")
    own = {"CARE", "CARE-A", "CARE-B"}
    page = boss.get(f"/dashboard/{rid}/gaps")
    assert page.status_code == 200
    assert set(_heatmap(page.get_data(as_text=True))) == own
    assert boss.get(f"/dashboard/{rid}/gaps?unit=EDU").status_code == 403
    categories = _categories("employee")
    assert set(svg_rows(boss.get(f"/dashboard/{rid}/gaps.svg").data, len(categories))) == own
    book = load_workbook(BytesIO(boss.get(f"/dashboard/{rid}/gaps.xlsx").data))
    assert {r[0] for r in book["gaps"].iter_rows(min_row=2, values_only=True)} == own
    gaps = gaps_of(app, "R2025")
    shown = _heatmap(page.get_data(as_text=True))
    for code, texts in shown.items():
        for text, category in zip(texts, categories, strict=True):
            assert_shows(text, cell(gaps, code, "employee", category))
    assert boss.get(f"/dashboard/{rid}/gaps?unit=CITY").status_code == 403
    assert boss.get(f"/dashboard/{rid}/gaps?unit=CARE-A").status_code == 200
    overview = boss.get(f"/dashboard/{rid}/?unit=CARE").get_data(as_text=True)
    assert f'href="/dashboard/{rid}/gaps"' in overview  # the overview links a manager to them
