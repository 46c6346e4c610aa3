"""Who is answering: the respondent state kept in the signed session cookie, and its checks.

The cookie is signed, not encrypted, so anyone who can read it (a shared computer, a proxy that
logs headers) reads its content; it must therefore hold nothing that is stored in the database.
For a personal link it holds the token sealed with AES-GCM under a key derived for this purpose
only: not the token hash of ``invitations.token_hash``, nor the invitation's id, and unreadable
without the installation's secret. For an open link it holds the round, the link's unit, the
chosen unit and role, and per round a random browser key of which the database stores only a
hash. Those two secrets are also the keys to the respondent's draft (``survey.sealing``): the
answers saved in the database open only with the secret this cookie or the link brings. No
answers ever live in the cookie, and it is a browser-session cookie: it is never made
permanent, so closing the browser (on a shared computer too) forgets the respondent.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import session
from sqlalchemy import select

from analysis.instruments import Questionnaire
from survey.extensions import db
from survey.models import Draft, Invitation, Round, Unit
from survey.models.enums import InvitationStatus, RoundMode, RoundStatus
from survey.sealing import SESSION, Sealer, SealError, app_sealer
from survey.services import respond as service
from survey.services.links import invitation_by_token
from survey.services.rounds import snapshot_questionnaire

KEY = "respondent"
PERSONAL, OPEN = "invitation", "open"  # the kinds of respondent state
BROWSER_KEYS = "browser_keys"
DONE = "done"
ANSWERED = "answered_open"
SESSION_PLACE = "respondent session cookie"


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
    # The link token or browser key this request carries: the only key to the draft's answers.
    secret: str | None = None

    @property
    def personal(self) -> bool:
        return self.invitation is not None

    @property
    def questionnaire(self) -> Questionnaire:
        # Not functools.cached_property: on Python 3.11 it takes one lock shared by every
        # instance, so the threads of a worker queued on it. The snapshot is cached per process.
        return snapshot_questionnaire(db.session(), self.round)

    @property
    def draft_sealer(self) -> Sealer:
        """Seals and opens this respondent's draft; only their own secret can."""
        if self.secret is None:
            raise Stop("no_session")
        return Sealer.for_respondent(self.secret)

    @property
    def plan(self) -> service.Plan:
        if self.role is None:
            raise Stop("no_session")
        return service.plan_for(self.questionnaire, self.role)


def check_round(rnd: Round) -> None:
    """Refuse rounds nobody can answer now."""
    if rnd.status == RoundStatus.DRAFT:
        raise Stop("not_open", rnd)
    if rnd.status != RoundStatus.OPEN:
        raise Stop("closed", rnd)


def seal(token: str) -> str:
    """The token encrypted with a fresh nonce: a new, unrelated value on every visit."""
    return app_sealer().seal(SESSION, "", SESSION_PLACE, token)


def unseal(value: object) -> str | None:
    """The token inside ``value``, or None for anything this installation did not seal."""
    if not isinstance(value, str):
        return None
    try:
        token = app_sealer().open(SESSION, "", SESSION_PLACE, value)
    except SealError:
        return None
    return token if isinstance(token, str) else None


def enter_personal(token: str) -> None:
    session[KEY] = {"kind": PERSONAL, "sealed": seal(token)}


def enter_open(rnd: Round, unit: Unit) -> None:
    state = session.get(KEY) or {}
    same = (
        state.get("kind") == OPEN
        and state.get("round") == rnd.id
        and state.get("link_unit") == unit.id
    )
    session[KEY] = {
        "kind": OPEN,
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
        # Not made permanent: on a shared computer the next person must not find this draft.
        keys[str(round_id)] = key
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
    if state.get("kind") == PERSONAL:
        token = unseal(state.get("sealed"))
        if token is None:  # not sealed here (an older cookie, another secret, tampering)
            raise Stop("no_session")
        inv = invitation_by_token(db.session(), token)
        if inv is None:
            raise Stop("unknown")
        if inv.status == InvitationStatus.COMPLETED:
            if allow_completed:
                return Respondent(
                    inv.round, invitation=inv, unit_id=inv.unit_id, role=inv.role, secret=token
                )
            raise Stop("used", inv.round)
        check_round(inv.round)
        draft = service.draft_for_invitation(db.session(), inv.id)
        return Respondent(
            inv.round, invitation=inv, unit_id=inv.unit_id, role=inv.role, draft=draft, secret=token
        )
    if state.get("kind") == OPEN:
        rnd = db.session.get(Round, state.get("round"))
        link_unit = db.session.get(Unit, state.get("link_unit"))
        if rnd is None or link_unit is None or rnd.mode != RoundMode.OPEN:
            raise Stop("unknown")
        check_round(rnd)
        key = browser_key(rnd.id)
        draft = service.draft_for_browser(db.session(), rnd.id, key) if key else None
        if draft is not None:
            return Respondent(
                rnd,
                link_unit=link_unit,
                unit_id=draft.unit_id,
                role=draft.role,
                draft=draft,
                secret=key,
            )
        return Respondent(
            rnd, link_unit=link_unit, unit_id=state.get("unit"), role=state.get("role"), secret=key
        )
    raise Stop("no_session")


def finish(rnd: Round, personal: bool) -> None:
    """Forget the respondent after a submit; remember only that this browser has answered.

    The round's id is read first: after the commit it may take a query, and if that query
    meets a dead connection the submission is run again (survey/blinks.py), which needs the
    respondent still in the session to show the receipt rather than "no session"."""
    round_id = rnd.id
    session.pop(KEY, None)
    session[DONE] = {"round": round_id}
    if not personal:
        set_browser_key(round_id, None)
        answered = [r for r in session.get(ANSWERED, []) if r != round_id]
        session[ANSWERED] = [*answered, round_id][-10:]


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
        .where(Round.status == RoundStatus.PUBLISHED, Round.year < rnd.year)
        .order_by(Round.year.desc(), Round.id.desc())
        .limit(1)
    )
