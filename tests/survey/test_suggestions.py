"""Improvement suggestions: the instrument's block, the page per unit, the admins' copy."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from analysis.instruments import QuestionnaireError, load_questionnaire, parse_questionnaire
from analysis.suggestions import MAX_LENGTH
from analysis.typology import QUADRANTS
from survey.extensions import db
from survey.models import AuditLog, SuggestionText
from survey.services import suggestions as service
from survey.services.report import round_figures
from tests.support.factory import QUESTIONNAIRE
from tests.survey.gap_pages import round_id
from tests.survey.staff import signed_in

Q = load_questionnaire(QUESTIONNAIRE)
DOCUMENT = yaml.safe_load(Path(QUESTIONNAIRE).read_text(encoding="utf-8"))


def _edit_url(rid: int, kind: str = "category", ident: str = "comp_safety") -> str:
    return f"/dashboard/{rid}/suggestions/{kind}/{ident}/edit"


def _copies(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        rows = db.session.scalars(select(SuggestionText))
        return [(r.kind, r.ident, r.texts) for r in rows]


def _audit(app, action: str) -> list[dict]:
    with app.app_context():
        return [
            e.detail for e in db.session.scalars(select(AuditLog).where(AuditLog.action == action))
        ]


# --- the instrument file -------------------------------------------------------------------


def test_bundled_instrument_has_suggestions_for_every_quadrant_and_category() -> None:
    assert set(Q.suggestions.quadrants) == set(QUADRANTS)
    assert set(Q.suggestions.categories) == {c.id for c in Q.categories}
    for entry in [*Q.suggestions.quadrants.values(), *Q.suggestions.categories.values()]:
        assert len(entry["sv"]) == len(entry["en"]) >= 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["categories"].update(nope=s["categories"]["comp_safety"]),
         "förslag, kategorier, 'nope': det finns ingen kategori 'nope'"),
        (lambda s: s["quadrants"]["mature"]["en"].pop(),
         "förslag, kvadranter, 'mature': 3 förslag på svenska men 2 på engelska"),
        (lambda s: s["quadrants"].update(bogus=s["quadrants"]["mature"]),
         "förslag, kvadranter: 'bogus' är inte tillåtet"),
        (lambda s: s["categories"]["comp_safety"].update(sv=[]),
         "förslag, kategorier, 'comp_safety', svensk text: behöver minst 1 post"),
        (lambda s: s["categories"]["comp_safety"]["sv"].append("x" * (MAX_LENGTH + 1)),
         "förslag, kategorier, 'comp_safety', svensk text, nummer 4: får vara högst 400 tecken"),
    ],
)  # fmt: skip
def test_a_broken_suggestions_block_names_its_place(change, expected) -> None:
    document = copy.deepcopy(DOCUMENT)
    change(document["suggestions"])
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(document, "broken.yaml")
    assert any(expected in str(p.reason) for p in caught.value.problems), caught.value.problems


def test_questionnaire_check_lists_the_suggestion_problem(runner, tmp_path) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["suggestions"]["categories"]["nope"] = {"sv": ["Gör så"], "en": ["Do so"]}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "check", str(path)])
    assert result.exit_code != 0
    assert "förslag, kategorier, 'nope'" in result.output


def test_an_instrument_without_suggestions_is_still_valid() -> None:
    document = copy.deepcopy(DOCUMENT)
    del document["suggestions"]
    assert not parse_questionnaire(document).suggestions.categories


# --- the page -------------------------------------------------------------------------------


def test_page_shows_the_quadrant_and_weakest_categories_of_the_engine(
    app, two_years, admin
) -> None:
    rid = round_id(app, "R2025")
    with app.app_context():
        figures = round_figures(db.session(), "R2025", int(app.config["K_ANONYMITY"]))
        weak = service.weakest(figures.aggregates, Q, "EDU-A", "all")
        quadrant = service.unit_quadrant(figures.aggregates, "EDU-A", "all")
        hidden = service.weakest(figures.aggregates, Q, "TINY", "all")
    assert weak and not hidden
    rows = figures.aggregates
    shown = rows[(rows["unit_code"] == "EDU-A") & (rows["role"] == "all") & ~rows["suppressed"]]
    scores = dict(zip(shown["index"], shown["score"], strict=True))
    assert [w.score for w in weak] == sorted(scores[c.id] for c in Q.categories if c.id in scores)[
        :3
    ]
    page = admin.get(f"/dashboard/{rid}/suggestions?unit=EDU-A").get_data(as_text=True)
    for w in weak:
        assert Q.suggestions.categories[w.category]["sv"][0] in page
    if quadrant:
        assert QUADRANTS[quadrant].name["sv"] in page
        assert Q.suggestions.quadrants[quadrant]["sv"][0] in page
    tiny = admin.get(f"/dashboard/{rid}/suggestions?unit=TINY").get_data(as_text=True)
    assert "Det finns inga resultat att visa" in tiny
    english = admin.get(f"/dashboard/{rid}/suggestions?unit=EDU-A&lang=en").get_data(as_text=True)
    assert Q.suggestions.categories[weak[0].category]["en"][0] in english


def test_hr_reads_but_cannot_edit(app, runner, clock, two_years) -> None:
    rid = round_id(app, "R2025")
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    page = hr.get(f"/dashboard/{rid}/suggestions")
    assert page.status_code == 200 and "/edit" not in page.get_data(as_text=True)
    assert hr.get(_edit_url(rid)).status_code == 403
    refused = hr.client.post(_edit_url(rid), data={"text_sv": "a", "text_en": "b"})
    assert refused.status_code in (400, 403)
    assert _copies(app) == []


def test_admin_edits_and_restores(app, two_years, admin) -> None:
    rid = round_id(app, "R2025")
    url = _edit_url(rid)
    saved = admin.post(
        url,
        {
            "action": "save",
            "text_sv": "Öva nätfiske\n\nLås skärmen ",
            "text_en": "Practise phishing\nLock the screen",
        },
    )
    assert saved.status_code == 303
    assert _copies(app) == [
        (
            "category",
            "comp_safety",
            {"sv": ["Öva nätfiske", "Lås skärmen"], "en": ["Practise phishing", "Lock the screen"]},
        )
    ]
    assert admin.get(url).get_data(as_text=True).count("Öva nätfiske") == 1
    assert _audit(app, "suggestions.edit") == [
        {"instrument": Q.id, "kind": "category", "ident": "comp_safety"}
    ]
    again = admin.post(url, {"action": "save", "text_sv": "Ett", "text_en": "One"})
    assert again.status_code == 303 and len(_copies(app)) == 1
    assert _copies(app)[0][2] == {"sv": ["Ett"], "en": ["One"]}
    restored = admin.post(url, {"action": "restore"})
    assert restored.status_code == 303 and "done=restored" in restored.headers["Location"]
    assert _copies(app) == []
    assert _audit(app, "suggestions.restore") == [
        {"instrument": Q.id, "kind": "category", "ident": "comp_safety"}
    ]
    form = admin.get(url).get_data(as_text=True)
    assert Q.suggestions.categories["comp_safety"]["sv"][0] in form


@pytest.mark.parametrize(
    ("sv", "en", "message"),
    [
        ("", "One", "Förslag på svenska: skriv minst ett förslag"),
        ("  \n ", "One", "Förslag på svenska: skriv minst ett förslag"),
        ("Ett", "x" * (MAX_LENGTH + 1),
         f"Förslag på engelska, rad 1: förslaget har {MAX_LENGTH + 1} tecken"),
        ("Ett\nTvå", "One", "2 förslag på svenska men ett annat antal på engelska"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_message_and_nothing_is_saved(
    app, two_years, admin, sv, en, message
) -> None:
    rid = round_id(app, "R2025")
    response = admin.post(_edit_url(rid), {"action": "save", "text_sv": sv, "text_en": en})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "error-summary" in page
    assert _copies(app) == [] and _audit(app, "suggestions.edit") == []


def test_edit_needs_csrf_and_a_known_entry(app, two_years, admin) -> None:
    rid = round_id(app, "R2025")
    forged = admin.post(
        _edit_url(rid), {"action": "save", "text_sv": "a", "text_en": "b"}, csrf=False
    )
    assert forged.status_code == 400 and _copies(app) == []
    assert admin.get(_edit_url(rid, "category", "nope")).status_code == 404
    assert admin.get(_edit_url(rid, "other", "comp_safety")).status_code == 404
    assert admin.get(_edit_url(rid, "quadrant", "mature")).status_code == 200


def test_manager_sees_only_their_subtree(app, runner, clock, two_years, client) -> None:
    rid = round_id(app, "R2025")
    boss = signed_in(app, runner, clock, "boss@example.org", "manager", "EDU")
    own = boss.get(f"/dashboard/{rid}/suggestions")
    assert own.status_code == 200
    page = own.get_data(as_text=True)
    assert "(EDU)" in page and "(EDU-A)" in page
    assert "(CARE" not in page and "(CITY)" not in page and "(TINY)" not in page
    assert boss.get(f"/dashboard/{rid}/suggestions?unit=EDU-A").status_code == 200
    for unit in ("CARE", "CITY", "TINY"):
        assert boss.get(f"/dashboard/{rid}/suggestions?unit={unit}").status_code == 403
    assert boss.get(_edit_url(rid)).status_code == 403
    anonymous = client.get(f"/dashboard/{rid}/suggestions")
    assert anonymous.status_code == 302


def test_editing_starts_with_what_the_unit_is_shown(app, two_years, admin) -> None:
    """The edit list opens with the unit's quadrant and weakest categories; an instrument
    without suggestions starts a quadrant's editor from the quadrant's own advice."""
    from survey.results.suggestions import editing_order

    rid = round_id(app, "R2025")
    with app.app_context():
        figures = round_figures(db.session(), "R2025", int(app.config["K_ANONYMITY"]))
        weak = [w.category for w in service.weakest(figures.aggregates, Q, "EDU-A", "all")]
        quadrant = service.unit_quadrant(figures.aggregates, "EDU-A", "all")
        entries = service.entries(db.session(), Q)
    first = [("quadrant", quadrant)] if quadrant else []
    first += [("category", c) for c in weak]
    order = [(e.kind, e.ident) for e in editing_order(entries, quadrant, weak)]
    assert order[: len(first)] == first and sorted(order) == sorted(entries)
    page = admin.get(f"/dashboard/{rid}/suggestions?unit=EDU-A").get_data(as_text=True)
    edit = page.split('id="edit"', 1)[1]
    assert edit.count("visas för Skola A") == len(first)
    links = re.findall(r"/suggestions/(quadrant|category)/([a-z_]+)/edit", edit)
    assert links == order  # the page lists them in that order
    empty = {k: service.Entry(k[0], k[1], {}, {}, False) for k in entries}
    assert editing_order(empty, None, []) == list(empty.values())
