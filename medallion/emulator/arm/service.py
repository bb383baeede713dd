"""The ARM side of the emulator: routes one request onto the generic store and the type rules.

Answers follow the real contract the SDKs were built for: PUT creates (201) or replaces (200),
PATCH deep-merges, DELETE takes children along and is idempotent, lists answer `{"value": [...]}`,
errors carry `{"error": {"code", "message"}}` with ARM's codes. Everything specific to one type is
looked up in `medallion.emulator.arm.RULES` and `ROUTES`.
"""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm_store import ArmError, ArmStore, clean_path, deep_merge, fold, parse, type_of

RG_TYPE = "Microsoft.Resources/resourceGroups"
# Properties the platform owns on every type: a PUT from a client never overwrites them.
_ALWAYS_READ_ONLY = ("provisioningState", "privateEndpointConnections")


@dataclass
class ArmRequest:
    method: str
    path: str                      # cleaned path, case as sent, no query
    query: dict[str, str]
    body: Any                      # parsed JSON, raw text for text/plain bodies, or None
    host: str                      # the Host header: polling URLs and workspace URLs use it
    role: str                      # "owner" or "reader"

    @property
    def api_version(self) -> str:
        return self.query.get("api-version", "")


@dataclass
class ArmResponse:
    status: int
    body: Any = None               # dict/list -> JSON, str -> text/plain, None -> empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """What a type hook may use: the store, the service (operations, secrets) and the request."""

    store: ArmStore
    service: "ArmService"
    request: ArmRequest

    def url(self, path: str, **query: str) -> str:
        """An absolute URL on this emulator, built from the request's Host header."""
        query.setdefault("api-version", self.request.api_version)
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return f"http://{self.request.host}{path}?{qs}"

    def view(self, body: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(body)
        rule = arm.rule_for(type_of(body["id"]))
        return rule.view(self, out) if rule.view else out


def not_found(resource_id: str) -> ArmError:
    p = parse(resource_id)
    where = f" under resource group '{p.resource_group}'" if p.resource_group else ""
    return ArmError(404, "ResourceNotFound",
                    f"The Resource '{p.type}/{p.name}'{where} was not found. For more details "
                    "please go to https://aka.ms/ARMResourceNotFoundFix")


class ArmService:
    """Answers ARM requests against one `ArmStore`; holds in-flight operations and live secrets."""

    def __init__(self, store: ArmStore) -> None:
        arm.load_providers()
        self.store = store
        self.operations: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, Any] = {}   # never persisted, never logged

    def handle(self, request: ArmRequest) -> ArmResponse:
        try:
            return self._dispatch(request, Context(self.store, self, request))
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
            return self._list_subscriptions(req)
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
            return self._subscription(req)
        if segs[2] == "resourcegroups":
            return self._under_group(req, ctx, p, segs)
        if segs[2] == "resources" and len(segs) == 3 and req.method == "GET":
            return ArmResponse(200, {"value": [self._summary(b) for b in self.store.items.values()
                                               if fold(b["id"]).startswith(folded[: -len("/resources")] + "/")
                                               and _is_top_level(b["id"])]})
        return self._resource_path(req, ctx, p)

    # --- subscriptions and groups -------------------------------------------------------------
    def _list_subscriptions(self, req: ArmRequest) -> ArmResponse:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on /subscriptions.")
        return ArmResponse(200, {"value": [self._subscription_body(s)
                                           for s in self.store.subscriptions.values()]})

    def _subscription(self, req: ArmRequest) -> ArmResponse:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a subscription.")
        sub = self.store.subscriptions[parse(req.path).subscription.lower()]
        return ArmResponse(200, self._subscription_body(sub))

    @staticmethod
    def _subscription_body(sub: str) -> dict[str, Any]:
        return {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "state": "Enabled",
                "displayName": "Emulated subscription",
                "tenantId": "00000000-0000-0000-0000-000000000000"}

    def _under_group(self, req: ArmRequest, ctx: Context, p, segs: list[str]) -> ArmResponse:
        if len(segs) == 3:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed here.")
            groups = self.store.of_type(RG_TYPE, "/subscriptions/" + p.subscription)
            return ArmResponse(200, {"value": [copy.deepcopy(g) for g in groups]})
        group_id = "/" + "/".join(p.segments[:4])
        if len(segs) == 4:
            return self._group(req, group_id)
        if not self.store.exists(group_id):
            raise _group_missing(p.resource_group)
        if len(segs) == 5 and segs[4] == "resources" and req.method == "GET":
            return ArmResponse(200, {"value": [self._summary(b) for b in self.store.children(group_id)]})
        return self._resource_path(req, ctx, p)

    def _group(self, req: ArmRequest, group_id: str) -> ArmResponse:
        stored = self.store.get(group_id)
        name = parse(group_id).name
        if req.method == "HEAD":
            return ArmResponse(204 if stored else 404)
        if req.method == "GET":
            if not stored:
                raise _group_missing(name)
            return ArmResponse(200, copy.deepcopy(stored))
        if req.method == "PUT":
            body = _body_dict(req)
            if not body.get("location"):
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            new = {k: v for k, v in body.items() if k not in ("id", "name", "type")}
            new.setdefault("properties", {})["provisioningState"] = "Succeeded"
            self.store.put_raw(self.store.canonical(group_id), new)
            return ArmResponse(200 if stored else 201, copy.deepcopy(new))
        if not stored:
            raise _group_missing(name)
        if req.method == "PATCH":
            merged = deep_merge(copy.deepcopy(stored), _strip_ids(_body_dict(req)))
            merged["location"] = stored.get("location")
            self.store.put_raw(stored["id"], merged)
            return ArmResponse(200, copy.deepcopy(merged))
        if req.method == "DELETE":
            self.store.delete_tree(group_id)
            return ArmResponse(200)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a resource group.")

    @staticmethod
    def _summary(body: dict[str, Any]) -> dict[str, Any]:
        """The generic list's view of a resource: identity and placement, no properties."""
        keys = ("id", "name", "type", "location", "kind", "sku", "tags", "managedBy")
        return {k: copy.deepcopy(body[k]) for k in keys if k in body}

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
            return [b for b in self.store.of_type(p.type, scope) if _is_top_level(b["id"])]
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
            raise _group_missing(p.resource_group)
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
        new = _strip_ids(copy.deepcopy(_body_dict(req)))
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
        return ArmResponse(rule.put_status[0 if old is None else 1], ctx.view(new))

    def _patch(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        old = self.require_exists(req.path)
        rule = arm.rule_for(type_of(old["id"]))
        patch = _strip_ids(_body_dict(req))
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
        return ArmResponse(rule.patch_status, ctx.view(merged))

    def _delete(self, req: ArmRequest, ctx: Context, p) -> ArmResponse:
        old = self.store.get(req.path)
        if old is None:
            if p.resource_group and not self.store.exists("/" + "/".join(p.segments[:4])):
                raise _group_missing(p.resource_group)
            return ArmResponse(204)
        rule = arm.rule_for(type_of(old["id"]))
        if rule.on_delete:
            rule.on_delete(ctx, old)
        self.store.delete_tree(old["id"])
        return ArmResponse(200)

    def _require_parent(self, rid: str) -> None:
        p = parse(rid)
        if p.resource_group and not self.store.exists("/" + "/".join(p.segments[:4])):
            raise _group_missing(p.resource_group)
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


def _group_missing(name: str | None) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def _is_top_level(resource_id: str) -> bool:
    p = parse(resource_id)
    return p.providers_at == 4 and len(p.rest) == 2


def _body_dict(req: ArmRequest) -> dict[str, Any]:
    if req.body is None:
        return {}
    if not isinstance(req.body, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return req.body


def _strip_ids(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("id", "name", "type")}
