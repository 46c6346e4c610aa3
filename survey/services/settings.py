"""The installation's settings the services use, passed in by their callers.

The services never read the app's configuration: a blueprint, job, command or the worker's
warm-up reads the app's configuration and hands the values in, built here from the mapping
(:meth:`FigureSettings.of`, :meth:`DataSettings.of`, pure functions of it). A service is then
called alike from a request, the worker or a test without an app, and what it was given is
visible in its signature rather than hidden in a global.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.comparison import MIN_TEST_N
from analysis.dcat import DEFAULT_SPATIAL, Catalogue
from analysis.figures import K_HOMOGENEOUS


@dataclass(frozen=True)
class FigureSettings:
    """What a round's figures are made with: the minimum group size ``k`` (``K_ANONYMITY``),
    the size from which a cell where everyone answered alike is shown (``K_HOMOGENEOUS``), and
    the respondents a change needs in both years to be tested (``MIN_TEST_N``).

    The defaults are the configuration's defaults; the stored figures' fingerprint names all
    three, so figures made with other values are rebuilt, never served.
    """

    k: int = 5
    k_homogeneous: int = K_HOMOGENEOUS
    min_test_n: int = MIN_TEST_N

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> FigureSettings:
        return cls(
            int(config["K_ANONYMITY"]),
            int(config["K_HOMOGENEOUS"]),
            int(config.get("MIN_TEST_N", MIN_TEST_N)),
        )


@dataclass(frozen=True)
class DataSettings:
    """What the open-data package says about itself beyond the figures: its licence
    (``DATA_LICENSE``; None: CC0-1.0) and the DCAT-AP-SE catalogue facts — the publisher
    (``DATA_PUBLISHER``, else ``ORGANISATION_NAME``; empty: the tree's top unit), its contact
    (``DATA_CONTACT_EMAIL``, else ``MAIL_FROM``), the site's address (``BASE_URL``) and the
    place the data covers (``DATA_SPATIAL``, else Sweden).

    The defaults describe a package written without any of these settings.
    """

    license: str | None = None
    publisher: str = ""
    contact_email: str = ""
    base_url: str = ""
    spatial: str = DEFAULT_SPATIAL

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> DataSettings:
        return cls(
            license=config.get("DATA_LICENSE") or None,
            publisher=str(config.get("DATA_PUBLISHER") or config.get("ORGANISATION_NAME") or ""),
            contact_email=str(config.get("DATA_CONTACT_EMAIL") or config.get("MAIL_FROM") or ""),
            base_url=str(config.get("BASE_URL") or "").rstrip("/"),
            spatial=str(config.get("DATA_SPATIAL") or DEFAULT_SPATIAL),
        )

    def catalogue(self, organisation: str, round_id: int) -> Catalogue:
        """The catalogue facts; ``organisation`` (the tree's top unit) names an unset publisher.

        The files' address is where the public results page serves a published round's files.
        """
        base = self.base_url
        return Catalogue(
            publisher=self.publisher or organisation,
            contact_email=self.contact_email,
            base_url=base,
            spatial=self.spatial,
            files_url=f"{base}/results/{round_id}/files" if base else "",
        )
