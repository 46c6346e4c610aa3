"""What the columns of ``estimates.csv`` mean (the open-data dictionary of the estimates).

Plain tuples ``(name, type, English, Swedish, unit)``, turned into fields by
:mod:`analysis.datapackage` (kept apart so that module and :mod:`analysis.estimates` stay
independent of each other).
"""

from __future__ import annotations

__all__ = ["ESTIMATE_FIELD_SPECS", "ESTIMATES_EN", "ESTIMATES_SV"]

_SCORE = "points, 0–100 / poäng 0–100"
ESTIMATES_EN = (
    "Population estimates per shown cell (post-stratified by unit and role, with finite-"
    "population correction) beside the respondent mean, and the role-standardised headline "
    "(docs/method.md)."
)
ESTIMATES_SV = (
    "Skattningar för populationen per visad cell (efterstratifierade på enhet och roll, med "
    "ändlighetskorrektion) bredvid svarandes medelvärde, och huvudsiffran standardiserad för "
    "rollfördelningen (docs/method.md)."
)
ESTIMATE_FIELD_SPECS: tuple[tuple[str, str, str, str, str], ...] = (
    ("round", "string", "Name of the survey round (a role_standardised row of the comparison "
     "round carries that round's name).",
     "Mätomgångens namn (en role_standardised-rad för jämförelseomgången har dess namn).", ""),
    ("unit_code", "string", "Code of the organisational unit (see units.csv).",
     "Enhetens kod (se units.csv).", ""),
    ("role", "string", "all, employee, manager or specialist.",
     "all (alla roller), employee, manager eller specialist.", ""),
    ("index", "string", "Index or category id (see indices.csv).",
     "Index- eller kategori-id (se indices.csv).", ""),
    ("respondent_mean", "number", "Respondent mean: the mean of those who answered (the score "
     "of aggregates.csv).", "Svarandes medelvärde: medelvärdet för dem som svarade (score i "
     "aggregates.csv).", _SCORE),
    ("n", "integer", "Respondents in the cell.", "Svarande i cellen.",
     "respondents / svarande"),
    ("estimate", "number", "Estimate for everyone in the cell's population (see weighting).",
     "Skattning för alla i cellens population (se weighting).", _SCORE),
    ("se", "number", "Standard error of the estimate.", "Skattningens medelfel.", _SCORE),
    ("ci_low", "number", "Lower bound of the 95 % confidence interval.",
     "Nedre gräns för 95 % konfidensintervall.", _SCORE),
    ("ci_high", "number", "Upper bound of the 95 % confidence interval.",
     "Övre gräns för 95 % konfidensintervall.", _SCORE),
    ("headcount", "integer", "People in the cell's population (headcount or invited); empty "
     "when not known.", "Personer i cellens population (antal anställda eller inbjudna); tomt "
     "när det inte är känt.", "people / personer"),
    ("coverage", "number", "Share of the population in strata with at least one respondent.",
     "Andel av populationen i strata med minst en svarande.", "share 0–1 / andel 0–1"),
    ("weighting", "string", "post_stratified, role_standardised (the headline: fixed role "
     "weights) or respondent_mean_only (no headcounts: the estimate is the respondent mean).",
     "post_stratified, role_standardised (huvudsiffran: fasta rollvikter) eller "
     "respondent_mean_only (antal saknas: skattningen är svarandes medelvärde).", ""),
)  # fmt: skip
