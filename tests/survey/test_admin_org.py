"""Organisation pages: upload with preview and diff, confirm, remaps, the tree, who may use them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from survey.extensions import db
from survey.models import Invitation, Unit, UnitRemap
from tests.conftest import SMALL_ORG, table_snapshot
from tests.survey.admin_pages import confirm, upload
from tests.survey.staff import signed_in, text

ORG_2026 = [
    ["code", "name", "parent_code", "headcount"],
    ["CITY", "Staden", "", "120"],
    ["EDU", "Barn och utbildning", "CITY", "40"],
    ["CARE", "Omsorg", "CITY", "60"],
    ["EDU-B", "Skola B", "CARE", ""],
    ["CARE-X", "Hemtjänst", "CARE", "20"],
]
BAD = [
    ["code", "name", "parent_code", "headcount"],
    ["CITY", "Staden", "", "10"],
    ["EDU", "Utbildning", "NOPE", ""],
    ["EDU", "Utbildning igen", "CITY", ""],
    ["=X", "Formel", "CITY", ""],
    ["EDU-C", "Skola C", "CITY", "many"],
]


pytestmark = pytest.mark.usefixtures("upload_dir")


def units(app, year: int) -> dict[str, str | None]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Unit).where(Unit.year == year)).all()
        return {u.code: u.parent.code if u.parent else None for u in rows}


def test_preview_lists_every_problem_and_writes_nothing(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    with app.app_context():
        before = table_snapshot()
    r = upload(admin, "/admin/org/upload", BAD, "org.csv", year="2026")
    assert r.status_code == 400
    page = text(r)
    assert "Filen har 4 problem. Inget har sparats." in page
    assert "okänd överordnad enhetskod 'NOPE'" in page
    assert "enhetskoden 'EDU' finns redan (på rad 3)" in page
    assert "'=X' är ingen giltig enhetskod" in page
    assert "'many' är inte ett heltal (0 eller fler)" in page
    assert "duplicate" not in page and "unknown" not in page  # no English in the Swedish page
    assert 'href="#problems"' in page and 'id="problems"' in page
    assert 'action="/admin/org/upload/confirm"' not in page
    with app.app_context():
        after = table_snapshot()
    after.pop("audit_log"), before.pop("audit_log")
    after.pop("users"), before.pop("users")
    assert after == before
    r = confirm_without_preview(admin)
    assert r.status_code == 302 and r.location.endswith("/admin/org/upload")
    assert units(app, 2026) == {}


def confirm_without_preview(admin):
    page = admin.get("/admin/org/upload")  # any page with a token
    return confirm(admin, page, "/admin/org/upload/confirm")


def test_preview_shows_the_diff_and_confirm_saves(app, runner, clock, make_org, upload_dir) -> None:
    make_org(2025)
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = upload(admin, "/admin/org/upload", ORG_2026, "org2026.csv", year="2026")
    assert r.status_code == 200, text(r)
    page = text(r)
    assert "Ändringar mot 2025" in page
    assert "Nya enheter (1)" in page and "<code>CARE-X</code>" in page
    assert "Borttagna enheter (1)" in page and "<code>EDU-A</code>" in page
    assert "Enheter med nytt namn (1)" in page
    assert "<td>Utbildning</td><td>Barn och utbildning</td>" in page
    assert "Flyttade enheter (1)" in page
    assert "<code>EDU-B</code></th><td>EDU</td><td>CARE</td>" in page
    assert units(app, 2026) == {}  # the preview saved nothing
    with admin.client.session_transaction() as sess:
        assert set(sess["upload_org"]) == {"key", "name", "meta"}  # no file in the cookie
    assert len(list(upload_dir.iterdir())) == 1  # the file waits server-side
    r = confirm(admin, r, "/admin/org/upload/confirm")
    assert r.status_code == 302 and r.location.endswith("/admin/org/2026")
    assert not list(upload_dir.iterdir())  # and is gone once saved
    assert units(app, 2026) == {
        "CITY": None,
        "EDU": "CITY",
        "CARE": "CITY",
        "EDU-B": "CARE",
        "CARE-X": "CARE",
    }
    assert units(app, 2025)["EDU-B"] == "EDU"
    r = admin.get("/admin/org/2026")
    assert "Organisationen för 2026 är sparad (5 enheter)." in text(r)
    # The file is gone once saved: confirming again does not import twice.
    again = confirm_without_preview(admin)
    assert again.status_code == 302 and again.location.endswith("/admin/org/upload")


def test_first_year_has_nothing_to_compare_and_replacing_warns(
    app, runner, clock, make_org
) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    page = text(upload(admin, "/admin/org/upload", SMALL_ORG, "org.csv", year="2025"))
    assert "Inget tidigare år att jämföra med" in page
    make_org(2025)
    page = text(upload(admin, "/admin/org/upload", SMALL_ORG, "org.csv", year="2025"))
    assert "Organisationen för 2025 finns redan (5 enheter) och ersätts av filen." in page
    with app.app_context():
        ids = sorted(db.session.scalars(sa.select(Unit.id).where(Unit.year == 2025)))
    assert len(ids) == 5  # the preview replaced the tree only in a rolled-back session
    assert units(app, 2025)["EDU-A"] == "EDU"


def test_a_workbook_is_read_like_a_csv(app, runner, clock) -> None:
    from openpyxl import Workbook

    book = Workbook()
    for row in ORG_2026:
        book.active.append([int(v) if v.isdigit() else v for v in row])
    data = io.BytesIO()
    book.save(data)
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = upload(admin, "/admin/org/upload", data.getvalue(), "org.xlsx", year="2026")
    assert r.status_code == 200, text(r)
    assert "Filen org.xlsx har 5 enheter och inga problem." in text(r)
    assert confirm(admin, r, "/admin/org/upload/confirm").status_code == 302
    with app.app_context():
        heads = dict(db.session.execute(sa.select(Unit.code, Unit.headcount)).all())
    assert heads == {"CITY": 120, "EDU": 40, "CARE": 60, "EDU-B": None, "CARE-X": 20}


def test_form_errors_name_the_year_and_the_file(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = admin.post("/admin/org/upload", {"year": "20x6"})
    assert r.status_code == 400
    page = text(r)
    assert "Året ska vara fyra siffror, till exempel 2026" in page
    assert "Välj en fil att ladda upp" in page
    assert 'href="#year"' in page and 'href="#file"' in page
    r = upload(admin, "/admin/org/upload", b"x", "org.pdf", year="2026")
    assert "Filen måste vara en CSV-fil (.csv) eller en Excel-arbetsbok (.xlsx)" in text(r)
    r = upload(admin, "/admin/org/upload", b"code,name\n\x81\x8d\n", "org.csv", year="2026")
    assert r.status_code == 400 and "filens teckenkodning kunde inte avgöras" in text(r)


def test_remap_preview_then_confirm(app, runner, clock, make_org) -> None:
    make_org(2025)
    make_org(2026, ORG_2026)
    admin = signed_in(app, runner, clock, "admin10@example.org")
    bad = [["old_code", "new_code"], ["EDU-A", "GHOST"], ["NOPE", "EDU"]]
    r = upload(admin, "/admin/org/remap", bad, "remap.csv", year="2026")
    assert r.status_code == 400
    page = text(r)
    assert "okänd enhetskod 'GHOST' i organisationen för 2026" in page
    assert "okänd enhetskod 'NOPE' i organisationen för 2025" in page
    good = [["old_code", "new_code"], ["EDU-A", "EDU"], ["EDU-A", "CARE-X"]]
    r = upload(admin, "/admin/org/remap", good, "remap.csv", year="2026")
    assert r.status_code == 200, text(r)
    assert "Skola A (<code>EDU-A</code>)" in text(r)
    assert "Hemtjänst (<code>CARE-X</code>), Barn och utbildning (<code>EDU</code>)" in text(r)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitRemap)) == 0
    r = confirm(admin, r, "/admin/org/remap/confirm")
    assert r.status_code == 302
    with app.app_context():
        pairs = db.session.execute(sa.select(UnitRemap.old_code, UnitRemap.new_code)).all()
    assert sorted(pairs) == [("EDU-A", "CARE-X"), ("EDU-A", "EDU")]
    assert "<code>CARE-X</code>" in text(admin.get("/admin/org/2026"))


def test_tree_page_counts_headcounts_and_invitations(
    app, runner, clock, make_org, make_round
) -> None:
    make_org(2026, ORG_2026)
    make_round("R2025")
    with app.app_context():
        ids = {u.code: u.id for u in db.session.scalars(sa.select(Unit).where(Unit.year == 2025))}
        rid = db.session.scalar(sa.text("select id from rounds where name = 'R2025'"))
        for i, code in enumerate(["EDU-A", "EDU-A", "EDU-B", "CARE"]):
            db.session.add(
                Invitation(
                    round_id=rid, email=f"p{i}@example.org", unit_id=ids[code], role="employee"
                )
            )
        db.session.commit()
    admin = signed_in(app, runner, clock, "admin10@example.org")
    page = text(admin.get("/admin/org/2025"))
    assert "Organisationen 2025" in page
    assert page.count('<li id="unit-') == 5
    assert "inbjudna: 2, med underenheter 2" in page.split('id="unit-EDU-A"')[1].split("</li>")[0]
    assert "inbjudna: 0, med underenheter 3" in page.split('id="unit-EDU"')[1].split("<ul>")[0]
    assert "inbjudna: 0, med underenheter 4" in page.split('id="unit-CITY"')[1].split("<ul>")[0]
    page26 = text(admin.get("/admin/org/2026"))
    assert "anställda: 120" in page26 and "anställda: uppgift saknas" in page26
    assert admin.get("/admin/org/2030").status_code == 404
    index = text(admin.get("/admin/org/"))
    assert 'href="/admin/org/2026"' in index and 'href="/admin/org/2025"' in index


def test_hr_and_managers_are_refused(app, runner, clock, make_org) -> None:
    make_org(2025)
    hr = signed_in(app, runner, clock, "hr21@example.org", "hr", address="192.0.2.21")
    boss = signed_in(
        app, runner, clock, "manager22@example.org", "manager", "CITY", address="192.0.2.22"
    )
    for staff in (hr, boss):
        for url in ("/admin/org/", "/admin/org/2025", "/admin/org/upload", "/admin/org/remap"):
            assert staff.get(url).status_code == 403, url
        r = staff.client.post("/admin/org/upload/confirm")
        assert r.status_code in (400, 403)


def test_missing_csrf_is_refused_and_big_files_get_a_clear_page(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = admin.post("/admin/org/upload", {"year": "2026"}, csrf=False)
    assert r.status_code == 400
    assert "Välj en fil" not in text(r)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    r = upload(
        admin, "/admin/org/upload", b"code,name,parent_code\n" + b"x" * 8000, "big.csv", year="2026"
    )
    assert r.status_code == 413
    assert "Filen är för stor" in text(r)
    assert units(app, 2026) == {}


def test_pages_speak_english_when_asked(app, runner, clock, make_org) -> None:
    make_org(2025)
    admin = signed_in(app, runner, clock, "admin10@example.org")
    admin.get("/lang/en?next=/admin/org/")
    refresh()  # the test app context outlives the request that chose the language
    assert "Upload a year's organisation" in text(admin.get("/admin/org/"))
    r = upload(admin, "/admin/org/upload", BAD, "org.csv", year="2026")
    assert "Problems found in the file: 4. Nothing has been saved." in text(r)
    assert "headcount: not given" in text(admin.get("/admin/org/2025"))
