"""Monitoring: Log Analytics, the action group, diagnostic settings, alerts and the dashboard.

Each fix `needs` what its write or its subject depends on, so a step whose prerequisite cannot
be fixed is reported blocked by it rather than failing on a missing workspace or group: the
action group (after the workspace, in the order the area was specified) and the dashboard (it
charts the workspace's data) need the workspace; the alerts route to the group; the diagnostic
settings send to the workspace, and cover every resource the other areas' fixes create, so
--fix writes them after those. The job-failure log alert does not wait for them: Azure validates a
log alert's query against the workspace's tables, where DatabricksJobs appears only with the first
job log, long after the setting is written, so the fix creates the alert with
`skipQueryValidation` (desired/alerts.py). The rest of the chain is written alongside the other
areas' fixes.
"""
from __future__ import annotations

from medallion.desired import alerts, diagnostics
from medallion.desired import monitoring_dashboard as views
from medallion.evidence import evidence, not_observed
from medallion.requirement import Severity, requirement
from remediate import monitoring as fix


def _short(resource_id: str) -> str:
    return resource_id.rsplit("/", 1)[-1]


@requirement(id="MON-001", area="monitoring", severity=Severity.HIGH,
             title="The Log Analytics workspace exists and keeps logs long enough",
             fix=fix.create_log_analytics_workspace, controls=("CIS-Azure-2.0:5.1.2", "MCSB:LT-6"))
def check_log_analytics_workspace_keeps_logs(estate, spec):
    """Log Analytics workspace juicer-log-analytics exists and keeps data for at least the spec's days."""
    want = spec.monitoring
    workspace = estate.monitoring.workspace()
    evidence(observed={"workspace": want.log_analytics_workspace, "exists": workspace is not None,
                       "retention_days": alerts.props(workspace).get("retentionInDays") if workspace else None},
             expected={"workspace": want.log_analytics_workspace, "exists": True,
                       "retention_days": f">= {want.retention_days}"})
    assert workspace is not None, (
        f"Log Analytics workspace {want.log_analytics_workspace} not found in {spec.estate.resource_group}; "
        f"--fix creates it with {max(want.create_retention_days, want.retention_days)} days of retention.")
    days = alerts.props(workspace).get("retentionInDays")
    assert (days or 0) >= want.retention_days, (
        f"{want.log_analytics_workspace}: retention is {days} days; expected at least {want.retention_days}. "
        f"--fix raises it to {want.retention_days} days.")


@requirement(id="MON-002", area="monitoring", severity=Severity.HIGH,
             title="The action group is enabled and emails everyone the spec lists",
             fix=fix.configure_action_group, needs=("MON-001",))
def check_action_group_emails_every_receiver(estate, spec):
    """Action group juicer-alerts-action-group exists, is enabled, and emails every receiver in the spec."""
    want = spec.monitoring
    group = estate.monitoring.action_group()
    evidence(observed={"action_group": want.action_group, "exists": group is not None,
                       "enabled": alerts.props(group).get("enabled") if group else None,
                       "email_receivers": sorted(str(r.get("emailAddress")) for r in
                                                 alerts.props(group).get("emailReceivers") or []) if group else []},
             expected={"action_group": want.action_group, "enabled": True,
                       "email_receivers": sorted(r.email for r in want.email_receivers)})
    assert group is not None, (f"action group {want.action_group} not found in {spec.estate.resource_group}; "
                               f"--fix creates it with {len(want.email_receivers)} email receiver(s).")
    problems = [] if alerts.props(group).get("enabled") else ["it is disabled"]
    missing = alerts.missing_receivers(group, want.email_receivers)
    if missing:
        problems.append(f"no email receiver for {', '.join(r.email for r in missing)}")
    assert not problems, (f"{want.action_group}: " + "; ".join(problems) +
                          ". --fix enables it and adds the missing receivers, keeping every receiver it has.")


@requirement(id="MON-003", area="monitoring", severity=Severity.HIGH,
             title="Every resource that supports diagnostic settings sends its logs and metrics to the workspace",
             fix=fix.send_diagnostics_to_workspace, needs=("MON-001",), covers_others=True,
             controls=("CIS-Azure-2.0:5.1.1", "MCSB:LT-3", "MCSB:LT-4"))
def check_every_resource_sends_diagnostics_to_the_workspace(estate, spec):
    """Every resource in the group whose diagnostic categories the API lists (the storage account's
    blob service, the Key Vault, the Databricks workspace, and whatever later areas add) sends every
    log category and metric to the Log Analytics workspace.

    One check covers every resource found at run time, because the resource list comes from the
    cloud and collection must not read it; each gap is listed by resource.
    """
    mon = estate.monitoring
    evidence(observed={"workspace_exists": mon.workspace() is not None},
             expected={"workspace": spec.monitoring.log_analytics_workspace, "every_category_sent": True})
    assert mon.workspace() is not None, (
        f"nothing can send diagnostics to {spec.monitoring.log_analytics_workspace}: the workspace does not "
        "exist; --fix creates it (MON-001) and then adds the settings.")
    targets = mon.diagnostics()
    gaps = [gap for gap in (diagnostics.gap_text(t, mon.workspace_id) for t in targets) if gap]
    evidence(observed={"resources": {t.id: diagnostics.gap_text(t, mon.workspace_id) or "sends everything"
                                     for t in targets}},
             expected={"workspace": mon.workspace_id, "every_category_sent": True})
    if not targets:
        not_observed(f"no resource in {spec.estate.resource_group} lists diagnostic setting categories")
    assert not gaps, (f"{len(gaps)} of {len(targets)} resource(s) with diagnostic settings do not send everything "
                      f"to {spec.monitoring.log_analytics_workspace}: " + "; ".join(gaps) +
                      ". --fix adds the missing categories to the setting that already sends to the workspace "
                      f"(or creates {spec.monitoring.diagnostic_setting}), keeping every other category and setting.")


def _watched_exists(estate, name: str, resource_id: str, what: str) -> None:
    """An alert on a resource the group does not hold watches nothing: not evaluated, and its fix
    (which cannot create the resource) does not run. Read from the group's resource list, which
    MON-003 reads anyway."""
    __tracebackhide__ = True
    found = any(alerts.same_id(r.get("id"), resource_id) for r in estate.monitoring.resources())
    evidence(observed={"alert": name, "watches": resource_id, "watched_exists": found},
             expected={"alert": name, "watches": resource_id, "watched_exists": True})
    if not found:
        not_observed(f"{what} not found in {estate.spec.estate.resource_group}, so alert {name} would watch nothing "
                     "(the platform deployment creates it; --fix does not)")


def _alert_holds(estate, name: str, found, kind: alerts.Kind, gaps: list[str]) -> None:
    __tracebackhide__ = True
    mon = estate.monitoring
    evidence(observed={"alert": name, "id": (found or {}).get("id"), "enabled": alerts.props(found).get("enabled", True)
                       if found else None, "action_groups": alerts.action_groups(found, kind) if found else [],
                       "gaps": gaps},
             expected={"alert": name, "enabled": True, "action_group": mon.action_group_id})
    assert found is not None, (f"alert {name} not found in {estate.spec.estate.resource_group}; --fix creates it, "
                               f"enabled and routed to {_short(mon.action_group_id)}.")
    problems = alerts.routing_gaps(found, kind, mon.action_group_id) + gaps
    assert not problems, (f"alert {name}: " + "; ".join(problems) + f". --fix enables it and adds "
                          f"{_short(mon.action_group_id)} to its actions, keeping the actions it has.")


@requirement(id="MON-004", area="monitoring", severity=Severity.MEDIUM,
             title="A metric alert fires when the storage account's used capacity passes the threshold",
             fix=fix.add_storage_capacity_alert, needs=("MON-002",))
def check_used_capacity_alert_is_routed(estate, spec):
    """An enabled metric alert on the storage account's UsedCapacity, above at most the spec's
    threshold, notifies the action group."""
    name = spec.monitoring.alerts.storage_capacity
    account = spec.resource_id("Microsoft.Storage/storageAccounts", spec.estate.storage_account)
    _watched_exists(estate, name, account, f"storage account {spec.estate.storage_account}")
    found = estate.monitoring.metric_alert()
    gaps = [] if found is None else alerts.capacity_gaps(found, account, spec.monitoring.alerts.storage_capacity_threshold_gib)
    _alert_holds(estate, name, found, "metric", gaps)


@requirement(id="MON-005", area="monitoring", severity=Severity.MEDIUM,
             title="A log alert fires on failed Databricks jobs",
             fix=fix.add_job_failure_alert, needs=("MON-002",))
def check_job_failure_alert_is_routed(estate, spec):
    """An enabled log alert over the workspace's DatabricksJobs events notifies the action group
    when a job run fails."""
    found = estate.monitoring.log_alert()
    gaps = [] if found is None else alerts.job_failure_gaps(found, estate.monitoring.workspace_id)
    _alert_holds(estate, spec.monitoring.alerts.job_failures, found, "log", gaps)


@requirement(id="MON-006", area="monitoring", severity=Severity.HIGH,
             title="An activity-log alert fires when the Key Vault is deleted or its policies change",
             fix=fix.add_key_vault_alert, needs=("MON-002",), controls=("CIS-Azure-2.0:5.2",))
def check_key_vault_alert_is_routed(estate, spec):
    """An enabled activity-log alert on the Key Vault's deletion and access-policy changes notifies
    the action group."""
    vault = spec.resource_id("Microsoft.KeyVault/vaults", spec.estate.key_vault)
    _watched_exists(estate, spec.monitoring.alerts.key_vault_changes, vault, f"Key Vault {spec.estate.key_vault}")
    found = estate.monitoring.activity_alert()
    gaps = [] if found is None else alerts.key_vault_gaps(found, vault)
    _alert_holds(estate, spec.monitoring.alerts.key_vault_changes, found, "activity", gaps)


@requirement(id="MON-007", area="monitoring", severity=Severity.LOW,
             title="The monitoring dashboard shows job failures, storage capacity and Key Vault activity",
             fix=fix.add_monitoring_dashboard, needs=("MON-001",))
def check_monitoring_dashboard_shows_every_view(estate, spec):
    """Dashboard juicer-insights-monitoring-dashboard shows Databricks job failures, storage capacity
    and Key Vault activity."""
    name = spec.monitoring.dashboard
    found = estate.monitoring.dashboard()
    evidence(observed={"dashboard": name, "exists": found is not None}, expected={"dashboard": name, "exists": True})
    assert found is not None, (f"dashboard {name} not found in {spec.estate.resource_group}; --fix creates it "
                               "with job failure, storage capacity and Key Vault activity views.")
    lacking = views.missing_views(found, fix.dashboard_ids(estate, spec))
    evidence(observed={"dashboard": name, "id": found.get("id"), "missing_views": [v.title for v in lacking]},
             expected={"dashboard": name, "views": ["job failures", "storage capacity", "Key Vault activity"]})
    assert not lacking, (f"dashboard {name} does not show {', '.join(v.title for v in lacking)}; "
                         "--fix adds those views below its parts, keeping every part it has.")
