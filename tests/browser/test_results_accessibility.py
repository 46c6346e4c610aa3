"""axe-core (WCAG 2.1 A/AA) on the results pages: overview, unit drill-down, a chart, /method.

An admin signs in the real way and walks from the staff home to the results of the second of
two closed years, then down to a unit; every page is scanned at 1280 and 375 px and must not
scroll sideways at 320 px. With ``MOGNAD_SCREENSHOTS=1`` the overview, the unit page and a
chart are written to docs/screenshots/ (results-*.png), which is how the README's pictures are
made.
"""

from __future__ import annotations

import os

from flask.testing import FlaskCliRunner
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, MOBILE, LiveServer
from tests.browser.flows import follow, h1
from tests.browser.test_admin_pages_accessibility import scan
from tests.browser.test_respond_accessibility import axe_violations
from tests.browser.test_staff_accessibility import staff_home
from tests.browser.test_staff_journey import SHOTS


def snap(page: Page, name: str, height: int = 2200, width: int = DESKTOP["width"]) -> None:
    """Photograph the top of the page for the README, only when asked (MOGNAD_SCREENSHOTS=1)."""
    if os.environ.get("MOGNAD_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), animations="disabled")
    page.set_viewport_size(DESKTOP)


def test_results_pages_have_no_axe_violations(
    page: Page,
    live_server: LiveServer,
    runner: FlaskCliRunner,
    two_years: tuple[str, str],
) -> None:
    staff_home(page, live_server, runner)
    found: list[str] = []
    follow(page, "Resultat")
    assert h1(page) == "Resultat"
    found += scan(page)
    follow(page, "R2025")
    assert h1(page) == "Resultat: R2025"
    expect(page.locator("main")).to_contain_text("förbättring")
    found += scan(page)
    page.locator("main summary").first.click()  # the chart's table, opened
    found += scan(page)
    snap(page, "results-overview")
    chart = page.locator("#scores-chart img").get_attribute("src")
    follow(page, "Enheterna under Staden och frågorna")
    assert h1(page) == "Staden (CITY)"
    follow(page, "Utbildning")
    assert h1(page) == "Utbildning (EDU)"
    expect(page.locator("main")).to_contain_text("Topp två")
    found += scan(page)
    snap(page, "results-unit")
    page.get_by_label("Roll", exact=True).select_option("employee")
    page.get_by_role("button", name="Visa").first.click()
    assert "role=employee" in page.url
    found += scan(page)

    assert chart is not None
    page.goto(f"{live_server.url}{chart}")
    assert (page.locator("svg title").first.text_content() or "").startswith("Poäng per index")
    for name, size in (("1280", DESKTOP), ("375", MOBILE)):
        page.set_viewport_size(size)
        found += [f"{page.url} at {name} px: {line}" for line in axe_violations(page)]
    snap(page, "results-chart", 1150, 480)

    page.goto(f"{live_server.url}/method")
    assert h1(page) == "Om metoden: så räknas och läses resultaten"
    found += scan(page)
    assert not found, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(found)
