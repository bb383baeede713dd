"""Microsoft's published REST examples, sent through the real azure-mgmt SDK to the emulator.

For a write example the SDK model that comes back must carry the example response's values for
every field the request sent; for a read example (seeded from the example response) it must carry
all of the example response's values. Both sides go through the same SDK model class, so dates,
enums and durations compare as the SDK sees them. Ids in the examples use placeholder
subscriptions; they are mapped onto the emulator's subscription.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.automation import AutomationClient
from azure.mgmt.databricks import AzureDatabricksManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.portal import Portal
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.resources.models import GenericResource
from azure.mgmt.storage import StorageManagementClient

from medallion.emulator import Emulator
from tests.conftest import SUBSCRIPTION, build_arm_client

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "contract" / "azure-rest-examples"
if not EXAMPLES.is_dir():
    pytest.skip(f"the contract examples are not at {EXAMPLES}", allow_module_level=True)


def load(name: str) -> dict[str, Any]:
    """An example with its placeholder subscription mapped onto the emulator's."""
    text = (EXAMPLES / name).read_text()
    params = json.loads(text)["parameters"]
    sub = params.get("subscriptionId") or params.get("resourceUri", "").split("/")[1]
    text = re.sub(rf"(?i)subscriptions/{re.escape(sub)}(?=[/\"])", f"subscriptions/{SUBSCRIPTION}", text)
    text = text.replace("{subscription-id}", SUBSCRIPTION)
    example = json.loads(text)
    example["parameters"]["subscriptionId"] = SUBSCRIPTION
    return example


def group_id(rg: str, sub: str = SUBSCRIPTION) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def entry(resource_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": resource_id, "body": body or {"location": "eastus", "properties": {}}}


@dataclass
class Case:
    file: str
    client: type
    call: Callable[[Any, dict[str, Any]], Any]
    body: str | None = None                      # the request-body parameter's name
    seed: Callable[[dict[str, Any]], list[dict[str, Any]]] = lambda p: []
    status: str = "200"                          # which example response to compare with
    read: bool = False                           # seed the response, then read it back
    skip_fields: tuple[str, ...] = ()            # dotted paths the emulator answers differently, on purpose
    check: Callable[[Any, dict[str, Any], Emulator], None] | None = None
    read_id: Callable[[dict[str, Any]], str] | None = None   # where to seed a read example
    fix_example: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: body   # request and answer


def _storage_account(p: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry(f"{group_id(p['resourceGroupName'])}/providers/Microsoft.Storage/storageAccounts/{p['accountName']}",
                  {"location": "eastus", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
                   "properties": {"provisioningState": "Succeeded"}})]


def _vnet(rg: str, name: str, subnets: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    vnet = f"{group_id(rg)}/providers/Microsoft.Network/virtualNetworks/{name}"
    return [entry(vnet, {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})] + \
        [entry(f"{vnet}/subnets/{s}", {"properties": {"addressPrefix": "10.0.1.0/24"}}) for s in subnets]


def _automation(p: dict[str, Any], *, runbooks: tuple[str, ...] = (), schedules: tuple[str, ...] = (),
                draft: bool = False) -> list[dict[str, Any]]:
    account = f"{group_id(p['resourceGroupName'])}/providers/Microsoft.Automation/automationAccounts/{p['automationAccountName']}"
    seeded = [entry(account)]
    seeded += [entry(f"{account}/runbooks/{r}", {"location": "eastus", "properties": {"runbookType": "PowerShell",
                                                                                       "state": "New"}})
               for r in runbooks]
    seeded += [entry(f"{account}/schedules/{s}", {"properties": {"frequency": "Day", "interval": 1}})
               for s in schedules]
    if draft:
        seeded += [entry(f"{account}/runbooks/{r}/draft/content", {"content": "Write-Output 'hi'"}) for r in runbooks]
    return seeded


def _check_draft_content(result: Any, p: dict[str, Any], emu: Emulator) -> None:
    client = build_arm_client(emu, AutomationClient)
    content = client.runbook_draft.get_content(p["resourceGroupName"], p["automationAccountName"], p["runbookName"])
    text = content if isinstance(content, str) else b"".join(content).decode()
    assert text == p["runbookContent"]


def _check_published(result: Any, p: dict[str, Any], emu: Emulator) -> None:
    client = build_arm_client(emu, AutomationClient)
    runbook = client.runbook.get(p["resourceGroupName"], p["automationAccountName"], p["runbookName"])
    assert runbook.state == "Published"
    content = client.runbook.get_content(p["resourceGroupName"], p["automationAccountName"], p["runbookName"])
    assert (content if isinstance(content, str) else b"".join(content).decode()) == "Write-Output 'hi'"


def _check_categories(result: Any, p: dict[str, Any], emu: Emulator) -> None:
    """The example lists a Logic App's categories; the shape is what the suite depends on."""
    expected = load("Microsoft.Insights/listDiagnosticSettingsCategories.json")["responses"]["200"]["body"]["value"]
    assert result.status_code == 200
    items = result.json()["value"]
    assert {i["properties"]["categoryType"] for i in items} == {i["properties"]["categoryType"] for i in expected}
    for item in items:
        assert set(item) == set(expected[0]) and item["id"].endswith("/" + item["name"])
        if item["properties"]["categoryType"] == "Logs":
            assert "allLogs" in item["properties"]["categoryGroups"]


def _send(client: ResourceManagementClient, method: str, url: str, body: Any = None) -> Any:
    return client.send_request(HttpRequest(method, url, json=body))


def same_instant(a: Any, b: Any) -> bool:
    """New-style models keep a datetime as sent: '...+00:00' and '...Z' are the same instant."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    try:
        return datetime.fromisoformat(a) == datetime.fromisoformat(b)
    except ValueError:
        return False


def upper_durations(body: dict[str, Any]) -> dict[str, Any]:
    """The metric alert example's 'Pt1m' durations are not parseable by the SDK (README quirk):
    msrest refuses to send them and to read them, so both request and answer are upper-cased."""
    props = body["properties"]
    for key in ("evaluationFrequency", "windowSize"):
        props[key] = props[key].upper()
    return body


KV = "Microsoft.KeyVault/vaults"
CASES = [
    Case("Microsoft.Storage/StorageAccountSetManagementPolicy_LastTierChangeTimeActions.json", StorageManagementClient,
         lambda c, p: c.management_policies.create_or_update(p["resourceGroupName"], p["accountName"], "default", p["properties"]),
         body="properties", seed=_storage_account),
    Case("Microsoft.Storage/StorageAccountSetManagementPolicyWithSnapshotAndVersion.json", StorageManagementClient,
         lambda c, p: c.management_policies.create_or_update(p["resourceGroupName"], p["accountName"], "default", p["properties"]),
         body="properties", seed=_storage_account),
    Case("Microsoft.Storage/StorageAccountGetManagementPolicy.json", StorageManagementClient,
         lambda c, p: c.management_policies.get(p["resourceGroupName"], p["accountName"], "default"),
         seed=_storage_account, read=True,
         # the example's response id names another account than its request
         read_id=lambda p: _storage_account(p)[0]["id"] + "/managementPolicies/default"),
    Case("Microsoft.Storage/StorageAccountSetBlobInventoryPolicyIncludeDeleteAndNewSchemaForNonHnsAccount.json",
         StorageManagementClient,
         lambda c, p: c.blob_inventory_policies.create_or_update(p["resourceGroupName"], p["accountName"], "default",
                                                                 p["properties"]),
         body="properties", seed=_storage_account),
    Case("Microsoft.Storage/BlobServicesPut.json", StorageManagementClient,
         lambda c, p: c.blob_services.set_service_properties(p["resourceGroupName"], p["accountName"], p["parameters"]),
         body="parameters", seed=_storage_account),
    Case("Microsoft.Storage/BlobServicesPutAllowPermanentDelete.json", StorageManagementClient,
         lambda c, p: c.blob_services.set_service_properties(p["resourceGroupName"], p["accountName"], p["parameters"]),
         body="parameters", seed=_storage_account),
    Case("Microsoft.Storage/BlobServicesGet.json", StorageManagementClient,
         lambda c, p: c.blob_services.get_service_properties(p["resourceGroupName"], p["accountName"]),
         seed=_storage_account, read=True),
    Case("Microsoft.Storage/StorageAccountCreateDisallowPublicNetworkAccess.json", StorageManagementClient,
         lambda c, p: c.storage_accounts.begin_create(p["resourceGroupName"], p["accountName"], p["parameters"]).result(),
         body="parameters"),
    Case("Microsoft.Storage/NfsV3AccountCreate.json", StorageManagementClient,
         lambda c, p: c.storage_accounts.begin_create(p["resourceGroupName"], p["accountName"], p["parameters"]).result(),
         body="parameters"),
    Case("Microsoft.KeyVault/createVault.json", KeyVaultManagementClient,
         lambda c, p: c.vaults.begin_create_or_update(p["resourceGroupName"], p["vaultName"], p["parameters"]).result(),
         body="parameters", status="201"),
    Case("Microsoft.KeyVault/createVaultWithNetworkAcls.json", KeyVaultManagementClient,
         lambda c, p: c.vaults.begin_create_or_update(p["resourceGroupName"], p["vaultName"], p["parameters"]).result(),
         body="parameters", status="201"),
    Case("Microsoft.KeyVault/updateVault.json", KeyVaultManagementClient,
         lambda c, p: c.vaults.update(p["resourceGroupName"], p["vaultName"], p["parameters"]),
         body="parameters",
         seed=lambda p: [entry(f"{group_id(p['resourceGroupName'])}/providers/{KV}/{p['vaultName']}",
                               {"location": "westus", "properties": {"tenantId": SUBSCRIPTION, "sku": {"family": "A", "name": "standard"},
                                                                     "enableSoftDelete": True, "softDeleteRetentionInDays": 90}})]),
    Case("Microsoft.KeyVault/getDeletedVault.json", KeyVaultManagementClient,
         lambda c, p: c.vaults.get_deleted(p["vaultName"], p["location"]), read=True),
    Case("Microsoft.Network/SubnetCreateWithDelegation.json", NetworkManagementClient,
         lambda c, p: c.subnets.begin_create_or_update(p["resourceGroupName"], p["virtualNetworkName"], p["subnetName"],
                                                       p["subnetParameters"]).result(),
         body="subnetParameters", seed=lambda p: _vnet(p["resourceGroupName"], p["virtualNetworkName"])),
    Case("Microsoft.Network/VirtualNetworkCreateSubnetWithDelegation.json", NetworkManagementClient,
         lambda c, p: c.virtual_networks.begin_create_or_update(p["resourceGroupName"], p["virtualNetworkName"],
                                                                p["parameters"]).result(),
         body="parameters"),
    Case("Microsoft.Network/NetworkSecurityGroupCreate.json", NetworkManagementClient,
         lambda c, p: c.network_security_groups.begin_create_or_update(p["resourceGroupName"], p["networkSecurityGroupName"],
                                                                       p["parameters"]).result(),
         body="parameters"),
    Case("Microsoft.Network/PrivateEndpointCreate.json", NetworkManagementClient,
         lambda c, p: c.private_endpoints.begin_create_or_update(p["resourceGroupName"], p["privateEndpointName"],
                                                                 p["parameters"]).result(),
         body="parameters",
         seed=lambda p: _vnet(p["resourceGroupName"], "myVnet", ("mySubnet",)) + [
             entry(f"{group_id(p['resourceGroupName'])}/providers/Microsoft.Network/privateLinkServices/testPls")]),
    Case("Microsoft.Network/PrivateEndpointGet.json", NetworkManagementClient,
         lambda c, p: c.private_endpoints.get(p["resourceGroupName"], p["privateEndpointName"]), read=True),
    Case("Microsoft.Network/PrivateEndpointDnsZoneGroupCreate.json", NetworkManagementClient,
         lambda c, p: c.private_dns_zone_groups.begin_create_or_update(
             p["resourceGroupName"], p["privateEndpointName"], p["privateDnsZoneGroupName"], p["parameters"]).result(),
         body="parameters",
         seed=lambda p: [entry(f"{group_id(p['resourceGroupName'])}/providers/Microsoft.Network/privateEndpoints/testPe"),
                         entry(f"{group_id(p['resourceGroupName'])}/providers/Microsoft.Network/privateDnsZones/zone1.com",
                               {"location": "global", "properties": {}})]),
    Case("Microsoft.Network.PrivateDns/PrivateZonePut.json", PrivateDnsManagementClient,
         lambda c, p: c.private_zones.begin_create_or_update(p["resourceGroupName"], p["privateZoneName"],
                                                             p["parameters"]).result(),
         body="parameters"),
    Case("Microsoft.Network.PrivateDns/VirtualNetworkLinkPut.json", PrivateDnsManagementClient,
         lambda c, p: c.virtual_network_links.begin_create_or_update(
             p["resourceGroupName"], p["privateZoneName"], p["virtualNetworkLinkName"], p["parameters"]).result(),
         body="parameters",
         seed=lambda p: [entry(f"{group_id(p['resourceGroupName'])}/providers/Microsoft.Network/privateDnsZones/"
                               f"{p['privateZoneName']}", {"location": "global", "properties": {}}),
                         entry(group_id("virtualNetworkResourceGroup", "virtualNetworkSubscriptionId")),
                         entry(p["parameters"]["properties"]["virtualNetwork"]["id"])]),
    Case("Microsoft.OperationalInsights/WorkspacesCreate.json", LogAnalyticsManagementClient,
         lambda c, p: c.workspaces.begin_create_or_update(p["resourceGroupName"], p["workspaceName"], p["parameters"]).result(),
         body="parameters", skip_fields=("properties.provisioningState",)),
    Case("Microsoft.OperationalInsights/WorkspacesUpdate.json", LogAnalyticsManagementClient,
         lambda c, p: c.workspaces.update(p["resourceGroupName"], p["workspaceName"], p["parameters"]),
         body="parameters",
         seed=lambda p: [entry(f"{group_id(p['resourceGroupName'])}/providers/Microsoft.OperationalInsights/workspaces/"
                               f"{p['workspaceName']}", {"location": "australiasoutheast",
                                                         "properties": {"retentionInDays": 30, "sku": {"name": "PerGB2018"}}})]),
    Case("Microsoft.Insights/getActionGroup.json", MonitorManagementClient,
         lambda c, p: c.action_groups.get(p["resourceGroupName"], p["actionGroupName"]), read=True),
    Case("Microsoft.Insights/createOrUpdateActionGroup.json", MonitorManagementClient,
         lambda c, p: c.action_groups.create_or_update(p["resourceGroupName"], p["actionGroupName"], p["actionGroup"]),
         body="actionGroup"),
    Case("Microsoft.Insights/ActivityLogAlertRule_CreateOrUpdate.json", MonitorManagementClient,
         lambda c, p: c.activity_log_alerts.create_or_update(p["resourceGroupName"], p["activityLogAlertName"],
                                                             p["activityLogAlertRule"]),
         body="activityLogAlertRule",
         # the example's answer re-cases condition fields and ids, and drops the scope's leading slash
         skip_fields=("properties.scopes", "properties.condition.allOf.field",
                      "properties.actions.actionGroups.actionGroupId")),
    Case("Microsoft.Insights/createOrUpdateMetricAlertSingleResource.json", MonitorManagementClient,
         lambda c, p: c.metric_alerts.create_or_update(p["resourceGroupName"], p["ruleName"], p["parameters"]),
         body="parameters", fix_example=upper_durations),
    Case("Microsoft.Insights/createOrUpdateScheduledQueryRule.json", MonitorManagementClient,
         lambda c, p: c.scheduled_query_rules.create_or_update(p["resourceGroupName"], p["ruleName"], p["parameters"]),
         body="parameters"),
    Case("Microsoft.Insights/createOrUpdateDiagnosticSetting.json", ResourceManagementClient,
         lambda c, p: c.resources.begin_create_or_update_by_id(
             f"/{p['resourceUri']}/providers/Microsoft.Insights/diagnosticSettings/{p['name']}",
             api_version="2021-05-01-preview", parameters=GenericResource(properties=p["parameters"]["properties"])).result(),
         body="parameters", seed=lambda p: [entry("/" + p["resourceUri"])]),
    Case("Microsoft.Insights/createOrUpdateDiagnosticSettingCategory.json", ResourceManagementClient,
         lambda c, p: c.resources.begin_create_or_update_by_id(
             f"/{p['resourceUri']}/providers/Microsoft.Insights/diagnosticSettings/{p['name']}",
             api_version="2021-05-01-preview", parameters=GenericResource(properties=p["parameters"]["properties"])).result(),
         body="parameters", seed=lambda p: [entry("/" + p["resourceUri"])]),
    Case("Microsoft.Insights/listDiagnosticSettingsCategories.json", ResourceManagementClient,
         lambda c, p: _send(c, "GET", f"/{p['resourceUri'].replace('microsoft.logic/workflows', 'Microsoft.KeyVault/vaults')}"
                            "/providers/Microsoft.Insights/diagnosticSettingsCategories?api-version=2021-05-01-preview"),
         seed=lambda p: [entry("/" + p["resourceUri"].replace("microsoft.logic/workflows", KV))],
         check=_check_categories),
    Case("Microsoft.Portal/createOrUpdateDashboard.json", Portal,
         lambda c, p: c.dashboards.create_or_update(p["resourceGroupName"], p["dashboardName"], p["dashboard"]),
         body="dashboard", status="201"),
    Case("Microsoft.Portal/getDashboard.json", Portal,
         lambda c, p: c.dashboards.get(p["resourceGroupName"], p["dashboardName"]), read=True),
    Case("Microsoft.Automation/createOrUpdateAutomationAccount.json", AutomationClient,
         lambda c, p: c.automation_account.create_or_update(p["resourceGroupName"], p["automationAccountName"],
                                                            p["parameters"]),
         body="parameters", status="201"),
    Case("Microsoft.Automation/createRunbookAsDraft.json", AutomationClient,
         lambda c, p: c.runbook.create_or_update(p["resourceGroupName"], p["automationAccountName"], p["runbookName"],
                                                 p["parameters"]),
         body="parameters", status="201", seed=lambda p: _automation(p)),
    Case("Microsoft.Automation/replaceRunbookDraftContent.json", AutomationClient,
         lambda c, p: c.runbook_draft.begin_replace_content(p["resourceGroupName"], p["automationAccountName"],
                                                            p["runbookName"], p["runbookContent"]).result(),
         seed=lambda p: _automation(p, runbooks=(p["runbookName"],)), check=_check_draft_content),
    Case("Microsoft.Automation/publishRunbook.json", AutomationClient,
         lambda c, p: c.runbook.begin_publish(p["resourceGroupName"], p["automationAccountName"], p["runbookName"]).result(),
         seed=lambda p: _automation(p, runbooks=(p["runbookName"],), draft=True), check=_check_published),
    Case("Microsoft.Automation/createOrUpdateSchedule.json", AutomationClient,
         lambda c, p: c.schedule.create_or_update(p["resourceGroupName"], p["automationAccountName"], p["scheduleName"],
                                                  p["parameters"]),
         body="parameters", status="201", seed=lambda p: _automation(p)),
    Case("Microsoft.Automation/createJobSchedule.json", AutomationClient,
         lambda c, p: c.job_schedule.create(p["resourceGroupName"], p["automationAccountName"], p["jobScheduleId"],
                                            p["parameters"]),
         body="parameters", status="201",
         seed=lambda p: _automation(p, runbooks=(p["parameters"]["properties"]["runbook"]["name"],),
                                    schedules=(p["parameters"]["properties"]["schedule"]["name"],))),
    Case("Microsoft.Databricks/WorkspaceCreateWithParameters.json", AzureDatabricksManagementClient,
         lambda c, p: c.workspaces.begin_create_or_update(p["resourceGroupName"], p["workspaceName"], p["parameters"]).result(),
         body="parameters", skip_fields=("location",)),   # the example answers 'East US 2' to 'westus'
    Case("Microsoft.Databricks/WorkspaceGetParameters.json", AzureDatabricksManagementClient,
         lambda c, p: c.workspaces.get(p["resourceGroupName"], p["workspaceName"]), read=True,
         # the emulator answers its own host:port so the suite reaches its Databricks API
         skip_fields=("properties.workspaceUrl",)),
]


def to_rest(model: Any) -> Any:
    """A returned model as REST JSON: msrest models serialise, new-style models are mappings."""
    if hasattr(model, "_attribute_map") and hasattr(model, "serialize"):
        return model.serialize(keep_readonly=True)
    if hasattr(model, "as_dict"):
        return model.as_dict()
    return model


def from_rest(model_type: type, body: dict[str, Any]) -> Any:
    """The example body read by the SDK's own model class, so both sides are normalised alike."""
    if hasattr(model_type, "_attribute_map") and hasattr(model_type, "deserialize"):
        return to_rest(model_type.deserialize(body))
    return to_rest(model_type(body))


def compare(sent: Any, expected: Any, actual: Any, path: str, skip: tuple[str, ...], problems: list[str]) -> None:
    """Walk the request's fields; where the example answers one, the emulator must answer the same."""
    bare = re.sub(r"\[\d+\]", "", path).lstrip(".")
    if any(bare == s or bare.startswith(s + ".") for s in skip):
        return
    if isinstance(sent, dict) and isinstance(expected, dict):
        for key, value in sent.items():
            if key in expected:
                compare(value, expected[key], (actual or {}).get(key) if isinstance(actual, dict) else None,
                        f"{path}.{key}", skip, problems)
    elif isinstance(sent, list) and isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            problems.append(f"{path}: expected {expected!r}, got {actual!r}")
            return
        for i, (s, e) in enumerate(zip(sent, expected)):
            compare(s, e, actual[i], f"{path}[{i}]", skip, problems)
    elif expected != actual and not same_instant(expected, actual):
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")


@pytest.mark.parametrize("case", CASES, ids=[c.file.split("/")[-1].removesuffix(".json") for c in CASES])
def test_example_round_trips_through_the_sdk(case: Case) -> None:
    example = load(case.file)
    params = example["parameters"]
    response = (example["responses"].get(case.status) or {}).get("body")
    if case.body:
        params[case.body] = case.fix_example(params[case.body])
    if response is not None:
        response = case.fix_example(response)
    seeded = [entry(group_id(params["resourceGroupName"]))] if "resourceGroupName" in params else []
    seeded += case.seed(params)
    if "resourceUri" in params:
        seeded.insert(0, entry("/" + "/".join(params["resourceUri"].split("/")[:4])))
    if case.read:
        seeded.append({"id": case.read_id(params) if case.read_id else response["id"], "body": response})
    if not seeded:
        seeded.append(entry(group_id("contract-rg")))   # makes the subscription known
    emu = Emulator({"arm": seeded}).start()
    try:
        client = build_arm_client(emu, case.client)
        result = case.call(client, params)
        if case.check:
            case.check(result, params, emu)
            return
        if response is None:
            return
        actual = to_rest(result)
        expected = from_rest(type(result), response)
        sent = ({k: v for k, v in response.items() if k not in ("id", "name", "type", "etag")} if case.read
                else params[case.body])
        problems: list[str] = []
        compare(sent, expected, actual, "", case.skip_fields, problems)
        assert not problems, f"{case.file}: " + "; ".join(problems)
    finally:
        emu.stop()
