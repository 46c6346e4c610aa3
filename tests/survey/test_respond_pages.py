"""Every respondent page: strict CSP, no inline code, status pages, accessibility statement."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from babel import dates as babel_dates

from analysis.instruments import load_questionnaire
from survey.models import AccessibilityFeedback, Invitation, Response
from tests.conftest import QUESTIONNAIRE
from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser, Page, inline_code

Q = load_questionnaire(QUESTIONNAIRE)
MONTHS = "January February March April May June July August September October November December"
MONTHS = MONTHS.split()


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


def test_accessibility_statement_and_anonymous_feedback(app, client, db_session):
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
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AccessibilityFeedback)) == 0
    page = b.press(
        "Skicka synpunkten", fill={"page": "Sida 3", "message": "Knappen syns dåligt i mörkt läge."}
    )
    assert page.status == 200 and "Tack! Vi har tagit emot din synpunkt." in page.html
    row = db_session.scalar(sa.select(AccessibilityFeedback))
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
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "<p>Second &lt;paragraph&gt;.</p>" in html
    app.config["ACCESSIBILITY_STATEMENT_FILE"] = str(tmp_path / "missing.html")
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "How accessible is the service?" in html  # the built-in text, still in English


def test_footer_links_the_statement(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/accessibility"' in html


# --- Respondent fixes: the receipt after Back, dates, the level key, one warning, the icon --------


def _employee(app, make_round, runner, write_csv, tmp_path) -> Browser:
    make_round()
    invite(runner, write_csv)
    rows = issue_links(runner, tmp_path / "links.csv")
    b = Browser(app.test_client())
    b.get(next(r["url"] for r in rows if r["role"] == "employee"))
    return b


def _cookie(b: Browser) -> str:
    with b.client.session_transaction() as sess:
        return repr(dict(sess))


def test_back_after_submit_shows_the_receipt_and_the_session_leads_to_no_response(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    b = _employee(app, make_round, runner, write_csv, tmp_path)
    b.walk_to_review()
    assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
    for url in ("/survey/review", "/survey/page/3", "/survey/page/1", "/survey"):
        page = b.get(url)  # what Back in the browser asks for
        assert (page.status, page.h1, page.path) == (200, "Tack för dina svar!", "/survey/thanks")
        assert "Öppna enkäten med din länk" not in page.html
    close_round(runner)  # mixes the ballot into the responses
    ids = db_session.scalars(sa.select(Response.id)).all()
    assert len(ids) == 1
    digests = db_session.scalars(sa.select(Invitation.token_hash)).all()
    assert not [v for v in [*ids, *digests] if v and str(v) in _cookie(b)]
    page = Browser(app.test_client()).get("/survey/review")  # a browser that did not submit
    assert (page.status, page.h1) == (403, "Öppna enkäten med din länk")


def test_back_after_submit_on_an_open_link_shows_the_receipt(
    app, make_round, runner, tmp_path, db_session
):
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    b = Browser(app.test_client())
    b.get(url)
    b.press("Fortsätt", fill={"role": "manager"})
    b.walk_to_review()
    assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
    for url in ("/survey/review", "/survey/page/1", "/survey", "/survey/role"):
        page = b.get(url)
        assert (page.status, page.h1) == (200, "Tack för dina svar!"), url
    close_round(runner)  # mixes the ballot into the responses
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_receipt_dates_read_day_month_year(app, make_round, runner, write_csv, tmp_path):
    b = _employee(app, make_round, runner, write_csv, tmp_path)
    b.walk_to_review()
    sv = b.press("Skicka in svaren").html
    en = b.get("/lang/en?next=/survey/thanks")
    assert en.h1 == "Thank you for your answers!"
    days = {dt.datetime.now(dt.UTC).date(), dt.date.today()}
    assert any(babel_dates.format_date(d, "d MMMM y", locale="sv") in sv for d in days)
    assert any(f"{d.day} {MONTHS[d.month - 1]} {d.year}" in en.html for d in days)
    assert not re.search(rf"({'|'.join(MONTHS)}) \d{{1,2}}, \d{{4}}", en.html)


def test_level_descriptions_once_per_page_and_full_radio_labels(
    app, make_round, runner, write_csv, tmp_path
):
    b = _employee(app, make_round, runner, write_csv, tmp_path)
    b.press("Starta enkäten")
    scale = Q.scales["level5"]
    page = b.get("/survey/page/2")
    items = [n for n in page.radio_names() if n.startswith("a-comp_")]
    assert len(items) >= 3
    for value, label, text in zip(
        scale.values, scale.labels["sv"], scale.descriptions["sv"], strict=True
    ):
        assert page.html.count(text) == 1, text
        assert f'<dd class="scale-key__text" id="scale-level5-{value}">{text}</dd>' in page.html
        for name in items:  # each radio: named by its whole label, described by its level
            assert re.search(
                rf'id="{name}-{value}"[^>]*aria-describedby="scale-level5-{value}">\s*'
                rf'<label class="radios__label" for="{name}-{value}">{label}</label>',
                page.html,
            ), (name, label)
    assert scale.labels["sv"][0] == "Kan inte ännu" and "Vet inte hur" not in page.html
    agree = b.get("/survey/page/1")
    assert "scale-key" not in agree.html and "Vet ej" in agree.html
    english = b.get("/lang/en?next=/survey/page/2")
    assert english.html.count("I can&#39;t do this yet, or have never tried.") == 1
    assert "What the options mean" in english.html and "I can&#39;t yet</label>" in english.html


def test_the_name_warning_appears_once_on_the_comments_page(
    app, make_round, runner, write_csv, tmp_path
):
    b = _employee(app, make_round, runner, write_csv, tmp_path)
    b.press("Starta enkäten")
    page = b.get("/survey/page/8")
    assert page.h1 == "Dina kommentarer"
    assert len(re.findall(r"[Ss]kriv inte namn", page.html)) == 1


def test_favicon_is_linked_and_favicon_ico_answers(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    with client.get("/favicon.ico", follow_redirects=True) as legacy:
        assert legacy.status_code == 200 and legacy.mimetype == "image/svg+xml"
        assert legacy.request.path == "/static/favicon.svg"
