"""Monitoring remediations: workspace, action group, diagnostic settings, alerts, dashboard.

Every write sends the live body with our additions merged in: an action-group PUT replaces all of
its receivers, a diagnostic-setting PUT all of its categories, an alert PUT all of its actions, and
a dashboard PUT all of its parts. What is there already (receivers, categories, actions, parts,
a longer retention) is kept.
"""
from __future__ import annotations

import copy
from typing import Any

from medallion.change import Change, chained
from medallion.undo import ACTION_GROUP_API, ALERT_API, WORKSPACE_API, at, created, fields, restore
from medallion.desired import alerts, diagnostics
from medallion.desired import monitoring_dashboard as views
from medallion.observe import Estate
from medallion.observe.common import PORTAL_API
from medallion.observe.monitoring import INSIGHTS_API
from medallion.spec import Spec


def create_log_analytics_workspace(estate: Estate, spec: Spec) -> list[Change]:
    """Create the workspace with the spec's creation retention, or raise a shorter retention to
    the spec's minimum (never lower a longer one). Needs: Log Analytics Contributor."""
    mon, rg = estate.monitoring, spec.estate.resource_group
    name, client = spec.monitoring.log_analytics_workspace, estate.arm.loganalytics.workspaces
    live = mon.workspace()
    if live is None:
        days = max(spec.monitoring.create_retention_days, spec.monitoring.retention_days)
        body = {"location": spec.estate.location,
                "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": days}}
        return [Change(resource=mon.workspace_id, field="workspace", before=None, after={"retentionInDays": days},
                       undo=created(WORKSPACE_API, {"properties.retentionInDays": days}),
                       apply=lambda: estate.arm.write(client.begin_create_or_update, rg, name, body))]
    kept = int(alerts.props(live).get("retentionInDays") or 0)
    if kept >= spec.monitoring.retention_days:
        return []
    days = spec.monitoring.retention_days
    return [Change(resource=mon.workspace_id, field="retentionInDays", before=kept, after=days,
                   undo=restore(WORKSPACE_API, "properties.retentionInDays"),
                   apply=lambda: client.update(rg, name, {"properties": {"retentionInDays": days}}))]


def configure_action_group(estate: Estate, spec: Spec) -> list[Change]:
    """Create or enable the action group and add the spec's missing email receivers, sending back
    every receiver already there. Needs: Monitoring Contributor."""
    mon, want = estate.monitoring, spec.monitoring
    live = mon.action_group()
    missing = alerts.missing_receivers(live, want.email_receivers)
    if live is not None and alerts.props(live).get("enabled") and not missing:
        return []
    body = alerts.group_body(live, want)
    client = estate.arm.monitor.action_groups
    # before and after are the body values: a rollback takes back the receivers the fix added
    # (by name) and keeps any added since
    before = None if live is None else {name: alerts.props(live).get(name) for name in _GROUP_FIELDS}
    after = {name: body["properties"].get(name) for name in _GROUP_FIELDS}
    undo = created(ACTION_GROUP_API, {"properties.enabled": True}) if live is None else fields(
        ACTION_GROUP_API, {name: f"properties.{name}" for name in _GROUP_FIELDS}, keys={"emailReceivers": "name"})
    return [Change(resource=mon.action_group_id, field="action group", before=before, after=after, undo=undo,
                   apply=lambda: client.create_or_update(spec.estate.resource_group, want.action_group, body))]


_GROUP_FIELDS = ("enabled", "emailReceivers")


def send_diagnostics_to_workspace(estate: Estate, spec: Spec) -> list[Change]:
    """For each resource that does not send every category to the workspace, add the missing
    categories to the setting that already sends there (or create ours). Other settings, their
    categories and destinations stay. Needs: Monitoring Contributor on the resources."""
    mon = estate.monitoring   # the workspace comes first (MON-001 is ensured before this applies)
    # one setting per resource: each is its own chain, so they are written side by side
    return [change for target in mon.diagnostics()
            for change in chained(_diagnostic_change(estate, spec, target), target.id)]


def _diagnostic_change(estate: Estate, spec: Spec, target: diagnostics.Target) -> list[Change]:
    workspace_id = estate.monitoring.workspace_id
    lacking = diagnostics.missing(target, workspace_id)
    if not lacking:
        return []
    ours = spec.monitoring.diagnostic_setting
    sending = diagnostics.to_workspace(target, workspace_id)
    setting = next((s for s in sending if s.get("name") == ours), sending[0] if sending else None)
    name = setting.get("name") if setting else ours
    body = diagnostics.merged(setting, lacking, workspace_id)
    setting_id = f"{target.id}/providers/Microsoft.Insights/diagnosticSettings/{name}"
    client = estate.arm.resources.resources
    # an existing setting's before and after are its log and metric entries: a rollback takes back
    # the entries the fix added or switched on and keeps any added since
    undo = created(INSIGHTS_API, {"properties.workspaceId": workspace_id}) if setting is None else fields(
        INSIGHTS_API, {"logs": "properties.logs", "metrics": "properties.metrics"},
        keys={"logs": ("category", "categoryGroup"), "metrics": "category"})
    return [Change(resource=setting_id, field="categories sent",
                   before=None if setting is None else _entries(setting),
                   after=_entries(body) if setting else _sent(body), undo=undo,
                   apply=lambda: estate.arm.write(client.begin_create_or_update_by_id, setting_id,
                                                  api_version=INSIGHTS_API, parameters=body))]


def _entries(setting: dict[str, Any]) -> dict[str, Any]:
    p = setting.get("properties") or {}
    return {"logs": p.get("logs"), "metrics": p.get("metrics")}


def _sent(setting: dict[str, Any]) -> list[str]:
    """What a setting sends now, as names (categories and category groups)."""
    p = setting.get("properties") or {}
    return sorted(str(e.get("category") or e.get("categoryGroup")) for e in (p.get("logs") or []) + (p.get("metrics") or [])
                  if e.get("enabled"))


def add_storage_capacity_alert(estate: Estate, spec: Spec) -> list[Change]:
    """Create the storage capacity alert, or enable it, route it to the action group and lower a
    too-high threshold; other criteria and actions stay. Needs: Monitoring Contributor."""
    mon, names = estate.monitoring, spec.monitoring.alerts
    account = spec.resource_id("Microsoft.Storage/storageAccounts", spec.estate.storage_account)
    live = mon.metric_alert()
    if live is None:
        body = alerts.capacity_alert(account, names.storage_capacity_threshold_gib, mon.action_group_id)
    else:
        body = alerts.routed(live, "metric", mon.action_group_id)
        _tighten_capacity(body, account, names.storage_capacity_threshold_gib * alerts.GIB)
    client = estate.arm.monitor.metric_alerts
    return _alert_change(live, body, "metric", spec.resource_id("Microsoft.Insights/metricAlerts", names.storage_capacity),
                         lambda: client.create_or_update(spec.estate.resource_group, names.storage_capacity, body))


def _tighten_capacity(body: dict[str, Any], account: str, limit: float) -> None:
    criteria = body["properties"].setdefault("criteria", {})
    found = alerts.capacity_criteria(body)
    for criterion in found:
        if str(criterion.get("operator", "")).startswith("GreaterThan") and float(criterion.get("threshold", 0)) > limit:
            criterion["threshold"] = limit
    if not found and str(criteria.get("odata.type", "")).endswith("MultipleMetricCriteria"):
        new = alerts.capacity_alert(account, int(limit // alerts.GIB), "")["properties"]["criteria"]["allOf"][0]
        criteria["allOf"] = [*(criteria.get("allOf") or []), new]


def add_job_failure_alert(estate: Estate, spec: Spec) -> list[Change]:
    """Create the Databricks job-failure log alert, or enable it and route it to the action group;
    its query and other actions stay. Needs: Monitoring Contributor."""
    mon, name = estate.monitoring, spec.monitoring.alerts.job_failures
    live = mon.log_alert()
    body = (alerts.job_failure_alert(spec.estate.location, mon.workspace_id, mon.action_group_id) if live is None
            else alerts.routed(live, "log", mon.action_group_id))
    client = estate.arm.monitor.scheduled_query_rules
    return _alert_change(live, body, "log", spec.resource_id("Microsoft.Insights/scheduledQueryRules", name),
                         lambda: client.create_or_update(spec.estate.resource_group, name, body))


def add_key_vault_alert(estate: Estate, spec: Spec) -> list[Change]:
    """Create the Key Vault activity-log alert, or enable it and route it to the action group; its
    condition and other actions stay. Needs: Monitoring Contributor."""
    mon, name = estate.monitoring, spec.monitoring.alerts.key_vault_changes
    vault = spec.resource_id("Microsoft.KeyVault/vaults", spec.estate.key_vault)
    live = mon.activity_alert()
    body = (alerts.key_vault_alert(vault, mon.action_group_id) if live is None
            else alerts.routed(live, "activity", mon.action_group_id))
    client = estate.arm.monitor.activity_log_alerts
    return _alert_change(live, body, "activity", spec.resource_id("Microsoft.Insights/activityLogAlerts", name),
                         lambda: client.create_or_update(spec.estate.resource_group, name, body))


def _alert_change(live: dict[str, Any] | None, body: dict[str, Any], kind: alerts.Kind, resource: str,
                  apply: Any) -> list[Change]:
    if live is not None and _writable(live) == body:
        return []
    if live is None:
        return [Change(resource=resource, field="enabled, action groups", before=None, after=_summary(body, kind),
                       undo=created(ALERT_API[kind], {"properties.enabled": alerts.props(body).get("enabled")}),
                       apply=apply)]
    # before and after are the body values (webhook properties included: one holding a token is
    # redacted in the journal, and the change is then not undone); actions merge by action group
    paths = {name: path for name, path in _ROUTING[kind].items() if at(body, path) != at(live, path)}
    if not paths:
        return []
    keys = {"actions": "" if kind == "log" else "actionGroupId"}   # a log alert lists bare ids
    return [Change(resource=resource, field=", ".join(paths), before={n: at(live, p) for n, p in paths.items()},
                   after={n: at(body, p) for n, p in paths.items()}, apply=apply,
                   undo=fields(ALERT_API[kind], paths, keys={n: k for n, k in keys.items() if n in paths}))]


# what routing (and, for the capacity alert, tightening) writes, per alert kind
_ROUTING: dict[str, dict[str, str]] = {
    "metric": {"enabled": "properties.enabled", "actions": "properties.actions", "criteria": "properties.criteria"},
    "log": {"enabled": "properties.enabled", "actions": "properties.actions.actionGroups"},
    "activity": {"enabled": "properties.enabled", "actions": "properties.actions.actionGroups"}}


def _writable(alert: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in alert.items() if k in ("location", "tags", "kind", "properties")}


def _summary(body: dict[str, Any], kind: alerts.Kind) -> dict[str, Any]:
    """Enabled and the action groups' names only: webhook properties may carry tokens."""
    return {"enabled": alerts.props(body).get("enabled", True),
            "actionGroups": [found.rsplit("/", 1)[-1] for found in alerts.action_groups(body, kind)]}


def add_monitoring_dashboard(estate: Estate, spec: Spec) -> list[Change]:
    """Create the monitoring dashboard, or add the views it lacks below its parts; nothing of
    yours is removed. Needs: Contributor on the resource group (Microsoft.Portal/dashboards/write)."""
    mon, name = estate.monitoring, spec.monitoring.dashboard
    ids = dashboard_ids(estate, spec)
    live = mon.dashboard()
    lacking = views.missing_views(live, ids)
    if not lacking:
        return []
    body = views.with_views(live, lacking, ids, spec.estate.location, name)
    dashboard_id = spec.resource_id("Microsoft.Portal/dashboards", name)
    # an existing dashboard's before and after are its lenses: a rollback puts them back whole,
    # only while they are as the fix left them (parts have no key to merge by)
    undo = created(PORTAL_API, {"location": spec.estate.location}) if live is None else restore(
        PORTAL_API, "properties.lenses")
    return [Change(resource=dashboard_id, field="views" if live is None else "lenses (views added)",
                   before=None if live is None else at(live, "properties.lenses"),
                   after=[v.title for v in lacking] if live is None else at(body, "properties.lenses"),
                   undo=undo,  # written generic: the portal SDK empties chart parts
                   apply=lambda: estate.arm.put_by_id(dashboard_id, body, api_version=PORTAL_API))]


def dashboard_ids(estate: Estate, spec: Spec) -> views.Ids:
    return views.Ids(workspace=estate.monitoring.workspace_id,
                     account=spec.resource_id("Microsoft.Storage/storageAccounts", spec.estate.storage_account),
                     vault=spec.resource_id("Microsoft.KeyVault/vaults", spec.estate.key_vault))
