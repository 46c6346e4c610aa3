"""Import respondents (invitations) and answers (historical rounds, paper questionnaires).

Every row is validated before anything is written, so a bad file changes nothing. Every
problem is a :class:`~analysis.errors.Text` (Swedish, translated where it is shown) at its row
and column; a role is read in Swedish (``medarbetare``, ``chef``, ``specialist``) or as its code.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis.errors import say
from analysis.instruments import Invalid, Scale
from analysis.roles import ROLE_WORDS, read_role
from survey.models import Invitation, Round
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.sealing import Sealer
from survey.services.ballots import Submission, drop_ballots
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
        code = v["unit_code"]
        reason = say("okänd enhetskod '%(code)s'", code=code) if code else say("enhetskoden saknas")
        problems.add(reason, row, "unit_code")
    role = read_role(v["role"])
    if role is None:
        problems.add(
            say(
                "okänd roll '%(role)s' (skriv %(words)s)",
                role=v["role"],
                words=", ".join(ROLE_WORDS),
            ),
            row,
            "role",
        )
    return unit_id, role


def _writable(rnd: Round, f: str) -> None:
    """Refuse imports once a round is closed: its figures may already be out, and one more
    response between two reports would give that person's answers away by subtraction."""
    if rnd.status not in WRITABLE:
        raise InputError(
            say(
                "mätomgången '%(round)s' är stängd; inget kan längre läggas till i den (det går "
                "bara medan en omgång är utkast eller öppen)",
                round=rnd.name,
            ),
            file=f,
        )


def _email(raw: str, problems: Problems, row: int) -> str | None:
    """The address, normalised and lower-cased; syntax only (no DNS lookups at import).

    The reserved ``.test`` domain is accepted, so that test installations can use it. The
    validator's own explanation is English, so it is never shown: our sentence says what an
    address looks like instead.
    """
    if not raw:
        problems.add(say("e-postadressen saknas"), row, "email")
        return None
    try:
        info = validate_email(raw, check_deliverability=False, test_environment=True)
        return info.normalized.lower()
    except EmailNotValidError:
        problems.add(
            say(
                "'%(value)s' är ingen e-postadress (den ska se ut som namn@kommun.se, med en "
                "punkt i delen efter @)",
                value=raw,
            ),
            row,
            "email",
        )
        return None


def import_respondents(session: Session, round_name: str, table: Table) -> int:
    """Add invitations (email,unit_code,role); links with tokens are issued by `mognad links`."""
    rnd = get_round(session, round_name)
    table = table.conform(RESPONDENT_COLUMNS)
    f = table.source
    _writable(rnd, f)
    if rnd.mode != RoundMode.INVITED:
        raise InputError(
            say(
                "mätomgången '%(round)s' är öppen för alla och har inga personliga inbjudningar",
                round=rnd.name,
            ),
            file=f,
        )
    units = unit_codes(session, rnd.year)
    existing = set(session.scalars(select(Invitation.email).where(Invitation.round_id == rnd.id)))
    problems = Problems(f)
    seen: dict[str, int] = {}
    rows = []
    for row, v in table.rows:
        email = _email(v["email"], problems, row)
        if email in seen:
            problems.add(
                say("e-postadressen finns redan på rad %(row)s", row=seen[email]), row, "email"
            )
        elif email in existing:
            problems.add(
                say("'%(email)s' är redan inbjuden till den här omgången", email=email),
                row,
                "email",
            )
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
        problems.add(say("filen innehåller inga respondenter"))
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
                say(
                    "okänd frågekolumn '%(column)s' (finns inte i enkäten %(id)s %(version)s)",
                    column=col,
                    id=q.id,
                    version=q.version,
                ),
                1,
                col or "–",
            )
    problems.raise_any()  # the rows cannot be read against unknown columns
    units = unit_codes(session, rnd.year)
    ballots: list[Submission] = []
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
                problems.add(
                    say(
                        "frågan '%(item)s' ställs inte till rollen '%(role)s'", item=col, role=role
                    ),
                    row,
                    col,
                )
                continue
            answer = _answer(raw, cat.scale, problems, row, col)
            if answer is not None:
                answers.append(answer)
        if not given:
            problems.add(say("raden har inga svar"), row)
        ballots.append(Submission(rnd.id, int(unit_id or 0), str(role), answers, comments))
    if not ballots:
        problems.add(say("filen innehåller inga svar"))
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
        problems.add(
            say("'dk' (vet ej) är inte tillåtet på skalan '%(scale)s'", scale=scale.id), row, col
        )
        return None
    if value is Invalid.OFF_SCALE:
        allowed = f"{scale.min}–{scale.max}" + (" / dk" if scale.dont_know else "")
        problems.add(
            say(
                "'%(value)s' ligger utanför skalan (tillåtet: %(allowed)s)",
                value=raw,
                allowed=allowed,
            ),
            row,
            col,
        )
        return None
    return base | {"value": value}
