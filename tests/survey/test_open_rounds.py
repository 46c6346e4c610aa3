"""Open-link rounds: lower assurance said out loud, a higher minimum group size, headcounts."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from survey.models import AuditLog, Invitation, Round
from tests.conftest import QUESTIONNAIRE, SMALL_ORG, table_snapshot
from tests.survey.answers import answer_rows, write_rows


def _create(runner, name: str, *extra: str):
    args = ["round", "create", name, "--year", "2025", "--questionnaire", str(QUESTIONNAIRE)]
    return runner.invoke(args=[*args, *extra])


def _k(db_session, name: str) -> int:
    return db_session.scalar(sa.select(Round.k_min).where(Round.name == name))


def test_open_round_warns_and_defaults_to_k_10(runner, make_org, db_session):
    make_org(2025)
    result = _create(runner, "OPEN", "--mode", "open")
    assert result.exit_code == 0, result.output
    assert "minimum group size 10" in result.stdout
    assert "open-link round is lower assurance" in result.stderr
    assert "rate-limited" in result.stderr and "headcount" in result.stderr
    assert _k(db_session, "OPEN") == 10
    invited = _create(runner, "INVITED")
    assert invited.exit_code == 0 and "lower assurance" not in invited.output
    assert _k(db_session, "INVITED") == 5
    assert _create(runner, "OPEN12", "--mode", "open", "--k", "12").exit_code == 0
    assert _k(db_session, "OPEN12") == 12
    assert _create(runner, "INV7", "--k", "7").exit_code == 0
    assert _k(db_session, "INV7") == 7
    details = db_session.scalars(
        sa.select(AuditLog.detail).where(AuditLog.action == "round.create")
    ).all()
    assert [d["k"] for d in details] == [10, 5, 12, 7]


@pytest.mark.parametrize("k", ["4", "2", "-1"])
def test_k_below_the_installation_minimum_is_refused(runner, make_org, k):
    make_org(2025)
    before = table_snapshot(runner.app)
    result = _create(runner, "LOW", "--mode", "open", "--k", k)
    assert result.exit_code != 0
    assert f"minimum group size of {k} is too small; it must be at least 5" in result.output
    assert "Traceback" not in result.output
    assert table_snapshot(runner.app) == before


def test_open_k_follows_the_settings(app, make_org, db_session):
    from survey.services.rounds import create_round

    make_org(2025)
    rnd = create_round(db_session, "S", 2025, str(QUESTIONNAIRE), "open", k_anonymity=6, k_open=15)
    assert rnd.k_min == 15
    low = create_round(db_session, "T", 2025, str(QUESTIONNAIRE), "open", k_anonymity=6, k_open=4)
    assert low.k_min == 6  # never below the installation's k


def test_k_open_setting_is_never_below_k_anonymity(tmp_path, monkeypatch):
    from survey import create_app

    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("MOGNAD_K_OPEN", "12")
    assert create_app({"DATABASE_URL": url, "TESTING": True}).config["K_OPEN"] == 12
    monkeypatch.setenv("MOGNAD_K_OPEN", "3")
    assert create_app({"DATABASE_URL": url, "TESTING": True}).config["K_OPEN"] == 5


def _load(runner, tmp_path, name: str, mode: str, sizes: dict[str, int]) -> None:
    assert _create(runner, name, "--mode", mode).exit_code == 0
    path = write_rows(tmp_path / f"{name}.csv", answer_rows(sizes))
    result = runner.invoke(args=["responses", "import", name, str(path)])
    assert result.exit_code == 0, result.output
    for move in ("open", "close"):
        assert runner.invoke(args=["round", move, name]).exit_code == 0


def _report(runner, tmp_path, name: str):
    out = tmp_path / f"report-{name}"
    result = runner.invoke(args=["report", name, "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    with (out / "aggregates.csv").open(encoding="utf-8") as fh:
        agg = list(csv.DictReader(fh))
    with (out / "fieldwork.csv").open(encoding="utf-8") as fh:
        field = {r["unit_code"]: r for r in csv.DictReader(fh)}
    return result, agg, field


SIZES = {"EDU-A": 7, "EDU-B": 12, "CARE": 12}


def test_open_round_suppresses_cells_under_its_k(runner, make_org, tmp_path):
    make_org(2025)
    _load(runner, tmp_path, "OPEN", "open", SIZES)
    _load(runner, tmp_path, "INVITED", "invited", SIZES)

    def edu_a(rows: list[dict]) -> dict:
        return next(
            r
            for r in rows
            if (r["unit_code"], r["role"], r["index"]) == ("EDU-A", "all", "competence")
        )

    invited_result, invited, _ = _report(runner, tmp_path, "INVITED")
    assert "minimum group size 5" in invited_result.stdout
    assert edu_a(invited)["suppressed"] == "false" and edu_a(invited)["n"] == "7"
    open_result, opened, _ = _report(runner, tmp_path, "OPEN")
    assert "minimum group size 10" in open_result.stdout
    assert edu_a(opened)["suppressed"] == "true" and edu_a(opened)["n"] == ""
    shown = [r for r in opened if r["suppressed"] == "false"]
    assert shown and all(int(r["n"]) >= 10 for r in shown)


def test_units_above_their_headcount_are_flagged(runner, make_org, tmp_path, db_session):
    from survey.services.fieldwork import fieldwork
    from survey.services.rounds import get_round

    heads = ["headcount", 100, 30, 5, "", ""]
    make_org(2025, [[*r, h] for r, h in zip(SMALL_ORG, heads, strict=True)])
    _load(runner, tmp_path, "OPEN", "open", SIZES)
    result, _, published = _report(runner, tmp_path, "OPEN")
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1
    assert "unit 'EDU-A' (Skola A) has 7 responses but a headcount of 5" in warned[0]
    assert "warning" not in result.stdout
    # Headcounts and response counts are for administrators (the warning, the fieldwork page);
    # the published fieldwork.csv has invitation counts only, and an open round invites nobody.
    assert published == {}
    field = {r.unit_code: r for r in fieldwork(db_session, get_round(db_session, "OPEN"))}
    edu_a = field["EDU-A"]
    assert (edu_a.headcount, edu_a.invited, edu_a.responses, edu_a.over_headcount) == (
        5, None, 7, True,
    )  # fmt: skip
    assert (field["EDU"].responses, field["EDU"].over_headcount) == (19, False)
    assert (field["CITY"].responses, field["CITY"].headcount) == (31, 100)
    assert field["EDU-B"].headcount is None and not field["EDU-B"].over_headcount
    assert list(field) == ["CITY", "CARE", "EDU", "EDU-A", "EDU-B"]


def test_fieldwork_counts_invitations_of_an_invited_round(
    runner, make_round, write_csv, tmp_path, db_session
):
    from survey.services.fieldwork import fieldwork
    from survey.services.rounds import get_round
    from tests.support.factory import invite

    make_round()
    people = [("a@x.se", "EDU-A", "employee"), ("b@x.se", "EDU-B", "employee")]
    people.append(("c@x.se", "CARE", "manager"))
    invite(runner, write_csv, people=people)
    db_session.execute(
        sa.update(Invitation).where(Invitation.email == "a@x.se").values(status="completed")
    )
    db_session.commit()
    # Counts stay readable while the round is open (response rates during fieldwork).
    rows = {r.unit_code: r for r in fieldwork(db_session, get_round(db_session, "R2025"))}
    assert (rows["CITY"].invited, rows["CITY"].completed) == (3, 1)
    assert (rows["EDU"].invited, rows["EDU"].completed) == (2, 1)
    assert (rows["EDU-B"].invited, rows["EDU-B"].completed, rows["EDU-B"].responses) == (1, 0, 0)
