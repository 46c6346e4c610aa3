"""The column and file types of the package's dictionary, and the non-response columns.

:class:`Field` is one column as ``datapackage.json`` and the workbook's dictionary sheet
describe it (:mod:`analysis.datapackage` lists them all). The response columns live here,
beside the type, because :mod:`analysis.nonresponse` fills them and both modules must name
them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RESPONSE_COLUMNS", "RESPONSE_FIELDS", "Field", "Resource"]


@dataclass(frozen=True)
class Field:
    """One column: Table Schema type, meaning in English and Swedish, unit of measure if any."""

    name: str
    type: str
    en: str
    sv: str
    unit: str = ""

    def schema(self) -> dict[str, str]:
        out = {"name": self.name, "type": self.type, "description": self.en}
        out["description_sv"] = self.sv
        if self.unit:
            out["unit_of_measure"] = self.unit
        return out


@dataclass(frozen=True)
class Resource:
    """One file of the package: its name, path, format, meaning and columns (the descriptor's
    ``resources``, :mod:`analysis.datapackage`; their keys, :mod:`analysis.package_keys`)."""

    name: str
    path: str
    format: str
    mediatype: str
    en: str
    sv: str
    fields: tuple[Field, ...]


SCORE = "points, 0–100 / poäng 0–100"
PROBABILITY = "probability 0–1 / sannolikhet 0–1"
SHARE = "share 0–1 / andel 0–1"
PEOPLE = "respondents / svarande"
LEVEL = "scale points / skalsteg"

RESPONSE_FIELDS: tuple[Field, ...] = (
    Field(
        "invited", "integer",
        "People invited in the unit (and the units below it) with the row's role (all: every "
        "role); empty when the round has no invitations.",
        "Inbjudna i enheten (och enheterna under den) med radens roll (all: alla roller); tomt "
        "när omgången saknar inbjudningar.", "people / personer",
    ),
    Field(
        "headcount", "integer",
        "People employed in the unit and the units below it (role all only; empty: not given).",
        "Anställda i enheten och enheterna under den (bara rollen all; tomt: inte angivet).",
        "people / personer",
    ),
    Field(
        "response_rate", "number",
        "Invitations answered / invited for the unit and role; empty when the row is hidden, "
        "when the answered count is hidden (it would give a hidden group away), or without "
        "invitations.",
        "Besvarade inbjudningar / inbjudna för enheten och rollen; tomt när raden är dold, när "
        "antalet svar är dolt (det skulle röja en dold grupp) eller utan inbjudningar.", SHARE,
    ),
    Field(
        "dont_know_share", "number",
        "Share of \"vet ej\" (don't know) among the answers to the index's items that offer it; "
        "empty when hidden or when no item of the index offers it.",
        "Andel \"vet ej\" av svaren på indexets frågor som har det svarsalternativet; tomt när "
        "raden är dold eller inget av indexets frågor har det.", SHARE,
    ),
)  # fmt: skip
RESPONSE_COLUMNS: tuple[str, ...] = tuple(f.name for f in RESPONSE_FIELDS)
