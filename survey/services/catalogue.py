"""Who publishes the open data and where to ask: the DCAT-AP-SE catalogue facts from settings.

The installation's settings (``MOGNAD_DATA_PUBLISHER``, ``MOGNAD_DATA_CONTACT_EMAIL``,
``MOGNAD_DATA_SPATIAL``) name the publisher, its contact point and the place the data covers;
without them the organisation's name, the sender address of invitations and Sweden stand in,
so a package written by the command line outside the web app still describes itself.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from analysis.dcat import DEFAULT_SPATIAL, Catalogue


def catalogue(organisation: str, round_id: int) -> Catalogue:
    """The catalogue facts; ``organisation`` (the tree's top unit) names an unset publisher.

    The files' address is where the public results page serves a published round's files.
    """
    config = current_app.config if has_app_context() else {}
    base = str(config.get("BASE_URL") or "").rstrip("/")
    return Catalogue(
        publisher=str(
            config.get("DATA_PUBLISHER") or config.get("ORGANISATION_NAME") or organisation
        ),
        contact_email=str(config.get("DATA_CONTACT_EMAIL") or config.get("MAIL_FROM") or ""),
        base_url=base,
        spatial=str(config.get("DATA_SPATIAL") or DEFAULT_SPATIAL),
        files_url=f"{base}/results/{round_id}/files" if base else "",
    )
