"""The storage area end to end: `pytest checks/ -k storage` against the embedded estate."""
from __future__ import annotations

import json

from suite import arm_body, run_checks, scenario_with

STORAGE = ("-k", "storage")
FAILING = {"STG-001": "failed", "STG-003": "failed", "STG-004": "failed"}


def test_audit_fails_what_the_half_finished_estate_lacks_and_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    audit = run_checks(state, *STORAGE)
    assert audit.status != 0
    assert audit.verdicts == {**FAILING, "STG-002": "passed", "STG-005": "passed"}
    assert audit.writes == []
    message = next(r["message"] for r in audit.records if r["id"] == "STG-003")
    assert "blob soft delete is off" in message and "--fix" in message


def test_fix_makes_storage_pass_and_a_second_fix_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    fixed = run_checks(state, *STORAGE, "--fix")
    assert fixed.status == 0, fixed.output
    assert {k: v for k, v in fixed.verdicts.items() if k in FAILING} == {k: "fixed" for k in FAILING}
    assert fixed.writes, "a fix that fixed something must have written"
    again = run_checks(state, *STORAGE, "--fix")
    assert again.status == 0 and set(again.verdicts.values()) == {"passed"}
    assert again.writes == []
    audit = run_checks(state, *STORAGE)
    assert audit.status == 0 and audit.writes == []


def test_plan_shows_each_change_and_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    plan = run_checks(state, *STORAGE, "--plan")
    assert plan.status != 0 and plan.writes == []
    assert "--fix would change" in plan.stdout
    assert "managementPolicies/default: policy.rules" in plan.stdout
    assert '"days": 7' in plan.stdout and "deleteRetentionPolicy" in plan.stdout


def test_parallel_run_gives_the_same_verdicts(tmp_path):
    serial = run_checks(tmp_path / "a.json", *STORAGE)
    parallel = run_checks(tmp_path / "b.json", *STORAGE, "-n", "2")
    assert parallel.verdicts == serial.verdicts
    serial_fix = run_checks(tmp_path / "a.json", *STORAGE, "--fix")
    parallel_fix = run_checks(tmp_path / "b.json", *STORAGE, "--fix", "-n", "2")
    assert parallel_fix.verdicts == serial_fix.verdicts
    assert parallel_fix.status == serial_fix.status == 0


def test_fix_keeps_user_rules_and_longer_retention(tmp_path):
    def edit(scenario):
        service = arm_body(scenario, "/blobServices/default")["properties"]
        service["deleteRetentionPolicy"] = {"enabled": True, "days": 30}
        service["cors"] = {"corsRules": [{"allowedOrigins": ["https://contoso.example"], "allowedMethods": ["GET"],
                                          "maxAgeInSeconds": 60, "exposedHeaders": ["*"], "allowedHeaders": ["*"]}]}
        rules = arm_body(scenario, "/managementPolicies/default")["properties"]["policy"]["rules"]
        rules.append({"enabled": True, "name": "user-logs-cleanup", "type": "Lifecycle",
                      "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["logs/"]},
                                     "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 14}}}}})
    state = tmp_path / "s.json"
    fixed = run_checks(state, *STORAGE, "--fix", scenario=scenario_with(tmp_path, edit))
    assert fixed.status == 0, fixed.output
    assert fixed.verdicts["STG-003"] == "passed"
    saved = json.loads(state.read_text())
    service = arm_body(saved, "/blobServices/default")["properties"]
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert service["containerDeleteRetentionPolicy"]["enabled"] is True
    assert service["cors"]["corsRules"][0]["allowedOrigins"] == ["https://contoso.example"]
    names = [r["name"] for r in arm_body(saved, "/managementPolicies/default")["properties"]["policy"]["rules"]]
    assert "user-logs-cleanup" in names and "medallion-gold" in names and "medallion-platinum" in names


def test_a_too_short_version_retention_is_raised_never_lowered(tmp_path):
    def edit(scenario):
        rules = arm_body(scenario, "/managementPolicies/default")["properties"]["policy"]["rules"]
        rules[0]["definition"]["actions"]["version"] = {"delete": {"daysAfterCreationGreaterThan": 30}}
    state = tmp_path / "s.json"
    audit = run_checks(state, *STORAGE, scenario=scenario_with(tmp_path, edit))
    assert "versions are deleted too early: bronze after 30 days" in next(r["message"] for r in audit.records if r["id"] == "STG-001")
    run_checks(state, *STORAGE, "--fix")
    rules = arm_body(json.loads(state.read_text()), "/managementPolicies/default")["properties"]["policy"]["rules"]
    assert rules[0]["definition"]["actions"]["version"]["delete"]["daysAfterCreationGreaterThan"] == 90


def test_the_created_dashboard_keeps_its_chart_parts(tmp_path):
    def drop_dashboard(scenario):
        scenario["arm"] = [e for e in scenario["arm"] if "dashboards/juicer-storage-lifecycle" not in e["id"].lower()]
    state = tmp_path / "s.json"
    fixed = run_checks(state, "-k", "STG-005", "--fix", scenario=scenario_with(tmp_path, drop_dashboard))
    assert fixed.verdicts == {"STG-005": "fixed"}, fixed.output
    body = arm_body(json.loads(state.read_text()), "/dashboards/juicer-storage-lifecycle-dashboard")
    charts = [p for p in body["properties"]["lenses"][0]["parts"]
              if p["metadata"]["type"].endswith("MonitorChartPart")]
    assert len(charts) == 3 and all(p["metadata"]["inputs"] for p in charts)
