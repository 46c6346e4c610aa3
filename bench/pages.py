"""Benchmark: server time of the results pages, the read API and the PDF on a large city.

Builds 25,000 respondents × 5 yearly rounds (the city of ``bench/analysis.py``: ≈ 465 units)
on PostgreSQL, closes and publishes every round, then times, through the Flask test client
(``time.perf_counter`` around each request, so server time without a network):

- the overview ``/dashboard/<id>/``, a drill-down ``/dashboard/<id>/units/<code>`` (a
  förvaltning) and the HR heatmap ``/dashboard/<id>/gaps``, signed in as an administrator;
- the API's aggregates of the last round, all rows and one unit's (``?unit=``);
- the PDF report (``survey.results.report.render_report(..., medium="pdf")`` + ``render_pdf``,
  as publishing builds it).

*Warm* is the same request repeated on one app (median and p95 of ``--repeat`` calls);
*cold* is the first request of a fresh app with the process's memory of figures emptied, as in
a process that just started without warming (the statistics and figures each round stored when
it closed stay); *started* is the first request of a fresh app warmed as gunicorn's
``post_worker_init`` warms a new worker (``survey.warm``), whose time is printed too. A page or
function that does not exist in this checkout is skipped with a note. Targets: pages and API
≤ 300 ms p95 warm and for a started worker's first request, the PDF ≤ 30 s.

    .venv/bin/python bench/pages.py [--respondents 25000] [--years 5] [--repeat 30] [--cold 5]

``--reuse`` keeps a database that an earlier run of the same size filled (``MOGNAD_DATABASE_URL``
pointing at a database that survives the run), so a change to the pages can be timed again
without the minutes of loading.

PostgreSQL is ``MOGNAD_DATABASE_URL`` (a database this script may fill; it is emptied first)
or a throw-away cluster started like the tests' (``tests/support/postgres.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analysis import FIRST_YEAR, answer_rows, org_rows, write  # noqa: E402

PAGE_TARGET = 0.300  # seconds, p95 warm
PDF_TARGET = 30.0
ADMIN = "bench-admin@example.org"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)
HEADERS: dict[str, str] = {}  # the API is read with an administrator's token when it can be


@contextmanager
def database() -> Iterator[str]:
    url = os.environ.get("MOGNAD_DATABASE_URL")
    if url:
        yield url
        return
    from tests.support.postgres import start_postgres

    server = start_postgres()
    if server is None:
        raise SystemExit("no PostgreSQL: set MOGNAD_DATABASE_URL or install the server package")
    try:
        server.execute("CREATE DATABASE mognad_bench_pages")
        yield server.url("mognad_bench_pages")
    finally:
        server.stop()


def make_app(url: str) -> Any:
    from survey import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-" + "0123456789abcdef" * 2,
            "RATELIMIT_ENABLED": False,
        }
    )


def invoke(app: Any, *args: str) -> str:
    """Run a `mognad` command in its own application context, as the console script does."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise SystemExit(f"mognad {' '.join(args)} failed:\n{result.output}{result.exception!r}")
    return str(result.output)


def build(
    url: str, respondents: int, years: int, tmp: Path, publish: bool
) -> tuple[list[str], str]:
    """Migrate, load ``years`` rounds, close (and publish) them; return the round names and a
    förvaltning's code for the drill-down."""
    from flask_migrate import downgrade, upgrade

    app = make_app(url)
    with app.app_context():
        downgrade(revision="base")
        upgrade()
    org = org_rows()
    leaves = [r[0] for r in org[1:] if r[2] not in ("", "CITY")]
    names = []
    start = time.perf_counter()
    for y in range(years):
        year = FIRST_YEAR + y
        name = f"Bench {year}"
        names.append(name)
        org_file = write(tmp / f"org{year}.csv", org)
        answers = write(tmp / f"answers{year}.csv", answer_rows(y, respondents, leaves, year))
        invoke(app, "org", "import", "--year", str(year), str(org_file))
        invoke(
            app, "round", "create", name, "--year", str(year), "--questionnaire", "malmo-digital"
        )
        invoke(app, "responses", "import", name, str(answers))
        for move in ("open", "close", "publish") if publish else ("open", "close"):
            invoke(app, "round", move, name)
    print(
        f"load: {years} rounds × {respondents} respondents in {time.perf_counter() - start:.0f} s"
    )
    invoke(app, "user", "create", ADMIN, "--role", "admin")
    dispose(app)
    department = next(r[0] for r in org[1:] if r[2] == "CITY")
    return names, department


def loaded(url: str, years: int) -> tuple[list[str], str] | None:
    """The round names and drill-down unit of an earlier run's database, if it has them all."""
    from survey.extensions import db
    from survey.models import Round

    names = [f"Bench {FIRST_YEAR + y}" for y in range(years)]
    app = make_app(url)
    try:
        with app.app_context():
            found = db.session.scalars(sa.select(Round.name).where(Round.name.in_(names))).all()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        dispose(app)
    if len(found) != len(names):
        return None
    department = next(r[0] for r in org_rows()[1:] if r[2] == "CITY")
    return names, department


def signed_in(app: Any) -> Any:
    """A test client with an administrator's session (as ``login_user`` leaves it)."""
    from survey.extensions import db
    from survey.models import User

    with app.app_context():
        token = db.session.scalar(sa.select(User.session_token).where(User.email == ADMIN))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


Measure = Callable[[Any], None]  # one timed call on an app


def get(url: str, staff: bool) -> Measure:
    def call(app: Any) -> None:
        client = signed_in(app) if staff else app.test_client()
        start = time.perf_counter()
        response = client.get(url, headers=None if staff else HEADERS)
        response.get_data()  # the whole body, as a server would write it
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        call.times.append(elapsed)  # type: ignore[attr-defined]

    call.times = []  # type: ignore[attr-defined]
    return call


def pdf(name: str) -> Measure:
    def call(app: Any) -> None:
        from survey.extensions import db
        from survey.results.report import render_pdf, render_report
        from survey.services.report import round_figures

        with app.test_request_context("/"):
            start = time.perf_counter()
            figures = round_figures(db.session(), name, app.config["K_ANONYMITY"])
            data = render_pdf(render_report(figures, medium="pdf"))
            elapsed = time.perf_counter() - start
        if not data.startswith(b"%PDF"):
            raise RuntimeError("render_pdf returned no PDF")
        call.times.append(elapsed)  # type: ignore[attr-defined]

    call.times = []  # type: ignore[attr-defined]
    return call


def measurements(
    app: Any, name: str, department: str, skip_pdf: bool
) -> list[tuple[str, float, Any]]:
    """(label, target, factory of a Measure) for every target this checkout has."""
    from survey.extensions import db
    from survey.models import Round

    with app.app_context():
        round_id = db.session.scalar(sa.select(Round.id).where(Round.name == name))
    have = set(app.view_functions)
    wanted: list[tuple[str, float, Any]] = []
    for label, endpoint, path in (
        ("overview", "dashboard.overview", f"/dashboard/{round_id}/"),
        ("drill-down", "dashboard.unit", f"/dashboard/{round_id}/units/{department}"),
        ("HR heatmap", "dashboard.gaps", f"/dashboard/{round_id}/gaps"),
    ):
        if endpoint in have:
            wanted.append((label, PAGE_TARGET, lambda p=path: get(p, staff=True)))
        else:
            print(f"skipped {label}: no endpoint {endpoint} in this checkout")
    api = f"/api/v1/rounds/{round_id}/aggregates"
    if "api.aggregates" in have:
        wanted.append(("API aggregates (all rows)", PAGE_TARGET, lambda: get(api, staff=False)))
        wanted.append(
            ("API aggregates (?unit=)", PAGE_TARGET, lambda: get(f"{api}?unit={department}", False))
        )
    else:
        print("skipped API: no endpoint api.aggregates in this checkout")
    try:
        from survey.results.report import render_pdf, render_report  # noqa: F401
    except ImportError:
        print("skipped PDF: survey.results.report.render_pdf is not in this checkout")
    else:
        if skip_pdf:
            print("skipped PDF: --skip-pdf")
        else:
            wanted.append(("PDF report", PDF_TARGET, lambda: pdf(name)))
    return wanted


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def dispose(app: Any) -> None:
    from survey.extensions import db

    with app.app_context():
        db.engine.dispose()


def started(url: str) -> Any:
    """A fresh app warmed as gunicorn's ``post_worker_init`` warms a new worker."""
    from survey.services import memo
    from survey.warm import warm

    memo.forget()
    fresh = make_app(url)
    start = time.perf_counter()
    warm(fresh)
    WARMUPS.append(time.perf_counter() - start)
    return fresh


WARMUPS: list[float] = []


def run(url: str, name: str, department: str, repeat: int, cold: int, skip_pdf: bool) -> None:
    from survey.services import memo

    app = make_app(url)
    token = TOKEN.search(invoke(app, "token", "create", ADMIN, "--name", f"bench {time.time()}"))
    if token is not None:
        HEADERS["Authorization"] = f"Bearer {token.group(0)}"
    print(
        f"\nround {name!r}, drill-down unit {department}; warm: {repeat} calls, cold: {cold} apps"
    )
    print(
        f"{'':28} {'warm median':>12} {'warm p95':>10} {'cold median':>12} {'cold max':>10} "
        f"{'started max':>12}  target"
    )
    for label, target, factory in measurements(app, name, department, skip_pdf):
        warm_call, cold_call, started_call = factory(), factory(), factory()
        n = repeat if target < 1 else max(2, repeat // 10)
        try:
            warm_call(app)  # the first call is the cold one of this app: not counted as warm
            for _ in range(n):
                warm_call(app)
            for _ in range(cold if target < 1 else 1):
                memo.forget()
                fresh = make_app(url)
                cold_call(fresh)
                dispose(fresh)
                if target < 1:  # the first request of a worker started as gunicorn starts it
                    fresh = started(url)
                    started_call(fresh)
                    dispose(fresh)
        except Exception as e:  # one broken page must not cost the others' figures
            print(f"{label:28} failed: {type(e).__name__}: {e}")
            continue
        w, c, s = warm_call.times[1:], cold_call.times, started_call.times or [0.0]
        verdict = "ok" if max(p95(w), max(s)) <= target else "OVER"
        print(
            f"{label:28} {statistics.median(w) * 1000:10.0f}ms {p95(w) * 1000:8.0f}ms "
            f"{statistics.median(c) * 1000:10.0f}ms {max(c) * 1000:8.0f}ms "
            f"{max(s) * 1000:10.0f}ms  ≤ {target * 1000:.0f} ms p95 warm and started: {verdict}"
        )
    if WARMUPS:
        print(f"warming a started worker (survey.warm): median {statistics.median(WARMUPS):.1f} s")
    dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=25_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30, help="warm calls per measurement")
    parser.add_argument("--cold", type=int, default=5, help="fresh apps per measurement")
    parser.add_argument(
        "--no-publish",
        action="store_true",
        help="only close the rounds (publishing may build each round's report); the API is then "
        "read with an administrator's token",
    )
    parser.add_argument("--skip-pdf", action="store_true", help="do not time the PDF")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the rounds an earlier run left in the database"
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with database() as url, tempfile.TemporaryDirectory() as tmp:
        found = loaded(url, args.years) if args.reuse else None
        if found is None:
            found = build(url, args.respondents, args.years, Path(tmp), not args.no_publish)
        else:
            print("reusing the rounds already in the database")
        names, department = found
        run(url, names[-1], department, args.repeat, args.cold, args.skip_pdf)


if __name__ == "__main__":
    main()
