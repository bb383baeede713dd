"""The emulator's per-type ARM rules, through the real SDK calls the suite makes (no mocks)."""
from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.automation import AutomationClient
from azure.mgmt.databricks import AzureDatabricksManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from tests.conftest import RG, SUBSCRIPTION

GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}"
ACCOUNT_ID = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/tbwajuicerstorage"
VAULT = "kv-tbwa-juicer-insights2"
VAULT_ID = f"{GROUP}/providers/Microsoft.KeyVault/vaults/{VAULT}"
WORKSPACE_ID = f"{GROUP}/providers/Microsoft.Databricks/workspaces/tbwa-juicer-databricks"
DIAG_API = "2021-05-01-preview"


def categories(resources: ResourceManagementClient, target: str) -> dict[str, str]:
    response = resources.send_request(HttpRequest(
        "GET", f"{target}/providers/Microsoft.Insights/diagnosticSettingsCategories?api-version={DIAG_API}"))
    response.raise_for_status()
    return {c["name"]: c["properties"]["categoryType"] for c in response.json()["value"]}


def put_setting(resources: ResourceManagementClient, target: str, properties: dict) -> object:
    return resources.resources.begin_create_or_update_by_id(
        f"{target}/providers/Microsoft.Insights/diagnosticSettings/to-law", api_version=DIAG_API,
        parameters={"properties": properties}).result()


LAW = f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/juicer-log-analytics"


# --- diagnostic settings ---------------------------------------------------------------------
def test_each_type_lists_its_own_diagnostic_categories(arm_client):
    resources = arm_client(ResourceManagementClient)
    assert categories(resources, ACCOUNT_ID + "/blobServices/default") == {
        "StorageRead": "Logs", "StorageWrite": "Logs", "StorageDelete": "Logs",
        "Transaction": "Metrics", "Capacity": "Metrics"}
    assert categories(resources, VAULT_ID) == {"AuditEvent": "Logs", "AzurePolicyEvaluationDetails": "Logs",
                                               "AllMetrics": "Metrics"}
    databricks = categories(resources, WORKSPACE_ID)
    assert {"jobs", "clusters", "notebook", "unityCatalog"} <= set(databricks)
    assert set(databricks.values()) == {"Logs"}


@pytest.mark.parametrize("collection", ["diagnosticSettingsCategories", "diagnosticSettings"])
def test_a_type_without_diagnostics_says_so(arm_client, collection: str):
    resources = arm_client(ResourceManagementClient)
    response = resources.send_request(HttpRequest(
        "GET", f"{GROUP}/providers/Microsoft.Portal/dashboards/juicer-storage-lifecycle-dashboard/providers/"
               f"Microsoft.Insights/{collection}?api-version={DIAG_API}"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "ResourceTypeNotSupported"


def test_diagnostic_setting_accepts_real_categories_and_all_logs(arm_client):
    resources = arm_client(ResourceManagementClient)
    put_setting(resources, VAULT_ID, {"workspaceId": LAW, "logs": [{"category": "AuditEvent", "enabled": True}],
                                      "metrics": [{"category": "AllMetrics", "enabled": True}]})
    setting = put_setting(resources, WORKSPACE_ID, {"workspaceId": LAW,
                                                    "logs": [{"categoryGroup": "allLogs", "enabled": True}]})
    assert setting.properties["logs"][0]["categoryGroup"] == "allLogs"
    listed = resources.send_request(HttpRequest(
        "GET", f"{WORKSPACE_ID}/providers/Microsoft.Insights/diagnosticSettings?api-version={DIAG_API}")).json()
    assert [s["name"] for s in listed["value"]] == ["to-law"]


def test_diagnostic_setting_with_an_unknown_category_is_refused_by_name(arm_client):
    resources = arm_client(ResourceManagementClient)
    with pytest.raises(HttpResponseError) as err:
        put_setting(resources, ACCOUNT_ID + "/blobServices/default",
                    {"workspaceId": LAW, "logs": [{"category": "AuditEvent", "enabled": True}]})
    assert err.value.status_code == 400 and "'AuditEvent' is not supported" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        put_setting(resources, VAULT_ID, {"logs": [{"category": "AuditEvent", "enabled": True}]})
    assert "destination" in err.value.message


def test_diagnostic_setting_on_a_missing_resource_is_404(arm_client):
    with pytest.raises(ResourceNotFoundError):
        put_setting(arm_client(ResourceManagementClient), f"{GROUP}/providers/Microsoft.KeyVault/vaults/nope",
                    {"workspaceId": LAW, "logs": [{"category": "AuditEvent", "enabled": True}]})


# --- VNet and subnets ------------------------------------------------------------------------
def make_vnet(network: NetworkManagementClient, *subnets: str) -> object:
    return network.virtual_networks.begin_create_or_update(RG, "juicer-vnet", {
        "location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.10.0.0/16"]}, "subnets": [
            {"name": name, "properties": {"addressPrefix": f"10.10.{i}.0/24"}} for i, name in enumerate(subnets)]}}).result()


def test_vnet_put_replaces_the_subnet_list(arm_client):
    network = arm_client(NetworkManagementClient)
    make_vnet(network, "a", "b")
    network.subnets.begin_create_or_update(RG, "juicer-vnet", "c", {"properties": {"addressPrefix": "10.10.9.0/24"}}).result()
    assert [s.name for s in network.virtual_networks.get(RG, "juicer-vnet").subnets] == ["a", "b", "c"]
    after = make_vnet(network, "a")
    assert [s.name for s in after.subnets] == ["a"]
    with pytest.raises(ResourceNotFoundError):
        network.subnets.get(RG, "juicer-vnet", "b")


def private_endpoint(network: NetworkManagementClient, name: str, subnet: str, target: str, group: str) -> object:
    return network.private_endpoints.begin_create_or_update(RG, name, {
        "location": "eastus", "properties": {
            "subnet": {"id": f"{GROUP}/providers/Microsoft.Network/virtualNetworks/juicer-vnet/subnets/{subnet}"},
            "privateLinkServiceConnections": [{"name": f"{name}-conn", "properties": {
                "privateLinkServiceId": target, "groupIds": [group]}}]}}).result()


def test_subnet_in_use_by_a_private_endpoint_cannot_be_dropped(arm_client):
    network = arm_client(NetworkManagementClient)
    make_vnet(network, "workloads", "endpoints")
    private_endpoint(network, "pe-kv", "endpoints", VAULT_ID, "vault")
    assert network.subnets.get(RG, "juicer-vnet", "endpoints").private_endpoints[0].id.endswith("/pe-kv")
    with pytest.raises(HttpResponseError) as err:
        make_vnet(network, "workloads")
    assert err.value.error.code == "InUseSubnetCannotBeDeleted"
    assert [s.name for s in network.virtual_networks.get(RG, "juicer-vnet").subnets] == ["workloads", "endpoints"]
    with pytest.raises(HttpResponseError):
        network.subnets.begin_delete(RG, "juicer-vnet", "endpoints").result()


def test_subnet_delegated_to_a_vnet_injected_workspace_cannot_be_dropped(arm_client):
    network = arm_client(NetworkManagementClient)
    make_vnet(network, "dbx-public", "dbx-private", "spare")
    vnet_id = f"{GROUP}/providers/Microsoft.Network/virtualNetworks/juicer-vnet"
    arm_client(AzureDatabricksManagementClient).workspaces.begin_create_or_update(RG, "injected", {
        "location": "eastus", "sku": {"name": "premium"}, "properties": {
            "managedResourceGroupId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/injected-managed",
            "parameters": {"customVirtualNetworkId": {"value": vnet_id},
                           "customPublicSubnetName": {"value": "dbx-public"},
                           "customPrivateSubnetName": {"value": "dbx-private"}}}}).result()
    with pytest.raises(HttpResponseError) as err:
        make_vnet(network, "dbx-public", "spare")
    assert err.value.error.code == "InUseSubnetCannotBeDeleted" and "injected" in err.value.message
    assert [s.name for s in make_vnet(network, "dbx-public", "dbx-private").subnets] == ["dbx-public", "dbx-private"]


# --- private endpoints -----------------------------------------------------------------------
def test_private_endpoint_adds_an_approved_connection_to_its_target(arm_client):
    network, storage = arm_client(NetworkManagementClient), arm_client(StorageManagementClient)
    make_vnet(network, "endpoints")
    pe = private_endpoint(network, "pe-blob", "endpoints", ACCOUNT_ID, "blob")
    assert pe.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    account = storage.storage_accounts.update(RG, "tbwajuicerstorage", {"tags": {"kept": "yes"}})
    [conn] = account.private_endpoint_connections
    assert conn.private_endpoint.id == pe.id and conn.private_link_service_connection_state.status == "Approved"
    network.private_endpoints.begin_delete(RG, "pe-blob").result()
    assert not storage.storage_accounts.get_properties(RG, "tbwajuicerstorage").private_endpoint_connections


def test_private_endpoint_needs_an_existing_subnet(arm_client):
    network = arm_client(NetworkManagementClient)
    with pytest.raises(HttpResponseError) as err:
        private_endpoint(network, "pe-x", "missing", ACCOUNT_ID, "blob")
    assert err.value.error.code == "InvalidResourceReference"


# --- Key Vault -------------------------------------------------------------------------------
def test_purge_protection_cannot_be_turned_off_once_on(arm_client):
    vaults = arm_client(KeyVaultManagementClient).vaults
    on = vaults.update(RG, VAULT, {"properties": {"enablePurgeProtection": True}})
    assert on.properties.enable_purge_protection is True
    assert on.properties.network_acls.default_action == "Allow"          # untouched by the PATCH
    with pytest.raises(HttpResponseError) as err:
        vaults.update(RG, VAULT, {"properties": {"enablePurgeProtection": False}})
    assert err.value.status_code == 400 and "irreversible" in err.value.message
    live = vaults.get(RG, VAULT)
    body = {"location": live.location, "properties": {"tenantId": live.properties.tenant_id,
                                                      "sku": {"family": "A", "name": "standard"}}}
    replaced = vaults.begin_create_or_update(RG, VAULT, body).result()   # omitted: stays on
    assert replaced.properties.enable_purge_protection is True
    body["properties"]["enablePurgeProtection"] = False
    with pytest.raises(HttpResponseError, match="irreversible"):
        vaults.begin_create_or_update(RG, VAULT, body).result()


def test_soft_delete_and_its_retention_are_fixed(arm_client):
    vaults = arm_client(KeyVaultManagementClient).vaults
    with pytest.raises(HttpResponseError, match="enableSoftDelete"):
        vaults.update(RG, VAULT, {"properties": {"enableSoftDelete": False}})
    with pytest.raises(HttpResponseError, match="softDeleteRetentionInDays"):
        vaults.update(RG, VAULT, {"properties": {"softDeleteRetentionInDays": 7}})


def test_deleted_vault_keeps_its_name_until_purged(arm_client):
    vaults = arm_client(KeyVaultManagementClient).vaults
    live = vaults.get(RG, VAULT)
    vaults.delete(RG, VAULT)
    assert vaults.get_deleted(VAULT, "eastus").properties.vault_id == VAULT_ID
    body = {"location": "eastus", "properties": {"tenantId": live.properties.tenant_id,
                                                 "sku": {"family": "A", "name": "standard"}}}
    with pytest.raises(HttpResponseError) as err:
        vaults.begin_create_or_update(RG, VAULT, body).result()
    assert err.value.status_code == 409
    vaults.begin_purge_deleted(VAULT, "eastus").result()
    assert vaults.begin_create_or_update(RG, VAULT, body).result().name == VAULT


# --- Automation ------------------------------------------------------------------------------
def test_runbook_draft_publish_and_immutable_job_schedule(arm_client):
    automation = arm_client(AutomationClient)
    automation.automation_account.create_or_update(RG, "juicer-key-rotation", {
        "location": "eastus", "properties": {"sku": {"name": "Basic"}, "publicNetworkAccess": False}})
    automation.runbook.create_or_update(RG, "juicer-key-rotation", "Rotate-Keys", {
        "location": "eastus", "properties": {"runbookType": "PowerShell", "draft": {}}})
    automation.runbook_draft.begin_replace_content(RG, "juicer-key-rotation", "Rotate-Keys", "Write-Output 'rotate'").result()
    draft = automation.runbook_draft.get_content(RG, "juicer-key-rotation", "Rotate-Keys")
    assert (draft if isinstance(draft, str) else b"".join(draft).decode()) == "Write-Output 'rotate'"
    with pytest.raises(ResourceNotFoundError):
        automation.runbook.get_content(RG, "juicer-key-rotation", "Rotate-Keys")   # nothing published yet
    automation.runbook.begin_publish(RG, "juicer-key-rotation", "Rotate-Keys").result()
    published = automation.runbook.get_content(RG, "juicer-key-rotation", "Rotate-Keys")
    assert (published if isinstance(published, str) else b"".join(published).decode()) == "Write-Output 'rotate'"
    assert automation.runbook.get(RG, "juicer-key-rotation", "Rotate-Keys").state == "Published"

    automation.schedule.create_or_update(RG, "juicer-key-rotation", "monthly", {
        "name": "monthly", "properties": {"startTime": "2030-01-01T03:00:00+00:00", "frequency": "Month", "interval": 1}})
    link = {"properties": {"runbook": {"name": "Rotate-Keys"}, "schedule": {"name": "monthly"}}}
    job_id = str(uuid.uuid4())
    created = automation.job_schedule.create(RG, "juicer-key-rotation", job_id, link)
    assert created.job_schedule_id == job_id
    for again in (job_id, str(uuid.uuid4())):
        with pytest.raises(HttpResponseError) as err:
            automation.job_schedule.create(RG, "juicer-key-rotation", again, link)
        assert err.value.status_code == 409


# --- Databricks workspace and Log Analytics --------------------------------------------------
def test_workspace_create_types_its_parameters_and_fixes_vnet_injection(emulator, arm_client):
    workspaces = arm_client(AzureDatabricksManagementClient).workspaces
    body = {"location": "eastus", "sku": {"name": "premium"}, "properties": {
        "managedResourceGroupId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/ws2-managed",
        "parameters": {"enableNoPublicIp": {"value": True},
                       "customVirtualNetworkId": {"value": f"{GROUP}/providers/Microsoft.Network/virtualNetworks/v1"}}}}
    created = workspaces.begin_create_or_update(RG, "ws2", body).result()
    assert created.parameters.enable_no_public_ip.type == "Bool"
    assert created.workspace_url == emulator.url.split("://")[1] and created.workspace_id
    body["properties"]["parameters"]["customVirtualNetworkId"] = {"value": f"{GROUP}/providers/Microsoft.Network/virtualNetworks/v2"}
    with pytest.raises(HttpResponseError, match="customVirtualNetworkId"):
        workspaces.begin_create_or_update(RG, "ws2", body).result()


def test_log_analytics_workspace_gets_a_customer_id(arm_client):
    created = arm_client(LogAnalyticsManagementClient).workspaces.begin_create_or_update(
        RG, "juicer-log-analytics", {"location": "eastus", "properties": {"retentionInDays": 30}}).result()
    assert created.customer_id and created.provisioning_state == "Succeeded"
