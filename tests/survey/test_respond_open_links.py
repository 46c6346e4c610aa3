"""Open links through the Flask test client on both databases: a unit's link, the respondent's
choice of role and unit, and a draft kept by the browser (``test_respond.py`` has the invited
respondent's pages)."""

from __future__ import annotations

import sqlalchemy as sa

from survey.models import Draft, InvitationCount, Response
from survey.services.respond import plan_for
from tests.support.drafts import saved_open_answers
from tests.support.factory import close_round, issue_links
from tests.support.forms import Browser
from tests.survey.test_respond import THANKS, Q, _unit_id, count, path


def test_open_link_role_and_unit_choice(app, make_round, runner, tmp_path, db_session):
    make_round(mode="open", status="open")
    rows = issue_links(runner, tmp_path / "units.csv")
    url = next(r["url"] for r in rows if r["unit_code"] == "EDU")
    b = Browser(app.test_client())
    page = b.get(url)
    assert page.path == "/survey/role"
    assert "Vilken roll har du?" in page.html and "Vilken enhet arbetar du i?" in page.html
    assert set(page.forms[0].radios["role"]) == {"employee", "manager", "specialist"}
    page = b.press("Fortsätt")
    assert page.status == 400 and page.html.count("<li><a href=") == 2
    unit_b = str(_unit_id(db_session, "EDU-B"))
    assert set(page.forms[0].radios["unit"]) == {
        str(_unit_id(db_session, c)) for c in ("EDU", "EDU-A", "EDU-B")
    }
    page = b.press("Fortsätt", fill={"role": "manager", "unit": unit_b})
    assert page.path == "/survey"
    assert "Chef, Skola B" in page.html
    b.walk_to_review(choose="last")
    assert b.press("Skicka in svaren").h1 == THANKS
    assert count(db_session, Draft) == 0
    # The same browser is told it has answered, and may hand over to a colleague.
    page = b.get(url)
    assert (page.status, page.h1) == (200, "Du har redan svarat")
    page = b.press("Svara som en annan person")
    assert page.path == "/survey/role"
    close_round(runner)
    response = db_session.scalar(sa.select(Response))
    # Answered for EDU-B (the fieldwork counts said so); a lone manager is stored at the top.
    assert (response.role, response.unit_id) == ("manager", _unit_id(db_session, "CITY"))
    kept = db_session.execute(sa.select(InvitationCount.unit_id, InvitationCount.role)).all()
    assert kept == [(int(unit_b), "manager")]  # the open round's count keeps the unit chosen


def test_open_link_of_a_leaf_unit_resumes_in_the_same_browser(
    app, make_round, runner, tmp_path, db_session
):
    make_round(mode="open", status="open")
    rows = issue_links(runner, tmp_path / "units.csv", unit="EDU-A")
    assert [r["unit_code"] for r in rows] == ["EDU-A"]
    b = Browser(app.test_client())
    page = b.get(rows[0]["url"])
    assert "radios" in page.html and "unit" not in page.forms[0].radios
    b.press("Fortsätt", fill={"role": "employee"})
    b.press("Starta enkäten")
    b.press("Nästa", choose="first")  # workplace: employees only
    b.press("Nästa", choose="first")  # understanding: every role
    page = b.get(rows[0]["url"])
    assert page.path == "/survey/page/3"
    draft = db_session.scalar(sa.select(Draft))
    assert draft.invitation_id is None and len(draft.browser_key) == 64
    # Changing role keeps only the answers the new role is asked.
    page = b.get("/survey/role")
    page = b.press("Fortsätt", fill={"role": "specialist"})
    items = set(plan_for(Q, "specialist").items)
    kept = set(saved_open_answers(db_session, b.client, draft.round_id))
    assert kept == {"comp_understanding_1", "comp_understanding_2", "comp_understanding_3"}
    assert kept <= items


def test_bad_unit_link_is_unknown(client, make_round, runner, tmp_path):
    make_round(mode="open", status="open")
    url = path(issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"])
    forged = url.replace("/EDU-A/", "/EDU-B/")
    assert client.get(forged).status_code == 404
    assert client.get(url[:-2] + "xx").status_code == 404
