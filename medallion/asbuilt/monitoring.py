"""Monitoring as built: the Log Analytics workspace, action group, alerts, diagnostics, dashboard."""
from __future__ import annotations

from typing import Any

from medallion.asbuilt.model import Section, Verdicts, props, table
from medallion.desired.diagnostics import to_workspace


def render(estate: Any, verdicts: Verdicts) -> Section | None:
    monitoring = estate.monitoring
    names = estate.spec.monitoring
    workspace = monitoring.workspace()
    group = monitoring.action_group()
    receivers = [r.get("emailAddress") for r in props(group).get("emailReceivers") or []]
    rows = [
        ["Log Analytics workspace", _named(workspace, names.log_analytics_workspace,
                                           f"retention {props(workspace).get('retentionInDays')} days"),
         verdicts.of("MON-001")],
        ["Action group", _named(group, names.action_group, f"enabled {props(group).get('enabled')}, "
                                f"{len(receivers)} email receiver(s)"), verdicts.of("MON-002")],
        ["Storage capacity alert", _named(monitoring.metric_alert(), names.alerts.storage_capacity), verdicts.of("MON-004")],
        ["Job failure alert", _named(monitoring.log_alert(), names.alerts.job_failures), verdicts.of("MON-005")],
        ["Key Vault activity alert", _named(monitoring.activity_alert(), names.alerts.key_vault_changes),
         verdicts.of("MON-006")],
        ["Monitoring dashboard", _named(monitoring.dashboard(), names.dashboard), verdicts.of("MON-007")],
    ]
    lines = table(["part", "observed", "verdict"], rows)
    targets = monitoring.diagnostics()
    lines += ["", f"**Diagnostic settings** — {verdicts.of('MON-003')}", ""]
    lines += table(["resource", "settings sending to the workspace"],
                   [[t.name, len(to_workspace(t, monitoring.workspace_id))] for t in targets]) if targets else [
        "No resource supporting diagnostic settings was observed."]
    nodes = [("law", f"Log Analytics {names.log_analytics_workspace}", "monitoring")] if workspace else []
    if group:
        nodes.append(("ag", f"Action group {names.action_group}", "monitoring"))
    edges = [("adb", "law", "diagnostics"), ("st", "law", "diagnostics"), ("law", "ag", "alerts")]
    return Section("Monitoring and alerts", lines, nodes=nodes, edges=edges)


def _named(resource: dict[str, Any] | None, name: str, detail: str = "") -> str:
    if resource is None:
        return f"{name}: not found"
    return f"{name}" + (f" ({detail})" if detail else "")
