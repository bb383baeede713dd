"""The estate itself: subscription, resource group, location, and the Databricks workspace."""
from __future__ import annotations

from typing import Any

from medallion.asbuilt.model import Section, Verdicts, props, table
from medallion.report.observed import workspace


def render(estate: Any, verdicts: Verdicts) -> Section | None:
    spec = estate.spec
    found = workspace(estate)
    rows = [["Subscription", spec.subscription_id], ["Resource group", spec.estate.resource_group],
            ["Location", spec.estate.location]]
    nodes = [("rg", f"Resource group {spec.estate.resource_group}", "estate")]
    if found is None:
        rows.append(["Databricks workspace", f"{spec.estate.databricks_workspace}: not found"])
    else:
        p = props(found)
        params = p.get("parameters") or {}
        vnet = (params.get("customVirtualNetworkId") or {}).get("value")
        rows += [["Databricks workspace", found.get("name") or spec.estate.databricks_workspace],
                 ["Workspace host", p.get("workspaceUrl")], ["Tier", (found.get("sku") or {}).get("name")],
                 ["Public network access", p.get("publicNetworkAccess")],
                 ["No public IP (secure cluster connectivity)", (params.get("enableNoPublicIp") or {}).get("value")],
                 ["VNet injection", vnet or "none (managed VNet)"]]
        nodes.append(("adb", f"Databricks {spec.estate.databricks_workspace}", "estate"))
    return Section("Estate", table(["what", "observed"], rows), nodes=nodes,
                   edges=[("rg", "adb", "")] if found is not None else [])
