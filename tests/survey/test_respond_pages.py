"""Every respondent page: strict CSP, no inline code, status pages, accessibility statement."""

from __future__ import annotations

import datetime as dt

import flask_babel
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AccessibilityFeedback
from tests.survey.respondent import Browser, Page, inline_code, invite, issue_links


def _check(page: Page) -> None:
    csp = page.response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, page.path
    assert inline_code(page.html) == [], page.path
    assert page.lang in ("sv", "en")
    assert page.title, page.path


def test_no_inline_script_or_style_on_any_respondent_page(
    app, make_round, runner, write_csv, tmp_path
):
    make_round()
    invite(runner, write_csv)
    url = issue_links(runner, tmp_path / "l.csv")[0]["url"]
    make_round(name="OPEN", mode="open", status="open", org=False)
    unit_url = issue_links(runner, tmp_path / "u.csv", name="OPEN", unit="EDU")[0]["url"]
    seen: list[Page] = []
    b = Browser(app.test_client())
    seen.append(b.get(url))
    seen += b.walk_to_review()
    seen.append(b.get("/survey/page/1"))
    seen.append(b.press("Nästa", fill={"a-cap_workplace_1": "99"}))  # error state
    seen.append(b.get("/survey/review"))
    seen.append(b.press("Skicka in svaren"))
    seen.append(b.get(url))  # already answered
    seen.append(b.get("/s/unknown-token-unknown-token"))
    o = Browser(app.test_client())
    seen.append(o.get(unit_url))  # role and unit
    seen.append(o.press("Fortsätt"))  # role errors
    seen.append(o.get("/accessibility"))
    seen.append(o.press("Skicka synpunkten"))  # feedback errors
    for page in seen:
        _check(page)
    assert {p.status for p in seen} == {200, 400, 404, 410}


def test_status_pages_say_what_happened(client):
    page = Browser(client).get("/survey")
    assert (page.status, page.h1) == (403, "Öppna enkäten med din länk")
    page = Browser(client).get("/s/" + "A" * 43)
    assert (page.status, page.h1) == (404, "Länken fungerar inte")
    assert page.response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.response.headers["Cache-Control"]


def test_accessibility_statement_and_anonymous_feedback(app, client):
    b = Browser(client)
    page = b.get("/accessibility")
    assert page.status == 200 and page.h1 == "Tillgänglighetsredogörelse"
    assert "Demo stad" in page.html and "digitalisering@example.org" in page.html
    assert "WCAG 2.1" in page.html
    page = b.press("Skicka synpunkten", fill={"message": "  "})
    assert page.status == 400 and page.title.startswith("Fel: ")
    assert 'href="#feedback-message"' in page.html and 'id="feedback-message-error"' in page.html
    page = b.press("Skicka synpunkten", fill={"message": "x" * 2001})
    assert page.status == 400 and "2000 tecken" in page.html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessibilityFeedback)) == 0
    page = b.press(
        "Skicka synpunkten", fill={"page": "Sida 3", "message": "Knappen syns dåligt i mörkt läge."}
    )
    assert page.status == 200 and "Tack! Vi har tagit emot din synpunkt." in page.html
    row = db.session.scalar(sa.select(AccessibilityFeedback))
    assert (row.page, row.message, row.lang) == (
        "Sida 3",
        "Knappen syns dåligt i mörkt läge.",
        "sv",
    )
    assert row.received_on == dt.date.today()
    assert "Tack! Vi har tagit emot" not in b.get("/accessibility").html  # shown once


def test_accessibility_statement_from_a_file(app, client, tmp_path):
    (tmp_path / "statement-sv.html").write_text("<p>Vår egen <strong>redogörelse</strong>.</p>")
    (tmp_path / "statement-en.txt").write_text("Our own statement.\n\nSecond <paragraph>.")
    app.config["ACCESSIBILITY_STATEMENT_FILE"] = str(tmp_path / "statement-{lang}.html")
    html = client.get("/accessibility").get_data(as_text=True)
    assert "<p>Vår egen <strong>redogörelse</strong>.</p>" in html
    assert "Hur tillgänglig är tjänsten?" not in html
    app.config["ACCESSIBILITY_STATEMENT_FILE"] = str(tmp_path / "statement-{lang}.txt")
    flask_babel.refresh()  # requests in a test share one app context, which caches the locale
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "<p>Second &lt;paragraph&gt;.</p>" in html
    app.config["ACCESSIBILITY_STATEMENT_FILE"] = str(tmp_path / "missing.html")
    html = client.get("/accessibility").get_data(as_text=True)
    assert "How accessible is the service?" in html  # the built-in text, still in English


def test_footer_links_the_statement(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/accessibility"' in html
