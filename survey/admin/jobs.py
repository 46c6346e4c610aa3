"""The job page: where a publish or close handed to the worker stands, and how it ended.

The page reads the ``jobs`` row (never the queue), so it shows the same thing whichever queue
runs the jobs. While the job is unfinished, a small script (``mognad.js``) reloads the status
into a polite live region, so a screen reader hears the change; without the script the page
offers a link that reloads it.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import format_datetime
from flask_babel import gettext as _

from survey.access import Action, require
from survey.admin import bp
from survey.extensions import db
from survey.jobs.mail import SENDING
from survey.jobs.run import BUILDING, CLOSING, PREVIEW, PREVIEWING, UNOPENED, VERIFYING
from survey.messages import staff_message
from survey.models import Job, Round, Unit
from survey.models.jobs import UNFINISHED, JobStatus
from survey.services.preview import MISSING, STALE

# Who may see a job: whoever may start one of its kind.
ACTIONS = {
    "publish": Action.MANAGE_ROUNDS,
    "preview": Action.MANAGE_ROUNDS,
    "close": Action.MANAGE_ROUNDS,
    "invitations": Action.SEND_MAIL,
    "reminders": Action.SEND_MAIL,
}


@bp.get("/jobs/<int:job_id>")
def job_detail(job_id: int) -> str:
    job = db.session.get(Job, job_id)
    if job is None or job.kind not in ACTIONS:
        abort(404)
    rnd = db.session.scalar(db.select(Round).where(Round.name == job.target))
    code = (job.detail or {}).get("unit")
    unit = None
    if code and rnd is not None:  # a scoped run: whoever may run it in that unit may see it
        unit = db.session.scalar(db.select(Unit).where(Unit.year == rnd.year, Unit.code == code))
    require(ACTIONS[job.kind], unit)
    return render_template(
        "admin/jobs/detail.html",
        job=job,
        rnd=rnd,
        title=title(job),
        status=status_text(job),
        message=message(job),
        unfinished=job.status in UNFINISHED,
        counts=(job.detail or {}).get("counts"),
        started=format_datetime(job.started_at) if job.started_at else None,
        finished=format_datetime(job.finished_at) if job.finished_at else None,
    )


def title(job: Job) -> str:
    return {
        "publish": _("Publicera omgången %(name)s", name=job.target),
        "preview": _("Förhandsgranska rapporten – %(name)s", name=job.target),
        "close": _("Stäng omgången %(name)s", name=job.target),
        "invitations": _("Skicka inbjudningar – %(name)s", name=job.target),
        "reminders": _("Skicka påminnelser – %(name)s", name=job.target),
    }[job.kind]


def status_text(job: Job) -> str:
    return {
        JobStatus.QUEUED: _("I kö"),
        JobStatus.RUNNING: _("Pågår"),
        JobStatus.DONE: _("Klart"),
        JobStatus.FAILED: _("Misslyckades"),
    }[JobStatus(job.status)]


def message(job: Job) -> str:
    """What happens now or what came of it, in the reader's language."""
    if job.status == JobStatus.QUEUED:
        return _("Jobbet väntar på att bakgrundsprocessen (mognad worker) ska ta det.")
    if job.status == JobStatus.RUNNING and (job.progress or "").startswith(f"{SENDING}:"):
        _stage, done, todo = (job.progress or "").split(":")
        return _("%(done)s av %(todo)s meddelanden är hanterade.", done=done, todo=todo)
    if job.status == JobStatus.RUNNING:
        return {
            BUILDING: _("Rapporten och de öppna data byggs. Det kan ta några minuter."),
            PREVIEWING: _("Rapportens dokument byggs som utkast, på svenska och engelska. Det "
                          "kan ta några minuter."),
            CLOSING: _("Inskickade svar öppnas och blandas; utkast och uppgiften om vem som "
                       "svarat raderas."),
            VERIFYING: _("Omgången är stängd. De raderade raderna tas bort ur databasfilerna "
                         "och det kontrolleras."),
        }.get(job.progress or "", _("Jobbet har startat."))  # fmt: skip
    if job.status == JobStatus.DONE and job.kind in ("invitations", "reminders"):
        return _("Alla meddelanden i utskicket är hanterade.")
    if job.status == JobStatus.DONE:
        return {
            "publish": _("Omgången är publicerad."),
            "preview": _("Förhandsgranskningen är klar. Läs dokumenten innan du publicerar."),
            "close": _("Omgången är stängd."),
        }[job.kind]
    return failure(job)


def failure(job: Job) -> str:
    error = job.error or ""
    if error.startswith(f"{UNOPENED}:"):
        _kind, unopened, pending, keys = (error.split(":", 3) + ["", "", ""])[:4]
        return _(
            "Omgången stängdes inte: %(unopened)s av %(pending)s inskickade svar kan inte "
            "öppnas, eftersom de förseglades med en hemlig nyckel som installationen inte "
            "har (nyckel-id %(keys)s) eller har ändrats. Ange den tidigare nyckeln i "
            "MOGNAD_SECRET_KEY_PREVIOUS och stäng igen. Inga svar har gått förlorade.",
            unopened=unopened,
            pending=pending,
            keys=keys.replace(",", ", ") or "–",
        )
    if error.startswith(f"{PREVIEW}:"):
        return preview_gone(error.split(":", 1)[1])
    unchanged = {
        "publish": _("Omgången publicerades inte och är fortfarande stängd."),
        "preview": _("Förhandsgranskningen kunde inte byggas; ingenting har publicerats."),
        "close": _("Omgången stängdes inte och är fortfarande öppen."),
        "invitations": _("Utskicket avbröts:"),
        "reminders": _("Utskicket avbröts:"),
    }[job.kind]
    if error.isidentifier():  # an unexpected error, stored by its type only
        return _("%(unchanged)s Ett oväntat fel inträffade (%(error)s); serverns logg har "
                 "detaljerna.", unchanged=unchanged, error=error)  # fmt: skip
    return _("%(unchanged)s Orsak: %(error)s", unchanged=unchanged, error=staff_message(error))


def preview_gone(state: str) -> str:
    """Why a publish queued from the browser stopped when it ran: the preview read then is not
    what would be published now (see :mod:`survey.admin.publish_gate`)."""
    why = {
        STALE: _("något som ändrar rapporten har ändrats sedan du valde att publicera (till "
                 "exempel en jämförelseomgång, minsta gruppstorlek eller inställningarna)."),
        MISSING: _("den finns inte längre."),
    }.get(state, _("den har byggts om sedan du valde att publicera, och ingen har öppnat den "
                   "nya."))  # fmt: skip
    return _(
        "Omgången publicerades inte och är fortfarande stängd. Förhandsgranskningen är inte "
        "längre aktuell: %(why)s Förhandsgranska igen, läs dokumenten och publicera sedan.",
        why=why,
    )
