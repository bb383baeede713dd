"""Microsoft.Insights: diagnostic settings checked against the categories each resource type has,
the categories list itself, and the alerting types' status codes.

Categories are per type as Azure lists them. A type marked unsupported answers the categories list,
and the settings list, with 400 ResourceTypeNotSupported, as ARM does; a type this table does not know gets an empty list
and any category (the emulator cannot judge what it has not been taught).
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context
from medallion.emulator.arm_store import type_of

SETTINGS = "Microsoft.Insights/diagnosticSettings"
_STORAGE_SERVICE = (["StorageRead", "StorageWrite", "StorageDelete"], ["Transaction", "Capacity"])
_DATABRICKS_LOGS = [
    "dbfs", "clusters", "accounts", "jobs", "notebook", "ssh", "workspace", "secrets",
    "sqlPermissions", "instancePools", "sqlanalytics", "genie", "globalInitScripts", "iamRole",
    "mlflowExperiment", "featureStore", "RemoteHistoryService", "mlflowAcledArtifact",
    "databrickssql", "deltaPipelines", "modelRegistry", "repos", "unityCatalog", "gitCredentials",
    "webTerminal", "serverlessRealTimeInference", "clusterLibraries", "partnerHub", "clamAVScan",
    "capsule8Dataplane"]
# Log categories that also belong to the `audit` category group.
_AUDIT = {"AuditEvent", "Audit", "StorageWrite", "StorageDelete", "accounts", "secrets",
          "sqlPermissions", "iamRole", "unityCatalog"}

# folded type -> (log categories, metric categories); None: the type has no diagnostic settings.
CATEGORIES: dict[str, tuple[list[str], list[str]] | None] = {
    "microsoft.storage/storageaccounts": ([], ["Transaction", "Capacity"]),
    "microsoft.storage/storageaccounts/blobservices": _STORAGE_SERVICE,
    "microsoft.storage/storageaccounts/fileservices": _STORAGE_SERVICE,
    "microsoft.storage/storageaccounts/queueservices": _STORAGE_SERVICE,
    "microsoft.storage/storageaccounts/tableservices": _STORAGE_SERVICE,
    "microsoft.keyvault/vaults": (["AuditEvent", "AzurePolicyEvaluationDetails"], ["AllMetrics"]),
    "microsoft.databricks/workspaces": (_DATABRICKS_LOGS, []),
    "microsoft.automation/automationaccounts": (["JobLogs", "JobStreams", "DscNodeStatus", "AuditEvent"],
                                                ["AllMetrics"]),
    "microsoft.network/networksecuritygroups": (["NetworkSecurityGroupEvent",
                                                 "NetworkSecurityGroupRuleCounter"], []),
    "microsoft.network/virtualnetworks": (["VMProtectionAlerts"], ["AllMetrics"]),
    "microsoft.network/privateendpoints": ([], ["AllMetrics"]),
    "microsoft.operationalinsights/workspaces": (["Audit"], ["AllMetrics"]),
    "microsoft.portal/dashboards": None,
    "microsoft.network/privatednszones": None,
    "microsoft.network/privatednszones/virtualnetworklinks": None,
    "microsoft.insights/actiongroups": None,
    "microsoft.insights/metricalerts": None,
    "microsoft.insights/activitylogalerts": None,
    "microsoft.automation/automationaccounts/runbooks": None,
    "microsoft.storage/storageaccounts/blobservices/containers": None,
}


def _categories(target_type: str) -> tuple[list[str], list[str]] | None:
    """(logs, metrics) for a type; raises for a type without diagnostic settings."""
    key = target_type.lower()
    if key in CATEGORIES and CATEGORIES[key] is None:
        raise arm.ArmError(400, "ResourceTypeNotSupported",
                           f"The resource type '{key}' does not support diagnostic settings.")
    return CATEGORIES.get(key)


@arm.route("GET", r"/subscriptions/.+/providers/microsoft\.insights/diagnosticsettingscategories(/[^/]+)?")
def _list_categories(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    target, _, rest = req.path.rpartition("/providers/")
    target_body = ctx.service.require_exists(target)
    known = _categories(type_of(target_body["id"])) or ([], [])
    base = f"{target_body['id']}/providers/Microsoft.Insights/diagnosticSettingsCategories"
    items = [_category(base, name, "Logs") for name in known[0]]
    items += [_category(base, name, "Metrics") for name in known[1]]
    if m.group(1):
        wanted = m.group(1).strip("/")
        match = [i for i in items if i["name"].lower() == wanted]
        if not match:
            raise arm.ArmError(404, "ResourceNotFound", f"Diagnostic category '{wanted}' does not exist "
                               f"for {target_body['id']}.")
        return ArmResponse(200, match[0])
    return ArmResponse(200, {"value": items})


@arm.route("GET", r"/subscriptions/.+/providers/microsoft\.insights/diagnosticsettings")
def _list_settings(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    """A resource's diagnostic settings; 400 ResourceTypeNotSupported for a type without any, as
    for its categories."""
    target = ctx.service.require_exists(req.path.rpartition("/providers/")[0])
    _categories(type_of(target["id"]))
    return ArmResponse(200, {"value": [ctx.view(b) for b in ctx.store.children(target["id"], SETTINGS)]})


def _category(base: str, name: str, kind: str) -> dict[str, Any]:
    props: dict[str, Any] = {"categoryType": kind}
    if kind == "Logs":
        props["categoryGroups"] = ["audit", "allLogs"] if name in _AUDIT else ["allLogs"]
    return {"id": f"{base}/{name}", "type": "Microsoft.Insights/diagnosticSettingsCategories",
            "name": name, "properties": props}


def _check_setting(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Refuse categories the target does not have, as Azure Monitor does (400, names the category)."""
    target = new["id"].rpartition("/providers/")[0]
    target_type = type_of(ctx.service.require_exists(target)["id"])
    known = _categories(target_type)
    props = new.get("properties") or {}
    if not any(props.get(k) for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId",
                                      "marketplacePartnerId")):
        raise arm.ArmError(400, "BadRequest", "A diagnostic setting needs at least one destination: "
                           "workspaceId, storageAccountId, eventHubAuthorizationRuleId or marketplacePartnerId.")
    if known is None:
        return
    logs, metrics = known
    groups = {"allLogs"} | ({"audit"} if _AUDIT & set(logs) else set())
    for entry in props.get("logs") or []:
        if entry.get("categoryGroup"):
            if entry["categoryGroup"] not in groups:
                raise arm.ArmError(400, "BadRequest",
                                   f"Category group '{entry['categoryGroup']}' is not supported for "
                                   f"'{target_type}'; supported: {sorted(groups)}.")
        elif entry.get("category") not in logs:
            raise arm.ArmError(400, "BadRequest",
                               f"Category '{entry.get('category')}' is not supported for '{target_type}'; "
                               f"its log categories are: {', '.join(logs) or 'none'}.")
    for entry in props.get("metrics") or []:
        if entry.get("category") not in metrics:
            raise arm.ArmError(400, "BadRequest",
                               f"Metric category '{entry.get('category')}' is not supported for "
                               f"'{target_type}'; its metric categories are: {', '.join(metrics) or 'none'}.")


def _check_sinks(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Azure refuses a setting that sends a category to a destination another setting on the same
    resource already sends it to ("Data sinks can't be reused in different settings on the same
    category for the same resource"), so a fix must extend the existing setting, not add one."""
    target = new["id"].rpartition("/providers/")[0]
    known = _categories(type_of(ctx.service.require_exists(target)["id"])) or ([], [])
    mine = new.get("properties") or {}
    for other in ctx.store.children(target, SETTINGS):
        if other["id"].lower() == new["id"].lower():
            continue
        theirs = other.get("properties") or {}
        for sink in _DESTINATIONS:
            if mine.get(sink) and str(mine[sink]).lower() == str(theirs.get(sink, "")).lower():
                shared = _sent(mine, known) & _sent(theirs, known)
                if shared:
                    raise arm.ArmError(400, "BadRequest",
                                       f"Data sink '{mine[sink]}' is already used in diagnostic setting "
                                       f"'{other['id'].rsplit('/', 1)[-1]}' for category '{sorted(shared)[0]}'. "
                                       "Data sinks can't be reused in different settings on the same category "
                                       "for the same resource.")


_DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


def _sent(props: dict[str, Any], known: tuple[list[str], list[str]]) -> set[str]:
    """Every category an enabled entry sends, with category groups expanded."""
    logs, metrics = known
    members = {"alllogs": set(logs), "audit": {c for c in logs if c in _AUDIT}}
    sent: set[str] = set()
    for entry in props.get("logs") or []:
        if entry.get("enabled"):
            group = str(entry.get("categoryGroup") or "").lower()
            sent |= members.get(group, set()) if group else {str(entry.get("category"))}
    sent |= {str(e.get("category")) for e in props.get("metrics") or [] if e.get("enabled")}
    return sent


def _on_setting_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    _check_setting(ctx, old, new)
    _check_sinks(ctx, old, new)


arm.register(arm.TypeRule(type=SETTINGS, put_status=(200, 200), provisioning_state=False,
                          on_put=_on_setting_put))
def _metric_alert_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """The service stores ISO-8601 durations upper-cased ("Pt1m" is answered "PT1M")."""
    props = new.setdefault("properties", {})
    for key in ("evaluationFrequency", "windowSize"):
        if isinstance(props.get(key), str):
            props[key] = props[key].upper()


arm.register(arm.TypeRule(type="Microsoft.Insights/metricAlerts", put_status=(200, 200),
                          provisioning_state=False, on_put=_metric_alert_on_put))
for _type in ("actionGroups", "activityLogAlerts"):
    arm.register(arm.TypeRule(type=f"Microsoft.Insights/{_type}", provisioning_state=False))


def _log_alert_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Azure validates a new log alert's query against its workspace's tables unless the body says
    `skipQueryValidation`. Here a Databricks table exists once a diagnostic setting sends its
    category to the workspace (the real table waits for the first log to arrive, later still): a
    query on one that does not is refused, as Azure refuses it. An existing alert's query was
    accepted when it was created, and a workspace keeps its tables, so updates are not refused."""
    props = new.get("properties") or {}
    if old is not None or props.get("skipQueryValidation") is True:
        return
    for criterion in (props.get("criteria") or {}).get("allOf") or []:
        table = _first_table(str(criterion.get("query") or ""))
        for scope in props.get("scopes") or []:
            if table.startswith("Databricks") and table not in _databricks_tables(ctx, scope):
                raise arm.ArmError(400, "BadRequest", f"The query is invalid: Failed to resolve table or column "
                                   f"expression named '{table}' in workspace '{scope.rsplit('/', 1)[-1]}'.")


def _first_table(query: str) -> str:
    match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", query)
    return match.group(1) if match else ""


def _databricks_tables(ctx: Context, workspace_id: str) -> set[str]:
    """The Databricks tables a Log Analytics workspace has: one per category sent to it."""
    tables: set[str] = set()
    for workspace in ctx.store.of_type("Microsoft.Databricks/workspaces", "/subscriptions"):
        for setting in ctx.store.children(workspace["id"], SETTINGS):
            props = setting.get("properties") or {}
            if str(props.get("workspaceId", "")).lower() == workspace_id.lower():
                tables |= {f"Databricks{c[:1].upper()}{c[1:]}" for c in _sent(props, (_DATABRICKS_LOGS, []))}
    return tables


arm.register(arm.TypeRule(type="Microsoft.Insights/scheduledQueryRules", provisioning_state=False,
                          on_put=_log_alert_on_put))


def _action_group_view(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """The service answers each email receiver with its (read-only) subscription status."""
    for receiver in (body.get("properties") or {}).get("emailReceivers") or []:
        receiver.setdefault("status", "Enabled")
    return body


arm.register(arm.TypeRule(type="Microsoft.Insights/actionGroups", provisioning_state=False,
                          view=_action_group_view))
arm.register(arm.TypeRule(type="Microsoft.Portal/dashboards"))


def _workspace_on_create(ctx: Context, body: dict[str, Any]) -> None:
    props = body.setdefault("properties", {})
    props.update(customerId=str(uuid.uuid4()), createdDate=_now(), modifiedDate=_now())
    props.setdefault("sku", {"name": "PerGB2018"})
    props.setdefault("retentionInDays", 30)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _check_retention(ctx: Context, *bodies: dict[str, Any] | None) -> None:
    """Paid tiers keep data 30 to 730 days; the service refuses anything else (Free keeps 7)."""
    props = (bodies[-1] or {}).get("properties") or {}
    days, sku = props.get("retentionInDays"), str((props.get("sku") or {}).get("name", "")).lower()
    if isinstance(days, int) and sku != "free" and not 30 <= days <= 730:
        raise arm.ArmError(400, "InvalidParameter", f"'retentionInDays' is {days}; it must be between 30 and 730 "
                           "days for this pricing tier.")


arm.register(arm.TypeRule(type="Microsoft.OperationalInsights/workspaces", on_create=_workspace_on_create,
                          read_only=("customerId", "createdDate"),
                          on_put=lambda ctx, old, new: _check_retention(ctx, new),
                          on_patch=lambda ctx, old, merged, patch: _check_retention(ctx, merged)))
