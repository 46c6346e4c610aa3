"""The staff blueprint with every page on it: the one place that imports the page modules,
whose routes register on :data:`survey.admin.bp` as they are imported.

``create_app`` registers ``bp`` from here. A page module imports ``bp`` from the package and
never this module, so no module imports one that imports it back.
"""

from __future__ import annotations

from survey.admin import (
    accounts,
    audit,
    bp,
    exports,
    federation,
    feedback,
    fieldwork,
    jobs,
    links,
    mail,
    org,
    preview,
    questionnaires,
    reminders,
    respondents,
    rounds,
    tokens,
)

#: The modules whose routes are on ``bp`` (named, so that each import is used).
MODULES = (accounts, audit, exports, federation, feedback, fieldwork, jobs, links, mail, org,
           preview, questionnaires, reminders, respondents, rounds, tokens)  # fmt: skip

__all__ = ["MODULES", "bp"]
