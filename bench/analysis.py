"""Benchmark: a city of 25,000 respondents × 5 yearly rounds, then `mognad report` end to end.

Prints load time, and the report's wall time and peak memory (RSS of a fresh process), on
SQLite and, when a PostgreSQL is available, on PostgreSQL. Target on 2 cores: ≤ 5 s, ≤ 1 GB.

    .venv/bin/python bench/analysis.py [--respondents 25000] [--years 5] [--db sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.instruments import load_questionnaire  # noqa: E402

QUESTIONNAIRE = ROOT / "questionnaires" / "malmo-digital.yaml"
FIRST_YEAR = 2022


def org_rows(n_forv: int = 15, per_forv: int = 30) -> list[list[str]]:
    """About 15 förvaltningar × 30 units (≈ 465 units), as in a large Swedish city."""
    rows = [["code", "name", "parent_code"], ["CITY", "Staden", ""]]
    for f in range(n_forv):
        rows.append([f"F{f:02d}", f"Förvaltning {f}", "CITY"])
        for u in range(per_forv):
            rows.append([f"F{f:02d}-{u:02d}", f"Enhet {f}.{u}", f"F{f:02d}"])
    return rows


def answer_rows(year_index: int, n: int, leaves: list[str], seed: int) -> list[list[object]]:
    q = load_questionnaire(QUESTIONNAIRE)
    rng = np.random.default_rng(seed)
    items = list(q.items)
    roles = rng.choice(["employee", "manager", "specialist"], size=n, p=[0.8, 0.12, 0.08])
    units = rng.choice(leaves, size=n)
    unit_effect = dict(
        zip(leaves, np.random.default_rng(1).normal(0, 0.3, len(leaves)), strict=True)
    )
    rows: list[list[object]] = [["unit_code", "role", *items]]
    noise = rng.normal(0, 1.0, size=(n, len(items)))
    person = rng.normal(0, 0.6, size=n)
    for r in range(n):
        role, unit = roles[r], units[r]
        base = 3.3 + unit_effect[unit] + person[r] + 0.1 * year_index
        row: list[object] = [unit, role]
        for j, item_id in enumerate(items):
            item, cat = q.items[item_id]
            if role not in item.roles:
                row.append("")
                continue
            if cat.scale.dont_know and noise[r, j] > 1.9:
                row.append("dk")
                continue
            x = base + noise[r, j]
            x = cat.scale.min + cat.scale.max - x if item.reverse else x
            row.append(int(min(max(round(x), cat.scale.min), cat.scale.max)))
        rows.append(row)
    return rows


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def mognad(env: dict[str, str], *args: str) -> tuple[float, int]:
    """Run a mognad command in a fresh process; return (wall seconds, peak RSS in MB)."""
    code = (
        "import resource, sys; from survey.cli import main; sys.argv = ['mognad', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n"
        "    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    print(f'PEAK_RSS_KB={r}', file=sys.stderr); raise\n"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"mognad {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    peak = next(int(x.split("=")[1]) for x in proc.stderr.split() if x.startswith("PEAK_RSS_KB="))
    return wall, peak // 1024


def run(db: str, url: str, respondents: int, years: int, tmp: Path) -> None:
    env = {**os.environ, "MOGNAD_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    mognad(env, "db", "upgrade")
    org = org_rows()
    leaves = [r[0] for r in org[1:] if r[2] not in ("", "CITY")]
    load = 0.0
    for y in range(years):
        year = FIRST_YEAR + y
        org_file = write(tmp / f"org{year}.csv", org)
        answers = write(tmp / f"answers{year}.csv", answer_rows(y, respondents, leaves, year))
        name = f"Bench {year}"
        for args in (
            ("org", "import", "--year", str(year), str(org_file)),
            ("round", "create", name, "--year", str(year), "--questionnaire", "malmo-digital"),
            ("responses", "import", name, str(answers)),
            ("round", "open", name),
            ("round", "close", name),
        ):
            load += mognad(env, *args)[0]
    print(f"[{db}] load: {years} rounds × {respondents} respondents in {load:.1f} s")
    last = f"Bench {FIRST_YEAR + years - 1}"
    # Closing a round stores its statistics, so a report on closed rounds reads them (warm).
    # The cold figure drops that store first and scans both rounds' answers again, as a report
    # on a round that is still receiving answers must.
    warm = [mognad(env, "report", last, "--out", str(tmp / "report")) for _ in range(3)]
    drop_cache(url)
    cold = mognad(env, "report", last, "--out", str(tmp / "report"))
    print(
        f"[{db}] report {last} vs previous year (closed rounds): "
        f"{', '.join(f'{w[0]:.2f}' for w in warm)} s, peak RSS {max(w[1] for w in warm)} MB "
        f"(target ≤ 5 s, ≤ 1024 MB)"
    )
    print(
        f"[{db}] report, cold (scans both rounds' answers): {cold[0]:.2f} s, peak RSS {cold[1]} MB"
    )


def drop_cache(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM round_statistics"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=25_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--keep", type=Path, help="keep the SQLite database in this folder")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"max RSS limit {resource.getrlimit(resource.RLIMIT_AS)[0]}"
    )
    for db in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            if db == "sqlite":
                folder = args.keep or tmp
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "bench.db").unlink(missing_ok=True)
                run(db, f"sqlite:///{folder / 'bench.db'}", args.respondents, args.years, tmp)
            elif db == "postgresql":
                sys.path.insert(0, str(ROOT))
                from tests.pg import start_postgres

                server = start_postgres()
                if server is None:
                    print("[postgresql] skipped: no PostgreSQL server could be started")
                    continue
                try:
                    server.execute("DROP DATABASE IF EXISTS mognad_bench")
                    server.execute("CREATE DATABASE mognad_bench")
                    run(db, server.url("mognad_bench"), args.respondents, args.years, tmp)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()
