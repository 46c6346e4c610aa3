"""Rounds in the browser: create, open/close/publish with confirmation, purge, and who may."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import AuditLog, Invitation, InvitationCount, Round
from tests.support.database import in_app
from tests.survey.admin_pages import preview_and_read
from tests.survey.respondent import invite
from tests.survey.staff import Staff, signed_in, text


def round_id(app, name: str = "R2025") -> int:
    with in_app(app):
        return int(db.session.scalar(sa.select(Round.id).where(Round.name == name)))


def round_row(session: Session, name: str = "R2025") -> Round:
    return session.scalar(sa.select(Round).where(Round.name == name))


def audit_actions(session: Session) -> list[tuple[str, str]]:
    return [tuple(r) for r in session.execute(sa.select(AuditLog.actor, AuditLog.action))]


def test_create_round_lists_every_problem_then_creates(app, admin, make_org, db_session) -> None:
    make_org(2025)
    r = admin.post("/admin/rounds/new", {"name": "", "year": "twenty", "k": "x"})
    assert r.status_code == 400
    body = text(r)
    for message in (
        "Skriv ett namn på omgången",
        "Året måste vara ett årtal som 2026",
        "Välj en enkät",
        "Välj hur man svarar",
        "Minsta gruppstorlek måste vara ett heltal",
    ):
        assert message in body
    assert body.count('class="error-summary"') == 1 and "<title>Fel:" in body
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Round)) == 0

    form = {"name": "R2025", "year": "2031", "questionnaire": "bundled:malmo-digital",
            "mode": "invited", "k": "2"}  # fmt: skip
    r = admin.post("/admin/rounds/new", form)
    assert r.status_code == 400
    assert "Minsta gruppstorlek 2 är för liten; den måste vara minst 5" in text(r)
    r = admin.post("/admin/rounds/new", {**form, "k": ""})
    assert r.status_code == 400 and "Det finns ingen organisation för 2031" in text(r)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Round)) == 0

    r = admin.post(
        "/admin/rounds/new",
        {**form, "year": "2025", "k": "", "mode": "open", "closes_on": "2025-03-31"},
    )
    assert r.status_code == 303, text(r)
    rnd = round_row(db_session)
    assert (rnd.mode, rnd.k_min, rnd.status, rnd.closes_on.isoformat()) == (
        "open", 10, "draft", "2025-03-31",
    )  # fmt: skip
    assert ("web:admin@example.org", "round.create") in audit_actions(db_session)
    listing = text(admin.get("/admin/rounds"))
    assert "R2025" in listing, listing[listing.index("<main") :]
    assert "öppen länk per enhet" in listing and '<caption id="rounds-caption">' in listing
    english = text(admin.get("/admin/rounds?lang=en"))
    assert "<h1>Rounds</h1>" in english and "open link per unit" in english
    # The form warns about open rounds before anything is chosen.
    assert "lägre tillförlitlighet" in text(admin.get("/admin/rounds/new"))


def test_open_close_publish_each_need_a_confirmation(
    app, admin, make_round, runner, write_csv, db_session
):
    make_round()
    invite(runner, write_csv, status="draft")
    rid = round_id(app)
    page = text(admin.get(f"/admin/rounds/{rid}/close"))
    assert (
        "kan inte ändras så i sitt nuvarande läge" in page
        and "<form method" not in page.split("<main", 1)[1]
    )
    r = admin.post_from("/admin/", f"/admin/rounds/{rid}/close", {})
    assert r.status_code == 400 and "är ett utkast och kan inte bli stängd" in text(r)

    assert admin.get(f"/admin/rounds/{rid}/explode").status_code == 404
    assert admin.get(f"/admin/rounds/{rid}/send/postcards").status_code == 404
    page = text(admin.get(f"/admin/rounds/{rid}/open"))
    assert "Respondenterna kan svara via sina länkar" in page
    assert round_row(db_session).status == "draft"  # a GET changes nothing
    r = admin.post(f"/admin/rounds/{rid}/open", {})
    assert r.status_code == 303 and round_row(db_session).status == "open"
    assert "Omgången är öppnad." in text(admin.get(r.location))

    page = text(admin.get(f"/admin/rounds/{rid}/close"))
    for what in ("slumpad ordning", "raderas", "Statistiken fryses", "slutgiltig",
                 "kan aldrig öppnas igen", "vem som har svarat raderas"):  # fmt: skip
        assert what in page
    assert admin.post(f"/admin/rounds/{rid}/close", {}).status_code == 303
    rnd = round_row(db_session)
    assert rnd.status == "closed" and rnd.closed_at is not None
    detail = text(admin.get(f"/admin/rounds/{rid}"))
    assert "Öppna omgången" not in detail  # closing is final: no way back is offered
    if app.config["DATABASE_URL"].startswith("sqlite"):  # PostgreSQL: see tests/privacy/
        assert "inga raderade rader finns kvar i databasen" in detail
    refusal = "En stängd omgång kan inte öppnas igen"
    page = admin.get(f"/admin/rounds/{rid}/open")
    assert page.status_code == 400 and refusal in text(page)
    r = admin.post_from("/admin/", f"/admin/rounds/{rid}/open", {})
    assert r.status_code == 400 and refusal in text(r)
    assert "A closed round cannot reopen" in text(admin.get(f"/admin/rounds/{rid}/open?lang=en"))
    assert round_row(db_session).status == "closed"

    assert "får visas för alla" in text(admin.get(f"/admin/rounds/{rid}/publish"))
    assert admin.post(f"/admin/rounds/{rid}/publish", {}).status_code == 400  # no preview yet
    preview_and_read(admin, rid)
    assert admin.post(f"/admin/rounds/{rid}/publish", {}).status_code == 303
    assert round_row(db_session).status == "published"
    actions = [a for _actor, a in audit_actions(db_session) if a.startswith("round.")]
    assert actions[-5:] == [
        "round.open", "round.close", "round.verify", "round.preview", "round.publish",
    ]  # fmt: skip


def test_purge_with_confirmation_keeps_counts_and_ends_mail(
    app, admin, make_round, runner, write_csv, outbox, db_session
) -> None:
    make_round()
    invite(runner, write_csv, status="closed")
    rid = round_id(app)
    detail = text(admin.get(f"/admin/rounds/{rid}"))
    assert "Personuppgifterna sparas till" in detail and "Radera personuppgifterna" in detail
    page = text(admin.get(f"/admin/rounds/{rid}/purge"))
    assert "3 inbjudningar" in page and "Det går inte att ångra." in page
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 3
    r = admin.post(f"/admin/rounds/{rid}/purge", {})
    assert r.status_code == 303
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert sum(db_session.scalars(sa.select(InvitationCount.invited))) == 3
    assert round_row(db_session).purged_at is not None
    assert ("web:admin@example.org", "round.purge") in audit_actions(db_session)
    detail = text(admin.get(f"/admin/rounds/{rid}"))
    assert "Personuppgifterna raderades" in detail and "3 inbjudna" in detail
    # No mail can go out for it any more, and none did.
    send = admin.post_from("/admin/", f"/admin/rounds/{rid}/send/invitations", {})
    assert send.status_code == 400 and "kan bara skickas medan omgången är öppen" in text(send)
    assert not outbox.exists() or not list(outbox.iterdir())
    # The round's figures survive in the listing.
    assert "3" in text(admin.get("/admin/rounds"))


def test_hr_may_look_but_not_change_and_a_manager_may_not_look(
    app, runner, clock, make_round, db_session
) -> None:
    make_round()
    rid = round_id(app)
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    assert hr.get("/admin/rounds").status_code == 200
    detail = text(hr.get(f"/admin/rounds/{rid}"))
    assert "R2025" in detail and "Öppna omgången" not in detail and "Ändra texter" not in detail
    for url in (
        "/admin/rounds/new",
        f"/admin/rounds/{rid}/open",
        f"/admin/rounds/{rid}/texts",
        f"/admin/rounds/{rid}/purge",
        f"/admin/rounds/{rid}/send/invitations",
        "/admin/outbox",
        "/admin/questionnaires",
    ):
        assert hr.get(url).status_code == 403, url
    assert hr.post_from("/admin/", f"/admin/rounds/{rid}/open", {}).status_code == 403
    assert round_row(db_session).status == "draft"
    manager = signed_in(app, runner, clock, "chef@example.org", "manager", "EDU")
    for url in ("/admin/rounds", f"/admin/rounds/{rid}", "/admin/rounds/new"):
        assert manager.get(url).status_code == 403, url
    anonymous = Staff(app, "192.0.2.99")
    assert anonymous.get("/admin/rounds").status_code == 302
