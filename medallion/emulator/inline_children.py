"""Children a real GET body carries inline, moved to the child resources the emulator serves.

`az network vnet show` (and the portal's JSON view) lists a VNet's subnets inside the VNet body,
while the emulator, like ARM, keeps each subnet as its own resource and adds them back on GET.
Loading such a body as it is would lose the subnets; this module splits them out (checking each
child's name and id) or refuses the file with one line naming the entry. Children the emulator
keeps inline, as ARM answers them (NSG `securityRules`, VNet peerings, a vault's access policies,
`privateEndpointConnections`), stay where they are and are stored untouched.
"""
from __future__ import annotations

import copy
from typing import Any

from medallion.emulator.arm_store import clean_path, fold, type_of

# Parent type (folded) -> (property holding the inline list, child segment in the child's id).
INLINE_CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "microsoft.network/virtualnetworks": (("subnets", "subnets"),),
    "microsoft.network/privateendpoints": (("privateDnsZoneGroups", "privateDnsZoneGroups"),),
    "microsoft.network/privatednszones": (("virtualNetworkLinks", "virtualNetworkLinks"),),
}


def split_inline_children(entries: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """The entries with every inline child moved to an entry of its own; ValueError on conflict."""
    out = [dict(entry, body=copy.deepcopy(entry.get("body") or {})) for entry in entries]
    ids = {fold(entry["id"]): i for i, entry in enumerate(out)}
    for i, entry in enumerate(list(out)):
        parent_id = clean_path(entry["id"])
        props = entry["body"].get("properties")
        for prop, segment in INLINE_CHILDREN.get(type_of(parent_id).lower(), ()):
            if not isinstance(props, dict) or prop not in props:
                continue
            where = f"{source}: arm[{i}] ({parent_id}) properties.{prop}"
            children = props.pop(prop)
            if not isinstance(children, list):
                raise ValueError(f"{where} must be a list of child resources.")
            for j, child in enumerate(children):
                _add_child(out, ids, parent_id, segment, child, f"{where}[{j}]")
    return out


def _add_child(out: list[dict[str, Any]], ids: dict[str, int], parent_id: str, segment: str,
               child: Any, where: str) -> None:
    if not isinstance(child, dict) or not isinstance(child.get("name"), str) or not child["name"]:
        raise ValueError(f"{where} needs a 'name' (the child's resource name); add it or list the "
                         "child as an entry of its own.")
    child_id = f"{parent_id}/{segment}/{child['name']}"
    if child.get("id") and fold(child["id"]) != fold(child_id):
        raise ValueError(f"{where} has id {child['id']!r}, which is not under its parent; expected "
                         f"{child_id!r}.")
    body = {k: copy.deepcopy(v) for k, v in child.items() if k not in ("id", "name", "type")}
    known = ids.get(fold(child_id))
    if known is not None:
        if (out[known]["body"].get("properties") or {}) != (body.get("properties") or {}):
            raise ValueError(f"{where} differs from the entry arm[{known}] with the same id; keep one "
                             "of them.")
        return
    ids[fold(child_id)] = len(out)
    out.append({"id": child_id, "body": body})
