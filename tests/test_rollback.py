"""--rollback JOURNAL through the real SDKs against the emulator: the request log proves the writes."""
from __future__ import annotations

import json

from suite import run_checks, scenario_with
from test_monitoring_area import LAW, add, body_of, workspace

from medallion.spec import SIM_SUBSCRIPTION

VNET = LAW.split("/providers/")[0] + "/providers/Microsoft.Network/virtualNetworks/juicer-vnet"
PUBLIC, ENDPOINTS = f"{VNET}/subnets/databricks-public", f"{VNET}/subnets/private-endpoints"
STORAGE = LAW.split("/providers/")[0] + "/providers/Microsoft.Storage/storageAccounts/tbwajuicerstorage"
BLOB_PE = LAW.split("/providers/")[0] + "/providers/Microsoft.Network/privateEndpoints/tbwajuicerstorage-blob-pe"


def ids(state):
    return {entry["id"].lower() for entry in json.loads(state.read_text())["arm"]}


def edit(state, resource_id, change):
    saved = json.loads(state.read_text())
    change(body_of(saved, resource_id))
    state.write_text(json.dumps(saved))


def short_retention(tmp_path):
    return scenario_with(tmp_path, lambda s: add(s, LAW, {**workspace(30), "tags": {"owner": "data-team"}}))


def longer_wanted(tmp_path):
    """An estate spec asking 60 days, so --fix raises the workspace's 30."""
    spec = tmp_path / "estate.toml"
    spec.write_text("[monitoring]\nretention_days = 60\n")
    return ("--estate", str(spec))


def test_rollback_restores_a_raised_retention_and_a_second_rollback_writes_nothing(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    fixed = run_checks(state, "-k", "MON-001", "--fix", "--fix-journal", str(journal),
                       *longer_wanted(tmp_path), scenario=short_retention(tmp_path))
    assert fixed.verdicts == {"MON-001": "fixed"} and journal.exists()
    back = run_checks(state, "--rollback", str(journal), *longer_wanted(tmp_path))
    assert back.status == 0, back.output
    assert "restored: " in back.stdout and "retentionInDays: 30" in back.stdout
    assert [w["method"] for w in back.writes] == ["PUT"]
    kept = body_of(json.loads(state.read_text()), LAW)
    assert kept["properties"]["retentionInDays"] == 30 and kept["tags"] == {"owner": "data-team"}
    assert json.loads(journal.read_text())["rolled_back"]
    again = run_checks(state, "--rollback", str(journal), *longer_wanted(tmp_path))
    assert again.status != 0 and again.writes == []
    assert "already rolled back" in again.output and "Traceback" not in again.output


def test_rollback_leaves_a_field_the_user_changed_since_and_says_so(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "MON-001", "--fix", "--fix-journal", str(journal), *longer_wanted(tmp_path),
               scenario=short_retention(tmp_path))
    edit(state, LAW, lambda body: body["properties"].update(retentionInDays=90))
    back = run_checks(state, "--rollback", str(journal), *longer_wanted(tmp_path))
    assert back.writes == [] and f"left: {LAW}: retentionInDays (changed since the fix: now 90" in back.stdout
    assert body_of(json.loads(state.read_text()), LAW)["properties"]["retentionInDays"] == 90


def test_created_subnets_are_deleted_unless_in_use_and_the_plan_writes_nothing(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "SEC-001")                 # an audit: the pre-fix estate
    before = ids(state)
    run_checks(state, "-k", "SEC-003", "--fix", "--fix-journal", str(journal))
    entries = json.loads(journal.read_text())["entries"]
    created = {e["resource"].lower() for e in entries if e["reversible"] and e["before"] is None}
    assert PUBLIC.lower() in created and not created & before
    plan = run_checks(state, "--rollback", str(journal), "--plan")
    assert plan.writes == [] and f"would delete: {PUBLIC}: subnet" in plan.stdout
    assert f"kept: {ENDPOINTS}: subnet (created by the fix, in use: privateEndpoints)" in plan.stdout
    assert f"would delete: {BLOB_PE}: privateEndpoint" in plan.stdout
    assert "rolled_back" not in json.loads(journal.read_text())
    back = run_checks(state, "--rollback", str(journal), *longer_wanted(tmp_path))
    assert {w["method"] for w in back.writes} == {"DELETE"}, back.output
    assert not created & ids(state)     # restored: absent, as before the fix (endpoints went before their subnet)


def test_a_created_subnet_changed_since_is_kept(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "SEC-002", "--fix", "--fix-journal", str(journal))
    edit(state, PUBLIC, lambda body: body["properties"].update(addressPrefix="10.139.0.0/19"))
    back = run_checks(state, "--rollback", str(journal), *longer_wanted(tmp_path))
    assert f"kept: {PUBLIC}: subnet (created by the fix, changed since: properties.addressPrefix)" in back.stdout
    assert PUBLIC.lower() in ids(state) and all(w["path"].lower() != PUBLIC.lower() for w in back.writes)


def test_bad_journals_get_one_line_and_nothing_written(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "MON-001", "--fix", "--fix-journal", str(journal), *longer_wanted(tmp_path),
               scenario=short_retention(tmp_path))
    other = json.loads(journal.read_text())
    other["estates"][0]["subscription"] = "11111111-1111-1111-1111-111111111111"
    cases = {"garbage.json": ("{not json", "not a readable JSON fix journal"),
             "results.json": ("[]", "not a fix journal"),
             "other.json": (json.dumps(other), f"not this run's estate")}
    for name, (text, problem) in cases.items():
        (tmp_path / name).write_text(text)
        run = run_checks(state, "--rollback", str(tmp_path / name), *longer_wanted(tmp_path))
        assert run.status != 0 and run.writes == [], run.output
        assert problem in run.output and "Traceback" not in run.output
    assert body_of(json.loads(state.read_text()), LAW)["properties"]["retentionInDays"] == 60
    assert SIM_SUBSCRIPTION in journal.read_text()


ARM_AREAS = ("microsoft.storage/", "microsoft.keyvault/", "microsoft.network/", "microsoft.insights/",
             "microsoft.operationalinsights/", "microsoft.portal/", "microsoft.automation/")
# maintained by the service, not the fix: a policy's write time, an emptied connection or peering
# list, a blob service's sku, the state of the last operation
SERVER_SET = {"lastModifiedTime": True, "privateEndpointConnections": [], "sku": True, "virtualNetworkPeerings": [],
              "provisioningState": True, "privateEndpoints": []}


def arm_bodies(state):
    """The storage, monitoring and security resources' bodies, without what the service maintains itself."""
    return {entry["id"].lower(): _without_server_set(entry["body"]) for entry in json.loads(state.read_text())["arm"]
            if any(area in entry["id"].lower() for area in ARM_AREAS)}


def _without_server_set(body):
    props = {k: _receivers(k, v) for k, v in (body.get("properties") or {}).items() if SERVER_SET.get(k) not in (True, v)}
    return {**{k: v for k, v in body.items() if k != "sku"}, "properties": props}


def _receivers(name, value):
    """An action group's receivers carry a `status` the service reports, a zone group's configs
    the record sets and state it keeps."""
    if name.endswith("Receivers") and isinstance(value, list):
        return [{k: v for k, v in receiver.items() if k != "status"} for receiver in value]
    if name == "privateDnsZoneConfigs" and isinstance(value, list):
        return [{**config, "properties": {k: v for k, v in (config.get("properties") or {}).items()
                                          if k not in ("recordSets", "provisioningState")}} for config in value]
    return value


def test_a_full_fix_rolled_back_leaves_every_arm_body_and_the_workspace_as_before(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "STO-001")                 # an audit: the pre-fix estate
    before, workspace = arm_bodies(state), databricks_state(state)
    fixed = run_checks(state, "--fix", "--allow-disruptive", "--fix-journal", str(journal))
    assert arm_bodies(state) != before and databricks_state(state) != workspace and journal.exists(), fixed.output
    plan = run_checks(state, "--rollback", str(journal), "--plan")
    assert plan.writes == [] and "would restore: " in plan.stdout and "would delete: " in plan.stdout, plan.output
    back = run_checks(state, "--rollback", str(journal))
    assert back.status == 0 and "left: " not in back.stdout and "kept: " not in back.stdout, back.output
    assert arm_bodies(state) == before
    assert databricks_state(state) == workspace
    assert "networkAcls.defaultAction, publicNetworkAccess: " in back.stdout   # the lock-down, undone
    undone = [line for line in back.stdout.splitlines() if line.startswith("not undone: ")]
    assert not [line for line in undone if "does not yet record" in line], undone
    journal.write_text(json.dumps({**json.loads(journal.read_text()), "rolled_back": None}))
    again = run_checks(state, "--rollback", str(journal))
    assert again.writes == [] and "deleted: " not in again.stdout and "restored: " not in again.stdout, again.output


# what the workspace fills in itself: created clusters' ids and times, server-side defaults
CLUSTER_RUNTIME = ("state", "state_message", "start_time", "terminated_time", "termination_reason",
                   "last_restarted_time", "spark_context_id", "default_tags")
SERVER_DEFAULTS = {"run_if": "ALL_SUCCESS", "timeout_seconds": 0, "email_notifications": {}}


def _cluster_default(cluster, name):
    """The values the workspace gives a cluster spec that leaves them out (clusters/create and edit)."""
    defaults = {"driver_node_type_id": cluster.get("node_type_id"), "enable_elastic_disk": True,
                "azure_attributes": {"first_on_demand": 1, "availability": "ON_DEMAND_AZURE", "spot_bid_max_price": -1.0}}
    return name in defaults and cluster[name] == defaults[name]


def databricks_state(state):
    """Clusters, jobs and workspace objects, without what the workspace maintains itself."""
    saved = json.loads(state.read_text())["databricks"]
    clusters = {c["cluster_id"]: {k: v for k, v in c.items() if k not in CLUSTER_RUNTIME and not _cluster_default(c, k)}
                for c in saved["clusters"]}
    jobs = {j["job_id"]: {**j, "settings": {**j["settings"], "tasks": [
        {k: v for k, v in task.items() if SERVER_DEFAULTS.get(k, object()) != v}
        for task in j["settings"].get("tasks") or []]}} for j in saved["jobs"]}
    return {"clusters": clusters, "jobs": jobs, "workspace": {w["path"]: w for w in saved["workspace"]}}


def test_a_created_private_endpoint_with_a_connection_added_since_is_kept(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "SEC-003 or SEC-004", "--fix", "--fix-journal", str(journal))
    edit(state, BLOB_PE, lambda body: body["properties"].update(manualPrivateLinkServiceConnections=[
        {"name": "analyst", "properties": {"privateLinkServiceId": STORAGE, "groupIds": ["blob"]}}]))
    back = run_checks(state, "--rollback", str(journal))
    kept = [line for line in back.stdout.splitlines() if line.startswith(f"kept: {BLOB_PE}:")]
    assert kept == [f"kept: {BLOB_PE}: privateEndpoint (created by the fix, in use: manualPrivateLinkServiceConnections)"]
    assert BLOB_PE.lower() in ids(state) and all(w["path"].lower() != BLOB_PE.lower() for w in back.writes)
    assert f"kept: {ENDPOINTS}: subnet (created by the fix, in use: privateEndpoints)" in back.stdout
    assert f"kept: {VNET}: virtualNetwork (created by the fix, in use: subnets)" in back.stdout
