"""Walks through the respondent pages: by keyboard (the contract) or by mouse (to set up state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Page, expect

from tests.browser import keyboard
from tests.browser.texts import SV, TEXTS
from tests.support.factory import Survey

Chooser = Callable[[dict[str, Any], int], int]
CHECK_FIRST_OPTIONS = """() => document.querySelectorAll('main fieldset').forEach(fs => {
  const r = fs.querySelector('input[type=radio]'); if (r) r.checked = true; })"""


def press(page: Page, button: str, *, exact: bool = False) -> None:
    """Click a button (mouse) and wait until the page it leads to has loaded."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=exact).first.click()


def follow(page: Page, link: str) -> None:
    """Click a link (mouse) and wait until the page it leads to has loaded."""
    with page.expect_navigation():
        page.get_by_role("link", name=link, exact=True).first.click()


def preview_first(page: Page) -> None:
    """On the publish page: build the preview (a job), come back and open its Swedish HTML, as
    the browser requires before it offers the publish button."""
    press(page, "Förhandsgranska", exact=True)
    expect(page.get_by_role("status")).to_contain_text("Förhandsgranskningen är klar")
    follow(page, "Läs förhandsgranskningen och publicera")
    href = str(page.locator("[data-previews] a").first.get_attribute("href"))
    assert page.request.get(urljoin(page.url, href)).status == 200, href
    page.reload()


def h1(page: Page) -> str:
    return " ".join(page.locator("h1").first.inner_text().split())


def progress(page: Page) -> str:
    return page.locator(".progress__text").inner_text().strip()


def is_question_page(page: Page) -> bool:
    return page.locator("main form button[name=action][value=next]").count() == 1


def spread(group: dict[str, Any], n: int) -> int:
    """A chooser that walks through every option, "Vet ej" included, across the items."""
    return (n * 2 + len(group["name"])) % len(group["values"])


def stored(value: str) -> int | None:
    """What the answers table holds for a radio value ("dk" = vet ej = NULL)."""
    return None if value == "dk" else int(value)


def answer_by_keyboard(
    page: Page,
    lang: str = "sv",
    *,
    choose: Chooser = spread,
    comment: str | None = "Mer tid att prova nya verktyg.",
    stop_after: int | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """From the first question page to the review page with the keyboard only.

    Returns (radio name → value picked, textarea name → text typed). With ``stop_after`` it stops
    on the page after that many pages were saved.
    """
    t = TEXTS[lang]
    picked: dict[str, str] = {}
    typed: dict[str, str] = {}
    done = 0
    first = None
    while is_question_page(page):
        number, _ = _page_numbers(page, lang)
        first = number if first is None else first
        assert number == first + done, f"expected page {first + done}, got {number}"
        picked |= keyboard.answer_page(page, choose)
        for name in page.locator("main textarea").evaluate_all("els => els.map(e => e.name)"):
            if comment:
                keyboard.type_into(page, name, comment)
                typed[name] = comment
        keyboard.press_button(page, t["next"])
        done += 1
        if stop_after is not None and done == stop_after:
            break
    return picked, typed


def _page_numbers(page: Page, lang: str) -> tuple[int, int]:
    words = progress(page).split()
    expected = TEXTS[lang]["progress"].format(n=words[1], total=words[3])
    assert progress(page) == expected, progress(page)
    return int(words[1]), int(words[3])


def answer_fast(page: Page, lang: str = "sv", pages: int | None = None) -> None:
    """Select the first option of every statement and press Next, up to the review page.

    For setting up a state quickly: the radios are set through the DOM, the button is clicked.
    """
    t = TEXTS[lang]
    done = 0
    while is_question_page(page) and (pages is None or done < pages):
        page.evaluate(CHECK_FIRST_OPTIONS)
        press(page, t["next"], exact=True)
        done += 1


def start(page: Page, link: str, lang: str = "sv") -> None:
    """Open a personal link and press start (mouse)."""
    page.goto(link)
    press(page, TEXTS[lang]["start"])


def to_review(page: Page, link: str) -> None:
    start(page, link)
    answer_fast(page)
    assert h1(page) == TEXTS["sv"]["review"], h1(page)


def tamper(page: Page, name: str | None = None, value: str = "99") -> str:
    """Give a radio a value the scale does not have and select it; return the group's name."""
    group = name or keyboard.radio_groups(page)[0]["name"]
    page.evaluate(
        "([n, v]) => { const r = document.getElementsByName(n)[0];"
        " r.value = v; r.checked = true; }",
        [group, value],
    )
    return group


def review_in(page: Page, survey: Survey) -> None:
    """Reach the review page through a personal link (invited) or a unit link (open)."""
    if survey.mode == "invited":
        to_review(page, survey.link("employee"))
        return
    page.goto(survey.unit_link("EDU-A"))
    page.get_by_label(SV["roles"]["employee"], exact=True).check()
    press(page, SV["continue"])
    press(page, SV["start"])
    answer_fast(page)
    assert h1(page) == SV["review"]
