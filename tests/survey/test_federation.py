"""Comparison with another organisation from its published open data (issue 19, point 5).

Two installations on two databases: the demo city (its own SQLite file and app) publishes its
rounds; the synthetic organisation of ``two_years`` (SQLite and PostgreSQL) imports the demo's
package, from an uploaded zip and from a URL served on loopback by the demo app itself, and
shows exactly the figures the demo published.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from survey import create_app
from survey.extensions import db
from survey.models import AuditLog, ImportedFigure, ImportedPackage, PublishedFile, Round
from tests.support import factory
from tests.survey.staff import signed_in

DEMO_ROUND = "Mognad 2025"
PAGE = "/admin/federation/"


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory, sqlite_template) -> Iterator[SimpleNamespace]:
    """The demo city on its own database, its rounds published; the package of 2025."""
    folder = tmp_path_factory.mktemp("demo-city")
    shutil.copy(sqlite_template, folder / "demo.db")
    app = factory.commands(
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
                "TESTING": True,
                "SECRET_KEY": "demo-city-secret",
                "BASE_URL": "http://demo.test",
            }
        )
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rnd = db.session.scalars(sa.select(Round).where(Round.name == DEMO_ROUND)).one()
        stored = db.session.scalars(
            sa.select(PublishedFile).where(PublishedFile.round_id == rnd.id)
        )
        wanted = ("datapackage.json", "aggregates.csv")
        files = {f.filename: bytes(f.content) for f in stored if f.filename in wanted}
        round_id = rnd.id
    yield SimpleNamespace(app=app, round_id=round_id, files=files)
    with app.app_context():
        db.engine.dispose()


@contextmanager
def loopback(app) -> Iterator[str]:
    """``app`` served by a real HTTP server on 127.0.0.1 (a port it picks)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    # Compressed: the test client spools a larger body to a file it never closes.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"mognad-2025/{name}", content)
    return out.getvalue()


def _post_zip(staff, files: dict[str, bytes], page: str = PAGE):
    data = {"action": "file", "file": (io.BytesIO(_zip(files)), "paket.zip")}
    return staff.post(page, data)


def _top_rows(files: dict[str, bytes]) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(files["aggregates.csv"].decode("utf-8")))
    return [r for r in rows if r["unit_level"] == "0"]


def _value(text: str) -> float | None:
    return float(text) if text else None


def _assert_stored_as_published(db_session, files: dict[str, bytes]) -> ImportedPackage:
    package = db_session.scalars(sa.select(ImportedPackage)).one()
    stored = {(f.role, f.index): f for f in package.figures}
    published = _top_rows(files)
    assert len(stored) == len(published) > 0
    for row in published:
        f = stored[row["role"], row["index"]]
        assert f.suppressed == (row["suppressed"] == "true")
        assert f.n == (int(row["n"]) if row["n"] else None)
        for column in ("score", "sd", "ci_low", "ci_high", "delta", "delta_ci_low"):
            assert getattr(f, column) == _value(row[column]), (row["index"], column)
        assert (f.change or "", f.compare_round or "") == (row["change"], row["compare_round"])
    return package


def _cell(page: str, role: str, index: str, column: int) -> str:
    found = re.search(rf'data-cell="{role}\|{index}\|{column}">(.*?)</td>', page, re.S)
    assert found, (role, index, column)
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def _shown(app, row: dict[str, str]) -> str:
    from survey.results.numbers import number

    with app.test_request_context():
        return (
            f"{number(float(row['score']))} (95 % KI {number(float(row['ci_low']))}–"
            f"{number(float(row['ci_high']))}, n = {number(int(row['n']), 0)})"
        )


def test_a_package_from_a_file_is_shown_exactly_as_published(
    app, runner, two_years, demo_city, clock, db_session
):
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = _post_zip(admin, demo_city.files)
    assert r.status_code == 303, r.get_data(as_text=True)
    package = _assert_stored_as_published(db_session, demo_city.files)
    desc = json.loads(demo_city.files["datapackage.json"])
    assert (package.publisher, package.round_name, package.year, package.k) == (
        "Demo stad",
        DEMO_ROUND,
        2025,
        desc["k"],
    )
    assert (package.license, package.questionnaire_id) == ("CC0-1.0", "malmo-digital")
    listing = admin.get(PAGE).get_data(as_text=True)
    assert "Demo stad" in listing and "CC0-1.0" in listing and "paket.zip" in listing
    rid = db_session.scalars(sa.select(Round.id).where(Round.name == "R2025")).one()
    page = admin.get(f"/dashboard/{rid}/").get_data(as_text=True)
    assert 'id="federation-table"' in page and "creativecommons.org" in page
    # Over the years: our two rounds (each with its own stored figures) and theirs.
    assert 'id="federation-years"' in page and "R2024 (2024)" in page
    shown = [r for r in _top_rows(demo_city.files) if r["role"] == "all"]
    assert shown
    for row in shown:
        text = _cell(page, "all", row["index"], 1)
        want = "–" if row["suppressed"] == "true" else _shown(app, row)
        assert want in text, (text, want)
    # Per role: the role chosen on the overview.
    page = admin.get(f"/dashboard/{rid}/?role=specialist").get_data(as_text=True)
    row = next(r for r in _top_rows(demo_city.files) if r["role"] == "specialist")
    assert _shown(app, row) in _cell(page, "specialist", row["index"], 1)
    # Removed with its figures; both steps audited.
    admin.post_from(PAGE, f"/admin/federation/{package.id}/remove", {})
    assert db_session.scalar(sa.select(sa.func.count(ImportedFigure.id))) == 0
    actions = set(db_session.scalars(sa.select(AuditLog.action)))
    assert {"federation.import", "federation.remove"} <= actions
    assert 'id="federation-table"' not in admin.get(f"/dashboard/{rid}/").get_data(as_text=True)


def test_a_package_from_a_url_on_loopback(app, runner, two_years, demo_city, clock, db_session):
    admin = signed_in(app, runner, clock, "admin10@example.org")
    with loopback(demo_city.app) as base:
        url = f"{base}/results/{demo_city.round_id}/files/datapackage.json"
        r = admin.post(PAGE, {"action": "url", "url": url, "publisher": "Grannstaden"})
        assert r.status_code == 303, r.get_data(as_text=True)
        # The same round again from the same publisher is refused, nothing stored twice.
        again = admin.post(PAGE, {"action": "url", "url": url, "publisher": "Grannstaden"})
        assert again.status_code == 400 and "redan importerad" in again.get_data(as_text=True)
        # A page that is not JSON.
        page = admin.post(PAGE, {"action": "url", "url": f"{base}/results/"})
        assert page.status_code == 400 and "Filen är inte JSON" in page.get_data(as_text=True)
    package = _assert_stored_as_published(db_session, demo_city.files)
    assert (package.publisher, package.source) == ("Grannstaden", url)


def test_a_url_that_is_not_http_or_does_not_answer_is_refused(
    app, runner, two_years, clock, db_session
):
    app.config["FEDERATION_TIMEOUT"] = 0.5
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = admin.post(PAGE, {"action": "url", "url": "file:///etc/passwd"})
    assert r.status_code == 400
    assert "Adressen måste börja med http:// eller https://" in r.get_data(as_text=True)
    with socket.socket() as silent:  # accepts the connection and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/datapackage.json"
        r = admin.post(PAGE, {"action": "url", "url": url})
    assert r.status_code == 400 and "Servern svarade inte inom 0.5 sekunder" in r.get_data(
        as_text=True
    )
    assert db_session.scalar(sa.select(sa.func.count(ImportedPackage.id))) == 0


def _edited(files: dict[str, bytes], **changes) -> dict[str, bytes]:
    """The package with the first whole-organisation row of ``role``/``index`` changed."""
    text = files["aggregates.csv"].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    target = next(r for r in rows if r["unit_level"] == "0" and r["suppressed"] == "false")
    target.update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return {**files, "aggregates.csv": out.getvalue().encode("utf-8")}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"ci_high": "99.000000"}, "Konfidensintervallet stämmer inte med medelvärde"),
        ({"n": "3"}, "n = 3 är mindre än paketets k = 5"),
        ({"ci_low": "1.000000", "ci_high": "2.000000"}, "innehåller inte medelvärdet"),
        ({"suppressed": "true", "hidden_reason": "too_few"}, "Cellen är dold men har ändå"),
    ],
)
def test_an_inconsistent_package_is_refused(
    app, runner, two_years, demo_city, clock, db_session, edit, message
):
    admin = signed_in(app, runner, clock, "admin10@example.org")
    r = _post_zip(admin, _edited(demo_city.files, **edit))
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and message in body and "Inget har sparats" in body
    assert db_session.scalar(sa.select(sa.func.count(ImportedPackage.id))) == 0


def test_another_instrument_version_or_a_broken_schema_is_refused(
    app, runner, two_years, demo_city, clock, db_session
):
    admin = signed_in(app, runner, clock, "admin10@example.org")
    desc = json.loads(demo_city.files["datapackage.json"])
    other = {**demo_city.files, "datapackage.json": json.dumps(
        {**desc, "questionnaire_version": "2024.1"}).encode()}  # fmt: skip
    r = _post_zip(admin, other)
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Paketet gäller enkäten malmo-digital 2024.1" in body
    assert "Bara samma enkät i samma version kan jämföras" in body
    english = _post_zip(admin, other, f"{PAGE}?lang=en").get_data(as_text=True)
    assert "Only the same questionnaire in the same version can be compared" in english
    not_a_number = _edited(demo_city.files, n="många")
    r = _post_zip(admin, not_a_number)
    assert r.status_code == 400 and "följer inte paketets schema (type-error)" in r.get_data(
        as_text=True
    )
    fields = desc["resources"][0]["schema"]["fields"]
    retyped = [{**f, "type": "string"} if f["name"] == "score" else f for f in fields]
    desc["resources"][0]["schema"]["fields"] = retyped
    r = _post_zip(admin, {**demo_city.files, "datapackage.json": json.dumps(desc).encode()})
    assert r.status_code == 400 and "Kolumnen score i aggregates.csv har typen string" in (
        r.get_data(as_text=True)
    )
    assert db_session.scalar(sa.select(sa.func.count(ImportedPackage.id))) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_report_shows_the_comparison_when_set(
    app, runner, two_years, demo_city, tmp_path, db_session
):
    from survey.services.federation import import_package

    with app.app_context():
        import_package(db.session(), demo_city.files, "paket.zip", None, "test")
        db.session.commit()
    folders = {}
    for setting in (False, True):
        app.config["REPORT_FEDERATION"] = setting
        out = tmp_path / str(setting)
        result = runner.invoke(args=["report", "R2025", "--out", str(out), "--format", "html"])
        assert result.exit_code == 0, result.output
        folders[setting] = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="federation-table"' not in folders[False]
    page = folders[True]
    assert 'id="federation-table"' in page and "Demo stad, Mognad 2025" in page
    for row in _top_rows(demo_city.files):
        if row["suppressed"] == "false":
            assert _shown(app, row) in _cell(page, row["role"], row["index"], 1)
