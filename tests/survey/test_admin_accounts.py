"""Staff accounts from the browser: invite by e-mail, set up with TOTP, scope, disable, re-send.

The invitation goes through the real mail path (the outbox here, real SMTP on loopback in the
second test); the invited person follows the link from the message itself, so the test checks
what a person receives, not a token the test made up.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey.mail import outbox_messages
from survey.models import AuditLog, Invitation, User
from tests.support.smtp import use_smtp
from tests.survey.respondent import invite
from tests.survey.staff import Staff, text
from tests.survey.test_admin_rounds import round_id

LINK = re.compile(r"http://mognad\.test/auth/setup/\S+")


def invite_from_browser(admin: Staff, email: str, kind: str, units: str = "") -> str:
    r = admin.post("/admin/accounts/new", {"email": email, "kind": kind, "units": units})
    assert r.status_code == 303, text(r)
    return r.location


def test_invite_set_up_and_scoped_reminders(
    app, admin, clock, make_round, runner, write_csv, outbox, db_session
) -> None:
    make_round()
    people = [
        ("a1@example.org", "EDU-A", "employee"),
        ("b1@example.org", "EDU-B", "employee"),
        ("c1@example.org", "CARE", "employee"),
    ]
    invite(runner, write_csv, people=people, status="open")
    rid = round_id(app)
    r = admin.post(f"/admin/rounds/{rid}/send/invitations", {"lang": "sv"})
    assert r.status_code == 303
    before = len(outbox_messages(outbox))

    # Problems are named in Swedish, next to their fields; nothing is created or sent.
    r = admin.post(
        "/admin/accounts/new", {"email": "eva@malmo", "kind": "unit_admin", "units": "NOPE"}
    )
    assert r.status_code == 400
    page = text(r)
    assert "Skriv en e-postadress som namn@kommun.se" in page
    assert "Ingen enhet har koden NOPE" in page
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    r = admin.post("/admin/accounts/new", {"email": "x@example.org", "kind": "unit_admin"})
    assert "Skriv minst en enhetskod" in text(r)

    detail = invite_from_browser(admin, "Eva@Example.org", "unit_admin", "EDU")
    assert "En inbjudan med en ny länk är skickad" in text(admin.get(detail))
    (mail,) = [m for m in outbox_messages(outbox)[: len(outbox_messages(outbox)) - before]]
    assert mail.to == "eva@example.org" and "Ditt konto i Mognad" in mail.subject
    (link,) = LINK.findall(mail.text)
    listing = text(admin.get("/admin/accounts"))
    assert "eva@example.org" in listing and "Förvaltningsadministratör" in listing
    assert "Väntar på att personen ska skapa lösenord" in listing
    assert admin.post(
        "/admin/accounts/new", {"email": "eva@example.org", "kind": "hr"}
    ).status_code == 400  # fmt: skip

    eva = Staff(app, address="192.0.2.40")
    eva.set_up(link, clock)  # password, then the TOTP app; signed in at the end
    assert eva.signed_in()
    home = text(eva.get("/admin/"))
    assert "förvaltningsadministratör" in home.lower() and "EDU" in home

    # Scoped: her subtree's fieldwork and reminders, nothing outside it or organisation-wide.
    assert eva.get("/admin/fieldwork/R2025?unit=EDU-A").status_code == 200
    assert eva.get("/admin/fieldwork/R2025?unit=CARE").status_code == 403
    fieldwork = text(eva.get("/admin/fieldwork/R2025"))
    assert "Omsorg" not in fieldwork and "Skola A" in fieldwork
    assert "Skicka påminnelser i Utbildning" in fieldwork
    for url in (
        "/admin/rounds",
        f"/admin/rounds/{rid}",
        f"/admin/rounds/{rid}/send/reminders",
        f"/admin/rounds/{rid}/send/reminders?unit=CARE",
        f"/admin/rounds/{rid}/send/invitations?unit=EDU",
        "/admin/outbox",
        "/admin/accounts",
        "/admin/org/",
        "/dashboard/",
    ):
        assert eva.get(url).status_code in (403, 404), url
    send = f"/admin/rounds/{rid}/send/reminders?unit=EDU"
    assert "2 meddelanden skickas" in text(eva.get(send))
    r = eva.post(send, {"lang": "sv"})
    assert r.status_code == 303 and r.location.startswith("/admin/jobs/")
    assert re.search(r'data-count="sent">2<', text(eva.get(r.location)))
    reminded = {
        m.to for m in outbox_messages(outbox) if m.subject.startswith("Påminnelse")
    }  # fmt: skip
    assert reminded == {"a1@example.org", "b1@example.org"}
    counts = dict(db_session.execute(sa.select(Invitation.email, Invitation.reminders)).all())
    assert counts == {"a1@example.org": 1, "b1@example.org": 1, "c1@example.org": 0}

    # Disable: her session ends at once and she cannot sign in; enable lets her in again.
    uid = int(detail.split("?")[0].rsplit("/", 1)[1])
    r = admin.post(f"/admin/accounts/{uid}", {"action": "disable"})
    assert r.status_code == 303
    assert not eva.signed_in()
    assert eva.sign_in("eva@example.org", clock).status_code != 302
    admin.post(f"/admin/accounts/{uid}", {"action": "enable"})
    clock.advance(seconds=60)
    assert eva.sign_in("eva@example.org", clock).status_code == 302 and eva.signed_in()

    # Re-scope to hr: the session ends, the rights change at the next sign-in.
    r = admin.post(f"/admin/accounts/{uid}", {"action": "scope", "kind": "hr", "units": ""})
    assert r.status_code == 303 and not eva.signed_in()
    clock.advance(seconds=60)
    eva.sign_in("eva@example.org", clock)
    assert eva.get("/admin/fieldwork/R2025?unit=CARE").status_code == 200

    # Re-send: a fresh link by mail; the old password stops working.
    r = admin.post(f"/admin/accounts/{uid}", {"action": "resend"})
    assert r.status_code == 303 and not eva.signed_in()
    fresh = LINK.findall(outbox_messages(outbox)[0].text)
    assert fresh and fresh[0] != link
    clock.advance(seconds=60)
    assert eva.sign_in("eva@example.org", clock).status_code != 302

    # An admin cannot lock themselves out from here.
    me = db_session.scalar(sa.select(User.id).where(User.email == "admin@example.org"))
    assert admin.post(f"/admin/accounts/{me}", {"action": "disable"}).status_code == 400
    actions = db_session.scalars(sa.select(AuditLog.action)).all()
    for event in ("user.created", "user.disabled", "user.enabled", "user.scope", "user.reset"):
        assert event in actions, event


def test_invitation_over_real_smtp(app, admin, clock, smtp_server, make_org, db_session) -> None:
    make_org()
    use_smtp(app, smtp_server)
    invite_from_browser(admin, "boss@example.org", "manager", "EDU CARE")
    (message,) = smtp_server.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    (link,) = LINK.findall(body)
    boss = Staff(app, address="192.0.2.41")
    boss.set_up(link, clock)
    assert boss.get("/admin/fieldwork/").status_code == 200
    user = db_session.scalar(sa.select(User).where(User.email == "boss@example.org"))
    assert user.role == "manager" and user.unit_codes == ("CARE", "EDU")
