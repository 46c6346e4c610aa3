"""Hostile posts to every respondent and staff form: a 4xx page in Swedish, nothing stored.

The world: an open invited round (R2025) with a respondent on its first question page and a
signed-in admin. Every POST rule of ``app.url_map`` outside the read API is found and sent
generated refusable posts (``tests/security/hostile.py``); a form added later is covered
without touching this file. After every post every table is compared row by row with before.
"""

from __future__ import annotations

from functools import partial

import pytest

from tests.security.hostile import Post, hostile, refused, run
from tests.security.routes import Route, routes
from tests.support.database import in_app
from tests.support.forms import Browser, parse
from tests.survey.staff import signed_in

# Hypothesis keeps the database as it is between examples only on one kind; SQLite is enough
# for what the web layer refuses (the database is never reached).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

RESPONDENT = ("respond.", "main.")  # blueprints a respondent (or anyone) posts to
ANSWER = "a-"


def _round_id(app, name: str = "R2025") -> int:
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Round

    with in_app(app):
        return int(db.session.execute(sa.select(Round.id).where(Round.name == name)).scalar_one())


def _posts(app) -> list[Route]:
    walked = [r for r in routes(app, _round_id(app)) if "POST" in r.methods]
    return [r for r in walked if not r.rule.rule.startswith("/api/")]


def _fields(client, route: Route) -> list[str]:
    """The names of the fields of the form(s) on the route's own page (none when it has none)."""
    if "GET" not in route.methods:
        return []
    response = client.get(route.url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return []
    page = parse(response, route.url)
    names: set[str] = set()
    for form in page.forms:
        names |= {n for n, _v in form.hidden} | set(form.texts) | set(form.radios)
        names |= set(form.selects) | set(form.checked)
    return sorted(names - {"csrf_token"})


def _token(client, url: str) -> str:
    page = parse(client.get(url), url)
    tokens = {v for form in page.forms for n, v in form.hidden if n == "csrf_token"}
    assert len(tokens) == 1, (url, tokens)
    return tokens.pop()


def _send(client, url: str, post: Post):
    return post.send(client, url)


@pytest.fixture
def world(app, runner, clock, make_survey):
    survey = make_survey()
    respondent = Browser(app.test_client())
    respondent.get(survey.link())
    first = respondent.press("Starta enkäten")
    assert first.status == 200 and first.forms, first.h1
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    return {"respondent": respondent, "page": first, "admin": admin}


def test_every_staff_form_refuses_hostile_posts(app, world) -> None:
    client = world["admin"].client
    token = _token(client, "/admin/")
    staff = [r for r in _posts(app) if not r.rule.endpoint.startswith(RESPONDENT)]
    assert len(staff) >= 25, [str(r) for r in staff]  # admin, auth, dashboard forms
    for route in staff:
        fields = _fields(client, route)
        sent = run(app, partial(_send, client, route.url), hostile(fields, token))
        assert sent > 0, route
    assert world["admin"].signed_in()  # no post signed the admin out or locked the account


def test_every_respondent_form_refuses_hostile_posts(app, world) -> None:
    b = world["respondent"]
    page = world["page"]
    token = next(v for n, v in page.forms[0].hidden if n == "csrf_token")
    own = [r for r in _posts(app) if r.rule.endpoint.startswith(RESPONDENT)]
    assert {r.rule.endpoint for r in own} >= {"respond.page", "respond.submit", "respond.start"}
    for route in own:
        url = page.path if route.rule.endpoint == "respond.page" else route.url
        fields = _fields(b.client, route) if route.rule.endpoint != "respond.page" else []
        scales = None
        if route.rule.endpoint == "respond.page":
            form = page.forms[0]
            scales = {n: v for n, v in form.radios.items() if n.startswith(ANSWER)}
            assert scales, "the first page asks something"
            fields = sorted(set(form.texts) | set(scales))
        sent = run(app, partial(_send, b.client, url), hostile(fields, token, scales))
        assert sent > 0, route
    # The respondent is still where they were: nothing was saved, nothing moved on.
    assert b.get(page.path).h1 == page.h1


@pytest.mark.parametrize("path", ["/survey/page/1", "/admin/respondents/R2025/upload"])
def test_a_body_over_the_limit_is_refused_with_a_page(app, world, path) -> None:
    client = world["respondent"].client if path.startswith("/survey") else world["admin"].client
    huge = Post("too_large", [("x", "y" * (app.config["MAX_CONTENT_LENGTH"] + 1))], None)
    from tests.security import hostile as h

    h.MESSAGES["too_large"] = ("för stor",)
    try:
        refused(app, partial(_send, client, path), huge)
    finally:
        del h.MESSAGES["too_large"]
