"""Helpers shared by the area readers."""
from __future__ import annotations

from typing import Any, Callable

from medallion.cloud.arm import to_rest


def absent_as_none(call: Callable[[], Any]) -> dict[str, Any] | None:
    """Run an SDK read; a 404 means the resource is absent (None), anything else raises."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return to_rest(call())
    except ResourceNotFoundError:
        return None


PORTAL_API = "2020-09-01-preview"


def read_dashboard(estate: Any, name: str) -> dict[str, Any] | None:
    """A portal dashboard read as a generic resource: azure-mgmt-portal's models keep only
    markdown parts' metadata and empty every other part (charts, log queries)."""
    client = estate.arm.resources.resources
    dashboard_id = estate.spec.resource_id("Microsoft.Portal/dashboards", name)
    return estate.read(("dashboard", name), lambda: absent_as_none(
        lambda: client.get_by_id(dashboard_id, api_version=PORTAL_API)), doing=f"reading dashboard {name}")


def listed(call: Callable[[], Any]) -> list[dict[str, Any]] | None:
    """Run an SDK list: every page, each item as REST JSON; None when the parent is absent."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return [to_rest(item) for item in call()]  # type: ignore[misc]
    except ResourceNotFoundError:
        return None
