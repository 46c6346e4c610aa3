"""Control characters in any form field or query value: a 400 with a message, nothing stored."""

from __future__ import annotations

import pytest

from survey.security import redact
from tests.conftest import table_snapshot
from tests.support.factory import invite, issue_links
from tests.support.forms import Browser

MESSAGE = "otillåtna styrtecken"


@pytest.fixture
def on_comment_page(app, make_round, runner, write_csv, tmp_path):
    make_round()
    invite(runner, write_csv)
    url = issue_links(runner, tmp_path / "l.csv")[0]["url"]
    b = Browser(app.test_client())
    b.get(url)
    page = b.press("Starta enkäten")
    while "c-comment_learning" not in page.forms[0].texts:
        page = b.press("Nästa", choose="first")
    return b


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x1b[31m", "\x07", "\x7f", "one\rtwo", "\x0c"])
def test_a_control_character_in_a_comment_is_refused_and_nothing_stored(on_comment_page, bad):
    b = on_comment_page
    before = table_snapshot(b.client.application)
    page = b.press("Nästa", choose="first", fill={"c-comment_learning": f"Bra {bad} jobbat"})
    assert page.status == 400
    assert MESSAGE in page.html and "Ingenting har sparats" in page.html
    assert "Traceback" not in page.html
    assert table_snapshot(b.client.application) == before


def test_tab_newline_and_crlf_are_text(on_comment_page):
    b = on_comment_page
    page = b.press("Nästa", choose="first", fill={"c-comment_learning": "a\tb\r\nc\nd"})
    assert page.status == 200 and page.h1 == "Granska dina svar"


def test_in_english_too(on_comment_page):
    b = on_comment_page
    b.get("/lang/en?next=/survey/review")
    response = b.client.get("/survey?x=%00")
    assert response.status_code == 400
    assert "control characters that are not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/?q=%00", "/lang/en?next=/%01", "/survey?a=b&c=%1F", "/accessibility?%00=x"],
)
def test_any_query_value_or_name_is_checked(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)


def test_any_form_is_checked_before_its_view(app, client):
    page = Browser(client).get("/accessibility")
    form = next(f for f in page.forms if f.method == "post")
    data = dict(form.hidden) | {name: "Hej\x00" for name in form.texts}
    before = table_snapshot(app)
    response = client.post(form.action or "/accessibility", data=data)
    assert response.status_code == 400 and MESSAGE in response.get_data(as_text=True)
    assert table_snapshot(app) == before


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /s/abcDEF_-123 HTTP/1.1" 302', '"GET /s/[redacted] HTTP/1.1" 302'),
        ("/o/3/EDU-A/k3yK3yk3y?lang=en", "/o/3/EDU-A/[redacted]?lang=en"),
        ("/o/3/EDU%2FA/k3y", "/o/3/EDU%2FA/[redacted]"),
        ("GET /survey/page/2 HTTP/1.1", "GET /survey/page/2 HTTP/1.1"),
        ("http://x.se/s/tok#frag and /s/other", "http://x.se/s/[redacted]#frag and /s/[redacted]"),
    ],
)
def test_redaction_of_log_lines(line, expected):
    assert redact(line) == expected
