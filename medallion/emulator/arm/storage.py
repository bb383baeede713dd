"""Microsoft.Storage: accounts (a real long-running create), blob service defaults, the
`default`-only lifecycle and inventory policies, containers, and account keys."""
from __future__ import annotations

import base64
import copy
import os
from datetime import datetime, timezone
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context
from medallion.emulator.arm_store import parse

ACCOUNT = "Microsoft.Storage/storageAccounts"
_ACCOUNT_PATH = r"/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.storage/storageaccounts/[^/]+"


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _account_on_create(ctx: Context, body: dict[str, Any]) -> None:
    name = parse(body["id"]).name
    props = body.setdefault("properties", {})
    props["creationTime"] = now()
    props["primaryLocation"] = body.get("location")
    props["statusOfPrimary"] = "available"
    props["primaryEndpoints"] = {svc: f"https://{name}.{svc}.core.windows.net/"
                                 for svc in ("blob", "dfs", "queue", "table", "file", "web")}


def _account_on_patch(ctx: Context, old: dict[str, Any], merged: dict[str, Any],
                      patch: dict[str, Any]) -> None:
    """A PATCH carrying networkAcls replaces the whole rule set: unlisted ip/VNet rules go."""
    acls = (patch.get("properties") or {}).get("networkAcls")
    if isinstance(acls, dict):
        merged["properties"]["networkAcls"] = {"bypass": "AzureServices", "ipRules": [],
                                               "virtualNetworkRules": [], **copy.deepcopy(acls)}


def _operation_path(ctx: Context, resource_id: str) -> str:
    location = (ctx.store.get(resource_id) or {}).get("location") or "eastus"
    sub = parse(resource_id).subscription
    return f"/subscriptions/{sub}/providers/Microsoft.Storage/locations/{location}/asyncoperations"


@arm.route("GET", r"/subscriptions/[^/]+/providers/microsoft\.storage/locations/[^/]+/asyncoperations/([^/]+)")
def _poll(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    return ctx.service.poll_operation(ctx, m.group(1))


def _blob_service_default(ctx: Context | None, resource_id: str) -> dict[str, Any]:
    """What ARM answers for a blob service nobody configured: soft delete off, no CORS rules."""
    return {"properties": {"cors": {"corsRules": []},
                           "deleteRetentionPolicy": {"enabled": False, "allowPermanentDelete": False},
                           "containerDeleteRetentionPolicy": {"enabled": False}}}


def _stamp_modified(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    new.setdefault("properties", {})["lastModifiedTime"] = now()


def _container_on_create(ctx: Context, body: dict[str, Any]) -> None:
    props = body.setdefault("properties", {})
    props.setdefault("publicAccess", "None")
    props.update(lastModifiedTime=now(), leaseStatus="Unlocked", leaseState="Available",
                 hasImmutabilityPolicy=False, hasLegalHold=False, deleted=False)


def _keys(ctx: Context, account_id: str) -> dict[str, dict[str, str]]:
    """Account keys: generated secrets, held in memory only (never in state, log or output)."""
    return ctx.service.secrets.setdefault(("storage-keys", account_id.lower()),
                                          {name: _new_key() for name in ("key1", "key2")})


def _new_key() -> dict[str, str]:
    return {"value": base64.b64encode(os.urandom(64)).decode(), "creationTime": now()}


def _keys_body(keys: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"keys": [{"keyName": name, "value": k["value"], "permissions": "FULL",
                      "creationTime": k["creationTime"]} for name, k in keys.items()]}


@arm.route("POST", _ACCOUNT_PATH + "/listkeys")
def _list_keys(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    account = ctx.service.require_exists(req.path.rsplit("/", 1)[0])
    return ArmResponse(200, _keys_body(_keys(ctx, account["id"])))


@arm.route("POST", _ACCOUNT_PATH + "/regeneratekey")
def _regenerate_key(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    account = ctx.service.require_exists(req.path.rsplit("/", 1)[0])
    keys = _keys(ctx, account["id"])
    name = (req.body or {}).get("keyName") if isinstance(req.body, dict) else None
    if name not in keys:
        raise arm.ArmError(400, "InvalidValuesForRequestParameters",
                           f"keyName must be 'key1' or 'key2'; got {name!r}.")
    keys[name] = _new_key()
    return ArmResponse(200, _keys_body(keys))


arm.register(arm.TypeRule(type=ACCOUNT, read_only=("creationTime", "primaryEndpoints",
                                                   "primaryLocation", "statusOfPrimary"),
                          on_create=_account_on_create, on_patch=_account_on_patch,
                          long_running_create=_operation_path))
for _service in ("blobServices", "fileServices", "queueServices", "tableServices"):
    arm.register(arm.TypeRule(type=f"{ACCOUNT}/{_service}", put_status=(200, 200),
                              provisioning_state=False, fixed_names=("default",),
                              default=_blob_service_default if _service == "blobServices" else
                              (lambda ctx, rid: {"properties": {"cors": {"corsRules": []}}})))
arm.register(arm.TypeRule(type=f"{ACCOUNT}/managementPolicies", put_status=(200, 200),
                          provisioning_state=False, fixed_names=("default",), on_put=_stamp_modified))
arm.register(arm.TypeRule(type=f"{ACCOUNT}/inventoryPolicies", put_status=(200, 200),
                          provisioning_state=False, fixed_names=("default",), on_put=_stamp_modified))
arm.register(arm.TypeRule(type=f"{ACCOUNT}/blobServices/containers", provisioning_state=False,
                          on_create=_container_on_create,
                          read_only=("lastModifiedTime", "leaseStatus", "leaseState", "deleted")))
