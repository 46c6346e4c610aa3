"""axe-core (WCAG 2.1 A/AA) on the API-key pages: the list, a refused form, the key shown once.

The admin signs in the real way and works with the mouse; each page is scanned at 1280 and
375 px and must not scroll sideways at 320 px (``scan`` of the admin pages' test).
"""

from __future__ import annotations

import re

from flask.testing import FlaskCliRunner
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_admin_pages_accessibility import scan
from tests.browser.test_staff_accessibility import EMAIL, staff_home


def test_token_pages_have_no_axe_violations(
    page: Page, live_server: LiveServer, runner: FlaskCliRunner
) -> None:
    staff_home(page, live_server, runner)
    follow(page, "API-nycklar")
    assert h1(page) == "API-nycklar"
    found = scan(page)
    press(page, "Skapa nyckel")  # nothing chosen: the error summary and the fields' messages
    expect(page.locator(".error-summary")).to_contain_text("Välj det konto")
    found += scan(page)
    page.get_by_label("Konto").select_option(label=f"{EMAIL} (admin)")
    page.get_by_label("Vad nyckeln ska användas till").fill("öppna data-portalen")
    press(page, "Skapa nyckel")
    assert h1(page) == "API-nyckeln är skapad"
    token = page.locator("#token").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    found += scan(page)
    follow(page, "Till API-nycklarna")
    expect(page.locator("main")).to_contain_text("öppna data-portalen")
    expect(page.locator("main")).not_to_contain_text(token)
    found += scan(page)
    press(page, "Återkalla")
    expect(page.locator("main")).to_contain_text("återkallad")
    found += scan(page)
    assert not found, "\n".join(found)
