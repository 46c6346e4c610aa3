"""Every page of the app, found in ``app.url_map``: axe 0 violations and no sideways scrolling.

One parametrised test over the registered routes, so that a page added later is checked without
anyone remembering to add it: axe-core (WCAG 2.1 A/AA) at 1280 and 320 px, and at 320 px the
page is no wider than the viewport (WCAG 1.4.10 Reflow; a data table scrolls inside its own
keyboard-focusable region, which does not widen the page). Staff pages are opened by a signed-in
administrator (who also sees the staff menu on each of them), respondent pages by a respondent
who has opened a personal link, the rest by a visitor without a session.

Route variables are filled with the demo's own things (a closed round, a unit, a questionnaire,
an outbox message, a respondent: ``every_page_world.py``); a variable without a value there
fails the test, so a new kind of route gets one. Skipped are only the routes listed in
``POST_ONLY`` and ``FILES`` (downloads, images, JSON), each by name;
``test_the_skip_lists_are_exact`` keeps those lists honest.

One browser, one demo database and one server for the whole module (the demo is small).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.routing import Rule
from werkzeug.serving import make_server

from survey import create_app
from survey.extensions import db
from tests.browser.conftest import DESKTOP, _Errors, _Quiet
from tests.browser.every_page_world import OPEN_ROUND, ROUND, demo_world
from tests.browser.flows import follow, h1, press
from tests.browser.test_respond_accessibility import axe_violations
from tests.browser.test_results_walk import set_up_account

SECRET = "every-page-secret-" + "0123456789abcdef" * 2
UNIT = "FSF"
NARROW = {"width": 320, "height": 640}

#: Routes without a GET: forms post to them, and the pages that hold those forms are checked.
POST_ONLY = frozenset(
    {
        "admin.export_download",
        "admin.federation_remove",
        "admin.org_remap_confirm",
        "admin.org_confirm",
        "admin.respondents_confirm",
        "admin.round_preview",
        "admin.round_reminders",
        "admin.token_create",
        "admin.token_revoke",
        "admin.upload_cancel",
        "auth.sign_out",
        "respond.answer_again",
    }
)
#: GET routes that answer with a file, an image or JSON, not a page.
FILES = frozenset(
    {
        "static",
        "main.favicon",
        "api.openapi",
        "api.rounds",
        "api.aggregates",
        "admin.fieldwork_csv",
        "dashboard.chart",
        "dashboard.gaps_svg",
        "dashboard.gaps_xlsx",
        "results.download",
        "admin.preview_download",
        "respond.profile_download",
    }
)
#: Pages the demo has nothing real for, shown as the error page a visitor would meet there
#: (still checked): no job has run, no SSO is set up, a used or unknown set-up or unit link,
#: the thank-you page before anything was sent, the competence profile before a submission,
#: and unit links and posters (the demo has no open-link round; these pages have their own
#: browser tests).
ERROR_PAGES = frozenset(
    {
        "admin.job_detail",
        "auth.oidc_start",
        "auth.oidc_callback",
        "auth.setup",
        "respond.unit_link",
        "respond.thanks",
        "respond.profile",
        "admin.unit_links",
        "admin.unit_poster",
        "admin.unit_poster_pdf",
    }
)
STAFF_BLUEPRINTS = {"admin", "dashboard", "plans"}
STAFF_ENDPOINTS = {"auth.password"}


def _rules() -> list[Rule]:
    """The app's rules, read once at collection (the app is built without a database)."""
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": SECRET})
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


RULES = _rules()
PAGES = [r for r in RULES if r.endpoint not in POST_ONLY | FILES]


def test_the_skip_lists_are_exact() -> None:
    """Only POST-only routes and files are skipped, and every one of them is named above."""
    endpoints = {r.endpoint for r in RULES}
    post_only = {r.endpoint for r in RULES if "GET" not in (r.methods or set())}
    assert post_only == POST_ONLY, "a POST-only route was added or removed: update POST_ONLY"
    assert not FILES - endpoints, f"FILES names routes that do not exist: {FILES - endpoints}"


@dataclass
class World:
    url: str
    app: Flask
    values: dict[str, object]
    contexts: dict[str, BrowserContext] = field(default_factory=dict)
    errors: list[logging.LogRecord] = field(default_factory=list)


def no_check(page: Page) -> None:
    """The set-up pages are checked as routes of their own below."""


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, browser: Browser
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("every-page")
    shutil.copy(sqlite_template, folder / "mognad.db")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'mognad.db'}",
            "SECRET_KEY": SECRET,
            "BASE_URL": "http://127.0.0.1",
            "QUEUE_IMMEDIATE": True,
            "UPLOAD_DIR": str(folder / "uploads"),
        }
    )
    app.instance_path = str(folder / "instance")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    values = demo_world(app, url, SECRET, UNIT)
    errors = _Errors()
    app.logger.addHandler(errors)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    w = World(url, app, values, errors=errors.records)
    try:
        staff = browser.new_context(viewport=DESKTOP, locale="sv-SE")
        set_up_account(staff.new_page(), str(values["setup"]), "every@page.example", no_check)
        respondent = browser.new_context(viewport=DESKTOP, locale="sv-SE")
        started = respondent.new_page()
        started.goto(str(values["personal_link"]))
        press(started, "Starta enkäten")
        visitor = browser.new_context(viewport=DESKTOP, locale="sv-SE")
        boss = browser.new_context(viewport=DESKTOP, locale="sv-SE")
        set_up_account(boss.new_page(), str(values["boss_setup"]), "boss@page.example", no_check)
        w.contexts = {"staff": staff, "respondent": respondent, "visitor": visitor, "boss": boss}
        yield w
    finally:
        for context in w.contexts.values():
            context.close()
        server.shutdown()
        thread.join(5)
        server.server_close()
        app.logger.removeHandler(errors)
        with app.app_context():
            db.engine.dispose()


def who(rule: Rule) -> str:
    blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else ""
    if blueprint in STAFF_BLUEPRINTS or rule.endpoint in STAFF_ENDPOINTS:
        return "staff"
    return "respondent" if blueprint == "respond" else "visitor"


def url_of(w: World, rule: Rule) -> str:
    """The rule's URL with the demo's values (a real questionnaire and suggestion where needed)."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        assert name in w.values, f"{rule.rule}: no demo value for <{name}>; add one to _demo()"
        values[name] = w.values[name]
    if rule.endpoint == "admin.outbox_message":
        values["name"] = w.values["message"]
    if rule.endpoint.startswith("admin.respondents_") and "name" in values:
        values["name"] = OPEN_ROUND  # people can be changed while the round is open
    if rule.endpoint == "respond.personal_link":
        values["token"] = str(w.values["personal_link"]).split("/s/", 1)[1]
    if rule.endpoint.startswith("admin.questionnaire_"):
        values |= _questionnaire(w)
    if rule.endpoint == "plans.new":
        values |= {"round": w.values["round_id"], "unit": UNIT}
    if rule.endpoint == "dashboard.suggestions_edit":
        values |= {"kind": "quadrant", "ident": "mature"}
    with w.app.test_request_context():
        from flask import url_for

        return w.url + url_for(rule.endpoint, **values)


def _questionnaire(w: World) -> dict[str, str]:
    """The kind and ref of the first questionnaire the staff list links to."""
    page = w.contexts["staff"].pages[0]
    page.goto(f"{w.url}/admin/questionnaires")
    href = page.locator("main a[href*='/admin/questionnaires/']").first.get_attribute("href")
    assert href, "the questionnaire list links no questionnaire"
    kind, ref = href.rstrip("/").split("/")[-2:]
    return {"kind": kind, "ref": ref}


OVERFLOW = """() => { const W = document.documentElement.clientWidth; const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap')) continue;
    if (el.getBoundingClientRect().right > W + 1) wide.push(el.tagName.toLowerCase()
      + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined
      ? '.' + String(el.className).split(' ').join('.') : ''));
  }
  const width = document.documentElement.scrollWidth;
  return {width: width, inner: innerWidth, wide: wide.slice(0, 5)}; }"""


def check(page: Page) -> list[str]:
    """axe at 1280 and 320 px; at 320 px nothing wider than the viewport."""
    found = [f"at 1280 px: {line}" for line in axe_violations(page)]
    page.set_viewport_size(NARROW)
    found += [f"at 320 px: {line}" for line in axe_violations(page)]
    size = page.evaluate(OVERFLOW)
    if size["width"] > size["inner"]:
        found.append(f"scrolls sideways at 320 px (scrollWidth {size['width']}): {size['wide']}")
    page.set_viewport_size(DESKTOP)
    return found


@pytest.mark.parametrize("rule", PAGES, ids=[r.endpoint for r in PAGES])
def test_page_is_accessible_and_reflows(world: World, rule: Rule) -> None:
    context = world.contexts[who(rule)]
    page = context.pages[0] if context.pages else context.new_page()
    url = url_of(world, rule)
    response = page.goto(url)
    assert response is not None, url
    if rule.endpoint in ERROR_PAGES:
        assert 400 <= response.status < 500, f"{url} answered {response.status}"
    else:
        assert response.status < 400, f"{url} answered {response.status}"
    found = check(page)
    if who(rule) == "staff" and page.locator("main h1").count():
        nav = page.get_by_role("navigation", name="Personal")
        assert nav.count() == 1, f"{page.url} has no staff menu"
    assert not world.errors, [r.getMessage() for r in world.errors]
    assert not found, f"{page.url}:\n" + "\n".join(found)


LONG = "https://forvaltning.demo.example/" + "en-mycket-lang-adress-utan-mellanslag-" * 12


def test_previews_of_long_text_wrap_at_320(world: World, tmp_path: Path) -> None:
    """The pages that show text a person wrote or uploaded, with unbroken lines far wider than
    a phone: the mail-text preview and the preview of a refused respondent file."""
    page = world.contexts["staff"].pages[0]
    page.goto(f"{world.url}/admin/rounds/{world.values['open_round_id']}/texts")
    page.locator("#invitation-sv-subject").fill("Enkäten om digital mognad")
    page.locator("#invitation-sv-body").fill(f"Hej! Läs mer på {LONG} och svara här: {{link}}")
    press(page, "Förhandsgranska")
    assert LONG in page.locator("main").inner_text()
    found = check(page)

    people = tmp_path / "people.csv"
    address = "a." + "mycket-lang-" * 20 + "@example.org"
    people.write_text(f"email,unit_code,role\n{address},{'X' * 120},employee\n", "utf-8")
    page.goto(f"{world.url}/admin/respondents/{OPEN_ROUND}/upload")
    page.get_by_label("Fil med respondenter").set_input_files(str(people))
    press(page, "Förhandsgranska")
    assert page.locator("#problems").count() == 1, page.locator("main").inner_text()
    found += check(page)
    assert not found, "\n".join(found)


def test_a_manager_sees_their_units_gaps_and_nothing_outside(world: World) -> None:
    """From the overview's link to the heatmap: only the manager's own subtree, with its menu."""
    page = world.contexts["boss"].pages[0]
    page.goto(f"{world.url}/dashboard/{world.values['round_id']}/")
    follow(page, "Kompetensgap")
    assert h1(page) == f"Kompetensgap: {ROUND}"
    heads = page.locator("table:has(#heatmap-caption) tbody th").all_inner_texts()
    codes = {h.rsplit("(", 1)[1].rstrip(")") for h in heads}
    assert codes == world.values["subtree"], codes
    nav = page.get_by_role("navigation", name="Personal")
    assert nav.get_by_role("link").all_inner_texts() == [
        "Startsida",
        "Fältarbete och svarsfrekvens",
        "Resultat",
        "Åtgärdsplaner",
    ]
    assert not check(page), page.url
    outside = page.goto(f"{world.url}/dashboard/{world.values['round_id']}/gaps?unit=STAD")
    assert outside is not None and outside.status == 403


def test_the_overview_shows_its_key_figures_on_one_screen(world: World) -> None:
    """At 1280 × 800 the headline, the quadrant and the strongest and weakest areas are in view
    at once; the page is well under half its old height; the folded table opens; axe, reflow."""
    page = world.contexts["staff"].new_page()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{world.url}/dashboard/{world.values['round_id']}/")
    for part in (
        "#headline-figures .card",
        "#quadrant-place",
        "#areas-strongest",
        "#areas-weakest",
    ):
        box = page.locator(part).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], (part, box)
    height = page.evaluate("document.documentElement.scrollHeight")
    # 7,076 px before the first screen was laid out, 3,148 px after; the sections added since
    # (the follow-up of an action plan, plan areas, another organisation's figures: this world
    # has all three) fold their tables, so the page stays at well under 60 % of the old height.
    assert height < 4200, height
    page.locator("#scores-fold > summary").click()
    assert page.locator("table:has(#scores-table-caption) tbody tr").first.is_visible()
    found = check(page)
    page.close()
    assert not found, "\n".join(found)
