"""Publishing in Chromium: the publish page offers no publish button until a preview is built
(a job, with its progress page) and read; a publish posted anyway is refused in Swedish. Then
the draft documents are read and the round published; the public page links the report in
both languages and formats."""

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
    expect(page.locator("[data-publish-blocked]")).to_contain_text("ingen förhandsgranskning")
    expect(page.get_by_role("button", name="Publicera omgången")).to_have_count(0)
    assert_accessible(page, reflow=False)
    # A publish posted without a preview (an old tab, a crafted form) is refused, in Swedish.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post(page.url, form={"csrf_token": str(token)})
    assert refused.status == 400 and "ingen förhandsgranskning finns" in refused.text()

    press(page, "Förhandsgranska", exact=True)
    assert "/admin/jobs/" in page.url
    expect(page.get_by_role("status")).to_contain_text("Förhandsgranskningen är klar")
    follow(page, "Läs förhandsgranskningen och publicera")
    expect(page.locator("[data-publish-blocked]")).to_contain_text("ingen har öppnat")
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
    page.reload()  # read: now the page offers the irreversible step
    expect(page.locator("[data-publish-blocked]")).to_have_count(0)
    assert_accessible(page, reflow=False)

    press(page, "Publicera omgången")
    expect(page.get_by_role("status")).to_contain_text("Omgången är publicerad.")
    page.goto(f"{live_server.url}/results/")
    follow(page, "R2025")
    for name in DOCUMENTS:
        expect(page.locator(f"main a[href$='/files/{name}']")).to_have_count(1)
    published = page.request.get(urljoin(page.url, f"files/{DOCUMENTS[0]}"))
    assert published.status == 200 and b'class="draft-mark"' not in published.body()
