"""Mail without an SMTP server (the outbox), a real process killed mid-run, and the settings."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from survey.mail import MailConfigError, outbox_messages, settings_from_config
from tests.support.smtp import Inbox, link_of
from tests.survey.respondent import Browser, invite

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "mail-test-secret-" + "0123456789abcdef" * 3
PEOPLE = [
    ("anna@example.org", "EDU-A", "employee"),
    ("bo@example.org", "EDU-B", "manager"),
    ("cia@example.org", "CARE", "specialist"),
]


def test_outbox_mode_writes_one_parsable_eml_per_message(
    app, make_round, runner, write_csv, tmp_path
):
    app.instance_path = str(tmp_path / "instance")
    outbox = tmp_path / "instance" / "outbox"
    assert outbox_messages(outbox) == []
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    result = runner.invoke(args=["invitations", "send", "R2025", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"through the outbox folder {outbox}" in result.output
    assert "3 sent, 0 skipped, 0 failed" in result.output
    assert "/s/" not in result.output
    files = sorted(outbox.iterdir())
    assert len(files) == 3 and all(f.suffix == ".eml" for f in files)  # nothing half-written
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}  # live links inside
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    messages = outbox_messages(outbox)
    assert sorted(m.to for m in messages) == [p[0] for p in PEOPLE]
    for m in messages:
        assert m.subject == "Invitation to the digital maturity survey – Demo stad"
        assert "You are invited to answer the survey R2025" in m.text
        assert '<html lang="en">' in m.html and "Answer the survey" in m.html
    (link,) = set(re.findall(r"http://mognad\.test/s/\S+", messages[0].text))
    page = Browser(app.test_client()).get(link)
    assert (page.status, page.path) == (200, "/survey")
    assert len(outbox_messages(outbox, limit=2)) == 2


def test_a_process_killed_mid_run_and_restarted_sends_each_person_exactly_one(
    app, database_url, make_round, runner, write_csv, smtp_server: Inbox, tmp_path
):
    """A real `mognad` process is SIGKILLed by the server while the third message is arriving
    (the server keeps it; the process never hears "250"); a second run finishes the job."""
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(6)]
    make_round()
    invite(runner, write_csv, people=people)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MOGNAD_")},
        "MOGNAD_DATABASE_URL": database_url,
        "MOGNAD_SECRET_KEY": SECRET,
        "MOGNAD_BASE_URL": "http://mognad.test",
        "MOGNAD_INSTANCE_PATH": str(tmp_path),
        "MOGNAD_SMTP_HOST": "127.0.0.1",
        "MOGNAD_SMTP_PORT": str(smtp_server.port),
        "MOGNAD_SMTP_TLS": "none",
        "MOGNAD_MAIL_FROM": "enkat@example.org",
        "MOGNAD_MAIL_BATCH": "2",
    }
    command = [str(BIN / "mognad"), "invitations", "send", "R2025"]
    procs: list[subprocess.Popen] = []

    def kill_on_third(count: int) -> None:
        if count == 3:
            os.kill(procs[0].pid, signal.SIGKILL)

    smtp_server.on_message = kill_on_third
    log = tmp_path / "first.log"
    with log.open("w") as out:
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out))
        assert procs[0].wait(120) == -signal.SIGKILL, log.read_text()
    assert len(smtp_server.messages) == 3
    smtp_server.on_message = None
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "3 sent, 2 skipped, 0 failed" in second.stdout
    assert "1 invitation(s) were being sent when an earlier run stopped" in second.stderr
    assert "/s/" not in second.stdout + second.stderr + log.read_text()
    assert sorted(smtp_server.to()) == [p[0] for p in people]  # each exactly once
    assert len({link_of(m) for m in smtp_server.messages}) == 6


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, ("", 587, "starttls", "mognad@localhost", True)),
        (
            {"SMTP_HOST": "smtp.example.org", "SMTP_TLS": "SSL", "MAIL_FROM": "a@example.org"},
            ("smtp.example.org", 465, "ssl", "a@example.org", False),
        ),
        (
            {"SMTP_HOST": "h", "SMTP_TLS": "none", "SMTP_PORT": "2525", "MAIL_FROM": "a@b.se"},
            ("h", 2525, "none", "a@b.se", False),
        ),
    ],
)
def test_mail_settings_defaults(config, expected, tmp_path):
    s = settings_from_config(config, str(tmp_path))
    assert (s.host, s.port, s.tls, s.sender, s.uses_outbox) == expected
    assert s.outbox == tmp_path / "outbox"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"SMTP_TLS": "yes"}, "MOGNAD_SMTP_TLS must be one of starttls, ssl, none, got 'yes'"),
        ({"SMTP_PORT": 0}, "MOGNAD_SMTP_PORT must be between 1 and 65535, got 0"),
        ({"SMTP_HOST": "h", "MAIL_FROM": "nobody"}, "MOGNAD_MAIL_FROM must be an e-mail"),
        ({"MAIL_BATCH": "many"}, "MOGNAD_MAIL_BATCH must be a whole number of at least 1"),
        ({"MAIL_BATCH": 0}, "MOGNAD_MAIL_BATCH must be a whole number of at least 1"),
    ],
)
def test_bad_mail_settings(config, message, tmp_path):
    with pytest.raises(MailConfigError, match=message):
        settings_from_config(config, str(tmp_path))


def test_a_numeric_password_from_the_environment_stays_text(monkeypatch, tmp_path):
    """Flask reads MOGNAD_* as JSON; the password must reach the server exactly as typed."""
    monkeypatch.setenv("MOGNAD_SMTP_PASSWORD", "007")
    config = {"SMTP_USER": "u", "SMTP_PASSWORD": 7}
    assert settings_from_config(config, str(tmp_path)).password == "007"
