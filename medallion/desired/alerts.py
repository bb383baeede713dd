"""The action group and the three alerts: what each must hold, and the bodies --fix writes.

Each alert type keeps its action groups in a different shape (metric alert: `actions` is a list
of `{actionGroupId}`; log alert: `actions.actionGroups` is a list of ids; activity-log alert:
`actions.actionGroups` is a list of `{actionGroupId, webhookProperties}`), so routing is read and
added per kind. Ids compare case-insensitively.
"""
from __future__ import annotations

import copy
from typing import Any, Literal

from medallion.desired.diagnostics import same_id
from medallion.spec.monitoring import EmailReceiver, MonitoringSpec

Kind = Literal["metric", "log", "activity"]
GIB = 1024 ** 3
STORAGE_NAMESPACE = "Microsoft.Storage/storageAccounts"
JOBS_TABLE = "DatabricksJobs"
JOB_FAILURES_QUERY = (f'{JOBS_TABLE}\n| where ActionName == "runFailed"\n'
                      '| project TimeGenerated, ActionName, RequestParams, Response')
# Key Vault deletion and (access) policy changes, as the activity log names the operations.
KEY_VAULT_OPERATIONS = ("Microsoft.KeyVault/vaults/delete", "Microsoft.KeyVault/vaults/accessPolicies/write")


def props(body: dict[str, Any] | None) -> dict[str, Any]:
    return (body or {}).get("properties") or {}


# --- action group --------------------------------------------------------------------------------
def missing_receivers(group: dict[str, Any] | None, wanted: tuple[EmailReceiver, ...]) -> list[EmailReceiver]:
    """Spec receivers whose address no email receiver of the group has."""
    have = {str(r.get("emailAddress", "")).lower() for r in props(group).get("emailReceivers") or []}
    return [r for r in wanted if r.email.lower() not in have]


def group_body(live: dict[str, Any] | None, spec: MonitoringSpec) -> dict[str, Any]:
    """The live group, enabled, with the missing spec receivers appended. An action-group PUT
    replaces every receiver list, so all of them (email, SMS, webhooks...) are sent back."""
    body = {k: copy.deepcopy(v) for k, v in (live or {}).items() if k in ("location", "tags", "properties")}
    body.setdefault("location", "Global")
    p = body.setdefault("properties", {})
    p.setdefault("groupShortName", spec.action_group_short_name)
    p["enabled"] = True
    receivers = p.setdefault("emailReceivers", [])
    names = {str(r.get("name", "")).lower() for r in receivers}
    for wanted in missing_receivers(live, spec.email_receivers):
        name = wanted.name if wanted.name.lower() not in names else f"{wanted.name}-{len(receivers)}"
        receivers.append({"name": name, "emailAddress": wanted.email, "useCommonAlertSchema": True})
    return body


# --- routing ------------------------------------------------------------------------------------
def action_groups(alert: dict[str, Any] | None, kind: Kind) -> list[str]:
    """The action group ids an alert notifies."""
    actions = props(alert).get("actions")
    if kind == "metric":
        return [a.get("actionGroupId", "") for a in actions or []]
    listed = (actions or {}).get("actionGroups") or []
    return [a if isinstance(a, str) else a.get("actionGroupId", "") for a in listed]


def routing_gaps(alert: dict[str, Any], kind: Kind, group_id: str) -> list[str]:
    """Disabled, or not routed to the action group: what is wrong, in words."""
    gaps = [] if props(alert).get("enabled", True) else ["it is disabled"]
    routed = action_groups(alert, kind)
    if not any(same_id(found, group_id) for found in routed):
        short = [found.rsplit("/", 1)[-1] for found in routed]
        gaps.append(f"it notifies {', '.join(short) or 'no action group'} instead of {group_id.rsplit('/', 1)[-1]}")
    return gaps


def routed(alert: dict[str, Any], kind: Kind, group_id: str) -> dict[str, Any]:
    """The alert's writable body, enabled and also routed to the group; other actions kept."""
    body = {k: copy.deepcopy(v) for k, v in alert.items() if k in ("location", "tags", "kind", "properties")}
    p = body.setdefault("properties", {})
    p["enabled"] = True
    if any(same_id(found, group_id) for found in action_groups(alert, kind)):
        return body
    if kind == "metric":
        p["actions"] = [*(p.get("actions") or []), {"actionGroupId": group_id}]
    else:
        actions = p.setdefault("actions", {})
        entry: Any = group_id if kind == "log" else {"actionGroupId": group_id, "webhookProperties": {}}
        actions["actionGroups"] = [*(actions.get("actionGroups") or []), entry]
    return body


# --- storage capacity (metric alert) -------------------------------------------------------------
def capacity_criteria(alert: dict[str, Any] | None) -> list[dict[str, Any]]:
    criteria = props(alert).get("criteria") or {}
    return [c for c in criteria.get("allOf") or [] if str(c.get("metricName", "")).lower() == "usedcapacity"]


def capacity_gaps(alert: dict[str, Any], account_id: str, threshold_gib: int) -> list[str]:
    """Watches the account's UsedCapacity and fires above the threshold (or a lower one)."""
    gaps = []
    if not any(same_id(scope, account_id) for scope in props(alert).get("scopes") or []):
        gaps.append(f"it does not watch {account_id.rsplit('/', 1)[-1]}")
    limit = threshold_gib * GIB
    firing = [c for c in capacity_criteria(alert)
              if str(c.get("operator", "")).startswith("GreaterThan") and float(c.get("threshold", 0)) <= limit]
    if not firing:
        found = ", ".join(f"{c.get('operator')} {float(c.get('threshold', 0)) / GIB:g} GiB"
                          for c in capacity_criteria(alert)) or "no UsedCapacity criterion"
        gaps.append(f"it fires on {found}; expected UsedCapacity above at most {threshold_gib} GiB")
    return gaps


def capacity_alert(account_id: str, threshold_gib: int, group_id: str) -> dict[str, Any]:
    """A new metric alert: the account's used capacity above the threshold, hourly."""
    criterion = {"criterionType": "StaticThresholdCriterion", "name": "UsedCapacity", "metricName": "UsedCapacity",
                 "metricNamespace": STORAGE_NAMESPACE, "operator": "GreaterThan",
                 "threshold": threshold_gib * GIB, "timeAggregation": "Average"}
    return {"location": "global", "tags": {"managed-by": "medallion-compliance"},
            "properties": {"description": f"Used capacity of the storage account above {threshold_gib} GiB",
                           "severity": 2, "enabled": True, "scopes": [account_id],
                           "evaluationFrequency": "PT1H", "windowSize": "PT6H",
                           "targetResourceType": STORAGE_NAMESPACE, "autoMitigate": True,
                           "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                                        "allOf": [criterion]},
                           "actions": [{"actionGroupId": group_id}]}}


# --- Databricks job failures (log alert) ----------------------------------------------------------
def job_failure_gaps(alert: dict[str, Any], workspace_id: str) -> list[str]:
    gaps = []
    if not any(same_id(scope, workspace_id) for scope in props(alert).get("scopes") or []):
        gaps.append(f"it does not query {workspace_id.rsplit('/', 1)[-1]}")
    queries = [str(c.get("query", "")) for c in (props(alert).get("criteria") or {}).get("allOf") or []]
    if not any(JOBS_TABLE.lower() in q.lower() for q in queries):
        gaps.append(f"its query does not read {JOBS_TABLE} (fix it by hand: the query is yours)")
    return gaps


def job_failure_alert(location: str, workspace_id: str, group_id: str) -> dict[str, Any]:
    """A new log alert: any failed Databricks job run in the last 15 minutes. Its query is not
    validated when written (`skipQueryValidation`, as in Microsoft's own example): the workspace has
    a DatabricksJobs table only once the Databricks workspace's first job log arrives, which can be
    long after its diagnostic setting is written."""
    criterion = {"query": JOB_FAILURES_QUERY, "timeAggregation": "Count", "operator": "GreaterThan",
                 "threshold": 0, "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1}}
    return {"location": location, "kind": "LogAlert", "tags": {"managed-by": "medallion-compliance"},
            "properties": {"displayName": "Databricks job failures", "description": "A Databricks job run failed",
                           "severity": 1, "enabled": True, "scopes": [workspace_id],
                           "evaluationFrequency": "PT15M", "windowSize": "PT15M", "autoMitigate": False,
                           "criteria": {"allOf": [criterion]}, "actions": {"actionGroups": [group_id]},
                           "skipQueryValidation": True}}


# --- Key Vault changes (activity-log alert) ---------------------------------------------------------
def _leaves(condition: dict[str, Any]) -> list[dict[str, Any]]:
    leaves = []
    for leaf in condition.get("allOf") or []:
        leaves += leaf.get("anyOf") or [leaf]
    return leaves


def key_vault_gaps(alert: dict[str, Any], vault_id: str) -> list[str]:
    """Scoped to the vault (or a group or subscription holding it) and watching its deletion and
    policy changes; an activity-log condition is a list of leaves, some of them `anyOf` lists."""
    gaps = []
    if not any(_holds(scope, vault_id) for scope in props(alert).get("scopes") or []):
        gaps.append(f"its scope does not hold {vault_id.rsplit('/', 1)[-1]}")
    watched = {str(leaf.get("equals", "")).lower() for leaf in _leaves(props(alert).get("condition") or {})
               if str(leaf.get("field", "")).lower() == "operationname"}
    unwatched = [op for op in KEY_VAULT_OPERATIONS if op.lower() not in watched]
    if unwatched:
        gaps.append(f"it does not watch {', '.join(unwatched)} (fix it by hand: the condition is yours)")
    return gaps


def _holds(scope: Any, resource_id: str) -> bool:
    """Is `resource_id` the scope or under it? (Responses may drop the leading slash.)"""
    scope_path = "/" + str(scope).strip("/").lower()
    return ("/" + resource_id.strip("/").lower() + "/").startswith(scope_path + "/")


def key_vault_alert(vault_id: str, group_id: str) -> dict[str, Any]:
    """A new activity-log alert on the vault's deletion, update and access-policy changes."""
    operations = [*KEY_VAULT_OPERATIONS, "Microsoft.KeyVault/vaults/write"]
    return {"location": "Global", "tags": {"managed-by": "medallion-compliance"},
            "properties": {"description": "Key Vault deleted or its policies changed", "enabled": True,
                           "scopes": [vault_id],
                           "condition": {"allOf": [{"field": "category", "equals": "Administrative"},
                                                   {"anyOf": [{"field": "operationName", "equals": op}
                                                              for op in operations]}]},
                           "actions": {"actionGroups": [{"actionGroupId": group_id, "webhookProperties": {}}]}}}
