"""The ARM side of the emulator: routes one request onto the generic store and the type rules.

Answers follow the real contract the SDKs were built for: PUT creates (201) or replaces (200),
PATCH deep-merges, DELETE takes children along and is idempotent, lists answer `{"value": [...]}`,
errors carry `{"error": {"code", "message"}}` with ARM's codes. Everything specific to one type is
looked up in `medallion.emulator.arm.RULES` and `ROUTES`.
"""
from __future__ import annotations

import copy
import uuid
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm import groups
from medallion.emulator.arm.operations import Operations, is_long_running
from medallion.emulator.arm.request import (ArmRequest, ArmResponse, Context, body_dict, group_missing,
                                            is_top_level, not_found, strip_ids)
from medallion.emulator.arm_store import ArmError, ArmStore, clean_path, deep_merge, fold, parse, type_of

# Properties the platform owns on every type: a PUT from a client never overwrites them.
_ALWAYS_READ_ONLY = ("provisioningState", "privateEndpointConnections")


class ArmService:
    """Answers ARM requests against one `ArmStore`; holds in-flight operations and live secrets."""

    def __init__(self, store: ArmStore, lro: Operations | None = None) -> None:
        arm.load_providers()
        self.store = store
        self.lro = lro or Operations()
        self.operations: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, Any] = {}   # never persisted, never logged

    def handle(self, request: ArmRequest) -> ArmResponse:
        try:
            ctx = Context(self.store, self, request)
            self.lro.settle(ctx)
            return self._dispatch(request, ctx)
        except ArmError as err:
            return ArmResponse(err.status, err.body())

    def _dispatch(self, req: ArmRequest, ctx: Context) -> ArmResponse:
        p = parse(req.path)
        if not p.segments or p.segments[0].lower() != "subscriptions":
            raise ArmError(400, "InvalidRequestUri", f"'{req.path}' is not an ARM path.")
        if "api-version" not in req.query:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        if len(p.segments) == 1:
            return groups.subscriptions(self.store, req)
        sub = p.subscription or ""
        if sub.lower() not in self.store.subscriptions:
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        folded = fold(req.path)
        for r in arm.ROUTES:
            if r.method == req.method:
                match = r.pattern.fullmatch(folded)
                if match:
                    return r.handler(ctx, req, match)
        segs = [s.lower() for s in p.segments]
        if len(segs) == 2:
            return groups.subscriptions(self.store, req)
        if segs[2] == "resources" and len(segs) == 3 and req.method == "GET":
            return groups.generic_list(self.store, "/" + "/".join(p.segments[:2]))
        if segs[2] == "resourcegroups":
            if len(segs) == 3:
                return groups.list_groups(self.store, req)
            group_id = "/" + "/".join(p.segments[:4])
            if len(segs) == 4:
                return groups.group(self.store, req, group_id)
            if not self.store.exists(group_id):
                raise group_missing(p.resource_group)
            if len(segs) == 5 and segs[4] == "resources" and req.method == "GET":
                return groups.generic_list(self.store, group_id)
        return self._resource_path(req, ctx, p)

    # --- typed resources ------------------------------------------------------------------------
    def _resource_path(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        if p.providers_at is None or p.namespace is None:
            raise ArmError(400, "InvalidRequestUri", f"The request URI '{req.path}' is not valid.")
        if p.is_collection:
            if req.method != "GET":
                raise ArmError(400, "InvalidRequestUri",
                               f"The emulator has no action {req.method} '{req.path}'.")
            return ArmResponse(200, {"value": [ctx.view(b) for b in self.list_collection(ctx, p)]})
        handler = {"GET": self._get, "HEAD": self._head, "PUT": self._put, "PATCH": self._patch,
                   "DELETE": self._delete}.get(req.method)
        if handler is None:
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a resource.")
        return handler(req, ctx, p)

    def list_collection(self, ctx: Context, p) -> list[dict[str, Any]]:
        scope = "/" + "/".join(p.scope)
        if len(p.rest) == 1 and len(p.scope) == 2:           # subscription-wide list of a type
            return [b for b in self.store.of_type(p.type, scope) if is_top_level(b["id"])]
        parent = "/" + "/".join(p.segments[:-1]) if len(p.rest) > 1 else scope
        self.require_exists(parent)
        found = self.store.children(parent, p.type)
        rule = arm.rule_for(p.type)
        if rule.default and rule.fixed_names:
            names = {b["name"].lower() for b in found}
            for name in rule.fixed_names:
                if name.lower() not in names:
                    found.append(self._default_body(ctx, f"{parent}/{p.rest[-1]}/{name}", rule))
        return found

    def require_exists(self, resource_id: str) -> dict[str, Any]:
        """The stored (or server-default) body, or the 404 ARM gives for the first missing level."""
        p = parse(resource_id)
        if p.resource_group and not self.store.exists("/" + "/".join(p.segments[:4])):
            raise group_missing(p.resource_group)
        found = self.lookup(resource_id)
        if found is None:
            if len(p.segments) <= 2:
                return {"id": resource_id}
            raise not_found(resource_id)
        return found

    def lookup(self, resource_id: str) -> dict[str, Any] | None:
        stored = self.store.get(resource_id)
        if stored is not None:
            return stored
        rule = arm.rule_for(type_of(resource_id))
        name = parse(resource_id).name
        if rule.default and name.lower() in {n.lower() for n in rule.fixed_names}:
            parent = parse(resource_id).parent()
            if parent and self.store.get(parent) is not None:
                return self._default_body(None, resource_id, rule)
        return None

    def _default_body(self, ctx: Context | None, resource_id: str, rule: arm.TypeRule) -> dict[str, Any]:
        body = rule.default(ctx, resource_id)
        body.update(id=self.store.canonical(resource_id), name=parse(resource_id).name,
                    type=type_of(self.store.canonical(resource_id)))
        return body

    def _get(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        return ArmResponse(200, ctx.view(self.require_exists(req.path)))

    def _head(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        return ArmResponse(204 if self.lookup(req.path) is not None else 404)

    def _put(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        rid = self.store.canonical(req.path)
        rule = arm.rule_for(type_of(rid))
        if rule.fixed_names and p.name.lower() not in {n.lower() for n in rule.fixed_names}:
            raise ArmError(400, "InvalidResourceName",
                           f"The name '{p.name}' is not valid for {rule.type}: it must be "
                           f"{' or '.join(repr(n) for n in rule.fixed_names)}.")
        self._require_parent(rid)
        old = self.store.get(rid)
        new = strip_ids(copy.deepcopy(body_dict(req)))
        props = new.get("properties")
        if props is None and rule.provisioning_state:
            props = new["properties"] = {}
        if isinstance(props, dict):
            old_props = (old or {}).get("properties") or {}
            for key in (*_ALWAYS_READ_ONLY, *rule.read_only):
                props.pop(key, None)
                if key in old_props:
                    props[key] = copy.deepcopy(old_props[key])
            if rule.provisioning_state:
                props["provisioningState"] = "Succeeded"
        new["id"] = rid
        if old is None and rule.on_create:
            rule.on_create(ctx, new)
        if rule.on_put:
            rule.on_put(ctx, old, new)
        self.store.put_raw(rid, new)
        if old is None and rule.long_running_create:
            location = self.start_operation(ctx, rule.long_running_create(ctx, rid), rid)
            return ArmResponse(202, None, {"Location": location})
        status = rule.put_status[0 if old is None else 1]
        if is_long_running(rule.type, "PUT"):
            headers = self.lro.start(ctx, rid, old is None)
            return ArmResponse(status, ctx.view(self.store.get(rid)), headers)
        return ArmResponse(status, ctx.view(new))

    def _patch(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        old = self.require_exists(req.path)
        rule = arm.rule_for(type_of(old["id"]))
        patch = strip_ids(body_dict(req))
        merged = deep_merge(copy.deepcopy(old), patch)
        old_props, new_props = old.get("properties") or {}, merged.get("properties")
        if isinstance(new_props, dict):
            for key in (*_ALWAYS_READ_ONLY, *rule.read_only):
                new_props.pop(key, None)
                if key in old_props:
                    new_props[key] = copy.deepcopy(old_props[key])
        if "location" in old:
            merged["location"] = old["location"]
        if rule.on_patch:
            rule.on_patch(ctx, old, merged, patch)
        self.store.put_raw(old["id"], merged)
        if is_long_running(rule.type, "PATCH"):
            headers = self.lro.start(ctx, old["id"], False)
            return ArmResponse(rule.patch_status, ctx.view(self.store.get(old["id"])), headers)
        return ArmResponse(rule.patch_status, ctx.view(merged))

    def _delete(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        old = self.store.get(req.path)
        if old is None:
            if p.resource_group and not self.store.exists("/" + "/".join(p.segments[:4])):
                raise group_missing(p.resource_group)
            return ArmResponse(204)
        rule = arm.rule_for(type_of(old["id"]))
        long_running = is_long_running(type_of(old["id"]), "DELETE")
        if long_running and self.lro.will_fail(old["id"]):
            return ArmResponse(202, None, self.lro.start(ctx, old["id"], False))
        if rule.on_delete:
            rule.on_delete(ctx, old)
        self.store.delete_tree(old["id"])
        if long_running:
            return ArmResponse(202, None, self.lro.start(ctx, old["id"], False))
        return ArmResponse(200)

    def _require_parent(self, rid: str) -> None:
        p = parse(rid)
        if p.resource_group and not self.store.exists("/" + "/".join(p.segments[:4])):
            raise group_missing(p.resource_group)
        parent = p.parent()
        if not parent or len(parse(parent).segments) <= 4 and parse(parent).providers_at is None:
            return
        if self.lookup(parent) is None:
            if len(p.rest) > 2:
                raise ArmError(404, "ParentResourceNotFound",
                               "Can not perform requested operation on nested resource. Parent "
                               f"resource '{'/'.join(parse(parent).rest[1::2])}' not found.")
            raise not_found(parent)

    # --- long-running operations ----------------------------------------------------------------
    def start_operation(self, ctx: Context, path: str | None, resource_id: str | None,
                        pending_polls: int = 1) -> str:
        """Register an operation; its status URL answers 202 `pending_polls` times, then 200."""
        op_id = str(uuid.uuid4())
        if path is None:
            sub = parse(resource_id or ctx.request.path).subscription
            path = f"/subscriptions/{sub}/providers/Microsoft.Resources/operations/{op_id}"
        else:
            path = f"{path}/{op_id}"
        self.operations[op_id] = {"resource_id": resource_id, "pending": pending_polls}
        return ctx.url(path)

    def poll_operation(self, ctx: Context, op_id: str) -> ArmResponse:
        op = self.operations.get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        if op["pending"] > 0:
            op["pending"] -= 1
            return ArmResponse(202, None, {"Location": ctx.url(clean_path(ctx.request.path),
                                                               **ctx.request.query)})
        self.operations.pop(op_id, None)
        rid = op["resource_id"]
        if rid is None:
            return ArmResponse(200)
        found = self.store.get(rid)
        return ArmResponse(200, ctx.view(found)) if found else ArmResponse(204)


@arm.route("GET", r"/subscriptions/[^/]+/providers/microsoft\.resources/operations/([^/]+)")
def _generic_operation(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    return ctx.service.poll_operation(ctx, m.group(1))
