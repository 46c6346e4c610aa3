"""Action plans (åtgärdsplaner) of units, made from a round's results and followed up by the
next round's figures (blueprint ``plans``, ``/plans``).

Who may make, read, change and delete a unit's plan is ``survey.access`` (``MANAGE_PLANS``):
admins anywhere, managers and scoped administrators in their subtrees. The follow-up beside the
later round's overview and the report section are partial templates that call
:func:`survey.plans.follow.follow_up` and :func:`survey.plans.follow.report_plans`.
"""

from __future__ import annotations

from flask import Blueprint

from survey.access import staff_only
from survey.i18n import template_helpers

bp = Blueprint("plans", __name__, url_prefix="/plans")
bp.context_processor(template_helpers)
staff_only(bp)
