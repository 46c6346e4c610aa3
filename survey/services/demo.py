"""A synthetic city for demos and screenshots, loaded through the ordinary import code.

Planted effects make the reports worth reading: two units improve year on year, one declines,
and two tiny units must be suppressed.
"""

from __future__ import annotations

import csv
import secrets
import tempfile
import zlib
from pathlib import Path

import numpy as np
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Round, User
from survey.services.imports import import_respondents, import_responses
from survey.services.links import demo_links
from survey.services.org import import_org, import_remap
from survey.services.rounds import create_round, move_round, snapshot_questionnaire

YEARS = (2024, 2025, 2026)
ADMIN_EMAIL = "admin@demo.mognad.se"
FORVALTNINGAR = {
    "SK": (
        "Stadskontoret",
        ["Digitalisering", "Ekonomi", "HR", "Kommunikation", "Juridik", "IT-drift"],
    ),
    "FSK": (
        "Förskoleförvaltningen",
        [
            "Förskoleområde Norr",
            "Förskoleområde Söder",
            "Förskoleområde Öster",
            "Förskoleområde Väster",
            "Administration",
            "Kvalitet",
        ],
    ),
    "GRF": (
        "Grundskoleförvaltningen",
        ["Skolområde 1", "Skolområde 2", "Skolområde 3", "Elevhälsa", "Skol-IT", "Administration"],
    ),
    "GVF": (
        "Gymnasie- och vuxenutbildningsförvaltningen",
        [
            "Gymnasium Centrum",
            "Gymnasium Hamnen",
            "Vuxenutbildning",
            "SFI",
            "Studie- och yrkesvägledning",
            "Administration",
        ],
    ),
    "HVO": (
        "Hälsa-, vård- och omsorgsförvaltningen",
        [
            "Hemtjänst Norr",
            "Hemtjänst Söder",
            "Särskilt boende",
            "Hälso- och sjukvård",
            "Biståndsenheten",
            "Administration",
        ],
    ),
    "FSF": (
        "Funktionsstödsförvaltningen",
        [
            "Bostad med särskild service",
            "Daglig verksamhet",
            "Personlig assistans",
            "Myndighet",
            "Socialpsykiatri",
            "Administration",
        ],
    ),
    "MF": (
        "Miljöförvaltningen",
        [
            "Tillsyn",
            "Inspektion",
            "Miljöstrategi",
            "Miljöövervakning",
            "Livsmedel",
            "Administration",
        ],
    ),
    "SBK": (
        "Stadsbyggnadskontoret",
        ["Bygglov", "Planering", "Geodata", "Digitala tjänster", "Kundcenter", "Administration"],
    ),
}
IMPROVING = {"SBK-4", "GRF-5"}  # Digitala tjänster, Skol-IT
DECLINING = {"HVO-2"}  # Hemtjänst Söder
TINY = {"SK-DSO": "Dataskyddsombud", "MF-LAB": "Laboratoriet"}


def _tree(year: int) -> list[tuple[str, str, str]]:
    rows = [("STAD", "Demo stad", "")]
    for code, (name, units) in FORVALTNINGAR.items():
        rows.append((code, name, "STAD"))
        for n, unit in enumerate(units, start=1):
            ucode = f"{code}-{n}"
            if year >= 2026 and ucode in ("MF-1", "MF-2"):
                continue
            rows.append((ucode, unit, code))
    if year >= 2026:
        rows.append(("MF-TILLSYN", "Tillsyn och inspektion", "MF"))
    rows += [(c, n, c.split("-")[0]) for c, n in TINY.items()]
    return rows


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _answers(q, rng: np.random.Generator, tree, year: int, n: int) -> tuple[list[str], list[list]]:  # type: ignore[no-untyped-def]
    leaves = [c for c, _, p in tree if p and p != "STAD"]
    weights = np.array([0.15 if c in TINY else 1.0 for c in leaves])
    counts = rng.multinomial(n, weights / weights.sum())
    counts = [3 if c in TINY else k for c, k in zip(leaves, counts, strict=True)]
    # Each unit's own level depends on its code only, so it stays put across years and
    # reorganisations; only the planted units move.
    effect = {c: np.random.default_rng(zlib.crc32(c.encode())).normal(0, 0.35) for c in leaves}
    step = YEARS.index(year)
    items = list(q.items)
    header = ["unit_code", "role", *items]
    rows: list[list] = []
    for code, k in zip(leaves, counts, strict=True):
        shift = effect[code]
        shift += 0.45 * step if code in IMPROVING else 0
        shift -= 0.45 * step if code in DECLINING else 0
        roles = rng.choice(["employee", "manager", "specialist"], size=k, p=[0.8, 0.12, 0.08])
        for role in roles:
            person = rng.normal(0, 0.6)
            row = [code, role]
            for item_id in items:
                item, cat = q.items[item_id]
                if role not in item.roles or rng.random() < 0.03:
                    row.append("")
                    continue
                if cat.scale.dont_know and rng.random() < 0.06:
                    row.append("dk")
                    continue
                mid = (cat.scale.min + cat.scale.max) / 2 + 0.3
                x = mid + shift + person + rng.normal(0, 0.8)
                x = cat.scale.min + cat.scale.max - x if item.reverse else x
                row.append(int(np.clip(round(x), cat.scale.min, cat.scale.max)))
            rows.append(row)
    return header, rows


def set_admin(session: Session) -> str:
    """Create or reset the demo administrator; return the new password."""
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if user is None:
        user = User(email=ADMIN_EMAIL, role="admin")
        session.add(user)
    user.password_hash = PasswordHasher().hash(password)
    user.session_token = secrets.token_hex(16)
    session.flush()
    return password


def load_demo(
    session: Session, seed: int = 2026, per_year: int = 4000, base_url: str = ""
) -> list[str]:
    """Load the demo city unless already there; return lines to print."""
    lines: list[str] = []
    if session.scalar(select(Round.id).where(Round.name == f"Mognad {YEARS[0]}")):
        lines.append("Demo data is already loaded; only the admin password is reset.")
    else:
        rng = np.random.default_rng(seed)
        with tempfile.TemporaryDirectory() as tmp:
            for year in YEARS:
                tree = _tree(year)
                import_org(
                    session,
                    year,
                    _write_csv(
                        Path(tmp) / f"org{year}.csv",
                        ["code", "name", "parent_code"],
                        [list(r) for r in tree],
                    ),
                )
                if year == 2026:
                    remap = [["MF-1", "MF-TILLSYN"], ["MF-2", "MF-TILLSYN"]] + [
                        [c, c] for c, _, _ in _tree(2025) if c not in ("MF-1", "MF-2")
                    ]
                    import_remap(
                        session,
                        year,
                        _write_csv(Path(tmp) / "remap.csv", ["old_code", "new_code"], remap),
                    )
                name = f"Mognad {year}"
                rnd = create_round(session, name, year, "malmo-digital", "invited")
                header, rows = _answers(
                    snapshot_questionnaire(session, rnd), rng, tree, year, per_year
                )
                import_responses(
                    session, name, _write_csv(Path(tmp) / f"r{year}.csv", header, rows)
                )
                invited = [
                    [f"person{i}@demo.mognad.se", r[0], r[1]] for i, r in enumerate(rows[:50])
                ]
                import_respondents(
                    session,
                    name,
                    _write_csv(Path(tmp) / f"i{year}.csv", ["email", "unit_code", "role"], invited),
                )
                move_round(session, name, "open")
                if year != YEARS[-1]:
                    move_round(session, name, "close")
                    move_round(session, name, "publish")
                lines.append(f"Loaded {name}: {len(tree)} units, {len(rows)} responses.")
    password = set_admin(session)
    lines.append(f"Admin login: {ADMIN_EMAIL} / {password}")
    if base_url:
        lines.append(f"Open {base_url}/ in a browser.")
        lines += demo_links(session, f"Mognad {YEARS[-1]}", base_url)
    return lines
