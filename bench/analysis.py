"""Benchmark: a city of 25,000 respondents × 5 yearly rounds, then `mognad report` end to end.

Prints load time, and the report's wall time and peak memory (RSS of a fresh process), on
SQLite and, when a PostgreSQL is available, on PostgreSQL. Target on 2 cores: ≤ 5 s, ≤ 1 GB.

    .venv/bin/python bench/analysis.py [--respondents 25000] [--years 5] [--db sqlite,postgresql]

PostgreSQL is the server named by ``--postgres`` (a SQLAlchemy URL with ``{db}`` where the
database name goes, as ``MOGNAD_TEST_POSTGRES_URL``), or the one libpq's ``PG*`` variables
name, e.g. a throw-away cluster from Debian's ``pg_virtualenv``:

    pg_virtualenv .venv/bin/python bench/analysis.py
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
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.instruments import load_questionnaire  # noqa: E402
from analysis.synthetic import Plan, grid_org, response_rows  # noqa: E402

QUESTIONNAIRE = ROOT / "questionnaires" / "malmo-digital.yaml"
FIRST_YEAR = 2022


def org_rows() -> list[list[str]]:
    """About 15 förvaltningar × 30 units (≈ 465 units), as in a large Swedish city."""
    return [["code", "name", "parent_code"], *map(list, grid_org(15, 30))]


def answer_rows(year_index: int, n: int, leaves: list[str], seed: int) -> list[list[object]]:
    """``n`` respondents spread evenly over ``leaves``; every unit improves a little each year."""
    q = load_questionnaire(QUESTIONNAIRE)
    plan = Plan(trend=dict.fromkeys(leaves, 0.1), unit_sd=0.3, noise_sd=1.0, dont_know=0.03)
    header, rows = response_rows(q, leaves, n, np.random.default_rng(seed), plan, year_index)
    return [header, *rows]


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
    parser.add_argument(
        "--postgres",
        default=os.environ.get("MOGNAD_BENCH_POSTGRES_URL")
        or ("postgresql+psycopg:///{db}" if os.environ.get("PGHOST") else None),
        help="SQLAlchemy URL of a PostgreSQL server, {db} in place of the database name",
    )
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
                if not args.postgres:
                    print("[postgresql] skipped: no server (--postgres URL, or pg_virtualenv)")
                    continue
                admin = sa.create_engine(args.postgres.format(db="postgres"))
                with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(sa.text("DROP DATABASE IF EXISTS mognad_bench"))
                    conn.execute(sa.text("CREATE DATABASE mognad_bench"))
                admin.dispose()
                run(db, args.postgres.format(db="mognad_bench"), args.respondents, args.years, tmp)


if __name__ == "__main__":
    main()
