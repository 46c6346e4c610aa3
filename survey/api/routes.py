"""The API blueprint with every route on it: the one place that imports ``views``, whose
routes register on :data:`survey.api.bp` as it is imported.

``create_app`` registers ``bp`` from here; ``views`` imports ``bp`` from the package and never
this module, so no module imports one that imports it back.
"""

from __future__ import annotations

from survey.api import bp, views

#: The modules whose routes are on ``bp`` (named, so that each import is used).
MODULES = (views,)

__all__ = ["MODULES", "bp"]
