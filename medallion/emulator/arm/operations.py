"""Long-running PUTs and DELETEs: 201/202 with `Azure-AsyncOperation` and `Location`, a
provisioningState of Creating/Updating/Deleting until the operation's time is up, then Succeeded
(or Failed, for operations a fault names), and the operation-status endpoint the pollers follow.

`LONG_RUNNING` lists the operations of this suite that the REST specifications
(azure-rest-api-specs) mark `x-ms-long-running-operation`: checked against the `begin_*` methods
the installed azure-mgmt SDKs generate from them (a vault's DELETE is not long-running, its PUT
is). `final-state-via` is given where the specification sets one (the network PUTs and DELETEs);
the pollers follow Azure-AsyncOperation either way. Storage account creation and the runbook draft/publish calls are
long-running too; they answer 202 + Location in `storage.py` and `automation.py`.
"""
from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context
from medallion.emulator.arm_store import fold, parse

# type -> {method: final-state-via ("" where the specification leaves the default)}
LONG_RUNNING: dict[str, dict[str, str]] = {
    "Microsoft.Network/virtualNetworks": {"PUT": "azure-async-operation", "DELETE": "location"},
    "Microsoft.Network/virtualNetworks/subnets": {"PUT": "azure-async-operation", "DELETE": "location"},
    "Microsoft.Network/networkSecurityGroups": {"PUT": "azure-async-operation", "DELETE": "location"},
    "Microsoft.Network/privateEndpoints": {"PUT": "azure-async-operation", "DELETE": "location"},
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": {"PUT": "azure-async-operation",
                                                               "DELETE": "location"},
    "Microsoft.Network/privateDnsZones": {"PUT": "", "PATCH": "", "DELETE": ""},
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": {"PUT": "", "PATCH": "", "DELETE": ""},
    "Microsoft.OperationalInsights/workspaces": {"PUT": "", "DELETE": ""},
    "Microsoft.Databricks/workspaces": {"PUT": "", "PATCH": "", "DELETE": ""},
    "Microsoft.KeyVault/vaults": {"PUT": ""},
}
_FOLDED = {k.lower(): v for k, v in LONG_RUNNING.items()}
_IN_PROGRESS = {"PUT": ("Creating", "Updating"), "PATCH": ("Updating", "Updating"),
                "DELETE": ("Deleting", "Deleting")}


def is_long_running(resource_type: str, method: str) -> bool:
    return method in _FOLDED.get(resource_type.lower(), {})


@dataclass
class Operation:
    resource_id: str
    method: str
    due: float                  # monotonic time the operation ends
    fails: bool
    body: dict[str, Any] | None = None    # DELETE: the body shown as Deleting until it ends


class Operations:
    """In-flight long-running operations; `settle()` ends those whose time is up."""

    def __init__(self, delay_ms: int = 0, fail_matching: str = "") -> None:
        self.delay_ms, self.fail_matching = delay_ms, fail_matching.lower()
        self.running: dict[str, Operation] = {}

    def start(self, ctx: Context, resource_id: str, created: bool) -> dict[str, str]:
        """Mark the stored resource in progress and return the headers of the 201/202 answer."""
        method = ctx.request.method
        op_id = str(uuid.uuid4())
        op = Operation(resource_id, method, time.monotonic() + self.delay_ms / 1000,
                       self.will_fail(resource_id))
        body = ctx.store.get(resource_id)
        if body is not None and isinstance(body.get("properties"), dict):
            body["properties"]["provisioningState"] = _IN_PROGRESS[method][0 if created else 1]
        self.running[op_id] = op
        location = (ctx.store.get(resource_id) or {}).get("location") or "global"
        base = f"/subscriptions/{parse(resource_id).subscription}/providers/{parse(resource_id).namespace}" \
               f"/locations/{location}"
        return {"Azure-AsyncOperation": ctx.url(f"{base}/operations/{op_id}"),
                "Location": ctx.url(f"{base}/operationResults/{op_id}"), **self._retry_after(op)}

    def will_fail(self, resource_id: str) -> bool:
        """True when the fault `--sim-fail-operation TEXT` names this resource (TEXT in its id)."""
        return bool(self.fail_matching) and self.fail_matching in fold(resource_id)

    def settle(self, ctx: Context) -> None:
        """End every operation whose time is up: Succeeded, or Failed when a fault names it."""
        now = time.monotonic()
        for op in self.running.values():
            if op.due <= now and op.method in ("PUT", "PATCH"):
                body = ctx.store.get(op.resource_id)
                if body is not None and isinstance(body.get("properties"), dict):
                    body["properties"]["provisioningState"] = "Failed" if op.fails else "Succeeded"
                op.method = "DONE"

    def status(self, ctx: Context, op_id: str, as_location: bool) -> ArmResponse:
        """The operation-status answer: InProgress (with Retry-After), Succeeded, or Failed."""
        op = self.running.get(op_id)
        if op is None:
            raise arm.ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        self.settle(ctx)
        if time.monotonic() < op.due:
            if as_location:
                return ArmResponse(202, None, {"Location": ctx.url(ctx.request.path, **ctx.request.query),
                                               **self._retry_after(op)})
            return ArmResponse(200, {"status": "InProgress"}, self._retry_after(op))
        if op.fails:
            error = {"code": "OperationFailed", "message": (
                f"The long-running operation on {op.resource_id} failed (emulator fault "
                f"'{self.fail_matching}').")}
            return ArmResponse(200, {"status": "Failed", "error": error})
        if as_location:
            found = ctx.store.get(op.resource_id)
            return ArmResponse(200, ctx.view(found)) if found else ArmResponse(204)
        return ArmResponse(200, {"status": "Succeeded"})

    @staticmethod
    def _retry_after(op: Operation) -> dict[str, str]:
        """Poll again when the operation is due, in whole seconds as ARM says it. azure-core reads
        Retry-After before retry-after-ms, so an operation shorter than a second is polled again a
        second later, as on Azure (the poller's first status read goes at once)."""
        left = max(0.0, op.due - time.monotonic())
        return {"retry-after-ms": str(max(1, math.ceil(left * 1000))),
                "Retry-After": str(max(1, math.ceil(left)))}


@arm.route("GET", r"/subscriptions/[^/]+/providers/[^/]+/locations/[^/]+/(operations|operationresults)/([^/]+)")
def _operation_status(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    return ctx.service.lro.status(ctx, m.group(2), m.group(1) == "operationresults")
