"""Respondent pages through the Flask test client on both databases: outcomes, not markup."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from analysis.instruments import load_questionnaire
from survey.models import (
    Answer,
    Draft,
    Invitation,
    InvitationCount,
    Response,
    ResponseComment,
    Round,
)
from survey.services.respond import plan_for
from tests.conftest import QUESTIONNAIRE
from tests.support.drafts import saved_answers
from tests.support.factory import close_round, invite, issue_links
from tests.support.forms import Browser

Q = load_questionnaire(QUESTIONNAIRE)
REVIEW = "Granska dina svar"
THANKS = "Tack för dina svar!"


@pytest.fixture
def links(make_round, runner, write_csv, tmp_path):
    """An open invited round with one invitation per role in EDU-A; role → personal link."""
    make_round()
    invite(runner, write_csv)
    rows = issue_links(runner, tmp_path / "links.csv")
    return {r["role"]: r["url"] for r in rows}


def path(url: str) -> str:
    return urlsplit(url).path


def count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_token_is_exchanged_for_a_session_and_a_url_without_it(client, links):
    link = path(links["employee"])
    token = link.rsplit("/", 1)[1]
    first = client.get(link)
    assert first.status_code == 302
    assert token not in first.headers["Location"]
    assert first.headers["Referrer-Policy"] == "no-referrer"
    welcome = Browser(client).get(first.headers["Location"])
    assert welcome.status == 200
    assert welcome.response.headers["Referrer-Policy"] == "no-referrer"
    assert token not in welcome.html
    assert welcome.form_with("Starta enkäten").method == "post"
    # Time needed: one minute per four statements (employees answer 24 → 6 minutes).
    assert "Ungefär 10 minuter" in welcome.html
    assert "minst 5 svar" in welcome.html  # the k threshold from the configuration


def _answer_pattern(n: int, values: list[str]) -> str:
    """The n-th statement's answer: "vet ej" for every third where offered, else cycling."""
    if "dk" in values and n % 3 == 1:
        return "dk"
    numbers = [v for v in values if v != "dk"]
    return numbers[n % len(numbers)]


@pytest.mark.parametrize("role", ["employee", "manager", "specialist"])
def test_full_flow_stores_exactly_the_answers_given(app, links, runner, role, db_session):
    b = Browser(app.test_client())
    b.get(links[role])
    page = b.press("Starta enkäten")
    plan = plan_for(Q, role)
    given: dict[str, str] = {}
    skipped = None
    while page.h1 != REVIEW:
        assert page.status == 200
        fill = {}
        for name, values in page.forms[0].radios.items():
            if skipped is None:
                skipped = name[2:]  # leave the very first statement unanswered
                continue
            fill[name] = _answer_pattern(len(given) + len(fill), values)
        if "c-comment_learning" in page.forms[0].texts:
            fill["c-comment_learning"] = "Mer tid för  utbildning\r\nOch stöd"
        given.update({k[2:]: v for k, v in fill.items()})
        page = b.press("Nästa", fill=fill)
    assert set(given) | {skipped} == set(plan.items) | {"comment_learning"}
    assert skipped in page.html  # the review page lists it (by its text and page link)
    thanks = b.press("Skicka in svaren")
    assert thanks.h1 == THANKS
    # In the ballot box until the round closes: no response exists during fieldwork.
    assert count(db_session, Response) == 0
    inv = db_session.scalar(sa.select(Invitation).where(Invitation.role == role))
    assert inv.status == "completed"
    close_round(runner)

    response = db_session.scalar(sa.select(Response))
    # Answered for EDU-A; one response is a group below k everywhere, so the close stores it
    # at the top of the tree (k-anonymity at rest, survey.services.atrest).
    assert (response.role, response.unit_id) == (role, _unit_id(db_session, "CITY"))
    stored = {a.item_id: a for a in db_session.scalars(sa.select(Answer))}
    assert set(stored) == set(plan.items) - {skipped}
    for item_id, answer in stored.items():
        scale = plan.items[item_id][1].scale
        expected = None if given[item_id] == "dk" else int(given[item_id])
        assert (answer.value, answer.scale_min, answer.scale_max) == (
            expected,
            scale.min,
            scale.max,
        )
    assert any(a.value is None for a in stored.values())  # "vet ej" is NULL
    comment = db_session.scalar(sa.select(ResponseComment))
    assert (comment.comment_id, comment.text) == (
        "comment_learning",
        "Mer tid för  utbildning\nOch stöd",
    )
    assert count(db_session, Draft) == 0
    # The close forgot who answered: only the count per unit and role is kept.
    inv = db_session.scalar(sa.select(Invitation).where(Invitation.role == role))
    assert (inv.status, inv.reminders) == ("pending", 0)
    assert db_session.scalar(sa.select(sa.func.sum(InvitationCount.completed))) == 1


def _unit_id(db_session, code: str) -> int:
    from survey.models import Unit

    return db_session.scalar(sa.select(Unit.id).where(Unit.code == code))


def test_progress_title_and_buttons(client, links):
    b = Browser(client)
    b.get(links["employee"])
    page = b.press("Starta enkäten")
    assert page.path == "/survey/page/1"
    assert "Sida 1 av 8" in page.html and '<progress class="progress__bar" max="8" value="1"' in (
        page.html
    )
    assert page.title.startswith("Förutsättningar i arbetet – Sida 1 av 8")
    assert {"Nästa", "Tillbaka"} <= set(page.forms[0].buttons)
    # Agreement statements offer "Vet ej" last; proficiency levels show their descriptions.
    assert page.forms[0].radios["a-cap_workplace_1"][-1] == "dk"
    page = b.press("Nästa")
    assert "a-comp_understanding_1" in page.forms[0].radios
    assert "dk" not in page.forms[0].radios["a-comp_understanding_1"]
    assert "Jag kan göra det på egen hand i mina vanliga arbetsuppgifter." in page.html


def test_next_and_back_save_and_the_link_resumes_where_left_off(app, links, db_session):
    b = Browser(app.test_client())
    b.get(links["manager"])
    b.press("Starta enkäten")
    b.press("Nästa", fill={"a-cap_governance_1": "4", "a-cap_governance_2": "dk"})
    page = b.press("Tillbaka", fill={"a-cap_benefits_1": "2"})
    assert page.path == "/survey/page/1"
    assert page.forms[0].checked == {"a-cap_governance_1": "4", "a-cap_governance_2": "dk"}
    b.press("Nästa")
    b.press("Nästa")  # page 2 again, its answer kept
    draft = db_session.scalar(sa.select(Draft))
    assert draft.page == 3
    saved = saved_answers(db_session, links["manager"])
    assert saved == {"cap_governance_1": "4", "cap_governance_2": "dk", "cap_benefits_1": "2"}

    # The cookie is lost (another device): the same personal link continues on page 3.
    other = Browser(app.test_client())
    page = other.get(links["manager"])
    assert page.path == "/survey/page/3"
    page = other.get("/survey/page/2")
    assert page.forms[0].checked == {"a-cap_benefits_1": "2"}


def test_review_lists_unanswered_statements_with_links(client, links):
    b = Browser(client)
    b.get(links["employee"])
    b.press("Starta enkäten")
    b.press("Nästa", choose="first")  # page 1 answered
    b.press("Nästa", fill={"a-comp_understanding_1": "3"})  # page 2: 2 of 3 left
    while b.page.h1 != REVIEW:
        b.press("Nästa", choose="last")
    html = b.page.html
    assert "Du har inte svarat på 2 påståenden" in html
    for item in ("comp_understanding_2", "comp_understanding_3"):
        text = Q.items[item][0].text["sv"]
        assert f'href="/survey/page/2?return=review#q-{item}"' in html
        assert text in html
    assert "1 av 3 besvarade" in html
    # Following the link and pressing Next comes back to the review page.
    page = b.get("/survey/page/2?return=review")
    page = b.press("Nästa", fill={"a-comp_understanding_2": "1"})
    assert page.h1 == REVIEW
    assert "Du har inte svarat på 1 påstående" in page.html


def test_submit_twice_makes_one_response(client, links, runner, db_session):
    b = Browser(client)
    b.get(links["employee"])
    b.walk_to_review()
    review = b.page
    stale_cookie = client.get_cookie("session").value
    assert b.press("Skicka in svaren", page=review).h1 == THANKS
    # Reload / retry with the updated cookie, and a concurrent double click with the old one.
    assert b.press("Skicka in svaren", page=review).h1 == THANKS
    client.set_cookie("session", stale_cookie)
    again = b.press("Skicka in svaren", page=review)
    assert (again.status, again.h1) == (200, THANKS)
    assert (
        db_session.scalar(sa.select(sa.func.count()).where(Invitation.status == "completed")) == 1
    )
    close_round(runner)
    assert count(db_session, Response) == 1
    assert db_session.scalar(sa.select(sa.func.sum(InvitationCount.completed))) == 1


def test_used_link_says_already_answered(app, links, db_session):
    b = Browser(app.test_client())
    b.get(links["specialist"])
    b.walk_to_review(choose=None)
    b.press("Skicka in svaren")
    page = Browser(app.test_client()).get(links["specialist"])
    assert (page.status, page.h1) == (410, "Du har redan svarat")
    # Nothing answered: completed, but no empty response row.
    assert count(db_session, Response) == 0


def test_closed_and_not_yet_open_rounds(app, client, links, runner):
    b = Browser(client)
    b.get(links["employee"])
    b.press("Starta enkäten")
    assert runner.invoke(args=["round", "close", "R2025"]).exit_code == 0
    page = b.get("/survey/page/1")
    assert (page.status, page.h1) == (410, "Enkäten är stängd")
    page = Browser(app.test_client()).get(links["manager"])
    assert (page.status, page.h1) == (410, "Enkäten är stängd")


def test_draft_round_is_not_open_yet(app, make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv, status="draft")
    rows = issue_links(runner, tmp_path / "l.csv")
    page = Browser(app.test_client()).get(rows[0]["url"])
    assert (page.status, page.h1) == (403, "Enkäten har inte öppnat ännu")


@pytest.mark.parametrize("token", ["x" * 43, "short", "a" * 300, "..%2F..%2Fetc"])
def test_unknown_or_junk_token_gets_the_same_page(client, links, token):
    response = client.get(f"/s/{token}")
    assert response.status_code == 404
    assert "Länken fungerar inte" in response.get_data(as_text=True)


def test_no_session_page(client):
    response = client.get("/survey/page/1")
    assert response.status_code == 403
    assert "Öppna enkäten med din länk" in response.get_data(as_text=True)


def test_tampered_values_show_the_error_summary_and_save_nothing(client, links, db_session):
    b = Browser(client)
    b.get(links["employee"])
    b.press("Starta enkäten")
    b.press("Nästa", fill={"a-cap_workplace_1": "2"})
    b.press("Tillbaka")
    page = b.press(
        "Nästa",
        fill={"a-cap_workplace_1": "7", "a-cap_workplace_2": "3", "a-cap_governance_1": "1"},
    )
    assert page.status == 400
    assert page.title.startswith("Fel: ")
    assert 'role="alert"' in page.html and "Det finns ett problem" in page.html
    assert 'href="#a-cap_workplace_1-1"' in page.html  # the link goes to the field
    assert 'id="q-cap_workplace_1-error"' in page.html  # the message beside it
    assert page.forms[0].checked.get("a-cap_workplace_2") == "3"  # valid choices are kept
    assert saved_answers(db_session, links["employee"]) == {"cap_workplace_1": "2"}
    assert db_session.scalar(sa.select(Draft.page)) == 1
    # "dk" on a scale without it, and two values for one statement, are refused too.
    b.get("/survey/page/2")
    page = b.press("Nästa", fill={"a-comp_understanding_1": "dk"})
    assert page.status == 400 and "Det finns ett problem" in page.html


def test_comment_too_long_comes_back_in_its_box_with_the_count(client, links, db_session):
    b = Browser(client)
    b.get(links["employee"])
    b.press("Starta enkäten")
    page = b.get("/survey/page/8")
    assert "Högst 4\xa0000 tecken." in page.html
    assert 'id="c-comment_learning-count" data-count-status hidden></p>' in page.html
    text = "Första raden\r\n" + "å" * 4107  # 4 120 characters once the line break is \n
    page = b.press("Nästa", fill={"c-comment_learning": text})
    assert page.status == 400
    assert 'href="#c-comment_learning"' in page.html
    assert "Kommentaren får vara högst 4\xa0000 tecken" in page.html
    assert page.forms[0].texts["c-comment_learning"] == text.replace("\r\n", "\n")
    assert "Du har skrivit 4\xa0120 tecken, 120 för många." in page.html
    assert saved_answers(db_session, links["employee"]) == {}
    # Shortened in place, it is saved; back on the page the count is there without JavaScript.
    page = b.press("Nästa", fill={"c-comment_learning": "Mer tid att lära"})
    assert page.status == 200 and page.h1 == REVIEW
    assert saved_answers(db_session, links["employee"]) == {"comment_learning": "Mer tid att lära"}
    page = b.get("/survey/page/8")
    assert page.forms[0].texts["c-comment_learning"] == "Mer tid att lära"
    assert "Du har skrivit 16 av 4\xa0000 tecken." in page.html


def test_english_switch(client, links):
    b = Browser(client)
    b.get(links["employee"])
    page = b.press("Starta enkäten")
    assert page.lang == "sv"
    assert 'hreflang="en"' in page.html and ">English</a>" in page.html
    page = b.get("/lang/en?next=/survey/page/1")
    assert page.lang == "en"
    assert "Page 1 of 8" in page.html
    assert Q.items["cap_workplace_1"][0].text["en"] in page.html
    assert Q.scales["agree6"].labels["en"][0] in page.html
    assert "Don&#39;t know" in page.html or "Don't know" in page.html
    assert {"Next", "Back"} <= set(page.forms[0].buttons)
    assert ">Svenska</a>" in page.html
    page = b.press("Next", choose="first")
    assert page.lang == "en" and "Page 2 of 8" in page.html


def test_csrf_token_is_required(client, links, db_session):
    b = Browser(client)
    b.get(links["employee"])
    response = client.post("/survey/start")
    assert response.status_code == 400
    assert "Sidan behöver laddas om" in response.get_data(as_text=True)
    assert count(db_session, Draft) == 0


def test_thank_you_page_links_last_years_report(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    make_round(name="R2024", year=2024, status="published")
    last_year = db_session.scalar(sa.select(Round.id).where(Round.name == "R2024"))
    make_round()
    invite(runner, write_csv)
    url = issue_links(runner, tmp_path / "l.csv")[0]["url"]
    b = Browser(app.test_client())
    b.get(url)
    b.walk_to_review()
    page = b.press("Skicka in svaren")
    assert f'href="/results/{last_year}/"' in page.html
    assert "Läs förra årets rapport" in page.html
    assert "data-print" in page.html  # a print button, shown by the static script


def test_thank_you_page_without_a_published_round_has_no_link(
    app, make_round, runner, write_csv, tmp_path
):
    """Last year's round closed but not published: nothing public to link to."""
    make_round(name="R2024", year=2024, status="closed")
    make_round()
    invite(runner, write_csv)
    url = issue_links(runner, tmp_path / "l.csv")[0]["url"]
    b = Browser(app.test_client())
    b.get(url)
    b.walk_to_review()
    page = b.press("Skicka in svaren")
    assert page.h1 == THANKS
    assert "Läs förra årets rapport" not in page.html
    assert "/results/" not in page.html
