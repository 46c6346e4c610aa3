"""Background jobs: slow actions (publishing, closing, mailing) run in ``mognad worker``.

A web request records a :class:`~survey.models.Job` row, audits the enqueue and hands the
job's id to the queue (Huey, :mod:`survey.jobs.queue`); the worker claims the row
(:mod:`survey.jobs.claim`) and runs it (:mod:`survey.jobs.run`). The commands of ``mognad``
keep running the same services synchronously: they are not web requests.
"""
