"""The generic Azure Resource Manager store: every resource is one entry keyed by its folded id.

ARM ids are case-insensitive, so entries are keyed by the lower-cased id while each entry keeps
the canonical id it was created with (answers use that case). Children live under their parent's
id and extension resources under their target's id, so "delete with children" is a prefix match.
Per-type behaviour lives in `medallion.emulator.arm`; this module knows no resource type.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

# Segments whose case ARM fixes regardless of what the client sent.
_FIXED_SEGMENTS = {"subscriptions": "subscriptions", "resourcegroups": "resourceGroups",
                   "providers": "providers"}


class ArmError(Exception):
    """An ARM error answer: status plus the `{"error": {"code", "message"}}` body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def clean_path(path: str) -> str:
    """Collapse `//`, drop a trailing `/`: ARM treats these paths as the same resource."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)


def fold(resource_id: str) -> str:
    return clean_path(resource_id).lower()


@dataclass(frozen=True)
class ParsedId:
    """An ARM path split at its LAST `/providers/` segment (that is how extension resources nest)."""

    segments: tuple[str, ...]      # the path's segments, case as sent
    providers_at: int | None       # index of the last "providers" segment, None when absent

    @property
    def subscription(self) -> str | None:
        s = self.segments
        return s[1] if len(s) > 1 and s[0].lower() == "subscriptions" else None

    @property
    def resource_group(self) -> str | None:
        s = self.segments
        return s[3] if len(s) > 3 and s[2].lower() == "resourcegroups" else None

    @property
    def scope(self) -> tuple[str, ...]:
        """Segments before the last `/providers/`: a subscription, a group or a target resource."""
        return self.segments[: self.providers_at] if self.providers_at is not None else self.segments

    @property
    def namespace(self) -> str | None:
        i = self.providers_at
        return self.segments[i + 1] if i is not None and len(self.segments) > i + 1 else None

    @property
    def rest(self) -> tuple[str, ...]:
        """Alternating type/name segments after the namespace."""
        i = self.providers_at
        return self.segments[i + 2:] if i is not None else ()

    @property
    def is_collection(self) -> bool:
        return len(self.rest) % 2 == 1

    @property
    def type(self) -> str:
        """`Namespace/type[/childType...]` of the resource (or of the collection's items)."""
        return "/".join([self.namespace or "", *self.rest[0::2]])

    @property
    def name(self) -> str:
        return self.segments[-1]

    @property
    def id(self) -> str:
        return "/" + "/".join(self.segments)

    def parent(self) -> str | None:
        """Id of what this resource lives in: parent resource, target, group or subscription."""
        if self.providers_at is None:
            return "/" + "/".join(self.segments[:-2]) if len(self.segments) > 2 else None
        if len(self.rest) > 2:
            return "/" + "/".join(self.segments[:-2])
        return "/" + "/".join(self.scope)


def parse(path: str) -> ParsedId:
    segments = tuple(p for p in path.split("/") if p)
    last = None
    for i, seg in enumerate(segments):
        if seg.lower() == "providers" and i % 2 == 0 and i > 0:
            last = i
    return ParsedId(segments, last)


def type_of(resource_id: str) -> str:
    """Resource type from an id; resource groups are `Microsoft.Resources/resourceGroups`."""
    p = parse(resource_id)
    if p.providers_at is None:
        if p.resource_group and len(p.segments) == 4:
            return "Microsoft.Resources/resourceGroups"
        return "Microsoft.Resources/subscriptions"
    return p.type


def deep_merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch (RFC 7396): objects merge, lists and scalars replace, null removes."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


@dataclass
class ArmStore:
    """Resources by folded id, in insertion order; plus the subscriptions the scenario knows."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, str] = field(default_factory=dict)   # folded -> canonical

    @classmethod
    def from_entries(cls, entries: list[dict[str, Any]], canonical_type: Any = None) -> "ArmStore":
        store = cls()
        for entry in entries:
            rid = clean_path(entry["id"])
            sub = parse(rid).subscription
            if sub:
                store.subscriptions.setdefault(sub.lower(), sub)
            store.put_raw(rid, copy.deepcopy(entry.get("body") or {}))
        return store

    def to_entries(self) -> list[dict[str, Any]]:
        return [{"id": body["id"], "body": copy.deepcopy(body)} for body in self.items.values()]

    def get(self, resource_id: str) -> dict[str, Any] | None:
        return self.items.get(fold(resource_id))

    def exists(self, resource_id: str) -> bool:
        return fold(resource_id) in self.items

    def put_raw(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Store a body under its canonical id, stamping id, name and type from the id."""
        rid = clean_path(resource_id)
        body["id"] = rid
        body["name"] = parse(rid).name
        body["type"] = type_of(rid)
        self.items[fold(rid)] = body
        return body

    def delete_tree(self, resource_id: str) -> list[dict[str, Any]]:
        """Remove a resource with its children and extension resources; return what was removed."""
        key = fold(resource_id)
        doomed = [k for k in self.items if k == key or k.startswith(key + "/")]
        return [self.items.pop(k) for k in doomed]

    def children(self, parent_id: str, child_type: str | None = None) -> list[dict[str, Any]]:
        """Direct children (or extension resources) of `parent_id`, optionally of one type."""
        parent = fold(parent_id)
        found = []
        for key, body in self.items.items():
            if parse(key).parent() != parent:
                continue
            if child_type is None or type_of(key).lower() == child_type.lower():
                found.append(body)
        return found

    def of_type(self, resource_type: str, scope: str) -> list[dict[str, Any]]:
        """Every resource of a type whose id starts with `scope` (a subscription or group)."""
        prefix, wanted = fold(scope) + "/", resource_type.lower()
        return [body for key, body in self.items.items()
                if key.startswith(prefix) and type_of(key).lower() == wanted]

    def canonical(self, resource_id: str) -> str:
        """The id in canonical case: the stored parent's case plus this resource's own segments."""
        stored = self.get(resource_id)
        if stored:
            return stored["id"]
        p = parse(clean_path(resource_id))
        segs = [_FIXED_SEGMENTS.get(s.lower(), s) if i % 2 == 0 else s
                for i, s in enumerate(p.segments)]
        sub = p.subscription
        if sub and sub.lower() in self.subscriptions:
            segs[1] = self.subscriptions[sub.lower()]
        parent = p.parent()
        if parent and len(parse(parent).segments) >= 2:
            parent_stored = self.get(parent)
            if parent_stored:
                n = len(parse(parent).segments)
                return parent_stored["id"] + "/" + "/".join(segs[n:])
        return "/" + "/".join(segs)
