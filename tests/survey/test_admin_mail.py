"""Mail from the browser: a round's own texts with preview, sending into the outbox, reading it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey.mail import outbox_messages
from survey.models import AuditLog, Invitation, Round
from tests.survey.respondent import Browser, invite
from tests.survey.staff import text
from tests.survey.test_admin_rounds import round_id

OWN = {
    "invitation-sv-subject": "Hej från {organisation}: {round}",
    "invitation-sv-body": "Svara här:\n{link}\n\nSista dag {closes}. Frågor till {contact}.",
    "invitation-en-subject": "Hello from {organisation}",
    "invitation-en-body": "Answer at {link} by {closes}.",
}


def test_texts_are_checked_previewed_saved_and_mailed(
    app, admin, make_round, runner, write_csv, outbox, db_session
) -> None:
    make_round()
    invite(runner, write_csv, status="draft")
    rid = round_id(app)
    url = f"/admin/rounds/{rid}/texts"
    bad = {**OWN, "invitation-sv-body": "Hej {namn}", "reminder-en-subject": "Only a subject"}
    r = admin.post(url, {**bad, "action": "save"})
    assert r.status_code == 400
    body = text(r)
    assert "okänd platshållare {namn}" in body
    assert "texten måste innehålla {link}" in body
    assert "Påminnelse (engelska): skriv både ämnesrad och text" in body
    assert db_session.get(Round, rid, populate_existing=True).mail_texts is None

    r = admin.post(url, {**OWN, "closes_on": "2025-03-31", "action": "preview"})
    assert r.status_code == 200
    page = text(r)
    assert "Hej från Demo stad: R2025" in page
    assert "http://mognad.test/s/EXEMPEL-inte-en-riktig-lank" in page
    assert "Sista dag 31 mars 2025. Frågor till" in page
    assert "Answer at http://mognad.test/s/EXEMPEL-inte-en-riktig-lank by 31 March 2025." in page
    assert "Påminnelse (svenska) – standardtext" in page  # no own reminder: the template
    assert "{organisation}" not in page.split('id="preview"')[1].split("<form")[0]
    assert (
        db_session.get(Round, rid, populate_existing=True).mail_texts is None
    )  # a preview stores nothing

    r = admin.post(url, {**OWN, "closes_on": "2025-03-31", "action": "save"})
    assert r.status_code == 303
    rnd = db_session.get(Round, rid, populate_existing=True)
    assert rnd.mail_texts["invitation"]["sv"]["subject"] == OWN["invitation-sv-subject"]
    assert rnd.closes_on.isoformat() == "2025-03-31"
    assert "Omgången har egna texter" in text(admin.get(f"/admin/rounds/{rid}"))
    assert admin.post(f"/admin/rounds/{rid}/open", {}).status_code == 303

    # Dry run first: the count and a confirmation, nothing sent.
    send = f"/admin/rounds/{rid}/send/invitations"
    page = text(admin.get(send))
    assert "3 meddelanden skickas" in page and "hamnar i utkorgen" in page
    assert not outbox.exists() or not list(outbox.iterdir())
    r = admin.post(send, {"lang": "sv"})
    assert r.status_code == 303 and r.location.startswith("/admin/jobs/")  # the worker sends
    result = text(admin.get(r.location))
    assert re.search(r'data-count="sent">3<', result) and re.search(
        r'data-count="failed">0<', result
    )
    assert "Alla meddelanden i utskicket är hanterade." in result
    assert "Det finns ingen att skicka till just nu." in text(admin.get(send))
    messages = outbox_messages(outbox)
    assert len(messages) == 3
    assert {m.subject for m in messages} == {"Hej från Demo stad: R2025"}
    (link,) = re.findall(r"http://mognad\.test/s/\S+", messages[0].text)
    assert "Sista dag 31 mars 2025." in messages[0].text
    assert f'<a href="{link}">' in messages[0].html
    assert Browser(app.test_client()).get(link).status == 200  # the link works
    assert set(db_session.scalars(sa.select(Invitation.mail_state))) == {"sent"}
    assert "invitations.send" in db_session.scalars(sa.select(AuditLog.action)).all()
    assert (
        len(outbox_messages(outbox)) == 3
        and admin.post_from("/admin/", send, {}).status_code == 303
    )
    assert len(outbox_messages(outbox)) == 3  # idempotent: nobody gets a second invitation

    # The outbox viewer: subjects and recipients, never a link in the list.
    listing = text(admin.get("/admin/outbox"))
    assert "3 meddelanden, nyaste först" in listing and "Hej från Demo stad: R2025" in listing
    assert "/s/" not in listing
    name = messages[0].name
    message = text(admin.get(f"/admin/outbox/{name}"))
    assert link in message and messages[0].to in message
    assert admin.get("/admin/outbox/..%2Finstance.db").status_code == 404
    assert admin.get("/admin/outbox/nothing.eml").status_code == 404

    # Reminders use the bundled template (no own reminder text) in English on request.
    page = text(admin.get(f"/admin/rounds/{rid}/send/reminders"))
    assert "3 meddelanden skickas" in page and "ny personlig länk" in page
    r = admin.post(f"/admin/rounds/{rid}/send/reminders", {"lang": "en"})
    assert re.search(r'data-count="sent">3<', text(admin.get(r.location)))
    reminders = [m for m in outbox_messages(outbox) if m.subject.startswith("Reminder")]
    assert len(reminders) == 3


def test_english_own_text_goes_out_in_english(
    app, admin, make_round, runner, write_csv, outbox
) -> None:
    make_round()
    invite(runner, write_csv, status="draft")
    rid = round_id(app)
    assert admin.post(f"/admin/rounds/{rid}/texts", {**OWN, "action": "save"}).status_code == 303
    assert admin.post(f"/admin/rounds/{rid}/open", {}).status_code == 303
    r = admin.post(f"/admin/rounds/{rid}/send/invitations", {"lang": "en"})
    assert r.status_code == 303
    subjects = {m.subject for m in outbox_messages(outbox)}
    assert subjects == {"Hello from Demo stad"}
    # No closing date stored: the placeholder becomes empty, never "{closes}".
    assert all("{closes}" not in m.text for m in outbox_messages(outbox))


def test_the_worker_sends_everyone_once_and_a_second_job_sends_nothing(
    app, admin, make_round, runner, write_csv, outbox, db_session
) -> None:
    app.config["MAIL_BATCH"] = 2
    make_round()
    invite(runner, write_csv, status="draft")
    rid = round_id(app)
    assert admin.post(f"/admin/rounds/{rid}/open", {}).status_code == 303
    for kind, first in (("invitations", "Inbjudan"), ("reminders", "Påminnelse")):
        send = f"/admin/rounds/{rid}/send/{kind}"
        page = text(admin.get(send))
        assert "3 meddelanden skickas" in page and "Skicka 3 meddelanden" in page
        r = admin.post(send, {"lang": "sv"})  # two SMTP batches (MAIL_BATCH 2) in one job
        done = text(admin.get(r.location))
        assert re.search(r'data-count="sent">3<', done) and "Klart" in done
        assert "Alla meddelanden i utskicket är hanterade." in done
        if kind == "invitations":  # a stale page's second click invites nobody twice
            again = admin.post_from("/admin/", send, {"lang": "sv"})
            assert again.status_code == 303 and again.location != r.location
            assert re.search(r'data-count="sent">0<', text(admin.get(again.location)))
        got = [m.to for m in outbox_messages(outbox) if m.subject.startswith(first)]
        assert len(got) == 3 and len(set(got)) == 3  # each person exactly once
