"""gunicorn settings for Mognad: ``gunicorn -c python:survey.gunicorn_conf wsgi:app``.

An access log line normally carries the request path, and the path of a personal link is the
person's token; with the time and address next to it, the log would tie people to requests.
Here every access and error log line passes through the same redaction as the app's own logs
(``/s/[redacted]``, ``/o/<round>/<unit>/[redacted]``), whatever format the operator chooses.
The master also refuses to start without a real secret key, with one clear line, before it
forks a worker. Options given on the command line (``-b``, ``-w``…) override these.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from gunicorn.glogging import Logger

from survey.config import check_secret_key
from survey.files import private_umask
from survey.security import RedactFilter, redact

accesslog = "-"
errorlog = "-"
# The combined format without the Referer: a referring page can carry a path of its own.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(a)s"'
worker_class = "gthread"
threads = 4


class RedactingLogger(Logger):
    """gunicorn's logger with token paths removed from every atom and every error line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactFilter) for f in log.filters):
                log.addFilter(RedactFilter())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger


def on_starting(server: Any) -> None:
    """Refuse a missing, default, short or guessable MOGNAD_SECRET_KEY (gunicorn prints the
    message); files the workers create (database, previews, outbox) are private (umask 077)."""
    check_secret_key({"SECRET_KEY": os.environ.get("MOGNAD_SECRET_KEY")})
    private_umask()
    _refuse_unreachable_database(server)


def _refuse_unreachable_database(server: Any) -> None:
    """Without its database the site can only answer 503: say which one and why, in one line,
    and do not start (exit 1) rather than boot workers that fail every request."""
    from survey.config import INSTANCE_DIR, defaults
    from survey.database import unreachable_url

    url = os.environ.get("MOGNAD_DATABASE_URL") or str(defaults(str(INSTANCE_DIR))["DATABASE_URL"])
    if url.startswith("sqlite") and not INSTANCE_DIR.is_dir() and str(INSTANCE_DIR) in url:
        return  # the app makes its instance folder (and the database in it) on first start
    problem = unreachable_url(url)
    if problem:
        server.log.error("Error: %s", problem)
        sys.exit(1)


def post_worker_init(worker: Any) -> None:
    """Warm the new worker before its accept loop (``survey.warm``): its first request is then
    as fast as the next."""
    from flask import Flask

    from survey.warm import warm

    if isinstance(worker.wsgi, Flask):
        worker.log.info(warm(worker.wsgi, alive=worker.notify))
