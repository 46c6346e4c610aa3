"""Upgrading an installation in fieldwork: pending ballots are sealed, none is lost.

The database is taken back to the revision before sealing, given a ballot and a draft in the
old plaintext form, and upgraded again. A plaintext draft cannot be sealed (its key is the
respondent's link, which the server never holds), so the upgrade refuses and changes nothing
while one exists; without it the ballot is sealed and the close opens it, answers and all.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from survey.extensions import db
from tests.support.factory import close_round

BEFORE = "33bc0212ec42"  # the last revision with plaintext drafts and ballots
PAYLOAD = {
    "answers": [{"item_id": "cap_workplace_1", "value": 4, "scale_min": 1, "scale_max": 5}],
    "comments": [{"comment_id": "comment_learning", "text": "skrivet före uppgraderingen"}],
}


def snapshot(app) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table as the database has them (the models describe the new schema)."""
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(db.engine)
        with db.engine.connect() as conn:
            return {
                t.name: sorted(tuple(map(repr, r)) for r in conn.execute(sa.select(t)))
                for t in meta.sorted_tables
            }


def test_upgrade_seals_pending_ballots_and_refuses_plaintext_drafts(
    app, make_survey, runner, capsys
):
    survey = make_survey()
    with app.app_context():
        downgrade(revision=BEFORE)
        invitation = db.session.execute(
            sa.text("SELECT id, round_id, unit_id FROM invitations WHERE role = 'employee'")
        ).one()
        db.session.execute(
            sa.text(
                "INSERT INTO ballots (id, round_id, unit_id, role, payload) "
                "VALUES ('b' || '0123456789abcdef0123456789abcde', :r, :u, 'employee', :p)"
            ),
            {"r": invitation.round_id, "u": invitation.unit_id, "p": json.dumps(PAYLOAD)},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO drafts (id, round_id, invitation_id, unit_id, role, page, updated_at)"
                " VALUES (1, :r, :i, :u, 'employee', 2, CURRENT_TIMESTAMP)"
            ),
            {"r": invitation.round_id, "i": invitation.id, "u": invitation.unit_id},
        )
        db.session.execute(
            sa.text("INSERT INTO draft_answers (draft_id, item_id, value) VALUES (1, 'cap_x', '3')")
        )
        db.session.commit()
        db.session.remove()
    before = snapshot(app)
    with app.app_context(), pytest.raises(SystemExit):
        upgrade()  # `mognad db upgrade` prints the one line and exits with 1
    said = capsys.readouterr().err
    assert "Error: 1 saved draft answers are stored in plaintext" in said
    assert "Nothing was changed" in said and "Traceback" not in said
    assert snapshot(app) == before  # refused as a whole: nothing changed

    with app.app_context():
        db.session.execute(sa.text("DELETE FROM draft_answers"))
        db.session.execute(sa.text("DELETE FROM drafts"))
        db.session.commit()
        db.session.remove()
        upgrade()
        payload = db.session.scalar(sa.text("SELECT payload FROM ballots"))
        db.session.remove()
    assert payload.startswith("v1.") and "före" not in payload and "employee" not in payload
    close_round(runner, survey.name)
    with app.app_context():
        response = db.session.execute(sa.text("SELECT id, role FROM responses")).one()
        text = db.session.scalar(sa.text("SELECT text FROM response_comments"))
        value = db.session.scalar(sa.text("SELECT value FROM answers"))
    assert (response.role, text, value) == ("employee", "skrivet före uppgraderingen", 4)
