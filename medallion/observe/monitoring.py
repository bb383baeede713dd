"""Readers for the monitoring area: the workspace, action group, alerts, dashboard, and the
diagnostic settings of every resource in the group that supports them.

Which resources support diagnostics, and with which categories, is asked of the API (each target's
`diagnosticSettingsCategories`), never kept in a table here: the Databricks workspace's categories
change with the service, and resources that later areas add are covered as soon as they exist.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from medallion.cloud.errors import CloudError
from medallion.cloud.pools import READS_IN_FLIGHT
from medallion.desired import diagnostics
from medallion.observe.common import absent_as_none, listed, read_dashboard

INSIGHTS_API = "2021-05-01-preview"   # diagnostic settings are not in azure-mgmt-monitor 7


class MonitoringReads:
    """`estate.monitoring`: what the monitoring checks look at, each read once."""

    def __init__(self, estate: Any) -> None:
        self._estate = estate
        spec = estate.spec
        self.rg = spec.estate.resource_group
        self.names = spec.monitoring
        self.workspace_id = spec.resource_id("Microsoft.OperationalInsights/workspaces",
                                             self.names.log_analytics_workspace)
        self.action_group_id = spec.resource_id("Microsoft.Insights/actionGroups", self.names.action_group)

    def prefetch(self) -> list[Callable[[], Any]]:
        return [self.workspace, self.action_group, self.diagnostics, self.metric_alert,
                self.log_alert, self.activity_alert, self.dashboard]

    def _read(self, what: str, call: Callable[[], Any]) -> Any:
        return self._estate.read(("monitoring", what), call, doing=f"reading {what}")

    def workspace(self) -> dict[str, Any] | None:
        client = self._estate.arm.loganalytics.workspaces
        name = self.names.log_analytics_workspace
        return self._read(f"Log Analytics workspace {name}",
                          lambda: absent_as_none(lambda: client.get(self.rg, name)))

    def action_group(self) -> dict[str, Any] | None:
        client = self._estate.arm.monitor.action_groups
        name = self.names.action_group
        return self._read(f"action group {name}", lambda: absent_as_none(lambda: client.get(self.rg, name)))

    def metric_alert(self) -> dict[str, Any] | None:
        client = self._estate.arm.monitor.metric_alerts
        name = self.names.alerts.storage_capacity
        return self._read(f"metric alert {name}", lambda: absent_as_none(lambda: client.get(self.rg, name)))

    def log_alert(self) -> dict[str, Any] | None:
        client = self._estate.arm.monitor.scheduled_query_rules
        name = self.names.alerts.job_failures
        return self._read(f"log alert {name}", lambda: absent_as_none(lambda: client.get(self.rg, name)))

    def activity_alert(self) -> dict[str, Any] | None:
        client = self._estate.arm.monitor.activity_log_alerts
        name = self.names.alerts.key_vault_changes
        return self._read(f"activity log alert {name}",
                          lambda: absent_as_none(lambda: client.get(self.rg, name)))

    def dashboard(self) -> dict[str, Any] | None:
        return read_dashboard(self._estate, self.names.dashboard)

    def resources(self) -> list[dict[str, Any]]:
        """Every top-level resource in the group (generic list: identity and type only)."""
        client = self._estate.arm.resources.resources
        found = self._read(f"the resources of {self.rg}", lambda: listed(lambda: client.list_by_resource_group(self.rg)))
        if found is None:
            raise CloudError(f"listing {self.rg}: resource group not found")
        return found

    def diagnostics(self) -> list[diagnostics.Target]:
        """Each resource (and diagnosable child) that supports diagnostic settings, with its
        categories and its current settings. Every target's reads go out at once, in a pool of
        their own (waiting on the observer's pool from inside it could starve it): its categories,
        unless this run has read them, and its settings alongside, one round trip rather than two;
        the settings answer is dropped when the target turns out to have no categories."""
        def load() -> list[diagnostics.Target]:
            ids = [target for resource in self.resources() for target in diagnostics.targets_of(resource)]
            with ThreadPoolExecutor(max_workers=max(1, min(2 * len(ids), READS_IN_FLIGHT)),
                                    thread_name_prefix="diagnostics") as pool:
                categories = {target: pool.submit(self.categories, target) for target in ids}
                settings = {target: pool.submit(self._insights, target, "diagnosticSettings", unsupported_as_empty=False)
                            for target in ids if self._categories_read(target) != []}
                found = [self._target(target, categories[target].result(), settings.get(target)) for target in ids]
            return [target for target in found if target is not None]
        return self._read("diagnostic settings", load)

    @staticmethod
    def _target(resource_id: str, categories: list[dict[str, Any]],
                settings: Future[list[dict[str, Any]]] | None) -> diagnostics.Target | None:
        """One resource's categories and settings; None when it has no diagnostic settings."""
        if not categories or settings is None:
            return None
        return diagnostics.Target(resource_id, tuple(categories), tuple(settings.result()))

    def _categories_read(self, resource_id: str) -> list[dict[str, Any]] | None:
        return self._estate.lasting.get(_categories_key(resource_id))

    def categories(self, resource_id: str) -> list[dict[str, Any]]:
        """The diagnostic categories a resource offers ([] when it has no diagnostic settings). Its
        type and tier set them, and no fix changes either, so a run reads them once per resource:
        a --fix's later views, the final re-check included, go straight to the settings."""
        kept = self._categories_read(resource_id)
        if kept is None:
            found = self._insights(resource_id, "diagnosticSettingsCategories", unsupported_as_empty=True)
            kept = self._estate.lasting.setdefault(_categories_key(resource_id), found)
        return kept

    def _insights(self, resource_id: str, collection: str, *, unsupported_as_empty: bool) -> list[dict[str, Any]]:
        """A Microsoft.Insights list on a resource. For categories, 400 and 404 mean the type has
        no diagnostic settings (as ARM answers); any other failure raises one clear line."""
        path = f"{resource_id}/providers/Microsoft.Insights/{collection}"
        status, payload = self._estate.arm.request("GET", path, api_version=INSIGHTS_API)
        if status == 200:
            return list((payload or {}).get("value") or [])
        if unsupported_as_empty and status in (400, 404):
            return []
        error = (payload or {}).get("error") or {}
        raise CloudError(f"reading {collection} of {resource_id}: Resource Manager answered {status} "
                         f"{error.get('code', '')}: {str(error.get('message', ''))[:200]}")


def _categories_key(resource_id: str) -> tuple[str, str]:
    """Where a resource's categories are kept for the run (Estate.lasting): ids fold case."""
    return ("diagnostic categories", resource_id.lower())
