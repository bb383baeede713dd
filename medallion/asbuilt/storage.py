"""Storage as built: the account, soft delete, lifecycle tiering, inventory and the dashboard."""
from __future__ import annotations

from typing import Any

from medallion.asbuilt.model import Section, Verdicts, props, table


def render(estate: Any, verdicts: Verdicts) -> Section | None:
    storage = estate.storage
    account = storage.account()
    if account is None:
        return Section("Storage", [f"Storage account `{storage.account_name}` was not found. "
                                   f"Verdict: {verdicts.area('storage')}"])
    p = props(account)
    acls = p.get("networkAcls") or {}
    service = props(storage.blob_service())
    lines = table(["setting", "observed", "verdict"], [
        ["Account", f"{storage.account_name} ({account.get('kind')}, {(account.get('sku') or {}).get('name')})", ""],
        ["Hierarchical namespace (ADLS Gen2)", p.get("isHnsEnabled"), ""],
        ["Public network access", p.get("publicNetworkAccess") or "Enabled (default)", ""],
        ["Network default action", acls.get("defaultAction") or "Allow (default)", ""],
        ["Blob soft delete", _retention(service.get("deleteRetentionPolicy")), verdicts.of("STG-003")],
        ["Container soft delete", _retention(service.get("containerDeleteRetentionPolicy")), verdicts.of("STG-004")],
        ["Blob versioning", service.get("isVersioningEnabled"), ""],
        ["Lifecycle dashboard", "present" if storage.dashboard() else "absent", verdicts.of("STG-005")],
    ])
    lines += ["", f"**Lifecycle rules** — {verdicts.of('STG-001')}", ""]
    rules = ((props(storage.management_policy()).get("policy") or {}).get("rules")) or []
    lines += table(["rule", "enabled", "prefixes", "cool after", "archive after", "delete after",
                    "versions deleted after", "snapshots deleted after"],
                   [_rule_row(rule) for rule in rules]) if rules else ["No lifecycle policy."]
    lines += ["", f"**Inventory** — {verdicts.of('STG-002')}", ""]
    policy = props(storage.inventory_policy()).get("policy") or {}
    inventory = [[r.get("name"), r.get("enabled"), r.get("destination"), (r.get("definition") or {}).get("schedule"),
                  (r.get("definition") or {}).get("format")] for r in policy.get("rules") or []]
    lines += (table(["rule", "enabled", "into container", "schedule", "format"], inventory)
              if inventory else ["No inventory policy."])
    containers = sorted(c.get("name", "?") for c in storage.containers() or [])
    lines += ["", "Containers: " + (", ".join(f"`{name}`" for name in containers) or "none")]
    return Section("Storage", lines, nodes=[("st", f"Storage {storage.account_name}", "storage")],
                   edges=[("adb", "st", "reads/writes layers")])


def _retention(policy: dict[str, Any] | None) -> str:
    policy = policy or {}
    return f"on, {policy.get('days')} days" if policy.get("enabled") else "off"


def _rule_row(rule: dict[str, Any]) -> list[Any]:
    definition = rule.get("definition") or {}
    actions = definition.get("actions") or {}
    base = actions.get("baseBlob") or {}
    return [rule.get("name"), rule.get("enabled"), ", ".join((definition.get("filters") or {}).get("prefixMatch") or []),
            _days(base.get("tierToCool")), _days(base.get("tierToArchive")), _days(base.get("delete")),
            _days((actions.get("version") or {}).get("delete")), _days((actions.get("snapshot") or {}).get("delete"))]


def _days(step: dict[str, Any] | None) -> str:
    for key, value in (step or {}).items():
        if isinstance(value, (int, float)):
            return f"{value:g} days"
    return "—"
