"""Answering a round: the pages a role sees, drafts saved page by page, and the final submit.

Submit is idempotent and atomic. In one transaction the caller's single commit makes durable,
a guard statement claims the submission (the invitation moves to ``completed``, or the open
link's draft row is deleted) and only the caller whose guard touched exactly one row drops the
answers into the ballot box; a double click, a reload or a concurrent retry finds nothing left
to claim. Responses are written only when the round closes (survey.services.closing), so the
submitting transaction never touches ``responses``. A submission holds a share lock on its
round's row and finds it still open, so a close waits for it and none lands after the close.

A draft's answers are one value sealed with the respondent's own secret (``survey.sealing``):
every function that reads or writes them takes that respondent's :class:`Sealer`, built by the
page from the link token or browser key the request carries. The ballot is sealed for the
round with the installation's sealer, which the caller passes in too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from analysis.instruments import Category, Comment, Invalid, Item, Questionnaire
from survey.models import Draft, Invitation, Round
from survey.models.enums import InvitationStatus, RoundStatus
from survey.sealing import DRAFT, Sealer
from survey.services.ballots import Submission, drop_ballots
from survey.services.errors import StateError
from survey.tokens import token_hash

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

ANSWER_PREFIX = "a-"
COMMENT_PREFIX = "c-"
MAX_COMMENT = 4000
ITEMS_PER_MINUTE = 2.5


@dataclass(frozen=True)
class Page:
    """One questionnaire page: a category's items for a role, or the free-text comments."""

    number: int
    category: Category | None
    items: tuple[Item, ...]
    comments: tuple[Comment, ...] = ()

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items) + tuple(c.id for c in self.comments)


@dataclass(frozen=True)
class Plan:
    """The questionnaire as one role answers it, page by page."""

    questionnaire: Questionnaire
    role: str
    pages: tuple[Page, ...]

    @property
    def count(self) -> int:
        return len(self.pages)

    @property
    def review(self) -> int:
        """The page number stored in a draft for the review page (one past the last page)."""
        return len(self.pages) + 1

    def page(self, number: int) -> Page | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    @cached_property
    def items(self) -> dict[str, tuple[Item, Category, int]]:
        return {
            i.id: (i, p.category, p.number)
            for p in self.pages
            if p.category is not None
            for i in p.items
        }

    @cached_property
    def comments(self) -> dict[str, tuple[Comment, int]]:
        return {c.id: (c, p.number) for p in self.pages for c in p.comments}

    @property
    def minutes(self) -> int:
        """Rough time needed at 2.5 statements a minute (as the instrument states), at least 1."""
        return max(1, math.ceil(len(self.items) / ITEMS_PER_MINUTE))


# Plans built so far, by (questionnaire object, role): a plan never changes, and every
# respondent request needs one. Parsed questionnaires are cached per process
# (survey.services.rounds), so their ids are stable while they live; the entry also holds the
# questionnaire, so its id cannot be reused for another while the entry exists.
_plans: dict[tuple[int, str], Plan] = {}
PLAN_CACHE_SIZE = 64


def plan_for(q: Questionnaire, role: str) -> Plan:
    """One page per category the role answers, then a page for its comments (if any)."""
    cached = _plans.get((id(q), role))
    if cached is not None and cached.questionnaire is q:
        return cached
    plan = _build_plan(q, role)
    if len(_plans) >= PLAN_CACHE_SIZE:
        _plans.clear()
    _plans[(id(q), role)] = plan
    return plan


def _build_plan(q: Questionnaire, role: str) -> Plan:
    pages = [
        Page(n, cat, cat.items_for(role)) for n, cat in enumerate(q.categories_for(role), start=1)
    ]
    comments = q.comments_for(role)
    if comments:
        pages.append(Page(len(pages) + 1, None, (), comments))
    return Plan(q, role, tuple(pages))


# --- Validation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """A rejected answer: ``field`` is an item or comment id; ``reason`` says what was wrong."""

    field: str
    reason: str  # "off_scale" | "not_on_page" | "too_long"


def parse_page(
    page: Page, form: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], list[FieldError]]:
    """Read a posted page: field id → stored value ("dk", "3", or comment text), and errors.

    Answers are optional, but every value sent must be one the page offers; any answer field
    that is not on this page is an error too, so a tampered form saves nothing.
    """
    values: dict[str, str] = {}
    errors: list[FieldError] = []
    for item in page.items:
        sent = [v for v in form.get(ANSWER_PREFIX + item.id, ()) if v != ""]
        if not sent:
            continue
        scale = page.category.scale  # type: ignore[union-attr]  # a page with items has a category
        if len(sent) > 1 or isinstance(scale.parse(sent[0]), Invalid):
            errors.append(FieldError(item.id, "off_scale"))
        else:
            values[item.id] = sent[0]
    for comment in page.comments:
        texts = form.get(COMMENT_PREFIX + comment.id, ())
        text = "\n".join(t for t in texts).replace("\r\n", "\n").strip()
        if len(text) > MAX_COMMENT:
            errors.append(FieldError(comment.id, "too_long"))
        elif text:
            values[comment.id] = text
    known = {ANSWER_PREFIX + i.id for i in page.items} | {
        COMMENT_PREFIX + c.id for c in page.comments
    }
    for name in form:
        if name.startswith((ANSWER_PREFIX, COMMENT_PREFIX)) and name not in known:
            errors.append(FieldError(name[2:], "not_on_page"))
    return values, errors


# --- Drafts ---------------------------------------------------------------------------------


def draft_for_invitation(session: Session, invitation_id: int) -> Draft | None:
    return session.scalar(select(Draft).where(Draft.invitation_id == invitation_id))


def draft_for_browser(session: Session, round_id: int, key: str) -> Draft | None:
    return session.scalar(
        select(Draft).where(Draft.round_id == round_id, Draft.browser_key == token_hash(key))
    )


def start_invitation_draft(session: Session, invitation: Invitation) -> Draft:
    """The invitation's draft, created on first start (the invitation becomes ``started``)."""
    draft = draft_for_invitation(session, invitation.id)
    if draft is None:
        draft = Draft(
            round_id=invitation.round_id,
            invitation_id=invitation.id,
            unit_id=invitation.unit_id,
            role=invitation.role,
            page=0,
        )
        session.add(draft)
        if invitation.status == InvitationStatus.PENDING:
            invitation.status = InvitationStatus.STARTED
        session.flush()
    return draft


def start_browser_draft(
    session: Session, round_id: int, unit_id: int, role: str, key: str
) -> Draft:
    """A draft for an open-link respondent, found again by the browser key kept in its cookie.

    The key is a ``survey.tokens.new_token()``; like a personal token, only its digest is stored.
    """
    draft = draft_for_browser(session, round_id, key)
    if draft is None:
        draft = Draft(
            round_id=round_id, browser_key=token_hash(key), unit_id=unit_id, role=role, page=0
        )
        session.add(draft)
        session.flush()
    return draft


def change_role(
    session: Session, draft: Draft, unit_id: int, role: str, plan: Plan, sealer: Sealer
) -> None:
    """Move an open-link draft to another unit or role, dropping answers the role is not asked."""
    keep = set(plan.items) | set(plan.comments)
    values = {k: v for k, v in draft_values(draft, sealer).items() if k in keep}
    draft.unit_id = unit_id
    draft.role = role
    _seal_draft(draft, values, sealer)
    draft.page = 0
    session.flush()


def _draft_place(draft: Draft) -> str:
    """What a draft's seal is bound to: copied into another draft's row, it will not open."""
    return f"draft={draft.id} round={draft.round_id}"


def draft_values(draft: Draft, sealer: Sealer) -> dict[str, str]:
    """The draft's answers and comments (field id → stored value), opened with ``sealer``."""
    if draft.sealed is None:
        return {}
    return cast("dict[str, str]", sealer.open(DRAFT, "", _draft_place(draft), draft.sealed))


def _seal_draft(draft: Draft, values: Mapping[str, str], sealer: Sealer) -> None:
    draft.sealed = sealer.seal(DRAFT, "", _draft_place(draft), dict(values)) if values else None


def save_page(
    session: Session,
    draft: Draft,
    page: Page,
    values: Mapping[str, str],
    next_page: int,
    sealer: Sealer,
) -> None:
    """Replace the draft's answers for ``page`` with ``values`` and remember ``next_page``.

    The answers are one sealed value, so a save reads, changes and rewrites it. The draft's row
    is locked first (a write takes the lock on every database), so a page saved at the same
    time in another tab waits and then builds on this one instead of overwriting it.
    """
    table = Draft.__table__
    session.execute(update(table).where(table.c.id == draft.id).values(page=table.c.page))
    session.refresh(draft)
    ids = page.field_ids
    kept = {k: v for k, v in draft_values(draft, sealer).items() if k not in ids}
    _seal_draft(draft, kept | {k: v for k, v in values.items() if k in ids}, sealer)
    draft.page = next_page
    session.flush()


def unanswered(plan: Plan, values: Mapping[str, str]) -> list[tuple[Item, int]]:
    """Statements without an answer ("vet ej" counts as an answer), with their page numbers."""
    return [
        (item, number) for item_id, (item, _, number) in plan.items.items() if item_id not in values
    ]


# --- Submit ---------------------------------------------------------------------------------


class RoundNotOpen(StateError):
    """The round closed before this submission could be taken; nothing was stored."""


def lock_open_round(session: Session, round_id: int) -> None:
    """Share-lock the round's row and check it is still open, or raise RoundNotOpen.

    Called before a submission writes (on PostgreSQL a close, which locks the row for update,
    then waits for it) and again after it wrote (on SQLite the write lock is held by then, so
    no close can commit in between). Either way a submission is never taken by a closed round.
    """
    status = session.scalar(
        select(Round.status)
        .where(Round.id == round_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if status != RoundStatus.OPEN:
        raise RoundNotOpen(f"round {round_id} is not open")


def submit_invitation(
    session: Session, invitation_id: int, plan: Plan, *, draft_sealer: Sealer, ballot_sealer: Sealer
) -> bool:
    """Put the invitation's answers in the ballot box once; False if already submitted.

    ``draft_sealer`` opens the draft (the respondent's own), ``ballot_sealer`` seals the ballot
    for the round (the installation's).
    """
    table = Invitation.__table__
    round_id = session.scalar(select(table.c.round_id).where(table.c.id == invitation_id))
    lock_open_round(session, int(round_id or 0))
    # An UPDATE's or DELETE's result is a cursor result, which carries the row count.
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(table)
            .where(table.c.id == invitation_id, table.c.status != InvitationStatus.COMPLETED)
            .values(status=InvitationStatus.COMPLETED)
        ),
    ).rowcount
    if claimed != 1:
        return False
    draft = session.scalar(
        select(Draft)
        .where(Draft.invitation_id == invitation_id)
        .execution_options(populate_existing=True)
    )
    if draft is not None:
        values = draft_values(draft, draft_sealer)
        meta = (draft.round_id, draft.unit_id, draft.role)
        _drop_ballot(session, *meta, values, plan, ballot_sealer)
        session.expunge(draft)
        _delete_draft(session, draft.id)
    session.flush()
    lock_open_round(session, int(round_id or 0))
    return True


def submit_browser(
    session: Session, draft_id: int, plan: Plan, *, draft_sealer: Sealer, ballot_sealer: Sealer
) -> bool:
    """Put an open-link draft's answers in the ballot box once; False if already submitted."""
    draft = session.get(Draft, draft_id, populate_existing=True)
    if draft is None:
        return False
    lock_open_round(session, draft.round_id)
    values = draft_values(draft, draft_sealer)
    meta = (draft.round_id, draft.unit_id, draft.role)
    claimed = cast(
        "CursorResult[Any]",
        session.execute(delete(Draft.__table__).where(Draft.__table__.c.id == draft_id)),
    ).rowcount
    if claimed != 1:
        return False
    session.expunge(draft)
    _delete_draft(session, draft_id)
    _drop_ballot(session, *meta, values, plan, ballot_sealer)
    session.flush()
    lock_open_round(session, meta[0])
    return True


def _delete_draft(session: Session, draft_id: int) -> None:
    session.execute(delete(Draft.__table__).where(Draft.__table__.c.id == draft_id))


def _drop_ballot(
    session: Session,
    round_id: int,
    unit_id: int,
    role: str,
    values: Mapping[str, str],
    plan: Plan,
    sealer: Sealer,
) -> None:
    """Validate the draft's values against the plan and put them in the ballot box.

    Nothing here writes a response: the close does, among all of the round's. An empty
    submission counts as "completed" but drops nothing and adds nothing to the figures.
    """
    answers, comments = [], []
    for item_id, raw in values.items():
        if item_id in plan.items:
            scale = plan.items[item_id][1].scale
            value = scale.parse(raw)
            if isinstance(value, Invalid):
                continue  # not a valid answer any more; drafts are validated on save
            answers.append(
                {"item_id": item_id, "value": value, "scale_min": scale.min, "scale_max": scale.max}
            )
        elif item_id in plan.comments and raw.strip():
            comments.append({"comment_id": item_id, "text": raw.strip()[:MAX_COMMENT]})
    drop_ballots(session, [Submission(round_id, unit_id, role, answers, comments)], sealer=sealer)
