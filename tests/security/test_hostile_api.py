"""Hostile requests to the read API: a 4xx problem document (JSON), never a 5xx, nothing stored.

Generated query strings (unknown and known parameters with values of the wrong type, off any
scale, huge, with control characters or bytes that are not UTF-8), other methods with bodies,
tokens that are no tokens, and ids too large for any database integer, on both database kinds
(the integer bound is where SQLite and PostgreSQL differ). The schema-driven run over the
OpenAPI document is ``tests/survey/test_api_schema.py``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_from_bytes, unquote_to_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.security import LARGEST_ID
from tests.security.hostile import CONTROLS, NOT_UTF8, SETTINGS, junk, names
from tests.support.database import table_snapshot

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)
PARAMETERS = ["unit", "index", "role", "level", "format", "limit", "offset", "year"]


@pytest.fixture
def api(app, runner, two_years):
    """R2025 published, an admin's API token, the ids of both rounds."""
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Round
    from tests.support.database import in_app

    assert runner.invoke(args=["round", "publish", "R2025"]).exit_code == 0
    assert runner.invoke(args=["user", "create", "a@example.org", "--role", "admin"]).exit_code == 0
    out = runner.invoke(args=["token", "create", "a@example.org", "--name", "t"]).output
    app.config["RATELIMIT_API"] = "100000 per minute"  # the input, not the limit, is tested
    with in_app(app):
        ids = [int(i) for i in db.session.execute(sa.select(Round.id)).scalars()]
    return {"client": app.test_client(), "token": TOKEN.search(out).group(0), "ids": ids}


def _problem(response, context: object) -> dict:
    assert response.status_code < 500, (context, response.status_code, response.data[:300])
    if response.status_code < 400:
        return {}
    assert response.mimetype == "application/problem+json", (context, response.mimetype)
    body = json.loads(response.data)
    assert body["status"] == response.status_code and body["detail"], (context, body)
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@st.composite
def queries(draw):
    """A query string: known and unknown names, junk values, maybe one unreadable part."""
    pairs = [
        (draw(st.one_of(st.sampled_from(PARAMETERS), names)), draw(junk))
        for _ in range(draw(st.integers(0, 4)))
    ]
    query = "&".join(f"{quote(n)}={quote(v[:200])}" for n, v in pairs)
    extra = draw(st.sampled_from(["", "control", "not_utf8"]))
    if extra == "control":
        query += f"&{draw(st.sampled_from(PARAMETERS))}={quote(draw(st.sampled_from(CONTROLS)))}"
    elif extra == "not_utf8":
        raw = quote_from_bytes(unquote_to_bytes(draw(st.sampled_from(NOT_UTF8))))
        query += f"&{draw(st.sampled_from(PARAMETERS))}={raw}"
    return query, extra


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_generated_queries_get_a_problem_not_a_crash(app, api) -> None:
    client, ids = api["client"], api["ids"]
    auth = st.sampled_from(
        [{}, {"Authorization": f"Bearer {api['token']}"}, {"Authorization": "Bearer x"}]
        + [{"Authorization": "Basic YTpi"}, {"Authorization": "Bearer " + "é" * 43}]
    )
    paths = st.sampled_from(["/api/v1/rounds"] + [f"/api/v1/rounds/{i}/aggregates" for i in ids])
    before = table_snapshot(app)
    seen: set[int] = set()

    @given(path=paths, query=queries(), headers=auth)
    @SETTINGS
    def check(path: str, query: tuple[str, str], headers: dict[str, str]) -> None:
        text, extra = query
        response = client.get(f"{path}?{text}", headers=headers)
        body = _problem(response, (path, text, headers))
        seen.add(response.status_code)
        if extra:  # a control character or bytes that are not UTF-8 are always refused
            assert response.status_code == 400, (path, text, body)

    check()
    assert table_snapshot(app) == before
    assert 400 in seen  # the refusals were exercised, not only the happy path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_other_methods_are_refused_as_problems(app, api) -> None:
    before = table_snapshot(app)
    for method in ["POST", "PUT", "PATCH", "DELETE"]:
        for path in ["/api/v1/rounds", f"/api/v1/rounds/{api['ids'][0]}/aggregates"]:
            response = api["client"].open(
                path, method=method, data=b'{"x": "\xff\x00"}', content_type="application/json"
            )
            assert response.status_code == 405, (method, path)
            _problem(response, (method, path))
            assert "GET" in response.headers["Allow"]
    assert table_snapshot(app) == before


def test_ids_beyond_any_database_integer_are_not_found(app, make_round) -> None:
    """PostgreSQL refuses a value past its INTEGER as the bound id, SQLite's driver overflows
    past 2**63 - 1: both would be a 500; the routes do not match such ids at all
    (``survey.security.BoundedInt``)."""
    make_round()
    client = app.test_client()
    for big in (LARGEST_ID + 1, 2**63, 10**30):
        for path in [
            f"/api/v1/rounds/{big}/aggregates",
            f"/results/{big}/",
            f"/dashboard/{big}/",
            f"/admin/rounds/{big}",
            f"/survey/page/{big}",
            f"/o/{big}/EDU-A/key",
        ]:
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
    # The largest id that fits is looked up as usual (and is unknown).
    assert client.get(f"/results/{LARGEST_ID}/").status_code == 404
    assert client.get(f"/api/v1/rounds/{LARGEST_ID}/aggregates").status_code == 404
