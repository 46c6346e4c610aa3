"""Start or attach to a real PostgreSQL for the tests (never a mock).

A throw-away cluster listens on a unix socket in its own folder and on no TCP port at all, so
nothing has to find a free port (and no other process can take it between the check and the
start): the port number only names the socket file, and each cluster has its own folder.
Several pytest workers each start their own cluster this way without meeting.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

# Names the socket file (.s.PGSQL.5432) in the cluster's own folder; no TCP port is opened.
SOCKET_PORT = 5432


@dataclass
class PostgresServer:
    base_url: str  # SQLAlchemy URL with {db} in place of the database name
    process_dir: Path | None = None
    run_as: list[str] = field(default_factory=list)
    bindir: Path | None = None
    options: str = ""  # the server options of a throw-away cluster (socket folder, no TCP)

    @property
    def restartable(self) -> bool:
        """Whether the tests may stop and start it (their own cluster, not a shared server)."""
        return self.process_dir is not None and self.bindir is not None

    def pg_ctl(self, action: str) -> None:
        """``pg_ctl restart``/``stop``/``start`` on the throw-away cluster, waiting until done.

        The server writes to its log file, never to this process's pipes (a started server
        holding them would keep ``subprocess.run`` waiting for ever).
        """
        assert self.process_dir and self.bindir, "only a throw-away cluster is restarted"
        subprocess.run(
            [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.process_dir / "data")]
            + ["-o", self.options, "-l", str(self.process_dir / "log"), "-m", "fast", "-w"]
            + [action],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=60,
        )

    def url(self, database: str) -> str:
        return self.base_url.format(db=database)

    def execute(self, sql: str) -> None:
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(sql))
        finally:
            engine.dispose()

    def stop(self) -> None:
        if self.process_dir and self.bindir:
            subprocess.run(
                [
                    *self.run_as,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.process_dir / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                check=False,
            )
            shutil.rmtree(self.process_dir, ignore_errors=True)


def _reachable(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


def _bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        path = Path(out.stdout.strip())
        if (path / "initdb").exists():
            return path
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def start_postgres() -> PostgresServer | None:
    """Use MOGNAD_TEST_POSTGRES_URL if set, else run a throw-away cluster; None if impossible."""
    url = os.environ.get("MOGNAD_TEST_POSTGRES_URL")
    if url:
        server = PostgresServer(url)
        return server if _reachable(server.url("postgres")) else None
    bindir = _bindir()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="mognad-pg-"))
    run_as: list[str] = []
    user = os.environ.get("USER", "")
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        user = "postgres"
        shutil.chown(root, "postgres")
    data = root / "data"
    port = SOCKET_PORT
    init = subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            user or "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return None
    opts = f"-k {root} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=300"
    start = subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    server = PostgresServer(
        f"postgresql+psycopg://{user or 'postgres'}@/{{db}}?host={root}&port={port}",
        process_dir=root,
        run_as=run_as,
        bindir=bindir,
        options=opts,
    )
    if start.returncode != 0:
        server.stop()
        return None
    for _ in range(50):
        if _reachable(server.url("postgres")):
            return server
        time.sleep(0.1)
    server.stop()
    return None


@contextmanager
def fresh_database(server: PostgresServer, template: str) -> Iterator[str]:
    """A new database copied from a migrated template, dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield server.url(name)
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
