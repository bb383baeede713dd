"""Blob inventory: a daily report of every container's blobs, written to one container."""
from __future__ import annotations

from typing import Any

from medallion.spec.storage import Inventory

RULE_NAME = "medallion-daily-inventory"
SCHEMA_FIELDS = ["Name", "Creation-Time", "Last-Modified", "Content-Length", "Content-MD5",
                 "BlobType", "AccessTier", "AccessTierChangeTime", "Metadata"]


def policy_enabled(policy: dict[str, Any] | None) -> bool:
    return bool(((policy or {}).get("properties") or {}).get("policy", {}).get("enabled"))


def inventory_rules(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((((policy or {}).get("properties") or {}).get("policy") or {}).get("rules") or [])


def satisfies(rule: dict[str, Any], want: Inventory) -> bool:
    """An enabled blob rule on the wanted schedule into the wanted container, with no prefix filter."""
    definition = rule.get("definition") or {}
    filters = definition.get("filters") or {}
    return (bool(rule.get("enabled")) and rule.get("destination") == want.container
            and definition.get("objectType") == "Blob"
            and str(definition.get("schedule", "")).lower() == want.schedule.lower()
            and not filters.get("prefixMatch"))


def our_rule(want: Inventory) -> dict[str, Any]:
    return {"enabled": True, "name": RULE_NAME, "destination": want.container,
            "definition": {"format": want.format, "schedule": want.schedule, "objectType": "Blob",
                           "schemaFields": SCHEMA_FIELDS,
                           "filters": {"blobTypes": ["blockBlob", "appendBlob", "pageBlob"]}}}
