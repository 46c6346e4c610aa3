"""No answer lost, none doubled: every acknowledged submission is a response exactly once.

Respondents press "Skicka in svaren" in threads while the round is being closed. Each one
either sees the receipt (acknowledged) or the round-closed page (nothing taken). After the
close, every acknowledged respondent's comment is in exactly one response, no other comment is,
and no ballot is left behind in the box of a closed round (on the old code a ballot could land
after the close's read and wait for a later `mognad mix`).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.privacy.conftest import answer, rows, scalar
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

PEOPLE = 12
THANKS = "Tack för dina svar!"


def test_submissions_racing_the_close_are_each_a_response_once_or_refused(
    app, make_round, runner, write_csv, tmp_path, db_session
):
    if not str(app.config["DATABASE_URL"]).startswith("postgresql"):
        pytest.skip("concurrent writers: SQLite serialises them on the whole file")
    make_round()
    people = [(f"q{i:02d}@example.org", "EDU-A", "employee") for i in range(PEOPLE)]
    invite(runner, write_csv, people=people)
    links = {r["email"]: r["url"] for r in issue_links(runner, tmp_path / "links.csv")}
    browsers = []
    for i in range(PEOPLE):
        b = Browser(app.test_client())
        b.get(links[f"q{i:02d}@example.org"])
        answer(b, f"racer {i:02d}")
        browsers.append(b)
    start = threading.Barrier(PEOPLE + 1)
    seen: dict[int, str | None] = {}

    def submit(i: int) -> None:
        start.wait()
        seen[i] = browsers[i].press("Skicka in svaren").h1

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(PEOPLE)]
    for t in threads:
        t.start()
    start.wait()
    result = runner.invoke(args=["round", "close", "R2025"])
    for t in threads:
        t.join()
    assert result.exit_code == 0, result.output
    acknowledged = {i for i, h1 in seen.items() if h1 == THANKS}
    assert set(seen) == set(range(PEOPLE))
    comments = Counter(r.text for r in rows(db_session, "SELECT text FROM response_comments"))
    assert comments == Counter(f"racer {i:02d}" for i in acknowledged)
    assert scalar(db_session, "SELECT count(*) FROM ballots") == 0
    assert scalar(db_session, "SELECT count(*) FROM responses") == len(acknowledged)
    assert scalar(db_session, "SELECT sum(completed) FROM invitation_counts") == len(acknowledged)


def test_every_acknowledged_submission_is_a_response_exactly_once(submitted, db_session):
    from tests.privacy.conftest import N

    submitted.runner.invoke(args=["round", "close", "R2025"])
    comments = Counter(
        submitted.whose(r.text) for r in rows(db_session, "SELECT text FROM response_comments")
    )
    assert comments == Counter(range(N))
    assert scalar(db_session, "SELECT count(*) FROM responses") == N
    assert scalar(db_session, "SELECT count(*) FROM ballots") == 0


def test_an_import_of_paper_answers_waits_in_the_box_too(
    app, make_round, runner, write_csv, db_session
):
    """Paper answers do not bypass the close: before it they are ballots, never responses."""
    make_round()
    invite(runner, write_csv)
    from analysis.instruments import load_questionnaire
    from tests.support.factory import QUESTIONNAIRE

    q = load_questionnaire(QUESTIONNAIRE)
    item = next(i for c in q.categories for i in c.items if "employee" in i.roles)
    path = write_csv("paper.csv", [["unit_code", "role", item.id], ["EDU-A", "employee", "3"]])
    result = runner.invoke(args=["responses", "import", "R2025", str(path)])
    assert result.exit_code == 0, result.output
    assert scalar(db_session, "SELECT count(*) FROM responses") == 0
    assert scalar(db_session, "SELECT count(*) FROM ballots") == 1
    runner.invoke(args=["round", "close", "R2025"])
    assert scalar(db_session, "SELECT count(*) FROM responses") == 1
    assert scalar(db_session, "SELECT count(*) FROM ballots") == 0
    refused = runner.invoke(args=["responses", "import", "R2025", str(path)])
    assert refused.exit_code != 0 and "inget kan längre läggas till i den" in refused.output
    assert scalar(db_session, "SELECT count(*) FROM responses") == 1
