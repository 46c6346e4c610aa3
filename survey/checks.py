"""What `mognad check` verifies before (and while) an installation serves people.

Each check looks at one thing an operator can get wrong and returns one line: OK with what it
found, or what to fix. A check never changes anything (no migration, no file mode, no mail
sent) and never prints a secret: the command is meant to run in the same environment as the
server, as the same user, after every change of configuration and before an upgrade.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from survey.config import DEV_SECRET_KEY, secret_key_problem
from survey.database import safe_url, unreachable
from survey.extensions import db

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_LISTED = 5  # files with too open modes named in one line


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool | None  # None: skipped
    detail: str


Check = Callable[[Flask], Outcome]


def secret_key(app: Flask) -> Outcome:
    """The rule the server applies at start (survey/config.py), for the key and the previous one."""
    keys = {"SECRET_KEY": app.config.get("SECRET_KEY")}
    if keys["SECRET_KEY"] == DEV_SECRET_KEY and not os.environ.get("MOGNAD_SECRET_KEY"):
        keys["SECRET_KEY"] = None  # the command's own fallback, not a key anyone set
    if app.config.get("SECRET_KEY_PREVIOUS"):
        keys["SECRET_KEY_PREVIOUS"] = app.config["SECRET_KEY_PREVIOUS"]
    problems = []
    for name, key in keys.items():
        problem = secret_key_problem(key)
        if problem:
            problems.append(problem.replace("MOGNAD_SECRET_KEY", f"MOGNAD_{name}", 1))
    if problems:
        fix = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        return Outcome("secret key", False, "; ".join(problems) + f"; {fix}")
    return Outcome("secret key", True, "long and random")


def base_url(app: Flask) -> Outcome:
    """Links in invitations point here: it must be set, and https unless on this machine only."""
    url = str(app.config.get("BASE_URL") or "")
    if not os.environ.get("MOGNAD_BASE_URL") and url == "http://127.0.0.1:5000":
        return Outcome(
            "base URL",
            False,
            f"MOGNAD_BASE_URL is not set: links in mail would point to {url}",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome("base URL", False, f"MOGNAD_BASE_URL is not an http(s) address: {url!r}")
    if parts.scheme != "https" and parts.hostname not in LOOPBACK:
        return Outcome("base URL", False, f"{url} must use https (links carry personal tokens)")
    local = " (this machine only)" if parts.hostname in LOOPBACK else ""
    return Outcome("base URL", True, url + local)


def database(app: Flask) -> Outcome:
    """Reachable, and migrated to the newest revision this release knows."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    where = safe_url(db.engine.url)
    problem = unreachable(db.engine)
    if problem:
        return Outcome("database", False, problem)
    heads = set(ScriptDirectory(str(Path(__file__).parent / "migrations")).get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current != heads:
        have = f"revision {', '.join(sorted(current))}" if current else "not migrated"
        return Outcome(
            "database",
            False,
            f"{where} is {have}, this release needs {', '.join(sorted(heads))}: "
            "take a backup, then run `mognad db upgrade`",
        )
    return Outcome("database", True, f"{where}, migrated (revision {', '.join(heads)})")


def smtp(app: Flask) -> Outcome:
    from survey.mail import MailError, connect, settings_from_config

    try:
        settings = settings_from_config(app.config, app.instance_path)
        if settings.uses_outbox:
            return Outcome("mail", True, f"no SMTP_HOST: messages go to {settings.outbox}")
        with connect(settings):
            pass
    except MailError as e:  # MailConfigError included
        return Outcome("mail", False, str(e))
    return Outcome("mail", True, f"{settings.describe()} answers and accepts the login")


def pdf(app: Flask) -> Outcome:
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as e:  # OSError: Pango or HarfBuzz missing
        return Outcome(
            "PDF",
            False,
            f"WeasyPrint cannot be loaded ({e}); install libpango-1.0-0, "
            "libpangoft2-1.0-0 and libharfbuzz-subset0",
        )
    return Outcome("PDF", True, f"WeasyPrint {weasyprint.__version__}")


def k_settings(app: Flask) -> Outcome:
    """The other minimum group sizes only ever add protection to k; below k they do nothing."""
    k = int(app.config["K_ANONYMITY"])
    others = {name: int(app.config[name]) for name in ("K_OPEN", "K_TEXT", "K_HOMOGENEOUS")}
    low = [
        f"MOGNAD_{name}={v} is below MOGNAD_K_ANONYMITY={k}" for name, v in others.items() if v < k
    ]
    if low:
        return Outcome("k settings", False, "; ".join(low) + " (raise it to at least k)")
    shown = ", ".join(f"{n.removeprefix('K_').lower()} {v}" for n, v in others.items())
    return Outcome("k settings", True, f"k {k}, {shown}")


def file_modes(app: Flask) -> Outcome:
    """The instance folder holds the database, the outbox, exports and previews: the server's
    user alone may read them (folders 0700, files 0600)."""
    folder = Path(app.instance_path)
    paths = list(_walk(folder)) if folder.is_dir() else []
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database_file = Path(url.database)
        for path in (database_file, database_file.parent):
            if path.exists() and folder not in (path, *path.parents):
                paths.append(path)
    too_open = [p for p in paths if stat.S_IMODE(p.lstat().st_mode) & 0o077]
    if too_open:
        listed = ", ".join(f"{p} ({stat.S_IMODE(p.lstat().st_mode):o})" for p in too_open)
        more = len(too_open) - MAX_LISTED
        if more > 0:
            listed = ", ".join(listed.split(", ")[:MAX_LISTED]) + f" and {more} more"
        return Outcome(
            "file modes",
            False,
            f"readable by others: {listed}; run chmod -R go-rwx {folder}",
        )
    if not folder.is_dir():
        return Outcome("file modes", True, f"{folder} does not exist yet (made 0700 on start)")
    return Outcome("file modes", True, f"{folder}: {len(paths)} files and folders, owner only")


def _walk(folder: Path) -> Iterator[Path]:
    yield folder
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            yield Path(root) / name


def worker(app: Flask) -> Outcome:
    return Outcome(
        "worker", None, "not checked from here: run `mognad worker` beside the web server"
    )


CHECKS: tuple[Check, ...] = (
    secret_key,
    base_url,
    database,
    smtp,
    pdf,
    k_settings,
    file_modes,
    worker,
)


def run_checks(app: Flask) -> list[Outcome]:
    """Every check, each on its own (one failing does not hide the others)."""
    outcomes = []
    for check in CHECKS:
        try:
            outcomes.append(check(app))
        except Exception as e:  # a check that breaks is itself something to fix
            name = check.__name__.replace("_", " ")
            outcomes.append(Outcome(name, False, f"the check failed: {type(e).__name__}: {e}"))
    return outcomes
