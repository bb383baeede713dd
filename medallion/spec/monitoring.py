"""Monitoring: the Log Analytics workspace, the action group, diagnostics, alerts and dashboard."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EmailReceiver:
    """Someone the action group must email. Matched by address; `name` labels a receiver we add."""

    name: str
    email: str


@dataclass(frozen=True)
class Alerts:
    """Names of the three alerts and the storage capacity threshold."""

    storage_capacity: str = "juicer-storage-capacity-alert"
    storage_capacity_threshold_gib: int = 1024   # fire when the account's UsedCapacity exceeds this
    job_failures: str = "juicer-databricks-job-failures-alert"
    key_vault_changes: str = "juicer-key-vault-changes-alert"


@dataclass(frozen=True)
class MonitoringSpec:
    log_analytics_workspace: str = "juicer-log-analytics"
    retention_days: int = 30            # at least; a longer retention is kept
    create_retention_days: int = 90     # what --fix creates a missing workspace with
    action_group: str = "juicer-alerts-action-group"
    action_group_short_name: str = "juicerAlerts"   # at most 12 characters (SMS/email header)
    email_receivers: tuple[EmailReceiver, ...] = field(default_factory=tuple)
    diagnostic_setting: str = "juicer-to-log-analytics"
    alerts: Alerts = field(default_factory=Alerts)
    dashboard: str = "juicer-insights-monitoring-dashboard"
