"""The read API on both databases: the same rows as aggregates.json, filters, scope, tokens.

Rounds come from the ``two_years`` fixture (R2024 and R2025 closed); R2025 is published with
`mognad round publish`, R2024 stays closed (unpublished). Tokens are made with `mognad token`.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from survey.models import ApiToken, Round

FIGURES = ("n", "score", "sd", "ci_low", "ci_high", "compare_n", "compare_score", "delta",
           "delta_ci_low", "delta_ci_high", "p_value", "p_adjusted", "effect_size")  # fmt: skip
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)
EDU_SUBTREE = {"EDU", "EDU-A", "EDU-B"}


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def round_id(db_session, name: str) -> int:
    return db_session.scalar(sa.select(Round.id).where(Round.name == name))


def make_token(runner, email: str, role: str, *units: str) -> str:
    args = ["user", "create", email, "--role", role]
    for unit in units:
        args += ["--unit", unit]
    ok(runner.invoke(args=args))
    out = ok(runner.invoke(args=["token", "create", email, "--name", "tests"])).output
    return TOKEN.search(out).group(0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def rounds(runner, two_years, db_session) -> dict[str, int]:
    ok(runner.invoke(args=["round", "publish", "R2025"]))
    return {name: round_id(db_session, name) for name in two_years}


def test_rows_equal_aggregates_json(client, runner, rounds, tmp_path) -> None:
    ok(runner.invoke(args=["report", "R2025", "--out", str(tmp_path), "--format", "json"]))
    published = json.loads((tmp_path / "aggregates.json").read_text(encoding="utf-8"))
    r = client.get(f"/api/v1/rounds/{rounds['R2025']}/aggregates")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["rows"] == published
    assert [list(row) for row in body["rows"]] == [list(row) for row in published]  # key order
    assert body["round"]["name"] == "R2025" and body["round"]["status"] == "published"
    assert body["k"] >= 5 and body["filters"] == {"unit": None, "role": None, "index": None}
    assert "public" in r.headers["Cache-Control"] and r.headers["ETag"]
    again = client.get(r.request.path, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    # No suppressed value anywhere: a suppressed row has every figure null.
    hidden = [row for row in body["rows"] if row["suppressed"]]
    assert hidden and {row["unit_code"] for row in hidden} >= {"TINY"}
    assert all(row[f] is None for row in hidden for f in FIGURES)
    assert all(row["n"] is None or row["n"] >= body["k"] for row in body["rows"])


def test_rounds_lists_published_rounds_only_without_a_token(client, rounds) -> None:
    body = client.get("/api/v1/rounds").get_json()
    assert [r["name"] for r in body["rounds"]] == ["R2025"]
    listed = body["rounds"][0]
    assert listed["id"] == rounds["R2025"] and listed["year"] == 2025
    assert listed["questionnaire"]["id"] and listed["questionnaire"]["version"]
    assert listed["published_at"].startswith("20") and listed["published_at"].endswith("+00:00")
    assert listed["aggregates_url"] == f"/api/v1/rounds/{rounds['R2025']}/aggregates"


def test_filters_select_rows(client, rounds) -> None:
    url = f"/api/v1/rounds/{rounds['R2025']}/aggregates"
    every = client.get(url).get_json()["rows"]
    for query, keep in (
        ("unit=EDU-A", lambda row: row["unit_code"] == "EDU-A"),
        ("role=employee", lambda row: row["role"] == "employee"),
        ("index=maturity", lambda row: row["index"] == "maturity"),
        (
            "unit=CITY&role=all&index=capability",
            lambda row: (
                (row["unit_code"], row["role"], row["index"]) == ("CITY", "all", "capability")
            ),
        ),  # fmt: skip
    ):
        r = client.get(f"{url}?{query}")
        assert r.status_code == 200, query
        expected = [row for row in every if keep(row)]
        assert expected and r.get_json()["rows"] == expected, query
    assert client.get(f"{url}?unit=CITY&role=all&index=capability").get_json()["filters"] == {
        "unit": "CITY", "role": "all", "index": "capability"}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        ("role=boss", "role", "role must be one of all, employee, manager, specialist"),
        ("index=Not-An-Id", "index", "is not an index id"),
        ("index=nonexistent", "index", "'nonexistent' is not in round"),
        ("unit=NOPE", "unit", "'NOPE' is not in round"),
        ("unit=", "unit", "unit must be a unit code"),
        ("units=EDU", "units", "unknown query parameter 'units'"),
        ("role=all&role=employee", "role", "'role' may be given once"),
    ],
)
def test_bad_filters_are_400_problems(client, rounds, query, parameter, says) -> None:
    r = client.get(f"/api/v1/rounds/{rounds['R2025']}/aggregates?{query}")
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["status"] == 400 and problem["parameter"] == parameter
    assert says in problem["detail"], problem


def test_unpublished_rounds_need_a_token_in_scope(client, runner, rounds) -> None:
    closed = f"/api/v1/rounds/{rounds['R2024']}/aggregates"
    for url in (closed, "/api/v1/rounds/999/aggregates", "/api/v1/rounds/99999999999/aggregates"):
        r = client.get(url)
        assert r.status_code == 404 and r.mimetype == "application/problem+json", url
        assert "R2024" not in r.get_data(as_text=True)
    admin_token = make_token(runner, "admin@example.org", "admin")
    r = client.get(closed, headers=bearer(admin_token))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    every = r.get_json()["rows"]
    assert {row["unit_code"] for row in every} >= EDU_SUBTREE | {"CITY", "CARE"}
    listed = client.get("/api/v1/rounds", headers=bearer(admin_token)).get_json()["rounds"]
    assert [(x["name"], x["status"]) for x in listed] == [
        ("R2024", "closed"),
        ("R2025", "published"),
    ]
    assert listed[0]["published_at"] is None

    boss = make_token(runner, "boss@example.org", "manager", "EDU")
    mine = client.get(closed, headers=bearer(boss)).get_json()["rows"]
    assert {row["unit_code"] for row in mine} == EDU_SUBTREE
    assert mine == [row for row in every if row["unit_code"] in EDU_SUBTREE]
    r = client.get(f"{closed}?unit=CARE", headers=bearer(boss))
    assert r.status_code == 400 and r.get_json()["parameter"] == "unit"  # as if it did not exist
    # A published round is public, and whole, for everyone.
    public = client.get(f"/api/v1/rounds/{rounds['R2025']}/aggregates").get_json()["rows"]
    assert client.get(f"/api/v1/rounds/{rounds['R2025']}/aggregates",
                      headers=bearer(boss)).get_json()["rows"] == public  # fmt: skip
    hr = make_token(runner, "hr@example.org", "hr")
    assert client.get(closed, headers=bearer(hr)).get_json()["rows"] == every


def test_revoked_tokens_and_disabled_owners_get_401(client, runner, rounds, db_session) -> None:
    closed = f"/api/v1/rounds/{rounds['R2024']}/aggregates"
    token = make_token(runner, "hr@example.org", "hr")
    assert client.get(closed, headers=bearer(token)).status_code == 200
    other = make_token(runner, "boss@example.org", "manager", "EDU")
    token_id = db_session.scalar(
        sa.select(ApiToken.id).where(ApiToken.name == "tests").order_by(ApiToken.id)
    )
    listing = ok(runner.invoke(args=["token", "list"])).output
    assert "hr@example.org" in listing and "active" in listing and token not in listing
    ok(runner.invoke(args=["token", "revoke", str(token_id)]))
    assert "revoked" in ok(runner.invoke(args=["token", "list"])).output
    ok(runner.invoke(args=["user", "disable", "boss@example.org"]))
    for headers in (
        bearer(token),
        bearer(other),
        bearer("not-a-token"),
        {"Authorization": "Basic eDp5"},
    ):
        for url in (closed, "/api/v1/rounds", f"/api/v1/rounds/{rounds['R2025']}/aggregates"):
            r = client.get(url, headers=headers)
            assert r.status_code == 401, (headers, url)
            assert r.mimetype == "application/problem+json"
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
    again = runner.invoke(args=["token", "revoke", str(token_id)])
    assert again.exit_code == 1 and "already revoked" in again.output
    assert (
        runner.invoke(args=["token", "create", "nobody@example.org", "--name", "x"]).exit_code == 1
    )


def test_tokens_are_stored_only_hashed(client, runner, rounds, db_session) -> None:
    import hashlib

    token = make_token(runner, "admin@example.org", "admin")
    assert client.get("/api/v1/rounds", headers=bearer(token)).status_code == 200
    rows = [tuple(map(str, row)) for row in db_session.execute(sa.text("SELECT * FROM api_tokens"))]
    audit = [str(row) for row in db_session.execute(sa.text("SELECT * FROM audit_log"))]
    assert len(rows) == 1
    assert not any(token in value for value in rows[0])
    assert hashlib.sha256(token.encode()).hexdigest() in rows[0]
    assert not any(token in entry for entry in audit)
    assert db_session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_a_staff_session_grants_nothing_beyond_public(admin, rounds) -> None:
    """A signed-in admin's cookie is no API credential (no cross-site reads of closed rounds)."""
    r = admin.get(f"/api/v1/rounds/{rounds['R2024']}/aggregates")
    assert r.status_code == 404
    names = [x["name"] for x in admin.get("/api/v1/rounds").get_json()["rounds"]]
    assert names == ["R2025"]


def test_errors_are_json_never_html(client, rounds) -> None:
    for method, url, status in (
        ("get", "/api/v2/rounds", 404),
        ("get", "/api/v1/rounds/abc/aggregates", 404),
        ("post", "/api/v1/rounds", 405),
        ("get", f"/api/v1/rounds/{rounds['R2025']}/aggregates?unit=A%00B", 400),
    ):
        r = getattr(client, method)(url)
        assert r.status_code == status, url
        assert r.mimetype == "application/problem+json", url
        assert r.get_json()["status"] == status
        assert "<html" not in r.get_data(as_text=True).lower()
    assert "GET" in client.post("/api/v1/rounds").headers["Allow"]


def test_admin_creates_and_revokes_a_token_in_the_browser(
    admin, client, rounds, db_session
) -> None:
    from survey.models import User

    admin_id = db_session.scalar(sa.select(User.id).where(User.email == "admin@example.org"))
    r = admin.post("/admin/tokens/", {"user": "", "name": ""})
    assert r.status_code == 400 and db_session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    r = admin.post("/admin/tokens/", {"user": str(admin_id), "name": "portal"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = re.search(
        r'<code class="secret token-once" id="token">([^<]+)</code>', r.get_data(as_text=True)
    ).group(1)
    closed = f"/api/v1/rounds/{rounds['R2024']}/aggregates"
    assert client.get(closed, headers=bearer(token)).status_code == 200
    page = admin.get("/admin/tokens/").get_data(as_text=True)
    assert "portal" in page and token not in page
    token_id = db_session.scalar(sa.select(ApiToken.id))
    r = admin.post_from("/admin/tokens/", f"/admin/tokens/{token_id}/revoke", {})
    assert r.status_code == 302
    assert client.get(closed, headers=bearer(token)).status_code == 401
    assert admin.client.post(f"/admin/tokens/{token_id}/revoke").status_code == 400  # no CSRF token
    from survey.models import AuditLog

    actions = db_session.scalars(sa.select(AuditLog.action)).all()
    assert "token.created" in actions and "token.revoked" in actions


def test_bearer_tokens_never_reach_a_log() -> None:
    from survey.security import redact

    line = '127.0.0.1 - "GET /api/v1/rounds" 200 "Authorization: Bearer abc_DEF-123" bearer x9'
    assert "abc_DEF-123" not in redact(line) and "x9" not in redact(line)
    assert "Bearer [redacted]" in redact(line)


def test_a_round_the_api_showed_cannot_reopen(client, runner, two_years, db_session) -> None:
    """Figures shown once must not be followed by more answers (subtraction would reveal them)."""
    from survey.models import AuditLog

    token = make_token(runner, "hr@example.org", "hr")
    closed = round_id(db_session, "R2025")
    assert (
        client.get(f"/api/v1/rounds/{closed}/aggregates", headers=bearer(token)).status_code == 200
    )
    assert (
        client.get(f"/api/v1/rounds/{closed}/aggregates", headers=bearer(token)).status_code == 200
    )
    shown = db_session.scalars(
        sa.select(AuditLog.detail).where(AuditLog.action == "api.read")
    ).all()
    assert shown == [{"round": "R2025", "compare_round": "R2024"}]  # once, not per call
    for name in ("R2025", "R2024"):  # the round and the round it was compared with
        refused = runner.invoke(args=["round", "open", name])
        assert refused.exit_code == 1, refused.output
        assert "är stängd och kan inte öppnas igen" in refused.output, refused.output


def test_too_many_requests_get_a_429_problem(app, client) -> None:
    app.config["RATELIMIT_API"] = "2 per minute"
    assert [client.get("/api/v1/rounds").status_code for _ in range(2)] == [200, 200]
    r = client.get("/api/openapi.json")  # the limit is per client for the whole API
    assert r.status_code == 429 and r.mimetype == "application/problem+json"
    assert r.get_json()["status"] == 429
