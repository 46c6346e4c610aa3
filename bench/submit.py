"""Benchmark: the morning rush — N invited respondents answering the whole questionnaire over HTTP.

Builds an invited round of ``--respondents`` people on the demo's questionnaire (the small
organisation of the tests, people spread over its units and roles), issues their personal
links with ``mognad links``, and serves the site with gunicorn exactly as ``docs/deploy.md``
starts it (``-c python:survey.gunicorn_conf -k gthread``, ``--workers``/``--threads``, real
HTTP on 127.0.0.1). Then, from this process:

1. **the floor**: ``--concurrency`` clients fetch the landing page ``/`` for ``--floor-seconds``;
2. **the rush**: as many virtual respondents at a time (threads, one ``requests.Session`` each,
   keep-alive, redirects followed by hand so each hop is timed) follow their link and answer
   every page as a browser without JavaScript would (GET the form, POST it with its CSRF token),
   through the review to the submission and the receipt.

It prints questionnaires/s, requests/s, p50/p95/p99 per request kind, errors by status and
the rush's requests/s as a share of the floor (same client, same server, same run), with the
load average. Then it verifies with the database that every acknowledged questionnaire (a
receipt page was shown) is stored exactly once: during fieldwork a submission is a sealed
*ballot* (``docs/privacy.md``: no response exists before the close, and a ballot is not linked
to its invitation), so it checks that the set of completed invitations is exactly the set of
acknowledged links (by token digest) and that the round's ballots number exactly as many.
``--close`` then closes the round (what the close job runs) and counts the responses.

``--restart-db-after S`` restarts the throw-away PostgreSQL cluster (``pg_ctl restart``) S
seconds into the rush. ``--py-spy FILE`` records a flame graph of the gunicorn workers during
the rush (``py-spy record --subprocesses``). ``--database sqlite`` serves one SQLite file in
WAL mode instead.

    .venv/bin/python bench/submit.py [--respondents 10000] [--concurrency 32] [--workers 4]
        [--threads 4] [--database postgresql|sqlite] [--restart-db-after S] [--close]

PostgreSQL is ``MOGNAD_DATABASE_URL`` (an empty database this script may fill) or a throw-away
cluster started like the tests' (``tests/support/postgres.py``), which is the only one it restarts.
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import (  # noqa: E402
    Stats,
    TimedClient,
    cpu_line,
    cpu_now,
    load,
    postmaster,
    report,
)
from tests.support.forms import Browser  # noqa: E402

KEY = "k7Qz-9vLp2Xw4Rt8Ns6Ym1Bc3Df5Gh0Jq_Ue7Wa2Zx9Lk4Mn8Po1"  # strong enough for gunicorn_conf
ROUND = "Rusning"
THANKS = "Tack för dina svar!"
UNITS = ("EDU-A", "EDU-B", "CARE")


def respond(base: str, link: str, stats: Stats) -> bool:
    """One respondent: link → welcome → every page → review → submit → receipt."""
    browser = Browser(TimedClient(base, stats))
    page = browser.get(link)
    if page.status != 200:
        return False
    browser.walk_to_review(choose="first")
    return browser.press("Skicka in svaren").h1 == THANKS


def rush(base: str, links: list[str], concurrency: int, stats: Stats) -> tuple[set[str], float]:
    """Every link answered by ``concurrency`` threads; the acknowledged links and the seconds."""
    todo: queue.Queue[str] = queue.Queue()
    for link in links:
        todo.put(link)
    acknowledged: set[str] = set()
    failed: Counter[str] = Counter()

    def work() -> None:
        while True:
            try:
                link = todo.get_nowait()
            except queue.Empty:
                return
            try:
                if respond(base, link, stats):
                    acknowledged.add(link)
                else:
                    failed["no receipt"] += 1
            except (AssertionError, requests.RequestException) as e:
                failed[type(e).__name__] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        print(f"  respondents without a receipt: {dict(failed)}")
    return acknowledged, time.perf_counter() - t0


def floor(base: str, concurrency: int, seconds: float, stats: Stats) -> float:
    """Requests/s on the landing page with the same client and concurrency."""
    stop = time.perf_counter() + seconds

    def work() -> None:
        client = TimedClient(base, stats)
        while time.perf_counter() < stop:
            client.get("/")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats.requests / (time.perf_counter() - t0)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[tuple[str, Any]]:
    """The database URL and the throw-away PostgreSQL server (None when not restartable)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'mognad.db'}", None
        return
    url = os.environ.get("MOGNAD_DATABASE_URL")
    if url:
        yield url, None
        return
    from tests.support.postgres import start_postgres

    server = start_postgres()
    if server is None:
        raise SystemExit("no PostgreSQL: set MOGNAD_DATABASE_URL or install the server package")
    try:
        server.execute("CREATE DATABASE mognad_bench_submit")
        yield server.url("mognad_bench_submit"), server
    finally:
        server.stop()


def prepare(url: str, n: int, folder: Path) -> list[str]:
    """Migrate, load the org and an open invited round of ``n`` people; their link paths."""
    from flask_migrate import upgrade

    from analysis.roles import ROLES
    from survey import create_app
    from survey.extensions import db
    from tests.support import factory

    app = factory.commands(create_app({"DATABASE_URL": url, "SECRET_KEY": KEY}))
    with app.app_context():
        upgrade()
        if url.startswith("sqlite"):
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # kept in the file
        db.engine.dispose()
    runner = app.test_cli_runner()
    write = factory.csv_writer(folder)
    factory.create_round(runner, write, name=ROUND, status="draft")
    people = [(f"p{i:05d}@example.org", UNITS[i % 3], ROLES[i % len(ROLES)]) for i in range(n)]
    factory.invite(runner, write, ROUND, people, status="open")
    rows = factory.issue_links(runner, folder / "links.csv", ROUND)
    with app.app_context():
        db.engine.dispose()
    return [requests.compat.urlsplit(r["url"]).path for r in rows]


@contextmanager
def gunicorn(url: str, folder: Path, workers: int, threads: int) -> Iterator[tuple[str, int]]:
    """gunicorn as docs/deploy.md starts it, on a port it picks; its base URL and master pid."""
    from tests.support.servers import LISTENING

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MOGNAD_SECRET_KEY": KEY,
        "MOGNAD_DATABASE_URL": url,
        "MOGNAD_INSTANCE_PATH": str(folder),
    }
    exe = Path(sys.executable).with_name("gunicorn")
    command = [str(exe), "-c", "python:survey.gunicorn_conf", "-w", str(workers), "-k", "gthread"]
    command += ["--threads", str(threads), "-b", "127.0.0.1:0", "--timeout", "120"]
    log = folder / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "survey:create_app()"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 60
            while not (found := LISTENING.search(log.read_text(errors="replace"))):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{found.group(1)}", proc.pid
        finally:
            proc.terminate()
            proc.wait(30)


def verify(url: str, links: list[str], acknowledged: set[str], close: bool, folder: Path) -> bool:
    """Every acknowledged questionnaire stored exactly once (see the module docstring)."""
    from survey.tokens import token_hash

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rid = conn.execute(sa.text("SELECT id FROM rounds WHERE name = :n"), {"n": ROUND}).scalar()
        q = "SELECT token_hash FROM invitations WHERE round_id = :r AND status = 'completed'"
        completed = set(conn.execute(sa.text(q), {"r": rid}).scalars())
        q = "SELECT count(*) FROM ballots WHERE round_id = :r"
        ballots = conn.execute(sa.text(q), {"r": rid}).scalar_one()
    engine.dispose()
    expected = {token_hash(link.removeprefix("/s/")) for link in acknowledged}
    lost, extra = len(expected - completed), len(completed - expected)
    ok = lost == 0 and extra == 0 and ballots == len(expected)
    print(f"\nverified: {len(acknowledged)} acknowledged of {len(links)}; completed invitations")
    print(f"  {len(completed)} ({lost} acknowledged not completed, {extra} completed not")
    print(f"  acknowledged); ballots {ballots} (exactly once: {ballots == len(expected)})")
    if close:
        ok = closed_responses(url, len(expected)) and ok
    print("  OK: every acknowledged questionnaire is stored exactly once" if ok else "  FAILED")
    return ok


def closed_responses(url: str, expected: int) -> bool:
    from survey import create_app
    from survey.extensions import db
    from tests.support import factory

    app = factory.commands(create_app({"DATABASE_URL": url, "SECRET_KEY": KEY}))
    t0 = time.perf_counter()
    factory.close_round(app.test_cli_runner(), ROUND)
    with app.app_context():
        q = "SELECT count(*) FROM responses r JOIN rounds o ON o.id = r.round_id WHERE o.name = :n"
        responses = db.session.execute(sa.text(q), {"n": ROUND}).scalar_one()
        db.engine.dispose()
    print(f"  closed in {time.perf_counter() - t0:.1f} s: {responses} responses")
    return bool(responses == expected)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--respondents", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--floor-seconds", type=float, default=15)
    ap.add_argument("--restart-db-after", type=float, default=None, metavar="S")
    ap.add_argument("--close", action="store_true", help="close the round and count responses")
    ap.add_argument("--py-spy", type=Path, default=None, metavar="SVG")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mognad-rush-") as tmp:
        folder = Path(tmp)
        with database(args.database, folder) as (url, server):
            if args.restart_db_after is not None and server is None:
                raise SystemExit("--restart-db-after needs the throw-away PostgreSQL cluster")
            t0 = time.perf_counter()
            links = prepare(url, args.respondents, folder)
            print(f"prepared {len(links)} links in {time.perf_counter() - t0:.0f} s")
            with gunicorn(url, folder, args.workers, args.threads) as (base, pid):
                print(f"gunicorn -w {args.workers} --threads {args.threads} at {base}")
                floor(base, args.concurrency, 2, Stats())  # warm every worker
                db_pid = postmaster(server)
                before = cpu_now(pid, db_pid)
                floor_stats = Stats()
                floor_rps = floor(base, args.concurrency, args.floor_seconds, floor_stats)
                print(f"floor: {floor_rps:.0f} requests/s on / (load {load()})")
                print(cpu_line(before, floor_stats.requests, pid, db_pid))
                before = cpu_now(pid, db_pid)
                spy = profile(pid, args.py_spy)
                if args.restart_db_after is not None:
                    restart = threading.Timer(args.restart_db_after, restart_db, (server,))
                    restart.start()
                stats = Stats()
                acknowledged, seconds = rush(base, links, args.concurrency, stats)
                if spy is not None:
                    spy.send_signal(2)  # py-spy writes its flame graph on SIGINT
                    spy.wait(60)
                report(stats, seconds, len(acknowledged), floor_rps)
                if args.restart_db_after is not None:  # a restart replaces the server process
                    before, db_pid = (*before[:2], 0.0), None
                print(cpu_line(before, stats.requests, pid, db_pid))
            ok = verify(url, links, acknowledged, args.close, folder)
    sys.exit(0 if ok else 1)


def restart_db(server: Any) -> None:
    t0 = time.perf_counter()
    server.pg_ctl("restart")
    print(f"  PostgreSQL restarted (pg_ctl restart took {time.perf_counter() - t0:.1f} s)")


def profile(pid: int, out: Path | None) -> subprocess.Popen[bytes] | None:
    if out is None:
        return None
    exe = Path(sys.executable).with_name("py-spy")
    command = [str(exe), "record", "--subprocesses", "--pid", str(pid), "-o", str(out)]
    if out.suffix == ".txt":  # collapsed stacks, one line per stack, for reading by script
        command += ["--format", "raw"]
    return subprocess.Popen([*command, "--rate", "50"], stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
