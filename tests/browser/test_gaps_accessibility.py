"""axe-core (WCAG 2.1 A/AA) on the competence-gap and suggestion pages at 1280 and 375 px.

An admin signs in the real way and opens the gaps of a closed round with all three roles, the
suggestions of a unit and the suggestion editor with an error. With ``MOGNAD_SCREENSHOTS=1``
the heatmap is also photographed for the documentation (docs/screenshots/results-gaps.png).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask.testing import FlaskCliRunner
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, LiveServer
from tests.browser.flows import h1, press
from tests.browser.test_admin_pages_accessibility import scan
from tests.browser.test_staff_accessibility import staff_home
from tests.support.factory import WriteCsv
from tests.support.results import ALL_ROLES, load_two_years
from tests.survey.gap_pages import round_id

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "results-gaps.png"


def test_gap_and_suggestion_pages_have_no_axe_violations(
    page: Page,
    live_server: LiveServer,
    runner: FlaskCliRunner,
    write_csv: WriteCsv,
    app,
) -> None:
    load_two_years(runner, write_csv, roles=ALL_ROLES)
    rid = round_id(app, "R2025")
    staff_home(page, live_server, runner)
    found: list[str] = []

    page.goto(f"{live_server.url}/dashboard/{rid}/gaps")
    assert h1(page) == "Kompetensgap: R2025"
    expect(page.locator("table.heatmap td.heat-2").first).to_be_visible()
    found += scan(page)
    if os.environ.get("MOGNAD_SCREENSHOTS") == "1":
        page.set_viewport_size(DESKTOP)
        page.locator("#heatmap").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.get_by_label("Roll", exact=True).select_option("manager")
    press(page, "Visa")
    assert "role=manager" in page.url
    found += scan(page)
    page.goto(f"{live_server.url}/dashboard/{rid}/gaps?lang=en")
    assert h1(page) == "Competence gaps: R2025"
    found += scan(page)

    page.goto(f"{live_server.url}/dashboard/{rid}/suggestions?lang=sv&unit=EDU-A")
    assert h1(page) == "Förbättringsförslag: R2025"
    expect(page.locator("main")).to_contain_text("De svagaste kategorierna")
    found += scan(page)
    page.goto(f"{live_server.url}/dashboard/{rid}/suggestions/category/comp_safety/edit")
    page.get_by_label("Förslag på svenska").fill("")
    press(page, "Spara")
    expect(page.locator(".error-summary")).to_contain_text("skriv minst ett förslag")
    found += scan(page)
    assert not found, "axe or reflow problems:\n" + "\n".join(found)
