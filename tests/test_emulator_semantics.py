"""The emulator's ARM semantics, through the real azure-mgmt SDKs over HTTP (no mocks)."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.databricks import AzureDatabricksManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from medallion.emulator import (OWNER_TOKEN, READER_TOKEN, Emulator, Faults, builtin_scenario,
                                load_scenario)
from tests.conftest import RG, SUBSCRIPTION, build_arm_client

ACCOUNT = "tbwajuicerstorage"
ACCOUNT_ID = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}/providers/Microsoft.Storage/"
              f"storageAccounts/{ACCOUNT}")
REPO = Path(__file__).resolve().parents[1]


def raw(emu: Emulator, method: str, path: str, token: str | None = OWNER_TOKEN,
        body: object | None = None) -> tuple[int, dict, dict]:
    """One plain HTTP request: for what the SDKs would hide (status, headers, error body)."""
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), json.loads(data) if data else {}


# --- authentication and authorisation --------------------------------------------------------
def test_missing_token_is_401_with_arm_error(emulator):
    status, headers, body = raw(emulator, "GET", ACCOUNT_ID + "?api-version=2026-09-01", token=None)
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    assert "x-ms-request-id" in headers


def test_unknown_token_on_databricks_path_is_401_databricks_style(emulator):
    status, _, body = raw(emulator, "GET", "/api/2.1/clusters/list", token="stolen")
    assert status == 401 and body["error_code"] == "UNAUTHENTICATED"


def test_reader_may_read_but_not_write(arm_client):
    reader = arm_client(StorageManagementClient, token=READER_TOKEN)
    assert reader.storage_accounts.get_properties(RG, ACCOUNT).name == ACCOUNT
    with pytest.raises(HttpResponseError) as err:
        reader.storage_accounts.update(RG, ACCOUNT, {"tags": {"x": "y"}})
    assert err.value.status_code == 403 and err.value.error.code == "AuthorizationFailed"
    assert "Microsoft.Storage/storageAccounts/write" in err.value.message


def test_reader_cannot_list_keys(arm_client):
    reader = arm_client(StorageManagementClient, token=READER_TOKEN)
    with pytest.raises(HttpResponseError) as err:
        reader.storage_accounts.list_keys(RG, ACCOUNT)
    assert err.value.error.code == "AuthorizationFailed"
    assert "storageAccounts/listKeys/action" in err.value.message


def test_reader_gets_permission_denied_on_databricks_writes(emulator):
    status, _, body = raw(emulator, "POST", "/api/2.1/clusters/create", token=READER_TOKEN, body={})
    assert status == 403 and body["error_code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("token, actions", [(OWNER_TOKEN, ["*"]), (READER_TOKEN, ["*/read"])])
def test_permissions_preflight(emulator, token, actions):
    status, _, body = raw(emulator, "GET", f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}/providers/"
                          "Microsoft.Authorization/permissions?api-version=2022-04-01", token=token)
    assert status == 200 and body["value"][0]["actions"] == actions


# --- addressing and errors -------------------------------------------------------------------
def test_ids_are_case_insensitive_and_answered_in_canonical_case(arm_client):
    resources = arm_client(ResourceManagementClient)
    found = resources.resources.get_by_id(ACCOUNT_ID.lower().replace("/resourcegroups/", "//resourcegroups/"),
                                          api_version="2026-09-01")
    assert found.id == ACCOUNT_ID


def test_missing_resource_group_and_subscription_have_their_own_codes(emulator, arm_client):
    storage = arm_client(StorageManagementClient)
    with pytest.raises(ResourceNotFoundError) as err:
        storage.storage_accounts.get_properties(RG, "nosuchaccount")
    assert err.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as err:
        storage.storage_accounts.get_properties("RG-Missing", ACCOUNT)
    assert err.value.error.code == "ResourceGroupNotFound"
    other = build_arm_client(emulator, StorageManagementClient, subscription="11111111-1111-1111-1111-111111111111")
    with pytest.raises(ResourceNotFoundError) as err:
        other.storage_accounts.get_properties(RG, ACCOUNT)
    assert err.value.error.code == "SubscriptionNotFound"


def test_api_version_is_required(emulator):
    status, _, body = raw(emulator, "GET", ACCOUNT_ID)
    assert status == 400 and body["error"]["code"] == "MissingApiVersionParameter"


def test_every_arm_answer_carries_request_id_and_rate_budget(emulator):
    _, headers, _ = raw(emulator, "GET", ACCOUNT_ID + "?api-version=2026-09-01")
    lowered = {k.lower() for k in headers}
    assert {"x-ms-request-id", "x-ms-ratelimit-remaining-subscription-reads",
            "x-ms-ratelimit-remaining-subscription-writes"} <= lowered


def test_resource_group_existence(arm_client):
    groups = arm_client(ResourceManagementClient).resource_groups
    assert groups.check_existence(RG) is True
    assert groups.check_existence("RG-Missing") is False
    assert groups.get(RG.lower()).name == RG


def test_generic_list_names_every_top_level_resource_without_properties(arm_client):
    listed = list(arm_client(ResourceManagementClient).resources.list_by_resource_group(RG))
    assert {(r.type, r.name) for r in listed} == {
        ("Microsoft.Databricks/workspaces", "tbwa-juicer-databricks"),
        ("Microsoft.Storage/storageAccounts", ACCOUNT),
        ("Microsoft.KeyVault/vaults", "kv-tbwa-juicer-insights2"),
        ("Microsoft.Portal/dashboards", "juicer-storage-lifecycle-dashboard")}
    assert all(r.properties is None for r in listed)


def test_lists_by_subscription_group_and_parent(arm_client):
    storage = arm_client(StorageManagementClient)
    assert [a.name for a in storage.storage_accounts.list()] == [ACCOUNT]
    assert [a.name for a in storage.storage_accounts.list_by_resource_group(RG)] == [ACCOUNT]
    assert [c.name for c in storage.blob_containers.list(RG, ACCOUNT)] == ["inventory"]
    assert [b.name for b in storage.blob_services.list(RG, ACCOUNT)] == ["default"]


def test_resource_group_create_and_read(arm_client):
    groups = arm_client(ResourceManagementClient).resource_groups
    created = groups.create_or_update("rg-new", {"location": "westeurope", "tags": {"team": "data"}})
    assert created.properties.provisioning_state == "Succeeded"
    assert groups.get("RG-NEW").name == "rg-new"
    assert {g.name for g in groups.list()} == {RG, "rg-new"}


# --- writes ----------------------------------------------------------------------------------
def test_patch_deep_merges_and_keeps_untouched_settings(arm_client):
    storage = arm_client(StorageManagementClient)
    updated = storage.storage_accounts.update(RG, ACCOUNT, {"properties": {"minimumTlsVersion": "TLS1_2",
                                                                             "allowSharedKeyAccess": False}})
    assert updated.allow_shared_key_access is False
    assert updated.is_hns_enabled is True and updated.network_rule_set.default_action == "Allow"


def test_patch_with_network_acls_replaces_the_whole_rule_set(arm_client):
    storage = arm_client(StorageManagementClient)
    storage.storage_accounts.update(RG, ACCOUNT, {"properties": {"networkAcls": {
        "defaultAction": "Deny", "ipRules": [{"value": "203.0.113.7"}]}}})
    after = storage.storage_accounts.update(RG, ACCOUNT, {"properties": {"networkAcls": {"defaultAction": "Deny"}}})
    assert after.network_rule_set.ip_rules == [] and after.network_rule_set.bypass == "AzureServices"


def test_storage_account_create_is_a_real_long_running_operation(emulator, arm_client):
    storage = arm_client(StorageManagementClient)
    account = storage.storage_accounts.begin_create(
        RG, "newaccount01", {"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}).result()
    assert account.provisioning_state == "Succeeded" and account.primary_endpoints.blob
    statuses = [r["status"] for r in emulator.requests if "asyncoperations" in r["path"].lower()]
    assert [s for s in emulator.requests if s["method"] == "PUT"][-1]["status"] == 202
    assert statuses == [202, 200]


def test_blob_service_has_defaults_but_policies_do_not(arm_client):
    storage = arm_client(StorageManagementClient)
    storage.storage_accounts.begin_create(RG, "bare01", {"location": "eastus", "kind": "StorageV2",
                                                         "sku": {"name": "Standard_LRS"}}).result()
    blob = storage.blob_services.get_service_properties(RG, "bare01")
    assert blob.delete_retention_policy.enabled is False
    assert blob.container_delete_retention_policy.enabled is False
    with pytest.raises(ResourceNotFoundError):
        storage.management_policies.get(RG, "bare01", "default")
    with pytest.raises(ResourceNotFoundError):
        storage.blob_inventory_policies.get(RG, "bare01", "default")


def test_storage_singletons_answer_200_on_first_put(arm_client):
    storage = arm_client(StorageManagementClient)
    storage.storage_accounts.begin_create(RG, "bare02", {"location": "eastus", "kind": "StorageV2",
                                                         "sku": {"name": "Standard_LRS"}}).result()
    rule = {"enabled": True, "name": "r", "type": "Lifecycle", "definition": {
        "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 365}}},
        "filters": {"blobTypes": ["blockBlob"]}}}
    created = storage.management_policies.create_or_update(RG, "bare02", "default",
                                                            {"properties": {"policy": {"rules": [rule]}}})
    assert created.policy.rules[0].name == "r" and created.last_modified_time is not None
    blob = storage.blob_services.set_service_properties(
        RG, "bare02", {"properties": {"deleteRetentionPolicy": {"enabled": True, "days": 7}}})
    assert blob.delete_retention_policy.days == 7


def test_management_policy_name_must_be_default(emulator):
    status, _, body = raw(emulator, "PUT", ACCOUNT_ID + "/managementPolicies/other?api-version=2026-09-01",
                          body={"properties": {"policy": {"rules": []}}})
    assert status == 400 and "'default'" in body["error"]["message"]


def test_delete_takes_children_and_is_idempotent(arm_client):
    storage = arm_client(StorageManagementClient)
    storage.storage_accounts.delete(RG, ACCOUNT)
    with pytest.raises(ResourceNotFoundError):
        storage.management_policies.get(RG, ACCOUNT, "default")
    storage.storage_accounts.delete(RG, ACCOUNT)   # absent: 204, no error


def test_list_keys_never_reaches_log_or_state(tmp_path, emulator):
    state = tmp_path / "state.json"
    emu = Emulator(builtin_scenario(), state_path=state).start()
    try:
        storage = build_arm_client(emu, StorageManagementClient)
        keys = storage.storage_accounts.list_keys(RG, ACCOUNT)["keys"]
        again = storage.storage_accounts.list_keys(RG, ACCOUNT)["keys"]
        assert [k["value"] for k in keys] == [k["value"] for k in again]
    finally:
        emu.stop()
    text = state.read_text()
    assert all(k["value"] not in text for k in keys)


def test_databricks_workspace_url_is_the_emulator_host_but_state_keeps_the_original(emulator, arm_client):
    workspaces = arm_client(AzureDatabricksManagementClient).workspaces
    assert workspaces.get(RG, "tbwa-juicer-databricks").workspace_url == emulator.url.split("://")[1]
    stored = [e for e in emulator.state()["arm"] if e["id"].endswith("tbwa-juicer-databricks")][0]
    assert stored["body"]["properties"]["workspaceUrl"] == "adb-1234567890123456.7.azuredatabricks.net"


# --- state and faults ------------------------------------------------------------------------
def test_state_file_round_trip_accumulates_the_request_log(tmp_path):
    state = tmp_path / "sim" / "state.json"
    first = Emulator(builtin_scenario(), state_path=state).start()
    build_arm_client(first, StorageManagementClient).storage_accounts.update(RG, ACCOUNT, {"tags": {"run": "1"}})
    first.stop()
    saved = load_scenario(state)
    assert len(saved["requests"]) == 1 and saved["requests"][0]["method"] == "PATCH"

    second = Emulator({"arm": []}, state_path=state).start()   # the file wins over the scenario
    try:
        account = build_arm_client(second, StorageManagementClient).storage_accounts.get_properties(RG, ACCOUNT)
        assert account.tags == {"run": "1"}
    finally:
        second.stop()
    assert [r["method"] for r in load_scenario(state)["requests"]] == ["PATCH", "GET"]
    assert not [p for p in state.parent.iterdir() if p.name != "state.json"]   # no temp files left


def test_state_is_saved_after_each_write_before_stop(tmp_path):
    state = tmp_path / "state.json"
    emu = Emulator(builtin_scenario(), state_path=state).start()
    try:
        build_arm_client(emu, StorageManagementClient).storage_accounts.update(RG, ACCOUNT, {"tags": {"a": "b"}})
        saved = {e["id"]: e["body"] for e in load_scenario(state)["arm"]}
        assert saved[ACCOUNT_ID]["tags"] == {"a": "b"}
    finally:
        emu.stop()


def test_throttled_requests_are_retried_by_the_sdk(tmp_path):
    emu = Emulator(builtin_scenario(), faults=Faults(throttle_rate=0.3, seed=7)).start()
    try:
        storage = build_arm_client(emu, StorageManagementClient)
        for _ in range(4):
            assert storage.storage_accounts.get_properties(RG, ACCOUNT).name == ACCOUNT
        statuses = [r["status"] for r in emu.requests]
    finally:
        emu.stop()
    assert 429 in statuses and statuses.count(200) == 4


def test_service_errors_are_503_with_retry_after_and_leave_state_alone(tmp_path):
    emu = Emulator(builtin_scenario(), faults=Faults(error_rate=1.0)).start()
    try:
        status, headers, body = raw(emu, "DELETE", ACCOUNT_ID + "?api-version=2026-09-01")
        assert status == 503 and body["error"]["code"] == "ServiceUnavailable"
        assert headers.get("Retry-After") == "1"
        assert any(e["id"] == ACCOUNT_ID for e in emu.state()["arm"])
    finally:
        emu.stop()


def test_faults_reject_nonsense():
    with pytest.raises(ValueError, match="throttle_rate"):
        Faults(throttle_rate=2)


# --- scenarios and the command line ----------------------------------------------------------
def test_load_scenario_names_the_file_on_bad_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json: not valid JSON"):
        load_scenario(bad)
    bad.write_text(json.dumps({"arm": [{"id": "no-slash"}]}))
    with pytest.raises(ValueError, match=r"bad.json: arm\[0\].id must start with /subscriptions/"):
        load_scenario(bad)


def test_builtin_scenario_takes_another_subscription():
    other = "22222222-2222-2222-2222-222222222222"
    assert all(e["id"].startswith(f"/subscriptions/{other}/") for e in builtin_scenario(other)["arm"])


def test_command_line_prints_url_and_tokens_and_saves_on_ctrl_c(tmp_path):
    state = tmp_path / "state.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "medallion.emulator", "--state", str(state)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        assert OWNER_TOKEN in line and READER_TOKEN in line
        url = line.split(" at ", 1)[1].split()[0]
        conn = http.client.HTTPConnection(url.split("://")[1], timeout=10)
        conn.request("PATCH", ACCOUNT_ID + "?api-version=2026-09-01", body=json.dumps({"tags": {"cli": "yes"}}),
                     headers={"Authorization": f"Bearer {OWNER_TOKEN}", "Content-Type": "application/json"})
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    saved = load_scenario(state)
    assert {e["id"]: e["body"] for e in saved["arm"]}[ACCOUNT_ID]["tags"] == {"cli": "yes"}


# --- the Databricks side on the same port ----------------------------------------------------
def workspace_client(emu: Emulator, token: str):
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config
    return WorkspaceClient(config=Config(host=emu.url, token=token, auth_type="pat",
                                         retry_timeout_seconds=10, http_timeout_seconds=5))


def test_databricks_api_is_served_on_the_same_port(emulator, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_")):
            monkeypatch.delenv(name)
    owner = workspace_client(emulator, OWNER_TOKEN)
    assert [c.cluster_name for c in owner.clusters.list()] == ["shared-autoscaling"]
    assert sorted(j.job_id for j in owner.jobs.list()) == [101, 102, 103, 104]
    from databricks.sdk.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        workspace_client(emulator, READER_TOKEN).workspace.mkdirs("/Shared/new")
    served = [{k: r[k] for k in ("method", "path", "query", "status")} for r in emulator.requests]
    assert {"method": "POST", "path": "/api/2.0/workspace/mkdirs", "query": "", "status": 403} in served
