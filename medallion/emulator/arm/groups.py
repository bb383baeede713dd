"""Subscriptions and resource groups: the scopes every resource lives in."""
from __future__ import annotations

import copy
from typing import Any

from medallion.emulator.arm.request import (ArmRequest, ArmResponse, body_dict, group_missing,
                                            is_top_level, strip_ids)
from medallion.emulator.arm_store import ArmError, ArmStore, deep_merge, fold, parse

RG_TYPE = "Microsoft.Resources/resourceGroups"
_SUMMARY_KEYS = ("id", "name", "type", "location", "kind", "sku", "tags", "managedBy")


def subscription_body(sub: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "state": "Enabled",
            "displayName": "Emulated subscription", "tenantId": "00000000-0000-0000-0000-000000000000"}


def subscriptions(store: ArmStore, req: ArmRequest) -> ArmResponse:
    """`/subscriptions` (the list) or `/subscriptions/{id}` (one), read-only."""
    if req.method != "GET":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on '{req.path}'.")
    sub = parse(req.path).subscription
    if sub:
        return ArmResponse(200, subscription_body(store.subscriptions[sub.lower()]))
    return ArmResponse(200, {"value": [subscription_body(s) for s in store.subscriptions.values()]})


def summary(body: dict[str, Any]) -> dict[str, Any]:
    """The generic list's view of a resource: identity and placement, no properties."""
    return {k: copy.deepcopy(body[k]) for k in _SUMMARY_KEYS if k in body}


def generic_list(store: ArmStore, scope: str) -> ArmResponse:
    """`{scope}/resources`: every top-level resource in a subscription or group."""
    prefix = fold(scope) + "/"
    return ArmResponse(200, {"value": [summary(b) for b in store.items.values()
                                       if fold(b["id"]).startswith(prefix) and is_top_level(b["id"])]})


def list_groups(store: ArmStore, req: ArmRequest) -> ArmResponse:
    if req.method != "GET":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on '{req.path}'.")
    groups = store.of_type(RG_TYPE, "/subscriptions/" + parse(req.path).subscription)
    return ArmResponse(200, {"value": [copy.deepcopy(g) for g in groups]})


def group(store: ArmStore, req: ArmRequest, group_id: str) -> ArmResponse:
    """GET, HEAD (check_existence 204/404), PUT, PATCH and DELETE (with everything in it)."""
    stored = store.get(group_id)
    name = parse(group_id).name
    if req.method == "HEAD":
        return ArmResponse(204 if stored else 404)
    if req.method == "PUT":
        body = body_dict(req)
        if not body.get("location"):
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        new = strip_ids(copy.deepcopy(body))
        new.setdefault("properties", {})["provisioningState"] = "Succeeded"
        store.put_raw(store.canonical(group_id), new)
        return ArmResponse(200 if stored else 201, copy.deepcopy(new))
    if not stored:
        raise group_missing(name)
    if req.method == "GET":
        return ArmResponse(200, copy.deepcopy(stored))
    if req.method == "PATCH":
        merged = deep_merge(copy.deepcopy(stored), strip_ids(body_dict(req)))
        merged["location"] = stored.get("location")
        store.put_raw(stored["id"], merged)
        return ArmResponse(200, copy.deepcopy(merged))
    if req.method == "DELETE":
        store.delete_tree(group_id)
        return ArmResponse(200)
    raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a resource group.")
