"""Respondent pages: upload with a preview, add, change, remove, counts; who may use them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Invitation, Round, Unit
from tests.survey.admin_pages import confirm, upload
from tests.survey.staff import signed_in, text

HEADER = ["email", "unit_code", "role"]
ONE_BAD = [
    HEADER,
    ["a@example.org", "EDU-A", "employee"],
    ["b@example.org", "NOPE", "employee"],
    ["c@example.org", "CARE", "manager"],
]
FIXED = [
    HEADER,
    ["a@example.org", "EDU-A", "employee"],
    ["b@example.org", "EDU-B", "employee"],
    ["c@example.org", "CARE", "manager"],
]


pytestmark = pytest.mark.usefixtures("upload_dir")


def invitations(app) -> dict[str, tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Invitation.email, Unit.code, Invitation.role, Invitation.status).join(
                Unit, Invitation.unit_id == Unit.id
            )
        ).all()
    return {e: (u, r, s) for e, u, r, s in rows}


def test_one_bad_row_is_shown_then_the_fixed_file_is_saved(app, runner, clock, make_round) -> None:
    make_round("R2025")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = upload(admin, "/admin/respondents/R2025/upload", ONE_BAD, "people.csv")
    assert r.status_code == 400
    page = text(r)
    assert "Filen har 1 problem. Inget har sparats." in page
    assert "<td>3</td>" in page and "okänd enhetskod 'NOPE'" in page
    assert invitations(app) == {}
    r = upload(admin, "/admin/respondents/R2025/upload", FIXED, "people.csv")
    assert r.status_code == 200, text(r)
    assert "lägger till 3 respondenter i R2025" in text(r)
    assert invitations(app) == {}
    r = confirm(admin, r, "/admin/respondents/R2025/upload/confirm")
    assert r.status_code == 302 and r.location.endswith("/admin/respondents/R2025")
    assert invitations(app) == {
        "a@example.org": ("EDU-A", "employee", "pending"),
        "b@example.org": ("EDU-B", "employee", "pending"),
        "c@example.org": ("CARE", "manager", "pending"),
    }
    page = text(admin.get("/admin/respondents/R2025"))
    assert "3 respondenter är tillagda." in page
    assert "Inbjudna per enhet och roll (3 totalt)" in page
    care = page.split("(<code>CARE</code>)</th>")[1].split("</tr>")[0]
    assert [c.strip() for c in care.replace("<td>", "").split("</td>")[:4]] == ["0", "1", "0", "1"]
    # The same file again: every address is already invited, and nothing changes.
    r = upload(admin, "/admin/respondents/R2025/upload", FIXED, "people.csv")
    assert (
        r.status_code == 400
        and "'a@example.org' är redan inbjuden till den här omgången" in text(r)
    )


def test_add_edit_and_remove_one(app, runner, clock, make_round) -> None:
    make_round("R2025")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    url = "/admin/respondents/R2025/add"
    r = admin.post(url, {"email": "not-an-address", "unit": "", "role": "boss"})
    assert r.status_code == 400
    page = text(r)
    assert "är ingen e-postadress" in page and "okänd roll 'boss'" in page
    assert 'href="#unit"' in page and 'href="#role"' in page
    assert invitations(app) == {}
    r = admin.post(url, {"email": "Dana@Example.org", "unit": "EDU-A", "role": "employee"})
    assert r.status_code == 302
    assert invitations(app) == {"dana@example.org": ("EDU-A", "employee", "pending")}
    with app.app_context():
        iid = db.session.scalar(sa.select(Invitation.id))
    edit = f"/admin/respondents/R2025/{iid}/edit"
    assert 'value="EDU-A" selected' in text(admin.get(edit))
    r = admin.post(edit, {"unit": "GHOST", "role": "manager"})
    assert r.status_code == 400 and "Välj en enhet i listan" in text(r)
    r = admin.post(edit, {"unit": "CARE", "role": "manager"})
    assert r.status_code == 302
    assert invitations(app) == {"dana@example.org": ("CARE", "manager", "pending")}
    remove = f"/admin/respondents/R2025/{iid}/remove"
    page = text(admin.get(remove))
    assert "Vill du ta bort dana@example.org ur omgången R2025?" in page
    assert invitations(app)  # asking is not removing
    r = admin.post(remove, {})
    assert r.status_code == 302
    assert invitations(app) == {}


def test_a_completed_invitation_is_neither_changed_nor_removed(
    app, runner, clock, make_round
) -> None:
    make_round("R2025", status="open")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    admin.post(
        "/admin/respondents/R2025/add",
        {"email": "e@example.org", "unit": "EDU", "role": "employee"},
    )
    with app.app_context():
        inv = db.session.scalar(sa.select(Invitation))
        inv.status = "completed"
        iid = inv.id
        db.session.commit()
    r = admin.post_from("/admin/org/upload", f"/admin/respondents/R2025/{iid}/remove", {})
    assert r.status_code == 409
    r = admin.post(f"/admin/respondents/R2025/{iid}/edit", {"unit": "CARE", "role": "manager"})
    assert r.status_code == 400
    assert invitations(app) == {"e@example.org": ("EDU", "employee", "completed")}
    page = text(admin.get("/admin/respondents/R2025"))
    assert f"/{iid}/remove" not in page and f"/{iid}/edit" not in page


def test_a_closed_round_takes_no_changes(app, runner, clock, make_round) -> None:
    make_round("R2025", status="closed")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = admin.post(
        "/admin/respondents/R2025/add",
        {"email": "f@example.org", "unit": "EDU", "role": "employee"},
    )
    assert r.status_code == 400 and "mätomgången 'R2025' är stängd" in text(r)
    r = upload(admin, "/admin/respondents/R2025/upload", FIXED, "people.csv")
    assert r.status_code == 400 and "är stängd" in text(r)
    assert invitations(app) == {}
    assert "Omgången är stängd" in text(admin.get("/admin/respondents/R2025"))


def test_hr_and_managers_are_refused_and_csrf_is_required(app, runner, clock, make_round) -> None:
    make_round("R2025")
    admin = signed_in(app, runner, clock, "admin10@example.org")
    admin.post(
        "/admin/respondents/R2025/add",
        {"email": "g@example.org", "unit": "EDU", "role": "employee"},
    )
    with app.app_context():
        iid = db.session.scalar(sa.select(Invitation.id))
    hr = signed_in(app, runner, clock, "hr21@example.org", "hr", address="192.0.2.21")
    boss = signed_in(
        app, runner, clock, "manager22@example.org", "manager", "CITY", address="192.0.2.22"
    )
    urls = [
        "/admin/respondents/",
        "/admin/respondents/R2025",
        "/admin/respondents/R2025/upload",
        "/admin/respondents/R2025/add",
        f"/admin/respondents/R2025/{iid}/edit",
        f"/admin/respondents/R2025/{iid}/remove",
    ]
    for staff in (hr, boss):
        for url in urls:
            assert staff.get(url).status_code == 403, url
    r = admin.post(f"/admin/respondents/R2025/{iid}/remove", {}, csrf=False)
    assert r.status_code == 400
    r = admin.post(
        "/admin/respondents/R2025/add",
        {"email": "h@example.org", "unit": "EDU", "role": "employee"},
        csrf=False,
    )
    assert r.status_code == 400
    assert set(invitations(app)) == {"g@example.org"}
    assert admin.get("/admin/respondents/NOPE").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Round)) == 1
