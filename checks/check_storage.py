"""Storage: lifecycle tiering, inventory, soft delete, and the lifecycle dashboard."""
from __future__ import annotations

from medallion.desired import dashboard, inventory, lifecycle
from medallion.evidence import evidence, not_observed
from medallion.requirement import Severity, requirement
from remediate import storage as fix


def _account(estate) -> str:
    found = estate.storage.account()
    evidence(observed={"account": estate.storage.account_name, "id": (found or {}).get("id")},
             expected={"account": estate.storage.account_name, "exists": True})
    if found is None:
        not_observed(f"storage account {estate.storage.account_name} not found in "
                     f"{estate.spec.estate.resource_group} (the platform deployment creates it; --fix does not)")
    return estate.storage.account_name


@requirement(id="STG-001", area="storage", severity=Severity.MEDIUM,
             title="Lifecycle rules tier every layer and expire old versions and snapshots",
             fix=fix.apply_lifecycle_rules)
def check_lifecycle_rules_tier_every_layer(estate, spec):
    """Each layer's blobs move to cool (and archive) storage no later than the spec says, and
    previous versions and snapshots are deleted once past their retention, never before."""
    account = _account(estate)
    policy = estate.storage.management_policy()
    rules = lifecycle.rules_of(policy)
    gaps = [gap for layer, want in spec.storage.lifecycle.items() for gap in lifecycle.layer_gaps(rules, layer, want)]
    gaps += lifecycle.retention_gaps(rules, spec.storage)
    state = "no lifecycle policy" if policy is None else f"lifecycle policy with {len(rules)} rule(s)"
    evidence(observed={"resource": f"{account}/managementPolicies/default", "rules": [r.get("name") for r in rules],
                       "gaps": gaps},
             expected={"tiering": {layer: {"cool_after_days": w.cool_after_days,
                                           "archive_after_days": w.archive_after_days or None}
                                   for layer, w in spec.storage.lifecycle.items()},
                       "versions_deleted_after_days": spec.storage.versions_delete_after_days,
                       "snapshots_deleted_after_days": spec.storage.snapshots_delete_after_days})
    assert not gaps, (f"{account}: {state}: " + "; ".join(gaps) +
                      ". --fix adds a medallion-<layer> rule per uncovered layer and a version/snapshot "
                      "retention rule, keeping every existing rule.")


@requirement(id="STG-002", area="storage", severity=Severity.LOW,
             title="A daily blob inventory of every container is written to the inventory container",
             fix=fix.add_daily_inventory)
def check_daily_inventory_of_every_container(estate, spec):
    """An enabled inventory policy reports every container's blobs on the spec's schedule into
    the inventory container, and that container exists."""
    account = _account(estate)
    want = spec.storage.inventory
    policy = estate.storage.inventory_policy()
    rules = inventory.inventory_rules(policy)
    containers = {c.get("name") for c in estate.storage.containers() or []}
    problems = []
    if policy is None:
        problems.append("no inventory policy")
    elif not inventory.policy_enabled(policy):
        problems.append("the inventory policy is disabled")
    if not any(inventory.satisfies(rule, want) for rule in rules):
        problems.append(f"no enabled {want.schedule} blob rule over every container into '{want.container}' "
                        f"(rules: {', '.join(r.get('name', '?') for r in rules) or 'none'})")
    if want.container not in containers:
        problems.append(f"container '{want.container}' does not exist")
    evidence(observed={"policy_enabled": inventory.policy_enabled(policy) if policy else None,
                       "rules": [r.get("name") for r in rules], "containers": sorted(filter(None, containers))},
             expected={"schedule": want.schedule, "format": want.format, "container": want.container})
    assert not problems, (f"{account}: " + "; ".join(problems) +
                          f". --fix creates the container and adds rule {inventory.RULE_NAME}, keeping other rules.")


@requirement(id="STG-003", area="storage", severity=Severity.HIGH,
             title="Blob soft delete keeps deleted blobs for the configured days",
             fix=fix.enable_blob_soft_delete, controls=("CIS-Azure-2.0:3.11", "MCSB:BR-1"))
def check_blob_soft_delete_keeps_deleted_blobs(estate, spec):
    """Deleted blobs stay recoverable for at least the configured number of days."""
    _retention_holds(estate, "deleteRetentionPolicy", "blob soft delete", spec.storage.blob_soft_delete_days)


@requirement(id="STG-004", area="storage", severity=Severity.HIGH,
             title="Container soft delete keeps deleted containers for the configured days",
             fix=fix.enable_container_soft_delete, controls=("CIS-Azure-2.0:3.11", "MCSB:BR-1"))
def check_container_soft_delete_keeps_deleted_containers(estate, spec):
    """Deleted containers stay recoverable for at least the configured number of days."""
    _retention_holds(estate, "containerDeleteRetentionPolicy", "container soft delete",
                     spec.storage.container_soft_delete_days)


def _retention_holds(estate, field: str, what: str, days: int) -> None:
    __tracebackhide__ = True
    account = _account(estate)
    policy = ((estate.storage.blob_service() or {}).get("properties") or {}).get(field) or {}
    enabled, kept = bool(policy.get("enabled")), policy.get("days")
    observed = f"on, {kept} days" if enabled else "off"
    evidence(observed={"resource": f"{account}/blobServices/default", field: {"enabled": enabled, "days": kept}},
             expected={field: {"enabled": True, "days": f">= {days}"}})
    assert enabled and (kept or 0) >= days, (
        f"{account}: {what} is {observed}; expected on with at least {days} days. "
        f"--fix turns it on with {max(kept or 0, days)} days and keeps any longer retention.")


@requirement(id="STG-005", area="storage", severity=Severity.LOW,
             title="The storage lifecycle dashboard exists",
             fix=fix.create_lifecycle_dashboard)
def check_lifecycle_dashboard_exists(estate, spec):
    """Dashboard juicer-storage-lifecycle-dashboard shows the storage tiers and capacity."""
    name = spec.storage.dashboard
    found = estate.storage.dashboard()
    evidence(observed={"dashboard": name, "exists": found is not None, "parts": len(dashboard.parts_of(found))},
             expected={"dashboard": name, "exists": True, "parts": ">= 1"})
    assert found is not None, (f"dashboard {name} not found in {spec.estate.resource_group}; "
                               "--fix creates it with lifecycle, capacity and transaction views.")
    assert dashboard.parts_of(found), f"dashboard {name} has no parts; it was left empty (no automatic fix: it is yours)."
