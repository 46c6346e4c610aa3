"""Invitations and reminders through a real SMTP server on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import AuditLog, Invitation
from tests.support.database import table_snapshot
from tests.support.smtp import Inbox, link_of, parts, use_smtp
from tests.survey.respondent import Browser, invite

PEOPLE = [
    ("anna@example.org", "EDU-A", "employee"),
    ("bo@example.org", "EDU-B", "manager"),
    ("cia@example.org", "CARE", "specialist"),
]
SUBJECT_SV = "Inbjudan till enkäten om digital mognad – Demo stad"
REMINDER_SV = "Påminnelse: enkäten om digital mognad – Demo stad"


def send(runner, what: str = "invitations", *extra: str):
    result = runner.invoke(args=[what, "send", "R2025", *extra])
    assert "/s/" not in result.output  # links go only into the messages
    return result


def states(session: Session) -> dict[str, tuple[str | None, int]]:
    rows = session.execute(sa.select(Invitation.email, Invitation.mail_state, Invitation.reminders))
    return {email: (state, n) for email, state, n in rows}


def complete(client, link: str) -> None:
    b = Browser(client)
    b.get(link)
    b.walk_to_review()
    assert b.press("Skicka in svaren").status == 200


def test_invitations_arrive_with_working_links_and_are_sent_once(
    app, make_round, runner, write_csv, smtp_server: Inbox, db_session
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    use_smtp(app, smtp_server)
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "3 sent, 0 skipped, 0 failed" in result.output
    assert "2 of 3 handled" in result.output and "3 of 3 handled" in result.output  # batches of 2
    assert sorted(smtp_server.to()) == [p[0] for p in PEOPLE]
    for msg in smtp_server.messages:
        assert msg["Subject"] == SUBJECT_SV
        assert msg["From"] == "enkat@example.org"
        text, html = parts(msg)
        assert "Du är inbjuden att svara på enkäten R2025" in text
        assert '<html lang="sv">' in html and "Svara på enkäten" in html
        page = Browser(app.test_client()).get(link_of(msg))
        assert (page.status, page.path) == (200, "/survey")
        assert "Starta enkäten" in page.html
    assert {s for s, _ in states(db_session).values()} == {"sent"}
    assert all(db_session.scalars(sa.select(Invitation.invited_at)))
    entry = db_session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "invitations.send"
    assert entry.detail == {"round": "R2025", "sent": 3, "skipped": 0, "failed": 0, "unknown": 0}

    again = send(runner)
    assert again.exit_code == 0, again.output
    assert "0 sent, 3 skipped, 0 failed" in again.output
    assert len(smtp_server.messages) == 3


class Crash(Exception):
    """Stands for the process dying: nothing in the mail code catches it."""


def crash_after(monkeypatch, n: int, delivered: bool) -> None:
    """Let ``n`` messages go out, then die on the next one, before or after the server has it."""
    from survey.mail import SmtpSender

    real = SmtpSender.send
    calls = {"n": 0}

    def send(self, msg):
        calls["n"] += 1
        if calls["n"] <= n:
            return real(self, msg)
        if delivered:
            real(self, msg)
        raise Crash

    monkeypatch.setattr(SmtpSender, "send", send)


def test_a_run_that_dies_after_delivery_never_sends_twice(
    app, make_round, runner, write_csv, smtp_server: Inbox, monkeypatch, db_session
):
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(5)]
    make_round()
    invite(runner, write_csv, people=people)
    use_smtp(app, smtp_server)
    crash_after(monkeypatch, 2, delivered=True)
    assert isinstance(send(runner).exception, Crash)
    assert len(smtp_server.messages) == 3
    monkeypatch.undo()
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "2 sent, 2 skipped, 0 failed" in result.output
    assert "1 invitation(s) were being sent when an earlier run stopped" in result.output
    assert sorted(smtp_server.to()) == [p[0] for p in people]  # each exactly once
    assert states(db_session)["p2@example.org"] == ("unknown", 0)


def test_unknown_invitations_are_resent_only_when_asked(
    app, make_round, runner, write_csv, smtp_server: Inbox, monkeypatch
):
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(4)]
    make_round()
    invite(runner, write_csv, people=people)
    use_smtp(app, smtp_server)
    crash_after(monkeypatch, 1, delivered=False)
    assert isinstance(send(runner).exception, Crash)
    monkeypatch.undo()
    assert "2 sent, 1 skipped, 0 failed" in send(runner).output
    assert "p1@example.org" not in smtp_server.to()
    dry = send(runner, "invitations", "--dry-run", "--resend-unknown")
    assert "1 invitation(s) would be sent, 3 skipped." in dry.output
    result = send(runner, "invitations", "--resend-unknown")
    assert "1 sent, 3 skipped, 0 failed" in result.output
    assert sorted(smtp_server.to()) == [p[0] for p in people]
    link = link_of(smtp_server.by_recipient()["p1@example.org"][0])
    assert Browser(app.test_client()).get(link).path == "/survey"


def test_reminders_go_only_to_those_who_have_not_completed(
    app, client, make_round, runner, write_csv, smtp_server: Inbox, monkeypatch, db_session
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    use_smtp(app, smtp_server)
    assert send(runner).exit_code == 0
    invited = {str(m["To"]): link_of(m) for m in smtp_server.messages}
    complete(client, invited["bo@example.org"])
    smtp_server.messages.clear()

    crash_after(monkeypatch, 0, delivered=True)  # the first reminder out, then the process dies
    assert isinstance(send(runner, "reminders").exception, Crash)
    monkeypatch.undo()
    dry = send(runner, "reminders", "--dry-run")
    assert "1 reminder(s) would be sent, 1 skipped, 1 unknown. Nothing was" in dry.output
    result = send(runner, "reminders")
    assert result.exit_code == 0, result.output
    assert "Continued the reminder run" in result.output
    assert "1 sent, 1 skipped, 0 failed" in result.output
    assert "1 reminder(s) were being sent when a run stopped" in result.output

    result = send(runner, "reminders")  # a new run: one more reminder each
    assert "2 sent, 1 skipped, 0 failed" in result.output, result.output
    assert sorted(smtp_server.to()) == sorted(["anna@example.org", "cia@example.org"] * 2)
    assert states(db_session) == {
        "anna@example.org": ("sent", 2),
        "bo@example.org": ("sent", 0),
        "cia@example.org": ("sent", 2),
    }
    latest = smtp_server.by_recipient()["anna@example.org"][-1]
    assert latest["Subject"] == REMINDER_SV
    text, html = parts(latest)
    assert "Länkar som du har fått tidigare kan sluta fungera" in text
    assert "Länkar som du har fått tidigare kan sluta fungera" in html
    assert Browser(app.test_client()).get(invited["anna@example.org"]).status == 404
    page = Browser(app.test_client()).get(link_of(latest))
    assert (page.status, page.path) == (200, "/survey")


def test_a_refused_recipient_is_reported_and_the_others_get_their_mail(
    app, make_round, runner, write_csv, smtp_server: Inbox, db_session
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    use_smtp(app, smtp_server)
    smtp_server.refuse.add("bo@example.org")
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 skipped, 1 failed" in result.output
    assert "failed: bo@example.org (550 5.1.1 No such user here)" in result.output
    assert sorted(smtp_server.to()) == ["anna@example.org", "cia@example.org"]
    assert states(db_session)["bo@example.org"] == ("failed", 0)
    smtp_server.refuse.clear()  # the address was fixed at the mail server: retried, once
    assert "1 sent, 2 skipped, 0 failed" in send(runner).output
    assert sorted(smtp_server.to()) == [p[0] for p in PEOPLE]


def test_bad_mail_settings_are_named_and_change_nothing(
    app, make_round, runner, write_csv, smtp_server: Inbox, db_session
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    use_smtp(app, smtp_server)
    before = table_snapshot(app)
    for setting, message in [
        ({"SMTP_TLS": "tls"}, "MOGNAD_SMTP_TLS must be one of starttls, ssl, none, got 'tls'"),
        ({"SMTP_PORT": "smtp"}, "MOGNAD_SMTP_PORT must be a port number, got 'smtp'"),
        ({"MAIL_FROM": ""}, "MOGNAD_MAIL_FROM must be set when MOGNAD_SMTP_HOST is set"),
        ({"SMTP_USER": "", "SMTP_PASSWORD": "x"}, "MOGNAD_SMTP_PASSWORD is set but"),
    ]:
        use_smtp(app, smtp_server)
        app.config.update(setting)
        result = send(runner)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    assert table_snapshot(app) == before
    use_smtp(app, smtp_server, SMTP_TLS="starttls")  # the loopback server offers no STARTTLS
    result = send(runner)
    assert result.exit_code == 1
    assert "does not offer STARTTLS" in result.output
    assert smtp_server.messages == []
    assert {s for s, _ in states(db_session).values()} == {None}


def test_dry_run_sends_and_changes_nothing(app, make_round, runner, write_csv, smtp_server):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    use_smtp(app, smtp_server)
    before = table_snapshot(app)
    result = send(runner, "invitations", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 invitation(s) would be sent, 0 skipped. Nothing was sent or changed." in result.output
    result = send(runner, "reminders", "--dry-run")
    assert "0 reminder(s) would be sent, 3 skipped." in result.output
    assert table_snapshot(app) == before
    assert smtp_server.messages == []


def test_only_open_invited_rounds_send(app, make_round, runner, write_csv, tmp_path):
    app.instance_path = str(tmp_path)
    make_round()
    invite(runner, write_csv, people=PEOPLE, status="draft")
    result = send(runner)
    assert result.exit_code == 1
    assert "round 'R2025' is draft; invitations and reminders can only be sent while" in (
        result.output
    )
    make_round("OPEN", mode="open", status="open", org=False)
    result = runner.invoke(args=["reminders", "send", "OPEN"])
    assert result.exit_code == 1 and "open-link round" in result.output
    result = runner.invoke(args=["invitations", "send", "NOPE"])
    assert "no round named 'NOPE'" in result.output
    assert not (tmp_path / "outbox").exists()
