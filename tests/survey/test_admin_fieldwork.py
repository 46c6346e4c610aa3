"""The fieldwork page and its CSV: counts rise as people answer, highlights, scope.

Respondents answer through the real respondent pages; their submissions wait in the ballot box
(no response exists before the close), and the counts must include them all the same.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for

from survey.extensions import db
from survey.models import Ballot, Response
from tests.survey.respondent import Browser, close_round, invite, issue_links
from tests.survey.staff import Staff, signed_in, text

PEOPLE = [
    *[(f"e{i}@example.org", "EDU-A", "employee") for i in range(4)],
    ("m0@example.org", "EDU-A", "manager"),
    ("b0@example.org", "EDU-B", "employee"),
    ("c0@example.org", "CARE", "specialist"),
]


@pytest.fixture
def links(make_round, runner, write_csv, tmp_path) -> dict[str, str]:
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    return {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "links.csv")}


def answer(app, url: str, submit: bool = True) -> None:
    """Answer through the respondent pages, in a fresh app context (``g`` of its own)."""
    with app.app_context():
        b = Browser(app.test_client())
        b.get(urlsplit(url).path)
        b.walk_to_review()
        if submit:
            assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"


def table(body: str) -> dict[tuple[str, str], dict[str, str]]:
    rows = csv.DictReader(io.StringIO(body))
    return {(r["unit_code"], r["role"]): r for r in rows}


def row_html(page: str, code: str) -> str:
    return next(tr for tr in page.split("<tr>") if f"({code})" in tr)


def test_counts_rise_as_people_answer_including_pending_ballots(app, runner, links, clock) -> None:
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    first = table(admin.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True))
    assert first[("CITY", "all")]["invited"] == "7"
    assert first[("EDU-A", "employee")]["invited"] == "4"
    assert first[("CITY", "all")]["completed"] == "0"

    answer(app, links["e0@example.org"])
    answer(app, links["e1@example.org"])
    answer(app, links["c0@example.org"])
    answer(app, links["e2@example.org"], submit=False)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 3
    rows = table(admin.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True))
    expected = {
        "invited": "4",
        "started": "1",
        "completed": "2",
        "percent": "50",
        "below_threshold": "false",
        "under_k": "true",
    }
    assert {key: rows[("EDU-A", "employee")][key] for key in expected} == expected
    assert rows[("EDU-A", "all")]["completed"] == "2" and rows[("EDU-A", "all")]["percent"] == "40"
    assert rows[("EDU-A", "all")]["below_threshold"] == "true"
    assert rows[("EDU", "all")]["completed"] == "2" and rows[("EDU", "all")]["invited"] == "6"
    assert rows[("CARE", "specialist")]["completed"] == "1"
    assert rows[("CITY", "all")]["completed"] == "3" and rows[("CITY", "all")]["started"] == "1"

    page = text(admin.get("/admin/fieldwork/R2025"))
    assert "<caption" in page and 'scope="row"' in page
    edu_a = row_html(page, "EDU-A")
    assert "Under tröskeln" in edu_a and "Under k: resultat döljs" in edu_a
    assert '<meter min="0" max="100" value="40"' in edu_a and "40 %" in edu_a
    care = row_html(page, "CARE")  # 1 of 1: complete, but still under k
    assert "Under tröskeln" not in care and "Under k" in care
    assert "e0@example.org" not in page
    by_role = text(admin.get("/admin/fieldwork/R2025?unit=EDU&role=manager"))
    assert "(CARE)" not in by_role and "(EDU-A)" in by_role
    assert "Inbjudna" in by_role and "chef" in by_role.lower()

    # Closing mixes the ballots, purging deletes invitations: the counts stay the same.
    close_round(runner)
    result = runner.invoke(args=["purge-personal-data", "R2025", "--yes"])
    assert result.exit_code == 0, result.output
    after = table(admin.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True))
    assert after[("CITY", "all")] == rows[("CITY", "all")]
    assert after[("EDU-A", "employee")] == rows[("EDU-A", "employee")]


def test_open_round_counts_responses_and_ballots(app, runner, make_round, tmp_path, clock) -> None:
    make_round(mode="open", status="open")
    url = next(
        r["url"] for r in issue_links(runner, tmp_path / "u.csv") if r["unit_code"] == "EDU-A"
    )
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    with app.app_context():
        b = Browser(app.test_client())
        b.get(urlsplit(url).path)
        b.press("Fortsätt", fill={"role": "specialist"})
        b.walk_to_review()
        assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
    rows = table(admin.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True))
    # A pending ballot counts for its unit; its role is sealed inside it until the close.
    assert rows[("EDU-A", "all")]["completed"] == "1"
    assert rows[("EDU-A", "specialist")]["completed"] == "0"
    assert rows[("CITY", "all")]["completed"] == "1"
    assert rows[("CITY", "all")]["invited"] == "" and rows[("CITY", "all")]["percent"] == ""
    page = text(admin.get("/admin/fieldwork/R2025"))
    assert "Inbjudna" not in page and "Under tröskeln" not in page
    close_round(runner)  # opened: the response carries its role
    rows = table(admin.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True))
    assert rows[("EDU-A", "specialist")]["completed"] == "1"
    assert rows[("CITY", "all")]["completed"] == "1"
    assert "Under k: resultat döljs" in row_html(page, "EDU-A")


def test_csv_is_neutralised(app, runner, make_round, write_csv, clock) -> None:
    from tests.conftest import SMALL_ORG

    org = [row if row[0] != "CARE" else ["CARE", "=HYPERLINK(1)", "CITY"] for row in SMALL_ORG]
    path = write_csv("org.csv", org)
    assert runner.invoke(args=["org", "import", "--year", "2025", str(path)]).exit_code == 0
    make_round(org=False, status="open")
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    body = admin.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True)
    assert "=HYPERLINK" in body
    cells = [cell for line in csv.reader(io.StringIO(body)) for cell in line]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_manager_sees_only_their_subtree(app, runner, links, clock) -> None:
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU")
    page = text(boss.get("/admin/fieldwork/R2025"))
    codes = set(re.findall(r"\(([A-Z-]+)\)</span>", page))
    assert codes == {"EDU", "EDU-A", "EDU-B"}
    assert 'value="CARE"' not in page and 'value="CITY"' not in page
    body = boss.get("/admin/fieldwork/R2025/fieldwork.csv").get_data(as_text=True)
    assert {code for code, _ in table(body)} == {"EDU", "EDU-A", "EDU-B"}
    assert boss.get("/admin/fieldwork/R2025?unit=EDU-B").status_code == 200
    for url in (
        "/admin/fieldwork/R2025?unit=CARE",
        "/admin/fieldwork/R2025?unit=CITY",
        "/admin/fieldwork/R2025/fieldwork.csv?unit=CARE",
        "/admin/fieldwork/R2025?unit=NOWHERE",
        "/admin/audit/",
        "/admin/feedback/",
        "/admin/comments/",
    ):
        assert boss.get(url).status_code == 403, url
    assert boss.get("/admin/fieldwork/").status_code == 200
    home = text(boss.get("/admin/"))
    assert "/admin/fieldwork/" in home
    assert "/admin/audit/" not in home and "/admin/comments/" not in home

    hr = signed_in(app, runner, clock, "hr@example.org", "hr", address="192.0.2.20")
    assert hr.get("/admin/fieldwork/R2025?unit=CARE").status_code == 200
    assert "(CITY)" in text(hr.get("/admin/fieldwork/R2025"))
    assert hr.get("/admin/audit/").status_code == 403
    assert hr.get("/admin/feedback/").status_code == 403
    assert hr.get("/admin/comments/").status_code == 200
    assert hr.get("/admin/fieldwork/R2025?unit=NOWHERE").status_code == 404


def staff_links(person: Staff) -> set[str]:
    """The staff pages the admin home links to (none: no list at all)."""
    lists = re.findall(r'<ul class="staff-pages">(.*?)</ul>', text(person.get("/admin/")), re.S)
    return set(re.findall(r'href="([^"]+)"', lists[0])) if lists else set()


# Every staff page by the endpoint of its first page (not read from PAGES, so that a wrong
# endpoint there shows up here).
STAFF_PAGES = (
    "admin.rounds",
    "admin.questionnaires",
    "admin.org_index",
    "admin.respondents_index",
    "admin.outbox",
    "admin.fieldwork_rounds",
    "dashboard.index",
    "admin.comment_rounds",
    "admin.feedback",
    "admin.exports",
    "admin.audit_log",
    "admin.tokens",
    "admin.accounts_list",
    "plans.index",
    "admin.federation_packages",
)


def staff_pages(app) -> dict[str, str]:
    with app.test_request_context():
        return {endpoint: url_for(endpoint) for endpoint in STAFF_PAGES}


def test_home_links_an_admin_to_every_staff_page(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    links = staff_links(admin)
    assert links == set(staff_pages(app).values())


def test_home_links_only_to_pages_that_exist_and_are_allowed(app, runner, clock, make_org) -> None:
    make_org(2025)
    url = staff_pages(app)
    every = set(url.values())
    hr_may = {
        url["admin.fieldwork_rounds"],
        url["admin.comment_rounds"],
        url["admin.exports"],
        url["dashboard.index"],
    }
    manager_may = {url["admin.fieldwork_rounds"], url["dashboard.index"], url["plans.index"]}
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    people = [
        (admin, every),
        (signed_in(app, runner, clock, "hr@example.org", "hr"), hr_may),
        (signed_in(app, runner, clock, "chef@example.org", "manager", "EDU"), manager_may),
    ]
    for person, may in people:
        links = staff_links(person)
        assert links <= may  # never a page the role may not use
        if person is not admin:
            assert links == may
        for link in may:
            assert person.get(link).status_code == 200, link

    # A page missing from the app is not linked, even for an admin.
    before = staff_links(admin)
    assert url["admin.outbox"] in before
    del app.view_functions["admin.outbox"]
    assert staff_links(admin) == before - {url["admin.outbox"]}


def test_pages_speak_english_too(app, runner, make_round, clock) -> None:
    make_round(status="open")
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    admin.get("/lang/en?next=/admin/")

    def english(url: str) -> str:
        with app.app_context():  # Flask-Babel caches the locale on the app context
            return text(admin.get(url))

    home = english("/admin/")
    assert "Fieldwork and response rates" in home and "Audit log" in home
    page = english("/admin/fieldwork/R2025")
    assert "<h1>Fieldwork: R2025</h1>" in page and "Share completed" in page
    assert "Fältarbete" not in page
    assert "Events, newest first" in english("/admin/audit/")
