"""axe-core (WCAG 2.1 A/AA) on the fieldwork, audit log, feedback, comments and export pages.

The admin signs in the real way (set-up link, TOTP enrolment); a respondent answers in a
browser of their own, so the fieldwork page has counts and highlights to show. Every page is
scanned at 1280 and 375 px and must not scroll sideways at 320 px (tables scroll in a region).
"""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskCliRunner
from playwright.sync_api import BrowserContext, Page, expect

from survey.extensions import db
from survey.models import AccessibilityFeedback
from tests.browser.conftest import DESKTOP, MOBILE, LiveServer, MakeSurvey
from tests.browser.flows import follow, h1, press, to_review
from tests.browser.test_respond_accessibility import axe_violations
from tests.browser.test_staff_accessibility import staff_home
from tests.support.database import in_app


def scan(page: Page) -> list[str]:
    found = []
    for name, size in (("1280", DESKTOP), ("375", MOBILE)):
        page.set_viewport_size(size)
        found += [f"{page.url} at {name} px: {line}" for line in axe_violations(page)]
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > 320:
        found.append(f"{page.url} scrolls sideways at 320 px (scrollWidth {width})")
    page.set_viewport_size(DESKTOP)
    return found


def test_admin_pages_have_no_axe_violations(
    page: Page,
    new_context,
    live_server: LiveServer,
    runner: FlaskCliRunner,
    make_survey: MakeSurvey,
    app,
) -> None:
    survey = make_survey(people=3)
    respondent: BrowserContext = new_context()
    other = respondent.new_page()
    to_review(other, survey.link("employee"))
    press(other, "Skicka in svaren")
    assert h1(other) == "Tack för dina svar!"
    with in_app(app):
        db.session.add(
            AccessibilityFeedback(
                message="Fokusramen syns dåligt", page="/survey", received_on=date(2026, 3, 1)
            )
        )
        db.session.commit()

    staff_home(page, live_server, runner)
    found: list[str] = []
    follow(page, "Fältarbete och svarsfrekvens")
    assert h1(page) == "Fältarbete"
    found += scan(page)
    follow(page, "R2025")
    assert h1(page) == "Fältarbete: R2025"
    expect(page.locator("main")).to_contain_text("Under tröskeln")
    expect(page.locator("main")).to_contain_text("Under k: resultat döljs")
    found += scan(page)
    page.get_by_label("Roll", exact=True).select_option("employee")
    press(page, "Visa")
    assert "role=employee" in page.url
    found += scan(page)

    page.goto(f"{live_server.url}/admin/comments/R2025")  # open round: refused with a page
    assert h1(page) == "Kommentarerna kan inte läsas ännu"
    found += scan(page)
    survey.move("close")
    page.goto(f"{live_server.url}/admin/")
    follow(page, "Fritextkommentarer")
    found += scan(page)
    follow(page, "R2025")
    assert h1(page) == "Fritextkommentarer: R2025"
    expect(page.locator(".warning-text")).to_contain_text("namn")
    found += scan(page)

    page.goto(f"{live_server.url}/admin/")
    follow(page, "Export för analys")
    assert h1(page) == "Export för analys"
    expect(page.locator("main")).to_contain_text("R2025")  # closed, with a response
    found += scan(page)

    page.goto(f"{live_server.url}/admin/")
    follow(page, "Synpunkter om tillgänglighet")
    expect(page.locator("main")).to_contain_text("Fokusramen syns dåligt")
    found += scan(page)
    page.goto(f"{live_server.url}/admin/")
    follow(page, "Granskningslogg")
    assert h1(page) == "Granskningslogg"
    found += scan(page)
    page.get_by_label("Händelse", exact=True).select_option("auth.signed_in")
    press(page, "Filtrera")
    assert "action=auth.signed_in" in page.url
    found += scan(page)
    page.goto(f"{live_server.url}/admin/")
    found += scan(page)
    assert not found, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(found)
