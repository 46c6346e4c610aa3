"""Rotating the installation secret loses no ballot, and a ballot nobody can open stops the close.

Ballots are sealed for their round under a key derived from ``MOGNAD_SECRET_KEY``. The same
database is served by successive apps, as after a restart with a new secret: key A while
people answer, then key B alone (the close refuses, nothing is written, the round stays open
and the ballots wait), then key B with ``MOGNAD_SECRET_KEY_PREVIOUS`` = A (the close opens
everything, every answer present). Both databases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from survey import create_app
from survey.extensions import db
from tests.support import factory
from tests.support.database import table_snapshot
from tests.support.forms import Browser
from tests.survey.staff import signed_in, text

KEY_A = "key-a-" + "a" * 40
KEY_B = "key-b-" + "b" * 40
B = 5
COMMENT = "c-comment_learning"
THANKS = "Tack för dina svar!"


@pytest.fixture
def apps(database_url: str) -> Iterator[dict[str, Flask]]:
    """One database, three restarts: key A; key B alone; key B with A as the previous key."""
    made = {
        name: factory.commands(
            create_app(
                {
                    "DATABASE_URL": database_url,
                    "TESTING": True,
                    "BASE_URL": "http://mognad.test",
                    **settings,
                }
            )
        )
        for name, settings in {
            "A": {"SECRET_KEY": KEY_A},
            "B": {"SECRET_KEY": KEY_B},
            "B+A": {"SECRET_KEY": KEY_B, "SECRET_KEY_PREVIOUS": KEY_A},
        }.items()
    }
    yield made
    for app in made.values():
        with app.app_context():
            db.engine.dispose()


def submit(app: Flask, link: str, comment: str) -> None:
    b = Browser(app.test_client())
    b.get(link)
    b.press("Starta enkäten")
    while b.page is not None and b.page.h1 != "Granska dina svar":
        fill = {COMMENT: comment} if COMMENT in b.page.forms[0].texts else {}
        b.press("Nästa", choose="first", fill=fill)
    assert b.press("Skicka in svaren").h1 == THANKS  # accepted, whatever the close does later


def scalar(app: Flask, sql: str) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.text(sql)) or 0)


def test_a_rotated_secret_key_loses_no_answer(apps, tmp_path, clock):
    runner = {name: app.test_cli_runner() for name, app in apps.items()}
    survey = factory.make_survey(runner["A"], tmp_path, people=B)  # B employees, B managers…
    comments = [f"svar nummer {i}" for i in range(B)]
    for i in range(B - 1):
        submit(apps["A"], survey.link("employee", i), comments[i])
    assert scalar(apps["A"], "SELECT count(*) FROM ballots") == B - 1

    # Restarted with key B alone: a submission is accepted and kept (sealed under B), but the
    # close cannot open the four older ballots: it refuses whole, and all five wait.
    submit(apps["B"], survey.link("employee", B - 1), comments[B - 1])
    assert scalar(apps["B"], "SELECT count(*) FROM ballots") == B
    before = table_snapshot(apps["B"])
    for _ in range(2):  # refused again, the same way: nothing half-done by the first attempt
        result = runner["B"].invoke(args=["round", "close", survey.name])
        assert result.exit_code == 1, result.output
        assert f"round '{survey.name}': {B - 1} of {B} pending ballots cannot be opened" in (
            result.output
        )
        assert "MOGNAD_SECRET_KEY_PREVIOUS" in result.output
        assert "The round was not closed" in result.output and "Traceback" not in result.output
        assert table_snapshot(apps["B"]) == before  # nothing written, every ballot waiting
    assert scalar(apps["B"], "SELECT count(*) FROM responses") == 0
    with apps["B"].app_context():
        status = db.session.scalar(
            sa.text("SELECT status FROM rounds WHERE name = :n"), {"n": survey.name}
        )
    assert status == "open"
    # In the browser the refusal is said in Swedish, and nothing is written either.
    admin = signed_in(apps["B"], runner["B"], clock, "admin@example.org", "admin")
    with apps["B"].app_context():
        rid = db.session.scalar(
            sa.text("SELECT id FROM rounds WHERE name = :n"), {"n": survey.name}
        )
    r = admin.post_from("/admin/", f"/admin/rounds/{rid}/close", {})
    assert r.status_code == 303  # the close runs as a job; its page says how it ended
    page = text(admin.get(r.location))
    assert "Misslyckades" in page
    assert f"Omgången stängdes inte: {B - 1} av {B} inskickade svar kan inte öppnas" in page
    assert "MOGNAD_SECRET_KEY_PREVIOUS" in page and "cannot be opened" not in page
    assert scalar(apps["B"], "SELECT count(*) FROM ballots") == B

    # With the old key as the previous one, everything opens: the close succeeds.
    factory.close_round(runner["B+A"], survey.name)
    app = apps["B+A"]
    assert scalar(app, "SELECT count(*) FROM ballots") == 0
    assert scalar(app, "SELECT count(*) FROM responses WHERE role = 'employee'") == B
    with app.app_context():
        texts = db.session.scalars(sa.text("SELECT text FROM response_comments")).all()
        per_response = db.session.execute(
            sa.text("SELECT count(*) FROM answers GROUP BY response_id")
        ).all()
    assert sorted(texts) == comments
    assert len(per_response) == B and len({n for (n,) in per_response}) == 1  # all answers
