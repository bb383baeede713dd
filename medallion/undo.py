"""How a change is undone, as plain data a journal can carry to a new process.

Resource Manager (through `Arm.request`, at the ARM api-version named):
- `restore`: put the value at `path` back to the change's before (before and after are that
  value). With `key`, the value is a list merged by that key: only the items the fix added or
  changed are taken back, items added since are kept (`unmerge`).
- `fields`: several fields one write changed together; before and after map each name to its
  value, `paths` each name to its path, `keys` the list fields among them. Undone together, only
  where every field still holds what the fix wrote.
- `created`: the fix made the resource; delete it if `match` still holds (as the fix left it)
  and no `dependants` path is set.
- `never`: nothing can take it back; `why` says so in the journal and the rollback's output.
Databricks (through the workspace client; medallion/rollback_databricks.py): `cluster_created`,
`cluster_fields`, `cluster_pin`, `job_tasks` and `notebook`.
"""
from __future__ import annotations

import json
from typing import Any

NETWORK_API = "2023-09-01"
WORKSPACE_API = "2022-10-01"
# the versions the SDK clients of the remediations read and write these resources with
STORAGE_API = "2026-09-01"
PRIVATE_DNS_API = "2024-06-01"
AUTOMATION_API = "2024-10-23"
KEYVAULT_API = "2026-05-15"
ACTION_GROUP_API = "2023-01-01"
ALERT_API = {"metric": "2018-03-01", "log": "2023-12-01", "activity": "2020-10-01"}

Key = str | tuple[str, ...] | None


def restore(api_version: str, path: str, *, key: Key = None, keyed: bool = False) -> dict[str, Any]:
    """Put `path` back; `keyed` (or a `key`) makes it a list merge: items identified by `key`,
    or by their whole value when `key` is None (address prefixes)."""
    undo: dict[str, Any] = {"kind": "restore", "api_version": api_version, "path": path}
    if key is not None or keyed:
        undo["key"] = _plain_key(key)
    return undo


def fields(api_version: str, paths: dict[str, str], *, keys: dict[str, Key] | None = None) -> dict[str, Any]:
    """Put several fields back together; `keys` names the list fields and their item keys."""
    return {"kind": "fields", "api_version": api_version, "paths": dict(paths),
            "keys": {name: _plain_key(key) for name, key in (keys or {}).items()}}


def never(why: str) -> dict[str, Any]:
    """A change nothing can take back (a job run, a deleted schedule's past start time): the
    journal marks it not reversible and says why, instead of "does not record how"."""
    return {"kind": "never", "why": why}


def created(api_version: str, match: dict[str, Any], *, dependants: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"kind": "created", "api_version": api_version, "match": match, "dependants": list(dependants)}


def _plain_key(key: Key) -> Any:
    """JSON has no tuples: a key of several names travels as a list; "" means the whole item."""
    return list(key) if isinstance(key, tuple) else (key or "")


def at(body: Any, path: str) -> Any:
    """The value at a dotted path of a resource body, or None."""
    for key in path.split("."):
        body = body.get(key) if isinstance(body, dict) else None
    return body


def put(body: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path, creating the dicts on the way; None removes it (it was absent)."""
    *parents, last = path.split(".")
    for key in parents:
        body = body.setdefault(key, {})
    if value is None:
        body.pop(last, None)
    else:
        body[last] = value


def folded(value: Any) -> Any:
    """ARM ids compare without case: Key Vault hands back the VNet rule ids the fix sent in lower case."""
    if isinstance(value, str):
        return value.lower() if value.startswith("/subscriptions/") else value
    if isinstance(value, list):
        return [folded(item) for item in value]
    if isinstance(value, dict):
        return {key: folded(item) for key, item in value.items()}
    return value


def holds(live: Any, wrote: Any) -> bool:
    """Does `live` still hold what was written? Fields the service adds to a dict it answers
    (provisioningState, recordSets) do not count as a change; anything else does."""
    if isinstance(wrote, dict) and isinstance(live, dict):
        return all(holds(live.get(name), value) for name, value in wrote.items())
    if isinstance(wrote, list) and isinstance(live, list):
        return len(wrote) == len(live) and all(holds(a, b) for a, b in zip(live, wrote))
    return folded(live) == folded(wrote)


def identity(item: Any, key: Any) -> str:
    """An item's identity in a keyed list: its key's value (the first of several present), or
    the whole item; compared without case for ARM ids."""
    if key and isinstance(item, dict):
        names = key if isinstance(key, list) else [key]
        item = next((item[name] for name in names if item.get(name) is not None), None)
    return json.dumps(folded(item), sort_keys=True)


def unmerge(live: list[Any], before: list[Any] | None, after: list[Any], key: Any) -> tuple[list[Any], list[str], list[str]]:
    """`live` with the fix's items taken back: an item it added is removed, one it changed gets
    its before again; items added since stay where they are. Also the identities of the fix's
    items changed since (the caller then leaves the field alone) and of the items added since."""
    was = {identity(item, key): item for item in before or []}
    wrote = {identity(item, key): item for item in after}
    touched = {k for k, item in wrote.items() if k not in was or folded(was[k]) != folded(item)}
    changed = [k for k in touched for item in live if identity(item, key) == k and not holds(item, wrote[k])]
    restored = [was[k] if k in touched and k in was else item
                for item in live for k in [identity(item, key)] if k not in touched or k in was]
    added = [k for k in map(lambda item: identity(item, key), live) if k not in wrote and k not in was]
    return restored, changed, added
