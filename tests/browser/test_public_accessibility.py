"""The public results pages in a real browser: axe finds nothing at 1280 and 375 px, and every
link leads somewhere. No sign-in: the visitor is anonymous.

With ``MOGNAD_SCREENSHOTS=1`` the round's public page is also written to
docs/screenshots/results-public.png for the README.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer
from tests.browser.flows import h1
from tests.browser.test_respond_accessibility import assert_accessible
from tests.support.results import load_two_years

SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "results-public.png"


def test_public_results_pages_have_no_axe_violations(
    page: Page, live_server: LiveServer, runner, write_csv
) -> None:
    page.goto(f"{live_server.url}/results/")
    assert h1(page) == "Publicerade resultat"
    assert_accessible(page)  # the empty state

    load_two_years(runner, write_csv)
    result = runner.invoke(args=["round", "publish", "R2025"])
    assert result.exit_code == 0, result.output

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Se de publicerade resultaten").click()
    page.wait_for_load_state()
    assert h1(page) == "Publicerade resultat"
    assert page.get_by_role("link", name="R2024").count() == 0
    assert_accessible(page)

    page.get_by_role("link", name="R2025").click()
    page.wait_for_load_state()
    assert h1(page) == "Digital mognad och kompetens: R2025"
    assert (
        page.get_by_role("link", name="Rapporten på svenska (PDF, tillgänglighetsanpassad)").count()
        == 1
    )
    assert_accessible(page)
    if os.environ.get("MOGNAD_SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 1280, "height": 800})
        page.evaluate("() => window.scrollTo(0, 0)")
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT), full_page=True, animations="disabled")

    page.goto(f"{live_server.url}/results/?lang=en")
    assert h1(page) == "Published results"
    assert_accessible(page)
