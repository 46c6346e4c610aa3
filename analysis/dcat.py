"""DCAT-AP-SE metadata beside the open-data package: how the data is found in a catalogue.

``datapackage.json`` tells a program how to read the files; a data portal (Sveriges
dataportal, the EU's data.europa.eu) harvests DCAT-AP-SE instead. ``dcat.jsonld`` describes the
round's package as one ``dcat:Dataset`` with one ``dcat:Distribution`` per file, with the
fields DCAT-AP-SE requires or recommends: publisher, contact point, theme, spatial and temporal
coverage, accrual periodicity, the specifications the files conform to, and the licence. Like
the descriptor it holds no clock (``issued`` is the round's closing time), so reruns give the
same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["DEFAULT_SPATIAL", "Catalogue", "dcat_document", "dcat_json"]

EU = "http://publications.europa.eu/resource/authority"
#: Sweden, from the EU's country authority list; a municipality sets its own place URI.
DEFAULT_SPATIAL = f"{EU}/country/SWE"
THEME = f"{EU}/data-theme/GOVE"  # government and public sector
ANNUAL = f"{EU}/frequency/ANNUAL"  # one round a year
DATA_PACKAGE = "https://specs.frictionlessdata.io/data-package/"
SPDX = "https://spdx.org/licenses/"
_MEDIA = {
    "csv": "http://www.iana.org/assignments/media-types/text/csv",
    "json": "http://www.iana.org/assignments/media-types/application/json",
    "jsonld": "http://www.iana.org/assignments/media-types/application/ld+json",
    "xlsx": "http://www.iana.org/assignments/media-types/"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class Catalogue:
    """Who publishes and where: settings of the installation (``MOGNAD_DATA_*``)."""

    publisher: str
    contact_email: str = ""  # empty: the contact point is the installation's address
    base_url: str = ""
    spatial: str = DEFAULT_SPATIAL
    #: Where the files can be downloaded (a folder URL); empty: beside this file (relative).
    files_url: str = ""


def _literal(text: str, lang: str) -> dict[str, str]:
    return {"@value": text, "@language": lang}


def dcat_document(
    files: Iterable[str],
    *,
    dataset_id: str,
    round_name: str,
    year: int,
    issued: datetime,
    title: dict[str, str],
    license: str,
    questionnaire: str,
    catalogue: Catalogue,
) -> dict[str, Any]:
    """The JSON-LD document: one dataset (the round) and a distribution per file in ``files``.

    ``dataset_id`` names the dataset within the installation (the package's name); the
    identifiers are URIs under ``catalogue.base_url`` (or relative when it is empty).
    ``questionnaire`` (id and version) is the instrument the answers were given to.
    """
    base = catalogue.base_url.rstrip("/")
    uri = f"{base}/opendata/{dataset_id}"
    when = issued.astimezone(UTC) if issued.tzinfo else issued.replace(tzinfo=UTC)
    licence = {"@id": f"{SPDX}{license}"}
    folder = catalogue.files_url.rstrip("/")
    distributions = []
    for name in files:
        ext = name.rsplit(".", 1)[-1]
        url = f"{folder}/{name}" if folder else name
        distributions.append(
            {
                "@id": f"{uri}/{name}",
                "@type": "dcat:Distribution",
                "dct:title": name,
                "dcat:accessURL": {"@id": url},
                "dcat:downloadURL": {"@id": url},
                "dct:format": name.rsplit(".", 1)[-1].upper(),
                "dcat:mediaType": {"@id": _MEDIA.get(ext, _MEDIA["csv"])},
                "dct:license": licence,
                "dct:conformsTo": {"@id": DATA_PACKAGE},
            }
        )
    return {
        "@context": CONTEXT,
        "@id": uri,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset_id,
        "dct:title": [
            _literal(f"{title.get('sv', '')}: {round_name}", "sv"),
            _literal(f"{title.get('en', '')}: {round_name}", "en"),
        ],
        "dct:description": [
            _literal(
                f"Resultat från mätomgången {round_name} per enhet, roll och index, med "
                "svarsfrekvens; små grupper är dolda.",
                "sv",
            ),
            _literal(
                f"Results of the survey round {round_name} per unit, role and index, with "
                "response rates; small groups are suppressed.",
                "en",
            ),
        ],
        "dct:publisher": {
            "@type": "foaf:Agent",
            "foaf:name": catalogue.publisher,
        },
        "dcat:contactPoint": _contact(catalogue, base),
        "dcat:theme": {"@id": THEME},
        "dcat:keyword": [_literal("digital mognad", "sv"), _literal("digital maturity", "en")],
        "dct:spatial": {"@id": catalogue.spatial},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": f"{year}-01-01", "@type": "xsd:date"},
            "dcat:endDate": {"@value": f"{year}-12-31", "@type": "xsd:date"},
        },
        "dct:accrualPeriodicity": {"@id": ANNUAL},
        "dct:conformsTo": {"@id": DATA_PACKAGE},
        "dct:subject": questionnaire,
        "dct:license": licence,
        "dct:issued": {"@value": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "@type": "xsd:dateTime"},
        "dcat:distribution": distributions,
    }


def _contact(catalogue: Catalogue, base: str) -> dict[str, Any]:
    """The contact point: an e-mail address when one is set, else the installation's address."""
    out: dict[str, Any] = {"@type": "vcard:Organization", "vcard:fn": catalogue.publisher}
    if catalogue.contact_email:
        out["vcard:hasEmail"] = {"@id": f"mailto:{catalogue.contact_email}"}
    else:
        out["vcard:hasURL"] = {"@id": f"{base}/"}
    return out


def dcat_json(doc: dict[str, Any]) -> str:
    """The document as ``dcat.jsonld`` holds it: UTF-8, indented."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
