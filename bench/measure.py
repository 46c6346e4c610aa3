"""The measuring half of ``bench/submit.py``: timed HTTP requests by kind, percentiles, the CPU
time per request of gunicorn, PostgreSQL and this client (from ``/proc``), and the printed table.

Kept apart so that the script itself reads as what it does: set up, serve, rush, verify.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

KINDS = ("link", "welcome", "start", "page GET", "page POST", "review", "submit", "receipt")


def kind_of(method: str, path: str) -> str:
    if path.startswith("/s/"):
        return "link"
    if path.startswith("/survey/page/"):
        return f"page {method}"
    return {
        ("GET", "/survey"): "welcome",
        ("POST", "/survey/start"): "start",
        ("GET", "/survey/review"): "review",
        ("POST", "/survey/submit"): "submit",
        ("GET", "/survey/thanks"): "receipt",
        ("GET", "/"): "floor",
    }.get((method, path), f"{method} {path}")


class Stats:
    """Latencies per request kind and statuses, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[tuple[str, int | str]] = Counter()
        self.reasons: Counter[str] = Counter()  # what a connection error said

    def add(self, kind: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[(kind, status)] += 1

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.times.values())


class TimedClient:
    """``Browser``'s client over real HTTP: each hop of a redirect is one timed request."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.http = requests.Session()

    def _send(self, method: str, path: str, data: Any = None) -> SimpleNamespace:
        while True:
            kind = kind_of(method, path.split("?")[0])
            t0 = time.perf_counter()
            try:
                r = self.http.request(
                    method, self.base + path, data=data, allow_redirects=False, timeout=60
                )
            except requests.RequestException as e:
                self.stats.add(kind, time.perf_counter() - t0, type(e).__name__)
                with self.stats.lock:
                    self.stats.reasons[str(e)[:160]] += 1
                raise
            self.stats.add(kind, time.perf_counter() - t0, r.status_code)
            if r.status_code not in (301, 302, 303, 307, 308):
                return SimpleNamespace(
                    status_code=r.status_code,
                    get_data=lambda as_text=False, text=r.text: text,
                    request=SimpleNamespace(path=path.split("?")[0]),
                )
            path = requests.compat.urlsplit(r.headers["Location"]).path
            method, data = ("GET", None) if r.status_code in (301, 302, 303) else (method, data)

    def get(self, path: str, follow_redirects: bool = True) -> SimpleNamespace:
        return self._send("GET", path)

    def post(self, path: str, data: Any = None, follow_redirects: bool = True) -> SimpleNamespace:
        return self._send("POST", path, data)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    import numpy as np

    p = np.percentile(np.array(values) * 1000, [50, 95, 99])
    return float(p[0]), float(p[1]), float(p[2])


def report(stats: Stats, seconds: float, acknowledged: int, floor_rps: float) -> None:
    rps = stats.requests / seconds
    print(f"\nrush: {acknowledged} questionnaires in {seconds:.1f} s (load {load()})")
    print(f"  questionnaires/s {acknowledged / seconds:.2f}, requests/s {rps:.0f}")
    print(f"  floor (landing page) {floor_rps:.0f} requests/s; rush/floor {rps / floor_rps:.2f}")
    print(f"  {'kind':<10} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    everything: list[float] = []
    for kind in [*KINDS, *sorted(set(stats.times) - set(KINDS))]:
        if stats.times.get(kind):
            everything += stats.times[kind]
            p50, p95, p99 = percentiles(stats.times[kind])
            print(f"  {kind:<10} {len(stats.times[kind]):>8} {p50:>7.0f} {p95:>7.0f} {p99:>7.0f}")
    p50, p95, p99 = percentiles(everything)
    print(f"  {'all':<10} {len(everything):>8} {p50:>7.0f} {p95:>7.0f} {p99:>7.0f}")
    errors = {
        f"{k} {s}": n
        for (k, s), n in stats.statuses.items()
        if not (isinstance(s, int) and s < 400)
    }
    print(f"  errors by status: {errors or 'none'}")
    fives = sum(n for (_, s), n in stats.statuses.items() if isinstance(s, int) and s >= 500)
    print(f"  5xx: {fives}")
    for reason, n in stats.reasons.most_common(3):
        print(f"  connection error ×{n}: {reason}")


def cpu(pid: int | None) -> float:
    """CPU seconds used so far by process ``pid`` and its children (gunicorn's workers, or the
    PostgreSQL server's backends), from /proc; 0 when it is not ours to see."""
    if pid is None:
        return 0.0
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postmaster(server: Any) -> int | None:
    """The pid of the throw-away cluster's server process (None for another server)."""
    if server is None or server.process_dir is None:
        return None
    return int((server.process_dir / "data" / "postmaster.pid").read_text().split()[0])


def cpu_now(pid: int, db_pid: int | None) -> tuple[float, float, float]:
    return cpu(pid), time.process_time(), cpu(db_pid)


def cpu_line(before: tuple[float, float, float], requests: int, pid: int, db: int | None) -> str:
    app, client, database = (b - a for a, b in zip(before, cpu_now(pid, db), strict=True))
    ms = 1000 / max(requests, 1)
    pg = f"{database * ms:.1f} ms" if db is not None else "not measured"
    return (
        f"  CPU per request: gunicorn {app * ms:.1f} ms, PostgreSQL {pg},"
        f" this client {client * ms:.1f} ms ({requests} requests)"
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
