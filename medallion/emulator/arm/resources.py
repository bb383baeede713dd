"""Subscription-level answers that are not resources: the caller's permissions (the preflight)."""
from __future__ import annotations

from medallion.emulator import arm
from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context

# What `Microsoft.Authorization/permissions` lists for each sim token: Owner vs Reader.
_PERMISSIONS = {"owner": ["*"], "reader": ["*/read"]}


@arm.route("GET", r"/subscriptions/[^/]+(/.*)?/providers/microsoft\.authorization/permissions")
def permissions(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    scope = req.path.rsplit("/providers/", 1)[0]
    ctx.service.require_exists(scope)
    actions = _PERMISSIONS.get(req.role, [])
    return ArmResponse(200, {"value": [{"actions": actions, "notActions": [],
                                        "dataActions": [], "notDataActions": []}]})
