"""The staff side as each role sees it: the menu, the quadrant picture, the unit page's headings.

The menu is checked against what the server answers (every link it offers opens for that
person, the sections marked current), the quadrant picture against
``analysis.typology.place_unit`` on the round's suppressed figures (placed units drawn and in
the table, the others listed and never drawn), and a manager's unit page against their scope.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from analysis.typology import QUADRANTS, UNDETERMINED, place_unit
from survey.extensions import db
from survey.models import Round
from survey.results.numbers import number
from survey.services.report import round_figures
from tests.support.tables import tables
from tests.survey.gap_pages import round_id
from tests.survey.staff import signed_in

MENU = re.compile(r'<nav class="staff-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a class="staff-nav__link" href="([^"]+)"(?: aria-current="(\w+)")?>')
H2 = re.compile(r'<h2 id="compare">([^<]+)</h2>')


def menu(html: str) -> dict[str, str | None]:
    """href → aria-current of the staff menu's links (empty when the page has no menu)."""
    found = MENU.search(html)
    return (
        {href: current or None for href, current in LINK.findall(found.group(1))} if found else {}
    )


def test_the_menu_offers_each_role_what_it_may_use(app, runner, clock, two_years) -> None:
    people = {
        "admin": signed_in(app, runner, clock, "admin@example.org", "admin"),
        "hr": signed_in(app, runner, clock, "hr@example.org", "hr"),
        "manager": signed_in(app, runner, clock, "boss@example.org", "manager", "EDU"),
    }
    offered = {}
    for role, person in people.items():
        links = menu(person.get("/admin/").get_data(as_text=True))
        assert links["/admin/"] == "page"
        for href in links:
            assert person.get(href).status_code == 200, f"{role}'s menu offers {href}"
        assert menu(person.get("/dashboard/").get_data(as_text=True)) == {
            **{h: None for h in links},
            "/dashboard/": "page",
        }
        offered[role] = set(links)
    assert offered["manager"] == {"/admin/", "/admin/fieldwork/", "/dashboard/", "/plans/"}
    assert "/admin/rounds" not in offered["hr"] and "/admin/exports/" in offered["hr"]
    # Action plans are the line's own (managers and admins), not HR's.
    assert "/plans/" not in offered["hr"] and "/plans/" in offered["admin"]
    assert offered["admin"] > offered["hr"] > offered["manager"] - {"/plans/"}
    # Below a section, the section is marked (as "true", the page itself is another).
    rid = round_id(app, "R2025")
    inside = menu(people["admin"].get(f"/admin/rounds/{rid}").get_data(as_text=True))
    assert inside["/admin/rounds"] == "true" and inside["/admin/"] is None
    # Public pages have no staff menu, even for someone signed in.
    assert menu(people["admin"].get("/method").get_data(as_text=True)) == {}


def test_the_quadrant_picture_draws_placed_units_and_lists_the_others(
    app, runner, clock, two_years_all_roles
) -> None:
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    rid = round_id(app, "R2025")
    html = admin.get(f"/dashboard/{rid}/?role=all").get_data(as_text=True)
    with app.app_context():
        name = db.session.scalar(select(Round.name).where(Round.id == rid))
        fig = round_figures(db.session(), name, int(app.config["K_ANONYMITY"]))
    placed = {c: place_unit(fig.aggregates, c, "all") for c in ("EDU", "CARE", "TINY")}
    assert placed["TINY"] is None and placed["EDU"] is not None  # TINY has 2 people
    rows = {row[1]: row for row in tables(html)["quadrant-map-table-caption"][1:]}
    drawn = {code for code, p in placed.items() if p is not None}
    assert {re.search(r"\((\S+)\)", k).group(1) for k in rows} == drawn
    with app.test_request_context():  # the pages' number format needs the page's locale
        for code in drawn:
            p = placed[code]
            assert p is not None
            row = next(r for k, r in rows.items() if k.endswith(f"({code})"))
            assert row[2].startswith(number(p.capability.score)), row
            assert row[3].startswith(number(p.legacy.score)), row
            quadrant = (
                "Kan inte avgöras"
                if p.quadrant == UNDETERMINED
                else QUADRANTS[p.quadrant].name["sv"]
            )
            assert row[4] == quadrant
    hidden = re.search(r'<p id="quadrant-map-hidden">(.*?)</p>', html, re.S)
    assert hidden and "(TINY)" in hidden.group(1)
    svg = re.search(r'<svg[^>]*class="quadrant-map".*?</svg>', html, re.S)
    labels = re.findall(r'font-weight="bold">(\d+)</text>', svg.group(0)) if svg else []
    assert sorted(labels) == [str(i) for i in range(1, len(drawn) + 1)]  # one marker per unit
    assert svg is not None
    assert 'role="img"' in svg.group(0) and "<title" in svg.group(0)
    # Employees do not answer the legacy questions: the page says so instead of a picture.
    employees = admin.get(f"/dashboard/{rid}/?role=employee").get_data(as_text=True)
    assert "quadrant-map-table" not in employees and "medarbetare inte besvarar" in employees


def test_a_managers_unit_page_promises_only_what_they_may_see(
    app, runner, clock, two_years
) -> None:
    rid = round_id(app, "R2025")
    admin = signed_in(app, runner, clock, "admin@example.org", "admin")
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU")

    def heading(person, code: str) -> str:
        page = person.get(f"/dashboard/{rid}/units/{code}")
        assert page.status_code == 200
        found = H2.search(page.get_data(as_text=True))
        assert found
        return found.group(1)

    assert heading(admin, "EDU-A") == "Jämfört med överordnad enhet och hela organisationen"
    assert heading(admin, "EDU") == "Jämfört med hela organisationen"
    assert heading(boss, "EDU-A") == "Jämfört med överordnad enhet"
    assert heading(boss, "EDU") == "Enhetens dimensioner"
    page = boss.get(f"/dashboard/{rid}/units/EDU-A").get_data(as_text=True)
    caption = re.search(r'<caption id="compare-table-caption">([^<]+)</caption>', page)
    assert caption and caption.group(1) == "Dimensioner: enheten och den överordnade enheten"
    assert "Staden" not in page  # the organisation's name is nowhere on a manager's page
