"""axe-core (WCAG 2.1 A/AA rules) on every respondent page and state, at desktop and phone widths.

Also: no horizontal scrolling at 320 CSS pixels (WCAG 1.4.10 Reflow), and the error summary
behaves as the pattern says (alert, focused, "Fel:" in the title, links to the fields).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import BIG_UNIT, DESKTOP, MOBILE, LiveServer, MakeSurvey
from tests.browser.flows import (
    answer_fast,
    follow,
    h1,
    press,
    progress,
    review_in,
    start,
    tamper,
    to_review,
)
from tests.browser.texts import EN, SV

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
AXE = Axe()


def assert_accessible(page: Page, reflow: bool = True) -> None:
    """No axe WCAG 2.1 A/AA violation at 1280 and 375 px, and no sideways scroll at 320 px."""
    found = {}
    for name, size in (("1280", DESKTOP), ("375", MOBILE)):
        page.set_viewport_size(size)
        found[name] = axe_violations(page)
    report = "\n".join(f"  {w} px: {line}" for w, lines in found.items() for line in lines)
    assert not report, f"axe found WCAG 2.1 A/AA violations on {page.url}:\n{report}"
    if reflow:
        page.set_viewport_size({"width": 320, "height": 640})  # WCAG 1.4.10 Reflow
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} scrolls sideways at 320 px (scrollWidth {width})"


def axe_violations(page: Page) -> list[str]:
    """One readable line per violating node: rule id, impact, help, target and summary."""
    result = AXE.run(page, options=AXE_OPTIONS)
    lines = []
    for v in result.response["violations"]:
        for node in v["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(
                f"{v['id']} ({v.get('impact')}): {v['help']} at {node['target']}"
                f" — {summary} [{v['helpUrl']}]"
            )
    return lines


# --- How to reach each page; each returns the h1 the page must show ---------------------------


def welcome(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(make_survey().link("employee"))
    return "Digital mognad och kompetens"


def role_choice(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(make_survey(mode="open").unit_link("EDU"))
    assert page.get_by_role("group", name=SV["unit_legend"]).count() == 1
    return SV["role_legend"]


def role_choice_errors(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    role_choice(page, make_survey, live)
    press(page, SV["continue"])
    return SV["role_legend"]


def role_choice_select(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    """A link for a unit with more than 8 units below it: the unit is a <select>, with errors."""
    page.goto(make_survey(mode="open", org=BIG_UNIT).unit_link("CITY"))
    assert page.get_by_label(SV["unit_legend"]).evaluate("e => e.tagName") == "SELECT"
    press(page, SV["continue"])
    return SV["role_legend"]


def question_agree6(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("manager"))
    assert page.get_by_label("Stämmer helt").count() >= 3
    assert page.get_by_label(SV["dont_know"]).count() >= 3
    return h1(page)


def question_level5(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("employee"))
    answer_fast(page, pages=1)
    assert page.get_by_label("Kan vägleda andra").count() >= 3
    assert page.get_by_label(SV["dont_know"]).count() == 0
    assert page.locator(".scale-key dd").count() == 5  # the level descriptions, once
    return h1(page)


def comments(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("employee"))
    last = progress(page).split()[-1]
    page.goto(f"{live.url}/survey/page/{last}")
    assert page.locator("main textarea").count() == 1
    return h1(page)


def comments_too_long(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    """The error state: the text kept in the box, the count below it."""
    heading = comments(page, make_survey, live)
    page.get_by_role("textbox").fill("Lång kommentar. " * 258)
    press(page, SV["next"], exact=True)
    expect(page.locator("[data-count-status]")).to_contain_text("för många")
    return heading


def comments_counting(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    """The count as JavaScript shows it while typing, over the limit, announced once paused."""
    heading = comments(page, make_survey, live)
    page.get_by_role("textbox").fill("x" * 4010)
    expect(page.locator("[data-count-live]")).to_contain_text("för många")
    return heading


def question_errors(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("manager"))
    heading = h1(page)
    tamper(page)
    press(page, SV["next"], exact=True)
    return heading


def question_errors_english(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("employee"))
    follow(page, SV["switch"])
    heading = h1(page)
    tamper(page)
    press(page, EN["next"], exact=True)
    assert page.title().startswith("Error:")
    assert page.get_by_role("alert").get_by_role("heading").inner_text() == EN["problem"]
    return heading


def review(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("specialist"))
    answer_fast(page, pages=2)
    page.goto(f"{live.url}/survey/review")  # with unanswered statements listed
    return SV["review"]


def thanks(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    to_review(page, make_survey().link("employee"))
    press(page, SV["submit"])
    return SV["thanks"]


def receipt_after_back(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    thanks(page, make_survey, live)
    page.go_back()
    return SV["thanks"]


def thanks_english(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    thanks(page, make_survey, live)
    follow(page, SV["switch"])
    return EN["thanks"]


def closed(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(make_survey(status="closed").link("employee"))
    return SV["closed"]


def not_open(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(make_survey(status="draft").link("employee"))
    return "Enkäten har inte öppnat ännu"


def unknown(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(f"{live.url}/s/{'x' * 43}")
    return SV["unknown"]


def used(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    link = make_survey().link("employee")
    to_review(page, link)
    press(page, SV["submit"])
    page.goto(link)
    return SV["used"]


def answered_open(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    survey = make_survey(mode="open")
    review_in(page, survey)
    press(page, SV["submit"])
    page.goto(survey.unit_link("EDU-A"))
    return SV["used"]


def no_session(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(f"{live.url}/survey/review")
    return "Öppna enkäten med din länk"


def stale_form(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    start(page, make_survey().link("employee"))
    page.evaluate("() => { document.querySelector('input[name=csrf_token]').value = 'old'; }")
    press(page, SV["next"], exact=True)
    return "Sidan behöver laddas om"


def statement(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    page.goto(f"{live.url}/")
    follow(page, SV["statement"])
    return SV["statement"]


def statement_errors(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    statement(page, make_survey, live)
    press(page, "Skicka synpunkten")
    return SV["statement"]


def statement_sent(page: Page, make_survey: MakeSurvey, live: LiveServer) -> str:
    statement(page, make_survey, live)
    page.get_by_label("Beskriv vad som inte fungerar").fill("Fokus syns dåligt på knappen.")
    press(page, "Skicka synpunkten")
    assert page.get_by_role("status").inner_text().startswith("Tack!")
    return SV["statement"]


Reach = Callable[[Page, MakeSurvey, LiveServer], str]
PAGES: list[Reach] = [
    welcome,
    role_choice,
    role_choice_errors,
    role_choice_select,
    question_agree6,
    question_level5,
    comments,
    comments_too_long,
    comments_counting,
    question_errors,
    question_errors_english,
    review,
    thanks,
    receipt_after_back,
    thanks_english,
    closed,
    not_open,
    unknown,
    used,
    answered_open,
    no_session,
    stale_form,
    statement,
    statement_errors,
    statement_sent,
]
WITH_ERRORS = {
    role_choice_errors,
    role_choice_select,
    question_errors,
    comments_too_long,
    statement_errors,
}


@pytest.mark.parametrize("reach", PAGES, ids=[f.__name__ for f in PAGES])
def test_no_axe_violations_and_no_sideways_scroll_at_320_px(
    reach: Reach, page: Page, make_survey: MakeSurvey, live_server: LiveServer
) -> None:
    heading = reach(page, make_survey, live_server)
    page.wait_for_load_state()
    assert h1(page) == heading
    if reach in WITH_ERRORS:
        assert page.get_by_role("alert").get_by_role("heading").inner_text() == SV["problem"]
    assert_accessible(page)


def test_error_summary_takes_focus_and_links_to_the_field(
    page: Page, make_survey: MakeSurvey, live_server: LiveServer
) -> None:
    start(page, make_survey().link("manager"))
    name = tamper(page)
    press(page, SV["next"], exact=True)

    assert page.title().startswith("Fel:")
    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == SV["problem"]
    assert page.evaluate("() => document.activeElement.closest('[role=alert]') !== null")
    target = summary.get_by_role("link").first.get_attribute("href")
    assert target and target.startswith("#")
    assert page.locator(target).get_attribute("name") == name, "the link leads to the bad answer"
    field = page.locator(".form-group--error")
    assert field.count() == 1 and field.locator(f"input[name='{name}']").count() > 1
    assert field.locator(".error-message").inner_text().strip().startswith("Fel:")


def test_the_scan_itself_finds_a_planted_violation(page: Page, live_server: LiveServer) -> None:
    """Guard against a scan that silently checks nothing (e.g. axe blocked by the CSP)."""
    page.goto(f"{live_server.url}/accessibility")
    result = AXE.run(page, options=AXE_OPTIONS)
    assert len(result.response["passes"]) > 15
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert any(line.startswith("image-alt") for line in axe_violations(page))
