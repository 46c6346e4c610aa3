"""axe-core (WCAG 2.1 A/AA) on the rounds, mail and questionnaire pages, at 1280 and 375 px.

Each page is reached the way an admin would: signed in with a second factor, then by links
and buttons from the round list; the round and its respondents come from the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_respond_accessibility import assert_accessible
from tests.browser.test_staff_accessibility import staff_home


@dataclass
class Ctx:
    page: Page
    live: LiveServer
    runner: FlaskCliRunner
    make_round: Callable[..., str]
    write_csv: Callable[..., Path]

    def admin(self, status: str = "draft") -> None:
        self.make_round(status="draft")
        path = self.write_csv(
            "people.csv",
            [["email", "unit_code", "role"], ["a@example.org", "EDU-A", "employee"],
             ["b@example.org", "EDU-B", "manager"]],
        )  # fmt: skip
        result = self.runner.invoke(args=["respondents", "import", "R2025", str(path)])
        assert result.exit_code == 0, result.output
        for move in {"draft": [], "open": ["open"], "closed": ["open", "close"]}[status]:
            result = self.runner.invoke(args=["round", move, "R2025"])
            assert result.exit_code == 0, result.output
        staff_home(self.page, self.live, self.runner)
        self.page.goto(f"{self.live.url}/admin/rounds")

    def detail(self, status: str = "draft") -> None:
        self.admin(status)
        follow(self.page, "R2025")


def rounds(c: Ctx) -> str:
    c.admin()
    return "Omgångar"


def new_round(c: Ctx) -> str:
    c.admin()
    follow(c.page, "Skapa en omgång")
    return "Skapa en omgång"


def new_round_errors(c: Ctx) -> str:
    new_round(c)
    press(c.page, "Skapa omgången")
    return "Skapa en omgång"


def detail(c: Ctx) -> str:
    c.detail("closed")
    return "Omgång R2025"


def confirm_open(c: Ctx) -> str:
    c.detail()
    follow(c.page, "Öppna omgången")
    return "Öppna omgången R2025"


def texts_preview(c: Ctx) -> str:
    c.detail()
    follow(c.page, "Ändra texter och datum")
    c.page.locator("#invitation-sv-subject").fill("Hej från {organisation}")
    c.page.locator("#invitation-sv-body").fill("Svara här: {link}")
    press(c.page, "Förhandsgranska")
    return "Utskickstexter – R2025"


def texts_errors(c: Ctx) -> str:
    c.detail()
    follow(c.page, "Ändra texter och datum")
    c.page.locator("#invitation-sv-body").fill("Hej {namn}")
    press(c.page, "Spara")
    return "Utskickstexter – R2025"


def send_invitations(c: Ctx) -> str:
    c.live.app.instance_path = str(Path(c.write_csv("x.csv", [["x"]])).parent / "instance")
    c.detail("open")
    follow(c.page, "Skicka inbjudningar")
    return "Skicka inbjudningar – R2025"


def sent_and_outbox(c: Ctx) -> str:
    send_invitations(c)
    press(c.page, "Skicka 2 meddelanden")
    c.page.goto(f"{c.live.url}/admin/outbox")
    return "Utkorgen"


def outbox_message(c: Ctx) -> str:
    sent_and_outbox(c)
    c.page.locator("main table a").first.click()
    c.page.wait_for_load_state()
    return "Inbjudan till enkäten om digital mognad – Demo stad"


def purge(c: Ctx) -> str:
    c.detail("closed")
    follow(c.page, "Radera personuppgifterna")
    return "Radera personuppgifter – R2025"


def questionnaires(c: Ctx) -> str:
    c.admin()
    follow(c.page, "Enkäter")
    return "Enkäter"


def upload_errors(c: Ctx) -> str:
    questionnaires(c)
    bad = Path(c.write_csv("bad.yaml", [["id: x"]]))
    c.page.locator("#file").set_input_files(str(bad))
    press(c.page, "Kontrollera och spara")
    return "Enkäter"


def questionnaire_pages(c: Ctx) -> str:
    questionnaires(c)
    follow(c.page, "Digital mognad och kompetens")
    return "Digital mognad och kompetens malmo-digital 2026.1"


def preview_page(c: Ctx) -> str:
    questionnaire_pages(c)
    c.page.locator("main table tbody tr").nth(1).locator("a").first.click()  # row 0: welcome
    c.page.wait_for_load_state()
    return h1(c.page)


def preview_review(c: Ctx) -> str:
    questionnaire_pages(c)
    row = c.page.locator("main table").first.locator("tr", has_text="Granska dina svar")
    row.locator("a").first.click()
    c.page.wait_for_load_state()
    return "Granska dina svar"


Reach = Callable[[Ctx], str]
PAGES: list[Reach] = [
    rounds,
    new_round,
    new_round_errors,
    detail,
    confirm_open,
    texts_preview,
    texts_errors,
    send_invitations,
    sent_and_outbox,
    outbox_message,
    purge,
    questionnaires,
    upload_errors,
    questionnaire_pages,
    preview_page,
    preview_review,
]
WITH_ERRORS = {new_round_errors, texts_errors, upload_errors}


@pytest.mark.parametrize("reach", PAGES, ids=[f.__name__ for f in PAGES])
def test_round_pages_have_no_axe_violations(
    reach: Reach, page: Page, live_server: LiveServer, runner, make_round, write_csv
) -> None:
    heading = reach(Ctx(page, live_server, runner, make_round, write_csv))
    page.wait_for_load_state()
    assert h1(page) == heading
    if reach in WITH_ERRORS:
        assert page.get_by_role("alert").get_by_role("heading").inner_text() == (
            "Det finns ett problem"
        )
    assert_accessible(page, reflow=False)
