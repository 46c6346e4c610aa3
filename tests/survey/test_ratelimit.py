"""Open-link rounds cannot be stuffed from one client: starts and submits are rate limited."""

from __future__ import annotations

import sqlalchemy as sa
from limits import parse

from survey.extensions import db
from survey.models import Ballot, Draft, Response
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

SUBMIT = "Skicka in svaren"
THANKS = "Tack för dina svar!"
BUSY = "För många försök just nu"


def submitted(db_session) -> int:
    """Accepted submissions: responses after the close, ballots before it."""
    return count(db_session, Response) + count(db_session, Ballot)


def count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def respond_openly(app, url: str, address: str = "203.0.113.7") -> Browser:
    """One made-up respondent: a fresh cookie jar, the same client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    b = Browser(client)
    page = b.get(url)
    if page.status != 200:
        return b
    b.press("Fortsätt", fill={"role": "employee"})
    b.walk_to_review()
    b.press(SUBMIT)
    return b


def test_thirty_rapid_submissions_from_one_client_keep_only_the_limit(
    app, make_round, runner, tmp_path, db_session
):
    limit = parse(app.config["RATELIMIT_OPEN_SUBMIT"]).amount
    assert limit < 30 <= parse(app.config["RATELIMIT_OPEN_START"]).amount
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    outcomes = [respond_openly(app, url).page for _ in range(30)]
    accepted = [p for p in outcomes if p.h1 == THANKS]
    refused = [p for p in outcomes if p.status == 429]
    assert len(accepted) == limit and submitted(db_session) == limit
    assert len(refused) == 30 - limit
    for page in refused:
        assert page.h1 == BUSY and page.lang == "sv"
        assert "Svar som du redan har sparat finns kvar" in page.html
        assert "Traceback" not in page.html
    # Nothing accepted was lost, and the refused ones still have their drafts to send later.
    assert count(db_session, Draft) == 30 - limit
    # Another address, or another unit's link, is not affected.
    assert respond_openly(app, url, address="198.51.100.9").page.h1 == THANKS
    other = issue_links(runner, tmp_path / "v.csv", unit="EDU-B")[0]["url"]
    assert respond_openly(app, other).page.h1 == THANKS
    assert submitted(db_session) == limit + 2


def test_starts_are_limited_per_client_and_unit_link(app, make_round, runner, tmp_path, db_session):
    app.config["RATELIMIT_OPEN_START"] = "3 per hour"
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    statuses = []
    for _ in range(5):
        client = app.test_client()
        statuses.append(client.get(url.removeprefix("http://mognad.test")).status_code)
    assert statuses == [302, 302, 302, 429, 429]
    page = Browser(app.test_client()).get(url)
    assert page.status == 429 and page.h1 == BUSY
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert other.get(url.removeprefix("http://mognad.test")).status_code == 302
    assert count(db_session, Draft) == 0


def test_role_choice_counts_as_a_start(app, make_round, runner, tmp_path):
    app.config["RATELIMIT_OPEN_START"] = "2 per hour"
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    b = Browser(app.test_client())
    b.get(url)  # 1 of 2 (unit link)
    assert b.press("Fortsätt", fill={"role": "employee"}).path == "/survey"  # 1 of 2 (role)
    b.get("/survey/role")
    assert b.press("Fortsätt", fill={"role": "manager"}).path == "/survey"  # 2 of 2
    b.get("/survey/role")
    assert b.press("Fortsätt", fill={"role": "specialist"}).status == 429


def test_personal_links_are_not_limited(app, make_round, runner, write_csv, tmp_path, db_session):
    app.config["RATELIMIT_OPEN_SUBMIT"] = "1 per hour"
    make_round()
    people = [(f"p{i}@example.org", "EDU-A", "employee") for i in range(3)]
    invite(runner, write_csv, people=people)
    for row in issue_links(runner, tmp_path / "l.csv"):
        b = Browser(app.test_client())
        b.get(row["url"])
        b.walk_to_review()
        assert b.press(SUBMIT).h1 == THANKS
    assert submitted(db_session) == 3


def test_limits_can_be_switched_off_by_configuration(app, make_round, runner, tmp_path):
    from survey import create_app

    off = create_app({**app.config, "RATELIMIT_ENABLED": False, "RATELIMIT_OPEN_START": "1/hour"})
    make_round(mode="open", status="open")
    url = issue_links(runner, tmp_path / "u.csv", unit="EDU-A")[0]["url"]
    path = url.removeprefix("http://mognad.test")
    assert [off.test_client().get(path).status_code for _ in range(3)] == [302] * 3
    with off.app_context():
        db.engine.dispose()


def _feedback_poster(app, address: str = "203.0.113.7"):
    """A client holding the form's CSRF token; returns a function that posts one message."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    form = next(f for f in Browser(client).get("/accessibility").forms if f.method == "post")

    def post(message: str):
        return client.post("/accessibility", data=dict(form.hidden) | {"message": message})

    return client, post


def test_a_flood_of_accessibility_feedback_keeps_only_the_limit(app, db_session):
    """Attack: 200 posts of 2 KB from one address; before the limit all 200 were stored."""
    from survey.models import AccessibilityFeedback

    limit = parse(app.config["RATELIMIT_FEEDBACK"]).amount
    assert limit < 200
    client, post = _feedback_poster(app)
    statuses = [post(f"{i:04d} " + "x" * 1995).status_code for i in range(200)]
    assert statuses == [303] * limit + [429] * (200 - limit)
    assert count(db_session, AccessibilityFeedback) == limit
    # The refusal is a Swedish page that keeps what the person wrote and says it was not sent.
    refused = post("Knappen går inte att nå med tangentbordet")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert 'lang="sv"' in page and "ditt meddelande har inte skickats" in page
    assert "Knappen går inte att nå med tangentbordet" in page and "Traceback" not in page
    client.get("/lang/en")
    english = post("The button cannot be reached").get_data(as_text=True)
    assert "your message has not been sent" in english and "meddelande" not in english
    # Another address is not affected.
    other_client, other = _feedback_poster(app, address="198.51.100.9")
    assert other("Kontrasten är för låg").status_code == 303
    assert count(db_session, AccessibilityFeedback) == limit + 1
