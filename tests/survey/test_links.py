"""`mognad links`: personal links re-issued, unit links of open rounds, and bad input."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AuditLog, Invitation
from tests.support.database import table_snapshot
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

PEOPLE = [
    ("anna@example.org", "EDU-A", "employee"),
    ("bo@example.org", "EDU-B", "manager"),
    ("cia@example.org", "CARE", "specialist"),
    ("dan@example.org", "EDU-A", "employee"),
]


def hashes(db_session) -> dict[str, str | None]:
    return dict(db_session.execute(sa.select(Invitation.email, Invitation.token_hash)).all())


def test_personal_links_store_only_the_token_hash(
    make_round, runner, write_csv, tmp_path, db_session
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    out = tmp_path / "links.csv"
    rows = issue_links(runner, out)
    assert out.read_text(encoding="utf-8").splitlines()[0] == "email,unit_code,role,url"
    assert [(r["email"], r["unit_code"], r["role"]) for r in rows] == sorted(PEOPLE)
    entry = db_session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (entry.action, entry.detail["count"]) == ("links.issue", 4)
    assert "@" not in str(entry.detail)  # no personal data in the audit log
    stored = hashes(db_session)
    for r in rows:
        parts = urlsplit(r["url"])
        assert f"{parts.scheme}://{parts.netloc}" == "http://mognad.test"
        token = parts.path.removeprefix("/s/")
        assert len(token) == 43  # 32 random bytes, URL-safe base64
        assert stored[r["email"]] == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(table_snapshot(runner.app))


def test_reissuing_replaces_the_old_link(app, make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    old = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "a.csv")}
    new = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "b.csv")}
    assert set(old.values()).isdisjoint(new.values())
    assert Browser(app.test_client()).get(old["anna@example.org"]).status == 404
    page = Browser(app.test_client()).get(new["anna@example.org"])
    assert (page.status, page.path) == (200, "/survey")


def test_completed_invitations_get_no_new_link_and_unit_limits_to_a_subtree(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    first = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "a.csv")}
    b = Browser(app.test_client())
    b.get(first["dan@example.org"])
    b.walk_to_review()
    b.press("Skicka in svaren")
    spent = hashes(db_session)["dan@example.org"]
    rows = issue_links(runner, tmp_path / "b.csv")
    assert "dan@example.org" not in {r["email"] for r in rows}
    # Kept, so the old link says "already answered".
    assert hashes(db_session)["dan@example.org"] == spent
    rows = issue_links(runner, tmp_path / "c.csv", unit="EDU")
    assert {r["email"] for r in rows} == {"anna@example.org", "bo@example.org"}


def test_draft_round_may_get_links_before_it_opens(make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv, people=PEOPLE, status="draft")
    assert len(issue_links(runner, tmp_path / "links.csv")) == 4


def test_open_round_unit_links(app, make_round, runner, tmp_path):
    make_round(mode="open", status="open")
    out = tmp_path / "units.csv"
    rows = issue_links(runner, out)
    assert out.read_text(encoding="utf-8").splitlines()[0] == "unit_code,unit_name,url"
    assert [r["unit_code"] for r in rows] == ["CITY", "CARE", "EDU", "EDU-A", "EDU-B"]
    assert rows[0]["unit_name"] == "Staden"
    assert all(urlsplit(r["url"]).path.startswith("/o/") for r in rows)
    assert issue_links(runner, tmp_path / "again.csv") == rows  # stable: nothing is stored
    sub = issue_links(runner, tmp_path / "edu.csv", unit="EDU")
    assert [r["unit_code"] for r in sub] == ["EDU", "EDU-A", "EDU-B"]
    page = Browser(app.test_client()).get(sub[1]["url"])
    assert (page.status, page.path) == (200, "/survey/role")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE"], "no round named 'NOPE'"),
        (["R2025", "--unit", "NOPE"], "no unit 'NOPE'"),
        (["CLOSED"], "round 'CLOSED' is closed"),
        (["EMPTY"], "has no respondents yet"),
    ],
)
def test_bad_input_changes_nothing_and_writes_nothing(
    make_round, runner, write_csv, tmp_path, args, message
):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    make_round(name="CLOSED", status="closed", org=False)
    make_round(name="EMPTY", org=False)
    before = table_snapshot(runner.app)
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["links", *args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".links-*"))
    assert table_snapshot(runner.app) == before


def test_unwritable_output_changes_nothing(make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv, people=PEOPLE)
    before = table_snapshot(runner.app)
    result = runner.invoke(args=["links", "R2025", "--out", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code != 0 and "no such directory" in result.output
    assert table_snapshot(runner.app) == before


def test_links_refuses_to_replace_a_special_file(app, make_round, runner, tmp_path):
    make_round(mode="open")
    target = tmp_path / "device-like"
    target.mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    for out in (target, link):
        result = runner.invoke(args=["links", "R2025", "--out", str(out)])
        assert result.exit_code != 0
    assert not (tmp_path / "elsewhere.csv").exists()


def test_unit_links_stop_working_under_a_new_secret(app, make_round, runner, tmp_path):
    """The links come from `mognad links` under the app's secret; another secret refuses them."""
    from survey import create_app

    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    path = urlsplit(url).path
    assert app.test_client().get(path).status_code == 302
    rotated = create_app({**app.config, "SECRET_KEY": app.config["SECRET_KEY"] + "-rotated"})
    assert rotated.test_client().get(path).status_code == 404
    with rotated.app_context():
        reissued = issue_links(rotated.test_cli_runner(), tmp_path / "v.csv", unit="EDU-A")
        assert reissued[0]["url"] != url
        assert rotated.test_client().get(urlsplit(reissued[0]["url"]).path).status_code == 302
        db.session.remove()
        db.engine.dispose()
