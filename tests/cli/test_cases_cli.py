"""`assetmap case-export`, `case-erase` and `apply-retention`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assetmap.cli import cli
from assetmap.models import Case, CaseAccess, CaseAction
from tests.referrals.builders import add_case, add_referral

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(
            cli, ["--database-url", database.config.database_url, *args], input=input
        )

    return invoke


@pytest.fixture
def case_id(database) -> int:
    with database.session() as session:
        case = add_case(session, last_activity=NOW, reference="NS-0042")
        add_referral(session, case, NOW)
        add_case(session, last_activity=NOW - dt.timedelta(days=900))
        return case.id


def test_export_to_a_file_is_audited(run, database, case_id, tmp_path) -> None:
    out = tmp_path / "person.json"
    result = run("case-export", "--reference", "NS-0042", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["case"]["reference"] == "NS-0042" and len(data["referrals"]) == 1
    with database.sessions() as session:
        entry = session.scalars(select(CaseAccess).where(CaseAccess.case_id == case_id)).one()
    assert (entry.action, entry.user_name) == (CaseAction.EXPORTED, "assetmap")


def test_export_to_standard_output(run, case_id) -> None:
    result = run("case-export", "--reference", "NS-0042", "--team", "North")
    assert result.exit_code == 0
    assert json.loads(result.output)["case"]["id"] == case_id


def test_an_unknown_reference_is_a_clear_error(run, case_id) -> None:
    for args in (["case-export"], ["case-erase", "--yes"]):
        result = run(*args, "--reference", "NOPE")
        assert result.exit_code == 1
        assert "There is no case with that reference" in result.output
        assert "Traceback" not in result.output


def test_erase_asks_unless_yes(run, database, case_id) -> None:
    result = run("case-erase", "--reference", "NS-0042", input="n\n")
    assert result.exit_code == 1
    with database.sessions() as session:
        assert session.get(Case, case_id).reference == "NS-0042"
    result = run("case-erase", "--reference", "NS-0042", "--yes")
    assert result.exit_code == 0, result.output
    assert "1 open referral(s) withdrawn" in result.output
    assert "NS-0042" not in result.output
    with database.sessions() as session:
        case = session.get(Case, case_id)
        assert case.reference is None and case.erased_why == "request"


def test_apply_retention_with_and_without_dry_run(run, database, case_id) -> None:
    result = run("apply-retention", "--dry-run")
    assert result.exit_code == 0 and result.output.startswith("1 case(s) would")
    with database.sessions() as session:
        assert session.scalar(select(Case.erased_at).where(Case.id != case_id)) is None
    result = run("apply-retention")
    assert result.exit_code == 0 and result.output.startswith("1 case(s) had")
    with database.sessions() as session:
        assert session.scalar(select(Case.erased_why).where(Case.id != case_id)) == "retention"
        assert session.get(Case, case_id).erased_at is None
    assert run("apply-retention").output.startswith("0 case(s)")
