"""Attack: a local account reads the instance folder. The database, the upload previews (e-mail
addresses) and the outbox were 0644, and previews of cancelled uploads stayed for a day."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.extensions import db
from tests.survey.admin_pages import confirm, upload
from tests.survey.staff import signed_in, text

BIN = Path(sys.executable).parent
PEOPLE = [
    ["email", "unit_code", "role"],
    ["a@example.org", "EDU-A", "employee"],
    ["b@example.org", "EDU-B", "employee"],
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_mognad_db_upgrade_makes_a_private_database_in_a_private_instance_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOGNAD_", "FLASK_"))}
    env["MOGNAD_INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run(
        [str(BIN / "mognad"), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "instance") == 0o700
    assert mode(tmp_path / "instance" / "mognad.db") == 0o600


def test_the_app_keeps_the_database_file_private_whatever_the_umask(tmp_path):
    """A WSGI host with umask 022: the file is still made 0600, and an old 0644 one fixed."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    old.touch(mode=0o644)
    old.chmod(0o644)
    before = os.umask(0o022)
    try:
        for path in (fresh, old):
            app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
            with app.app_context():
                with db.engine.connect() as conn:
                    conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
                    conn.commit()
                db.engine.dispose()
            assert mode(path) == 0o600, path
    finally:
        os.umask(before)


@pytest.fixture
def admin(app, runner, clock, make_round):
    make_round("R2025")
    return signed_in(app, runner, clock, "admin10@example.org")


URL = "/admin/respondents/R2025/upload"


def test_a_preview_is_private_and_cancelling_deletes_it_at_once(app, admin, upload_dir):
    before = os.umask(0o022)  # as a server started without the shipped umask
    try:
        page = upload(admin, URL, PEOPLE, "people.csv")
    finally:
        os.umask(before)
    assert page.status_code == 200, text(page)
    files = list(upload_dir.iterdir())
    assert len(files) == 1 and b"a@example.org" in files[0].read_bytes()
    assert mode(upload_dir) == 0o700 and mode(files[0]) == 0o600
    assert "Avbryt och radera filen" in text(page)
    r = confirm(admin, page, "/admin/uploads/respondents/cancel")
    assert r.status_code == 302
    assert list(upload_dir.iterdir()) == []
    # Confirming afterwards finds nothing to save.
    r = confirm(admin, page, "/admin/respondents/R2025/upload/confirm")
    assert r.status_code == 302 and r.location.endswith(URL)


def _age(folder: Path, seconds: float) -> None:
    for f in folder.iterdir():
        then = time.time() - seconds
        os.utime(f, (then, then))


def test_a_preview_left_for_an_hour_is_deleted_at_the_next_request(app, admin, upload_dir):
    page = upload(admin, URL, PEOPLE, "people.csv")
    _age(upload_dir, 61 * 60)
    r = confirm(admin, page, "/admin/respondents/R2025/upload/confirm")
    assert r.status_code == 302 and r.location.endswith(URL)  # expired: upload again
    assert list(upload_dir.iterdir()) == []


def test_a_fresh_preview_is_kept_but_expire_drafts_deletes_one_an_hour_old(
    app, admin, upload_dir, runner
):
    upload(admin, URL, PEOPLE, "people.csv")
    assert runner.invoke(args=["expire-drafts"]).exit_code == 0
    assert len(list(upload_dir.iterdir())) == 1  # less than an hour old: still needed
    _age(upload_dir, 61 * 60)
    result = runner.invoke(args=["expire-drafts"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 upload previews older than an hour." in result.output
    assert list(upload_dir.iterdir()) == []
