"""The world ``test_every_page.py`` walks: a small demo city with one of everything a route
can name (a closed round with an action plan and another organisation's figures beside it, an
open round with a respondent's link, staff set-up links, a message in the outbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, render_template
from sqlalchemy import select

from survey.extensions import db

#: The demo's closed round whose pages are walked, and its round still in fieldwork.
ROUND, OPEN_ROUND = "Mognad 2025", "Mognad 2026"


def _neighbour(round_id: int) -> None:
    """The closed round's own open data imported as another organisation's, so that the
    comparison (the admin list, the overview's section) is on the pages walked."""
    from survey.models import PublishedFile
    from survey.services.federation import import_package

    stored = db.session.scalars(select(PublishedFile).where(PublishedFile.round_id == round_id))
    files = {f.filename: f.content for f in stored}
    source = "https://grannkommun.example/results/1/files/datapackage.json"
    import_package(db.session, files, source, "Grannkommunen med ett långt namn", "test")
    db.session.commit()


def demo_world(app: Flask, base: str, secret: str, unit: str) -> dict[str, object]:
    """Load a small demo city; return the values for route variables (and set-up/link URLs)."""
    from survey.mail import connect, settings_from_config
    from survey.models import Invitation, Job, Round, Unit
    from survey.results.report import write_documents
    from survey.sealing import app_sealer
    from survey.services.accounts import create_user
    from survey.services.demo import load_demo
    from survey.services.links import issue_links
    from survey.services.mail import compose, letterhead
    from survey.services.settings import DataSettings, FigureSettings

    with app.app_context(), app.test_request_context(base_url=base):
        figures, data = FigureSettings.of(app.config), DataSettings.of(app.config)
        load_demo(db.session, per_year=150, sealer=app_sealer(), write_documents=write_documents,
                  settings=figures, data=data)  # fmt: skip
        closed = db.session.scalars(select(Round).where(Round.name == ROUND)).one()
        links = issue_links(db.session, OPEN_ROUND, base, secret)
        now = datetime.now(UTC)
        user, token = create_user(db.session, "every@page.example", "admin", [], now)
        _boss, boss_token = create_user(db.session, "boss@page.example", "manager", [unit], now)
        subtree = set(
            db.session.scalars(
                select(Unit.code).where(
                    Unit.year == closed.year, (Unit.code == unit) | Unit.code.like(f"{unit}-%")
                )
            )
        )
        still_open = db.session.scalars(select(Round).where(Round.name == OPEN_ROUND)).one()
        invitation = db.session.scalars(
            select(Invitation.id).where(
                Invitation.round_id == still_open.id, Invitation.status == "pending"
            )
        ).first()
        job = db.session.scalars(select(Job.id)).first()
        plan = _plan(closed)
        db.session.commit()
        _neighbour(closed.id)
        settings = settings_from_config(app.config, app.instance_path)
        with connect(settings) as sender:  # one message in the outbox, as the admin sends it
            sender.send(
                compose(
                    db.session,
                    "invitation",
                    "a.person.with.a.rather.long.address@forvaltning.demo.example",
                    f"{base}/s/{'x' * 43}",
                    head=letterhead(app.config, settings, render_template),
                    round_name=OPEN_ROUND,
                    lang="sv",
                )
            )
        message = next(settings.outbox.glob("*.eml")).name
        return {
            "round_id": closed.id,
            "open_round_id": still_open.id,
            "name": ROUND,
            "code": unit,
            "unit_code": unit,
            "year": closed.year,
            "role": "employee",
            "number": 1,
            "iid": invitation,
            "job_id": job or 1,
            "action": "close",
            "kind": "invitations",
            "ref": "x",
            "key": "x" * 22,
            "ident": "x",
            "token": "x" * 43,
            "setup": f"{base}/auth/setup/{token}",
            "boss_setup": f"{base}/auth/setup/{boss_token}",
            "subtree": subtree,
            "personal_link": next(r["url"] for r in links.rows if r["role"] == "employee"),
            "message": message,
            "user_id": user.id,
            "plan_id": plan,
        }


def _plan(closed: Any) -> int:
    """An action plan of the root unit in the round before ``closed``, so that the closed
    round's overview shows its follow-up (and the plan pages have one to show)."""
    from survey.models import ActionPlan, Round
    from survey.services import plans
    from survey.services.rounds import snapshot_questionnaire

    earlier = db.session.scalars(
        select(Round).where(Round.year < closed.year).order_by(Round.year.desc())
    ).first()
    rnd = earlier or closed
    q = snapshot_questionnaire(db.session(), rnd)
    values = plans.PlanValues(
        (q.categories[0].id,), "mature", "Mål " * 40, "Åtgärd\n" * 5, "Enhetschef", None,
        "in_progress", True,
    )  # fmt: skip
    saved: ActionPlan = plans.save(db.session(), q, rnd, "STAD", values, "test")
    return saved.id
