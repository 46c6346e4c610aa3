"""Figures of closed rounds, kept in this process between requests while they cannot change.

Building a round's figures for a large city takes seconds (roll-up, suppression, comparison),
more than a page or an API call may take. A closed round takes no answers and its year's tree
is fixed, so its figures depend only on what :func:`state` reads: the database, the
installation's k, every finished round's status, closing and purge times and k (a round closed,
reopened or purged since changes what may be compared or shown) and the declared
reorganisations (they map last year's units onto this year's). Anything else is never answered
from memory. Dashboards and the read API share this one memory; what it builds from is
stored once in the database (``survey.services.stored``), so a new process fills it quickly.

Nothing here touches the garbage collector: freezing or pausing it is process-wide and a
worker runs several request threads at once (any tuning is done once per worker at start,
in ``survey.gunicorn_conf``; its ``post_worker_init`` only warms this memory, see ``survey.warm``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Round, UnitRemap
from survey.models.enums import FINISHED

T = TypeVar("T")
SIZE = 16  # entries per process; one round's figures of a large city take some tens of MB

_memory: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def state(session: Session, k: int) -> tuple[Any, ...]:
    """Everything a closed round's figures depend on that can still change after it closed."""
    rounds = session.execute(
        select(Round.id, Round.status, Round.closed_at, Round.purged_at, Round.k_min)
        .where(Round.status.in_(FINISHED))
        .order_by(Round.id)
    ).all()
    remaps = session.execute(select(func.count(), func.max(UnitRemap.id))).one()
    return (
        str(session.get_bind().engine.url),
        k,
        tuple(tuple(r) for r in rounds),
        tuple(remaps),
    )


def remembered(session: Session, k: int, kind: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per ``(kind, key)`` and :func:`state`, kept for the next requests."""
    full = (kind, key, state(session, k))
    with _lock:
        if full in _memory:
            _memory.move_to_end(full)
            return cast(T, _memory[full])  # stored by a build() for this same (kind, key)
    value = build()
    with _lock:
        _memory[full] = value
        while len(_memory) > SIZE:
            _memory.popitem(last=False)
    return value


def forget() -> None:
    """Empty the memory, as a new worker process starts (the benchmark's cold calls)."""
    with _lock:
        _memory.clear()
