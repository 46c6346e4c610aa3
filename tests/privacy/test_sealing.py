"""The seal itself: fresh nonces, keys per purpose and round, blobs bound to their row.

The last test moves sealed ballots between rows through SQL, as someone who can write to the
database might, and shows that the close refuses them (and writes nothing, the round stays open)
until they are back.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.sealing import BALLOT, DRAFT, Sealer, SealError, UnknownKey, derive, key_id
from survey.services.ballots import open_ballot, seal_ballot
from tests.support.database import table_snapshot
from tests.support.forms import Browser

SECRET = "installation-" + "s" * 40
CONTENT = {"role": "manager", "answers": [{"item_id": "x", "value": 3}], "comments": []}


def test_each_seal_has_a_fresh_nonce_and_names_its_key_without_revealing_it():
    sealer = Sealer([SECRET])
    one = sealer.seal(BALLOT, "7", "here", CONTENT)
    two = sealer.seal(BALLOT, "7", "here", CONTENT)
    assert one != two  # fresh nonce: equal answers give unrelated ciphertexts
    version, kid, _ = one.split(".")
    assert version == "v1" and kid == two.split(".")[1] == key_id(derive(SECRET, BALLOT, "7"))
    assert kid not in derive(SECRET, BALLOT, "7").hex()
    assert "manager" not in one
    assert sealer.open(BALLOT, "7", "here", one) == CONTENT


def test_a_blob_opens_only_for_its_purpose_round_and_place():
    sealer = Sealer([SECRET])
    blob = sealer.seal(BALLOT, "7", "round=7 unit=1 id=a", CONTENT)
    with pytest.raises(UnknownKey):  # another round has another key
        sealer.open(BALLOT, "8", "round=7 unit=1 id=a", blob)
    with pytest.raises(UnknownKey):  # so has another purpose
        sealer.open(DRAFT, "7", "round=7 unit=1 id=a", blob)
    with pytest.raises(SealError):  # another row: the associated data differs
        sealer.open(BALLOT, "7", "round=7 unit=2 id=a", blob)
    with pytest.raises(SealError):
        sealer.open(BALLOT, "7", "round=7 unit=1 id=a", blob[:-2] + "AA")
    with pytest.raises(SealError):
        sealer.open(BALLOT, "7", "round=7 unit=1 id=a", "{'answers': []}")


def test_the_previous_secret_opens_and_never_seals():
    old = Sealer([SECRET]).seal(BALLOT, "7", "p", CONTENT)
    rotated = Sealer.from_config({"SECRET_KEY": "new-" + "n" * 40, "SECRET_KEY_PREVIOUS": SECRET})
    assert rotated.open(BALLOT, "7", "p", old) == CONTENT
    new = rotated.seal(BALLOT, "7", "p", CONTENT)
    with pytest.raises(UnknownKey):
        Sealer([SECRET]).open(BALLOT, "7", "p", new)
    assert open_ballot(
        rotated, "b1", 7, 1, seal_ballot(rotated, "b1", 7, 1, "manager", CONTENT["answers"], [])
    ) == {**CONTENT, "comments": []}


def test_ballots_moved_between_rows_are_refused_and_nothing_is_closed(app, make_survey, runner):
    from survey.extensions import db

    survey = make_survey(people=2)
    for n in range(2):
        b = Browser(app.test_client())
        b.get(survey.link(("employee", "manager")[n]))
        b.walk_to_review()
        assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT id, payload FROM ballots ORDER BY id")).all()
        assert len(rows) == 2
        swap = "UPDATE ballots SET payload = :payload WHERE id = :id"
        db.session.execute(sa.text(swap), [{"id": rows[0].id, "payload": rows[1].payload}])
        db.session.execute(sa.text(swap), [{"id": rows[1].id, "payload": rows[0].payload}])
        db.session.commit()
    before = table_snapshot(app)
    result = runner.invoke(args=["round", "close", survey.name])
    assert result.exit_code == 1
    assert "2 of 2 pending ballots cannot be opened: 2 were altered or moved" in result.output
    assert "The round was not closed" in result.output
    assert table_snapshot(app) == before
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT status FROM rounds")) == "open"
        db.session.execute(sa.text(swap), [{"id": r.id, "payload": r.payload} for r in rows])
        db.session.commit()
    assert runner.invoke(args=["round", "close", survey.name]).exit_code == 0
    with app.app_context():
        roles = db.session.scalars(sa.text("SELECT role FROM responses ORDER BY role")).all()
    assert roles == ["employee", "manager"]
