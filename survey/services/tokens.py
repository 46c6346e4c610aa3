"""Personal API tokens: create (the token is returned once), revoke, list, and resolve a request's.

A token is worth exactly its owner: it reads the API with the owner's role and, for a manager,
the owner's units, as ``survey.access`` decides at each request. So disabling the account or
changing a manager's units takes effect on the token at once, and a token gives nothing to an
account that could not see the results itself. Functions flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import ApiToken, User
from survey.services.accounts import find_user
from survey.services.errors import InputError, StateError
from survey.tokens import new_token, token_hash

MAX_NAME = 100
# Writing last_used_at on every call would turn each read into a write; once a minute is enough
# to tell an administrator whether a token is still in use.
LAST_USED_GRANULARITY = 60


def _name(name: str) -> str:
    text = " ".join(name.split())
    if not text:
        raise InputError("a token needs a name that says what it is for (e.g. 'open data portal')")
    if len(text) > MAX_NAME:
        raise InputError(f"a token's name has at most {MAX_NAME} characters, got {len(text)}")
    return text


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; return the row and the token itself (shown once, never stored)."""
    if not user.active:
        raise StateError(f"{user.email} is disabled; a token of theirs would never work")
    token = new_token()
    row = ApiToken(user=user, name=_name(name), token_hash=token_hash(token))
    session.add(row)
    session.flush()
    return row, token


def create_for_email(session: Session, email: str, name: str) -> tuple[ApiToken, str]:
    user = find_user(session, email)
    if user is None:
        raise InputError(f"no account for {email}")
    return create_token(session, user, name)


def get_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise InputError(f"no API token with id {token_id} (see 'mognad token list')")
    return row


def revoke_token(session: Session, token_id: int, now: datetime) -> ApiToken:
    row = get_token(session, token_id)
    if row.revoked_at is not None:
        raise StateError(f"API token {token_id} ('{row.name}') is already revoked")
    row.revoked_at = now
    session.flush()
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first, revoked ones included (who had access, and until when)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def token_owner(session: Session, token: str, now: datetime) -> User | None:
    """The active owner of an unrevoked ``token``, or None; notes when it was last used."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or (now - last).total_seconds() >= LAST_USED_GRANULARITY:
        row.last_used_at = now
        session.flush()
    return row.user
