"""Diagnostic settings: does a resource send every log category and its metrics to the workspace?

A resource's categories come from its `diagnosticSettingsCategories` list, each marked Logs or
Metrics, and each log category names the category groups (`allLogs`, `audit`) it belongs to. A
setting covers a category when one of its enabled entries names that category, or a group the
category belongs to. Several settings may send to the same workspace; their coverage adds up.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

# Resource type (folded) -> children that carry their own diagnostic settings. The storage
# account's logs live on its blob service, not on the account.
CHILD_TARGETS: dict[str, tuple[str, ...]] = {
    "microsoft.storage/storageaccounts": ("blobServices/default",),
}


@dataclass(frozen=True)
class Target:
    """A resource that supports diagnostic settings: its categories and current settings."""

    id: str
    categories: tuple[dict[str, Any], ...]
    settings: tuple[dict[str, Any], ...]

    @property
    def name(self) -> str:
        """A short label: `account/blobServices/default` rather than the full id."""
        rest = self.id.split("/providers/", 1)[-1].split("/")
        return "/".join([rest[2], *rest[3:]]) if len(rest) > 2 else self.id


def targets_of(resource: dict[str, Any]) -> list[str]:
    """The ids to ask about diagnostics for one listed resource: itself and known children."""
    resource_id = resource["id"]
    children = CHILD_TARGETS.get(str(resource.get("type", "")).lower(), ())
    return [resource_id, *(f"{resource_id}/{child}" for child in children)]


def same_id(a: str | None, b: str | None) -> bool:
    """ARM ids compare case-insensitively (responses lower-case segments freely)."""
    return bool(a) and bool(b) and a.strip("/").lower() == b.strip("/").lower()  # type: ignore[union-attr]


def kind_of(category: dict[str, Any]) -> str:
    return (category.get("properties") or {}).get("categoryType", "Logs")


def to_workspace(target: Target, workspace_id: str) -> list[dict[str, Any]]:
    """The settings of `target` that send to the workspace."""
    return [s for s in target.settings if same_id((s.get("properties") or {}).get("workspaceId"), workspace_id)]


def covered(category: dict[str, Any], settings: list[dict[str, Any]]) -> bool:
    """Does any enabled entry of these settings send this category?"""
    kind = kind_of(category)
    name = str(category.get("name", "")).lower()
    groups = {g.lower() for g in (category.get("properties") or {}).get("categoryGroups") or []}
    field = "logs" if kind == "Logs" else "metrics"
    for setting in settings:
        for entry in (setting.get("properties") or {}).get(field) or []:
            if not entry.get("enabled"):
                continue
            if str(entry.get("category") or "").lower() == name:
                return True
            if str(entry.get("categoryGroup") or "").lower() in groups:
                return True
    return False


def missing(target: Target, workspace_id: str) -> list[dict[str, Any]]:
    """The categories of `target` that no setting sends to the workspace."""
    settings = to_workspace(target, workspace_id)
    return [c for c in target.categories if not covered(c, settings)]


def gap_text(target: Target, workspace_id: str) -> str | None:
    """One line about what `target` does not send, or None when it sends everything."""
    lacking = missing(target, workspace_id)
    if not lacking:
        return None
    logs = [c["name"] for c in lacking if kind_of(c) == "Logs"]
    metrics = [c["name"] for c in lacking if kind_of(c) != "Logs"]
    parts = ([f"logs {', '.join(logs)}"] if logs else []) + ([f"metrics {', '.join(metrics)}"] if metrics else [])
    where = "no setting sends to the workspace" if not to_workspace(target, workspace_id) else "not sent"
    return f"{target.name}: {where} ({'; '.join(parts)})"


def merged(setting: dict[str, Any] | None, lacking: list[dict[str, Any]], workspace_id: str) -> dict[str, Any]:
    """A setting body that also sends `lacking`, keeping every entry and destination it had.

    Missing logs are added as the `allLogs` group when they all belong to it and the setting is
    new or already works by groups (so categories the service adds later are sent too); otherwise
    by name, as the setting already lists them. A disabled entry is switched on.
    """
    props = copy.deepcopy((setting or {}).get("properties") or {})
    props.setdefault("workspaceId", workspace_id)
    entries = props.get("logs") or []
    logs = [c for c in lacking if kind_of(c) == "Logs"]
    by_group = setting is None or any(e.get("categoryGroup") for e in entries)
    if logs and by_group and all(_in_all_logs(c) for c in logs):
        props["logs"] = _switch_on(entries, ["allLogs"], key="categoryGroup")
    else:
        props["logs"] = _switch_on(entries, [c["name"] for c in logs], key="category")
    metrics = [c["name"] for c in lacking if kind_of(c) != "Logs"]
    props["metrics"] = _switch_on(props.get("metrics") or [], metrics, key="category")
    return {"properties": props}


def _in_all_logs(category: dict[str, Any]) -> bool:
    return "alllogs" in {g.lower() for g in (category.get("properties") or {}).get("categoryGroups") or []}


def _switch_on(entries: list[dict[str, Any]], names: list[str], *, key: str) -> list[dict[str, Any]]:
    entries = copy.deepcopy(entries)
    for name in names:
        same = [e for e in entries if str(e.get(key) or "").lower() == name.lower()]
        if same:
            same[0]["enabled"] = True
        else:
            entries.append({key: name, "enabled": True})
    return entries
