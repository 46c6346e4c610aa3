"""Action plans: made for a unit's round, followed up beside the next round's change (the same
numbers as the comparison figures, nothing where the cell is hidden), refused outside a
manager's units, and printed in the published report when marked for it."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import ActionPlan, AuditLog, PublishedFile, Round
from tests.privacy.cities import questionnaire
from tests.survey.dashboard_pages import close
from tests.survey.staff import signed_in, text
from tests.survey.test_dashboard import figures, row

#: The indices that average categories (maturity, dimensions, plan areas): never a plan's category.
COMPOSITES = questionnaire().composites


@pytest.fixture
def rounds(app, two_years) -> dict[str, int]:
    with app.app_context():
        return {r.name: r.id for r in db.session.scalars(sa.select(Round))}


def plan(staff, round_id: int, unit: str, category: str, **extra: str):
    data = {
        "categories": category, "quadrant": "", "goals": "Alla kan dela data säkert.",
        "measures": "Kurs i datahantering\nMånadsvis genomgång", "owner": "Enhetschef",
        "due": "2025-06-30", "status": "in_progress", **extra,
    }  # fmt: skip
    return staff.post(f"/plans/new?round={round_id}&unit={unit}", data)


def categories(frame, unit: str, comparable: bool) -> list[str]:
    rows = frame[
        (frame.unit_code == unit) & (frame.role == "all") & ~frame["index"].isin(COMPOSITES)
    ]
    keep = rows["delta"].notna() & ~rows["suppressed"].astype(bool)
    return list(rows[keep if comparable else rows["suppressed"].astype(bool)]["index"])


def follow_up(page: str) -> str:
    found = re.search(r'<section aria-labelledby="plans-heading".*?</section>', page, re.S)
    assert found is not None
    return found.group(0)


def test_the_form_starts_from_the_units_weakest_shown_categories(app, rounds, admin) -> None:
    earlier = figures(app, "R2024")
    rows = earlier[
        (earlier.unit_code == "EDU") & (earlier.role == "all")
        & ~earlier["index"].isin(COMPOSITES) & ~earlier["suppressed"].astype(bool)
    ]  # fmt: skip
    weakest = set(rows.sort_values("score")["index"].head(3))
    page = text(admin.get(f"/plans/new?round={rounds['R2024']}&unit=EDU"))
    checked = set(re.findall(r'name="categories" value="([^"]+)" checked', page))
    assert checked == weakest
    assert "Ifyllt från enhetens resultat" in page
    hidden = text(admin.get(f"/plans/new?round={rounds['R2024']}&unit=TINY"))
    assert "Inget är ifyllt" in hidden and " checked" not in hidden.split('name="quadrant"')[0]


def test_the_next_round_shows_the_plan_beside_its_change(app, rounds, admin) -> None:
    frame = figures(app, "R2025")
    category = categories(frame, "EDU", comparable=True)[0]
    r = plan(admin, rounds["R2024"], "EDU", category)
    assert r.status_code == 303, text(r)
    section = follow_up(text(admin.get(f"/dashboard/{rounds['R2025']}/?unit=EDU")))
    assert "Planen för Utbildning R2024" in section and "pågår" in section
    fig = row(frame, "EDU", "all", category)
    shown = [
        re.search(rf"<span data-{key}>([^<]+)</span>", section).group(1)
        for key in ("delta", "low", "high")
    ]
    for value, key in zip(shown, ("delta", "delta_ci_low", "delta_ci_high"), strict=True):
        assert close(value.lstrip("+"), fig[key]), (value, fig[key])
    word = {"improved": "förbättring", "declined": "försämring", "no_change": "ingen säkerställd"}
    assert word[fig["change"]] in section
    assert "inte planens effekt" in section
    # The plan's own round offers the plan; a later round without one offers to make one.
    assert "Åtgärdsplanen för R2024" in text(admin.get(f"/dashboard/{rounds['R2024']}/?unit=EDU"))
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert "plan.create" in actions
    log = text(admin.get("/admin/audit/?action=plan.create"))
    assert "Åtgärdsplan skapades" in log
    assert "status: pågår" in log and "i rapporten: nej" in log  # in words, not codes
    assert "in_progress" not in log and "False" not in log
    english = text(admin.get("/admin/audit/?action=plan.create&lang=en"))
    assert "status: in progress" in english and "in the report: no" in english


def test_a_hidden_change_shows_no_number(app, rounds, admin) -> None:
    frame = figures(app, "R2025")
    hidden = categories(frame, "TINY", comparable=False)
    assert hidden, "the small unit's cells are suppressed"
    assert plan(admin, rounds["R2024"], "TINY", hidden[0]).status_code == 303
    section = follow_up(text(admin.get(f"/dashboard/{rounds['R2025']}/?unit=TINY")))
    assert "visas inte, för att skydda svarande" in section
    assert "data-delta" not in section and not re.search(r"\d,\d", section)


def test_a_manager_plans_only_for_their_units(app, runner, clock, rounds, admin) -> None:
    rid = rounds["R2024"]
    frame = figures(app, "R2024")
    category = categories(frame, "CITY", comparable=False)[:1] or ["comp_safety"]
    assert plan(admin, rid, "CARE", "comp_safety").status_code == 303
    with app.app_context():
        care = db.session.scalar(sa.select(ActionPlan.id).where(ActionPlan.unit_code == "CARE"))
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU")
    assert boss.get(f"/plans/new?round={rid}&unit=CARE").status_code == 403
    token = boss.token(f"/plans/new?round={rid}&unit=EDU")
    r = boss.client.post(
        f"/plans/new?round={rid}&unit=CARE",
        data={"csrf_token": token, "categories": category[0], "goals": "x", "measures": "y",
              "owner": "z", "status": "planned"},
    )  # fmt: skip
    assert r.status_code == 403
    for url in (f"/plans/{care}/edit", f"/plans/{care}/delete", f"/plans/?round={rid}&unit=CARE"):
        assert boss.get(url).status_code == 403, url
    assert boss.client.post(f"/plans/{care}/delete", data={"csrf_token": token}).status_code == 403
    assert plan(boss, rid, "EDU-A", "comp_safety").status_code == 303
    listed = text(boss.get(f"/plans/?round={rid}"))
    assert "Skola A" in listed and "Omsorg" not in listed
    home = text(boss.get("/admin/"))
    assert "Åtgärdsplaner" in home  # the staff menu
    assert "och gör deras åtgärdsplaner" in home  # what a manager does, in words
    assert "and make their action plans" in text(boss.get("/admin/?lang=en"))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionPlan)) == 2
    # A refused form says why, in Swedish, and keeps nothing.
    r = boss.post(f"/plans/new?round={rid}&unit=EDU", {"goals": "", "status": "planned"})
    page = text(r)
    assert r.status_code == 400 and "Välj minst en kategori eller ett fyrfält." in page
    assert "Skriv planens mål." in page


def test_delete_asks_first_and_is_audited(app, rounds, admin) -> None:
    assert plan(admin, rounds["R2024"], "EDU", "comp_safety").status_code == 303
    with app.app_context():
        pid = db.session.scalar(sa.select(ActionPlan.id))
    assert "Ta bort planen" in text(admin.get(f"/plans/{pid}/delete"))
    r = admin.post(f"/plans/{pid}/delete", {})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(ActionPlan, pid) is None
        assert "plan.delete" in set(db.session.scalars(sa.select(AuditLog.action)))


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return " ".join(page.extract_text() or "" for page in doc.pages)


def test_a_plan_marked_for_the_report_is_published(app, runner, rounds, admin) -> None:
    frame = figures(app, "R2025")
    category = categories(frame, "CITY", comparable=True)[0]
    assert plan(admin, rounds["R2024"], "CITY", category, in_report="y").status_code == 303
    assert (
        plan(
            admin,
            rounds["R2025"],
            "EDU",
            category,
            in_report="y",
            goals="Varje skola har en dataplan.",
        ).status_code
        == 303
    )
    assert (
        plan(admin, rounds["R2025"], "CARE", category, goals="Inte i rapporten.").status_code == 303
    )
    result = runner.invoke(args=["round", "publish", "R2025"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        files = {
            f.filename: f.content
            for f in db.session.scalars(
                sa.select(PublishedFile).where(PublishedFile.round_id == rounds["R2025"])
            )
        }
    fig = row(frame, "CITY", "all", category)
    html = files["report.html"].decode()
    section = re.search(r'<section aria-labelledby="plans".*?</section>', html, re.S)
    assert section is not None
    body = section.group(0)
    assert "Planen för Staden R2024" in body and "Varje skola har en dataplan." in body
    assert "Inte i rapporten." not in html
    shown = re.search(r"→ ([+−-]?\d+,\d) \[(−?-?\d+,\d); (−?-?\d+,\d)\]", body)
    assert shown is not None
    for value, key in zip(shown.groups(), ("delta", "delta_ci_low", "delta_ci_high"), strict=True):
        assert close(value.lstrip("+").replace("−", "-"), fig[key]), (value, fig[key])
    pdf = pdf_text(files["report.pdf"])
    assert "Åtgärdsplaner" in pdf and "Varje skola har en dataplan." in pdf
    english = files["report.en.html"].decode()
    assert "Varje skola har en dataplan." in english  # staff text as written
    # The table of contents leads to them, in both languages.
    for doc, label in ((html, "Åtgärdsplaner"), (english, "Action plans")):
        toc = re.search(r'<nav aria-labelledby="toc">.*?</nav>', doc, re.S)
        assert toc is not None and f'<a href="#plans">{label}</a>' in toc.group(0)


def test_a_scoped_administrator_plans_in_their_subtree_without_results(
    app, runner, clock, rounds
) -> None:
    scoped = signed_in(app, runner, clock, "edu-admin@example.org", "admin", "EDU")
    rid = rounds["R2024"]
    assert "fältarbetet och åtgärdsplanerna" in text(scoped.get("/admin/"))
    page = scoped.get(f"/plans/new?round={rid}&unit=EDU-A")
    assert page.status_code == 200
    body = text(page)  # no results of the unit: nothing filled in, nothing said about figures
    assert (
        "Ifyllt från" not in body
        and "Inget är ifyllt" not in body
        and " checked" not in (body.split('name="quadrant"')[0])
    )
    assert scoped.get(f"/plans/new?round={rid}&unit=CARE").status_code == 403
    assert plan(scoped, rid, "EDU-A", "comp_safety").status_code == 303
