"""Every refusal a staff form can meet reads in the page's language, not the service's English.

The services keep their English messages (the command line and the logs use them); the staff
pages tell them anew (``survey.messages``). The samples are made by the services
themselves where a page can reach them, and written out for the rest.
"""

from __future__ import annotations

import re

import pytest

from survey.messages import staff_message
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
    "round 'R1' was not published, it stays closed: its report could not be made "
    "(ZeroDivisionError; the server log has the details)",
    "round 'R1' was not published, it stays closed: round 'R1' is open; results are only made "
    "from a closed or published round, so that they cannot change between two reports",
    "cannot write the report (No space left on device)",
    "round 'R1' is published; only a closed round is previewed",
    "/srv/mognad/out.xlsx: cannot write the export (Permission denied)",
    "round 'R1' has no respondents yet; add them with 'mognad respondents import R1 FILE'",
    "a token needs a name that says what it is for (e.g. 'open data portal')",
    "a token's name has at most 100 characters, got 140",
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_preview_job_reads_in_swedish(app, admin, two_years, monkeypatch) -> None:
    """A preview that cannot be written fails as a job; its page says why in Swedish only."""
    from survey.services import preview
    from survey.services.errors import InputError

    def full_disk(*args, **kwargs):
        raise InputError("cannot write the report (No space left on device)", file="/tmp/x")

    monkeypatch.setattr(preview, "build_files", full_disk)
    rid = round_id(app)
    r = admin.post_from(f"/admin/rounds/{rid}/publish", f"/admin/rounds/{rid}/preview", {})
    assert r.status_code == 303 and "/admin/jobs/" in r.location
    page = text(admin.get(r.location))
    assert "Förhandsgranskningen kunde inte byggas; ingenting har publicerats." in page
    assert "rapporten kunde inte skrivas (No space left on device)" in page
    assert "cannot write" not in page


def test_a_cli_file_with_several_problems_is_framed_in_the_problems_language(
    runner, write_csv
) -> None:
    """The command line localises the problems (the installation's language), and the frame
    around them follows; a refusal in the operator's English keeps its English frame."""
    rows = [["code", "name", "parent_code"], ["CITY", "Staden", ""], ["A", "A", "NOPE"]]
    rows.append(["A", "B", "CITY"])
    result = runner.invoke(args=["org", "import", "--year", "2025", str(write_csv("o.csv", rows))])
    assert result.exit_code == 1
    assert "Fel: 2 problem hittades; ingenting ändrades:" in result.output
    assert "problems found" not in result.output and "Error" not in result.output
