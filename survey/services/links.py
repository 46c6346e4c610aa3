"""Respondent links: personal tokens (only their SHA-256 is stored) and shared unit links.

A personal link is ``/s/<token>`` with a 256-bit random token; issuing a new token replaces the
stored hash, so the old link stops working. A unit link of an open round is
``/o/<round id>/<unit code>/<key>`` where the key is an HMAC of the round and unit under a key
derived from the installation's secret for unit links only (so a unit-link tag can never serve
as, or help forge, a session signature): nothing is stored, and changing the secret key
invalidates every unit link (re-issue them with ``mognad links``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from analysis import tree
from analysis.roles import ROLES
from survey.config import derive_key
from survey.models import Invitation, Round, Unit
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.services.errors import InputError, StateError
from survey.services.rounds import get_round
from survey.tokens import new_token, token_hash

PERSONAL_HEADER = ("email", "unit_code", "role", "url")
UNIT_HEADER = ("unit_code", "unit_name", "url")
ISSUABLE = (RoundStatus.DRAFT, RoundStatus.OPEN)
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
KEY_BYTES = 16  # 128-bit HMAC tag, 22 URL-safe characters
UNIT_LINK_PURPOSE = "unit-link v1"


def plausible_token(token: str) -> bool:
    """Whether ``token`` has the shape of an issued token (saves a lookup for junk)."""
    return bool(TOKEN_SHAPE.match(token))


def personal_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def unit_key(secret: str, round_id: int, unit_code: str) -> str:
    """The HMAC tag that makes a unit link of an open round unguessable."""
    mac = hmac.new(
        derive_key(secret, UNIT_LINK_PURPOSE),
        f"{round_id}\0{unit_code}".encode(),
        hashlib.sha256,
    ).digest()[:KEY_BYTES]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def check_unit_key(secret: str, round_id: int, unit_code: str, key: str) -> bool:
    return hmac.compare_digest(unit_key(secret, round_id, unit_code), key)


def unit_url(base_url: str, secret: str, round_id: int, unit_code: str) -> str:
    key = unit_key(secret, round_id, unit_code)
    return f"{base_url.rstrip('/')}/o/{round_id}/{quote(unit_code, safe='')}/{key}"


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    """The invitation a personal token belongs to, or None for an unknown or replaced token."""
    if not plausible_token(token):
        return None
    return invitation_by_hash(session, token_hash(token))


def invitation_by_hash(session: Session, digest: str) -> Invitation | None:
    """The invitation with its round (every caller reads the round: one query, not two)."""
    return session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == digest)
        .options(joinedload(Invitation.round))
    )


@dataclass(frozen=True)
class UnitChoice:
    """A unit in a subtree, with its depth below the subtree's root and its name path."""

    unit: Unit
    depth: int
    path: tuple[str, ...]


def subtree(session: Session, root: Unit) -> list[UnitChoice]:
    """``root`` and its descendants, depth first, children in code order."""
    units = session.scalars(select(Unit).where(Unit.year == root.year).order_by(Unit.code)).all()
    by_id = {u.id: u for u in units}
    parent = {u.id: u.parent_id for u in units}
    return [
        UnitChoice(
            by_id[uid],
            depth,
            tuple(by_id[i].name for i in tree.path_below(uid, parent, root.id)) or (root.name,),
        )
        for uid, depth in tree.preorder(tree.children_map(parent), [root.id])
    ]


def unit_in_round(session: Session, rnd: Round, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.year == rnd.year, Unit.code == code))


@dataclass(frozen=True)
class LinkTable:
    header: tuple[str, ...]
    rows: list[dict[str, str]]
    kind: str  # "personal" | "unit"


def issue_links(
    session: Session, round_name: str, base_url: str, secret: str, unit_code: str | None = None
) -> LinkTable:
    """Personal links (fresh tokens) or unit links of a round, limited to a unit's subtree."""
    rnd = get_round(session, round_name)
    if rnd.status not in ISSUABLE:
        raise StateError(
            f"round '{rnd.name}' is {rnd.status}; links can only be issued while a round is "
            "draft or open"
        )
    units = None
    if unit_code is not None:
        unit = unit_in_round(session, rnd, unit_code)
        if unit is None:
            raise InputError(
                f"no unit '{unit_code}' in the {rnd.year} organisation tree of round '{rnd.name}'"
            )
        units = subtree(session, unit)
    if rnd.mode == RoundMode.OPEN:
        if units is None:
            root = session.scalar(
                select(Unit).where(Unit.year == rnd.year, Unit.parent_id.is_(None))
            )
            if root is None:
                raise InputError(f"there is no organisation tree for {rnd.year}")
            units = subtree(session, root)
        rows = [
            {
                "unit_code": c.unit.code,
                "unit_name": c.unit.name,
                "url": unit_url(base_url, secret, rnd.id, c.unit.code),
            }
            for c in units
        ]
        return LinkTable(UNIT_HEADER, rows, "unit")
    unit_ids = None if units is None else [c.unit.id for c in units]
    if not session.scalar(select(Invitation.id).where(Invitation.round_id == rnd.id).limit(1)):
        raise InputError(
            f"round '{rnd.name}' has no respondents yet; add them with "
            f"'mognad respondents import {rnd.name} FILE'"
        )
    return LinkTable(PERSONAL_HEADER, reissue_tokens(session, rnd, base_url, unit_ids), "personal")


def reissue_tokens(
    session: Session,
    rnd: Round,
    base_url: str,
    unit_ids: list[int] | None = None,
    roles: tuple[str, ...] = ROLES,
    limit: int | None = None,
) -> list[dict[str, str]]:
    """Give every not yet completed invitation a new token; return their links by email."""
    query = (
        select(Invitation.id, Invitation.email, Invitation.role, Unit.code)
        .join(Unit, Unit.id == Invitation.unit_id)
        .where(
            Invitation.round_id == rnd.id,
            Invitation.status != InvitationStatus.COMPLETED,
            Invitation.role.in_(roles),
        )
        .order_by(Invitation.email, Invitation.id)
    )
    if unit_ids is not None:
        query = query.where(Invitation.unit_id.in_(unit_ids))
    if limit is not None:
        query = query.limit(limit)
    rows, params = [], []
    for inv_id, email, role, code in session.execute(query):
        token = new_token()
        params.append({"b_id": inv_id, "b_hash": token_hash(token)})
        rows.append(
            {
                "email": email or "",
                "unit_code": code,
                "role": role,
                "url": personal_url(base_url, token),
            }
        )
    if params:
        table = Invitation.__table__
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(token_hash=bindparam("b_hash"))
        )
        session.connection().execute(stmt, params)
    session.flush()
    return rows


def demo_links(session: Session, round_name: str, base_url: str) -> list[str]:
    """Lines with one fresh personal link per role of an open round (for `mognad demo`)."""
    rnd = session.scalar(select(Round).where(Round.name == round_name))
    if rnd is None or rnd.status != RoundStatus.OPEN or rnd.mode != RoundMode.INVITED:
        return []
    lines = []
    for role in ROLES:
        for row in reissue_tokens(session, rnd, base_url, roles=(role,), limit=1):
            lines.append(f"  {role:<11} {row['unit_code']:<8} {row['url']}")
    if lines:
        lines.insert(0, f"Demo respondent links for '{round_name}' (one per role, single use):")
    return lines
