"""How a change is undone, as plain data a journal can carry to a new process.

`restore`: put the field at `path` back to the change's before. `created`: the fix made the
resource; delete it if `match` still holds (as the fix left it) and no `dependants` path is set.
Both name the ARM api-version the rollback reads and writes with, through `Arm.request`.
"""
from __future__ import annotations

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


def restore(api_version: str, path: str) -> dict[str, Any]:
    return {"kind": "restore", "api_version": api_version, "path": path}


def created(api_version: str, match: dict[str, Any], *, dependants: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"kind": "created", "api_version": api_version, "match": match, "dependants": list(dependants)}


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
