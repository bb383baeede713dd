"""Security: the VNet and its subnets, private endpoints, firewalls, Key Vault protection, and
scheduled rotation of the storage account keys."""
from __future__ import annotations

from dataclasses import asdict

from medallion.desired import network, rotation
from medallion.evidence import evidence, not_observed
from medallion.requirement import Severity, requirement
from remediate import security_keyvault as vault_fix
from remediate import security_network as net_fix
from remediate import security_rotation as rotation_fix


@requirement(id="SEC-001", area="security", severity=Severity.HIGH,
             title="The VNet exists with the spec's address space",
             fix=net_fix.create_vnet, controls=("MCSB:NS-1",))
def check_vnet_has_the_address_space(estate, spec):
    """VNet juicer-vnet exists and its address space holds every prefix the spec lists."""
    sec, want = estate.security, spec.security.network.address_space
    vnet = sec.vnet()
    have = (((vnet or {}).get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []
    evidence(observed={"vnet": sec.vnet_name, "id": (vnet or {}).get("id"), "address_prefixes": have},
             expected={"vnet": sec.vnet_name, "address_prefixes": list(want)})
    assert vnet is not None, (f"virtual network {sec.vnet_name} not found in {spec.estate.resource_group}; "
                              f"--fix creates it with address space {', '.join(want)} (subnets are added one by one).")
    missing = [p for p in want if p not in have]
    assert not missing, (f"{sec.vnet_name}: address space is {', '.join(have) or 'empty'}, lacks {', '.join(missing)}; "
                         "--fix adds the missing prefixes and keeps every subnet.")


@requirement(id="SEC-002", area="security", severity=Severity.HIGH,
             title="Every subnet the spec lists exists with its delegation, NSG and policies",
             fix=net_fix.add_missing_subnets, needs=("SEC-001",), controls=("MCSB:NS-1", "CIS-Azure-2.0:6.x"))
def check_subnets_are_as_specified(estate, spec):
    """The Databricks subnets are delegated to Microsoft.Databricks/workspaces, each with a network
    security group; the private-endpoint subnet has private-endpoint network policies disabled."""
    sec = estate.security
    gaps = [gap for name, want in spec.security.network.subnets.items()
            for gap in network.subnet_gaps(sec.subnet(name), name, want)]
    evidence(observed={"subnets": {name: _subnet_facts(sec.subnet(name)) for name in spec.security.network.subnets},
                       "gaps": gaps},
             expected={"subnets": {name: asdict(want) for name, want in spec.security.network.subnets.items()}})
    assert not gaps, (f"{sec.vnet_name}: " + "; ".join(gaps) + ". --fix creates or amends each of these subnets "
                      "on its own (never the VNet's subnet list), keeping every other subnet; attaching an NSG "
                      f"to a subnet already in use needs {net_fix.DISRUPTIVE}.")


@requirement(id="SEC-003", area="security", severity=Severity.HIGH,
             title="Storage (blob, dfs) and the Key Vault have approved private endpoints with private DNS",
             fix=net_fix.create_private_endpoints, needs=("SEC-002",), controls=("MCSB:NS-2",))
def check_private_endpoints_with_dns(estate, spec):
    """Each of storage blob, storage dfs and the vault has an approved private endpoint in the
    private-endpoint subnet whose DNS zone group points at its privatelink zone, linked to the VNet."""
    sec = estate.security
    subnet = sec.subnet(spec.security.network.private_endpoint_subnet)
    judged = [want for want in sec.endpoints_wanted if sec.endpoint_target(want) is not None]
    absent = sorted({want.target_name for want in sec.endpoints_wanted if want not in judged})
    gaps = [gap for want in judged for gap in _endpoint_gaps(estate, spec, want, subnet)]
    evidence(observed={"subnet": (subnet or {}).get("id"),
                       "private_endpoints": sorted(e.get("id") for e in sec.private_endpoints()), "gaps": gaps,
                       "targets_not_found": absent},
             expected={"endpoints": [{"target": w.target_name, "group": w.group, "zone": w.zone}
                                     for w in sec.endpoints_wanted]})
    assert not gaps, ("; ".join(gaps) + ". --fix creates the missing zones, VNet links, endpoints and zone "
                      "groups, keeping what exists." + (f" ({', '.join(absent)} not found: not judged.)" if absent else ""))
    if absent:   # what exists is fine, but an endpoint to what does not exist cannot be judged
        not_observed(f"{' and '.join(absent)} not found: its private endpoints cannot be judged")


def _endpoint_gaps(estate, spec, want, subnet) -> list[str]:
    __tracebackhide__ = True
    sec = estate.security
    what = f"{want.target_name} ({want.group})"
    gaps = []
    zone_id = spec.resource_id("Microsoft.Network/privateDnsZones", want.zone)
    if sec.dns_zone(want.zone) is None:
        gaps.append(f"private DNS zone {want.zone} is missing")
    elif not any(network.same_id(((l.get("properties") or {}).get("virtualNetwork") or {}).get("id"), sec.vnet_id)
                 for l in sec.zone_links(want.zone)):
        gaps.append(f"zone {want.zone} is not linked to {sec.vnet_name}")
    endpoint = next((e for e in sec.private_endpoints()
                     if subnet is not None and network.endpoint_serves(e, want, subnet["id"])), None)
    if endpoint is None:
        misplaced = any(e.get("name", "").lower() == want.name.lower() for e in sec.private_endpoints())
        return gaps + [f"{what}: no private endpoint in subnet {spec.security.network.private_endpoint_subnet}"
                       + (f" (endpoint {want.name} exists elsewhere; an endpoint's subnet cannot change: "
                          "delete it to let --fix recreate it)" if misplaced else "")]
    if not network.approved_on_target(sec.endpoint_target(want), endpoint["id"]):
        gaps.append(f"{what}: endpoint {endpoint['name']} is not approved on {want.target_name} "
                    "(approve its connection; --fix does not approve connections it did not create)")
    if not any(network.group_points_at(g, zone_id) for g in sec.zone_groups(endpoint["name"])):
        gaps.append(f"{what}: endpoint {endpoint['name']} has no DNS zone group pointing at {want.zone}")
    return gaps


@requirement(id="SEC-004", area="security", severity=Severity.HIGH,
             title="Storage denies by default, admitting only trusted services, the VNet and allow-listed ranges",
             fix=net_fix.lock_down_storage_network, needs=("SEC-002",),
             controls=("CIS-Azure-2.0:3.8", "CIS-Azure-2.0:3.9", "MCSB:NS-2"))
def check_lake_firewall_denies_by_default(estate, spec):
    """The storage account denies network access by default, allows trusted Azure services, the
    VNet's subnets and the spec's allow-listed ranges, and has public access as the spec says."""
    account = estate.storage.account()
    evidence(observed={"resource": spec.estate.storage_account, "exists": account is not None},
             expected={"resource": spec.estate.storage_account, "exists": True})
    if account is None:
        not_observed(f"storage account {spec.estate.storage_account} not found (the platform deployment creates it)")
    _rules_hold(spec, spec.estate.storage_account, account.get("properties") or {}, "Microsoft.Storage")


@requirement(id="SEC-005", area="security", severity=Severity.HIGH,
             title="The Key Vault denies by default, admitting only trusted services, the VNet and allow-listed ranges",
             fix=net_fix.lock_down_vault_network, needs=("SEC-002",), controls=("CIS-Azure-2.0:8.7", "MCSB:NS-2"))
def check_vault_firewall_denies_by_default(estate, spec):
    """The Key Vault denies network access by default, allows trusted Azure services, the VNet's
    subnets and the spec's allow-listed ranges, and has public access as the spec says."""
    vault = estate.security.vault()
    evidence(observed={"resource": spec.estate.key_vault, "exists": vault is not None},
             expected={"resource": spec.estate.key_vault, "exists": True})
    if vault is None:
        not_observed(f"Key Vault {spec.estate.key_vault} not found (the platform deployment creates it)")
    _rules_hold(spec, spec.estate.key_vault, vault.get("properties") or {}, "Microsoft.KeyVault")


def _rules_hold(spec, name: str, props: dict, service: str) -> None:
    __tracebackhide__ = True
    access = spec.security.access
    subnets = network.subnets_for(spec, service)
    gaps = network.acl_gaps(props, access.allowed_ranges, subnets, access.public_network_access)
    evidence(observed={"resource": name, "publicNetworkAccess": props.get("publicNetworkAccess"),
                       "networkAcls": props.get("networkAcls"), "gaps": gaps},
             expected={"default_action": "Deny", "bypass": "AzureServices", "subnets": list(subnets),
                       "ip_ranges": list(access.allowed_ranges), "publicNetworkAccess": access.public_network_access})
    pinned = (access.public_network_access == "Disabled" and access.runner_address
              and (props.get("publicNetworkAccess") or "Enabled") != "Disabled")
    why = (" --fix will not disable public access while security.access.runner_address is set: it would lock "
           "this runner out." if pinned else "")
    assert not gaps, (f"{name}: " + "; ".join(gaps) + ". --fix first adds the allow list (trusted services, "
                      f"subnets, {', '.join(access.allowed_ranges) or 'no named ranges'}) keeping every existing rule, "
                      f"then denies by default, which needs {net_fix.DISRUPTIVE}." + why)


@requirement(id="SEC-006", area="security", severity=Severity.CRITICAL,
             title="The Key Vault has soft delete and purge protection on",
             fix=vault_fix.protect_vault, controls=("CIS-Azure-2.0:8.5", "MCSB:DP-8"))
def check_vault_soft_delete_and_purge_protection(estate, spec):
    """Deleted secrets and keys stay recoverable, and nobody can purge them before their retention ends."""
    vault = estate.security.vault()
    props = (vault or {}).get("properties") or {}
    evidence(observed={"resource": (vault or {}).get("id") or spec.estate.key_vault, "exists": vault is not None,
                       **{f: props.get(f) for f in vault_fix.PROTECTIONS}},
             expected={"exists": True, **{f: True for f in vault_fix.PROTECTIONS}})
    if vault is None:
        not_observed(f"Key Vault {spec.estate.key_vault} not found (the platform deployment creates it)")
    off = [f for f in vault_fix.PROTECTIONS if props.get(f) is not True]
    assert not off, (f"{spec.estate.key_vault}: {' and '.join(off)} off; expected on. --fix turns it on, which can "
                     f"never be undone, so it needs {vault_fix.IRREVERSIBLE}.")


@requirement(id="SEC-007", area="security", severity=Severity.MEDIUM,
             title="The key-rotation Automation account exists with a system-assigned identity",
             fix=rotation_fix.create_automation_account, controls=("MCSB:IM-3",))
def check_rotation_account_has_identity(estate, spec):
    """Automation account juicer-key-rotation exists and signs in as its own system-assigned identity."""
    sec = estate.security
    account = sec.automation_account()
    evidence(observed={"account": sec.automation_name, "id": (account or {}).get("id"),
                       "identity": ((account or {}).get("identity") or {}).get("type")},
             expected={"account": sec.automation_name, "identity": "SystemAssigned"})
    assert account is not None, (f"Automation account {sec.automation_name} not found; --fix creates it (Basic) "
                                 "with a system-assigned identity.")
    kind = str((account.get("identity") or {}).get("type") or "None")
    assert "systemassigned" in kind.lower().replace(" ", ""), (
        f"{sec.automation_name}: identity is {kind}; expected a system-assigned identity. --fix adds it, "
        "keeping any user-assigned identities.")


@requirement(id="SEC-008", area="security", severity=Severity.MEDIUM,
             title="The storage-key rotation runbook is published",
             fix=rotation_fix.publish_rotation_runbook, needs=("SEC-007",), controls=("MCSB:IM-8", "CIS-Azure-2.0:3.4"))
def check_rotation_runbook_is_published(estate, spec):
    """Runbook rotate_storage_keys (a Python 3.10 runbook) regenerates the storage keys in turn and
    stores the new key in the Key Vault; its published content is the one for this estate."""
    sec, want = estate.security, spec.security.rotation
    runbook = sec.runbook()
    rb = (runbook or {}).get("properties") or {}
    evidence(observed={"runbook": want.runbook, "id": (runbook or {}).get("id"), "type": rb.get("runbookType"),
                       "runtime_environment": rb.get("runtimeEnvironment")},
             expected={"runbook": want.runbook, "type": "Python", "runtime_environment": want.runtime_environment,
                       "published": "runbooks/rotate_storage_keys.py for this estate"})
    assert runbook is not None, (f"runbook {want.runbook} not found in {sec.automation_name}; --fix creates it and "
                                 "publishes runbooks/rotate_storage_keys.py for this estate.")
    props = runbook.get("properties") or {}
    assert rotation.is_python(runbook, want.runtime_environment), (
        f"runbook {want.runbook} is a {props.get('runbookType')} runbook "
        f"({props.get('runtimeEnvironment') or 'no runtime environment'}); expected Python on "
        f"{want.runtime_environment}. Not fixed automatically: delete it or name another runbook in the spec.")
    published = sec.published_runbook()
    evidence(observed={"runbook": want.runbook, "id": runbook.get("id"), "type": rb.get("runbookType"),
                       "runtime_environment": rb.get("runtimeEnvironment"),
                       "published": "none" if published is None else
                       ("this estate's" if published == rotation.runbook_source(spec) else "other content")},
             expected={"runbook": want.runbook, "type": "Python", "runtime_environment": want.runtime_environment,
                       "published": "this estate's"})
    assert published == rotation.runbook_source(spec), (
        f"runbook {want.runbook}: " + ("nothing is published" if published is None else
                                       "the published content is not the rotation runbook for this estate")
        + "; --fix uploads the draft and publishes it.")


@requirement(id="SEC-009", area="security", severity=Severity.MEDIUM,
             title="A schedule runs the rotation runbook at least as often as the spec says",
             fix=rotation_fix.schedule_rotation, needs=("SEC-008",), controls=("CIS-Azure-2.0:3.4",))
def check_rotation_runs_often_enough(estate, spec):
    """An enabled, unexpired schedule linked to the rotation runbook by a job schedule runs it at
    least every `every_days` days (30 by default)."""
    sec, want = estate.security, spec.security.rotation
    schedules = {s.get("name", "").lower(): s for s in sec.schedules() or []}
    linked = [schedules.get(name) for runbook, name in map(rotation.link_of, sec.job_schedules() or [])
              if runbook == want.runbook.lower()]
    evidence(observed={"account": sec.automation_name, "linked_schedules": {str(s.get("name")): _cadence(s)
                                                                             for s in linked if s}},
             expected={"runbook": want.runbook, "enabled": True, "at_least_every_days": want.every_days})
    assert any(rotation.often_enough(s, want.every_days) for s in linked), (
        f"{sec.automation_name}: runbook {want.runbook} is linked to {len(linked)} schedule(s), none enabled and "
        f"repeating at least every {want.every_days} days"
        + "".join(f"; {s.get('name')}: {_cadence(s)}" for s in linked if s)
        + f". --fix makes schedule {want.schedule} run it every {want.every_days} days and links the two; "
        "other schedules are left alone.")


def _cadence(schedule: dict) -> str:
    props = schedule.get("properties") or {}
    state = "" if props.get("isEnabled", True) else "disabled, "
    return f"{state}every {props.get('interval')} {str(props.get('frequency')).lower()}(s)"


def _subnet_facts(subnet: dict | None) -> dict | None:
    """The subnet as read: prefix, delegations, NSG and private-endpoint policies."""
    if subnet is None:
        return None
    props = subnet.get("properties") or {}
    return {"id": subnet.get("id"), "address_prefix": props.get("addressPrefix"),
            "delegations": [(d.get("properties") or {}).get("serviceName") for d in props.get("delegations") or []],
            "nsg": (props.get("networkSecurityGroup") or {}).get("id"),
            "private_endpoint_network_policies": props.get("privateEndpointNetworkPolicies")}
