"""Lifecycle management: does the policy tier each layer in time and keep versions long enough?

Several rules can cover one prefix; Azure applies the earliest tiering and the earliest deletion
among them, so a layer is judged by the minimum days across every enabled rule that covers it.
"""
from __future__ import annotations

from typing import Any, Iterable

from medallion.spec.storage import LayerLifecycle, StorageSpec

OUR_PREFIX = "medallion-"
RETENTION_RULE = f"{OUR_PREFIX}versions-and-snapshots"
DAY_KEYS = ("daysAfterModificationGreaterThan", "daysAfterLastAccessTimeGreaterThan",
            "daysAfterCreationGreaterThan", "daysAfterLastTierChangeGreaterThan")


def rules_of(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The rules of a management policy body (absent policy: none)."""
    return list((((policy or {}).get("properties") or {}).get("policy") or {}).get("rules") or [])


def covers(rule: dict[str, Any], prefix: str) -> bool:
    """An enabled block-blob lifecycle rule whose prefixes (if any) include `prefix`."""
    if not rule.get("enabled", True) or rule.get("type", "Lifecycle") != "Lifecycle":
        return False
    filters = (rule.get("definition") or {}).get("filters") or {}
    if "blockBlob" not in (filters.get("blobTypes") or ["blockBlob"]):
        return False
    prefixes = filters.get("prefixMatch") or []
    return not prefixes or any(prefix.startswith(p) for p in prefixes)


def earliest(rules: Iterable[dict[str, Any]], target: str, action: str) -> int | None:
    """The fewest days after which `target` ("baseBlob", "version", "snapshot") gets `action`."""
    days = []
    for rule in rules:
        step = ((((rule.get("definition") or {}).get("actions") or {}).get(target) or {}).get(action) or {})
        days += [step[key] for key in DAY_KEYS if isinstance(step.get(key), (int, float))]
    return int(min(days)) if days else None


def layer_gaps(rules: list[dict[str, Any]], layer: str, want: LayerLifecycle) -> list[str]:
    """What is missing for one layer's tiering, in words."""
    covering = [rule for rule in rules if covers(rule, want.prefix)]
    gaps = []
    for action, limit in (("tierToCool", want.cool_after_days), ("tierToArchive", want.archive_after_days)):
        if not limit:
            continue
        days = earliest(covering, "baseBlob", action)
        if days is None:
            gaps.append(f"{layer} ({want.prefix}) has no {action} rule (expected within {limit} days)")
        elif days > limit:
            gaps.append(f"{layer} ({want.prefix}) {action} after {days} days (expected within {limit})")
    return gaps


def retention_gaps(rules: list[dict[str, Any]], spec: StorageSpec) -> list[str]:
    """Previous versions and snapshots: deleted eventually, but never before the spec's days."""
    gaps = []
    for target, floor in (("version", spec.versions_delete_after_days), ("snapshot", spec.snapshots_delete_after_days)):
        never, early = [], []
        for layer, want in spec.lifecycle.items():
            days = earliest([r for r in rules if covers(r, want.prefix)], target, "delete")
            if days is None:
                never.append(layer)
            elif days < floor:
                early.append(f"{layer} after {days} days")
        if never:
            gaps.append(f"{target}s are never deleted in {', '.join(never)} (expected after {floor} days)")
        if early:
            gaps.append(f"{target}s are deleted too early: {', '.join(early)} (expected to keep {floor} days)")
    return gaps


def layer_rule(layer: str, want: LayerLifecycle) -> dict[str, Any]:
    """Our rule for one layer: tier its block blobs by age of last modification."""
    base: dict[str, Any] = {"tierToCool": {"daysAfterModificationGreaterThan": want.cool_after_days}}
    if want.archive_after_days:
        base["tierToArchive"] = {"daysAfterModificationGreaterThan": want.archive_after_days}
    return {"enabled": True, "name": f"{OUR_PREFIX}{layer}", "type": "Lifecycle",
            "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": [want.prefix]},
                           "actions": {"baseBlob": base}}}


def retention_rule(spec: StorageSpec) -> dict[str, Any]:
    """Our rule for every prefix: delete previous versions and snapshots once past retention."""
    return {"enabled": True, "name": RETENTION_RULE, "type": "Lifecycle",
            "definition": {"filters": {"blobTypes": ["blockBlob"]},
                           "actions": {"version": {"delete": {"daysAfterCreationGreaterThan": spec.versions_delete_after_days}},
                                       "snapshot": {"delete": {"daysAfterCreationGreaterThan": spec.snapshots_delete_after_days}}}}}
