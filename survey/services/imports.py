"""Import respondents (invitations) and answers (historical rounds, paper questionnaires).

Every row is validated before anything is written, so a bad file changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis.instruments import ROLES, Invalid
from survey.models import Answer, Invitation, Response, ResponseComment, Round
from survey.models.responses import random_id
from survey.services.errors import InputError
from survey.services.org import unit_codes
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.tabular import read_table

WRITABLE = ("draft", "open")
BATCH = 5000


def _unit_and_role(units: dict[str, int], v: dict[str, str], f: str, row: int) -> tuple[int, str]:
    if v["unit_code"] not in units:
        raise InputError(
            f"unknown unit code '{v['unit_code']}'", file=f, row=row, column="unit_code"
        )
    if v["role"] not in ROLES:
        raise InputError(
            f"unknown role '{v['role']}' (use {', '.join(ROLES)})",
            file=f,
            row=row,
            column="role",
        )
    return units[v["unit_code"]], v["role"]


def _writable(rnd: Round, f: str) -> None:
    """Refuse imports once a round is closed: its figures may already be out, and one more
    response between two reports would give that person's answers away by subtraction."""
    if rnd.status not in WRITABLE:
        raise InputError(
            f"round '{rnd.name}' is {rnd.status}; nothing can be imported into it any more "
            "(imports are accepted only while a round is draft or open)",
            file=f,
        )


def _email(raw: str, f: str, row: int) -> str:
    """The address, normalised and lower-cased; syntax only (no DNS lookups at import).

    The reserved ``.test`` domain is accepted, so that test installations can use it.
    """
    try:
        info = validate_email(raw, check_deliverability=False, test_environment=True)
        return info.normalized.lower()
    except EmailNotValidError as e:
        raise InputError(
            f"'{raw}' is not an email address ({e})", file=f, row=row, column="email"
        ) from None


def import_respondents(session: Session, round_name: str, path: str | Path) -> int:
    """Add invitations (email,unit_code,role); links with tokens are issued by `mognad links`."""
    rnd = get_round(session, round_name)
    table = read_table(path, ("email", "unit_code", "role"))
    f = table.name
    _writable(rnd, f)
    if rnd.mode != "invited":
        raise InputError(
            f"round '{rnd.name}' is an open round and has no personal invitations", file=f
        )
    units = unit_codes(session, rnd.year)
    existing = set(session.scalars(select(Invitation.email).where(Invitation.round_id == rnd.id)))
    seen: dict[str, int] = {}
    rows = []
    for row, v in table.rows:
        email = _email(v["email"], f, row)
        if email in seen:
            raise InputError(
                f"duplicate email (also on row {seen[email]})", file=f, row=row, column="email"
            )
        if email in existing:
            raise InputError(
                f"'{email}' is already invited to this round", file=f, row=row, column="email"
            )
        seen[email] = row
        unit_id, role = _unit_and_role(units, v, f, row)
        rows.append(
            {
                "round_id": rnd.id,
                "email": email,
                "unit_id": unit_id,
                "role": role,
                "status": "pending",
                "reminders": 0,
            }
        )
    if not rows:
        raise InputError("the file has no respondents", file=f)
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Invitation), rows[start : start + BATCH])
    session.flush()
    return len(rows)


def import_responses(session: Session, round_name: str, path: str | Path) -> int:
    """Import a wide answer file: unit_code,role,<item ids…>; empty = unanswered, dk = vet ej."""
    rnd = get_round(session, round_name)
    table = read_table(path, ("unit_code", "role"), extra=True)
    f = table.name
    _writable(rnd, f)
    q = snapshot_questionnaire(session, rnd)
    comment_ids = {c.id for c in q.comments}
    columns = [c for c in table.header if c not in ("unit_code", "role")]
    for col in columns:
        if col not in q.items and col not in comment_ids:
            raise InputError(
                f"unknown item column '{col}' (not in questionnaire {q.id} {q.version})",
                file=f,
                row=1,
                column=col or "(empty header)",
            )
    units = unit_codes(session, rnd.year)
    responses, answers, comments = [], [], []
    for row, v in table.rows:
        unit_id, role = _unit_and_role(units, v, f, row)
        rid = random_id()
        mine = []
        for col in columns:
            raw = v[col]
            if not raw:
                continue
            if col in comment_ids:
                comments.append({"response_id": rid, "comment_id": col, "text": raw})
                continue
            item, cat = q.items[col]
            if role not in item.roles:
                raise InputError(
                    f"item '{col}' is not asked of role '{role}'", file=f, row=row, column=col
                )
            mine.append(_answer(rid, raw, cat.scale, f, row, col))
        if not mine:
            raise InputError("the row has no answers", file=f, row=row)
        responses.append({"id": rid, "round_id": rnd.id, "unit_id": unit_id, "role": role})
        answers.extend(mine)
    if not responses:
        raise InputError("the file has no responses", file=f)
    for model, rows in ((Response, responses), (Answer, answers), (ResponseComment, comments)):
        for start in range(0, len(rows), BATCH):
            session.execute(insert(model), rows[start : start + BATCH])
    session.flush()
    return len(responses)


def _answer(rid: str, raw: str, scale, f: str, row: int, col: str) -> dict:  # type: ignore[no-untyped-def]
    base = {"response_id": rid, "item_id": col, "scale_min": scale.min, "scale_max": scale.max}
    value = scale.parse(raw, lenient=True)
    if value is Invalid.DONT_KNOW_NOT_ALLOWED:
        raise InputError(
            f"'dk' (vet ej) is not allowed on scale '{scale.id}'", file=f, row=row, column=col
        )
    if value is Invalid.OFF_SCALE:
        allowed = f"{scale.min}–{scale.max}" + (" or dk" if scale.dont_know else "")
        raise InputError(
            f"'{raw}' is off the scale (allowed: {allowed})", file=f, row=row, column=col
        )
    return base | {"value": value}
