"""The competence profile through the Flask client: a specialist's full profile fits one PDF
page, speaks English when the page does, and the cookie that carries it holds no plain level."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

# specialist targets are 4 everywhere: three categories above, three below, one on target
LEVELS = {
    "comp_understanding": "5",
    "comp_information": "5",
    "comp_communication": "5",
    "comp_content": "4",
    "comp_safety": "1",
    "comp_problem": "2",
    "comp_specialist": "1",
}


@pytest.fixture
def links(make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv)
    rows = issue_links(runner, tmp_path / "links.csv")
    return {r["role"]: r["url"] for r in rows}


def submit_as_specialist(app, links) -> Browser:
    b = Browser(app.test_client())
    b.get(links["specialist"])
    page = b.press("Starta enkäten")
    while page.h1 != "Granska dina svar":
        fill = {}
        for name, values in page.forms[0].radios.items():
            category = name[2:].rsplit("_", 1)[0]
            fill[name] = LEVELS.get(category, values[0])
        page = b.press("Nästa", fill=fill)
    assert "Ingen annan ser den." in page.html
    thanks = b.press("Skicka in svaren")
    assert "Visa din kompetensprofil" in thanks.html
    return b


def test_a_full_profile_is_one_pdf_page_and_english_in_english(app, links) -> None:
    b = submit_as_specialist(app, links)
    client = b.client
    html = client.get("/survey/profile").get_data(as_text=True)
    strengths = html.split('id="profile-strengths"')[1].split("<h2")[0]
    grow = html.split('id="profile-grow"')[1].split("<h2")[0]
    for title in ("Förståelse och motivation", "Information och data"):
        assert title in strengths
    for title in ("Säkerhet", "Specialistmetoder", "Problemlösning"):
        assert title in grow
    assert "Digitalt innehåll" not in strengths + grow  # on target: neither

    pdf = client.get("/survey/profile.pdf")
    assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "no-store"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert len(pypdf.PdfReader(io.BytesIO(pdf.get_data())).pages) == 1

    client.get("/lang/en")
    english = client.get("/survey/profile").get_data(as_text=True)
    assert "Your digital competence profile" in english and "Safety and security" in english
    assert "Take the organisation" in english  # the learning suggestion in English


def test_the_cookie_holds_the_profile_sealed_only(app, links) -> None:
    b = submit_as_specialist(app, links)
    with b.client.session_transaction() as s:
        kept = dict(s["profile"])
    assert set(kept) == {"round", "sealed"}
    assert "comp_" not in kept["sealed"] and "specialist" not in kept["sealed"]
    with app.test_request_context():  # the app's sealer opens it, for this round only
        from survey.respond.profile import PLACE, PURPOSE
        from survey.sealing import SealError, app_sealer

        opened = app_sealer().open(PURPOSE, str(kept["round"]), PLACE, kept["sealed"])
        assert opened["role"] == "specialist" and opened["levels"]["comp_safety"][0] == 1
        with pytest.raises(SealError):
            app_sealer().open(PURPOSE, str(kept["round"] + 1), PLACE, kept["sealed"])
