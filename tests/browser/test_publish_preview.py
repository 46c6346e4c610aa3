"""Publishing in Chromium: build the preview (a job, with its progress page), read the draft
documents, then publish; the public page then links the report in both languages and formats."""

from __future__ import annotations

from urllib.parse import urljoin

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.flows import follow, h1, press
from tests.browser.test_respond_accessibility import assert_accessible
from tests.browser.test_staff_accessibility import staff_home

DOCUMENTS = ("report.html", "report.pdf", "report.en.html", "report.en.pdf")


def test_publish_preview_then_publish(
    page: Page, live_server: LiveServer, runner, two_years
) -> None:
    page.set_default_timeout(120_000)  # the preview and the publish build four documents
    staff_home(page, live_server, runner)
    page.goto(f"{live_server.url}/admin/rounds")
    follow(page, "R2025")
    follow(page, "Publicera omgången")
    assert h1(page) == "Publicera omgången R2025"
    expect(page.locator("main")).to_contain_text("publiceringen kan inte ångras")
    assert_accessible(page, reflow=False)

    press(page, "Bygg förhandsgranskning")
    assert "/admin/jobs/" in page.url
    expect(page.get_by_role("status")).to_contain_text("Förhandsgranskningen är klar")
    follow(page, "Läs förhandsgranskningen och publicera")
    links = page.locator("[data-previews] a")
    expect(links).to_have_count(len(DOCUMENTS))
    hrefs = [str(a.get_attribute("href")) for a in links.all()]
    assert sorted(h.rsplit("/", 1)[1] for h in hrefs) == sorted(DOCUMENTS)
    for href in hrefs:
        got = page.request.get(urljoin(page.url, href))
        assert got.status == 200, href
        if href.endswith(".pdf"):
            assert got.body().startswith(b"%PDF"), href
        else:
            assert b'class="draft-mark"' in got.body(), href
    assert_accessible(page, reflow=False)

    press(page, "Publicera omgången")
    expect(page.get_by_role("status")).to_contain_text("Omgången är publicerad.")
    page.goto(f"{live_server.url}/results/")
    follow(page, "R2025")
    for name in DOCUMENTS:
        expect(page.locator(f"main a[href$='/files/{name}']")).to_have_count(1)
    published = page.request.get(urljoin(page.url, f"files/{DOCUMENTS[0]}"))
    assert published.status == 200 and b'class="draft-mark"' not in published.body()
