"""Uploads as staff really have them: Excel's CSV variants, XLSX, Swedish role names, and every
problem said in the reader's language at its row and column; the 403 page says why."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from tests.survey.admin_pages import confirm, upload
from tests.survey.staff import signed_in, text
from tests.survey.test_admin_respondents import invitations

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = ROOT / "questionnaires" / "malmo-digital.yaml"
URL = "/admin/respondents/R2025/upload"


pytestmark = pytest.mark.usefixtures("upload_dir")


def _cells(page: str) -> list[tuple[str, str, str]]:
    """The problem table's rows: (row, column, problem)."""
    body = page.split('id="problems"', 1)[1].split("</table>", 1)[0]
    found = re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>", body, re.S
    )
    return [(r.strip(), c.strip(), p.strip()) for r, c, p in found]


def test_a_windows_1252_file_with_semicolons_and_swedish_roles_imports(
    app, runner, clock, make_round
) -> None:
    make_round("R2025")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    data = "email;unit_code;role\r\nåsa@example.org;EDU-A;Medarbetare\r\n"
    data += "bo@example.org;CARE; CHEF \r\ncy@example.org;EDU-B;specialist\r\n"
    r = upload(admin, URL, data.encode("cp1252"), "personal.csv")
    assert r.status_code == 200, text(r)
    page = text(r)
    assert "Teckenkodning: Windows-1252, avgränsare: semikolon" in page
    r = confirm(admin, r, URL + "/confirm")
    assert r.status_code == 302
    assert invitations(app) == {
        "åsa@example.org": ("EDU-A", "employee", "pending"),
        "bo@example.org": ("CARE", "manager", "pending"),
        "cy@example.org": ("EDU-B", "specialist", "pending"),
    }


def test_three_problems_are_listed_in_swedish_then_in_english(
    app, runner, clock, make_round
) -> None:
    make_round("R2025")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    rows = [
        ["email", "unit_code", "role"],
        ["eva@malmo", "EDU-A", "medarbetare"],
        ["fia@example.org", "FSF-99", "chef"],
        ["gun@example.org", "CARE", "boss"],
    ]
    r = upload(admin, URL, rows, "personal.csv")
    assert r.status_code == 400
    page = text(r)
    assert _cells(page) == [
        (
            "2",
            "email",
            "'eva@malmo' är ingen e-postadress (den ska se ut som namn@kommun.se, med en punkt "
            "i delen efter @)",
        ),
        ("3", "unit_code", "okänd enhetskod 'FSF-99'"),
        ("4", "role", "okänd roll 'boss' (skriv medarbetare, chef, specialist)"),
    ]
    assert "The part after" not in page and "unknown" not in page
    assert invitations(app) == {}

    r = upload(admin, URL + "?lang=en", rows, "people.csv")
    assert r.status_code == 400
    english = _cells(text(r))
    assert english[0][2].startswith("'eva@malmo' is not an e-mail address")
    assert english[1][2] == "unknown unit code 'FSF-99'"
    assert english[2][2].startswith("unknown role 'boss'")
    assert "Character encoding: UTF-8, separator: comma" in text(r)
    assert invitations(app) == {}


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_utf16_bom_utf8_and_xlsx_files_import(app, runner, clock, make_round) -> None:
    make_round("R2025")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    unicode_text = "email\tunit_code\trole\r\nåke@example.org\tEDU-A\tchef\r\n".encode("utf-16")
    bom = "email,unit_code,role\r\nöla@example.org,EDU-B,Specialist\r\n".encode("utf-8-sig")
    book = _xlsx([["email", "unit_code", "role"], ["ulf@example.org", "CARE", "medarbetare"]])
    files = [
        (unicode_text, "unicode.txt", "Teckenkodning: UTF-16, avgränsare: tabb"),
        (bom, "bom.csv", "Teckenkodning: UTF-8, avgränsare: komma"),
        (book, "book.xlsx", None),
    ]
    for data, name, said in files:
        r = upload(admin, URL, data, name)
        assert r.status_code == 200, text(r)
        if said:
            assert said in text(r)
        else:
            assert "Teckenkodning" not in text(r)
        assert confirm(admin, r, URL + "/confirm").status_code == 302
    assert invitations(app) == {
        "åke@example.org": ("EDU-A", "manager", "pending"),
        "öla@example.org": ("EDU-B", "specialist", "pending"),
        "ulf@example.org": ("CARE", "employee", "pending"),
    }


def _two_problems() -> str:
    """A schema problem (a statement without English) and a semantic one (an undeclared scale),
    which the old check showed one at a time."""
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    del doc["dimensions"][0]["categories"][0]["items"][2]["text"]["en"]
    doc["dimensions"][1]["categories"][0]["scale"] = "agree7"
    return yaml.safe_dump(doc, allow_unicode=True)


SWEDISH = [
    "dimension 1, kategori 1, påstående 3: engelsk text saknas",
    "dimension 2, kategori 1: skalan 'agree7' finns inte under scales",
]


def test_an_instrument_with_two_problems_lists_both_on_the_page(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    for lang, expected in (
        ("", SWEDISH),
        (
            "?lang=en",
            [
                "dimension 1, category 1, statement 3: English text is missing",
                "dimension 2, category 1: the scale 'agree7' is not declared under scales",
            ],
        ),
    ):
        page = admin.get("/admin/questionnaires" + lang).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = admin.client.post(
            "/admin/questionnaires" + lang,
            data={"csrf_token": token, "file": (io.BytesIO(_two_problems().encode()), "ny.yaml")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 400
        listed = re.findall(
            r"<li>(.*?)</li>", text(r).split('id="problems"', 1)[1].split("</ul>")[0]
        )
        assert listed == expected


def test_an_instrument_with_two_problems_lists_both_on_the_command_line(runner, tmp_path) -> None:
    path = tmp_path / "ny.yaml"
    path.write_text(_two_problems(), encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "check", str(path)])
    assert result.exit_code == 1
    assert "Fel: 2 problem hittades; ingenting ändrades:" in result.output
    for line in SWEDISH:
        assert f"{path}: {line}" in result.output


def test_the_403_page_says_why(app, runner, clock, make_round) -> None:
    make_round("R2025")
    boss = signed_in(app, runner, clock, "manager10@example.org", "manager", "EDU")
    r = boss.get("/admin/fieldwork/R2025?unit=CARE")
    assert r.status_code == 403
    assert "Du har inte behörighet till den här enheten" in text(r)
    r = boss.get("/admin/org/upload")
    assert r.status_code == 403
    assert "Din roll (chef) ger inte tillgång till den här sidan" in text(r)
    r = boss.get("/admin/org/upload?lang=en")
    assert "Your role (manager) does not give access to this page" in text(r)
    assert boss.get("/admin/nowhere").status_code == 404
    assert "Sidan finns inte" in text(boss.get("/admin/nowhere"))
