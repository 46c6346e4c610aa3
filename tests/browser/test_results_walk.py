"""Issue 10's "done when", walked in Chromium from what `mognad demo` prints to the public files.

A new user runs the demo, sets up the admin account from the link the demo printed (password,
authenticator, recovery codes), closes this year's round, opens its overview from the staff
home, drills down to a unit, opens the competence gaps, checks that an HR analyst signed in in
a browser of their own sees the same gaps, and publishes the round. A visitor without any
session then goes from the start page to the public results and downloads the report (HTML and
PDF) and the open data. Every page of the walk is scanned by axe at 1280 and 375 px and must
not scroll sideways at 320 px; the downloaded report itself is not, because its own policy
(``sandbox``, no scripts) keeps axe out, as it keeps out any script.

The demo runs with fewer respondents than its default (``PER_YEAR``): the same three years,
tree, planted effects and tiny units, with enough answers per unit to show figures and gaps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urljoin

import pyotp
import pytest
from flask.testing import FlaskCliRunner
from playwright.sync_api import APIResponse, BrowserContext, Locator, Page, expect

from analysis.opendata import AGGREGATE_COLUMNS
from tests.browser.conftest import LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_admin_pages_accessibility import scan
from tests.browser.test_staff_journey import ROUND, main_text, move

PER_YEAR = 1500
PASSWORD = "demo city walk passphrase"
LAST_YEAR = "Mognad 2025"
HR_EMAIL = "hr@demo.mognad.se"
Scan = Callable[[Page], None]
ITEM_TABLES = "table:has(caption[id^=items-][id$=-table-caption]:not([id$=-chart-table-caption]))"


def table(page: Page, table_id: str) -> Locator:
    """The data table a results page wrote with ``table_id`` (its caption carries the id)."""
    return page.locator(f"table:has(#{table_id}-caption)")


def run_demo(runner: FlaskCliRunner) -> tuple[str, str]:
    """`mognad demo`; returns (admin e-mail, set-up link) as the demo printed them."""
    result = runner.invoke(args=["demo", "--respondents", str(PER_YEAR)])
    assert result.exit_code == 0, f"mognad demo failed:\n{result.output}"
    admin = re.search(r"Admin: (\S+)\.", result.output)
    link = re.search(r"^\s+(http\S+/auth/setup/\S+)$", result.output, re.M)
    assert admin and link, f"mognad demo printed no admin set-up link:\n{result.output}"
    for year in (2024, 2025, 2026):
        assert f"Loaded Mognad {year}:" in result.output, result.output
    return admin.group(1), link.group(1)


def set_up_account(page: Page, link: str, email: str, check: Scan) -> None:
    """From a set-up link to the staff home as a new user would: password, app, recovery codes."""
    page.goto(link)
    assert h1(page) == "Skapa ditt lösenord", f"the set-up link shows {h1(page)!r}"
    check(page)
    page.get_by_label("Nytt lösenord").fill(PASSWORD)
    page.get_by_label("Skriv lösenordet igen").fill(PASSWORD)
    press(page, "Spara lösenordet")
    assert h1(page) == "Koppla en autentiseringsapp", main_text(page)
    expect(page.get_by_role("img", name="QR-kod")).to_be_visible()
    check(page)
    app = pyotp.TOTP("".join(page.locator("code.secret").inner_text().split()))
    page.get_by_label("Kod från appen").fill(app.now())
    press(page, "Koppla appen")
    assert h1(page) == "Dina reservkoder", main_text(page)
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    check(page)
    follow(page, "Jag har sparat koderna – fortsätt")
    assert h1(page) == "Startsida för personal", main_text(page)
    expect(page.locator("main")).to_contain_text(email)
    check(page)


def close_this_year(page: Page, check: Scan) -> None:
    """Staff home → Omgångar → the open round → close it, through the confirmation page."""
    follow(page, "Omgångar")
    assert h1(page) == "Omgångar"
    row = page.locator("main table tbody tr", has=page.get_by_role("link", name=ROUND))
    expect(row).to_contain_text("öppen")
    check(page)
    follow(page, ROUND)
    assert h1(page) == f"Omgång {ROUND}"
    assert "Läge öppen" in main_text(page), main_text(page)
    move(page, "Stäng omgången", "Statistiken fryses", "Omgången är stängd.", check)
    assert "Läge stängd" in main_text(page), main_text(page)
    check(page)


def to_overview(page: Page, check: Scan) -> None:
    """From the round back to the staff home, then Resultat → this year's round, by links."""
    follow(page, "Alla omgångar")
    follow(page, "Startsida för personal")
    follow(page, "Resultat")
    assert h1(page) == "Resultat"
    check(page)
    follow(page, ROUND)
    assert h1(page) == f"Resultat: {ROUND}"


def overview(page: Page, check: Scan) -> str:
    """The maturity figure, its change since last year, the quadrant; returns the figure."""
    figures = page.locator("#maturity-figures")
    expect(figures).to_be_visible()
    score = figures.locator(".big-figure").inner_text().strip()
    assert re.fullmatch(r"\d{1,3},\d", score), f"maturity figure {score!r} is not a score"
    text = " ".join(figures.inner_text().split())
    assert f"Förändring mot {LAST_YEAR}" in text, text
    assert re.search(r"poäng \(95 % KI -?\d+,\d – -?\d+,\d", text), text
    quadrant = page.locator("#quadrant + .inset .inset__title")
    expect(quadrant).not_to_be_empty()
    assert "Digital förmåga" in page.locator("#quadrant + .inset").inner_text()
    page.locator("#scores-fold > summary").click()  # the long table is folded under its chart
    expect(table(page, "scores-table").locator("tbody tr").first).to_be_visible()
    check(page)
    return score


def drill_down(page: Page, check: Scan) -> None:
    """Overview → the units under the organisation → click a shown unit in the tree."""
    follow(page, "Enheterna under Demo stad och frågorna")
    assert h1(page) == "Demo stad (STAD)"
    tree = table(page, "tree-table").locator("tbody tr")
    assert tree.count() > 50, f"the tree shows {tree.count()} units"
    check(page)
    # The first unit below the organisation whose maturity is shown (many small ones are
    # hidden by the disclosure rule, so which one depends on the demo's draw).
    rows = tree.all()[1:]
    name = next(
        r.locator("th a").first.inner_text().strip()
        for r in rows
        if r.locator("th a").count()
        and re.fullmatch(r"\d{1,3},\d", r.locator("td").all_inner_texts()[2].strip())
    )
    follow(page, name)
    assert h1(page).startswith(f"{name} ("), h1(page)
    own = table(page, "tree-table").locator("tbody tr").first
    expect(own.locator("th")).to_contain_text(name)
    cells = [c.strip() for c in own.locator("td").all_inner_texts()]
    # n, response rate (the demo invites everyone), mean
    assert re.fullmatch(r"\d+", cells[0]) and re.fullmatch(r"\d{1,3},\d", cells[2]), cells
    assert re.match(r"\d{1,3} %", cells[1]), cells
    items = page.locator(f"{ITEM_TABLES} tbody tr")
    assert items.count() > 10, f"the unit shows {items.count()} item rows"
    shares = page.locator(f"{ITEM_TABLES} tbody td").all_inner_texts()
    assert sum(bool(re.fullmatch(r"\d+ %", s.strip())) for s in shares) > 10, shares[:20]
    expect(page.locator("[id^=items-][id$=-chart] img").first).to_be_visible()
    check(page)


def heatmap(page: Page) -> list[list[str]]:
    """The heatmap as the reader sees it: one row per unit, its name then its cells."""
    return page.locator("table.heatmap tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def gaps(page: Page, check: Scan) -> list[list[str]]:
    """Follow the overview's link to the competence gaps; the heatmap has shares in it."""
    follow(page, "Kompetensgap")
    assert h1(page) == f"Kompetensgap: {ROUND}"
    shaded = page.locator("table.heatmap td.heat:not(.heat--none)")
    assert shaded.count() > 20, f"the heatmap has {shaded.count()} cells with a share"
    expect(shaded.first).to_have_text(re.compile(r"\d+ %"))
    check(page)
    return heatmap(page)


def hr_sees(hr: BrowserContext, runner: FlaskCliRunner) -> Page:
    """An HR analyst, created like any staff account, signs in and opens the same gaps."""
    result = runner.invoke(args=["user", "create", HR_EMAIL, "--role", "hr"])
    assert result.exit_code == 0, result.output
    page = hr.new_page()
    set_up_account(page, result.output.strip().splitlines()[-1], HR_EMAIL, lambda p: None)
    expect(page.locator("main")).to_contain_text("HR-analytiker")
    assert page.get_by_role("link", name="Omgångar", exact=True).count() == 0
    follow(page, "Resultat")
    follow(page, ROUND)
    assert h1(page) == f"Resultat: {ROUND}"
    follow(page, "Kompetensgap")
    assert h1(page) == f"Kompetensgap: {ROUND}"
    return page


def publish(page: Page, check: Scan) -> None:
    """From the gaps back to the rounds, then publish the round through its confirmation."""
    follow(page, "Alla omgångar")
    follow(page, "Till startsidan för personal")
    follow(page, "Omgångar")
    follow(page, ROUND)
    move(page, "Publicera omgången", "får visas för alla", "Omgången är publicerad.", check)
    assert "Läge publicerad" in main_text(page), main_text(page)
    check(page)


def fetch(visitor: Page, name: str) -> APIResponse:
    """A file link of the public round page, fetched in the visitor's own (session-less) context."""
    link = visitor.locator(f"main a[href$='/files/{name}']")
    expect(link, f"no link to {name} on the public page").to_have_count(1)
    response = visitor.request.get(urljoin(visitor.url, str(link.get_attribute("href"))))
    assert response.status == 200, f"{name}: HTTP {response.status}"
    return response


def public_files(visitor: Page, score: str) -> None:
    """The summary repeats the overview's figure; report, PDF and open data download."""
    summary = visitor.locator("tr[data-cell='STAD|all|maturity']")
    expect(summary.locator("td").first).to_have_text(score)
    expect(visitor.locator("#summary-caption")).to_contain_text("Demo stad")
    assert f"Förändring sedan {LAST_YEAR}" in main_text(visitor), main_text(visitor)

    pdf = fetch(visitor, "report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF"), pdf.body()[:20]
    html = fetch(visitor, "report.html")
    assert html.headers["content-type"].startswith("text/html")
    assert ROUND.encode() in html.body()
    csv = fetch(visitor, "aggregates.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    header = csv.text().lstrip("\ufeff").splitlines()[0]
    assert header.split(",") == list(AGGREGATE_COLUMNS), header
    package = json.loads(fetch(visitor, "datapackage.json").text())
    names = {r["path"] for r in package["resources"]}
    assert "aggregates.csv" in names, names
    for name in names:
        fetch(visitor, name)

    with visitor.expect_download() as download:
        visitor.locator("main a[href$='/files/aggregates.csv']").click()
    assert download.value.suggested_filename == "aggregates.csv"

    follow(visitor, "Rapporten på svenska (HTML)")
    expect(visitor.locator("h1").first).to_contain_text(ROUND)


@pytest.mark.slow
def test_demo_to_public_files(
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    runner: FlaskCliRunner,
) -> None:
    found: list[str] = []

    def check(page: Page) -> None:
        found.extend(scan(page))

    email, link = run_demo(runner)
    admin = new_context().new_page()
    admin.set_default_timeout(60_000)  # publishing builds the report's PDF within the request
    set_up_account(admin, link, email, check)
    close_this_year(admin, check)
    to_overview(admin, check)
    score = overview(admin, check)
    drill_down(admin, check)
    follow(admin, "Översikt")
    admin_gaps = gaps(admin, check)

    hr = hr_sees(new_context(), runner)
    assert heatmap(hr) == admin_gaps, "HR sees another heatmap than the admin"
    publish(admin, check)

    visitor = new_context().new_page()
    visitor.goto(f"{live_server.url}/")
    assert h1(visitor) == "Digital mognad och kompetens"
    check(visitor)
    follow(visitor, "Se de publicerade resultaten")
    assert h1(visitor) == "Publicerade resultat"
    published = visitor.locator("main table tbody th").all_inner_texts()
    assert published == [ROUND, LAST_YEAR, "Mognad 2024"], published
    check(visitor)
    follow(visitor, ROUND)
    assert h1(visitor) == f"Digital mognad och kompetens: {ROUND}"
    check(visitor)
    public_files(visitor, score)
    assert not found, "axe or reflow problems on the walk:\n" + "\n".join(found)
