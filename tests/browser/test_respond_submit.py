"""Submitting once: double clicks, stale tabs, simultaneous posts, used and closed links."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser import keyboard
from tests.browser.conftest import Db, MakeSurvey
from tests.browser.flows import answer_fast, follow, h1, press, review_in, start, to_review
from tests.browser.texts import EN, SV

SUBMIT_TWICE = """async () => {
  const form = document.querySelector('main form[action$="/survey/submit"]');
  const send = () => fetch(form.action, {method: 'POST', body: new FormData(form)})
    .then(async r => [r.status, (await r.text()).match(/<h1[^>]*>([^<]*)</)?.[1].trim()]);
  return Promise.all([send(), send()]);
}"""


@pytest.mark.parametrize("mode", ["invited", "open"])
def test_double_click_stale_tab_and_back_make_one_response(
    mode: str, context: BrowserContext, make_survey: MakeSurvey, dbq: Db
) -> None:
    survey = make_survey(mode=mode)
    page = context.new_page()
    review_in(page, survey)
    stale = context.new_page()
    stale.goto(page.url)
    assert h1(stale) == SV["review"]
    posts: list[str] = []
    context.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.get_by_role("button", name=SV["submit"]).dblclick()
    page.wait_for_url("**/survey/thanks")
    assert h1(page) == SV["thanks"]
    assert dbq.count("responses") == 1

    press(stale, SV["submit"])  # the other tab submits again
    assert h1(stale) == SV["thanks"]
    assert len(posts) >= 2

    page.go_back()
    assert page.locator("main").count() == 1
    if page.get_by_role("button", name=SV["submit"]).count():
        press(page, SV["submit"])
    assert dbq.count("responses") == 1
    assert dbq.count("drafts") == 0


@pytest.mark.parametrize("mode", ["invited", "open"])
def test_two_simultaneous_posts_make_one_response(
    mode: str, page: Page, make_survey: MakeSurvey, dbq: Db
) -> None:
    survey = make_survey(mode=mode)
    review_in(page, survey)

    results = page.evaluate(SUBMIT_TWICE)

    assert [status for status, _ in results] == [200, 200], results
    assert {heading for _, heading in results} == {SV["thanks"]}
    assert dbq.count("responses") == 1
    assert dbq.count("drafts") == 0


def test_a_used_link_says_already_answered(
    page: Page, new_context, make_survey: MakeSurvey, dbq: Db
) -> None:
    survey = make_survey()
    link = survey.link("employee")
    to_review(page, link)
    keyboard.press_button(page, SV["submit"])
    assert h1(page) == SV["thanks"]

    for browser_page in (page, new_context().new_page()):  # same browser and another one
        response = browser_page.goto(link)
        assert response is not None and response.status == 410
        assert h1(browser_page) == SV["used"]
    follow(page, SV["switch"])
    assert h1(page) == EN["used"]
    assert dbq.count("responses") == 1


def test_reissued_and_unknown_links_do_not_work(
    page: Page, make_survey: MakeSurvey, live_server, tmp_path: Path
) -> None:
    survey = make_survey()
    old = survey.link("manager")
    result = survey.runner.invoke(args=["links", survey.name, "--out", str(tmp_path / "new.csv")])
    assert result.exit_code == 0, result.output
    for link in (old, f"{live_server.url}/s/{'x' * 43}", f"{live_server.url}/s/short"):
        response = page.goto(link)
        assert response is not None and response.status == 404
        assert h1(page) == SV["unknown"]
    follow(page, SV["switch"])
    assert h1(page) == EN["unknown"]


def test_a_closed_round_shows_the_closed_page(
    page: Page, new_context, make_survey: MakeSurvey, dbq: Db
) -> None:
    survey = make_survey()
    link = survey.link("specialist")
    start(page, link)
    answer_fast(page, pages=1)
    survey.move("close")

    press(page, SV["next"], exact=True)  # mid-questionnaire
    assert h1(page) == SV["closed"]
    other = new_context().new_page()
    response = other.goto(link)  # and when opening the link afresh
    assert response is not None and response.status == 410
    assert h1(other) == SV["closed"]
    follow(other, SV["switch"])
    assert h1(other) == EN["closed"]
    assert dbq.count("responses") == 0
