"""What the pages say about the quadrant and α: "obestämd" with its reason when a CI crosses 50,
the quadrant otherwise, α per role, and an α just below 0.70 never printed as 0,70.

The round's figures come from the real two closed rounds; a test replaces only the cells it is
about (the dashboard's ``figures``), so the page is rendered by the real view and templates.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
import sqlalchemy as sa

import survey.results.dashboard  # noqa: F401  # the blueprint module first (import order)
from survey.extensions import db
from survey.models import Round
from survey.results import overview
from survey.results.report import render_report
from survey.services.report import round_figures


@pytest.fixture
def rounds(app, two_years) -> dict[str, int]:
    with app.app_context():
        return {r.name: r.id for r in db.session.scalars(sa.select(Round))}


def axis_rows(cap: tuple[float, float, float], leg: tuple[float, float, float]) -> pd.DataFrame:
    """The organisation's manager cells of capability and legacy: (score, ci_low, ci_high)."""
    rows = []
    for index, (score, low, high) in (("capability", cap), ("legacy", leg)):
        rows.append(
            {
                "unit_code": "CITY", "role": "manager", "index": index, "n": 40, "score": score,
                "sd": 15.0, "ci_low": low, "ci_high": high, "suppressed": False,
                "change": "not_comparable", "hidden_reason": "",
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def with_cells(monkeypatch, extra: pd.DataFrame | None = None, alpha: float | None = None):
    """Let the overview see the real figures with ``extra`` rows and one α replaced."""
    real = overview.figures

    def patched(rnd, compare_id=None):
        fig = real(rnd, compare_id)
        aggregates = fig.aggregates
        if extra is not None:
            base = aggregates[~aggregates["role"].eq("manager")]
            aggregates = pd.concat([base, extra], ignore_index=True)
        reliability = fig.reliability.copy()
        if alpha is not None:
            reliability.loc[reliability.index[0], ["alpha", "ci_low", "ci_high"]] = [
                alpha, 0.6, 0.75,
            ]  # fmt: skip
        return dataclasses.replace(fig, aggregates=aggregates, reliability=reliability)

    monkeypatch.setattr(overview, "figures", patched)


def quadrant_section(page: str) -> str:
    found = re.search(r'<h2 id="quadrant">(.*?)<h2 ', page, re.S)
    assert found is not None
    return found.group(1)


def test_a_ci_crossing_50_is_undetermined_in_swedish(app, rounds, admin, monkeypatch) -> None:
    with_cells(monkeypatch, axis_rows((51.0, 45.0, 57.0), (70.0, 65.0, 75.0)))
    page = admin.get(f"/dashboard/{rounds['R2025']}/?role=manager").get_data(as_text=True)
    section = quadrant_section(page)
    assert 'data-quadrant="undetermined"' in section and "Obestämd" in section
    assert "konfidensintervallet för förmåga spänner över 50" in section
    assert "Digitalt mogen" not in section  # no quadrant, no advice
    assert "chefer och specialister" in section


def test_cis_clear_of_50_give_the_quadrant(app, rounds, admin, monkeypatch) -> None:
    with_cells(monkeypatch, axis_rows((60.0, 55.0, 65.0), (40.0, 35.0, 45.0)))
    page = admin.get(f"/dashboard/{rounds['R2025']}/?role=manager").get_data(as_text=True)
    section = quadrant_section(page)
    assert 'data-quadrant="held_back"' in section
    assert "Förmåga som bromsas av arvet" in section and "Obestämd" not in section
    # both axes, with their CIs and on the same respondents
    assert "55,0–65,0" in section and "35,0–45,0" in section


def test_employees_get_no_quadrant(app, rounds, admin) -> None:
    page = admin.get(f"/dashboard/{rounds['R2025']}/?role=employee").get_data(as_text=True)
    assert "medarbetare besvarar inte frågorna om arvet" in quadrant_section(page)


def test_alpha_just_below_070_is_never_printed_as_070(app, rounds, admin, monkeypatch) -> None:
    with_cells(monkeypatch, alpha=0.69996)
    page = admin.get(f"/dashboard/{rounds['R2025']}/").get_data(as_text=True)
    low = re.search(r'<ul class="list" id="low-alpha">(.*?)</ul>', page, re.S)
    assert low is not None
    assert "α = 0,699" in low.group(1) and "0,700" not in low.group(1)
    english = admin.get(f"/dashboard/{rounds['R2025']}/?lang=en").get_data(as_text=True)
    assert "α = 0.699" in english or "α = 0,699" in english


def test_report_prints_alpha_per_role_and_never_0_70_below_the_threshold(app, rounds) -> None:
    with app.app_context():
        fig = round_figures(db.session(), "R2025", int(app.config["K_ANONYMITY"]))
        rel = fig.reliability
        assert {"role", "items", "imprecise"} <= set(rel.columns)
        # a row per (category, role) asked; the rounds have employees only
        assert set(rel["role"]) == {"employee", "manager", "specialist"}
        assert (rel.loc[rel["role"] != "employee", "n"] == 0).all()
        first = rel.index[rel["n"].gt(0).to_numpy()][0]  # the report's first α
        rel = rel.copy()
        rel.loc[first, "alpha"] = 0.6993
        html = render_report(dataclasses.replace(fig, reliability=rel), "sv")
    table = re.search(
        r"<caption>Cronbachs α per kategori och roll</caption>(.*?)</table>", html, re.S
    )
    assert table is not None
    first_row = re.search(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table.group(1), re.S)
    assert first_row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', first_row.group(1))
    assert "0,69" in cells and "0,70" not in cells
    assert "under 0,70" in first_row.group(1) and "Medarbetare" in first_row.group(1)
    assert "<td>Chef</td>" not in table.group(1)  # a role nobody answered as is not listed


def test_the_minimum_n_for_a_test_is_the_apps_setting(app, rounds, monkeypatch, tmp_path) -> None:
    from survey.services import stored  # the callers read the setting and pass it in
    from survey.services.settings import FigureSettings

    with app.app_context():
        session = db.session()
        default = stored.figures(session, "R2025", FigureSettings.of(app.config))
        app.config["MIN_TEST_N"] = 1000
        strict = stored.figures(session, "R2025", FigureSettings.of(app.config))
    tested = default.comparisons["reason"].isna()
    assert tested.any()
    assert (strict.comparisons.loc[tested, "reason"] == "too_few_to_test").all()
    assert strict.aggregates.loc[tested.to_numpy(), "p_value"].isna().all()
    assert (strict.aggregates["change"] == "not_comparable").all()
    # the setting comes from the environment and is checked
    from survey import create_app

    monkeypatch.setenv("MOGNAD_MIN_TEST_N", "25")
    url = f"sqlite:///{tmp_path}/x.db"
    assert create_app({"DATABASE_URL": url, "TESTING": True}).config["MIN_TEST_N"] == 25
    monkeypatch.setenv("MOGNAD_MIN_TEST_N", "1")
    with pytest.raises(ValueError, match="MOGNAD_MIN_TEST_N must be at least 2, got 1"):
        create_app({"DATABASE_URL": url, "TESTING": True})
