"""The security area end to end: `pytest checks/ -k security` against the embedded estate."""
from __future__ import annotations

import json

from suite import arm_body, run_checks, scenario_with

SECURITY = ("-k", "security")
OPT_INS = ("--allow-disruptive", "--allow-irreversible")
IDS = [f"SEC-00{n}" for n in range(1, 10)]
HELD = {"SEC-004": "--allow-disruptive", "SEC-005": "--allow-disruptive", "SEC-006": "--allow-irreversible"}
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = f"{SUB}/resourceGroups/RG-TBWA-ProjectScout-Juicer"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/juicer-vnet"
AUTOMATION = f"{RG}/providers/Microsoft.Automation/automationAccounts/juicer-key-rotation"


def message(outcome, rid: str) -> str:
    return next(r["message"] for r in outcome.records if r["id"] == rid)


def saved(state) -> dict:
    return json.loads(state.read_text())


def test_the_built_in_estate_has_only_the_vault_and_an_open_storage_account(tmp_path):
    audit = run_checks(tmp_path / "s.json", *SECURITY)
    assert audit.status != 0 and audit.writes == []
    assert audit.verdicts == {rid: "failed" for rid in IDS}
    assert "enablePurgeProtection off" in message(audit, "SEC-006")
    assert "enableSoftDelete" not in message(audit, "SEC-006")
    assert "default action is Allow" in message(audit, "SEC-004")
    assert "virtual network juicer-vnet not found" in message(audit, "SEC-001")


def test_without_opt_ins_the_disruptive_and_irreversible_checks_stay_failed_naming_the_opt_in(tmp_path):
    state = tmp_path / "s.json"
    fixed = run_checks(state, *SECURITY, "--fix")
    assert fixed.status != 0
    assert {rid: fixed.verdicts[rid] for rid in HELD} == {rid: "failed" for rid in HELD}
    assert all(fixed.verdicts[rid] == "fixed" for rid in IDS if rid not in HELD), fixed.verdicts
    for rid, opt_in in HELD.items():
        assert f"need {opt_in}" in message(fixed, rid), message(fixed, rid)
    store = saved(state)
    account = arm_body(store, "/storageAccounts/tbwajuicerstorage")["properties"]
    assert account["networkAcls"]["defaultAction"] == "Allow"   # held back
    assert len(account["networkAcls"]["virtualNetworkRules"]) == 2   # the allow list went in first
    assert not arm_body(store, "/vaults/kv-tbwa-juicer-insights2")["properties"].get("enablePurgeProtection")


def test_with_opt_ins_everything_passes_and_a_second_fix_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    fixed = run_checks(state, *SECURITY, "--fix", *OPT_INS)
    assert fixed.status == 0, fixed.output
    assert fixed.verdicts == {rid: "fixed" for rid in IDS}
    again = run_checks(state, *SECURITY, "--fix", *OPT_INS)
    assert again.status == 0 and set(again.verdicts.values()) == {"passed"}
    assert again.writes == []
    store = saved(state)
    vault = arm_body(store, "/vaults/kv-tbwa-juicer-insights2")["properties"]
    assert vault["enablePurgeProtection"] is True and vault["networkAcls"]["defaultAction"] == "Deny"
    subnets = [e for e in store["arm"] if e["id"].lower().startswith(VNET.lower() + "/subnets/")]
    assert len(subnets) == 3
    vnet_puts = [w for w in fixed.writes if w["method"] == "PUT" and w["path"].lower().endswith("/juicer-vnet")]
    assert len(vnet_puts) == 1, "the VNet is created once; subnets go through the subnets API"


def test_spec_opt_ins_work_like_the_flags_and_named_ranges_are_allow_listed(tmp_path):
    estate = tmp_path / "estate.toml"
    estate.write_text('[security]\nallow_disruptive = true\nallow_irreversible = true\n'
                      '[security.access]\noperator_ranges = ["203.0.113.0/24"]\nci_ranges = ["198.51.100.7"]\n'
                      'runner_address = "192.0.2.10"\n')
    state = tmp_path / "s.json"
    fixed = run_checks(state, *SECURITY, "--fix", "--estate", str(estate))
    assert fixed.status == 0, fixed.output
    store = saved(state)
    storage_ips = [r["value"] for r in arm_body(store, "/storageAccounts/tbwajuicerstorage")["properties"]["networkAcls"]["ipRules"]]
    assert storage_ips == ["203.0.113.0/24", "198.51.100.7", "192.0.2.10"]
    vault_ips = [r["value"] for r in arm_body(store, "/vaults/kv-tbwa-juicer-insights2")["properties"]["networkAcls"]["ipRules"]]
    assert vault_ips == ["203.0.113.0/24", "198.51.100.7/32", "192.0.2.10/32"]


def test_the_runner_is_never_locked_out_by_disabling_public_access(tmp_path):
    estate = tmp_path / "estate.toml"
    estate.write_text('[security.access]\npublic_network_access = "Disabled"\nrunner_address = "192.0.2.10"\n')
    state = tmp_path / "s.json"
    fixed = run_checks(state, *SECURITY, "--fix", *OPT_INS, "--estate", str(estate))
    assert fixed.verdicts["SEC-004"] == "failed"
    assert "would lock this runner out" in message(fixed, "SEC-004")
    account = arm_body(saved(state), "/storageAccounts/tbwajuicerstorage")["properties"]
    assert account["publicNetworkAccess"] == "Enabled" and account["networkAcls"]["defaultAction"] == "Deny"
    assert account["networkAcls"]["ipRules"] == [{"value": "192.0.2.10", "action": "Allow"}]


def test_plan_marks_disruptive_and_irreversible_changes_and_writes_nothing(tmp_path):
    plan = run_checks(tmp_path / "s.json", *SECURITY, "--plan")
    assert plan.status != 0 and plan.writes == []
    assert "[DISRUPTIVE; needs --allow-disruptive" in plan.stdout
    assert "enablePurgeProtection: false -> true [IRREVERSIBLE; needs --allow-irreversible" in plan.stdout
    assert "networkAcls (allow list)" in plan.stdout


def _user_estate(scenario: dict) -> None:
    """A VNet with a subnet of the user's, firewall rules of theirs, and their own rotation pieces."""
    scenario["arm"] += [
        {"id": VNET, "body": {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.139.0.0/16"]}, "provisioningState": "Succeeded"}}},
        {"id": f"{VNET}/subnets/user-apps", "body": {"properties": {
            "addressPrefix": "10.139.200.0/24", "provisioningState": "Succeeded"}}},
        {"id": AUTOMATION, "body": {"location": "eastus", "identity": {"type": "None"},
                                    "properties": {"sku": {"name": "Basic"}, "state": "Ok"}}},
        {"id": f"{AUTOMATION}/runbooks/user-report", "body": {"location": "eastus", "properties": {
            "runbookType": "PowerShell", "state": "Published", "provisioningState": "Succeeded"}}},
        {"id": f"{AUTOMATION}/schedules/user-nightly", "body": {"properties": {
            "frequency": "Day", "interval": 1, "isEnabled": True, "startTime": "2024-01-01T02:00:00+00:00"}}},
        {"id": f"{AUTOMATION}/schedules/rotate-storage-keys", "body": {"properties": {
            "frequency": "Day", "interval": 90, "isEnabled": True, "startTime": "2024-01-01T03:00:00+00:00"}}},
        {"id": f"{AUTOMATION}/jobSchedules/11111111-1111-1111-1111-111111111111", "body": {"properties": {
            "jobScheduleId": "11111111-1111-1111-1111-111111111111", "runbook": {"name": "user-report"},
            "schedule": {"name": "user-nightly"}, "parameters": {}}}}]
    for suffix in ("/storageAccounts/tbwajuicerstorage", "/vaults/kv-tbwa-juicer-insights2"):
        acls = arm_body(scenario, suffix)["properties"]["networkAcls"]
        acls["ipRules"] = [{"value": "198.51.100.0/24", **({"action": "Allow"} if "storage" in suffix else {})}]


def test_user_subnets_rules_and_schedules_survive_every_fix(tmp_path):
    state = tmp_path / "s.json"
    fixed = run_checks(state, *SECURITY, "--fix", *OPT_INS, scenario=scenario_with(tmp_path, _user_estate))
    assert fixed.status == 0, fixed.output
    store = saved(state)
    ids = {e["id"].lower() for e in store["arm"]}
    assert f"{VNET}/subnets/user-apps".lower() in ids
    for suffix in ("/storageAccounts/tbwajuicerstorage", "/vaults/kv-tbwa-juicer-insights2"):
        values = [r["value"] for r in arm_body(store, suffix)["properties"]["networkAcls"]["ipRules"]]
        assert values[0] == "198.51.100.0/24", values
    assert arm_body(store, f"{AUTOMATION}/schedules/user-nightly")["properties"]["interval"] == 1
    assert arm_body(store, "/jobSchedules/11111111-1111-1111-1111-111111111111")["properties"]["runbook"] == {"name": "user-report"}
    ours = arm_body(store, f"{AUTOMATION}/schedules/rotate-storage-keys")["properties"]
    assert (ours["frequency"], ours["interval"]) == ("Day", 30)    # ours, too seldom: recreated
    assert "systemassigned" in arm_body(store, AUTOMATION)["identity"]["type"].lower()
    again = run_checks(state, *SECURITY, "--fix", *OPT_INS)
    assert again.writes == [] and set(again.verdicts.values()) == {"passed"}


def test_a_missing_address_prefix_is_added_without_losing_a_subnet(tmp_path):
    def edit(scenario):
        _user_estate(scenario)
        arm_body(scenario, "/virtualNetworks/juicer-vnet")["properties"]["addressSpace"]["addressPrefixes"] = ["10.1.0.0/16"]
    state = tmp_path / "s.json"
    fixed = run_checks(state, "-k", "SEC-001", "--fix", scenario=scenario_with(tmp_path, edit))
    assert fixed.verdicts == {"SEC-001": "fixed"}, fixed.output
    store = saved(state)
    assert arm_body(store, "/virtualNetworks/juicer-vnet")["properties"]["addressSpace"]["addressPrefixes"] == \
        ["10.1.0.0/16", "10.139.0.0/16"]
    assert f"{VNET}/subnets/user-apps".lower() in {e["id"].lower() for e in store["arm"]}
