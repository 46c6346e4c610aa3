"""Unit links with QR posters, reminder dates on the round page, and the small wording fixes.

The poster's QR code must be segno's code of the very link the page lists, and the poster and
the welcome page state the round's own k; reminder dates added on the page are sent by the
scheduled job, which runs the reminder job at once in tests (immediate mode).
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pypdf
import segno
import sqlalchemy as sa

from survey.jobs.schedule import send_due_reminders
from survey.mail import outbox_messages
from survey.models import AuditLog, Invitation, Round, RoundReminder
from survey.results.numbers import number, percent
from tests.support.database import in_app
from tests.survey.respondent import Browser, invite
from tests.survey.staff import Staff, signed_in, text
from tests.survey.test_admin_rounds import round_id

QR = re.compile(r'<img class="poster__qr" src="([^"]+)"')


def test_open_round_posters_state_the_rounds_k(app, admin, make_org, runner, db_session) -> None:
    make_org()
    page = text(admin.get("/admin/rounds/new"))
    assert re.search(r'value="bundled:[^"]+"\s+checked', page)  # the only questionnaire
    choice = re.search(r'name="questionnaire" type="radio" value="([^"]+)"', page).group(1)
    r = admin.post(
        "/admin/rounds/new",
        {"name": "Öppen", "year": "2025", "questionnaire": choice, "mode": "open", "k": "10"},
    )
    assert r.status_code == 303, text(r)
    rid = int(r.location.rsplit("/", 1)[1])
    assert admin.post(f"/admin/rounds/{rid}/open", {}).status_code == 303
    listing = text(admin.get(f"/admin/rounds/{rid}/unit-links"))
    assert "minst 10 svar" in listing and "Skola A" in listing
    (link,) = re.findall(rf"http://mognad\.test/o/{rid}/EDU-A/\S+?(?=<)", listing)

    poster = admin.get(f"/admin/rounds/{rid}/unit-links/EDU-A/poster")
    assert poster.status_code == 200
    body = text(poster)
    assert "minst 10 svar" in body and "minst 5 svar" not in body
    assert link in body and "Skola A" in body and "poster.css" in body
    src = html.unescape(QR.search(poster.get_data(as_text=True)).group(1))
    assert src == segno.make(link, error="m").svg_data_uri(scale=8, border=4)  # holds this link

    # A respondent following the link meets the round's k on the welcome page, not the
    # installation's 5.
    visitor = Browser(app.test_client())
    assert visitor.get(link).status == 200
    welcome = visitor.press("Fortsätt", fill={"role": "employee"})
    assert welcome.status == 200 and "minst 10 svar" in welcome.html
    assert "minst 5 svar" not in welcome.html
    assert admin.get(f"/admin/rounds/{rid}/unit-links/NOPE/poster").status_code == 404
    assert admin.get(f"/admin/rounds/{rid}/unit-links/NOPE/poster.pdf").status_code == 404
    poster_pdf_holds_the_link(admin, f"/admin/rounds/{rid}/unit-links/EDU-A/poster.pdf", link)
    assert "Enhetslänkar med QR-kod och affisch" in text(admin.get(f"/admin/rounds/{rid}"))


def test_reminder_dates_from_the_round_page_are_sent(
    app, admin, make_round, runner, write_csv, outbox, db_session
) -> None:
    make_round()
    invite(runner, write_csv, status="open")
    rid = round_id(app)
    r = admin.post(f"/admin/rounds/{rid}/send/invitations", {"lang": "sv"})
    assert r.status_code == 303
    url = f"/admin/rounds/{rid}"
    today, later = date.today(), date.today() + timedelta(days=7)
    post = f"/admin/rounds/{rid}/reminders"
    bad = admin.post_from(url, post, {"action": "add", "on": "31/3"})
    assert "Skriv påminnelsedatumet som 2026-03-31" in text(admin.get(bad.location))
    for on in (today, later, later + timedelta(days=1)):
        r = admin.post_from(url, post, {"action": "add", "on": on.isoformat()})
        assert r.status_code == 303
    page = text(admin.get(url))
    assert "dagen har kommit" in page and "planerad" in page
    last = db_session.scalar(sa.select(RoundReminder.id).where(RoundReminder.on > later))
    r = admin.post_from(url, post, {"action": "remove", "id": str(last)})
    assert r.status_code == 303
    dates = db_session.scalars(sa.select(RoundReminder.on).order_by(RoundReminder.on)).all()
    assert dates == [today, later]

    with in_app(app):  # the worker's periodic task; in tests the job runs at once
        from survey.extensions import db

        jobs = send_due_reminders(app, db.session(), today)
    assert len(jobs) == 1
    reminders = [m for m in outbox_messages(outbox) if m.subject.startswith("Påminnelse")]
    assert len(reminders) == 3
    assert set(db_session.scalars(sa.select(Invitation.reminders))) == {1}
    page = text(admin.get(url))
    assert "skickad" in page and "planerad" in page
    sent = db_session.scalar(sa.select(RoundReminder.id).where(RoundReminder.on == today))
    assert admin.post_from(url, post, {"action": "remove", "id": str(sent)}).status_code == 404
    actions = db_session.scalars(sa.select(AuditLog.action)).all()
    assert "round.reminder_added" in actions and "round.reminder_removed" in actions

    # Outbox dates are written as the page's language writes them, not as the mail header.
    listing = text(admin.get("/admin/outbox"))
    assert "+0000" not in listing
    assert re.search(r"\d{1,2} \w{3}\.? \d{4}", listing), listing[:2000]
    assert db_session.get(Round, rid).status == "open"


def test_plurals_and_no_negative_zero(app, admin, db_session) -> None:
    with app.test_request_context("/?lang=sv"):
        assert number(-0.04) == "0,0" and number(-0.05) == "0,0" and number(-0.06) == "-0,1"
        assert number(0.0) == "0,0" and number(-1.25, 2) == "-1,25"
        # a share and a value already in per cent, each with its unit said
        assert percent(-0.001) == "0 %" and percent(0.43) == "43 %"
        assert percent(43.0, unit="percent") == "43 %" and percent(None) == "–"
    page = text(admin.get("/admin/audit/"))
    total = int(re.search(r"(\d+) händelse", page).group(1))
    assert (f"{total} händelser" in page) if total != 1 else ("1 händelse." in page)
    assert "1 händelser" not in page
    assert "Inloggning" in page and ">auth.signed_in<" not in page  # events in words
    page = text(admin.get("/admin/feedback/"))
    assert "1 synpunkter" not in page


def test_scoped_admin_gets_posters_of_their_subtree_only(
    app, runner, clock, make_round, db_session
) -> None:
    make_round(mode="open", status="open")
    rid = round_id(app)
    eva = signed_in(app, runner, clock, "eva@example.org", "admin", "EDU")
    listing = text(eva.get(f"/admin/rounds/{rid}/unit-links"))
    assert "Skola A" in listing and "Omsorg" not in listing
    assert eva.get(f"/admin/rounds/{rid}/unit-links/EDU-B/poster").status_code == 200
    assert eva.get(f"/admin/rounds/{rid}/unit-links/CARE/poster").status_code == 403
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    assert hr.get(f"/admin/rounds/{rid}/unit-links").status_code == 403


def poster_pdf_holds_the_link(admin: Staff, url: str, link: str) -> None:
    """The poster as PDF: one tagged A4 page, title and language set, the link and k readable."""
    got = admin.get(url)
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    pdf = pypdf.PdfReader(io.BytesIO(got.data))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged (PDF/UA)
    assert str(root["/Lang"]) == "sv" and "Skola A" in str(pdf.metadata.title)
    words = "".join(pdf.pages[0].extract_text().split())
    assert link in words and "minst10svar" in words and "Hurdigitalaärvi?" in words
    assert "QR-kodtillenkäten" not in words  # the code is drawn, not replaced by its alt text
