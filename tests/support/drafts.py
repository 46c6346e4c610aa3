"""What a respondent's draft holds, opened the only way there is: with their own link's token.

Drafts are sealed with the respondent's secret (``survey.sealing``), so a test that checks what
was saved reads it as the respondent's next visit would, through the real service.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from survey.models import Draft
from survey.respond.context import BROWSER_KEYS
from survey.sealing import Sealer
from survey.services.links import invitation_by_token
from survey.services.respond import draft_values
from survey.tokens import token_hash


def saved_answers(session: Session, link: str) -> dict[str, str]:
    """Field id → saved value of the draft behind a personal ``link`` ({} without a draft)."""
    token = urlsplit(link).path.split("/s/", 1)[1]
    invitation = invitation_by_token(session, token)
    assert invitation is not None, link
    draft = session.scalar(sa.select(Draft).where(Draft.invitation_id == invitation.id))
    return draft_values(draft, Sealer.for_respondent(token)) if draft is not None else {}


def saved_open_answers(session: Session, client: FlaskClient, round_id: int) -> dict[str, str]:
    """The same for an open-link draft, whose key is the browser key in ``client``'s cookie."""
    with client.session_transaction() as cookie:
        key = cookie[BROWSER_KEYS][str(round_id)]
    draft = session.scalar(sa.select(Draft).where(Draft.browser_key == token_hash(key)))
    return draft_values(draft, Sealer.for_respondent(key)) if draft is not None else {}
