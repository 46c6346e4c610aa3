"""Results: dashboards for admin, HR and managers, the public pages of published rounds, the
report and the exports.

The room is here so that results pages have an obvious home; it has no blueprint yet. Every
figure shown here must come from the analysis entry point already suppressed, only for closed
rounds, and every view must ask ``survey.access.allowed`` for the unit it shows.
"""
