"""Publishing from the browser only after a current preview that staff have opened.

Publishing cannot be undone, so the publish page offers its button only once the exact
documents of the round's current figures have been built as a draft and opened
(:func:`survey.services.preview.preview_state`); until then it says why, in the page's
language, and offers the preview instead. A POST that arrives anyway is refused with the same
words. The command line (``mognad round publish``) is not held back: it is the operator's tool.
The job the button queues carries the fingerprint the page saw (:func:`seen_mark`), and asks
again when it runs (:mod:`survey.jobs.run`).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from survey.extensions import db
from survey.models import Round
from survey.services.preview import MISSING, READY, STALE, preview_mark, preview_state, wording
from survey.services.settings import FigureSettings

__all__ = ["READY", "blocked_reason", "publish_state", "seen_mark"]


def publish_state(rnd: Round) -> str:
    """The round's preview state under the installation's settings (see
    :mod:`survey.services.preview`)."""
    config = current_app.config
    return preview_state(db.session(), rnd, FigureSettings.of(config), wording(config))


def seen_mark(rnd: Round) -> str:
    """The fingerprint of what the read preview was made from (when it is :data:`READY`)."""
    config = current_app.config
    return preview_mark(db.session(), rnd, FigureSettings.of(config), wording(config))


def blocked_reason(state: str) -> str | None:
    """Why the round cannot be published yet, or None when it can."""
    if state == READY:
        return None
    if state == MISSING:
        return _(
            "Omgången kan inte publiceras ännu: ingen förhandsgranskning finns. Förhandsgranska "
            "rapporten och läs den först, eftersom publiceringen inte kan ångras."
        )
    if state == STALE:
        return _(
            "Omgången kan inte publiceras ännu: förhandsgranskningen är inaktuell, eftersom "
            "något som ändrar rapporten har ändrats sedan den byggdes (till exempel en "
            "jämförelseomgång, minsta gruppstorlek eller inställningarna). Förhandsgranska igen."
        )
    return _(
        "Omgången kan inte publiceras ännu: ingen har öppnat förhandsgranskningen. Öppna och "
        "läs minst ett av dokumenten nedan först."
    )
