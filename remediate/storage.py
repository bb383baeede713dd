"""Storage remediations: lifecycle rules, inventory, soft delete and the lifecycle dashboard.

Each keeps every rule and setting it did not come for: management-policy and inventory PUTs
replace the whole rule list, and a blob-service PUT replaces its properties, so every write sends
the live body with our additions merged in.
"""
from __future__ import annotations

import copy
from typing import Any

from medallion.change import Change
from medallion.desired import dashboard, inventory, lifecycle
from medallion.observe import Estate
from medallion.observe.common import PORTAL_API
from medallion.spec import Spec
from medallion.undo import STORAGE_API, at, created, fields, restore


def apply_lifecycle_rules(estate: Estate, spec: Spec) -> list[Change]:
    """Add our tiering rule for each layer that lacks one and a version/snapshot retention rule;
    raise (never lower) a retention that deletes too early. User rules stay as they are.
    Needs: Storage Account Contributor."""
    storage = estate.storage
    if storage.account() is None:
        return []
    live = storage.management_policy()
    rules = copy.deepcopy(lifecycle.rules_of(live))
    original = copy.deepcopy(rules)
    before = {rule["name"]: copy.deepcopy(rule) for rule in rules}
    for layer, want in spec.storage.lifecycle.items():
        if lifecycle.layer_gaps(rules, layer, want):
            _upsert(rules, lifecycle.layer_rule(layer, want))
    _extend_retention(rules, spec)
    if lifecycle.retention_gaps(rules, spec.storage):
        _upsert(rules, lifecycle.retention_rule(spec.storage))
        _extend_retention(rules, spec)
    changed = {r["name"]: r for r in rules if before.get(r["name"]) != r}
    if not changed:
        return []
    client = estate.arm.storage.management_policies
    body = {"properties": {"policy": {"rules": rules}}}
    # before and after are the whole rule list, the body value a rollback puts back
    undo = created(STORAGE_API, {}) if live is None else restore(STORAGE_API, "properties.policy.rules")
    return [Change(resource=f"{storage.account_id}/managementPolicies/default", field="policy.rules",
                   before=None if live is None else original, after=rules, undo=undo,
                   apply=lambda: client.create_or_update(storage.rg, storage.account_name, "default", body))]


def _upsert(rules: list[dict[str, Any]], rule: dict[str, Any]) -> None:
    for index, existing in enumerate(rules):
        if existing.get("name") == rule["name"]:
            rules[index] = rule
            return
    rules.append(rule)


def _extend_retention(rules: list[dict[str, Any]], spec: Spec) -> None:
    """Raise any version/snapshot deletion that comes before the spec's retention."""
    floors = {"version": spec.storage.versions_delete_after_days, "snapshot": spec.storage.snapshots_delete_after_days}
    for rule in rules:
        actions = (rule.get("definition") or {}).get("actions") or {}
        for target, floor in floors.items():
            step = (actions.get(target) or {}).get("delete") or {}
            for key in lifecycle.DAY_KEYS:
                if isinstance(step.get(key), (int, float)) and step[key] < floor:
                    step[key] = floor


def add_daily_inventory(estate: Estate, spec: Spec) -> list[Change]:
    """Create the inventory container if missing and add our daily rule; keep every other rule.
    Needs: Storage Account Contributor."""
    storage = estate.storage
    if storage.account() is None:
        return []
    want = spec.storage.inventory
    changes = []
    containers = {c.get("name") for c in storage.containers() or []}
    if want.container not in containers:
        containers_client = estate.arm.storage.blob_containers   # not `client`: rebound below, before it applies
        changes.append(Change(resource=f"{storage.account_id}/blobServices/default/containers/{want.container}",
                              field="container", before=None, after={"publicAccess": "None"},
                              undo=created(STORAGE_API, {"properties.publicAccess": "None"}),
                              apply=lambda: containers_client.create(storage.rg, storage.account_name, want.container,
                                                                     {"properties": {"publicAccess": "None"}})))
    live = storage.inventory_policy()
    rules = copy.deepcopy(inventory.inventory_rules(live))
    enabled = inventory.policy_enabled(live)
    if enabled and any(inventory.satisfies(rule, want) for rule in rules):
        return changes
    rules = [r for r in rules if r.get("name") != inventory.RULE_NAME] + [inventory.our_rule(want)]
    body = {"properties": {"policy": {"enabled": True, "type": "Inventory", "rules": rules}}}
    client = estate.arm.storage.blob_inventory_policies
    # an existing policy's before and after are its enabled flag and rules: a rollback takes back
    # our rule (by name) and keeps any added since
    undo = created(STORAGE_API, {"properties.policy.enabled": True}) if live is None else fields(
        STORAGE_API, {"enabled": "properties.policy.enabled", "rules": "properties.policy.rules"}, keys={"rules": "name"})
    changes.append(Change(resource=f"{storage.account_id}/inventoryPolicies/default",
                          field=f"policy.rules[{inventory.RULE_NAME}]" + ("" if enabled else " and policy.enabled"),
                          before=None if live is None else {"enabled": at(live, "properties.policy.enabled"),
                                                            "rules": inventory.inventory_rules(live)},
                          after=inventory.our_rule(want) if live is None else {"enabled": True, "rules": rules}, undo=undo,
                          apply=lambda: client.create_or_update(storage.rg, storage.account_name, "default", body)))
    return changes


def enable_blob_soft_delete(estate: Estate, spec: Spec) -> list[Change]:
    """Turn blob soft delete on with at least the spec's days; a longer retention is kept.
    Needs: Storage Account Contributor."""
    return _retention(estate, "deleteRetentionPolicy", spec.storage.blob_soft_delete_days)


def enable_container_soft_delete(estate: Estate, spec: Spec) -> list[Change]:
    """Turn container soft delete on with at least the spec's days; a longer retention is kept.
    Needs: Storage Account Contributor."""
    return _retention(estate, "containerDeleteRetentionPolicy", spec.storage.container_soft_delete_days)


def _retention(estate: Estate, field: str, days: int) -> list[Change]:
    storage = estate.storage
    service = storage.blob_service() if storage.account() is not None else None
    if service is None:
        return []
    props = copy.deepcopy(service.get("properties") or {})
    current = props.get(field) or {}
    wanted = {**current, "enabled": True, "days": max(int(current.get("days") or 0), days)}
    if current.get("enabled") and wanted == current:
        return []
    props[field] = wanted
    client = estate.arm.storage.blob_services
    return [Change(resource=f"{storage.account_id}/blobServices/default", field=field,
                   before=(service.get("properties") or {}).get(field), after=wanted,
                   undo=restore(STORAGE_API, f"properties.{field}"),
                   apply=lambda: client.set_service_properties(storage.rg, storage.account_name,
                                                               {"properties": props}))]


def create_lifecycle_dashboard(estate: Estate, spec: Spec) -> list[Change]:
    """Create the storage lifecycle dashboard when it is missing; an existing one is left alone.
    Needs: Contributor on the resource group (Microsoft.Portal/dashboards/write)."""
    storage = estate.storage
    if storage.dashboard() is not None:
        return []
    name = spec.storage.dashboard
    account = storage.account_id
    namespace = "microsoft.storage/storageaccounts"
    parts = [dashboard.markdown_part(0, 0, "Storage lifecycle", _lifecycle_text(spec)),
             dashboard.metric_part(6, 0, account, namespace, "UsedCapacity", "Used capacity"),
             dashboard.metric_part(0, 2, f"{account}/blobServices/default", f"{namespace}/blobservices",
                                   "BlobCapacity", "Blob capacity by tier"),
             dashboard.metric_part(6, 4, account, namespace, "Transactions", "Transactions")]
    body = dashboard.dashboard_body(spec.estate.location, name, parts)
    dashboard_id = spec.resource_id("Microsoft.Portal/dashboards", name)
    return [Change(resource=dashboard_id, field="dashboard", before=None, after={"parts": len(parts)},
                   undo=created(PORTAL_API, {"location": spec.estate.location}),
                   # written generic: azure-mgmt-portal's models empty every non-markdown part
                   apply=lambda: estate.arm.put_by_id(dashboard_id, body, api_version=PORTAL_API))]


def _lifecycle_text(spec: Spec) -> str:
    rows = [f"| {layer} | `{w.prefix}` | {w.cool_after_days} | {w.archive_after_days or '-'} |"
            for layer, w in spec.storage.lifecycle.items()]
    return "\n".join(["| layer | prefix | cool after (days) | archive after (days) |", "|---|---|---|---|", *rows])
