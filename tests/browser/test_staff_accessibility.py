"""axe-core (WCAG 2.1 A/AA) on the staff sign-in pages and the staff home, at 1280 and 375 px.

The journey is the real one: `mognad user create` prints the link, the person chooses a
password, reads the key off the enrolment page into an "app" (pyotp), keeps the recovery codes,
signs out and signs in again with the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from flask.testing import FlaskCliRunner
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_respond_accessibility import assert_accessible

EMAIL = "anna@example.org"
PASSWORD = "correct horse battery staple"


def set_up_link(runner: FlaskCliRunner, role: str = "admin") -> str:
    result = runner.invoke(args=["user", "create", EMAIL, "--role", role])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def landing(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    page.goto(f"{live.url}/")
    return "Digital mognad och kompetens"


def sign_in(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    landing(page, live, runner)
    follow(page, "Logga in som personal")
    return "Logga in"


def sign_in_errors(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    sign_in(page, live, runner)
    page.get_by_label("E-postadress").fill(EMAIL)
    press(page, "Fortsätt")
    return "Logga in"


def setup(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    page.goto(set_up_link(runner))
    return "Skapa ditt lösenord"


def setup_errors(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    setup(page, live, runner)
    page.get_by_label("Nytt lösenord").fill("kort")
    press(page, "Spara lösenordet")
    return "Skapa ditt lösenord"


def enrol(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    setup(page, live, runner)
    page.get_by_label("Nytt lösenord").fill(PASSWORD)
    page.get_by_label("Skriv lösenordet igen").fill(PASSWORD)
    press(page, "Spara lösenordet")
    expect(page.get_by_role("img", name="QR-kod")).to_be_visible()
    return "Koppla en autentiseringsapp"


def enrol_errors(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    enrol(page, live, runner)
    page.get_by_label("Kod från appen").fill("12")
    press(page, "Koppla appen")
    return "Koppla en autentiseringsapp"


def secret(page: Page) -> str:
    return "".join(page.locator("code.secret").inner_text().split())


def recovery_codes(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    enrol(page, live, runner)
    page.get_by_label("Kod från appen").fill(pyotp.TOTP(secret(page)).now())
    press(page, "Koppla appen")
    assert page.locator(".recovery-codes li").count() == 10
    return "Dina reservkoder"


def staff_home(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    recovery_codes(page, live, runner)
    follow(page, "Jag har sparat koderna – fortsätt")
    expect(page.locator("main")).to_contain_text(EMAIL)
    return "Startsida för personal"


def two_factor_by_keyboard(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    """Sign out, then sign in again with the keyboard only, up to the code page."""
    staff_home(page, live, runner)
    press(page, "Logga ut")
    page.goto(f"{live.url}/auth/sign-in")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # language switch
    page.keyboard.press("Tab")
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return "Tvåstegsverifiering"


def password_change(page: Page, live: LiveServer, runner: FlaskCliRunner) -> str:
    staff_home(page, live, runner)
    follow(page, "Byt lösenord")
    press(page, "Byt lösenord")  # empty: every field in error
    return "Byt lösenord"


Reach = Callable[[Page, LiveServer, FlaskCliRunner], str]
PAGES: list[Reach] = [
    landing,
    sign_in,
    sign_in_errors,
    setup,
    setup_errors,
    enrol,
    enrol_errors,
    recovery_codes,
    staff_home,
    two_factor_by_keyboard,
    password_change,
]
WITH_ERRORS = {sign_in_errors, setup_errors, enrol_errors, password_change}


@pytest.mark.parametrize("reach", PAGES, ids=[f.__name__ for f in PAGES])
def test_staff_pages_have_no_axe_violations(
    reach: Reach, page: Page, live_server: LiveServer, runner: FlaskCliRunner
) -> None:
    heading = reach(page, live_server, runner)
    page.wait_for_load_state()
    assert h1(page) == heading
    if reach in WITH_ERRORS:
        assert page.get_by_role("alert").get_by_role("heading").inner_text() == (
            "Det finns ett problem"
        )
        assert page.title().startswith("Fel:")
    assert_accessible(page)
