"""The public results pages: only published rounds exist there, every link works, and the
downloads are the stored bytes with the right type."""

from __future__ import annotations

import base64
import hashlib
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import PublishedFile, Round
from survey.services.report import round_figures
from tests.support.report_html import number
from tests.support.tables import cells, links

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _ids(db_session) -> dict[str, int]:
    return dict(db_session.execute(sa.select(Round.name, Round.id)).all())


def _main(body: bytes) -> bytes:
    """The page's main content (the language switch names the page's own address)."""
    return body.split(b"<main", 1)[1].split(b"</main>", 1)[0]


@SQLITE
def test_before_anything_is_published_the_list_says_so(client) -> None:
    page = client.get("/results/")
    assert page.status_code == 200
    assert "Inga resultat är publicerade ännu" in page.get_data(as_text=True)
    assert "No results have been published yet" in client.get("/results/?lang=en").get_data(
        as_text=True
    )
    assert 'href="/results/"' in client.get("/").get_data(as_text=True)


def test_a_round_that_is_not_published_is_not_there(client, two_years, db_session) -> None:
    ids = _ids(db_session)
    # Even stored bytes of a closed round (as if left behind) are not served.
    db_session.add(
        PublishedFile(round_id=ids["R2024"], filename="aggregates.csv", content_type="text/csv",
                      content=b"x", size=1, sha256=hashlib.sha256(b"x").hexdigest())
    )  # fmt: skip
    db_session.flush()
    unknown = client.get("/results/999/")
    assert unknown.status_code == 404 and "Sidan finns inte" in unknown.get_data(as_text=True)
    for rid in ids.values():
        for url in (f"/results/{rid}/", f"/results/{rid}/files/aggregates.csv"):
            r = client.get(url)
            assert r.status_code == 404, url
            other = client.get(url.replace(f"/{rid}/", "/999/"))
            assert _main(r.data) == _main(other.data)  # no hint that the round is there
    assert "R2024" not in client.get("/results/").get_data(as_text=True)


@SQLITE
def test_a_published_round_has_its_summary_report_and_open_data(
    app, runner, client, two_years, db_session
) -> None:
    result = runner.invoke(args=["round", "publish", "R2025"])
    assert result.exit_code == 0, result.output
    ids = _ids(db_session)
    rid, hidden = ids["R2025"], ids["R2024"]

    # Crawl every link of the public pages that stays under /results.
    seen: dict[str, object] = {}
    queue = ["/results/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        r = client.get(url)
        assert r.status_code == 200, url
        seen[url] = r
        if r.mimetype == "text/html" and "/files/" not in url:
            queue += [h for h in links(r.get_data(as_text=True)) if h.startswith("/results")]
    stored = set(db_session.scalars(sa.select(PublishedFile.filename)))
    assert {f"/results/{rid}/files/{name}" for name in stored} <= set(seen)
    assert not [u for u in seen if re.match(rf"/results/{hidden}/", u)]
    for name in stored:
        assert client.get(f"/results/{hidden}/files/{name}").status_code == 404

    # The summary shows the organisation's figures exactly as the report's frames have them.
    with app.app_context():
        agg = round_figures(db.session(), "R2025", app.config["K_ANONYMITY"]).aggregates
    page = client.get(f"/results/{rid}/").get_data(as_text=True)
    shown = cells(page)
    root = agg[(agg.unit_level == 0) & (agg.role == "all")]
    checked = 0
    for row in root.to_dict("records"):
        key = f"{row['unit_code']}|all|{row['index']}"
        if key not in shown:
            continue
        text = shown[key]["text"]
        if row["suppressed"]:
            assert not re.search(r"\d", text)
        else:
            assert f"{row['score']:.1f}".replace(".", ",") in text
            checked += 1
    assert checked >= 2
    assert "CC0" in page and 'href="/results/"' in page

    files = {n: client.get(f"/results/{rid}/files/{n}") for n in stored}
    assert files["aggregates.csv"].mimetype == "text/csv"
    assert files["aggregates.csv"].headers["Content-Disposition"].startswith("attachment")
    assert files["aggregates.json"].mimetype == "application/json"
    assert files["report.pdf"].mimetype == "application/pdf"
    assert files["report.pdf"].data.startswith(b"%PDF")
    html = files["report.html"]
    assert html.mimetype == "text/html"
    assert html.headers["Content-Disposition"] == 'inline; filename="report.html"'
    style = re.search(rb"<style>(.*?)</style>", html.data, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1)).digest()).decode()
    policy = html.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "sandbox" in policy and "script" not in policy
    # TINY's cells stay hidden in the report people download.
    tiny = [v for k, v in cells(html.get_data(as_text=True)).items() if k.startswith("TINY|")]
    assert tiny and not [v for v in tiny if number(v.get("score", "–")) is not None]

    # The respondents' receipt links last year's published report; it opens.
    from survey.respond.submit import report_url

    with app.test_request_context("/"):
        url = report_url(SimpleNamespace(year=2026))
    assert url == f"/results/{rid}/"
    assert client.get(url).status_code == 200
