"""Results: the staff dashboards of closed rounds (``dashboard``), their SVG charts, and the
public pages of published rounds, the report and the exports.

Every figure shown here comes from the analysis entry point already suppressed
(``survey.services.report.round_figures``, ``survey.services.items``), only for closed rounds,
and every view asks ``survey.access`` about the unit it shows.
"""
