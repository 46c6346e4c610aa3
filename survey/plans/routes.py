"""The action-plan blueprint with its views: the one place that imports the view modules, whose
routes and template globals register on :data:`survey.plans.bp` as they are imported.

``create_app`` registers ``bp`` from here, as for the other blueprints.
"""

from __future__ import annotations

from survey.plans import bp, follow, views

#: The modules whose routes and template globals are on ``bp`` (named, so each import is used).
MODULES = (follow, views)

__all__ = ["MODULES", "bp"]
