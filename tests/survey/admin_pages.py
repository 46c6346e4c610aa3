"""Helpers for the admin page tests: file uploads and confirmation posts."""

from __future__ import annotations

import io

from werkzeug.test import TestResponse

from tests.support.forms import parse
from tests.survey.staff import Staff


def csv_bytes(rows: list[list[object]]) -> bytes:
    return (
        "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    ).encode()


def upload(
    staff: Staff, url: str, rows: list[list[object]] | bytes, name: str = "file.csv", **fields: str
) -> TestResponse:
    """Post the form at ``url`` with a file (CSRF token from the form page)."""
    data = rows if isinstance(rows, bytes) else csv_bytes(rows)
    return staff.post(url, {**fields, "file": (io.BytesIO(data), name)})


def confirm(staff: Staff, page: TestResponse, action: str) -> TestResponse:
    """Press the confirmation button of a preview page (its own CSRF token)."""
    tokens = {v for f in parse(page, action).forms for n, v in f.hidden if n == "csrf_token"}
    assert tokens, "no form on the preview page"
    return staff.client.post(action, data={"csrf_token": tokens.pop()})


def preview_and_read(staff: Staff, round_id: int, filename: str = "report.html") -> None:
    """Build the round's preview (its job runs inline) and open one document, as staff must
    before the browser lets them publish."""
    publish = f"/admin/rounds/{round_id}/publish"
    r = staff.post_from(publish, f"/admin/rounds/{round_id}/preview", {})
    assert r.status_code == 303, r.status_code
    assert staff.get(f"/admin/rounds/{round_id}/preview/{filename}").status_code == 200
