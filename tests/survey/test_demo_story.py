"""The demo tells the truth and a story: its pages agree with each other and show what was planted.

One demo city (``mognad demo``, then the 2026 round closed), walked as an administrator and as
the public: the overview and every förvaltning's page (n, response rate, hidden marks) against
the figures; the fieldwork page's counts and "under k" marks against the dashboards; the public
page's n against the published figures; every response with its invitation. Then the planted
effects: Stadsbyggnadskontoret's capability "improved", Hälsa-, vård- och
omsorgsförvaltningen's legacy down, the role-mix förvaltning noted, and elsewhere mostly
"no change".
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.synthetic import IMPROVES, LEGACY_DECLINES, ROLE_MIX_SHIFTS
from survey.extensions import db
from survey.models import Round
from survey.services.fieldwork import fieldwork
from survey.services.report import round_figures
from tests.support.tables import table
from tests.survey.dashboard_pages import DASH, assert_row_matches, labels, num

DEPARTMENTS = ("SK", "FSK", "GRF", "GVF", "HVO", "FSF", "MF", "SBK")


def _figures(app, name: str, compare: str | None) -> pd.DataFrame:
    with app.app_context():
        fig = round_figures(db.session(), name, int(app.config["K_ANONYMITY"]), compare)
        return fig.aggregates


def _row(frame: pd.DataFrame, unit: str, role: str, index: str) -> dict:
    match = frame[(frame.unit_code == unit) & (frame.role == role) & (frame["index"] == index)]
    assert len(match) == 1, (unit, role, index)
    return {k: (None if pd.isna(v) else v) for k, v in match.iloc[0].to_dict().items()}


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "ballots" in result.output  # the open 2026 round holds ballots, not responses
    result = runner.invoke(args=["round", "close", "Mognad 2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {r.name: r.id for r in db.session.scalars(sa.select(Round))}


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_pages_agree_and_show_the_planted_story(app, runner, demo, admin, tmp_path):
    # Every response has its invitation: per unit, responses = invitations answered, and
    # response rates are plausible.
    with app.app_context():
        for name in demo:
            rnd = db.session.get(Round, demo[name])
            rows = fieldwork(db.session(), rnd)
            city = rows[0]
            # Small (unit, role) groups are stored one level up at close, so the counts
            # agree over the whole city,.
            assert city.responses == city.completed, name
            assert city.invited and 0.6 <= city.completed / city.invited <= 0.85, name
            assert city.headcount == city.invited
    frame = _figures(app, "Mognad 2026", "Mognad 2025")
    names = labels()
    by_label = {names[i]: i for i in names}

    # The overview: each index row as the figures say, the response rate included.
    page = admin.get(f"/dashboard/{demo['Mognad 2026']}/?compare={demo['Mognad 2025']}")
    assert page.status_code == 200
    rows = table(page.get_data(as_text=True), "scores-table")
    assert rows
    for cells in rows:
        fig = _row(frame, "STAD", "all", by_label[cells[0]])
        assert not fig["suppressed"] and fig["response_rate"] is not None
        assert_row_matches(cells[1:], fig)

    # Each förvaltning's page: its units' rows as the figures say; the role-mix note only
    # where the mix moved.
    shown_units: set[str] = set()
    for dept in DEPARTMENTS:
        r = admin.get(
            f"/dashboard/{demo['Mognad 2026']}/units/{dept}?compare={demo['Mognad 2025']}"
        )
        assert r.status_code == 200, dept
        text = r.get_data(as_text=True)
        tree = table(text, "tree-table")
        assert tree, dept
        own = frame[(frame.unit_code == dept) | frame.unit_code.str.startswith(f"{dept}-")]
        unit_names = dict(zip(own.unit_name, own.unit_code, strict=True))
        for cells in tree:
            code = unit_names[cells[0]]
            fig = _row(frame, code, "all", "maturity")
            assert_row_matches(cells[1:], fig)
            if not fig["suppressed"]:
                shown_units.add(code)
        assert ('id="role-mix"' in text) == (dept == ROLE_MIX_SHIFTS), dept
    assert {"SK-DSO", "MF-LAB"}.isdisjoint(shown_units)  # the tiny units are hidden

    # The fieldwork page: the city is not "under k", and no unit it marks "under k" shows.
    r = admin.get("/admin/fieldwork/Mognad 2026")
    assert r.status_code == 200
    rows = table(r.get_data(as_text=True), "fieldwork")
    marked = {c[0].split("(")[-1].rstrip(")") for c in rows if "Under k" in c[-1]}
    assert "STAD" not in marked and marked, marked
    assert marked.isdisjoint(shown_units), marked & shown_units
    for cells in rows:
        code = cells[0].split("(")[-1].rstrip(")")
        fig = _row(frame, code, "all", "maturity")
        if not fig["suppressed"] and fig["response_rate"] is not None:
            invited, completed = int(num(cells[1])), int(num(cells[3]))
            assert fig["response_rate"] == pytest.approx(completed / invited), code

    # The public page of the published 2025 round: its n is the figures' n.
    published = _figures(app, "Mognad 2025", None)
    r = app.test_client().get(f"/results/{demo['Mognad 2025']}/")
    assert r.status_code == 200
    summary = table(r.get_data(as_text=True), "summary")
    assert summary
    for cells in summary:
        fig = _row(published, "STAD", "all", by_label[cells[0]])
        assert cells[3] == DASH if fig["suppressed"] else int(num(cells[3])) == fig["n"]
        rate = fig["response_rate"]
        assert cells[4] == DASH if rate is None else abs(num(cells[4]) - 100 * rate) <= 0.5 + 1e-9

    # The story: one förvaltning improves, one's legacy declines, elsewhere mostly no change.
    assert _row(frame, IMPROVES, "all", "capability")["change"] == "improved"
    legacy = _row(frame, LEGACY_DECLINES, "all", "legacy")
    assert legacy["delta"] < -5 and legacy["p_value"] < 0.01 and legacy["change"] == "declined"
    for category in ("leg_platforms", "leg_data", "leg_security"):
        assert _row(frame, LEGACY_DECLINES, "all", category)["change"] == "declined", category
    others = [
        _row(frame, d, "all", i)["change"]
        for d in DEPARTMENTS
        if d not in (IMPROVES,)
        for i in ("maturity", "capability")
    ]
    assert others.count("no_change") >= len(others) - 1, others
    # Units spread: their maturity means differ by more than a few points.
    units = frame[(frame.unit_level == 2) & (frame.role == "all") & (frame["index"] == "maturity")]
    assert 5 < units["score"].std() < 11

    # The report says where the role mix moved, and only there.
    out = tmp_path / "report"
    args = ["report", "Mognad 2026", "--compare-to", "Mognad 2025", "--out", str(out)]
    result = runner.invoke(args=[*args, "--format", "html"])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    note = html[html.index('id="role-mix"') : html.index("</p>", html.index('id="role-mix"'))]
    mix = frame[(frame.unit_level == 1) & (frame.role == "all")].drop_duplicates("unit_code")
    names = dict(zip(mix.unit_code, mix.unit_name, strict=True))
    assert names[ROLE_MIX_SHIFTS] in note
    assert all(names[d] not in note for d in DEPARTMENTS if d != ROLE_MIX_SHIFTS)
