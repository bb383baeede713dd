"""Portal dashboards (2020-09-01-preview): lenses as an array of parts with positions."""
from __future__ import annotations

from typing import Any


def parts_of(dashboard: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every part of every lens; tolerates old exports whose lenses are an object keyed "0".."""
    lenses = ((dashboard or {}).get("properties") or {}).get("lenses") or []
    if isinstance(lenses, dict):
        lenses = list(lenses.values())
    parts: list[dict[str, Any]] = []
    for lens in lenses:
        found = lens.get("parts") or []
        parts += list(found.values()) if isinstance(found, dict) else found
    return parts


def markdown_part(x: int, y: int, title: str, text: str) -> dict[str, Any]:
    return {"position": {"x": x, "y": y, "rowSpan": 2, "colSpan": 6},
            "metadata": {"type": "Extension/HubsExtension/PartType/MarkdownPart", "inputs": [],
                         "settings": {"content": {"settings": {"content": text, "title": title}}}}}


def metric_part(x: int, y: int, resource_id: str, namespace: str, metric: str, title: str) -> dict[str, Any]:
    chart = {"metrics": [{"resourceMetadata": {"id": resource_id}, "name": metric,
                          "aggregationType": 4, "namespace": namespace}], "title": title}
    return {"position": {"x": x, "y": y, "rowSpan": 4, "colSpan": 6},
            "metadata": {"type": "Extension/HubsExtension/PartType/MonitorChartPart",
                         "inputs": [{"name": "options", "value": {"chart": chart}}]}}


def dashboard_body(location: str, title: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"location": location, "tags": {"hidden-title": title, "managed-by": "medallion-compliance"},
            "properties": {"lenses": [{"order": 0, "parts": parts}], "metadata": {}}}


def log_query_part(x: int, y: int, workspace_id: str, query: str, title: str) -> dict[str, Any]:
    """A Log Analytics query tile over one workspace, drawn as a table."""
    inputs = [{"name": "Scope", "value": {"resourceIds": [workspace_id]}}, {"name": "Query", "value": query},
              {"name": "PartTitle", "value": title}, {"name": "Version", "value": "2.0"},
              {"name": "TimeRange", "value": "P1D"}, {"name": "resourceTypeMode", "value": "workspace"},
              {"name": "ControlType", "value": "AnalyticsGrid"}]
    return {"position": {"x": x, "y": y, "rowSpan": 4, "colSpan": 6},
            "metadata": {"type": "Extension/Microsoft_OperationsManagementSuite_Workspace/PartType/LogsDashboardPart",
                         "inputs": inputs}}
