"""Rounds: creation with a stored questionnaire snapshot, and the status state machine."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.errors import Problem, ValidationError, say
from analysis.instruments import (
    Questionnaire,
    QuestionnaireError,
    bundled_questionnaires,
    load_questionnaire,
    parse_questionnaire,
)
from survey.models import (
    AuditLog,
    QuestionnaireItem,
    QuestionnaireSnapshot,
    Round,
    Unit,
)
from survey.models.enums import RoundMode, RoundStatus
from survey.models.rounds import ROUND_MODES
from survey.services.audit import audit
from survey.services.errors import InputError

if TYPE_CHECKING:
    pass

CACHE_SIZE = 16

_questionnaires: OrderedDict[str, Questionnaire] = OrderedDict()
_cache_lock = threading.Lock()


def get_round(session: Session, name: str) -> Round:
    """Load a round by name or raise InputError listing the known ones."""
    rnd = session.scalar(select(Round).where(Round.name == name))
    if rnd is None:
        known = session.scalars(select(Round.name).order_by(Round.year, Round.name)).all()
        hint = f" (known rounds: {', '.join(known)})" if known else " (there are no rounds yet)"
        raise InputError(f"no round named '{name}'{hint}")
    return rnd


def resolve_questionnaire(ref: str) -> Questionnaire:
    """Load a questionnaire by bundled instrument id or by file path."""
    path = Path(ref)
    if not path.exists():
        bundled = bundled_questionnaires()
        if ref not in bundled:
            raise InputError(
                f"no questionnaire file or instrument id '{ref}' "
                f"(bundled: {', '.join(sorted(bundled)) or 'none'})"
            )
        path = bundled[ref]
    try:
        return load_questionnaire(path)
    except QuestionnaireError as e:
        raise ValidationError(
            [Problem(say("enkätfilen går inte att använda"), str(path)), *e.problems]
        ) from None


def store_snapshot(session: Session, q: Questionnaire) -> QuestionnaireSnapshot:
    """Store the questionnaire as a snapshot (reusing an identical one) with its flat items."""
    document = q.raw
    sha = hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    snap = session.scalar(
        select(QuestionnaireSnapshot).where(
            QuestionnaireSnapshot.instrument == q.id,
            QuestionnaireSnapshot.version == q.version,
            QuestionnaireSnapshot.sha256 == sha,
        )
    )
    if snap:
        return snap
    snap = QuestionnaireSnapshot(instrument=q.id, version=q.version, sha256=sha, document=document)
    snap.items = [
        QuestionnaireItem(
            item_id=item.id,
            category_id=cat.id,
            dimension=cat.dimension,
            scale_min=cat.scale.min,
            scale_max=cat.scale.max,
            reverse=item.reverse,
            dont_know=cat.scale.dont_know,
        )
        for cat in q.categories
        for item in cat.items
    ]
    session.add(snap)
    session.flush()
    return snap


def snapshot_questionnaire(session: Session, rnd: Round) -> Questionnaire:
    """The round's questionnaire snapshot, parsed once per process (snapshots never change).

    The digest comes with the round (``Round.snapshot_sha256``); only a round not yet flushed
    asks for it."""
    sha = rnd.snapshot_sha256
    if sha is None:
        sha = session.execute(
            select(QuestionnaireSnapshot.sha256).where(QuestionnaireSnapshot.id == rnd.snapshot_id)
        ).scalar_one()
    q = _questionnaires.get(sha)
    if q is None:
        document = session.scalar(
            select(QuestionnaireSnapshot.document).where(
                QuestionnaireSnapshot.id == rnd.snapshot_id
            )
        )
        q = parse_questionnaire(document, f"round {rnd.name}")
        with _cache_lock:
            _questionnaires[sha] = q
            while len(_questionnaires) > CACHE_SIZE:
                _questionnaires.popitem(last=False)
    return q


def create_round(
    session: Session,
    name: str,
    year: int,
    questionnaire: str,
    mode: str = RoundMode.INVITED,
    k: int | None = None,
    *,
    k_anonymity: int = 5,
    k_open: int = 10,
) -> Round:
    """Create a draft round for ``year`` with a snapshot of ``questionnaire``.

    ``k`` is the round's minimum group size; by default ``k_anonymity`` for an invited round and
    ``k_open`` for an open-link one, whose answers nobody vouches for. It may be raised, never
    set below 3 or below the installation's ``k_anonymity``.
    """
    if not name.strip():
        raise InputError("a round needs a name")
    if mode not in ROUND_MODES:
        raise InputError(f"unknown mode '{mode}' (use invited or open)")
    floor = max(3, k_anonymity)
    if k is None:
        k = max(floor, k_open) if mode == RoundMode.OPEN else floor
    elif k < floor:
        raise InputError(
            f"a minimum group size of {k} is too small; it must be at least {floor} "
            "(the installation's K_ANONYMITY, and never below 3)"
        )
    if session.scalar(select(Round.id).where(Round.name == name)):
        raise InputError(f"a round named '{name}' already exists")
    if not session.scalar(select(Unit.id).where(Unit.year == year).limit(1)):
        raise InputError(
            f"there is no organisation tree for {year}; run 'mognad org import --year {year} FILE'"
        )
    q = resolve_questionnaire(questionnaire)
    rnd = Round(
        name=name,
        year=year,
        mode=mode,
        status=RoundStatus.DRAFT,
        k_min=k,
        snapshot=store_snapshot(session, q),
    )
    session.add(rnd)
    session.flush()
    return rnd


# Audit actions that mean something made from the round's responses left the database: a
# report, the read API's first answer, the dashboards' first page of the round, an analyst
# export (command or page), the gaps workbook, a page of free-text comments. Any two of them,
# one response apart, can be differenced, so each one bars reopening.
RESULTS_SHOWN = (
    "report.write",
    "api.read",
    "results.view",
    "export.write",
    "gaps.export",
    "comments.view",
)


def note_results_shown(
    session: Session, action: str, round_name: str, compare_round: str | None, actor: str
) -> None:
    """Audit, once per round, comparison and action, that figures of the round were shown.

    Two views one response apart would give that response away by subtraction; a closed round
    never reopens (:func:`move_round`), and this entry is the record of who saw what. The
    caller commits.
    """
    if action not in RESULTS_SHOWN:
        raise ValueError(f"unknown action {action!r}")
    seen = session.scalars(select(AuditLog.detail).where(AuditLog.action == action))
    if not any(
        d.get("round") == round_name and d.get("compare_round") == compare_round for d in seen
    ):
        audit(session, action, actor=actor, round=round_name, compare_round=compare_round)
