"""The staff dashboard blueprint with every view on it: the one place that imports the view
modules, whose routes register on :data:`survey.results.dashboard.bp` as they are imported.

``create_app`` registers ``bp`` from here. A view imports ``bp`` and the shared helpers from
``dashboard`` (and the charts from ``page_charts``), never another view or this module, so no
module imports one that imports it back. (The public blueprint is whole in ``public``.)
"""

from __future__ import annotations

from survey.results import chart_files, gaps, overview, suggestions, units
from survey.results.dashboard import bp

#: The modules whose routes are on ``bp`` (named, so that each import is used).
MODULES = (chart_files, gaps, overview, suggestions, units)

__all__ = ["MODULES", "bp"]
