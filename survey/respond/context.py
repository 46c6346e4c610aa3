"""Who is answering: the respondent state kept in the signed session cookie, and its checks.

The cookie holds, for a personal link, the SHA-256 of the token (never the token); for an open
link, the round, the link's unit, the chosen unit and role, and per round a random browser key
whose hash finds the draft. No answers ever live in the cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import session
from sqlalchemy import select

from analysis.instruments import Questionnaire
from survey.extensions import db
from survey.models import Draft, Invitation, Round, Unit
from survey.services import respond as service
from survey.services.links import invitation_by_hash
from survey.services.rounds import snapshot_questionnaire

KEY = "respondent"
BROWSER_KEYS = "browser_keys"
DONE = "done"
ANSWERED = "answered_open"


class Stop(Exception):
    """Stop the request with one of the plain-language status pages."""

    def __init__(self, kind: str, rnd: Round | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.round = rnd


@dataclass
class Respondent:
    round: Round
    invitation: Invitation | None = None
    link_unit: Unit | None = None
    unit_id: int | None = None
    role: str | None = None
    draft: Draft | None = None

    @property
    def personal(self) -> bool:
        return self.invitation is not None

    @cached_property
    def questionnaire(self) -> Questionnaire:
        return snapshot_questionnaire(db.session, self.round)

    @property
    def plan(self) -> service.Plan:
        if self.role is None:
            raise Stop("no_session")
        return service.plan_for(self.questionnaire, self.role)


def check_round(rnd: Round) -> None:
    """Refuse rounds nobody can answer now."""
    if rnd.status == "draft":
        raise Stop("not_open", rnd)
    if rnd.status != "open":
        raise Stop("closed", rnd)


def enter_personal(digest: str) -> None:
    session[KEY] = {"kind": "invitation", "token": digest}


def enter_open(rnd: Round, unit: Unit) -> None:
    state = session.get(KEY) or {}
    same = (
        state.get("kind") == "open"
        and state.get("round") == rnd.id
        and state.get("link_unit") == unit.id
    )
    session[KEY] = {
        "kind": "open",
        "round": rnd.id,
        "link_unit": unit.id,
        "unit": state.get("unit") if same else None,
        "role": state.get("role") if same else None,
    }


def browser_key(round_id: int) -> str | None:
    return (session.get(BROWSER_KEYS) or {}).get(str(round_id))


def set_browser_key(round_id: int, key: str | None) -> None:
    keys = dict(session.get(BROWSER_KEYS) or {})
    if key is None:
        keys.pop(str(round_id), None)
    else:
        keys[str(round_id)] = key
        session.permanent = True  # an open-link draft can only be found again through this key
    session[BROWSER_KEYS] = keys


def choose(unit_id: int, role: str) -> None:
    state = dict(session.get(KEY) or {})
    state.update(unit=unit_id, role=role)
    session[KEY] = state


def load(*, allow_completed: bool = False) -> Respondent:
    """The current respondent, or Stop with the page that explains why not."""
    state = session.get(KEY)
    if not isinstance(state, dict):
        raise Stop("no_session")
    if state.get("kind") == "invitation":
        inv = invitation_by_hash(db.session, str(state.get("token", "")))
        if inv is None:
            raise Stop("unknown")
        if inv.status == "completed":
            if allow_completed:
                return Respondent(inv.round, invitation=inv, unit_id=inv.unit_id, role=inv.role)
            raise Stop("used", inv.round)
        check_round(inv.round)
        draft = service.draft_for_invitation(db.session, inv.id)
        return Respondent(
            inv.round, invitation=inv, unit_id=inv.unit_id, role=inv.role, draft=draft
        )
    if state.get("kind") == "open":
        rnd = db.session.get(Round, state.get("round"))
        link_unit = db.session.get(Unit, state.get("link_unit"))
        if rnd is None or link_unit is None or rnd.mode != "open":
            raise Stop("unknown")
        check_round(rnd)
        key = browser_key(rnd.id)
        draft = service.draft_for_browser(db.session, rnd.id, key) if key else None
        if draft is not None:
            return Respondent(
                rnd, link_unit=link_unit, unit_id=draft.unit_id, role=draft.role, draft=draft
            )
        return Respondent(
            rnd, link_unit=link_unit, unit_id=state.get("unit"), role=state.get("role")
        )
    raise Stop("no_session")


def finish(rnd: Round, personal: bool) -> None:
    """Forget the respondent after a submit; remember only that this browser has answered."""
    session.pop(KEY, None)
    session[DONE] = {"round": rnd.id}
    if not personal:
        set_browser_key(rnd.id, None)
        answered = [r for r in session.get(ANSWERED, []) if r != rnd.id]
        session[ANSWERED] = [*answered, rnd.id][-10:]


def done_round() -> Round | None:
    done = session.get(DONE)
    if not isinstance(done, dict):
        return None
    return db.session.get(Round, done.get("round"))


def answered_open(round_id: int) -> bool:
    return round_id in (session.get(ANSWERED) or [])


def forget_answered(round_id: int) -> None:
    session[ANSWERED] = [r for r in session.get(ANSWERED, []) if r != round_id]


def previous_published(rnd: Round) -> Round | None:
    """The latest published round of an earlier year (for "last year's report")."""
    return db.session.scalar(
        select(Round)
        .where(Round.status == "published", Round.year < rnd.year)
        .order_by(Round.year.desc(), Round.id.desc())
        .limit(1)
    )
