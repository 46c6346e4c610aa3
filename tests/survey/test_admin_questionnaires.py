"""Questionnaires in the browser: preview pages per role and language, uploads checked."""

from __future__ import annotations

import io
import re

import pytest
import yaml

from analysis.instruments import ROLES, load_questionnaire
from survey.services.respond import plan_for
from tests.conftest import QUESTIONNAIRE
from tests.survey import admin_fixtures
from tests.survey.staff import text

Q = load_questionnaire(QUESTIONNAIRE)

admin = admin_fixtures.admin
clock = admin_fixtures.clock
outbox = admin_fixtures.outbox


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_page_of_every_role_previews_as_respondents_see_it(app, admin, lang) -> None:
    detail = text(admin.get("/admin/questionnaires/bundled/malmo-digital"))
    for role in ROLES:
        plan = plan_for(Q, role)
        for p in plan.pages:
            url = f"/admin/questionnaires/bundled/malmo-digital/{role}/{p.number}?lang={lang}"
            assert url.replace("?", "?").split("?")[0] in detail
            r = admin.get(url)
            assert r.status_code == 200, url
            page = text(r)
            assert f'<html lang="{lang}">' in page
            h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1).strip()
            expected = (
                p.category.title[lang]
                if p.category
                else ("Dina kommentarer" if lang == "sv" else "Your comments")
            )
            assert h1 == expected, (role, p.number, h1)
            for item in p.items:
                assert item.text[lang] in page
            assert "<button disabled" in page and "<button class" not in page
            assert 'action="#"' in page
    assert admin.get("/admin/questionnaires/bundled/malmo-digital/employee/99").status_code == 404
    assert admin.get("/admin/questionnaires/bundled/nope").status_code == 404


def broken_document() -> str:
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    del doc["title"]
    doc["scales"]["agree6"]["max"] = "six"
    doc["dimensions"][0]["categories"][0]["items"] = "none"
    return yaml.safe_dump(doc, allow_unicode=True)


def upload(staff, content: str, name: str = "ny.yaml"):  # type: ignore[no-untyped-def]
    page = staff.get("/admin/questionnaires").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return staff.client.post(
        "/admin/questionnaires",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), name)},
        content_type="multipart/form-data",
    )


def test_a_bad_upload_lists_every_problem_and_a_good_one_can_make_a_round(
    app, admin, outbox, make_org
) -> None:
    from analysis.instruments import QuestionnaireError, parse_questionnaire

    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(yaml.safe_load(broken_document()))
    expected = [p.reason for p in caught.value.problems]
    assert len(expected) >= 2
    r = upload(admin, broken_document())
    assert r.status_code == 400
    page = text(r)
    for reason in expected:
        assert reason in page
    assert f"Enkätfilen har {len(expected)} fel" in page
    folder = outbox.parent / "questionnaires"
    assert not folder.exists() or not list(folder.iterdir())

    r = upload(admin, "id: [unclosed\n")
    assert r.status_code == 400 and "not valid YAML" in text(r)

    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    doc["id"], doc["version"] = "egen-enkat", "1"
    r = upload(admin, yaml.safe_dump(doc, allow_unicode=True))
    assert r.status_code == 302
    assert (folder / "egen-enkat-1.yaml").is_file()
    listing = text(admin.get(r.location))
    assert "egen-enkat-1.yaml" in listing and "egen-enkat" in listing
    form = text(admin.get("/admin/rounds/new"))
    assert 'value="upload:egen-enkat-1.yaml"' in form
    make_org(2025)
    r = admin.post(
        "/admin/rounds/new",
        {"name": "Egen", "year": "2025", "questionnaire": "upload:egen-enkat-1.yaml",
         "mode": "invited"},
    )  # fmt: skip
    assert r.status_code == 303
    assert "egen-enkat 1" in text(admin.get(r.location))
    # The same id and version with other content is refused.
    doc["title"]["sv"] = "Annan titel"
    r = upload(admin, yaml.safe_dump(doc, allow_unicode=True))
    assert r.status_code == 400 and "finns redan med annat innehåll" in text(r)
