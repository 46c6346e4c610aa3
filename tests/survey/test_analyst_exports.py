"""Analyst exports: `mognad export` and the staff download page, on both databases."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pyreadstat
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from analysis.exports import DONT_KNOW_CODE
from analysis.instruments import load_questionnaire
from analysis.safecell import FORMULA_STARTS
from tests.support.factory import QUESTIONNAIRE
from tests.survey.staff import signed_in

Q = load_questionnaire(QUESTIONNAIRE)


def _export(runner, out, fmt="csv", name="R2025"):
    return runner.invoke(args=["export", name, "--format", fmt, "--out", str(out)])


def _rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_export_coarsens_small_units_and_keeps_every_response(runner, two_years, tmp_path):
    out = tmp_path / "answers.csv"
    result = _export(runner, out)
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert len(rows) == 60 * 4 + 2  # every response of the round, one row each
    assert list(rows[0]) == ["unit_code", "role", *Q.items]
    per_unit = Counter(r["unit_code"] for r in rows)
    assert min(per_unit.values()) >= 5  # the attack: no exported unit code labels fewer than k
    assert "TINY" not in per_unit  # its two respondents are merged upward
    values = {v for r in rows for item in Q.items if (v := r[item])}
    assert values <= {str(x) for x in range(1, 7)} | {str(DONT_KNOW_CODE)}
    assert not {"comment", "response", "id"} & set(rows[0])
    keys = [(r["unit_code"], r["role"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (list(per_unit).index(k[0]), k[1]))


def test_sav_export_reads_back_with_labels(runner, two_years, tmp_path):
    out = tmp_path / "answers.sav"
    assert _export(runner, out, "sav").exit_code == 0
    df, meta = pyreadstat.read_sav(str(out), user_missing=True)
    assert len(df) == 242 and list(df.columns) == ["unit_code", "role", *Q.items]
    item = "comp_safety_1"
    assert meta.column_names_to_labels[item] == Q.items[item][0].text["sv"]
    labels = meta.variable_value_labels[item]
    assert labels[1.0] == Q.items[item][1].scale.labels["sv"][0]
    assert labels[float(DONT_KNOW_CODE)] == "Vet ej"
    assert meta.missing_ranges[item] == [{"lo": 99.0, "hi": 99.0}]


def test_xlsx_export_is_typed_with_a_dictionary(runner, two_years, tmp_path):
    out = tmp_path / "answers.xlsx"
    assert _export(runner, out, "xlsx").exit_code == 0
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:3] == ["unit_code", "role", "cap_governance_1"]
    assert ws.max_row == 243
    numbers = [c.value for row in ws.iter_rows(min_row=2) for c in row[2:] if c.value is not None]
    assert numbers and all(isinstance(v, int) for v in numbers)
    texts = [c.value for row in ws.iter_rows(min_row=2) for c in row[:2]]
    assert not any(str(v).startswith(FORMULA_STARTS) for v in texts)
    described = [r[0] for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert described == ["unit_code", "role", *Q.items]


def test_export_is_audit_logged_without_data(runner, two_years, tmp_path, db_session):
    from survey.models import AuditLog

    assert _export(runner, tmp_path / "a.csv").exit_code == 0
    (entry,) = db_session.scalars(sa.select(AuditLog).where(AuditLog.action == "export.write"))
    assert entry.detail == {"round": "R2025", "format": "csv"}
    assert entry.actor.startswith("cli")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE", "--format", "csv"], "no round named 'NOPE'"),
        (["R2025", "--format", "pdf"], "unknown export format 'pdf' (available: csv, xlsx, sav)"),
    ],
)
def test_bad_input_writes_nothing(runner, two_years, tmp_path, db_session, args, message):
    from survey.models import AuditLog

    folder = tmp_path / "out"
    folder.mkdir()
    result = runner.invoke(args=["export", *args, "--out", str(folder / "x.csv")])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
    assert list(folder.iterdir()) == []  # not even a temporary file
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "export.write")) == 0  # fmt: skip


def test_unwritable_path_is_refused(runner, two_years, tmp_path):
    result = _export(runner, tmp_path / "missing" / "x.csv")
    assert result.exit_code != 0 and "does not exist" in result.output
    result = _export(runner, tmp_path)
    assert result.exit_code != 0 and "is a directory" in result.output  # click says so first


def test_export_refuses_an_open_round(runner, make_round, tmp_path):
    make_round("LIVE", 2025, status="open")
    out = tmp_path / "x.csv"
    result = _export(runner, out, name="LIVE")
    assert result.exit_code != 0 and "round 'LIVE' is open" in result.output
    assert not out.exists()


def test_staff_download_page(app, runner, clock, two_years, db_session):
    from survey.models import AuditLog
    from survey.services.rounds import get_round

    rnd = get_round(db_session, "R2025")
    hr = signed_in(app, runner, clock, "hr@example.org", "hr")
    page = hr.get("/admin/exports/")
    assert page.status_code == 200
    assert "R2025" in page.get_data(as_text=True)
    assert "/admin/exports/" in hr.get("/admin/").get_data(as_text=True)
    got = hr.post_from("/admin/exports/", f"/admin/exports/{rnd.id}/sav", {})
    assert got.status_code == 200 and got.mimetype == "application/x-spss-sav"
    assert "attachment" in got.headers["Content-Disposition"]
    assert got.data[:4] == b"$FL2"  # an SPSS system file
    got = hr.post_from("/admin/exports/", f"/admin/exports/{rnd.id}/csv", {})
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert len(rows) == 242 and "TINY" not in {r["unit_code"] for r in rows}
    entries = db_session.scalars(sa.select(AuditLog).where(AuditLog.action == "export.write"))
    assert [(e.actor, e.detail["format"]) for e in entries] == [
        ("web:hr@example.org", "sav"),
        ("web:hr@example.org", "csv"),
    ]
    assert hr.post_from("/admin/exports/", f"/admin/exports/{rnd.id}/pdf", {}).status_code == 404
    assert hr.post_from("/admin/exports/", "/admin/exports/99999/csv", {}).status_code == 404


def test_managers_may_not_export(app, runner, clock, two_years, db_session):
    from survey.services.rounds import get_round

    rnd = get_round(db_session, "R2025")
    manager = signed_in(app, runner, clock, "chef@example.org", "manager", "EDU")
    assert manager.get("/admin/exports/").status_code == 403
    assert "/admin/exports/" not in manager.get("/admin/").get_data(as_text=True)
    token = manager.token("/admin/")
    got = manager.client.post(f"/admin/exports/{rnd.id}/csv", data={"csrf_token": token})
    assert got.status_code == 403
