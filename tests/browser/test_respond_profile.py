"""The respondent's own competence profile: right after submitting, for that browser only.

A respondent rates every "Kommunikation och samarbete" statement at the top level and every
"Säkerhet" statement at the lowest; the profile lists the first as a strength and the second as
an area to grow with its learning suggestion. Showing and downloading it writes nothing (every
table's columns and rows compared before and after), another browser cannot fetch it, and the
same browser cannot once the round has closed. The file to keep has no script and prints.
"""

from __future__ import annotations

import io
from typing import Any

import pypdf
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import Db, LiveServer, MakeSurvey
from tests.browser.flows import follow, h1, is_question_page, press, start
from tests.browser.test_respond_accessibility import axe_violations
from tests.browser.texts import SV

# Top level for communication, lowest for safety, the middle (= the employee's target) elsewhere.
CHOOSE = """() => document.querySelectorAll('main input[type=radio]').forEach(r => {
  const want = r.name.startsWith('a-comp_communication') ? '5'
    : r.name.startsWith('a-comp_safety') ? '1' : '3';
  if (r.value === want) r.checked = true; })"""
STRENGTH = "Kommunikation och samarbete"
TO_GROW = "Säkerhet"
SUGGESTION = "Gå organisationens grundutbildning i informationssäkerhet."
PAGES = ("/survey/profile", "/survey/profile.html", "/survey/profile.pdf")


def dump(dbq: Db) -> dict[str, Any]:
    """Every table with its columns and all its rows (sorted): the whole database's content."""
    out: dict[str, Any] = {}
    inspector = sa.inspect(dbq.engine)
    for table in sorted(inspector.get_table_names()):
        columns = [c["name"] for c in inspector.get_columns(table)]
        rows = sorted(map(repr, dbq.rows(f'SELECT * FROM "{table}"')))  # noqa: S608 (own names)
        out[table] = (columns, rows)
    return out


def answer_and_submit(page: Page, link: str) -> None:
    start(page, link)
    while is_question_page(page):
        page.evaluate(CHOOSE)
        press(page, SV["next"], exact=True)
    assert h1(page) == SV["review"]
    assert "Ingen annan ser den." in page.locator("main").inner_text()
    press(page, SV["submit"])
    assert h1(page) == SV["thanks"]


def test_profile_is_the_respondents_own_and_stored_nowhere(
    context: BrowserContext,
    new_context: Any,
    make_survey: MakeSurvey,
    dbq: Db,
    live_server: LiveServer,
) -> None:
    survey = make_survey()
    page = context.new_page()
    before_submit = dump(dbq)
    answer_and_submit(page, survey.link("employee"))
    after_submit = dump(dbq)
    assert {t: c for t, (c, _) in after_submit.items()} == {
        t: c for t, (c, _) in before_submit.items()
    }, "submitting added a table or a column"
    changed = {t for t in after_submit if after_submit[t] != before_submit[t]}
    assert changed <= {"invitations", "drafts", "ballots"}, changed

    receipt = page.locator("dl.receipt").inner_text()
    assert STRENGTH not in receipt and TO_GROW not in receipt  # the receipt shows no answers
    follow(page, "Visa din kompetensprofil")
    assert h1(page) == "Din digitala kompetensprofil"
    strengths = page.locator("h2#profile-strengths + ul").inner_text()
    to_grow = page.locator("h2#profile-grow + ul").inner_text()
    assert STRENGTH in strengths and TO_GROW not in strengths
    assert TO_GROW in to_grow and SUGGESTION in to_grow and STRENGTH not in to_grow
    assert axe_violations(page) == []
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    kept = page.request.get(live_server.url + "/survey/profile.html")
    assert kept.ok and kept.headers["cache-control"] == "no-store"
    html = kept.text()
    assert "<script" not in html and SUGGESTION in html
    pdf = page.request.get(live_server.url + "/survey/profile.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.body()))
    assert len(reader.pages) == 1, "the profile PDF is one page"
    text = reader.pages[0].extract_text()
    assert STRENGTH in " ".join(text.split())

    # The file to keep prints without JavaScript.
    nojs = new_context(java_script_enabled=False).new_page()
    nojs.set_content(html)
    nojs.emulate_media(media="print")
    assert SUGGESTION in nojs.locator("body").inner_text()

    assert dump(dbq) == after_submit, "showing or downloading the profile wrote to the database"

    other = new_context().new_page()  # another browser: nothing to fetch
    for path in PAGES:
        response = other.request.get(live_server.url + path)
        assert response.status == 403, path
        assert SUGGESTION not in response.text()

    survey.move("close")  # the same browser, after the round closed: refused, then forgotten
    page.goto(live_server.url + "/survey/profile")
    assert h1(page) == SV["closed"]
    for path in PAGES:
        response = page.request.get(live_server.url + path)
        assert response.status == 403, path
        assert SUGGESTION not in response.text()


def test_role_pages_have_no_axe_violations_and_print_without_script(
    context: BrowserContext, make_survey: MakeSurvey, live_server: LiveServer
) -> None:
    make_survey()
    page = context.new_page()
    page.goto(live_server.url + "/roles")
    assert axe_violations(page) == []
    for role, name in SV["roles"].items():
        page.goto(live_server.url + f"/roles/{role}")
        assert h1(page) == f"Digital kompetens: {name}"
        assert axe_violations(page) == [], role
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # reflows on a phone
