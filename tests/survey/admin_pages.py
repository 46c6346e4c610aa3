"""Helpers for the admin page tests: signed-in accounts, file uploads, confirmation posts."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskCliRunner
from werkzeug.test import TestResponse

from tests.support.forms import parse
from tests.survey.staff import Clock, Staff, create_user, install_clock


def signed_in(
    app: Flask,
    runner: FlaskCliRunner,
    monkeypatch,
    role: str = "admin",
    *units: str,
    address: str = "192.0.2.10",
) -> Staff:  # type: ignore[no-untyped-def]
    clock = Clock()
    install_clock(monkeypatch, clock)
    staff = Staff(app, address=address)
    staff.set_up(create_user(runner, f"{role}{address[-2:]}@example.org", role, *units), clock)
    return staff


def csv_bytes(rows: list[list[object]]) -> bytes:
    return (
        "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    ).encode()


def upload(
    staff: Staff, url: str, rows: list[list[object]] | bytes, name: str = "file.csv", **fields: str
) -> TestResponse:
    """Post the form at ``url`` with a file (CSRF token from the form page)."""
    data = rows if isinstance(rows, bytes) else csv_bytes(rows)
    return staff.post(url, {**fields, "file": (io.BytesIO(data), name)})  # type: ignore[dict-item]


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
