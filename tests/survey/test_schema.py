"""The migrated schema enforces the domain invariants itself, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import Answer, Response, Round, Unit


def _insert(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def test_unit_code_unique_per_year(db_session):
    root = Unit(year=2025, code="A", name="A")
    _insert(db_session, root)
    _insert(db_session, Unit(year=2026, code="A", name="A next year"))
    with pytest.raises(IntegrityError):
        _insert(db_session, Unit(year=2025, code="A", name="again", parent=root))
    db_session.rollback()


def test_one_root_per_year(db_session):
    _insert(db_session, Unit(year=2025, code="A", name="A"))
    with pytest.raises(IntegrityError):
        _insert(db_session, Unit(year=2025, code="B", name="B"))
    db_session.rollback()


def test_round_status_and_answer_scale_checked(db_session, make_round):
    make_round()
    rnd = db_session.scalar(sa.select(Round))
    unit = db_session.scalar(sa.select(Unit).where(Unit.code == "EDU-A"))
    with pytest.raises(IntegrityError):
        db_session.execute(sa.update(Round).values(status="archived"))
        db_session.flush()
    db_session.rollback()
    resp = Response(round_id=rnd.id, unit_id=unit.id, role="employee")
    _insert(db_session, resp)
    _insert(
        db_session, Answer(response_id=resp.id, item_id="x", value=None, scale_min=1, scale_max=6)
    )
    with pytest.raises(IntegrityError):
        _insert(
            db_session, Answer(response_id=resp.id, item_id="y", value=7, scale_min=1, scale_max=6)
        )
    db_session.rollback()


def test_response_ids_are_random_not_sequential(db_session, make_round):
    make_round()
    rnd = db_session.scalar(sa.select(Round))
    unit = db_session.scalar(sa.select(Unit).where(Unit.code == "EDU-A"))
    ids = []
    for _ in range(20):
        resp = Response(round_id=rnd.id, unit_id=unit.id, role="employee")
        _insert(db_session, resp)
        ids.append(resp.id)
    assert len(set(ids)) == 20
    assert all(len(i) == 32 for i in ids)
    assert ids != sorted(ids)


def test_response_table_has_no_link_to_people_or_time():
    columns = {c.name for c in Response.__table__.columns}
    assert columns == {"id", "round_id", "unit_id", "role"}
    answer_columns = {c.name for c in Answer.__table__.columns}
    assert not answer_columns & {"invitation_id", "token", "token_hash", "created_at", "email"}
