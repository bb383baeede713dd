"""The monitoring area end to end: `pytest checks/ -k monitoring` against the embedded estate."""
from __future__ import annotations

import json

from suite import run_checks, scenario_with

MONITORING = ("-k", "monitoring")
IDS = ("MON-001", "MON-002", "MON-003", "MON-004", "MON-005", "MON-006", "MON-007")
SUB = "00000000-0000-0000-0000-000000000000"
GROUP = f"/subscriptions/{SUB}/resourceGroups/RG-TBWA-ProjectScout-Juicer"
LAW = f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/juicer-log-analytics"
AG = f"{GROUP}/providers/Microsoft.Insights/actionGroups/juicer-alerts-action-group"
USER_AG = f"{GROUP}/providers/Microsoft.Insights/actionGroups/oncall"
VAULT = f"{GROUP}/providers/Microsoft.KeyVault/vaults/kv-tbwa-juicer-insights2"
ACCOUNT = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/tbwajuicerstorage"
GIB = 1024 ** 3


def settings_on(saved: dict, target: str) -> dict[str, dict]:
    """Diagnostic settings stored on one target, by name."""
    prefix = f"{target}/providers/Microsoft.Insights/diagnosticSettings/".lower()
    return {e["id"].rsplit("/", 1)[-1]: e["body"] for e in saved["arm"] if e["id"].lower().startswith(prefix)}


def body_of(saved: dict, resource_id: str) -> dict:
    return next(e["body"] for e in saved["arm"] if e["id"].lower() == resource_id.lower())


def add(scenario: dict, resource_id: str, body: dict) -> None:
    scenario["arm"].append({"id": resource_id, "body": body})


def workspace(retention: int) -> dict:
    return {"location": "eastus", "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": retention,
                                                 "customerId": "4b1f2c3d-0000-0000-0000-000000000001",
                                                 "provisioningState": "Succeeded"}}


def test_audit_fails_every_monitoring_check_and_writes_nothing(tmp_path):
    audit = run_checks(tmp_path / "s.json", *MONITORING)
    assert audit.status != 0
    assert audit.verdicts == {i: "failed" for i in IDS}
    assert audit.writes == []
    message = next(r["message"] for r in audit.records if r["id"] == "MON-001")
    assert "juicer-log-analytics not found" in message and "--fix creates it with 90 days" in message


def test_fix_makes_monitoring_pass_and_a_second_fix_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    fixed = run_checks(state, *MONITORING, "--fix")
    assert fixed.status == 0, fixed.output
    assert fixed.verdicts == {i: "fixed" for i in IDS}
    saved = json.loads(state.read_text())
    assert body_of(saved, LAW)["properties"]["retentionInDays"] == 90
    for target in (VAULT, ACCOUNT, f"{ACCOUNT}/blobServices/default",
                   f"{GROUP}/providers/Microsoft.Databricks/workspaces/tbwa-juicer-databricks"):
        assert settings_on(saved, target), f"no diagnostic setting on {target}"
    again = run_checks(state, *MONITORING, "--fix")
    assert again.status == 0 and set(again.verdicts.values()) == {"passed"}
    assert again.writes == []
    audit = run_checks(state, *MONITORING)
    assert audit.status == 0 and audit.writes == []


def test_fix_order_follows_needs_and_a_prerequisite_that_cannot_be_fixed_blocks_the_rest(tmp_path):
    estate = tmp_path / "estate.toml"
    estate.write_text("[monitoring]\nretention_days = 1000\n")   # beyond what Log Analytics allows
    fixed = run_checks(tmp_path / "s.json", *MONITORING, "--fix", "--estate", str(estate))
    assert fixed.verdicts == {"MON-001": "failed", **{i: "blocked" for i in IDS[1:]}}
    assert "between 30 and 730" in next(r["message"] for r in fixed.records if r["id"] == "MON-001")
    assert "Blocked by MON-001" in next(r["message"] for r in fixed.records if r["id"] == "MON-002")
    assert fixed.writes == []


def test_longer_retention_is_kept_and_a_shorter_one_raised(tmp_path):
    def longer(scenario):
        add(scenario, LAW, workspace(365))
    state = tmp_path / "a.json"
    fixed = run_checks(state, *MONITORING, "--fix", scenario=scenario_with(tmp_path, longer))
    assert fixed.status == 0 and fixed.verdicts["MON-001"] == "passed"
    assert body_of(json.loads(state.read_text()), LAW)["properties"]["retentionInDays"] == 365

    def shorter(scenario):
        add(scenario, LAW, {**workspace(7), "tags": {"owner": "data-team"}})
    state = tmp_path / "b.json"
    audit = run_checks(state, "-k", "MON-001", scenario=scenario_with(tmp_path, shorter))
    assert "retention is 7 days; expected at least 30" in audit.records[0]["message"]
    fixed = run_checks(state, "-k", "MON-001", "--fix")
    assert fixed.verdicts == {"MON-001": "fixed"}
    kept = body_of(json.loads(state.read_text()), LAW)
    assert kept["properties"]["retentionInDays"] == 30 and kept["tags"] == {"owner": "data-team"}


def test_fix_keeps_the_users_receivers_and_enables_the_group(tmp_path):
    def edit(scenario):
        add(scenario, AG, {"location": "Global", "properties": {
            "groupShortName": "oncall", "enabled": False,
            "emailReceivers": [{"name": "dba", "emailAddress": "dba@tbwa.example", "useCommonAlertSchema": False}],
            "smsReceivers": [{"name": "pager", "countryCode": "1", "phoneNumber": "5550100"}],
            "webhookReceivers": [{"name": "chatops", "serviceUri": "https://chat.tbwa.example/hook"}]}})
    state = tmp_path / "s.json"
    audit = run_checks(state, "-k", "MON-002", scenario=scenario_with(tmp_path, edit))
    assert "it is disabled; no email receiver for juicer-platform@tbwa.example" in audit.records[0]["message"]
    fixed = run_checks(state, "-k", "MON-002", "--fix")
    assert fixed.verdicts == {"MON-002": "fixed"}, fixed.output
    group = body_of(json.loads(state.read_text()), AG)["properties"]
    assert group["enabled"] is True and group["groupShortName"] == "oncall"
    assert [r["emailAddress"] for r in group["emailReceivers"]] == ["dba@tbwa.example", "juicer-platform@tbwa.example"]
    assert group["emailReceivers"][0]["useCommonAlertSchema"] is False
    assert group["smsReceivers"][0]["phoneNumber"] == "5550100"
    assert group["webhookReceivers"][0]["serviceUri"] == "https://chat.tbwa.example/hook"


def test_fix_adds_missing_categories_to_the_users_setting_and_leaves_other_settings_alone(tmp_path):
    archive = {"storageAccountId": ACCOUNT, "logs": [{"category": "AuditEvent", "enabled": True}]}

    def edit(scenario):
        add(scenario, LAW, workspace(90))
        add(scenario, f"{VAULT}/providers/Microsoft.Insights/diagnosticSettings/user-audit",
            {"properties": {"workspaceId": LAW, "logs": [{"category": "AuditEvent", "enabled": True}],
                            "metrics": [{"category": "AllMetrics", "enabled": False}]}})
        add(scenario, f"{VAULT}/providers/Microsoft.Insights/diagnosticSettings/user-archive", {"properties": archive})
    state = tmp_path / "s.json"
    audit = run_checks(state, "-k", "MON-003", scenario=scenario_with(tmp_path, edit))
    message = audit.records[0]["message"]
    assert "kv-tbwa-juicer-insights2: not sent (logs AzurePolicyEvaluationDetails; metrics AllMetrics)" in message
    assert "tbwajuicerstorage/blobServices/default: no setting sends to the workspace" in message
    fixed = run_checks(state, "-k", "MON-003", "--fix")
    assert fixed.verdicts == {"MON-003": "fixed"}, fixed.output
    on_vault = settings_on(json.loads(state.read_text()), VAULT)
    assert set(on_vault) == {"user-audit", "user-archive"}, "the user's setting is extended, not duplicated"
    assert on_vault["user-audit"]["properties"]["logs"] == [{"category": "AuditEvent", "enabled": True},
                                                            {"category": "AzurePolicyEvaluationDetails", "enabled": True}]
    assert on_vault["user-audit"]["properties"]["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    assert on_vault["user-archive"]["properties"] == archive


def test_resources_later_areas_add_are_found_from_the_api(tmp_path):
    automation = f"{GROUP}/providers/Microsoft.Automation/automationAccounts/juicer-key-rotation"
    nsg = f"{GROUP}/providers/Microsoft.Network/networkSecurityGroups/juicer-databricks-nsg"

    def edit(scenario):
        add(scenario, LAW, workspace(90))
        add(scenario, automation, {"location": "eastus", "properties": {"sku": {"name": "Basic"}}})
        add(scenario, nsg, {"location": "eastus", "properties": {"securityRules": []}})
    state = tmp_path / "s.json"
    audit = run_checks(state, "-k", "MON-003", scenario=scenario_with(tmp_path, edit))
    message = audit.records[0]["message"]
    assert "juicer-key-rotation: no setting sends" in message and "JobLogs" in message
    assert "juicer-databricks-nsg: no setting sends" in message and "NetworkSecurityGroupEvent" in message
    assert "juicer-storage-lifecycle-dashboard" not in message   # dashboards have no diagnostics
    fixed = run_checks(state, "-k", "MON-003", "--fix")
    assert fixed.verdicts == {"MON-003": "fixed"}, fixed.output
    saved = json.loads(state.read_text())
    assert settings_on(saved, automation) and settings_on(saved, nsg)


def test_disabled_or_misrouted_alerts_are_findings_and_the_fix_keeps_the_users_actions(tmp_path):
    capacity = f"{GROUP}/providers/Microsoft.Insights/metricAlerts/juicer-storage-capacity-alert"
    users_own = f"{GROUP}/providers/Microsoft.Insights/metricAlerts/user-transactions"
    criteria = {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": [
        {"criterionType": "StaticThresholdCriterion", "name": "cap", "metricName": "UsedCapacity",
         "metricNamespace": "Microsoft.Storage/storageAccounts", "operator": "GreaterThan",
         "threshold": 4096 * GIB, "timeAggregation": "Average"}]}
    own = {"location": "global", "properties": {
        "severity": 3, "enabled": False, "scopes": [ACCOUNT], "evaluationFrequency": "PT5M", "windowSize": "PT15M",
        "criteria": {**criteria, "allOf": [{**criteria["allOf"][0], "name": "tx", "metricName": "Transactions",
                                            "threshold": 1000000}]}, "actions": [{"actionGroupId": USER_AG}]}}

    def edit(scenario):
        add(scenario, USER_AG, {"location": "Global", "properties": {"groupShortName": "oncall", "enabled": True}})
        add(scenario, capacity, {"location": "global", "properties": {
            "severity": 3, "enabled": False, "scopes": [ACCOUNT], "evaluationFrequency": "PT1H", "windowSize": "PT6H",
            "criteria": criteria, "actions": [{"actionGroupId": USER_AG, "webHookProperties": {"team": "data"}}]}})
        add(scenario, users_own, own)
    state = tmp_path / "s.json"
    audit = run_checks(state, "-k", "MON-004", scenario=scenario_with(tmp_path, edit))
    message = audit.records[0]["message"]
    assert "it is disabled" in message and "it notifies oncall instead of juicer-alerts-action-group" in message
    assert "GreaterThan 4096 GiB; expected UsedCapacity above at most 1024 GiB" in message
    fixed = run_checks(state, "-k", "MON-004", "--fix")
    assert fixed.verdicts == {"MON-004": "fixed"}, fixed.output
    saved = json.loads(state.read_text())
    alert = body_of(saved, capacity)["properties"]
    assert alert["enabled"] is True and alert["severity"] == 3
    assert [a["actionGroupId"].lower() for a in alert["actions"]] == [USER_AG.lower(), AG.lower()]
    assert alert["actions"][0]["webHookProperties"] == {"team": "data"}
    assert alert["criteria"]["allOf"][0]["threshold"] == 1024 * GIB
    assert body_of(saved, users_own)["properties"] == own["properties"], "an alert of the user's own is untouched"
    assert not [w for w in fixed.writes if w["path"].lower().startswith(users_own.lower())]


def test_log_and_activity_alerts_are_enabled_and_routed_keeping_their_conditions(tmp_path):
    jobs = f"{GROUP}/providers/Microsoft.Insights/scheduledQueryRules/juicer-databricks-job-failures-alert"
    vault_alert = f"{GROUP}/providers/Microsoft.Insights/activityLogAlerts/juicer-key-vault-changes-alert"
    query = 'DatabricksJobs | where ActionName == "runFailed" and RequestParams has "nightly"'
    condition = {"allOf": [{"field": "category", "equals": "Administrative"},
                           {"anyOf": [{"field": "operationName", "equals": "Microsoft.KeyVault/vaults/delete"},
                                      {"field": "operationName", "equals": "Microsoft.KeyVault/vaults/accessPolicies/write"}]}]}

    def edit(scenario):
        add(scenario, LAW, workspace(90))
        add(scenario, jobs, {"location": "eastus", "kind": "LogAlert", "properties": {
            "severity": 2, "enabled": False, "scopes": [LAW], "evaluationFrequency": "PT5M", "windowSize": "PT5M",
            "criteria": {"allOf": [{"query": query, "timeAggregation": "Count", "operator": "GreaterThan", "threshold": 0}]},
            "actions": {"actionGroups": [USER_AG]}}})
        add(scenario, vault_alert, {"location": "Global", "properties": {
            "enabled": True, "scopes": [GROUP], "condition": condition, "actions": {"actionGroups": []}}})
    state = tmp_path / "s.json"
    audit = run_checks(state, "-k", "MON-005 or MON-006", scenario=scenario_with(tmp_path, edit))
    assert audit.verdicts == {"MON-005": "failed", "MON-006": "failed"}
    fixed = run_checks(state, "-k", "MON-005 or MON-006", "--fix")
    assert fixed.verdicts == {"MON-005": "fixed", "MON-006": "fixed"}, fixed.output
    saved = json.loads(state.read_text())
    rule = body_of(saved, jobs)["properties"]
    assert rule["enabled"] is True and rule["criteria"]["allOf"][0]["query"] == query
    assert [g.lower() for g in rule["actions"]["actionGroups"]] == [USER_AG.lower(), AG.lower()]
    activity = body_of(saved, vault_alert)["properties"]
    assert activity["condition"] == condition and activity["scopes"] == [GROUP]
    assert activity["actions"]["actionGroups"][0]["actionGroupId"].lower() == AG.lower()


def test_an_existing_dashboard_gets_the_missing_views_and_keeps_its_parts(tmp_path):
    board = f"{GROUP}/providers/Microsoft.Portal/dashboards/juicer-insights-monitoring-dashboard"
    note = {"position": {"x": 0, "y": 0, "rowSpan": 2, "colSpan": 6},
            "metadata": {"type": "Extension/HubsExtension/PartType/MarkdownPart", "inputs": [],
                         "settings": {"content": {"settings": {"content": "Runbook: see wiki", "title": "On call"}}}}}

    def edit(scenario):
        add(scenario, board, {"location": "eastus", "tags": {"hidden-title": "Juicer ops"},
                              "properties": {"lenses": [{"order": 0, "parts": [note]}], "metadata": {}}})
    state = tmp_path / "s.json"
    audit = run_checks(state, "-k", "MON-007", scenario=scenario_with(tmp_path, edit))
    assert ("does not show Databricks job failures, storage capacity, Key Vault activity"
            in audit.records[0]["message"])
    fixed = run_checks(state, *MONITORING, "--fix")
    assert fixed.verdicts["MON-007"] == "fixed", fixed.output
    saved = body_of(json.loads(state.read_text()), board)
    parts = saved["properties"]["lenses"][0]["parts"]
    assert parts[0] == note and len(parts) == 4 and saved["tags"] == {"hidden-title": "Juicer ops"}
    assert all(p["position"]["y"] >= 2 for p in parts[1:]), "new views go below the user's parts"
    assert "DatabricksJobs" in json.dumps(parts[1])


def test_parallel_run_gives_the_same_verdicts(tmp_path):
    """Audits agree. Under --fix a prerequisite may be fixed by a dependent on the other worker
    before its own check runs (then it reports passed), so fixes agree on the outcome."""
    assert run_checks(tmp_path / "a.json", *MONITORING).verdicts == \
        run_checks(tmp_path / "b.json", *MONITORING, "-n", "2").verdicts
    parallel = run_checks(tmp_path / "b.json", *MONITORING, "--fix", "-n", "2")
    assert parallel.status == 0 and set(parallel.verdicts.values()) <= {"fixed", "passed"}, parallel.output
    assert set(parallel.verdicts) == set(IDS)
    again = run_checks(tmp_path / "b.json", *MONITORING, "--fix", "-n", "2")
    assert again.status == 0 and again.writes == []


def test_plan_shows_every_change_in_order_and_writes_nothing(tmp_path):
    plan = run_checks(tmp_path / "s.json", *MONITORING, "--plan")
    assert plan.status != 0 and plan.writes == []
    assert "workspaces/juicer-log-analytics: workspace: absent" in plan.stdout
    assert "kv-tbwa-juicer-insights2/providers/Microsoft.Insights/diagnosticSettings/juicer-to-log-analytics" in plan.stdout
    assert "blobServices/default/providers/Microsoft.Insights/diagnosticSettings" in plan.stdout


def test_a_whole_fix_covers_what_other_areas_create_so_a_second_writes_no_monitoring(tmp_path):
    """Security adds the VNet, NSGs, endpoints and the Automation account; monitoring runs after
    it, so their diagnostic settings are written by the same --fix, not left for the next."""
    state = tmp_path / "s.json"
    first = run_checks(state, "--fix")
    assert {k: v for k, v in first.verdicts.items() if k.startswith("MON-")} == {i: "fixed" for i in IDS}
    saved = json.loads(state.read_text())
    nsgs = [e["id"] for e in saved["arm"] if "/networksecuritygroups/" in e["id"].lower() and e["id"].count("/") == 8]
    assert nsgs and all(settings_on(saved, nsg) for nsg in nsgs)
    again = run_checks(state, "--fix")
    assert [w["path"] for w in again.writes if "microsoft.insights" in w["path"].lower()] == []
