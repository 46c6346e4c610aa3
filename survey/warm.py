"""What a newly started web worker does once, before it accepts its first request.

A worker's first page used to pay for everything a process keeps: compiling the templates,
loading Babel's locale data, reading the stored figures of the rounds the pages show and
turning a round's rows into the API's JSON. At city size that made the first overview, drill-
down or API call of every new worker (each deploy, restart, and each of the workers) take a
second or more instead of tens of milliseconds. gunicorn calls :func:`warm` from
``post_worker_init``, after the app is loaded and before the worker's accept loop, so no
request waits on it; requests that arrive meanwhile are taken by a worker that is ready, or
wait in the listening socket's queue while all workers start together.

Nothing here is noted as shown (``note_results_shown``) or changes what a page will show:
the memory is the same one a first request would fill (``survey.services.memo``), keyed by
the same state, so a round closed later is read on its first use as before. Only figures
stored and still valid are read: a row that must first be rebuilt (after an upgrade that
changed what is stored, or another k) would take seconds per round, longer than gunicorn lets
a starting worker stay silent, and is built on first use as before. A failure here
(a database not yet migrated, a round whose stored figures must first be rebuilt) is logged
and leaves the worker cold, never down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from babel import Locale
from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from survey.extensions import db
from survey.models import Round
from survey.models.enums import FINISHED
from survey.services import stored
from survey.services.settings import FigureSettings

log = logging.getLogger(__name__)

#: The overview's trend reads every finished year; five covers the years a city compares.
FIGURE_ROUNDS = 5
#: Drill-downs and the API are read mostly for the newest rounds (and last year's).
ROW_ROUNDS = 2


def warm(app: Flask, alive: Callable[[], None] = lambda: None) -> str:
    """Compile templates, load locale data and read the newest rounds' figures (see above);
    return one line for the server's log. ``alive`` is called after each round: gunicorn kills
    a worker that stays silent longer than its timeout, also while it starts."""
    start = time.perf_counter()
    for name in app.jinja_env.list_templates(extensions=("html", "txt", "svg")):
        app.jinja_env.get_template(name)
    for lang in app.config["LANGUAGES"]:
        Locale.parse(lang).number_symbols  # noqa: B018  (loads the locale's data once)
        with app.test_request_context(f"/?lang={lang}"):
            gettext("Enhet")  # loads the language's message catalogue once
    try:
        with app.app_context():
            rounds = _figures(alive, FigureSettings.of(app.config))
    except Exception:  # noqa: BLE001  (a cold worker still serves; the cause is logged)
        log.exception("warming the stored figures failed; pages read them on first use")
        rounds = 0
    return f"worker warmed in {time.perf_counter() - start:.1f} s ({rounds} rounds' figures read)"


def _figures(alive: Callable[[], None], settings: FigureSettings) -> int:
    from survey.api.figures import kept_rows
    from survey.results.dashboard import kept_figures
    from survey.results.page_charts import items

    newest = db.session.scalars(
        select(Round).where(Round.status.in_(FINISHED)).order_by(Round.year.desc(), Round.id.desc())
    ).all()[:FIGURE_ROUNDS]
    read = 0
    for i, rnd in enumerate(newest):
        if not stored.current(db.session(), rnd, settings):
            continue  # built on first use (or by the next close), never while a worker starts
        fig, _ = kept_figures(rnd)
        read += 1
        if i < ROW_ROUNDS:
            items(rnd, fig)
            kept_rows(db.session(), rnd)
        alive()
    db.session.commit()  # an item table a stale row had to build is kept
    return read
