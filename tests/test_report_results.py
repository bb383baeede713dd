"""Machine-readable results: JSON records and JUnit XML carry observed, expected, the fix outcome
and time; drift against a previous run; the nightly gate's exit status."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

from reports import run_with_reports
from suite import REPO, arm_body, clean_env, run_checks

STORAGE = ("-k", "storage")


def _record(outcome, requirement_id):
    return next(r for r in outcome.records if r["id"] == requirement_id)


def test_each_record_says_what_was_observed_against_what_was_expected(tmp_path):
    reports = run_with_reports(tmp_path, *STORAGE)
    soft_delete = _record(reports.run, "STG-003")
    assert soft_delete["verdict"] == "failed"
    assert soft_delete["observed"]["deleteRetentionPolicy"] == {"enabled": False, "days": None}
    assert soft_delete["expected"]["deleteRetentionPolicy"]["enabled"] is True
    assert soft_delete["fix_outcome"] == "not run (audit; --fix would remediate)"
    assert soft_delete["started"] and soft_delete["time"] and "duration" in soft_delete
    assert "CIS-Azure-2.0:3.11" in soft_delete["controls"]
    inventory = _record(reports.run, "STG-002")
    assert inventory["verdict"] == "passed" and inventory["observed"]["rules"] == ["daily-blob-inventory"]


def test_every_area_gets_observed_and_expected_even_without_structured_evidence(tmp_path):
    run = run_checks(tmp_path / "s.json")
    failing = [r for r in run.records if r["verdict"] == "failed"]
    assert failing, run.output
    assert all(r["observed"] and r["expected"] for r in failing), [r["id"] for r in failing if not r["observed"]]


def test_junit_xml_carries_the_same_properties(tmp_path):
    reports = run_with_reports(tmp_path, *STORAGE)
    cases = {case.get("name"): case for case in ET.parse(reports.junit).getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["check_blob_soft_delete_keeps_deleted_blobs"].iter("property")}
    assert props["verdict"] == "failed"
    assert json.loads(props["observed"])["deleteRetentionPolicy"]["enabled"] is False
    assert "expected" in props and "fix_outcome" in props and props["started"]


def test_fix_outcome_names_what_was_applied(tmp_path):
    run = run_checks(tmp_path / "s.json", *STORAGE, "--fix")
    soft_delete = _record(run, "STG-003")
    assert soft_delete["verdict"] == "fixed"
    assert soft_delete["fix_outcome"] == "fixed: 1 change(s) applied"
    assert soft_delete["observed"]["deleteRetentionPolicy"] == {"enabled": True, "days": 7}
    assert _record(run, "STG-002")["fix_outcome"] == "not needed"


def test_drift_reports_newly_fixed_still_failing_and_new_failures(tmp_path):
    state = tmp_path / "s.json"
    first = tmp_path / "first.json"
    run_checks(state, *STORAGE, "--results-json", str(first))
    previous = json.loads(first.read_text())
    for record in previous:  # pretend STG-001 has been failing for three days
        if record["id"] == "STG-001":
            record["first_failed"] = "2020-01-01T00:00:00Z"
            record["time"] = "2020-01-04T00:00:00Z"
    first.write_text(json.dumps(previous))
    run_checks(state, "-k", "STG-003", "--fix")  # STG-003 is fixed between the runs

    def break_inventory(scenario):
        arm_body(scenario, "/inventoryPolicies/default")["properties"]["policy"]["enabled"] = False
    saved = json.loads(state.read_text())
    arm_body(saved, "/inventoryPolicies/default")["properties"]["policy"]["enabled"] = False
    state.write_text(json.dumps(saved))
    reports = run_with_reports(tmp_path, *STORAGE, "--previous-results", str(first), state=state)
    drift = {r["id"]: r["drift"] for r in reports.run.records}
    assert drift["STG-003"] == "newly fixed"
    assert drift["STG-001"] == "still failing" and drift["STG-004"] == "still failing"
    assert drift["STG-002"] == "new failure"
    assert _record(reports.run, "STG-001")["first_failed"] == "2020-01-01T00:00:00Z"
    assert "medallion: drift since the previous run" in reports.run.stdout
    assert "new failures: 1" in reports.run.stdout
    html = reports.html.read_text()
    assert "Compliance regressed since the previous run" in html
    assert "failing for" in html and "days" in html


def _gate(*args):
    return subprocess.run([sys.executable, "-m", "medallion.report.gate", *args], cwd=REPO, capture_output=True,
                          text=True, env=clean_env())


def test_gate_fails_only_on_a_regression(tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    state = tmp_path / "s.json"
    run_checks(state, *STORAGE, "--results-json", str(first))
    assert _gate("--current", str(first)).returncode == 1, "no baseline: every failure is new"
    run_checks(state, *STORAGE, "--results-json", str(second))
    same = _gate("--current", str(second), "--previous", str(first))
    assert same.returncode == 0, same.stdout + same.stderr
    assert "still failing" in same.stdout
    previous = json.loads(first.read_text())
    for record in previous:
        if record["id"] == "STG-003":
            record["verdict"] = "passed"
    first.write_text(json.dumps(previous))
    regressed = _gate("--current", str(second), "--previous", str(first))
    assert regressed.returncode == 1 and "NEW FAILURE:   STG-003" in regressed.stdout
    missing = _gate("--current", str(tmp_path / "absent.json"))
    assert missing.returncode == 2 and "did not run to the end" in missing.stderr


def test_an_unreadable_previous_results_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    run = run_checks(tmp_path / "s.json", *STORAGE, "--previous-results", str(bad))
    assert run.status == 4 and "bad.json: cannot read the previous results" in run.output
    assert "Traceback" not in run.output
