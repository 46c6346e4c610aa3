"""The access matrix: ``allowed()`` against an independent oracle; what anonymous visitors reach.

The oracle walks each year's tree downwards from the bound units (children lists built from the
rows of the organisation files), where ``survey.access`` walks upwards through the database; the
role table is written out again here from the issue's words, not imported.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.access import Action, allowed, require, units_in_scope
from survey.models import User, UserUnit
from tests.support.database import in_app
from tests.support.factory import SMALL_ORG
from tests.survey.staff import Clock, Staff, create_user, install_clock

# 2026: EDU-B has moved under CARE, CARE-X is new, EDU-A is gone.
ORG_2026 = [
    ["code", "name", "parent_code"],
    ["CITY", "Staden", ""],
    ["EDU", "Utbildning", "CITY"],
    ["CARE", "Omsorg", "CITY"],
    ["EDU-B", "Skola B", "CARE"],
    ["CARE-X", "Hemtjänst", "CARE"],
]
TREES = {2025: SMALL_ORG[1:], 2026: ORG_2026[1:]}
CODES = sorted({row[0] for rows in TREES.values() for row in rows}) + ["GHOST"]

EVERYTHING = set(Action)
HR = {"view_results", "view_gaps", "export", "view_fieldwork", "read_comments"}
MANAGER = {"view_results", "view_gaps", "view_fieldwork", "manage_plans"}
# An admin bound to units (one per förvaltning): fieldwork and reminders in the subtree only.
SCOPED_ADMIN = {"view_fieldwork", "send_mail", "manage_plans"}


def below(year: int, bound: set[str]) -> set[str]:
    """The bound units of ``year`` and every unit under them (breadth first, downwards)."""
    children: dict[str, list[str]] = {}
    for code, _name, parent in TREES.get(year, []):
        children.setdefault(parent, []).append(code)
    present = {row[0] for row in TREES.get(year, [])}
    seen: set[str] = set()
    queue = [c for c in bound if c in present]
    while queue:
        code = queue.pop()
        if code not in seen:
            seen.add(code)
            queue += children.get(code, [])
    return seen


def oracle(role: str, active: bool, bound: set[str], action: str, unit) -> bool:
    if not active:
        return False
    if role == "admin" and not bound:
        return True
    if role == "hr":
        return action in HR
    if action not in (MANAGER if role == "manager" else SCOPED_ADMIN) or unit is None:
        return False
    return unit.code in below(unit.year, bound)


@pytest.fixture
def trees(make_org) -> None:
    make_org(2025)
    make_org(2026, ORG_2026)


units = st.one_of(
    st.none(),
    st.builds(
        lambda year, code: SimpleNamespace(year=year, code=code),
        st.sampled_from([2024, 2025, 2026]),
        st.sampled_from(CODES),
    ),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    role=st.sampled_from(["admin", "hr", "manager"]),
    active=st.booleans(),
    bound=st.sets(st.sampled_from(CODES), max_size=3),
    action=st.sampled_from(list(Action)),
    unit=units,
)
def test_allowed_matches_the_oracle(app, trees, role, active, bound, action, unit) -> None:
    user = User(email="x@example.org", role=role, active=active)
    user.units = [UserUnit(unit_code=c) for c in sorted(bound)]
    expected = oracle(role, active, bound, action.value, unit)
    with in_app(app):  # allowed() reads the trees through the app's session
        assert allowed(user, action, unit) is expected
        assert allowed(user, action.value, unit) is expected
        assert allowed(AnonymousUserMixin(), action, unit) is False
        if unit is not None and role == "manager" and active:
            scope = units_in_scope(user, unit.year)
            assert scope == below(unit.year, bound) if unit.year in TREES else scope == set()
        if unit is not None and role == "admin" and bound and active:
            assert units_in_scope(user, unit.year) == set()  # no results at all
            scope = units_in_scope(user, unit.year, Action.SEND_MAIL)
            assert scope == below(unit.year, bound) if unit.year in TREES else scope == set()


def test_scope_follows_each_years_tree(app, trees) -> None:
    boss = User(email="b@example.org", role="manager", active=True)
    boss.units = [UserUnit(unit_code="CARE")]
    with in_app(app):
        care_2025 = units_in_scope(boss, 2025)
        care_2026 = units_in_scope(boss, 2026)
        assert care_2025 == {"CARE"}
        assert care_2026 == {"CARE", "EDU-B", "CARE-X"}
        school = SimpleNamespace(year=2025, code="EDU-B")
        assert not allowed(boss, Action.VIEW_RESULTS, school)
        assert allowed(boss, Action.VIEW_RESULTS, SimpleNamespace(year=2026, code="EDU-B"))
        assert not allowed(boss, Action.VIEW_RESULTS)  # never the whole organisation
        assert units_in_scope(User(email="h@x.org", role="hr", active=True), 2025) is None


def test_unknown_action_is_an_error(app) -> None:
    with pytest.raises(ValueError):
        allowed(User(role="admin", active=True), "drop_everything")


# --- Through HTTP -----------------------------------------------------------------------------

# "roles": the role competence profiles are public by design (docs/privacy.md).
PUBLIC_BLUEPRINTS = {"respond", "auth", "main", "results", "api", "roles", None}


def sample_url(rule) -> str:
    from werkzeug.routing.converters import NumberConverter

    values = {
        arg: 1 if isinstance(rule._converters[arg], NumberConverter) else "x"
        for arg in rule.arguments
    }
    return rule.build(values)[1]


def test_anonymous_visitors_reach_no_staff_page(app) -> None:
    """Crawl the url map: every GET outside the public blueprints sends to the sign-in page."""
    staff_rules = [
        r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods
        and r.endpoint != "static"
        and r.endpoint.rsplit(".", 1)[0] not in PUBLIC_BLUEPRINTS
        and "." in r.endpoint
    ]
    assert any(r.endpoint == "admin.home" for r in staff_rules)
    visitor = Staff(app)
    for rule in staff_rules:
        url = sample_url(rule)
        r = visitor.get(url)
        assert r.status_code == 302, f"{url} answered {r.status_code} to an anonymous visitor"
        assert "/auth/sign-in" in r.location, url
    assert not [
        r for r in app.url_map.iter_rules() if "." not in r.endpoint and r.endpoint != "static"
    ]


def test_require_refuses_out_of_scope_managers_over_http(app, runner, trees, monkeypatch) -> None:
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Unit

    def probe(year: int, code: str) -> str:
        unit = db.session.scalar(sa.select(Unit).where(Unit.year == year, Unit.code == code))
        require(Action.VIEW_FIELDWORK, unit or SimpleNamespace(year=year, code=code))
        return "seen"

    def rounds() -> str:
        require(Action.MANAGE_ROUNDS)
        return "changed"

    app.add_url_rule("/probe/<int:year>/<code>", "probe", probe)
    app.add_url_rule("/probe-rounds", "probe_rounds", rounds)
    clock = Clock()
    install_clock(monkeypatch, clock)
    boss = Staff(app)
    boss.set_up(create_user(runner, "boss@example.org", "manager", "EDU"), clock)
    hr = Staff(app, address="192.0.2.20")
    hr.set_up(create_user(runner, "hr@example.org", "hr"), clock)
    assert boss.get("/probe/2025/EDU-A").status_code == 200
    assert boss.get("/probe/2025/EDU").status_code == 200
    assert boss.get("/probe/2025/CARE").status_code == 403
    assert boss.get("/probe/2026/EDU-B").status_code == 403  # moved out of EDU in 2026
    assert boss.get("/probe/2025/CITY").status_code == 403
    assert boss.get("/probe-rounds").status_code == 403
    assert hr.get("/probe/2026/CARE-X").status_code == 200
    assert hr.get("/probe-rounds").status_code == 403
    anonymous = Staff(app, address="192.0.2.30")
    r = anonymous.get("/probe/2025/EDU-A")
    assert r.status_code == 302 and "/auth/sign-in" in r.location
