"""The staff dashboards: every number shown is the figures' number for the same cell, a hidden
cell never shows a figure on a page or a chart, and a manager sees only their own subtree."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Round
from survey.services.report import round_figures
from tests.support.tables import table
from tests.survey.dashboard_pages import DASH, assert_row_matches, close, labels, num
from tests.survey.staff import signed_in

UNITS = ["CITY", "EDU", "EDU-A", "EDU-B", "CARE", "CARE-A", "CARE-B", "TINY"]
NAMES = dict(
    zip(UNITS, ["Staden", "Utbildning", "Skola A", "Skola B", "Omsorg", "Hemtjänst", "Boende",
                "Liten enhet"], strict=True)
)  # fmt: skip


@pytest.fixture
def rounds(app, two_years) -> dict[str, int]:
    with app.app_context():
        return {r.name: r.id for r in db.session.scalars(sa.select(Round))}


def figures(app, name: str = "R2025") -> pd.DataFrame:
    with app.app_context():
        fig = round_figures(db.session(), name, int(app.config["K_ANONYMITY"]))
        return fig.aggregates


def row(frame: pd.DataFrame, unit: str, role: str, index: str) -> dict:
    match = frame[(frame.unit_code == unit) & (frame.role == role) & (frame["index"] == index)]
    assert len(match) == 1, (unit, role, index)
    return {k: (None if pd.isna(v) else v) for k, v in match.iloc[0].to_dict().items()}


def test_overview_shows_the_figures_of_the_organisation(app, rounds, admin) -> None:
    frame, names = figures(app), labels()
    for role in ("all", "employee", "manager"):
        r = admin.get(f"/dashboard/{rounds['R2025']}/?role={role}")
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        rows = table(page, "scores-table")
        by_label = {names[i]: i for i in names}
        assert rows, role
        for cells in rows:
            assert_row_matches(cells[1:], row(frame, "CITY", role, by_label[cells[0]]))
        # the chart's table is the page's: same labels, same means
        chart = {c[0]: c[1] for c in table(page, "scores-chart-table")}
        for cells in rows:
            assert chart[cells[0]] == cells[3]  # label, n, response rate, mean
    page = admin.get(f"/dashboard/{rounds['R2025']}/").get_data(as_text=True)
    head = row(frame, "CITY", "all", "maturity")
    summary = re.search(r'id="maturity-figures">(.*?)</dl>', page, re.S)
    assert summary is not None
    shown = re.findall(r"−?-?\d+,\d+", summary.group(1))
    assert close(shown[0], head["score"]) and close(shown[3], head["delta"])
    assert f"n = {head['n']}" in summary.group(1)
    assert head["change"] == "improved" and "förbättring" in page and "↑" in page
    trend = table(page, "trend-chart-table")
    assert [t[0] for t in trend] == ["2024", "2025"]
    assert close(trend[1][1], head["score"])
    assert close(trend[0][1], row(figures(app, "R2024"), "CITY", "all", "maturity")["score"])
    assert "α = " in page  # the synthetic answers leave categories below 0.70


def test_unit_pages_show_the_figures_of_every_unit(app, rounds, admin) -> None:
    frame = figures(app)
    rid = rounds["R2025"]
    for index in ("maturity", "comp_safety"):
        page = admin.get(f"/dashboard/{rid}/units/CITY?index={index}").get_data(as_text=True)
        rows = {c[0]: c[1:] for c in table(page, "tree-table")}
        assert set(rows) == set(NAMES.values())
        for code, name in NAMES.items():
            assert_row_matches(rows[name], row(frame, code, "all", index))
    assert row(frame, "TINY", "all", "maturity")["suppressed"]
    assert not row(frame, "EDU-A", "all", "maturity")["suppressed"]
    page = admin.get(f"/dashboard/{rid}/units/EDU-A").get_data(as_text=True)
    by_label = {v: k for k, v in labels().items()}
    compare = table(page, "compare-table")
    assert compare
    for cells in compare:
        for code, cell in zip(("EDU-A", "EDU", "CITY"), cells[1:], strict=True):
            fig = row(frame, code, "all", by_label[cells[0]])
            if fig["suppressed"]:
                assert cell.startswith(DASH)
            else:
                score, ci = cell.split(" (")
                low, high = ci.rstrip(")").split("–")
                assert close(score, fig["score"]) and close(low, fig["ci_low"])
                assert close(high, fig["ci_high"])


def test_a_hidden_cell_never_shows_a_figure(app, rounds, admin) -> None:
    rid = rounds["R2025"]
    overview = admin.get(f"/dashboard/{rid}/?unit=TINY").get_data(as_text=True)
    assert "Resultatet visas inte" in overview and "2 svar" not in overview
    assert all(set(c[1:]) <= {DASH, "–, färre än k svar"} for c in table(overview, "scores-table"))
    assert all(set(c[1:]) == {DASH} for c in table(overview, "scores-chart-table"))
    assert all(set(c[1:]) == {DASH} for c in table(overview, "trend-chart-table"))
    page = admin.get(f"/dashboard/{rid}/units/TINY").get_data(as_text=True)
    assert all(set(c[1:]) <= {DASH, "–, färre än k svar"} for c in table(page, "tree-table"))
    compare = table(page, "compare-table")
    assert compare and all(c[1].startswith(DASH) for c in compare)
    item_tables = re.findall(r'id="(items-[a-z_]+-table)-caption"', page)
    assert item_tables
    for t in item_tables:
        assert all(set(c[1:]) <= {DASH, "–, färre än k svar"} for c in table(page, t)), t
    for t in re.findall(r'id="(items-[a-z_]+-chart-table)-caption"', page):
        assert all(set(c[1:]) == {DASH} for c in table(page, t)), t
    svg = admin.get(f"/dashboard/{rid}/charts/compare.svg?unit=TINY")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert "Enheten: Liten enhet: –" in text and "visas inte, för att skydda svarande" in text
    assert 'role="img"' in text and "<title" in text and "<desc" in text and "viewBox" in text
    items_svg = admin.get(f"/dashboard/{rid}/charts/items-comp_safety.svg?unit=TINY")
    assert items_svg.status_code == 200 and "%" not in items_svg.get_data(as_text=True)


def test_charts_carry_the_numbers_of_their_page(app, rounds, admin) -> None:
    rid = rounds["R2025"]
    page = admin.get(f"/dashboard/{rid}/units/EDU?role=employee").get_data(as_text=True)
    for chart in ("compare", "items-comp_safety"):
        shown = table(page, f"{chart}-chart-table")
        svg = admin.get(f"/dashboard/{rid}/charts/{chart}.svg?unit=EDU&role=employee")
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg.get_data(as_text=True), re.S)
        assert desc is not None
        for cells in shown:
            assert cells[0] in desc.group(1) and cells[1] in desc.group(1)
    items = table(page, "items-comp_safety-table")
    bars = {c[0]: c[1:] for c in table(page, "items-comp_safety-chart-table")}
    for cells in items:
        assert cells[1] != DASH
        assert abs(num(bars[cells[0]][-1]) + num(bars[cells[0]][-2]) - num(cells[2])) <= 1.01


def test_item_distributions_cannot_be_subtracted(app, rounds) -> None:
    from analysis.aggregate import rollup_counts
    from survey.services.items import item_table
    from survey.services.statistics import item_counts, tree_frame

    with app.app_context():
        session = db.session()
        rnd = session.get(Round, rounds["R2025"])
        assert rnd is not None
        k = max(rnd.k_min, int(app.config["K_ANONYMITY"]))
        table_ = item_table(session, rnd, k, None, k)
        tree = tree_frame(session, rnd.year)[["unit", "parent"]]
        raw = item_counts(session, rnd).assign(value=lambda f: f["value"].fillna(-1))
        true_n = rollup_counts(raw, tree).groupby(["unit", "role", "item"])["count"].sum()
    hidden = table_.hidden
    assert hidden[("TINY", "all", "comp_safety_1")]
    assert not hidden[("CITY", "all", "comp_safety_1")]
    assert set(table_.frame["unit"]) <= set(UNITS) - {"TINY"}  # hidden counts left the service
    children = {"CITY": ["EDU", "CARE", "TINY"], "EDU": ["EDU-A", "EDU-B"],
                "CARE": ["CARE-A", "CARE-B"]}  # fmt: skip
    for (unit, role, item), is_hidden in hidden.items():
        if is_hidden or unit not in children:
            continue
        shown = [c for c in children[unit] if not hidden[(c, role, item)]]
        residual = true_n[(unit, role, item)] - sum(true_n[(c, role, item)] for c in shown)
        assert residual == 0 or residual >= k, (unit, role, item, residual)
    # TINY's two are stored under CITY at close (k-anonymous storage), with CARE-A's sixty so
    # that CITY's own group reaches k: TINY and CARE-A hold nobody and stay hidden.
    assert true_n.get(("TINY", "all", "comp_safety_1"), 0) == 0
    assert hidden[("CARE-A", "all", "comp_safety_1")]


def test_manager_sees_only_their_subtree(app, runner, clock, rounds) -> None:
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU")
    rid = rounds["R2025"]
    r = boss.get(f"/dashboard/{rid}/")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert '<p class="lead">Utbildning</p>' in page and "Staden" not in page
    assert_row_matches(
        table(page, "scores-table")[0][1:], row(figures(app), "EDU", "all", "maturity")
    )
    for url in (
        f"/dashboard/{rid}/units/CARE",
        f"/dashboard/{rid}/units/CITY",
        f"/dashboard/{rid}/?unit=CITY",
        f"/dashboard/{rid}/charts/compare.svg?unit=CARE",
        f"/dashboard/{rid}/charts/scores.svg?unit=CITY",
        f"/dashboard/{rid}/charts/items-comp_safety.svg?unit=TINY",
    ):
        assert boss.get(url).status_code == 403, url
    unit = boss.get(f"/dashboard/{rid}/units/EDU-A").get_data(as_text=True)
    assert "Hela organisationen" not in unit and "Överordnad enhet" in unit
    assert boss.get("/dashboard/").status_code == 200
    assert "Resultat" in boss.get("/admin/").get_data(as_text=True)


def test_open_round_shows_no_figures(app, runner, make_round, clock, rounds, admin) -> None:
    make_round("R2026", 2026, status="open")
    with app.app_context():
        rid = db.session.scalar(sa.select(Round.id).where(Round.name == "R2026"))
    for url in (f"/dashboard/{rid}/", f"/dashboard/{rid}/units/CITY",
                f"/dashboard/{rid}/charts/scores.svg"):  # fmt: skip
        r = admin.get(url)
        assert r.status_code == 404, url
        assert "inte stängd" in r.get_data(as_text=True)
    listed = admin.get("/dashboard/").get_data(as_text=True)
    assert "R2025" in listed and "R2026" not in listed
    assert f'href="/dashboard/{rounds["R2025"]}/"' in listed
    assert admin.get(f"/dashboard/{rounds['R2025']}/?compare={rid}").status_code == 404
    assert admin.get(f"/dashboard/{rounds['R2025']}/?role=boss").status_code == 400
    assert admin.get("/method").status_code == 200


def test_items_compare_years_and_pages_speak_english(app, runner, clock, rounds) -> None:
    from survey.services.items import item_table

    with app.app_context():
        session = db.session()
        now, before = session.get(Round, rounds["R2025"]), session.get(Round, rounds["R2024"])
        assert now is not None and before is not None
        rows = item_table(session, now, 5, before, 5).rows("EDU-A", "employee")
        tiny = item_table(session, now, 5, before, 5).rows("TINY", "employee")
    assert rows and all(not r.suppressed and r.n == sum(r.counts or ()) for r in rows)
    assert {r.change for r in rows} >= {"improved"}  # EDU-A's answers were planted higher
    assert all(r.p_adjusted is not None and r.compare_counts is not None for r in rows)
    assert all(r.suppressed and r.counts is None and r.n is None for r in tiny)
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    rid = rounds["R2025"]
    page = hr.get(f"/dashboard/{rid}/units/EDU-A?role=employee").get_data(as_text=True)
    item_tables = re.findall(r'id="(items-[a-z_]+-table)-caption"', page)
    assert any("förbättring" in c[4] for t in item_tables for c in table(page, t))
    english = hr.get(f"/dashboard/{rid}/?lang=en").get_data(as_text=True)
    assert "Scores per index" in english and "Digital maturity per year" in english
    assert "About the method" in hr.get("/method?lang=en").get_data(as_text=True)
    later = hr.get(f"/dashboard/{rounds['R2024']}/?compare={rid}")
    assert later.status_code == 400 and "R2025" in later.get_data(as_text=True)
    assert hr.get(f"/dashboard/{rid}/charts/nothing.svg").status_code == 404
    assert hr.get(f"/dashboard/{rid}/units/NOPE").status_code == 404


def test_a_round_seen_on_the_dashboard_never_reopens(
    app, rounds, admin, runner, make_round
) -> None:
    """Seen, reopened, one more answer, closed, seen again: the difference would be that person."""
    make_round("R2026", 2026, status="closed")
    # Closing is final (it forgets who answered), so not even an unseen round reopens now.
    refused = runner.invoke(args=["round", "open", "R2026"])
    assert refused.exit_code != 0 and "är stängd och kan inte öppnas igen" in refused.output
    with app.app_context():
        rid = db.session.scalar(sa.select(Round.id).where(Round.name == "R2026"))
    assert admin.get(f"/dashboard/{rid}/").status_code == 200
    result = runner.invoke(args=["round", "open", "R2026"])
    assert result.exit_code != 0
    assert "Omgången 'R2026' är stängd och kan inte öppnas igen" in result.output
