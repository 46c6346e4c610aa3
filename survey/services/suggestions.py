"""Improvement suggestions: the instrument file's, overlaid by this installation's edited copy;
which to show for a unit (its quadrant, its weakest categories) from the round's figures.

The figures are ``RoundFigures.aggregates`` as they are (suppressed cells have no score and are
never a "weakest" category); this module only sorts them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.instruments import Questionnaire
from analysis.languages import LANGUAGES
from analysis.suggestions import MAX_LENGTH
from analysis.typology import QUADRANTS, place_unit
from survey.models import SuggestionText
from survey.models.suggestions import utcnow
from survey.services.audit import audit
from survey.services.errors import Problem, ValidationError


@dataclass(frozen=True)
class Entry:
    kind: str  # "quadrant" or "category"
    ident: str
    texts: Mapping[str, tuple[str, ...]]  # what is shown: the copy if edited, else the file's
    original: Mapping[str, tuple[str, ...]]  # the instrument file's (empty if it has none)
    edited: bool


@dataclass(frozen=True)
class TextProblem:
    """One refused field: ``reason`` is ``empty``, ``too_long`` (``line``, ``length``) or
    ``counts_differ`` (``length`` = the other language's count)."""

    lang: str
    reason: str
    line: int | None = None
    length: int | None = None


class SuggestionError(ValidationError):
    def __init__(self, problems: list[TextProblem]) -> None:
        self.text_problems = problems
        super().__init__(Problem(f"{p.lang}: {p.reason}", None, p.line, p.lang) for p in problems)


def keys(q: Questionnaire) -> list[tuple[str, str]]:
    """Every entry an installation may have: the four quadrants and each category."""
    return [("quadrant", qid) for qid in QUADRANTS] + [("category", c.id) for c in q.categories]


def _copies(session: Session, instrument: str) -> dict[tuple[str, str], SuggestionText]:
    rows = session.scalars(select(SuggestionText).where(SuggestionText.instrument == instrument))
    return {(r.kind, r.ident): r for r in rows}


def entries(session: Session, q: Questionnaire) -> dict[tuple[str, str], Entry]:
    copies = _copies(session, q.id)
    out = {}
    for kind, ident in keys(q):
        original = q.suggestions.get(kind, ident) or {}
        copy = copies.get((kind, ident))
        texts = {lang: tuple(copy.texts.get(lang, ())) for lang in LANGUAGES} if copy else original
        out[(kind, ident)] = Entry(kind, ident, texts, original, copy is not None)
    return out


def entry(session: Session, q: Questionnaire, kind: str, ident: str) -> Entry | None:
    """The entry, or None when ``kind``/``ident`` is not one of :func:`keys`."""
    return entries(session, q).get((kind, ident))


def lines(text: str) -> list[str]:
    """A textarea's suggestions: one per non-empty line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def check(texts: Mapping[str, list[str]]) -> list[TextProblem]:
    problems = []
    for lang in LANGUAGES:
        given = texts.get(lang, [])
        if not given:
            problems.append(TextProblem(lang, "empty"))
        for number, line in enumerate(given, start=1):
            if len(line) > MAX_LENGTH:
                problems.append(TextProblem(lang, "too_long", number, len(line)))
    sv, en = len(texts.get("sv", [])), len(texts.get("en", []))
    if sv and en and sv != en:
        problems.append(TextProblem("en", "counts_differ", None, sv))
    return problems


def save(
    session: Session, q: Questionnaire, kind: str, ident: str, sv: str, en: str, actor: str
) -> Entry:
    """Store the installation's copy of one entry; SuggestionError (nothing written) if refused."""
    if entry(session, q, kind, ident) is None:
        raise KeyError((kind, ident))
    texts = {"sv": lines(sv), "en": lines(en)}
    problems = check(texts)
    if problems:
        raise SuggestionError(problems)
    copy = _copies(session, q.id).get((kind, ident))
    if copy is None:
        copy = SuggestionText(
            instrument=q.id, kind=kind, ident=ident, texts=texts, updated_by=actor
        )
        session.add(copy)
    else:
        copy.texts = texts
        copy.updated_by = actor
        copy.updated_at = utcnow()
    audit(session, "suggestions.edit", actor, instrument=q.id, kind=kind, ident=ident)
    session.flush()
    saved = entry(session, q, kind, ident)
    assert saved is not None
    return saved


def restore(session: Session, q: Questionnaire, kind: str, ident: str, actor: str) -> bool:
    """Drop the installation's copy of one entry (the file's text applies again); False if
    there was none, so nothing is logged."""
    copy = _copies(session, q.id).get((kind, ident))
    if copy is None:
        return False
    session.delete(copy)
    audit(session, "suggestions.restore", actor, instrument=q.id, kind=kind, ident=ident)
    session.flush()
    return True


@dataclass(frozen=True)
class Weak:
    category: str
    score: float


def _score(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _scores(aggregates: pd.DataFrame, unit: str, role: str) -> dict[str, float]:
    rows = aggregates[
        (aggregates["unit_code"] == unit)
        & (aggregates["role"] == role)
        & ~aggregates["suppressed"].astype(bool)
    ]
    out = {}
    for index, score in zip(rows["index"], rows["score"], strict=True):
        value = _score(score)
        if value is not None:
            out[str(index)] = value
    return out


def unit_quadrant(aggregates: pd.DataFrame, unit: str, role: str) -> str | None:
    """The unit's typology quadrant (``analysis.typology.place_unit``), None when it is
    undetermined or not shown: a quadrant's advice is only given where the data place it."""
    placed = place_unit(aggregates, unit, role)
    if placed is None or placed.quadrant not in QUADRANTS:
        return None
    return placed.quadrant


def weakest(
    aggregates: pd.DataFrame, q: Questionnaire, unit: str, role: str, limit: int = 3
) -> list[Weak]:
    """The unit's ``limit`` lowest-scoring categories (unsuppressed only), in questionnaire
    order among equal scores."""
    scores = _scores(aggregates, unit, role)
    found = [Weak(c.id, scores[c.id]) for c in q.categories if c.id in scores]
    return sorted(found, key=lambda w: w.score)[:limit]
