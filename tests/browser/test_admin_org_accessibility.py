"""axe-core (WCAG 2.1 A/AA) on the organisation and respondent pages at 1280 and 375 px.

One signed-in admin walks through the pages as a person would (files chosen in the file input,
previews with problems and without, the confirmation), and every page on the way is scanned.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, MOBILE, LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_respond_accessibility import axe_violations
from tests.browser.test_staff_accessibility import staff_home
from tests.conftest import QUESTIONNAIRE, SMALL_ORG

ORG_2026 = (
    "code,name,parent_code,headcount\nCITY,Staden,,100\nEDU,Barn och utbildning,CITY,\n"
    "CARE,Omsorg,CITY,\nEDU-B,Skola B,CARE,\nCARE-X,Hemtjänst,CARE,\n"
)
BAD_ORG = "code,name,parent_code\nCITY,Staden,\nEDU,Utbildning,NOPE\nEDU,Igen,CITY\n"
PEOPLE_BAD = "email,unit_code,role\na@example.org,EDU-A,employee\nb@example.org,NOPE,employee\n"
PEOPLE = "email,unit_code,role\na@example.org,EDU-A,employee\nb@example.org,EDU-B,manager\n"


def scan(page: Page, heading: str, found: dict[str, list[str]], errors: bool = False) -> None:
    page.wait_for_load_state()
    assert h1(page) == heading
    if errors:
        assert (
            page.get_by_role("alert").get_by_role("heading").inner_text() == "Det finns ett problem"
        )
        assert page.title().startswith("Fel:")
    for name, size in (("1280", DESKTOP), ("375", MOBILE)):
        page.set_viewport_size(size)
        found[f"{len(found) + 1}. {heading} ({page.url}) {name} px"] = axe_violations(page)
    page.set_viewport_size(DESKTOP)


def choose(page: Page, label: str, tmp: Path, name: str, content: str) -> None:
    path = tmp / name
    path.write_text(content, encoding="utf-8")
    page.get_by_label(label).set_input_files(str(path))


@pytest.mark.browser
def test_org_and_respondent_pages_have_no_axe_violations(
    page: Page, live_server: LiveServer, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    live_server.app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    org = tmp_path / "org2025.csv"
    org.write_text("\n".join(",".join(r) for r in SMALL_ORG) + "\n", encoding="utf-8")
    for args in (
        ["org", "import", "--year", "2025", str(org)],
        ["round", "create", "R2025", "--year", "2025", "--questionnaire", str(QUESTIONNAIRE)],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    staff_home(page, live_server, runner)
    found: dict[str, list[str]] = {}
    url = live_server.url

    page.goto(f"{url}/admin/org/")
    scan(page, "Organisation", found)
    follow(page, "Ladda upp ett års organisation")
    scan(page, "Ladda upp organisation", found)
    press(page, "Förhandsgranska")
    scan(page, "Ladda upp organisation", found, errors=True)
    page.get_by_label("År").fill("2026")
    choose(page, "Fil med organisationen", tmp_path, "bad.csv", BAD_ORG)
    press(page, "Förhandsgranska")
    scan(page, "Förhandsgranska organisation 2026", found, errors=True)
    page.goto(f"{url}/admin/org/upload")
    page.get_by_label("År").fill("2026")
    choose(page, "Fil med organisationen", tmp_path, "org2026.csv", ORG_2026)
    press(page, "Förhandsgranska")
    scan(page, "Förhandsgranska organisation 2026", found)
    press(page, "Spara organisationen för 2026")
    scan(page, "Organisationen 2026", found)
    page.goto(f"{url}/admin/org/remap")
    scan(page, "Omorganisationer", found)
    page.get_by_label("År").fill("2026")
    choose(
        page, "Fil med omorganisationer", tmp_path, "remap.csv", "old_code,new_code\nEDU-A,EDU\n"
    )
    press(page, "Förhandsgranska")
    scan(page, "Förhandsgranska omorganisationer 2026", found)

    page.goto(f"{url}/admin/respondents/")
    scan(page, "Respondenter", found)
    follow(page, "R2025")
    scan(page, "Respondenter i R2025", found)
    follow(page, "Ladda upp respondenter från en fil")
    scan(page, "Ladda upp respondenter", found)
    choose(page, "Fil med respondenter", tmp_path, "people.csv", PEOPLE_BAD)
    press(page, "Förhandsgranska")
    scan(page, "Förhandsgranska respondenter", found, errors=True)
    page.goto(f"{url}/admin/respondents/R2025/upload")
    choose(page, "Fil med respondenter", tmp_path, "people.csv", PEOPLE)
    press(page, "Förhandsgranska")
    scan(page, "Förhandsgranska respondenter", found)
    press(page, "Spara respondenterna")
    scan(page, "Respondenter i R2025", found)
    follow(page, "Lägg till en respondent")
    press(page, "Spara")
    scan(page, "Lägg till en respondent", found, errors=True)
    page.goto(f"{url}/admin/respondents/R2025")
    follow(page, "Ändra a@example.org")
    scan(page, "Ändra respondent", found)
    page.goto(f"{url}/admin/respondents/R2025")
    follow(page, "Ta bort a@example.org")
    scan(page, "Ta bort respondent", found)
    press(page, "Ja, ta bort")
    assert "a@example.org är borttagen ur omgången." in page.locator("main").inner_text()

    assert len(found) == 2 * 17  # every page above, at both widths
    report = "\n".join(f"  {where}: {line}" for where, lines in found.items() for line in lines)
    assert not report, f"axe found WCAG 2.1 A/AA violations:\n{report}"
