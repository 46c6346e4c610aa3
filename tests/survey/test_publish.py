"""Publishing a round: its public files are the bytes `mognad report` writes, stored in the same
transaction as the move to published; a failure leaves the round closed and says why."""

from __future__ import annotations

import hashlib
import io

import pypdf
import pytest
import sqlalchemy as sa

from analysis.opendata import FORMATS
from survey.models import AuditLog, PublishedFile, Round
from tests.survey.admin_pages import preview_and_read
from tests.survey.staff import text

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _round(db_session, name: str = "R2025") -> Round:
    return db_session.scalar(sa.select(Round).where(Round.name == name))


def _stored(db_session, round_id: int) -> dict[str, PublishedFile]:
    rows = db_session.scalars(sa.select(PublishedFile).where(PublishedFile.round_id == round_id))
    return {f.filename: f for f in rows}


def test_published_files_are_the_bytes_mognad_report_writes(
    runner, two_years, client, db_session, tmp_path
) -> None:
    result = runner.invoke(args=["round", "publish", "R2025"])
    assert result.exit_code == 0, result.output
    rnd = _round(db_session)
    assert rnd.status == "published" and rnd.published_at is not None
    stored = _stored(db_session, rnd.id)

    sv, en = tmp_path / "sv", tmp_path / "en"
    for out, args in (
        (sv, ["--format", ",".join(FORMATS)]),
        (en, ["--format", "html,pdf", "--lang", "en"]),
    ):
        result = runner.invoke(args=["report", "R2025", "--out", str(out), *args])
        assert result.exit_code == 0, result.output
    written = {p.name: p for p in sv.iterdir()} | {
        p.name: p for p in en.iterdir() if p.name.startswith("report.")
    }
    assert set(stored) == set(written)
    assert 'href="#plans"' not in stored["report.html"].content.decode()  # no plans, no entry
    assert {
        "report.html",
        "report.pdf",
        "report.en.html",
        "report.en.pdf",
        "aggregates.csv",
    } <= set(stored)
    for name, f in stored.items():
        data = written[name].read_bytes()
        assert (
            hashlib.sha256(data).hexdigest() == f.sha256 == hashlib.sha256(f.content).hexdigest()
        ), name
        assert f.size == len(data)
        served = client.get(f"/results/{rnd.id}/files/{name}")
        assert served.status_code == 200 and served.data == data, name
    # Audited by file name and hash, never a figure.
    entry = db_session.scalar(sa.select(AuditLog).where(AuditLog.action == "publish.files"))
    assert set(entry.detail) == {"round", "files"}
    assert entry.detail["files"] == {n: f.sha256 for n, f in stored.items()}


def test_a_failed_build_leaves_the_round_closed_and_says_why(
    runner, two_years, db_session, monkeypatch
) -> None:
    from survey.results import report

    def broken(html: str) -> bytes:
        raise RuntimeError("layout exploded with a secret value 4711")

    monkeypatch.setattr(report, "render_pdf", broken)
    result = runner.invoke(args=["round", "publish", "R2025"])
    assert result.exit_code == 1
    assert "was not published, it stays closed" in result.output
    assert "RuntimeError" in result.output and "4711" not in result.output
    assert "Traceback" not in result.output
    rnd = _round(db_session)
    assert rnd.status == "closed" and rnd.published_at is None
    assert not _stored(db_session, rnd.id)
    actions = set(db_session.scalars(sa.select(AuditLog.action)))
    assert not actions & {"round.publish", "publish.files"}


@SQLITE
def test_the_confirmation_page_lists_what_becomes_public_and_failure_is_clear(
    app, admin, runner, two_years, db_session, monkeypatch
) -> None:
    rid = _round(db_session).id
    page = text(admin.get(f"/admin/rounds/{rid}/publish"))
    listing = page.split("Det här blir offentligt", 1)[1]
    for name in ("report.html", "report.pdf", "report.en.html", "aggregates.csv",
                 "aggregates.json", "reliability.csv"):  # fmt: skip
        assert f"<code>{name}</code>" in listing
    assert not _stored(db_session, rid)  # the page only names them
    preview_and_read(admin, rid)

    from survey.results import report

    real = report.render_pdf
    monkeypatch.setattr(report, "render_pdf", lambda html: 1 / 0)
    r = admin.post(f"/admin/rounds/{rid}/publish", {})
    assert r.status_code == 303 and "/admin/jobs/" in r.location  # the worker publishes
    body = text(admin.get(r.location))
    assert "Misslyckades" in body and "publicerades inte och är fortfarande stängd" in body
    assert "rapporten kunde inte göras (ZeroDivisionError); serverns logg har detaljerna" in body
    assert "was not published" not in body and "server log" not in body  # Swedish only
    assert "Traceback" not in body
    assert _round(db_session).status == "closed"

    monkeypatch.setattr(report, "render_pdf", real)
    r = admin.post(f"/admin/rounds/{rid}/publish", {})
    assert r.status_code == 303
    assert _round(db_session).status == "published"
    assert "report.pdf" in _stored(db_session, rid)


@SQLITE
def test_the_preview_is_the_documents_marked_as_draft_and_only_staff_read_it(
    app, admin, client, two_years, db_session
) -> None:
    from survey.models import PreviewFile

    rid = _round(db_session).id
    organisation = app.config["ORGANISATION_NAME"]
    page = text(admin.get(f"/admin/rounds/{rid}/publish"))
    assert "Förhandsgranska" in page and "publiceringen kan inte ångras" in page
    assert "ingen förhandsgranskning finns" in page and "Publicera omgången</button>" not in page
    r = admin.post(f"/admin/rounds/{rid}/publish", {})  # no preview: refused, in Swedish
    assert r.status_code == 400 and "ingen förhandsgranskning finns" in text(r)
    assert "no preview exists" in text(admin.get(f"/admin/rounds/{rid}/publish?lang=en"))
    r = admin.post_from(f"/admin/rounds/{rid}/publish", f"/admin/rounds/{rid}/preview", {})
    assert r.status_code == 303 and "/admin/jobs/" in r.location  # a job, like publishing
    body = text(admin.get(r.location))
    assert "Förhandsgranskningen är klar" in body and "Läs förhandsgranskningen" in body
    assert _round(db_session).status == "closed" and not _stored(db_session, rid)
    r = admin.post(f"/admin/rounds/{rid}/publish", {})  # built, but nobody opened it
    assert r.status_code == 400 and "ingen har öppnat förhandsgranskningen" in text(r)

    page = admin.get(f"/admin/rounds/{rid}/publish").get_data(as_text=True)
    names = ("report.html", "report.pdf", "report.en.html", "report.en.pdf")
    for name in names:
        url = f"/admin/rounds/{rid}/preview/{name}"
        assert f'href="{url}"' in page, name
        served = admin.get(url)
        assert served.status_code == 200 and served.headers["Cache-Control"] == "no-store"
        assert client.get(url).status_code in (302, 401, 403), name  # never public
    sv = admin.get(f"/admin/rounds/{rid}/preview/report.html").get_data(as_text=True)
    en = admin.get(f"/admin/rounds/{rid}/preview/report.en.html").get_data(as_text=True)
    assert 'class="draft-mark"' in sv and "UTKAST" in sv and "DRAFT" in en
    pdf = pypdf.PdfReader(io.BytesIO(admin.get(f"/admin/rounds/{rid}/preview/report.pdf").data))
    assert all("UTKAST" in p.extract_text() for p in pdf.pages)

    # A preview is read by opening it; a preview of other settings no longer counts.
    app.config["ORGANISATION_NAME"] = "Annan kommun"
    r = admin.post(f"/admin/rounds/{rid}/publish", {})
    assert r.status_code == 400 and "förhandsgranskningen är inaktuell" in text(r)
    app.config["ORGANISATION_NAME"] = organisation
    r = admin.post(f"/admin/rounds/{rid}/publish", {})
    assert r.status_code == 303 and _round(db_session).status == "published"
    stored = _stored(db_session, rid)
    assert set(names) <= set(stored)
    # The published documents are the preview without its mark, and the preview is gone.
    assert b'class="draft-mark"' not in stored["report.html"].content
    assert not db_session.scalars(sa.select(PreviewFile)).all()
