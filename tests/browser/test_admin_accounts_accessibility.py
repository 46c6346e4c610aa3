"""Staff accounts in Chromium: an admin invites a förvaltning's administrator, who follows the
link in the mail, chooses a password, connects the app and sees only their subtree; axe finds
nothing on the new pages (accounts, unit links, the poster, reminder dates) at 1280 and 375 px,
and none scrolls sideways at 320 px.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
from flask.testing import FlaskCliRunner
from playwright.sync_api import BrowserContext, Page, expect

from survey.mail import outbox_messages
from tests.browser.conftest import LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_admin_pages_accessibility import scan
from tests.browser.test_staff_accessibility import PASSWORD, staff_home
from tests.support import factory


def test_invite_a_scoped_admin_in_the_browser(
    page: Page,
    new_context,
    live_server: LiveServer,
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    live_server.app.instance_path = str(tmp_path / "instance")
    write_csv = factory.csv_writer(tmp_path)
    factory.create_round(runner, write_csv, "Öppen", 2025, "open", "open")
    factory.create_round(runner, write_csv, "R2025", 2025, "invited", "draft", org=False)
    staff_home(page, live_server, runner)
    found: list[str] = []

    follow(page, "Personalkonton")
    assert h1(page) == "Personalkonton"
    found += scan(page)
    follow(page, "Bjud in en person")
    press(page, "Skicka inbjudan")  # empty: every field in error, in Swedish
    expect(page.locator(".error-summary")).to_contain_text("Skriv personens e-postadress")
    found += scan(page)
    page.get_by_label("E-postadress").fill("eva@example.org")
    page.get_by_role("radio", name="Förvaltningsadministratör").check()
    page.get_by_label("Enhetskoder (för förvaltningsadministratör och chef)").fill("EDU")
    press(page, "Skicka inbjudan")
    assert h1(page) == "eva@example.org"
    expect(page.locator("main")).to_contain_text("En inbjudan med en ny länk är skickad")
    found += scan(page)

    (mail,) = outbox_messages(Path(live_server.app.instance_path) / "outbox")
    (link,) = re.findall(r"http://127\.0\.0\.1:\d+/auth/setup/\S+", mail.text)
    eva_context: BrowserContext = new_context()
    eva = eva_context.new_page()
    eva.goto(link)
    eva.get_by_label("Nytt lösenord").fill(PASSWORD)
    eva.get_by_label("Skriv lösenordet igen").fill(PASSWORD)
    press(eva, "Spara lösenordet")
    key = "".join(eva.locator("code.secret").inner_text().split())
    eva.get_by_label("Kod från appen").fill(pyotp.TOTP(key).now())
    press(eva, "Koppla appen")
    follow(eva, "Jag har sparat koderna – fortsätt")
    expect(eva.locator("main")).to_contain_text("förvaltningsadministratör")
    follow(eva, "Fältarbete och svarsfrekvens")
    follow(eva, "Öppen")
    expect(eva.locator("main")).not_to_contain_text("Omsorg")
    follow(eva, "Enhetslänkar med QR-kod och affisch")
    expect(eva.locator("main")).to_contain_text("Skola A")
    expect(eva.locator("main")).not_to_contain_text("Omsorg")
    found += scan(eva)
    eva.get_by_role("link", name="Affisch med QR-kod Skola A").click()
    expect(eva.get_by_role("img", name="QR-kod till enkäten för Skola A")).to_be_visible()
    found += scan(eva)
    assert eva.goto(f"{live_server.url}/admin/accounts").status == 403

    # The admin's round page: reminder dates, added and listed.
    page.goto(f"{live_server.url}/admin/rounds")
    follow(page, "R2025")
    page.get_by_label("Lägg till ett datum").fill("2025-03-16")
    press(page, "Lägg till", exact=True)
    expect(page.locator("#reminders-caption")).to_be_visible()
    expect(page.locator("main")).to_contain_text("2025-03-16")
    found += scan(page)
    assert not found, "\n".join(found)
