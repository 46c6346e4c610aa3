"""The synthetic demo city, loaded through the ordinary import services (with tables, no files).

``analysis.synthetic`` makes the rows; planted effects make the reports worth reading: two
units improve year on year, one declines, and two tiny units must be suppressed.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.synthetic import (
    DEMO_PLAN,
    DEMO_YEARS,
    demo_org,
    demo_remap,
    leaf_units,
    response_rows,
)
from survey.models import Round, User
from survey.models.enums import RoundMode, UserRole
from survey.sealing import Sealer
from survey.services.imports import RESPONDENT_COLUMNS, import_respondents, import_responses
from survey.services.links import demo_links
from survey.services.org import ORG_COLUMNS, REMAP_COLUMNS, import_org, import_remap
from survey.services.publish import publish_round
from survey.services.rounds import create_round, move_round, snapshot_questionnaire
from survey.services.tabular import Table

YEARS = DEMO_YEARS
ADMIN_EMAIL = "admin@demo.mognad.se"


def set_admin(session: Session) -> str:
    """Create the demo administrator, or reset it; return its one-time set-up token."""
    from datetime import UTC, datetime

    from survey.auth import accounts

    now = datetime.now(UTC)
    user = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if user is None:
        return accounts.create_user(session, ADMIN_EMAIL, UserRole.ADMIN, [], now)[1]
    user.active = True
    token = accounts.issue_setup(user, now)
    session.flush()
    return token


def load_demo(
    session: Session,
    seed: int = 2026,
    per_year: int = 4000,
    base_url: str = "",
    k: int = 5,
    *,
    sealer: Sealer,
) -> list[str]:
    """Load the demo city unless already there; return lines to print.

    Past years are published the way an administrator publishes (report and open data stored),
    so the public results pages have something to show.
    """
    lines: list[str] = []
    if session.scalar(select(Round.id).where(Round.name == f"Mognad {YEARS[0]}")):
        lines.append("Demo data is already loaded; only the admin password is reset.")
    else:
        rng = np.random.default_rng(seed)
        for step, year in enumerate(YEARS):
            tree = demo_org(year)
            import_org(session, year, Table.of(f"org{year}", ORG_COLUMNS, tree))
            remap = demo_remap(year)
            if remap:
                import_remap(session, year, Table.of("remap", REMAP_COLUMNS, remap))
            name = f"Mognad {year}"
            rnd = create_round(session, name, year, "malmo-digital", RoundMode.INVITED)
            q = snapshot_questionnaire(session, rnd)
            header, rows = response_rows(q, leaf_units(tree), per_year, rng, DEMO_PLAN, step)
            import_responses(session, name, Table.of(f"r{year}", header, rows), sealer=sealer)
            invited = [[f"person{i}@demo.mognad.se", r[0], r[1]] for i, r in enumerate(rows[:50])]
            import_respondents(session, name, Table.of(f"i{year}", RESPONDENT_COLUMNS, invited))
            move_round(session, name, "open")
            if year != YEARS[-1]:
                move_round(session, name, "close", sealer=sealer)
                publish_round(session, name, k)
            lines.append(f"Loaded {name}: {len(tree)} units, {len(rows)} responses.")
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
