"""The observed estate as the reports see it: the run's own cached observer when this process
has one, else a new one (the xdist controller runs no checks); after --fix, a fresh view.

Everything here reads; nothing writes.
"""
from __future__ import annotations

from typing import Any

import pytest

from medallion.cloud.errors import CloudError
from medallion.observe import Estate
from medallion.observe.common import absent_as_none
from medallion.plugin.context import CONTEXT
from medallion.plugin.fixtures import OBSERVERS, estate_specs


def observers(config: pytest.Config) -> dict[str, Estate]:
    """One observer per estate of the run, by estate name."""
    context = config.stash.get(CONTEXT, None)
    if context is None:
        return {}
    cached = config.stash.setdefault(OBSERVERS, {})
    found: dict[str, Estate] = {}
    for name, spec in estate_specs(config).items():
        estate = cached.get(name)
        if estate is None:
            from medallion.cloud.connections import Connections

            estate = cached[name] = Estate(spec, Connections(spec, sim_url=context.sim_url,
                                                             sim_token=context.sim_token))
        found[name] = estate.fresh() if context.mode == "fix" else estate
    return found


def workspace(estate: Estate) -> dict[str, Any] | None:
    """The Databricks workspace's ARM resource (shares the compute area's memo key)."""
    spec = estate.spec
    client = estate.arm.databricks.workspaces
    return estate.read(("databricks", "arm workspace"), lambda: absent_as_none(
        lambda: client.get(spec.estate.resource_group, spec.estate.databricks_workspace)),
        doing=f"reading Databricks workspace {spec.estate.databricks_workspace}")


def workspace_host(estate: Estate) -> str:
    """The workspace host as the checks use it, or a short reason it is unknown."""
    if estate.spec.target.databricks_host:
        return estate.spec.target.databricks_host
    try:
        found = workspace(estate)
    except CloudError as error:
        return f"unknown ({error})"
    url = ((found or {}).get("properties") or {}).get("workspaceUrl")
    return url or f"unknown (workspace {estate.spec.estate.databricks_workspace} not found)"
