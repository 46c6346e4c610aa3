"""The staff journey of issue 9 in Chromium, from a fresh admin account to a published round.

A new admin signs in with a password and TOTP (the sign-in and code forms by keyboard, as a
person would), uploads this year's organisation, creates an invited round, uploads respondents
(first a file with a bad row, then the fixed one), opens the round, sends the invitations into
the outbox, and a respondent in a browser of their own answers from the link in the mail. The
fieldwork page then counts one completed; the admin closes and publishes the round. Every step
asserts on what the page shows.

With ``MOGNAD_SCREENSHOTS=1`` the main staff pages are also written to docs/screenshots/
(1280 px, full page), which is how the README's pictures are made.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
from flask.testing import FlaskCliRunner
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, LiveServer
from tests.browser.flows import follow, h1, press, preview_first, to_review
from tests.browser.test_staff_accessibility import EMAIL, PASSWORD, enrol, secret
from tests.support.factory import SMALL_ORG

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
ROUND = "Mognad 2026"
ORG_2026 = (
    "code,name,parent_code,headcount\n"
    "CITY,Staden,,120\nEDU,Barn och utbildning,CITY,\nEDU-A,Skola A,EDU,\n"
    "EDU-B,Skola B,CITY,\nCARE-X,Hemtjänst,CITY,\n"
)
PEOPLE_BAD = (
    "email,unit_code,role\nanna.a@example.org,EDU-A,employee\nbo.b@example.org,NOPE,manager\n"
)
PEOPLE = "email,unit_code,role\nanna.a@example.org,EDU-A,employee\nbo.b@example.org,EDU-B,manager\n"


def snap(page: Page, name: str) -> None:
    """Photograph the page for the README, only when asked to (MOGNAD_SCREENSHOTS=1)."""
    if os.environ.get("MOGNAD_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(
        path=str(SHOTS / f"staff-{name}-1280.png"), full_page=True, animations="disabled"
    )


def main_text(page: Page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def choose_file(page: Page, label: str, tmp: Path, name: str, content: str) -> None:
    path = tmp / name
    path.write_text(content, encoding="utf-8")
    page.get_by_label(label).set_input_files(str(path))


def sign_in(page: Page, live: LiveServer, runner: FlaskCliRunner) -> None:
    """Set up a fresh admin (set-up link, TOTP enrolment), sign out, then sign in by keyboard."""
    enrol(page, live, runner)
    totp = pyotp.TOTP(secret(page))
    page.get_by_label("Kod från appen").fill(totp.now())
    press(page, "Koppla appen")
    assert h1(page) == "Dina reservkoder"
    follow(page, "Jag har sparat koderna – fortsätt")
    press(page, "Logga ut")

    page.goto(f"{live.url}/auth/sign-in")
    assert h1(page) == "Logga in"
    snap(page, "sign-in")
    tab_to(page, "email")
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert h1(page) == "Tvåstegsverifiering"
    # The enrolment used this 30-second step; a code is never accepted twice, so the app's
    # next code (the server accepts a neighbouring step) is what a person would type.
    tab_to(page, "code")
    page.keyboard.type(totp.at(time.time() + totp.interval))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert h1(page) == "Startsida för personal"
    expect(page.locator("main")).to_contain_text(EMAIL)
    expect(page.locator("main")).to_contain_text("administratör")
    snap(page, "home")


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab from the top of the page until the field has focus (skip link, language...)."""
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("id => document.activeElement?.id === id", element_id):
            return
    raise AssertionError(f"#{element_id} is not reached by Tab from the top of the page")


def upload_org(page: Page, live: LiveServer, tmp: Path) -> None:
    follow(page, "Organisation")
    assert h1(page) == "Organisation"
    follow(page, "Ladda upp ett års organisation")
    page.get_by_label("År").fill("2026")
    choose_file(page, "Fil med organisationen", tmp, "org2026.csv", ORG_2026)
    press(page, "Förhandsgranska")
    assert h1(page) == "Förhandsgranska organisation 2026"
    text = main_text(page)
    assert "Filen org2026.csv har 5 enheter och inga problem. Inget är sparat ännu." in text
    assert "Ändringar mot 2025" in text
    assert "Nya enheter (1)" in text  # CARE-X (EDU-B is moved, not new)
    assert "Borttagna enheter (1)" in text  # CARE
    assert "Flyttade enheter (1)" in text  # EDU-B from EDU to CITY
    assert "Enheter med nytt namn (1)" in text  # EDU
    snap(page, "org-preview")
    press(page, "Spara organisationen för 2026")
    assert h1(page) == "Organisationen 2026"
    expect(page.locator("main")).to_contain_text("Hemtjänst")


def create_round(page: Page, live: LiveServer) -> None:
    page.goto(f"{live.url}/admin/rounds")
    assert h1(page) == "Omgångar"
    follow(page, "Skapa en omgång")
    page.get_by_label("Namn").fill(ROUND)
    page.get_by_label("År").fill("2026")
    page.locator("input[name=questionnaire]").first.check()
    expect(page.get_by_label("Personliga länkar")).to_be_checked()
    press(page, "Skapa omgången")
    assert h1(page) == f"Omgång {ROUND}"
    text = main_text(page)
    assert "Läge utkast" in text
    assert "0 inbjudna, 0 påbörjade, 0 klara" in text


def upload_respondents(page: Page, live: LiveServer, tmp: Path) -> None:
    page.goto(f"{live.url}/admin/respondents/")
    assert h1(page) == "Respondenter"
    follow(page, ROUND)
    assert h1(page) == f"Respondenter i {ROUND}"
    follow(page, "Ladda upp respondenter från en fil")
    choose_file(page, "Fil med respondenter", tmp, "people.csv", PEOPLE_BAD)
    press(page, "Förhandsgranska")
    assert h1(page) == "Förhandsgranska respondenter"
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("Det finns ett problem")
    problems = page.locator("table", has=page.locator("th", has_text="Kolumn"))
    row = problems.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row).to_contain_text("NOPE")
    snap(page, "respondents-error")

    follow(page, "Ladda upp en annan fil")
    choose_file(page, "Fil med respondenter", tmp, "people-fixed.csv", PEOPLE)
    press(page, "Förhandsgranska")
    assert h1(page) == "Förhandsgranska respondenter"
    assert page.get_by_role("alert").count() == 0
    assert f"Filen people-fixed.csv lägger till 2 respondenter i {ROUND}." in main_text(page)
    press(page, "Spara respondenterna")
    assert h1(page) == f"Respondenter i {ROUND}"
    expect(page.locator("main")).to_contain_text("anna.a@example.org")
    expect(page.locator("main")).to_contain_text("bo.b@example.org")


def to_round(page: Page, live: LiveServer) -> None:
    page.goto(f"{live.url}/admin/rounds")
    follow(page, ROUND)
    assert h1(page) == f"Omgång {ROUND}"


def move(
    page: Page,
    verb: str,
    promise: str,
    done: str,
    check: Callable[[Page], object] = lambda page: None,
) -> None:
    """Follow the move's link, read what will happen on the confirmation page, confirm.

    ``check`` looks at the confirmation page before the button is pressed (an axe scan).
    """
    follow(page, verb)
    assert h1(page) == f"{verb} {ROUND}"
    expect(page.locator("main")).to_contain_text("Det här händer")
    assert promise in main_text(page), main_text(page)
    check(page)
    if verb == "Publicera omgången":  # the browser publishes only a read, current preview
        expect(page.get_by_role("button", name=verb)).to_have_count(0)
        preview_first(page)
    press(page, verb)
    if "/admin/jobs/" in page.url:  # closing and publishing run as background jobs
        expect(page.get_by_role("status")).to_contain_text(done)
        follow(page, "Tillbaka till omgången")
        assert h1(page) == f"Omgång {ROUND}"
        return
    assert h1(page) == f"Omgång {ROUND}"
    expect(page.get_by_role("status")).to_have_text(done)


def mail_texts_preview(page: Page) -> None:
    follow(page, "Ändra texter och datum")
    assert h1(page) == f"Utskickstexter – {ROUND}"
    press(page, "Förhandsgranska")
    assert h1(page) == f"Utskickstexter – {ROUND}"
    expect(page.locator("main")).to_contain_text("Demo stad")
    snap(page, "mail-texts")


def send_invitations(page: Page, live: LiveServer) -> str:
    """Send the invitations into the outbox; return the link in Anna's message."""
    follow(page, "Skicka inbjudningar")
    assert h1(page) == f"Skicka inbjudningar – {ROUND}"
    text = main_text(page)
    assert "2 meddelanden skickas, 0 hoppas över" in text
    assert "Ingen e-postserver är inställd, så meddelandena hamnar i utkorgen." in text
    press(page, "Skicka 2 meddelanden")
    expect(page.locator("[data-count=sent]")).to_have_text("2")
    expect(page.locator("[data-count=failed]")).to_have_text("0")
    assert "Alla meddelanden i utskicket är hanterade." in main_text(page)

    page.goto(f"{live.url}/admin/outbox")
    assert h1(page) == "Utkorgen"
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    with page.expect_navigation():
        rows.filter(has_text="anna.a@example.org").get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("anna.a@example.org")
    body = page.locator("pre.mail-preview").inner_text()
    links = re.findall(re.escape(live.url) + r"/\S+", body)
    assert len(links) == 1, body
    return links[0]


def answer(respondent: BrowserContext, link: str) -> None:
    other = respondent.new_page()
    to_review(other, link)
    press(other, "Skicka in svaren")
    assert h1(other) == "Tack för dina svar!"
    respondent.close()


def fieldwork(page: Page, live: LiveServer) -> None:
    page.goto(f"{live.url}/admin/")
    follow(page, "Fältarbete och svarsfrekvens")
    assert h1(page) == "Fältarbete"
    follow(page, ROUND)
    assert h1(page) == f"Fältarbete: {ROUND}"
    city = page.locator("table.data-table tbody tr").first
    expect(city.locator("th")).to_contain_text("Staden")
    cells = [" ".join(c.split()) for c in city.locator("td").all_inner_texts()]
    # Invited, started (and not yet done), completed, rate; one answer is under k.
    assert cells == ["2", "0", "1", "50 %", "Under k: resultat döljs"], cells
    snap(page, "fieldwork")


def audit_log(page: Page, live: LiveServer) -> None:
    page.goto(f"{live.url}/admin/")
    follow(page, "Granskningslogg")
    assert h1(page) == "Granskningslogg"
    text = main_text(page)
    events = ("Omgång skapades", "Omgången öppnades", "Omgången stängdes", "Omgången publicerades")
    for event in events:  # in words, not codes
        assert event in text, event
    assert "round.publish" not in text
    snap(page, "audit")


def test_staff_carry_a_round_from_sign_in_to_published(
    page: Page,
    new_context,
    live_server: LiveServer,
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    app = live_server.app
    app.instance_path = str(tmp_path / "instance")
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["SMTP_HOST"] = ""  # the outbox, whatever the environment says
    last_year = tmp_path / "org2025.csv"
    last_year.write_text("\n".join(",".join(map(str, r)) for r in SMALL_ORG) + "\n", "utf-8")
    result = runner.invoke(args=["org", "import", "--year", "2025", str(last_year)])
    assert result.exit_code == 0, result.output
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(10_000)

    sign_in(page, live_server, runner)
    upload_org(page, live_server, tmp_path)
    create_round(page, live_server)
    upload_respondents(page, live_server, tmp_path)

    to_round(page, live_server)
    assert "2 inbjudna, 0 påbörjade, 0 klara" in main_text(page)
    mail_texts_preview(page)
    to_round(page, live_server)
    move(page, "Öppna omgången", "Inga e-postmeddelanden skickas nu", "Omgången är öppnad.")
    snap(page, "round")
    link = send_invitations(page, live_server)
    assert len(list((tmp_path / "instance" / "outbox").glob("*.eml"))) == 2

    answer(new_context(), link)
    fieldwork(page, live_server)

    to_round(page, live_server)
    assert "2 inbjudna, 0 påbörjade, 1 klara" in main_text(page)
    move(
        page, "Stäng omgången", "1 inskickat svar blir ett av omgångens svar", "Omgången är stängd."
    )
    assert "1 svar" in main_text(page)
    assert "inga raderade rader finns kvar i databasen" in main_text(page)
    page.set_default_timeout(60_000)  # publishing builds both languages' PDFs in the request
    move(page, "Publicera omgången", "får visas för alla", "Omgången är publicerad.")
    page.set_default_timeout(10_000)
    assert "Läge publicerad" in main_text(page)
    audit_log(page, live_server)
