"""The audit log viewer, the accessibility feedback reader and the comments reader.

Comments are read only for a closed round, only as groups of at least K_TEXT, sorted, and with
nothing that ties a text to a response; the audit log never shows an answer.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AccessibilityFeedback, AuditLog, Response
from tests.survey.respondent import Browser, close_round, invite, issue_links
from tests.survey.staff import signed_in, text

SECRET_ANSWER = "Zebrafinkens hemliga svar"


def answer_with_comment(app, url: str, comment: str) -> None:
    """Answer every page; write ``comment`` in each free-text box on the way."""
    with app.app_context():  # a fresh ``g``, as a separate server request would have
        b = Browser(app.test_client())
        b.get(urlsplit(url).path)
        b.press("Starta enkäten")
        while b.page.h1 != "Granska dina svar":
            fill = {name: comment for name in b.page.form_with("Nästa").texts}
            b.press("Nästa", choose="first", fill=fill)
        assert b.press("Skicka in svaren").h1 == "Tack för dina svar!"


def entries(response) -> str:
    """The table body of the audit page (the filter menus name every action and user)."""
    page = text(response)
    assert response.status_code == 200 and "<tbody>" in page
    return page.split("<tbody>", 1)[1]


WRITERS = [
    ("a@example.org", "EDU-A", "Örebro vore bättre"),
    ("b@example.org", "EDU-A", "Mer utbildning i Excel"),
    ("c@example.org", "EDU-A", "Ana behöver kurser"),
    ("d@example.org", "CARE", f"{SECRET_ANSWER} från omsorgen"),
]


@pytest.fixture
def commented(app, make_round, runner, write_csv, tmp_path) -> None:
    app.config["K_TEXT"] = 3
    make_round()
    invite(runner, write_csv, people=[(e, unit, "employee") for e, unit, _ in WRITERS])
    links = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "l.csv")}
    for email, _unit, comment in WRITERS:
        answer_with_comment(app, links[email], comment)


def test_comments_only_for_closed_rounds_in_groups_of_k_text(app, runner, commented, clock) -> None:
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    r = hr.get("/admin/comments/R2025")
    assert r.status_code == 409 and "inte stängd" in text(r)
    assert "/admin/comments/R2025" not in text(hr.get("/admin/comments/"))
    close_round(runner)
    assert "/admin/comments/R2025" in text(hr.get("/admin/comments/"))

    page = text(hr.get("/admin/comments/R2025"))  # the whole organisation: 4 comments
    assert "Fritext kan innehålla namn" in page
    assert all(comment in page for *_, comment in WRITERS)
    shown = re.findall(r"<li>([^<]+)</li>", page)
    assert shown == sorted((c for *_, c in WRITERS), key=str.casefold)
    with app.app_context():
        ids = db.session.scalars(sa.select(Response.id)).all()
    assert len(ids) == 4 and not [i for i in ids if i in page]

    # Four employees are fewer than k (5) in the whole round: at close they are all stored
    # under CITY (k-anonymous storage), comments included, so EDU-A holds none of them.
    edu_a = text(hr.get("/admin/comments/R2025?unit=EDU-A"))
    assert "Mer utbildning i Excel" not in edu_a and SECRET_ANSWER not in edu_a
    assert "För få kommentarer för att visas." in edu_a
    care = text(hr.get("/admin/comments/R2025?unit=CARE"))  # one comment: below K_TEXT
    assert SECRET_ANSWER not in care and "För få kommentarer för att visas." in care
    assert hr.get("/admin/comments/R2025?unit=NOWHERE").status_code == 404

    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU", address="192.0.2.20")
    assert boss.get("/admin/comments/R2025?unit=EDU-A").status_code == 403
    assert boss.get("/admin/comments/R2025").status_code == 403


def test_audit_log_filters_and_never_shows_answers(app, runner, commented, clock) -> None:
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    close_round(runner)
    assert runner.invoke(args=["purge-personal-data", "R2025", "--yes"]).exit_code == 0
    with app.app_context():
        db.session.add(AuditLog(actor="cli", action="org.import", detail={"year": 2024}))
        db.session.commit()
    page = text(admin.get("/admin/audit/"))
    # Events and their details in words, not codes.
    purged, imported, sign_in = (
        "Omgångens personuppgifter raderades",
        "Organisationen lästes in",
        "Inloggning<",
    )
    assert purged in page and imported in page and sign_in in page
    assert "omgång: R2025" in page and "inbjudningar: 4" in page
    assert ">round.purge<" not in page
    assert SECRET_ANSWER not in page and "Excel" not in page

    purge = entries(admin.get("/admin/audit/?round=R2025"))
    assert purged in purge and imported not in purge and sign_in not in purge
    signed = entries(admin.get("/admin/audit/?action=auth.signed_in"))
    assert sign_in in signed and purged not in signed
    mine = entries(admin.get("/admin/audit/?user=web:admin@example.org"))
    assert "admin@example.org" in mine and purged not in mine
    nothing = text(admin.get("/admin/audit/?user=nobody@example.org"))
    assert "0 händelser" in nothing and "<table" not in nothing


def test_audit_log_is_paginated(app, runner, clock) -> None:
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    with app.app_context():
        db.session.add_all(
            AuditLog(actor="cli", action="test.bulk", detail={"n": i}) for i in range(60)
        )
        db.session.commit()
    first = text(admin.get("/admin/audit/?action=test.bulk"))
    assert "60 händelser, sida 1 av 2" in first and "Nästa sida" in first
    assert first.count("<td>cli</td>") == 50
    second = text(admin.get("/admin/audit/?action=test.bulk&page=2"))
    assert second.count("<td>cli</td>") == 10 and "Föregående sida" in second
    assert "action=test.bulk" in second
    assert admin.get("/admin/audit/?page=junk").status_code == 200


def test_feedback_reader_for_admins(app, runner, clock) -> None:
    with app.app_context():
        db.session.add(
            AccessibilityFeedback(
                message="Knappen syns <inte> i mörkt läge",
                page="/survey/page/2",
                lang="sv",
                received_on=date(2026, 3, 1),
            )
        )
        db.session.commit()
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    r = admin.get("/admin/feedback/")
    assert r.status_code == 200
    assert "Knappen syns &lt;inte&gt; i mörkt läge" in r.get_data(as_text=True)
    assert "2026-03-01" in text(r) and "/survey/page/2" in text(r)
    hr = signed_in(app, runner, clock, "hr@example.org", "hr", address="192.0.2.20")
    assert hr.get("/admin/feedback/").status_code == 403


NESTED = [(f"a{i}@example.org", "EDU-A", f"Skola A tycker {i}") for i in range(4)] + [
    ("c1@example.org", "CARE", f"{SECRET_ANSWER} ett"),
    ("c2@example.org", "CARE", f"{SECRET_ANSWER} två"),
    ("c3@example.org", "CARE", f"{SECRET_ANSWER} tre"),
]


def test_nested_comment_groups_cannot_be_subtracted(
    app, make_round, runner, write_csv, tmp_path, clock
) -> None:
    """The attack: the whole organisation's comments minus EDU-A's gave CARE's three, fewer
    than K_TEXT (4). k is 3, so CARE's three stay CARE's at close (k-anonymous storage)."""
    app.config.update(K_TEXT=4, K_ANONYMITY=3)
    make_round()
    invite(runner, write_csv, people=[(e, unit, "employee") for e, unit, _ in NESTED])
    links = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "l.csv")}
    for email, _unit, comment in NESTED:
        answer_with_comment(app, links[email], comment)
    close_round(runner)
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    shown = {}
    for unit in ("", "CITY", "EDU", "EDU-A", "EDU-B", "CARE"):
        page = text(hr.get(f"/admin/comments/R2025?unit={unit}"))
        shown[unit] = re.findall(r"<li>([^<]+)</li>", page)
    assert shown["EDU-A"] == [c for _, u, c in NESTED if u == "EDU-A"]
    below = {"": ["CITY", "EDU", "EDU-A", "EDU-B", "CARE"], "CITY": ["EDU", "EDU-A", "CARE"]}
    below["EDU"] = ["EDU-A", "EDU-B"]
    for outer, inners in below.items():
        for inner in inners:
            if shown[outer] and shown[inner]:
                rest = list(shown[outer])
                for t in shown[inner]:
                    rest.remove(t)
                assert not 0 < len(rest) < 4, (outer, inner, rest)
    assert not any(SECRET_ANSWER in t for texts in shown.values() for t in texts)
