"""Regenerate docs/screenshots/: the respondent pages as a respondent sees them.

Runs the app on a temporary SQLite database with a small demo city (``mognad demo`` data, fewer
answers), serves it on loopback and photographs, full page, at 1280 and 375 px wide:
the welcome page, a question page, a page with an error summary and the thank-you page.
Uses Debian Chromium (``/usr/bin/chromium`` or ``MOGNAD_CHROMIUM``).

    .venv/bin/python bench/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

# Debian's Chromium, headless and quiet (no network of its own), as the browser tests run it.
CHROMIUM = Path(os.environ.get("MOGNAD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {1280: 800, 375: 812}
ROUND = "Mognad 2026"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@contextmanager
def serve(db_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Migrate, load the demo city, issue employee links; serve the app; yield (URL, links)."""
    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db
    from survey.results.report import write_documents
    from survey.sealing import app_sealer
    from survey.services.demo import load_demo
    from survey.services.links import issue_links
    from survey.services.settings import DataSettings, FigureSettings

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "screenshots-" + "0123456789abcdef" * 2,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    with app.app_context():
        upgrade()
        load_demo(
            db.session,
            per_year=120,
            sealer=app_sealer(),
            write_documents=write_documents,
            settings=FigureSettings.of(app.config),
            data=DataSettings.of(app.config),
        )
        table = issue_links(db.session, ROUND, base_url, app.config["SECRET_KEY"])
        db.session.commit()
        links = [row["url"] for row in table.rows if row["role"] == "employee"]
        db.engine.dispose()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url, links
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    page.wait_for_load_state()


def shoot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def photograph(page: Page, link: str, width: int, out: Path) -> None:
    """One respondent's way through the pages, photographed at one width."""
    page.goto(link)
    shoot(page, out / f"welcome-{width}.png")
    click(page, "Starta enkäten")
    # A question page part-answered: the first two statements chosen, the rest still open.
    radios = page.locator("main fieldset")
    radios.nth(0).get_by_label("Stämmer ganska bra").check()
    radios.nth(1).get_by_label("Vet ej").check()
    page.evaluate("() => window.scrollTo(0, 0)")
    shoot(page, out / f"question-{width}.png")
    # An answer the scale does not have (a tampered form) gives the error summary.
    radios.nth(2).locator("input[type=radio]").first.evaluate(
        "r => { r.value = '99'; r.checked = true; }"
    )
    click(page, "Nästa")
    shoot(page, out / f"error-{width}.png")
    radios = page.locator("main fieldset")
    radios.nth(2).get_by_label("Stämmer bra").check()
    click(page, "Nästa")
    while page.locator("main button[name=action][value=next]").count():
        click(page, "Nästa")
    click(page, "Skicka in svaren")
    shoot(page, out / f"thanks-{width}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp) / "demo.db") as (_, links),
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for (width, height), link in zip(WIDTHS.items(), links, strict=False):
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    locale="sv-SE",
                    device_scale_factor=1,
                )
                photograph(context.new_page(), link, width, args.out)
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
