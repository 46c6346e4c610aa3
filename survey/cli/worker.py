"""`mognad worker`: the process that runs the jobs web requests queue (survey/jobs)."""

from __future__ import annotations

import click


@click.command(
    help="Run queued background jobs (publishing, closing, mail) until stopped (Ctrl-C or "
    "SIGTERM). The queue is MOGNAD_QUEUE_URL (redis://…), else a SQLite file in the instance "
    "folder."
)
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True)
def worker(workers: int) -> None:
    from flask import current_app

    from survey.jobs.queue import queue
    from survey.jobs.schedule import register_periodic

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app itself
    huey = queue(app).huey
    if huey.immediate:
        raise click.UsageError("the queue runs jobs at once (QUEUE_IMMEDIATE): no worker needed")
    register_periodic(huey, app)
    # Huey logs each task by name and job id (never data): to standard error, as the server does.
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("huey", "survey.jobs"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    # The kind of queue only: a Redis URL may carry a password.
    where = "SQLite" if huey.__class__.__name__ == "SqliteHuey" else "Redis"
    click.echo(f"Worker running ({workers} thread(s), queue: {where}); Ctrl-C stops it.", err=True)
    # Threads, not processes: each job claims its row first, so two never run one job.
    huey.create_consumer(workers=workers, worker_type="thread").run()
