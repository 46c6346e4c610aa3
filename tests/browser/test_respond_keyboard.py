"""Answering the whole questionnaire with the keyboard only, per role and language, and resuming."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser import keyboard
from tests.browser.conftest import BIG_UNIT, MOBILE, ROLES, Db, MakeSurvey
from tests.browser.flows import answer_by_keyboard, h1, progress, stored
from tests.browser.texts import EN, SV, TEXTS


def expected_answers(picked: dict[str, str]) -> dict[str, int | None]:
    return {name.removeprefix("a-"): stored(value) for name, value in picked.items()}


def assert_one_response(
    dbq: Db,
    role: str,
    picked: dict[str, str],
    typed: dict[str, str],
    questionnaire,
    unit: str = "EDU-A",
) -> None:
    assert dbq.count("responses") == 1
    assert dbq.count("drafts") == 0
    row = dbq.rows("SELECT r.role, u.code FROM responses r JOIN units u ON u.id = r.unit_id")[0]
    assert (row.role, row.code) == (role, unit)
    answers = dbq.answers()
    assert answers == expected_answers(picked)
    assert set(answers) == {i.id for i in questionnaire.items_for(role)}
    comments = {r.comment_id: r.text for r in dbq.rows("SELECT * FROM response_comments")}
    assert comments == {name.removeprefix("c-"): text for name, text in typed.items()}


def open_and_start(page: Page, link: str, lang: str = "sv") -> None:
    """Open a personal link, check the welcome page, press start by keyboard."""
    page.goto(link)
    assert "/s/" not in page.url, "the token must leave the address bar"
    if lang == "en":
        keyboard.follow_link(page, SV["switch"])
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("header a.lang-switch").inner_text().strip() == EN["switch"]
    keyboard.press_button(page, TEXTS[lang]["start"])
    assert progress(page) == TEXTS[lang]["progress"].format(n=1, total=_total(page))


def _total(page: Page) -> str:
    return progress(page).split()[-1]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_answers_by_keyboard_in_swedish(
    role: str, page: Page, make_survey: MakeSurvey, dbq: Db, questionnaire
) -> None:
    survey = make_survey()
    open_and_start(page, survey.link(role))
    first = keyboard.radio_groups(page)[0]
    category = questionnaire.categories_for(role)[0]
    assert first["legend"] == category.items_for(role)[0].text["sv"]
    if category.scale.dont_know:
        assert first["labels"][-1] == SV["dont_know"]

    picked, typed = answer_by_keyboard(page)
    assert h1(page) == SV["review"]
    assert "dk" in picked.values() or role == "employee"
    keyboard.press_button(page, SV["submit"])

    assert h1(page) == SV["thanks"]
    assert_one_response(dbq, role, picked, typed, questionnaire)
    assert dbq.scalar("SELECT status FROM invitations WHERE role = :r", r=role) == "completed"


def test_english_by_keyboard_on_a_phone(
    new_context, make_survey: MakeSurvey, dbq: Db, questionnaire
) -> None:
    survey = make_survey()
    page = new_context(viewport=MOBILE).new_page()
    open_and_start(page, survey.link("employee"), lang="en")
    first = keyboard.radio_groups(page)[0]
    category = questionnaire.categories_for("employee")[0]
    assert first["legend"] == category.items_for("employee")[0].text["en"]
    assert first["labels"] == [*category.scale.labels["en"], EN["dont_know"]]

    picked, typed = answer_by_keyboard(page, "en", comment="More time to try new tools.")
    assert h1(page) == EN["review"]
    keyboard.press_button(page, EN["submit"])

    assert h1(page) == EN["thanks"]
    assert_one_response(dbq, "employee", picked, typed, questionnaire)


def test_open_link_role_and_unit_by_keyboard(
    page: Page, make_survey: MakeSurvey, dbq: Db, questionnaire
) -> None:
    survey = make_survey(mode="open")
    page.goto(survey.unit_link("EDU"))
    groups = {g["legend"]: g for g in keyboard.radio_groups(page)}
    assert groups[SV["role_legend"]]["labels"] == list(SV["roles"].values())
    units = groups[SV["unit_legend"]]
    keyboard.pick_radio(page, "role", 0)
    keyboard.pick_radio(
        page,
        "unit",
        next(i for i, label in enumerate(units["labels"]) if label.endswith("Skola B")),
    )
    keyboard.press_button(page, SV["continue"])
    keyboard.press_button(page, SV["start"])

    picked, typed = answer_by_keyboard(page)
    keyboard.press_button(page, SV["submit"])

    assert h1(page) == SV["thanks"]
    assert_one_response(dbq, "employee", picked, typed, questionnaire, unit="EDU-B")


def test_stop_halfway_and_resume_in_another_browser(
    context: BrowserContext, new_context, make_survey: MakeSurvey, dbq: Db, questionnaire
) -> None:
    survey = make_survey()
    link = survey.link("employee")
    first = context.new_page()
    open_and_start(first, link)
    total = int(_total(first))
    half = total // 2
    picked, _ = answer_by_keyboard(first, stop_after=half)
    assert progress(first) == SV["progress"].format(n=half + 1, total=total)
    context.close()
    assert len(dbq.saved(link)) == len(picked)
    assert dbq.count("responses") == 0

    page = new_context().new_page()
    page.goto(link)
    assert page.url.endswith(f"/survey/page/{half + 1}"), page.url
    assert progress(page) == SV["progress"].format(n=half + 1, total=total)
    for n in range(half, 0, -1):  # every saved answer is still selected
        keyboard.press_button(page, SV["back"])
        assert progress(page) == SV["progress"].format(n=n, total=total)
        for group in keyboard.radio_groups(page):
            assert group["checked"] == picked[group["name"]], group["name"]
    for _ in range(half):
        keyboard.press_button(page, SV["next"])
    rest, typed = answer_by_keyboard(page)
    keyboard.press_button(page, SV["submit"])

    assert h1(page) == SV["thanks"]
    assert_one_response(dbq, "employee", picked | rest, typed, questionnaire)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    page: Page, make_survey: MakeSurvey
) -> None:
    page.goto(make_survey().link("employee"))
    page.keyboard.press("Tab")
    assert keyboard.focused(page)["text"] == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    keyboard.press_button(page, SV["start"])  # the next Tab continues inside the content
    assert progress(page) == SV["progress"].format(n=1, total=_total(page))


def test_open_link_unit_list_by_keyboard(page: Page, make_survey: MakeSurvey) -> None:
    """A unit with many sub-units offers a <select>; arrows choose without opening it."""
    page.goto(make_survey(mode="open", org=BIG_UNIT).unit_link("CITY"))
    keyboard.pick_radio(page, "role", 2)
    keyboard.pick_option(page, "unit", "Skola 03")
    keyboard.press_button(page, SV["continue"])

    assert page.get_by_role("button", name=SV["start"]).count() == 1
    assert "Specialist, Skola 03" in page.locator("main").inner_text()
