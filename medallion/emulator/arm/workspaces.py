"""Microsoft.Databricks/workspaces: generated ids, typed parameters, and the workspace URL.

The answer's `workspaceUrl` is this emulator's own `host:port` (from the Host header), so the suite
derives the Databricks host from ARM exactly as in production; the stored state keeps the
scenario's original URL.
"""
from __future__ import annotations

import random
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import Context

TYPE = "Microsoft.Databricks/workspaces"
# Parameters fixed at creation (VNet injection): changing them is refused, as by the service.
_FIXED_PARAMETERS = ("customVirtualNetworkId", "customPublicSubnetName", "customPrivateSubnetName")


def _param_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, (dict, list)):
        return "Object"
    return "String"


def _on_create(ctx: Context, body: dict[str, Any]) -> None:
    props = body.setdefault("properties", {})
    workspace_id = str(random.randint(10**15, 10**16 - 1))
    props.setdefault("workspaceId", workspace_id)
    props.setdefault("workspaceUrl", f"adb-{props['workspaceId']}.{random.randint(1, 19)}.azuredatabricks.net")
    props.setdefault("createdDateTime", "2024-01-01T00:00:00Z")


def _on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    props = new.setdefault("properties", {})
    params = props.get("parameters") or {}
    for name, param in params.items():
        if isinstance(param, dict) and "value" in param:
            param.setdefault("type", _param_type(param["value"]))
    if old:
        old_params = (old.get("properties") or {}).get("parameters") or {}
        for name in _FIXED_PARAMETERS:
            before = (old_params.get(name) or {}).get("value")
            after = (params.get(name) or {}).get("value")
            if before is not None and after is not None and str(before).lower() != str(after).lower():
                raise arm.ArmError(400, "InvalidParameterUpdate",
                                   f"The parameter '{name}' cannot be changed after the workspace is "
                                   f"created (it is '{before}').")


def _view(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    if isinstance(props, dict) and ctx.request.host:
        props["workspaceUrl"] = ctx.request.host
    return body


arm.register(arm.TypeRule(type=TYPE, read_only=("workspaceId", "workspaceUrl", "createdDateTime"),
                          on_create=_on_create, on_put=_on_put, view=_view))
