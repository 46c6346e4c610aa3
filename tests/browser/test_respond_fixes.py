"""What a new respondent stumbled on: a long comment, Back after submit, dates, the level key.

The character count must work with and without JavaScript; the axe scans of these states live
with the others in test_respond_accessibility.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import keyboard
from tests.browser.conftest import Db, LiveServer, MakeSurvey
from tests.browser.flows import answer_fast, follow, h1, press, progress, review_in, start
from tests.browser.texts import EN, SV

LONG = "Mer tid att prova nya verktyg. " * 132 + "Tack!"  # 4 097 characters, 97 too many
MONTHS = "January February March April May June July August September October November December"


def to_comments(page: Page, live: LiveServer, link: str) -> None:
    start(page, link)
    page.goto(f"{live.url}/survey/page/{progress(page).split()[-1]}")
    assert h1(page) == "Dina kommentarer"


def count_text(page: Page) -> str:
    """The visible count below the comment box, spaces (also no-break ones) made plain."""
    return " ".join(page.locator("[data-count-status]").inner_text().split())


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_comment_over_the_limit_comes_back_in_the_box_with_its_count(
    javascript: bool,
    new_context: Callable[..., BrowserContext],
    make_survey: MakeSurvey,
    live_server: LiveServer,
    dbq: Db,
) -> None:
    page = new_context(java_script_enabled=javascript).new_page()
    link = make_survey().link("employee")
    to_comments(page, live_server, link)
    box = page.get_by_label("Vad skulle hjälpa dig att utveckla din digitala kompetens?")
    expect(box).to_have_accessible_description(re.compile(r"^Högst 4\s000 tecken\.\s*$"))
    assert not page.locator("[data-count-status]").is_visible()
    box.fill(LONG)

    press(page, SV["next"], exact=True)

    assert h1(page) == "Dina kommentarer" and page.title().startswith("Fel:")
    assert box.input_value() == LONG, "the text is kept in the box"
    expect(page.locator("[data-count-status]")).to_be_visible()
    assert count_text(page) == "Du har skrivit 4 097 tecken, 97 för många."
    expect(box).to_have_accessible_description(
        re.compile(r"Högst 4\s000 tecken\..*Kommentaren får vara högst 4\s000 tecken.*97 för många")
    )
    assert dbq.saved(link) == {}
    box.fill(LONG[:3991])  # shortened in place
    if javascript:  # the count follows the text before anything is sent
        assert count_text(page) == "Du har skrivit 3 991 av 4 000 tecken."
    else:  # without JavaScript it is the server's count of what was sent
        assert count_text(page) == "Du har skrivit 4 097 tecken, 97 för många."
    press(page, SV["next"], exact=True)
    assert h1(page) == SV["review"]
    assert dbq.saved(link) == {"comment_learning": LONG[:3991].strip()}


def test_the_count_updates_as_you_type_and_a_screen_reader_hears_it_when_you_pause(
    page: Page, make_survey: MakeSurvey, live_server: LiveServer
) -> None:
    to_comments(page, live_server, make_survey().link("manager"))
    status = page.locator("[data-count-status]")
    live = page.locator("[data-count-live]")
    assert live.get_attribute("aria-live") == "polite" and live.inner_text() == ""
    keyboard.type_into(page, "c-comment_learning", "Kurser")
    assert count_text(page) == "Du har skrivit 6 av 4 000 tecken."
    expect(live).to_have_text(re.compile(r"^Du har skrivit 6 av 4\s000 tecken\.$"))
    page.get_by_role("textbox").fill("å" * 4000)
    page.get_by_role("textbox").press("End")
    page.keyboard.type("ok")
    assert count_text(page) == "Du har skrivit 4 002 tecken, 2 för många."
    expect(status).to_have_class(re.compile(r"character-count__status--over"))
    expect(page.get_by_role("textbox")).to_have_class(re.compile(r"textarea--error"))
    expect(live).to_have_text(re.compile(r"^Du har skrivit 4\s002 tecken, 2 för många\.$"))
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    assert count_text(page) == "Du har skrivit 4 000 av 4 000 tecken."
    expect(page.get_by_role("textbox")).not_to_have_class(re.compile(r"textarea--error"))


@pytest.mark.parametrize("mode", ["invited", "open"])
def test_back_after_submit_shows_the_receipt(
    mode: str, page: Page, make_survey: MakeSurvey, dbq: Db
) -> None:
    review_in(page, make_survey(mode=mode))
    press(page, SV["submit"])
    assert h1(page) == SV["thanks"]

    page.go_back()
    assert h1(page) == SV["thanks"], "Back after submit shows the receipt"
    assert page.locator("main").get_by_text("Öppna enkäten med din länk").count() == 0
    page.go_back()
    assert h1(page) == SV["thanks"]
    assert dbq.count("responses") == 1


def test_english_receipt_reads_day_month_year(
    page: Page, make_survey: MakeSurvey, live_server: LiveServer
) -> None:
    review_in(page, make_survey())
    press(page, SV["submit"])
    swedish = page.locator(".receipt dd").last.inner_text().strip()
    assert re.fullmatch(
        r"\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september"
        r"|oktober|november|december) \d{4}",
        swedish,
    ), swedish
    follow(page, SV["switch"])
    assert h1(page) == EN["thanks"]
    english = page.locator(".receipt dd").last.inner_text().strip()
    assert re.fullmatch(rf"\d{{1,2}} ({MONTHS.replace(' ', '|')}) \d{{4}}", english), english
    assert english.split()[0] == swedish.split()[0] and english.split()[2] == swedish.split()[2]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_level_descriptions_once_per_page_and_every_radio_fully_named(
    lang: str, page: Page, make_survey: MakeSurvey, questionnaire
) -> None:
    start(page, make_survey().link("employee"))
    answer_fast(page, pages=1)
    if lang == "en":
        follow(page, SV["switch"])
    scale = questionnaire.scales["level5"]
    groups = keyboard.radio_groups(page)
    assert len(groups) >= 3
    key = page.locator(".scale-key")
    expect(key.get_by_role("heading")).to_have_text(
        {"sv": "Vad svarsalternativen betyder", "en": "What the options mean"}[lang]
    )
    for label, text in zip(scale.labels[lang], scale.descriptions[lang], strict=True):
        assert page.get_by_text(text, exact=True).count() == 1, text
        assert page.get_by_text(text, exact=True).is_visible()
        radios = page.get_by_role("radio", name=label, exact=True)
        assert radios.count() == len(groups), label
        for i in range(radios.count()):
            expect(radios.nth(i)).to_have_accessible_description(text)
    assert [g["labels"] for g in groups] == [list(scale.labels[lang])] * len(groups)
    first = {"sv": "Kan inte ännu", "en": "I can't yet"}[lang]
    assert scale.labels[lang][0] == first
    assert page.get_by_text({"sv": "Vet inte hur", "en": "I don't know how"}[lang]).count() == 0


def test_the_comments_page_warns_once_and_the_site_has_an_icon(
    page: Page, make_survey: MakeSurvey, live_server: LiveServer
) -> None:
    to_comments(page, live_server, make_survey().link("specialist"))
    assert page.get_by_text(re.compile("skriv inte namn", re.I)).count() == 1
    icon = page.locator("link[rel=icon]")
    assert icon.get_attribute("type") == "image/svg+xml"
    response = page.request.get(f"{live_server.url}{icon.get_attribute('href')}")
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
