"""Every refusal a staff form can meet reads in the page's language, not the service's English.

The services keep their English messages (the command line and the logs use them); the staff
pages tell them anew (``survey.admin.messages``). The samples are made by the services
themselves where a page can reach them, and written out for the rest.
"""

from __future__ import annotations

import re

import pytest

from survey.admin.messages import staff_message
from tests.survey.staff import text
from tests.survey.test_admin_rounds import round_id

SAMPLES = [
    "round 'R1' is open; results are only made from a closed or published round, so that they "
    "cannot change between two reports (close it with 'mognad round close R1' when fieldwork "
    "is over)",
    "round 'R1' cannot be exported: comparison round 'R0' is draft; results are only made from "
    "a closed or published round",
    "round 'R1' is already open",
    "round 'R1' is draft and cannot be moved to closed; only a round that is open can",
    "round 'R1' was changed at the same time; nothing was done",
    "round 'R1' is open; only a closed or published round can be purged (close it first)",
    "round 'R1' is an open-link round: it has no personal invitations to mail",
    "round 'R1' is draft; invitations and reminders can only be sent while a round is open",
    "round 'R1' is open; comments can be read once the round is closed",
    "round 'R1' is closed; links can only be issued while a round is draft or open",
    "a round named 'R1' already exists",
    "a minimum group size of 2 is too small; it must be at least 5 (the installation's ...)",
    "there is no organisation tree for 2031; run 'mognad org import --year 2031 FILE'",
    "a round cannot be compared with itself",
    "round 'R0' (2027) is later than 'R1'",
    "eva@example.org is disabled; a token of theirs would never work",
    "API token 3 ('portal') is already revoked",
]
ENGLISH = re.compile(r"\b(round|is|the|only|can|cannot|already|mognad)\b")


@pytest.mark.parametrize("message", SAMPLES)
def test_every_known_refusal_reads_in_swedish(app, message: str) -> None:
    with app.test_request_context("/?lang=sv"):
        told = staff_message(message)
    assert told != message and not ENGLISH.search(told.replace("R1", "")), told


def test_exporting_an_open_round_is_refused_in_swedish(app, admin, make_round) -> None:
    make_round(status="open")
    rid = round_id(app)
    r = admin.post_from("/admin/", f"/admin/exports/{rid}/csv", {})
    assert r.status_code == 409
    page = text(r)
    assert "Omgången R2025 är öppen. Resultat, exporter och rapporter görs bara av en" in page
    assert "results are only made" not in page
