"""``/api/v1/rounds``, ``/api/v1/rounds/<id>/aggregates`` and ``/api/openapi.json``.

Envelopes: the list is ``{"rounds": [round, …]}``; the aggregates are ``{"round": round, "k":
minimum group size, "filters": {...}, "rows": [row, …]}`` where every row is an object of
``aggregates.json`` unchanged (same keys, order and values). Filters select rows, never change
them: ``unit`` is the unit's own rows (not its subtree: a subtree is the rows whose
``unit_code`` a client already knows from the tree), ``role`` and ``index`` one value each.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, current_app, request, url_for
from sqlalchemy import select

from analysis.roles import OUTPUT_ROLES
from survey.access import units_in_scope
from survey.api import bp, owner
from survey.api.figures import round_rows
from survey.api.openapi import INDEX_PATTERN, MAX_CODE, MAX_ID, document
from survey.api.problems import ApiProblem, bad_parameter
from survey.extensions import db
from survey.models import Round
from survey.models.enums import FINISHED, RoundStatus
from survey.models.users import aware

FILTERS = ("unit", "role", "index")
EVERY_UNIT = None  # a scope: every unit of the round


def round_json(rnd: Round) -> dict[str, Any]:
    published = aware(rnd.published_at)
    return {
        "id": rnd.id,
        "name": rnd.name,
        "year": rnd.year,
        "status": rnd.status,
        "questionnaire": {"id": rnd.snapshot.instrument, "version": rnd.snapshot.version},
        "published_at": published.isoformat() if published else None,
        "aggregates_url": url_for("api.aggregates", round_id=rnd.id),
    }


def scope_of(rnd: Round | None, user: Any) -> tuple[bool, set[str] | None]:
    """Whether the request may see the round, and which units' rows (None: every unit).

    Published rounds are public and whole for everyone. A closed round needs a token whose owner
    may see results of some unit of its year (``survey.access.units_in_scope``).
    """
    if rnd is None or rnd.status not in FINISHED:
        return False, set()
    if rnd.status == RoundStatus.PUBLISHED:
        return True, EVERY_UNIT
    if user is None:
        return False, set()
    scope = units_in_scope(user, rnd.year)
    return scope is None or bool(scope), scope


def _json(body: dict[str, Any], rows: bytes | None = None, etag_key: Any = None) -> Response:
    """A JSON response; ``rows`` (an encoded JSON array) is appended as ``body["rows"]``.

    The rows are sent as they were cached, not copied into one string: a large round's array
    is megabytes, and copying it is most of a warm call's time.
    """
    text = json.dumps(body, ensure_ascii=False)
    parts = [text.encode()] if rows is None else [text[:-1].encode() + b', "rows": ', rows, b"}"]
    response = Response(parts, mimetype="application/json")
    response.headers["Content-Length"] = str(sum(len(p) for p in parts))
    if owner() is None:
        # Public data: a cache may keep it a while and revalidate it by its ETag, which is
        # derived from what the body is made of (the figures' fingerprint, round, filters).
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['API_MAX_AGE']}"
        seed = repr(etag_key) if etag_key is not None else text
        response.set_etag(hashlib.sha256(f"{seed}\n{text}".encode()).hexdigest()[:32])
        response.make_conditional(request)
    return response


@bp.get("/v1/rounds")
def rounds() -> Response:
    user = owner()
    finished = db.session.scalars(
        select(Round).where(Round.status.in_(FINISHED)).order_by(Round.year, Round.name)
    )
    listed = [round_json(rnd) for rnd in finished if scope_of(rnd, user)[0]]
    return _json({"rounds": listed})


def _filters() -> dict[str, str | None]:
    """The query's filters, or a 400 naming the parameter that is unknown, repeated or malformed."""
    for name in request.args:
        if name not in FILTERS:
            raise bad_parameter(
                name, f"unknown query parameter '{name}' (the filters are unit, role and index)"
            )
        if len(request.args.getlist(name)) > 1:
            raise bad_parameter(name, f"'{name}' may be given once (one value per filter)")
    wanted: dict[str, str | None] = {f: request.args.get(f) for f in FILTERS}
    role, index, unit = wanted["role"], wanted["index"], wanted["unit"]
    if role is not None and role not in OUTPUT_ROLES:
        raise bad_parameter("role", f"role must be one of {', '.join(OUTPUT_ROLES)}, got {role!r}")
    if index is not None and not INDEX_PATTERN.fullmatch(index):
        raise bad_parameter(
            "index", f"{index!r} is not an index id (lower-case letters, digits, _ or -)"
        )
    if unit is not None and not 0 < len(unit) <= MAX_CODE:
        raise bad_parameter("unit", f"unit must be a unit code of 1 to {MAX_CODE} characters")
    return wanted


@bp.get("/v1/rounds/<int:round_id>/aggregates")
def aggregates(round_id: int) -> Response:
    wanted = _filters()
    user = owner()
    rnd = db.session.get(Round, round_id) if round_id <= MAX_ID else None
    visible, scope = scope_of(rnd, user)
    if not visible or rnd is None:
        raise ApiProblem(404, f"there is no round {round_id} that you may read")
    found = round_rows(db.session(), rnd)
    db.session.commit()  # statistics a first call may have cached
    unit, role, index = wanted["unit"], wanted["role"], wanted["index"]
    if unit is not None and (
        unit not in found.by_unit or (scope is not None and unit not in scope)
    ):
        raise bad_parameter("unit", f"unit {unit!r} is not in round {round_id}'s results")
    if unit is not None:
        picked = found.by_unit[unit]
    elif scope is EVERY_UNIT:
        picked = list(range(len(found.rows)))
    else:
        picked = sorted(i for code in scope if code in found.by_unit for i in found.by_unit[code])
    rows = found.rows
    if index is not None and not any(rows[i]["index"] == index for i in picked):
        raise bad_parameter("index", f"index {index!r} is not in round {round_id}'s results")
    if role is not None or index is not None:
        picked = [
            i
            for i in picked
            if (role is None or rows[i]["role"] == role)
            and (index is None or rows[i]["index"] == index)
        ]
    body = {"round": round_json(rnd), "k": found.k, "filters": wanted}
    whole = unit is None and role is None and index is None and scope is EVERY_UNIT
    array = found.every if whole else found.array(picked)
    return _json(body, array, etag_key=(found.key, rnd.status, rnd.published_at, wanted))


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(document())
