"""Waivers end to end: `pytest checks/` over the embedded estate with `[[waivers]]` in the spec.

Every date is relative to today, written into the estate file by the test, so nothing rots.
On the half-finished estate STG-001, STG-003 and STG-004 fail and STG-002 passes.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from reports import run_with_reports
from suite import run_checks
from test_estates import SPEC as TWO_ESTATES

from medallion.report import gate

STORAGE = ("-k", "storage")


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)).isoformat()


def waiver(requirement: str, days: int = 60, **extra: str) -> str:
    """One [[waivers]] entry expiring `days` from today; `extra` adds or overrides raw TOML values."""
    fields = {"requirement": f'"{requirement}"', "justification": f'"accepted risk for {requirement}"',
              "owner": '"platform-team@example.com"', "expires": in_days(days), **extra}
    return "[[waivers]]\n" + "".join(f"{key} = {value}\n" for key, value in fields.items() if value is not None)


def estate(tmp_path: Path, *entries: str, head: str = "") -> str:
    path = tmp_path / "estate.toml"
    path.write_text(head + "\n" + "\n".join(entries))
    return str(path)


def record(run, key: str) -> dict:
    return next(r for r in run.records if r["id"] + (r["nodeid"][r["nodeid"].index("["):]
                                                     if "[" in r["nodeid"] else "") == key)


def test_waived_checks_pass_the_run_and_every_report_shows_the_waiver(tmp_path):
    spec = estate(tmp_path, waiver("STG-001", 5), waiver("STG-003", ticket='"CHG-1234"'), waiver("STG-004"))
    reports = run_with_reports(tmp_path, "--estate", spec, *STORAGE)
    run = reports.run
    assert run.status == 0, run.output
    assert run.verdicts == {"STG-001": "waived", "STG-002": "passed", "STG-003": "waived",
                            "STG-004": "waived", "STG-005": "passed"}
    stg3 = record(run, "STG-003")["waiver"]
    assert stg3["status"] == "active" and stg3["days_left"] == 60 and stg3["ticket"] == "CHG-1234"
    assert stg3["owner"] == "platform-team@example.com" and stg3["expires"] == in_days(60)
    for name, text in reports.text().items():
        for fact in ("accepted risk for STG-003", "platform-team@example.com", in_days(60)):
            assert fact in text, f"{name} does not show {fact!r}"
    texts = reports.text()
    assert "60 day(s) left" in texts["terminal"]
    assert 'name="waiver_days_left" value="60"' in texts["junit"]
    assert "| STG-003 | default | active |" in texts["as-built"] and "| 60 |" in texts["as-built"]
    assert "EXPIRES SOON: STG-001" in texts["terminal"] and "5 day(s) left" in texts["terminal"]
    assert "3 waived" in texts["terminal"]


def test_html_counts_waived_separately_per_area_and_framework(tmp_path):
    spec = estate(tmp_path, waiver("STG-003"))
    html = run_with_reports(tmp_path, "--estate", spec, *STORAGE).text()["html"]
    assert "<th>waived</th>" in html
    row = html[html.index('data-area="storage"'):].split("</tr>")[0]
    cells = [cell.split("<")[0] for cell in row.split('<td class="n">')[1:]]
    assert cells == ["2", "2", "0", "1", "0", "0", "0"]   # passed, failed, fixed, waived, blocked, error, not_evaluated
    assert 'data-framework="CIS-Azure">checks: 0 passed, 1 failed, 0 fixed, 1 waived' in html
    assert 'data-status="active"' in html and "v-waived" in html


def test_an_expired_waiver_is_a_failure_naming_the_waiver_and_its_expiry(tmp_path):
    spec = estate(tmp_path, waiver("STG-003", -1))
    run = run_checks(tmp_path / "s.json", "--estate", spec, "-k", "STG-003")
    assert run.status != 0 and run.verdicts == {"STG-003": "failed"}
    message = record(run, "STG-003")["message"]
    assert f"[[waivers]] #1 (STG-003) expired on {in_days(-1)}" in message and spec in message
    assert "EXPIRED (a failure): STG-003" in run.output


def test_a_waiver_whose_check_passes_is_reported_as_no_longer_needed(tmp_path):
    spec = estate(tmp_path, waiver("STG-002"))
    run = run_checks(tmp_path / "s.json", "--estate", spec, "-k", "STG-002")
    assert run.status == 0 and run.verdicts == {"STG-002": "passed"}
    assert record(run, "STG-002")["waiver"]["status"] == "unneeded"
    assert "NO LONGER NEEDED (the check passes: remove the waiver): STG-002" in run.output


def test_a_waiver_covers_only_its_estate(tmp_path):
    spec = estate(tmp_path, waiver("STG-003", estate='"prod"'), head=TWO_ESTATES)
    run = run_checks(tmp_path / "s.json", "--estate", spec, "-k", "STG-003")
    assert run.verdicts == {"STG-003[dev]": "failed", "STG-003[prod]": "waived"}
    assert record(run, "STG-003[dev]")["waiver"] is None


def test_a_waiver_covers_only_its_target(tmp_path):
    spec = estate(tmp_path, waiver("CMP-002", target='"silver"'))
    run = run_checks(tmp_path / "s.json", "--estate", spec, "-k", "CMP-002")
    assert run.verdicts["CMP-002[silver]"] == "waived"
    assert {run.verdicts[f"CMP-002[{layer}]"] for layer in ("gold", "platinum")} == {"failed"}
    assert record(run, "CMP-002[gold]")["waiver"] is None


def test_fix_leaves_a_waived_check_alone_and_fix_waived_fixes_it(tmp_path):
    spec, state = estate(tmp_path, waiver("STG-001")), tmp_path / "s.json"
    fixed = run_checks(state, "--estate", spec, *STORAGE, "--fix")
    assert fixed.status == 0, fixed.output
    assert fixed.verdicts["STG-001"] == "waived" and fixed.verdicts["STG-003"] == "fixed"
    assert fixed.writes and not [w for w in fixed.writes if "managementPolicies" in w["path"]]
    assert record(fixed, "STG-001")["fix_outcome"].startswith("not run: a waiver covers it")
    waived_too = run_checks(state, "--estate", spec, *STORAGE, "--fix", "--fix-waived")
    assert waived_too.status == 0, waived_too.output
    assert waived_too.verdicts["STG-001"] == "fixed"
    assert record(waived_too, "STG-001")["waiver"]["status"] == "unneeded"
    assert [w for w in waived_too.writes if "managementPolicies" in w["path"]]


def test_fix_does_not_fix_a_waived_prerequisite(tmp_path):
    spec = estate(tmp_path, waiver("CMP-001", target='"silver"'))
    run = run_checks(tmp_path / "s.json", "--estate", spec, "-k", "CMP-001 or CMP-002", "--fix")
    assert run.verdicts["CMP-001[silver]"] == "waived"
    assert run.verdicts["CMP-002[silver]"] == "blocked"
    assert "CMP-001 (waived; --fix-waived fixes it)" in record(run, "CMP-002[silver]")["message"]


BAD = {
    "unknown id": (waiver("STG-999"), "unknown requirement id 'STG-999'"),
    "no justification": (waiver("STG-003", justification=None), "missing 'justification'"),
    "empty owner": (waiver("STG-003", owner='""'), "missing 'owner'"),
    "no expiry": (waiver("STG-003", expires=None), "missing 'expires'"),
    "date as a string": (waiver("STG-003", expires='"2027-03-31"'), "'expires' must be a TOML date"),
    "not a date": (waiver("STG-003", expires="2027-03-31T10:00:00"), "'expires' must be a TOML date"),
    "target matches no case": (waiver("CMP-002", target='"bronz"'),
                               "target 'bronz' matches no case of CMP-002 (its cases: bronze, silver"),
    "target on a check without cases": (waiver("STG-003", target='"bronze"'), "has no parametrised cases"),
    "unknown estate": (waiver("STG-003", estate='"prod"'), "estate 'prod' matches no estate"),
    "unknown key": (waiver("STG-003", reason='"x"'), "unknown key 'reason'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_waiver_stops_the_run_with_one_line_naming_the_file_and_entry(tmp_path, case):
    entry, problem = BAD[case]
    spec = estate(tmp_path, waiver("STG-004"), entry)
    run = run_checks(tmp_path / "s.json", "--estate", spec, "-k", "STG-004")
    assert run.status != 0 and run.records == [] and "Traceback" not in run.output
    line = next(line for line in run.output.splitlines() if problem in line)
    assert spec in line and "[[waivers]] #2" in line, line


def test_fix_waived_needs_fix(tmp_path):
    run = run_checks(tmp_path / "s.json", "--fix-waived", "-k", "STG-003")
    assert run.status != 0 and "--fix-waived goes with --fix" in run.output


def gate_of(tmp_path: Path, previous: list[dict], current: list[dict]) -> int:
    (tmp_path / "prev.json").write_text(json.dumps(previous))
    (tmp_path / "cur.json").write_text(json.dumps(current))
    return gate.main(["--current", str(tmp_path / "cur.json"), "--previous", str(tmp_path / "prev.json")])


def test_gate_treats_newly_waived_as_neither_fixed_nor_regressed_and_expired_as_a_regression(tmp_path, capsys):
    spec, state = estate(tmp_path, waiver("STG-003")), tmp_path / "s.json"
    failing = run_checks(state, "-k", "STG-003")
    waived = run_checks(state, "--estate", spec, "-k", "STG-003")
    assert gate_of(tmp_path, failing.records, waived.records) == 0
    said = capsys.readouterr().out
    assert "newly fixed:" not in said and "NEW FAILURE" not in said
    assert "STG-003 (newly waived)" in said and "60 day(s) left" in said and "accepted risk for STG-003" in said
    expired = run_checks(state, "--estate", estate(tmp_path, waiver("STG-003", -2)), "-k", "STG-003")
    assert gate_of(tmp_path, waived.records, expired.records) == 1
    assert f"expired on {in_days(-2)}" in capsys.readouterr().out
