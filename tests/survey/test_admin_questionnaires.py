"""Questionnaires in the browser: preview pages per role and language, uploads checked."""

from __future__ import annotations

import io
import re

import pytest
import yaml

from analysis.instruments import ROLES, load_questionnaire
from survey.services.respond import plan_for
from tests.conftest import QUESTIONNAIRE
from tests.survey.staff import text

Q = load_questionnaire(QUESTIONNAIRE)


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


WELCOME = {"sv": "Dina svar är anonyma", "en": "Your answers are anonymous"}
REVIEW = {"sv": "Granska dina svar", "en": "Check your answers"}
THANKS = {"sv": "Tack för dina svar!", "en": "Thank you for your answers!"}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_welcome_review_and_thanks_preview_for_every_role(app, admin, lang) -> None:
    base = "/admin/questionnaires/bundled/malmo-digital"
    detail = text(admin.get(base))
    for role in ROLES:
        plan = plan_for(Q, role)
        pages = [text(admin.get(f"{base}/{role}/{n}?lang={lang}")) for n in range(plan.review + 2)]
        for n, page in enumerate(pages):
            assert f"{base}/{role}/{n}?lang={lang}" in detail
            assert f'<html lang="{lang}">' in page
            assert "<button disabled" in page and "<button class" not in page
            assert 'action="/survey' not in page and 'href="/survey' not in page
            # Every preview page links to its neighbours, the first and last only one way.
            assert (f'href="{base}/{role}/{n - 1}?lang={lang}"' in page) == (n > 0)
            assert (f'href="{base}/{role}/{n + 1}?lang={lang}"' in page) == (n <= plan.review)
        welcome, review, thanks = pages[0], pages[plan.review], pages[plan.review + 1]
        assert Q.title[lang] in welcome and WELCOME[lang] in welcome
        assert f'href="{base}"' in welcome  # "change role" shows the other roles' previews
        assert re.search(r"<h1[^>]*>(.*?)</h1>", review, re.S).group(1).strip() == REVIEW[lang]
        # A fresh respondent has answered nothing: every statement is listed as missing and
        # its link opens the preview of its page, never the live survey.
        for p in plan.pages:
            for item in p.items:
                assert item.text[lang] in review
                assert f'href="{base}/{role}/{p.number}?lang={lang}#q-{item.id}"' in review
        assert f"0 {'av' if lang == 'sv' else 'of'} " in review
        assert THANKS[lang] in thanks
        assert ("Mätomgångens namn" if lang == "sv" else "Name of the round") in thanks
    too_far = plan_for(Q, "employee").review + 2
    assert admin.get(f"{base}/employee/{too_far}").status_code == 404
    assert admin.get(f"{base}/employee/-1").status_code == 404
    assert admin.get("/admin/questionnaires/bundled/nope").status_code == 404


def broken_document() -> str:
    doc = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    del doc["title"]
    doc["scales"]["agree6"]["max"] = "six"
    doc["dimensions"][0]["categories"][0]["items"] = "none"
    return yaml.safe_dump(doc, allow_unicode=True)


def upload(staff, content: str, name: str = "ny.yaml"):
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
    expected = [str(p.reason) for p in caught.value.problems]
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
    assert r.status_code == 400 and "filen är inte giltig YAML" in text(r)

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
