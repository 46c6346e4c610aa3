"""Mognad's analysis library: scoring, statistics, suppression, gaps and the unit tree.

Plain Python + pandas/scipy, no Flask and no SQLAlchemy, so it can be tested, benchmarked and
reused alone. Import the submodules (``analysis.stats``, ``analysis.scoring``, ...) directly.
"""

__all__ = [
    "aggregate",
    "gaps",
    "instruments",
    "opendata",
    "reliability",
    "roles",
    "scoring",
    "stats",
    "suppression",
    "synthetic",
    "tree",
    "typology",
]
