"""Free-text comments, readable only as groups of at least ``k_text`` and never per person.

A group is one round × one unit subtree × one comment question. A group below ``k_text``
shows only its size; a larger one shows its texts sorted alphabetically, so neither the order
of arrival nor a response id can tie a text to a person or to that person's answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.instruments import Comment
from analysis.suppression import suppress_free_text
from survey.models import Response, ResponseComment, Round, Unit
from survey.models.enums import FINISHED
from survey.services.errors import StateError
from survey.services.rounds import snapshot_questionnaire


@dataclass(frozen=True)
class CommentGroup:
    comment: Comment
    count: int
    texts: tuple[str, ...]  # empty when the group is too small to show

    @property
    def shown(self) -> bool:
        return bool(self.texts)


def subtree_ids(session: Session, year: int, code: str | None) -> set[int]:
    """Ids of ``code``'s unit and every unit below it in ``year``'s tree (all units if None)."""
    units = session.execute(select(Unit.id, Unit.code, Unit.parent_id).where(Unit.year == year))
    children: dict[int | None, list[int]] = {}
    start: list[int | None] = [None]
    for uid, ucode, parent in units:
        children.setdefault(parent, []).append(uid)
        if ucode == code:
            start = [uid]
    if code is not None and start == [None]:
        return set()
    seen: set[int] = set()
    queue = [u for s in start for u in ([s] if s is not None else children.get(None, []))]
    while queue:
        uid = queue.pop()
        if uid not in seen:
            seen.add(uid)
            queue += children.get(uid, [])
    return seen


def comment_groups(
    session: Session, rnd: Round, unit_code: str | None, k_text: int
) -> list[CommentGroup]:
    """One group per comment question of the round, for ``unit_code``'s subtree."""
    if rnd.status not in FINISHED:
        raise StateError(
            f"round '{rnd.name}' is {rnd.status}; comments can be read once the round is closed"
        )
    units = subtree_ids(session, rnd.year, unit_code)
    texts: dict[str, list[str]] = {}
    if units:
        rows = session.execute(
            select(ResponseComment.comment_id, ResponseComment.text)
            .join(Response, Response.id == ResponseComment.response_id)
            .where(Response.round_id == rnd.id, Response.unit_id.in_(units))
        )
        for comment_id, text in rows:
            if text and text.strip():
                texts.setdefault(comment_id, []).append(text.strip())
    groups = []
    for comment in snapshot_questionnaire(session, rnd).comments:
        found = texts.get(comment.id, [])
        shown = (
            () if suppress_free_text(len(found), k_text) else tuple(sorted(found, key=str.casefold))
        )
        groups.append(CommentGroup(comment, len(found), shown))
    return groups
