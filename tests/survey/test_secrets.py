"""A real installation never runs on a guessable secret, and each use of it gets its own key."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from survey import create_app
from survey.config import DEV_SECRET_KEY, SecretKeyError, derive_key, secret_key_problem
from survey.services.links import check_unit_key, unit_key

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GOOD = "a-long-random-installation-secret-" + "x" * 16
HOW = "secrets.token_urlsafe(48)"


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MOGNAD_SECRET_KEY", "FLASK_DEBUG", "MOGNAD_DEBUG", "MOGNAD_TESTING"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "is not set"),
        ("", "is not set"),
        (DEV_SECRET_KEY, "development default"),
        ("short-but-not-empty", "shorter than 32 bytes"),
        ("x" * 31, "shorter than 32 bytes"),
        # Long enough, but typed: the attacker's 32 × "a" and a pattern repeated.
        ("a" * 32, "only 1 different characters"),
        ("é" * 16, "only 1 different characters"),  # 32 bytes
        ("abcdefghijklmnop" * 4, "typed or repeated"),
        ("0123456789abcdef" * 2 + "0123456789ab", "typed or repeated"),
    ],
)
def test_the_web_app_refuses_a_bad_key(no_env_key, tmp_path, key, problem):
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    if key is not None:
        config["SECRET_KEY"] = key
    with pytest.raises(SecretKeyError) as refused:
        create_app(config)
    assert problem in str(refused.value) and HOW in str(refused.value)


def test_the_environment_key_is_checked_too(no_env_key, monkeypatch, tmp_path):
    monkeypatch.setenv("MOGNAD_SECRET_KEY", "too-short")
    with pytest.raises(SecretKeyError, match="shorter than 32 bytes"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    monkeypatch.setenv("MOGNAD_SECRET_KEY", GOOD)
    assert create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}).secret_key == GOOD


def test_a_good_key_is_accepted_and_only_an_explicit_test_config_may_use_the_default(
    no_env_key, tmp_path
):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert create_app({"DATABASE_URL": url, "SECRET_KEY": GOOD}).secret_key == GOOD
    multibyte = "åäöéüßøæçñ" + GOOD  # counted in bytes and characters alike
    assert create_app({"DATABASE_URL": url, "SECRET_KEY": multibyte}).secret_key == multibyte
    assert create_app({"DATABASE_URL": url, "TESTING": True}).secret_key == DEV_SECRET_KEY
    # Debugging is no reason to run on a key anyone can read in the source.
    with pytest.raises(SecretKeyError, match="is not set"):
        create_app({"DATABASE_URL": url, "DEBUG": True})


def test_keys_made_as_the_docs_and_make_demo_say_are_accepted():
    for _ in range(500):
        for key in (secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_urlsafe(32)):
            assert secret_key_problem(key) is None, key


@pytest.mark.parametrize(
    "waiver", [{"MOGNAD_DEBUG": "1"}, {"MOGNAD_TESTING": "true"}, {"FLASK_DEBUG": "1"}]
)
@pytest.mark.parametrize("key", [None, DEV_SECRET_KEY, "a" * 32])
def test_the_environment_cannot_waive_the_key_check(no_env_key, monkeypatch, tmp_path, waiver, key):
    """Attack: start production with MOGNAD_DEBUG=1 or MOGNAD_TESTING=true and a weak key."""
    for name, value in waiver.items():
        monkeypatch.setenv(name, value)
    if key is not None:
        monkeypatch.setenv("MOGNAD_SECRET_KEY", key)
    with pytest.raises(SecretKeyError, match="MOGNAD_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    with pytest.raises(SecretKeyError):  # the way wsgi.py builds the app
        create_app()


def _env(tmp_path: Path, key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOGNAD_", "FLASK_"))}
    env["MOGNAD_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env["MOGNAD_INSTANCE_PATH"] = str(tmp_path / "instance")
    if key is not None:
        env["MOGNAD_SECRET_KEY"] = key
    return env


@pytest.mark.parametrize("key", [None, DEV_SECRET_KEY, "short"])
@pytest.mark.parametrize(
    "command", [["links", "R", "--out", "links.csv"], ["demo", "--respondents", "10"]]
)
def test_commands_that_issue_links_refuse_a_bad_key_with_a_message(tmp_path, key, command):
    env = _env(tmp_path, key)
    env.update(MOGNAD_DEBUG="1", MOGNAD_TESTING="true")  # no waiver through the environment
    result = subprocess.run(
        [str(BIN / "mognad"), *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: MOGNAD_SECRET_KEY") and HOW in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "links.csv").exists() and not (tmp_path / "cli.db").exists()


def test_a_command_with_a_good_key_runs(tmp_path):
    env = _env(tmp_path, GOOD)
    upgrade = subprocess.run(
        [str(BIN / "mognad"), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    result = subprocess.run(
        [str(BIN / "mognad"), "links", "R", "--out", "links.csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "no round named 'R'" in result.stderr  # got past the key


@pytest.mark.parametrize("key", [None, "short", "a" * 32])
def test_gunicorn_with_the_shipped_config_refuses_a_bad_key(tmp_path, key):
    env = _env(tmp_path, key)
    env.update(MOGNAD_DEBUG="1", MOGNAD_TESTING="true")
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "python:survey.gunicorn_conf", "-b", "127.0.0.1:0"]
        + ["wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "MOGNAD_SECRET_KEY" in result.stderr and HOW in result.stderr
    assert "Traceback" not in result.stderr
    assert "Booting worker" not in result.stderr + result.stdout


def test_unit_links_use_a_key_derived_for_them_only():
    tag = unit_key(GOOD, 7, "EDU-A")
    assert check_unit_key(GOOD, 7, "EDU-A", tag)
    assert not check_unit_key(GOOD + "-rotated", 7, "EDU-A", tag)  # a new secret: new links
    assert not check_unit_key(GOOD, 7, "EDU-B", tag) and not check_unit_key(GOOD, 8, "EDU-A", tag)
    raw = GOOD.encode()
    for message in (b"7\0EDU-A", b"mognad-unit-link\x007\x00EDU-A"):
        direct = hmac.new(raw, message, hashlib.sha256).digest()[:16]
        assert direct.hex() not in _hex(tag)
    derived = derive_key(GOOD, "unit-link v1")
    assert derived != raw and len(derived) == 32
    assert derive_key(GOOD, "session-token v1") != derived


def _hex(tag: str) -> str:
    import base64

    return base64.urlsafe_b64decode(tag + "==").hex()
