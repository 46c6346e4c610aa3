"""The synthetic demo city, loaded through the ordinary import services (with tables, no files).

``analysis.synthetic`` makes the rows; planted effects make the reports worth reading: one
förvaltning's capability improves, one's legacy declines, one changes its role mix without any
change within a role, and two tiny units must be suppressed.

Every employee of a unit is invited and every response has the invitation of a person of its
unit and role, marked answered, so each page's response rate is the true one (60–85 %), and
the organisation file carries the headcounts.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis.synthetic import (
    DEMO_PLAN,
    DEMO_YEARS,
    OrgRow,
    demo_org,
    demo_population,
    demo_remap,
    demo_respondents,
    leaf_units,
    response_rows,
)
from analysis.tree import ancestors
from survey.models import Invitation, Round, Unit, User
from survey.models.enums import InvitationStatus, RoundMode, UserRole
from survey.sealing import Sealer
from survey.services import accounts
from survey.services.imports import import_responses
from survey.services.links import demo_links
from survey.services.org import ORG_COLUMNS, REMAP_COLUMNS, import_org, import_remap
from survey.services.publish import DocumentWriter, publish_round
from survey.services.rounds import create_round, snapshot_questionnaire
from survey.services.settings import DataSettings, FigureSettings
from survey.services.tabular import Table
from survey.services.transitions import move_round

YEARS = DEMO_YEARS
ADMIN_EMAIL = "admin@demo.mognad.se"


def set_admin(session: Session) -> str:
    """Create the demo administrator, or reset it; return its one-time set-up token."""
    now = datetime.now(UTC)
    user = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if user is None:
        return accounts.create_user(session, ADMIN_EMAIL, UserRole.ADMIN, [], now)[1]
    user.active = True
    token = accounts.issue_setup(user, now)
    session.flush()
    return token


def _with_headcounts(
    tree: list[OrgRow], population: dict[str, dict[str, int]]
) -> list[list[object]]:
    """The organisation rows with a headcount each: a unit's people and its sub-units'."""
    parent = {code: p or None for code, _, p in tree}
    heads = {code: 0 for code, _, _ in tree}
    for code, roles in population.items():
        for unit in ancestors(code, parent):
            heads[unit] += sum(roles.values())
    return [[code, name, p, heads[code]] for code, name, p in tree]


def _invite(
    session: Session,
    rnd: Round,
    population: dict[str, dict[str, int]],
    answered: dict[str, dict[str, int]],
) -> int:
    """Invite everyone employed, one invitation per respondent marked answered.

    Inserted directly (the addresses are made here, so there is nothing to validate; the
    import's per-address check took longer than the rest of the demo).
    """
    unit_id = dict(session.execute(select(Unit.code, Unit.id).where(Unit.year == rnd.year)).all())
    rows = [
        {
            "round_id": rnd.id,
            "email": f"person{rnd.year}-{code.lower()}-{role}-{i}@demo.mognad.se",
            "unit_id": unit_id[code],
            "role": role,
            "status": (
                InvitationStatus.COMPLETED
                if i < answered.get(code, {}).get(role, 0)
                else InvitationStatus.PENDING
            ),
            "reminders": 0,
        }
        for code, roles in population.items()
        for role, heads in roles.items()
        for i in range(heads)
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Invitation), rows[start : start + 1000])
    session.flush()
    return len(rows)


def load_demo(
    session: Session,
    seed: int = 2026,
    per_year: int = 4000,
    base_url: str = "",
    *,
    sealer: Sealer,
    write_documents: DocumentWriter,
    settings: FigureSettings,
    data: DataSettings,
) -> list[str]:
    """Load the demo city unless already there; return lines to print.

    Past years are closed and published the way an administrator does it (figures made with
    the installation's ``settings``, report and open data stored, the report by
    ``write_documents``, the open data under ``data``), so the public results pages have
    something to show.
    """
    lines: list[str] = []
    if session.scalar(select(Round.id).where(Round.name == f"Mognad {YEARS[0]}")):
        lines.append("Demo data is already loaded; only the admin password is reset.")
    else:
        rng = np.random.default_rng(seed)
        for step, year in enumerate(YEARS):
            tree = demo_org(year)
            population = demo_population(year, per_year)
            org = _with_headcounts(tree, population)
            import_org(session, year, Table.of(f"org{year}", (*ORG_COLUMNS, "headcount"), org))
            remap = demo_remap(year)
            if remap:
                import_remap(session, year, Table.of("remap", REMAP_COLUMNS, remap))
            name = f"Mognad {year}"
            rnd = create_round(session, name, year, "malmo-digital", RoundMode.INVITED)
            q = snapshot_questionnaire(session, rnd)
            answered = demo_respondents(population, year, rng)
            header, rows = response_rows(
                q, leaf_units(tree), per_year, rng, DEMO_PLAN, step, respondents=answered
            )
            import_responses(session, name, Table.of(f"r{year}", header, rows), sealer=sealer)
            invited = _invite(session, rnd, population, answered)
            move_round(session, name, "open")
            rate = f"{len(rows) / invited:.0%}"
            if year != YEARS[-1]:
                move_round(session, name, "close", sealer=sealer, settings=settings)
                publish_round(session, name, settings, write_documents, data)
                lines.append(
                    f"Loaded {name}: {len(tree)} units, {invited} invited, {len(rows)} responses "
                    f"({rate}); closed and published."
                )
            else:
                lines.append(
                    f"Loaded {name}: {len(tree)} units, {invited} invited, {len(rows)} ballots "
                    f"({rate}); open: ballots become responses when the round closes."
                )
    token = set_admin(session)
    lines.append(
        f"Admin: {ADMIN_EMAIL}. Choose a password and connect an authenticator app (TOTP) "
        "through this single-use link, valid 24 hours:"
    )
    lines.append(f"    {base_url.rstrip('/')}/auth/setup/{token}")
    if base_url:
        lines.append(f"Open {base_url}/ in a browser.")
        lines += demo_links(session, f"Mognad {YEARS[-1]}", base_url)
    return lines
