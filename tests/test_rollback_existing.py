"""--rollback of changes to resources that existed before the fix: the journal carries each body
value, so a rollback puts the estate back as it was, keeping and naming what a user did since."""
from __future__ import annotations

import json

from suite import arm_body, run_checks, scenario_with
from test_compute_area import _existing_bronze
from test_monitoring_area import AG, GIB, GROUP, LAW, USER_AG, VAULT, ACCOUNT, add, body_of, workspace
from test_rollback import arm_bodies, databricks_state, edit

VNET = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/juicer-vnet"
PUBLIC = f"{VNET}/subnets/databricks-public"
CAPACITY = f"{GROUP}/providers/Microsoft.Insights/metricAlerts/juicer-storage-capacity-alert"
JOBS_ALERT = f"{GROUP}/providers/Microsoft.Insights/scheduledQueryRules/juicer-databricks-job-failures-alert"
VAULT_ALERT = f"{GROUP}/providers/Microsoft.Insights/activityLogAlerts/juicer-key-vault-changes-alert"
BOARD = f"{GROUP}/providers/Microsoft.Portal/dashboards/juicer-insights-monitoring-dashboard"
SETTING = f"{VAULT}/providers/Microsoft.Insights/diagnosticSettings/user-audit"
INVENTORY = f"{ACCOUNT}/inventoryPolicies/default"
BLOB_PE = f"{GROUP}/providers/Microsoft.Network/privateEndpoints/tbwajuicerstorage-blob-pe"
ZONE_GROUP = f"{BLOB_PE}/privateDnsZoneGroups/default"
FOLDER = "/Shared/InsightPulseAI/Juicer/data_quality"
STALE = "# Databricks notebook source\nprint('an old quality notebook')\n"


def _group(scenario):
    add(scenario, AG, {"location": "Global", "properties": {
        "groupShortName": "oncall", "enabled": False,
        "emailReceivers": [{"name": "dba", "emailAddress": "dba@tbwa.example", "useCommonAlertSchema": False}],
        "smsReceivers": [{"name": "pager", "countryCode": "1", "phoneNumber": "5550100"}]}})


def _monitoring(scenario):
    """A workspace, the action group, three alerts, a diagnostic setting and a dashboard of the user's."""
    add(scenario, LAW, workspace(90))
    _group(scenario)
    add(scenario, USER_AG, {"location": "Global", "properties": {"groupShortName": "mine", "enabled": True}})
    criteria = {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "allOf": [
        {"criterionType": "StaticThresholdCriterion", "name": "cap", "metricName": "UsedCapacity",
         "metricNamespace": "Microsoft.Storage/storageAccounts", "operator": "GreaterThan",
         "threshold": 4096 * GIB, "timeAggregation": "Average"}]}
    add(scenario, CAPACITY, {"location": "global", "properties": {
        "severity": 3, "enabled": False, "scopes": [ACCOUNT], "evaluationFrequency": "PT1H", "windowSize": "PT6H",
        "criteria": criteria, "actions": [{"actionGroupId": USER_AG, "webHookProperties": {"team": "data"}}]}})
    add(scenario, JOBS_ALERT, {"location": "eastus", "kind": "LogAlert", "properties": {
        "severity": 2, "enabled": False, "scopes": [LAW], "evaluationFrequency": "PT5M", "windowSize": "PT5M",
        "criteria": {"allOf": [{"query": "DatabricksJobs | where ActionName == 'runFailed'",
                                "timeAggregation": "Count", "operator": "GreaterThan", "threshold": 0}]},
        "actions": {"actionGroups": [USER_AG]}}})
    add(scenario, VAULT_ALERT, {"location": "Global", "properties": {
        "enabled": True, "scopes": [GROUP], "actions": {"actionGroups": []},
        "condition": {"allOf": [{"field": "category", "equals": "Administrative"}, {"anyOf": [
            {"field": "operationName", "equals": "Microsoft.KeyVault/vaults/delete"},
            {"field": "operationName", "equals": "Microsoft.KeyVault/vaults/accessPolicies/write"}]}]}}})
    add(scenario, SETTING, {"properties": {"workspaceId": LAW, "logs": [{"category": "AuditEvent", "enabled": True}],
                                           "metrics": [{"category": "AllMetrics", "enabled": False}]}})
    add(scenario, BOARD, {"location": "eastus", "tags": {"hidden-title": "Juicer ops"}, "properties": {
        "metadata": {}, "lenses": [{"order": 0, "parts": [{"position": {"x": 0, "y": 0, "rowSpan": 2, "colSpan": 6},
                                                           "metadata": {"type": "Extension/HubsExtension/PartType/MarkdownPart",
                                                                        "inputs": []}}]}]}})


def _network_and_storage(scenario):
    """A VNet short of the spec's prefix with a Databricks subnet short of its settings; an
    inventory policy that is off."""
    add(scenario, VNET, {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "provisioningState": "Succeeded"}})
    add(scenario, PUBLIC, {"properties": {"addressPrefix": "10.139.0.0/18", "provisioningState": "Succeeded",
                                          "serviceEndpoints": [{"service": "Microsoft.Sql", "locations": ["eastus"]}]}})
    arm_body(scenario, "/inventoryPolicies/default")["properties"]["policy"]["enabled"] = False
    _endpoint(scenario)


def _endpoint(scenario):
    """A blob endpoint of the user's whose zone group points at a zone of theirs only."""
    subnet = f"{VNET}/subnets/private-endpoints"
    add(scenario, subnet, {"properties": {"addressPrefix": "10.139.128.0/24", "privateEndpointNetworkPolicies": "Disabled",
                                          "provisioningState": "Succeeded"}})
    add(scenario, BLOB_PE, {"location": "eastus", "properties": {"subnet": {"id": subnet}, "provisioningState": "Succeeded",
                                                                 "privateLinkServiceConnections": [{"name": "blob", "properties": {
                                                                     "privateLinkServiceId": ACCOUNT, "groupIds": ["blob"]}}]}})
    zone = f"{GROUP}/providers/Microsoft.Network/privateDnsZones/blob.corp.example"
    add(scenario, zone, {"location": "global", "properties": {"provisioningState": "Succeeded"}})
    add(scenario, ZONE_GROUP, {"properties": {"privateDnsZoneConfigs": [{"name": "corp-blob", "properties": {
        "privateDnsZoneId": zone}}]}})


def _workspace(scenario):
    """The bronze cluster at fault in five ways, and a stale copy of the silver quality notebook."""
    _existing_bronze()(scenario)
    scenario["databricks"]["workspace"].append({"path": f"{FOLDER}/silver_quality", "language": "PYTHON",
                                                "content": STALE})


def lived_in(scenario):
    for part in (_monitoring, _network_and_storage, _workspace):
        part(scenario)


def test_a_full_fix_of_a_lived_in_estate_rolled_back_leaves_every_body_as_before(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "STO-001", scenario=scenario_with(tmp_path, lived_in))   # the pre-fix estate
    before, workspace_before = arm_bodies(state), databricks_state(state)
    fixed = run_checks(state, "--fix", "--allow-disruptive", "--fix-journal", str(journal))
    entries = {(e["resource"], e["field"]): e for e in json.loads(journal.read_text())["entries"]}
    existing = [e for e in entries.values() if e["status"] == "applied" and e["before"] is not None
                and (e["undo"] or {}).get("kind") != "never"]
    assert len(existing) >= 15 and all(e["reversible"] for e in existing), [
        e["summary"] for e in existing if not e["reversible"]]
    assert len(entries[(AG, "action group")]["summary"]) < 400, "the journal's summary stays short"
    back = run_checks(state, "--rollback", str(journal))
    assert back.status == 0 and "left: " not in back.stdout and "failed: " not in back.stdout, back.output
    for resource in (AG, CAPACITY, JOBS_ALERT, VAULT_ALERT, SETTING, BOARD, VNET, PUBLIC, INVENTORY, ZONE_GROUP):
        assert f"restored: {resource}: " in back.stdout, resource
    after = arm_bodies(state)
    assert {k: v for k, v in after.items() if after[k] != before.get(k)} == {}, fixed.output
    assert after == before
    assert databricks_state(state) == workspace_before


def test_receivers_added_since_the_fix_are_kept_and_named(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "MON-002", "--fix", "--fix-journal", str(journal), scenario=scenario_with(tmp_path, _group))
    mine = {"name": "ops", "emailAddress": "ops@tbwa.example", "useCommonAlertSchema": True}
    edit(state, AG, lambda body: body["properties"]["emailReceivers"].append(mine))
    back = run_checks(state, "--rollback", str(journal))
    group = body_of(json.loads(state.read_text()), AG)["properties"]
    assert group["enabled"] is False and group["smsReceivers"][0]["phoneNumber"] == "5550100"
    assert [r["name"] for r in group["emailReceivers"]] == ["dba", "ops"], back.output
    assert f"restored: {AG}: action group" in back.stdout and 'kept, added since: emailReceivers item "ops"' in back.stdout


def test_a_receiver_of_the_fix_changed_since_leaves_the_group_and_says_which(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "MON-002", "--fix", "--fix-journal", str(journal), scenario=scenario_with(tmp_path, _group))
    edit(state, AG, lambda body: body["properties"]["emailReceivers"][1].update(useCommonAlertSchema=False))
    back = run_checks(state, "--rollback", str(journal))
    assert not [w for w in back.writes if w["path"].lower() == AG.lower()], back.output
    assert body_of(json.loads(state.read_text()), AG)["properties"]["enabled"] is True
    assert f"left: {AG}: action group (changed since the fix: emailReceivers item" in back.stdout, back.output


def test_a_lock_down_whose_public_access_changed_since_is_left_whole_and_named(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "SEC-004", "--fix", "--allow-disruptive", "--fix-journal", str(journal))
    edit(state, ACCOUNT, lambda body: body["properties"].update(publicNetworkAccess="Disabled"))
    back = run_checks(state, "--rollback", str(journal))
    assert (f"left: {ACCOUNT}: networkAcls.defaultAction, publicNetworkAccess (changed since the fix: "
            'publicNetworkAccess now "Disabled", the fix set "Enabled")') in back.stdout, back.output
    account = body_of(json.loads(state.read_text()), ACCOUNT)["properties"]
    assert account["networkAcls"]["defaultAction"] == "Deny" and account["publicNetworkAccess"] == "Disabled"
    assert not [w for w in back.writes if w["path"].lower() == ACCOUNT.lower()]


AUTOMATION = f"{GROUP}/providers/Microsoft.Automation/automationAccounts/juicer-key-rotation"
RUNBOOK = f"{AUTOMATION}/runbooks/rotate_storage_keys"


def _rotation(scenario):
    """Our account without a managed identity, our runbook with an old version published."""
    add(scenario, AUTOMATION, {"location": "eastus", "identity": {"type": "None"},
                               "properties": {"sku": {"name": "Basic"}, "state": "Ok"}})
    add(scenario, RUNBOOK, {"location": "eastus", "properties": {
        "runbookType": "Python", "runtimeEnvironment": "Python-3.10", "state": "Published",
        "provisioningState": "Succeeded"}})
    add(scenario, f"{RUNBOOK}/content", {"content": "print('rotation, version 1')\n"})


def test_an_older_published_runbook_and_an_identity_the_fix_added_go_back(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "SEC-007", scenario=scenario_with(tmp_path, _rotation))
    before = arm_bodies(state)
    fixed = run_checks(state, "-k", "SEC-007 or SEC-008", "--fix", "--fix-journal", str(journal))
    assert body_of(json.loads(state.read_text()), f"{RUNBOOK}/content")["content"] != "print('rotation, version 1')\n"
    back = run_checks(state, "--rollback", str(journal))
    assert back.status == 0 and "left: " not in back.stdout, back.output
    assert f"restored: {RUNBOOK}: published content: sha256:" in back.stdout
    assert f"restored: {AUTOMATION}: identity.type: " in back.stdout, fixed.output
    assert body_of(json.loads(state.read_text()), f"{RUNBOOK}/content")["content"] == "print('rotation, version 1')\n"
    after = {k: v for k, v in arm_bodies(state).items() if "/content" not in k and "/draft" not in k}
    after[RUNBOOK.lower()]["properties"].pop("draft")       # the service's record of the last edit
    assert after == {k: v for k, v in before.items() if "/content" not in k}


def test_a_replaced_schedule_is_not_undone_and_the_journal_says_why(tmp_path):
    from test_security_area import _user_estate

    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "SEC-009", "--fix", "--fix-journal", str(journal), scenario=scenario_with(tmp_path, _user_estate))
    replaced = [e for e in json.loads(journal.read_text())["entries"] if e["resource"].endswith("/schedules/rotate-storage-keys")]
    assert len(replaced) == 2 and not any(e["reversible"] for e in replaced)
    assert all("cannot be made again as it was" in e["why_not_reversible"] for e in replaced)
    back = run_checks(state, "--rollback", str(journal))
    assert not [w for w in back.writes if "/schedules/rotate-storage-keys" in w["path"]]
    assert "not undone: " in back.stdout and "its start time has passed" in back.stdout
