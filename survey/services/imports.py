"""Import respondents (invitations) and answers (historical rounds, paper questionnaires).

Every row is validated before anything is written, so a bad file changes nothing.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis.instruments import Invalid, Scale
from analysis.roles import ROLES
from survey.models import Invitation, Round
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.sealing import Sealer
from survey.services.ballots import drop_ballots
from survey.services.errors import InputError, Problems
from survey.services.org import unit_codes
from survey.services.rounds import get_round, snapshot_questionnaire
from survey.services.tabular import Table

WRITABLE = (RoundStatus.DRAFT, RoundStatus.OPEN)
BATCH = 5000
RESPONDENT_COLUMNS = ("email", "unit_code", "role")
RESPONSE_COLUMNS = ("unit_code", "role")


def _unit_and_role(
    units: dict[str, int], v: dict[str, str], problems: Problems, row: int
) -> tuple[int | None, str | None]:
    """The unit's id and the role, each None (with a problem added) when unknown."""
    unit_id = units.get(v["unit_code"])
    if unit_id is None:
        problems.add(f"unknown unit code '{v['unit_code']}'", row, "unit_code")
    role: str | None = v["role"]
    if role not in ROLES:
        problems.add(f"unknown role '{v['role']}' (use {', '.join(ROLES)})", row, "role")
        role = None
    return unit_id, role


def _writable(rnd: Round, f: str) -> None:
    """Refuse imports once a round is closed: its figures may already be out, and one more
    response between two reports would give that person's answers away by subtraction."""
    if rnd.status not in WRITABLE:
        raise InputError(
            f"round '{rnd.name}' is {rnd.status}; nothing can be imported into it any more "
            "(imports are accepted only while a round is draft or open)",
            file=f,
        )


def _email(raw: str, problems: Problems, row: int) -> str | None:
    """The address, normalised and lower-cased; syntax only (no DNS lookups at import).

    The reserved ``.test`` domain is accepted, so that test installations can use it.
    """
    try:
        info = validate_email(raw, check_deliverability=False, test_environment=True)
        return info.normalized.lower()
    except EmailNotValidError as e:
        problems.add(f"'{raw}' is not an email address ({e})", row, "email")
        return None


def import_respondents(session: Session, round_name: str, table: Table) -> int:
    """Add invitations (email,unit_code,role); links with tokens are issued by `mognad links`."""
    rnd = get_round(session, round_name)
    table = table.conform(RESPONDENT_COLUMNS)
    f = table.source
    _writable(rnd, f)
    if rnd.mode != RoundMode.INVITED:
        raise InputError(
            f"round '{rnd.name}' is an open round and has no personal invitations", file=f
        )
    units = unit_codes(session, rnd.year)
    existing = set(session.scalars(select(Invitation.email).where(Invitation.round_id == rnd.id)))
    problems = Problems(f)
    seen: dict[str, int] = {}
    rows = []
    for row, v in table.rows:
        email = _email(v["email"], problems, row)
        if email in seen:
            problems.add(f"duplicate email (also on row {seen[email]})", row, "email")
        elif email in existing:
            problems.add(f"'{email}' is already invited to this round", row, "email")
        elif email is not None:
            seen[email] = row
        unit_id, role = _unit_and_role(units, v, problems, row)
        rows.append(
            {
                "round_id": rnd.id,
                "email": email,
                "unit_id": unit_id,
                "role": role,
                "status": InvitationStatus.PENDING,
                "reminders": 0,
            }
        )
    if not rows:
        problems.add("the file has no respondents")
    problems.raise_any()
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Invitation), rows[start : start + BATCH])
    session.flush()
    return len(rows)


def import_responses(session: Session, round_name: str, table: Table, *, sealer: Sealer) -> int:
    """Import a wide answer table: unit_code,role,<item ids…>; empty = unanswered, dk = vet ej.

    Each row becomes a ballot sealed for the round with ``sealer`` (the installation's).

    The round's row is share-locked and its status checked before and after writing, as a
    submission does (survey.services.respond.lock_open_round), so no import lands in the ballot
    box of a round that a concurrent close has already emptied.
    """
    rnd = get_round(session, round_name)
    session.refresh(rnd, with_for_update={"read": True})
    table = table.conform(RESPONSE_COLUMNS, extra=True)
    f = table.source
    _writable(rnd, f)
    q = snapshot_questionnaire(session, rnd)
    comment_ids = {c.id for c in q.comments}
    columns = [c for c in table.columns if c not in RESPONSE_COLUMNS]
    problems = Problems(f)
    for col in columns:
        if col not in q.items and col not in comment_ids:
            problems.add(
                f"unknown item column '{col}' (not in questionnaire {q.id} {q.version})",
                1,
                col or "(empty header)",
            )
    problems.raise_any()  # the rows cannot be read against unknown columns
    units = unit_codes(session, rnd.year)
    ballots: list[tuple[int, int, str, list[dict[str, Any]], list[dict[str, Any]]]] = []
    for row, v in table.rows:
        unit_id, role = _unit_and_role(units, v, problems, row)
        answers: list[dict[str, Any]] = []
        comments: list[dict[str, Any]] = []
        given = 0
        for col in columns:
            raw = v[col]
            if not raw:
                continue
            if col in comment_ids:
                comments.append({"comment_id": col, "text": raw})
                continue
            given += 1
            item, cat = q.items[col]
            if role is not None and role not in item.roles:
                problems.add(f"item '{col}' is not asked of role '{role}'", row, col)
                continue
            answer = _answer(raw, cat.scale, problems, row, col)
            if answer is not None:
                answers.append(answer)
        if not given:
            problems.add("the row has no answers", row)
        ballots.append((rnd.id, int(unit_id or 0), str(role), answers, comments))
    if not ballots:
        problems.add("the file has no responses")
    problems.raise_any()
    # Paper answers wait in the ballot box like any other submission: no response exists
    # before the close, which shuffles them in among the rest.
    n = drop_ballots(session, ballots, sealer=sealer)
    session.flush()
    session.refresh(rnd)
    _writable(rnd, f)
    return n


def _answer(
    raw: str, scale: Scale, problems: Problems, row: int, col: str
) -> dict[str, Any] | None:
    base = {"item_id": col, "scale_min": scale.min, "scale_max": scale.max}
    value = scale.parse(raw, lenient=True)
    if value is Invalid.DONT_KNOW_NOT_ALLOWED:
        problems.add(f"'dk' (vet ej) is not allowed on scale '{scale.id}'", row, col)
        return None
    if value is Invalid.OFF_SCALE:
        allowed = f"{scale.min}–{scale.max}" + (" or dk" if scale.dont_know else "")
        problems.add(f"'{raw}' is off the scale (allowed: {allowed})", row, col)
        return None
    return base | {"value": value}
