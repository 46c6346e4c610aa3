"""Free-text comments, readable only as groups of at least ``k_text`` and never per person.

A group is one round × one unit subtree × one comment question. A group is shown only when
it and its remainder against every nested group that is shown hold at least ``k_text`` texts
(:mod:`analysis.comments`), so no two views can be subtracted to isolate fewer; a shown group
lists its texts sorted alphabetically, so neither the order of arrival nor a response id can
tie a text to a person or to that person's answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.comments import readable_groups
from analysis.instruments import Comment
from survey.models import Response, ResponseComment, Round, Unit
from survey.models.enums import FINISHED
from survey.services.errors import StateError
from survey.services.rounds import snapshot_questionnaire


@dataclass(frozen=True)
class CommentGroup:
    comment: Comment
    count: int
    texts: tuple[str, ...]  # empty when the group may not be shown

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
    """One group per comment question of the round, for ``unit_code``'s subtree (None: all).

    Whether a group may be shown depends on the groups nested in it and around it
    (:func:`analysis.comments.readable_groups`), so every unit's texts are counted.
    """
    if rnd.status not in FINISHED:
        raise StateError(
            f"round '{rnd.name}' is {rnd.status}; comments can be read once the round is closed"
        )
    units = session.execute(select(Unit.id, Unit.code, Unit.parent_id).where(Unit.year == rnd.year))
    codes: dict[int, str] = {}
    parent_ids: dict[int, int | None] = {}
    for uid, code, parent_id in units:
        codes[uid], parent_ids[uid] = code, parent_id
    parent = {codes[u]: (None if p is None else codes[p]) for u, p in parent_ids.items()}
    inside = subtree_ids(session, rnd.year, unit_code)
    texts: dict[str, list[str]] = {}
    own: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(ResponseComment.comment_id, Response.unit_id, ResponseComment.text)
        .join(Response, Response.id == ResponseComment.response_id)
        .where(Response.round_id == rnd.id)
    )
    for comment_id, unit_id, text in rows:
        if text and text.strip():
            counts = own.setdefault(comment_id, {})
            counts[codes[unit_id]] = counts.get(codes[unit_id], 0) + 1
            if unit_id in inside:
                texts.setdefault(comment_id, []).append(text.strip())
    groups = []
    for comment in snapshot_questionnaire(session, rnd).comments:
        found = texts.get(comment.id, [])
        readable = readable_groups(parent, own.get(comment.id, {}), k_text).get(unit_code)
        shown = tuple(sorted(found, key=str.casefold)) if readable else ()
        groups.append(CommentGroup(comment, len(found), shown))
    return groups
