"""Security remediations for the network: the VNet, its subnets, private endpoints and firewalls.

A VNet PUT replaces its whole subnet list, so subnets are only ever created or changed one at a
time through the subnets API; a storage or vault networkAcls write replaces both rule lists, so
every write carries the live rules with ours merged in. Locking a firewall down can cut people
off: that part is a separate, disruptive change, applied after the allow list is in place.
"""
from __future__ import annotations

import copy
from typing import Any

from medallion.change import Change, chained, staged
from medallion.undo import NETWORK_API, KEYVAULT_API, PRIVATE_DNS_API, STORAGE_API, created, fields, restore
from medallion.desired import network
from medallion.observe import Estate
from medallion.spec import Spec

DISRUPTIVE = "--allow-disruptive (or security.allow_disruptive = true in the estate spec)"
_READ_ONLY = ("provisioningState", "resourceGuid")


def create_vnet(estate: Estate, spec: Spec) -> list[Change]:
    """Create the VNet with the spec's address space, or add the prefixes it lacks.
    Needs: Network Contributor on the resource group."""
    sec, net = estate.security, spec.security.network
    client = estate.arm.network.virtual_networks
    live = sec.vnet()
    if live is None:
        body = {"location": spec.estate.location,
                "properties": {"addressSpace": {"addressPrefixes": list(net.address_space)}}}
        return [Change(resource=sec.vnet_id, field="virtualNetwork", before=None,
                       after={"addressPrefixes": list(net.address_space)},
                       undo=created(NETWORK_API, {"properties.addressSpace.addressPrefixes": list(net.address_space)},
                                    dependants=("properties.subnets",)),
                       apply=lambda: estate.arm.write(client.begin_create_or_update, sec.rg, sec.vnet_name, body))]
    have = list(((live.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or [])
    missing = [p for p in net.address_space if p not in have]
    if not missing:
        return []
    # Adding a prefix needs a VNet PUT: send the live body back whole, subnets included as just
    # read, so not one subnet is dropped (what `az network vnet update` does).
    body = copy.deepcopy(live)
    body["properties"]["addressSpace"] = {"addressPrefixes": have + missing}
    return [Change(resource=sec.vnet_id, field="addressSpace.addressPrefixes", before=have, after=have + missing,
                   # a rollback takes back the prefixes the fix added and keeps any added since
                   undo=restore(NETWORK_API, "properties.addressSpace.addressPrefixes", keyed=True),
                   apply=lambda: estate.arm.write(client.begin_create_or_update, sec.rg, sec.vnet_name, body))]


def add_missing_subnets(estate: Estate, spec: Spec) -> list[Change]:
    """Create each missing subnet, and add what an existing one lacks (delegation, NSG, service
    endpoints, private-endpoint policies), one subnet at a time, each once the NSG it needs exists
    (new ones are created side by side, while the subnets that need none go); the VNet's other
    subnets are never touched. Attaching an NSG to a subnet already in service is disruptive (it
    filters inbound traffic). Needs: Network Contributor."""
    sec = estate.security
    if sec.vnet() is None:
        return []
    nsgs: list[Change] = []
    ready: list[Change] = []       # subnets whose NSG exists (or that have none)
    waiting: list[Change] = []     # subnets whose NSG this fix creates
    for name, want in spec.security.network.subnets.items():
        live = sec.subnet(name)
        gaps = [g for g in network.subnet_gaps(live, name, want) if "prefix" not in g or live is None]
        if not gaps:
            continue
        nsg_id = _nsg(estate, spec, want.nsg, nsgs) if want.nsg else None
        body = network.merged_subnet(live, want, nsg_id)
        new_nsg = live is not None and bool(nsg_id) and not ((live.get("properties") or {}).get("networkSecurityGroup"))
        change = _subnet_change(estate, name, live, body, gaps, disruptive=new_nsg)
        (waiting if any(n.resource == nsg_id for n in nsgs) else ready).append(change)
    # one subnet at a time (a VNet takes one operation at a time): those that can go while the new
    # NSGs are created side by side, then those that need them
    return [change for nsg in nsgs for change in chained([nsg], nsg.resource)] + ready + staged(waiting, 1)


def _nsg(estate: Estate, spec: Spec, name: str, changes: list[Change]) -> str:
    """The NSG's id, planning its creation first when it does not exist."""
    sec = estate.security
    nsg_id = spec.resource_id("Microsoft.Network/networkSecurityGroups", name)
    if sec.nsg(name) is None and not any(c.resource == nsg_id for c in changes):
        client = estate.arm.network.network_security_groups
        changes.append(Change(resource=nsg_id, field="networkSecurityGroup", before=None,
                              after={"securityRules": "service defaults"},
                              undo=created(NETWORK_API, {}, dependants=("properties.subnets", "properties.networkInterfaces")),
                              apply=lambda: estate.arm.write(client.begin_create_or_update, sec.rg, name,
                                                             {"location": spec.estate.location})))
    return nsg_id


def _subnet_change(estate: Estate, name: str, live: dict[str, Any] | None, body: dict[str, Any],
                   gaps: list[str], *, disruptive: bool) -> Change:
    sec = estate.security
    client = estate.arm.network.subnets
    keys = ("addressPrefix", "delegations", "networkSecurityGroup", "serviceEndpoints", "privateEndpointNetworkPolicies")
    before = {k: (live.get("properties") or {}).get(k) for k in keys} if live else None
    after = {k: body["properties"].get(k) for k in keys if body["properties"].get(k) is not None}
    # an existing subnet's settings go back together; delegations and service endpoints merge by
    # name and service, so ones added since stay
    undo = fields(NETWORK_API, {k: f"properties.{k}" for k in after},
                  keys={"delegations": "name", "serviceEndpoints": "service"}) if live else created(
        NETWORK_API, {"properties.addressPrefix": after.get("addressPrefix")},
        dependants=("properties.ipConfigurations", "properties.privateEndpoints"))
    return Change(resource=f"{sec.vnet_id}/subnets/{name}", field="subnet" if live is None else "; ".join(gaps),
                  before=before, after=after, disruptive=disruptive, opt_in=DISRUPTIVE if disruptive else "",
                  undo=undo,
                  apply=lambda: estate.arm.write(client.begin_create_or_update, sec.rg, sec.vnet_name, name, body))


def create_private_endpoints(estate: Estate, spec: Spec) -> list[Change]:
    """For storage blob and dfs and the vault (those that exist): the privatelink DNS zone, its link
    to the VNet, an auto-approved private endpoint in the private-endpoint subnet, and its DNS zone
    group. What exists is kept; a zone group gets our zone added to its own. Needs: Network Contributor,
    Private DNS Zone Contributor, and .../privateEndpointConnectionsApproval/action on the targets."""
    sec = estate.security
    subnet = sec.subnet(spec.security.network.private_endpoint_subnet)
    if subnet is None:
        return []
    # the endpoints side by side; for each, its zone and the endpoint at once, then the zone's link
    # to the VNet and the endpoint's zone group (which needs both) at once
    return [change for want in sec.endpoints_wanted if sec.endpoint_target(want) is not None
            for change in _endpoint_changes(estate, spec, want, subnet["id"])]


def _endpoint_changes(estate: Estate, spec: Spec, want: network.EndpointWant, subnet_id: str) -> list[Change]:
    sec = estate.security
    zone_id = spec.resource_id("Microsoft.Network/privateDnsZones", want.zone)
    zone, link = _zone_change(estate, spec, want.zone, zone_id), _link_change(estate, want.zone, zone_id)
    first, then = [zone] if zone else [], [link] if link else []
    endpoint = _usable_endpoint(sec.private_endpoints(), want, subnet_id)
    if endpoint is None:
        if any(e.get("name", "").lower() == want.name.lower() for e in sec.private_endpoints()):
            # ours by name but misplaced: its subnet is fixed after creation; the check says so
            return chained(first, f"{want.name} zone") + staged(chained(then, f"{want.name} zone"), 1)
        created_endpoint = [_endpoint_change(estate, spec, want, subnet_id)]
        name, groups = want.name, []
    else:
        created_endpoint, name, groups = [], endpoint["name"], sec.zone_groups(endpoint["name"])
    group = _zone_group_change(estate, name, groups, want.zone, zone_id)
    return (chained(first, f"{want.name} zone") + chained(created_endpoint, want.name)
            + staged(chained(then, f"{want.name} zone") + chained([group] if group else [], want.name), 1))


def _usable_endpoint(endpoints: list[dict[str, Any]], want: network.EndpointWant, subnet_id: str) -> dict[str, Any] | None:
    return next((e for e in endpoints if network.endpoint_serves(e, want, subnet_id)), None)


def _zone_change(estate: Estate, spec: Spec, zone: str, zone_id: str) -> Change | None:
    sec = estate.security
    if sec.dns_zone(zone) is not None:
        return None
    zones = estate.arm.privatedns.private_zones
    return Change(resource=zone_id, field="privateDnsZone", before=None, after={"location": "global"},
                  undo=created(PRIVATE_DNS_API, {"location": "global"}),
                  apply=lambda: estate.arm.write(zones.begin_create_or_update, sec.rg, zone, {"location": "global"}))


def _link_change(estate: Estate, zone: str, zone_id: str) -> Change | None:
    sec = estate.security
    if any(network.same_id(((l.get("properties") or {}).get("virtualNetwork") or {}).get("id"), sec.vnet_id)
           for l in sec.zone_links(zone)):
        return None
    links, link = estate.arm.privatedns.virtual_network_links, f"{sec.vnet_name}-link"
    body = {"location": "global", "properties": {"virtualNetwork": {"id": sec.vnet_id}, "registrationEnabled": False}}
    return Change(resource=f"{zone_id}/virtualNetworkLinks/{link}", field="virtualNetworkLink",
                  before=None, after={"virtualNetwork": sec.vnet_name, "registrationEnabled": False},
                  undo=created(PRIVATE_DNS_API, {"properties.virtualNetwork.id": sec.vnet_id}),
                  apply=lambda: estate.arm.write(links.begin_create_or_update, sec.rg, zone, link, body))


def _endpoint_change(estate: Estate, spec: Spec, want: network.EndpointWant, subnet_id: str) -> Change:
    sec = estate.security
    client = estate.arm.network.private_endpoints
    body = {"location": spec.estate.location, "properties": {
        "subnet": {"id": subnet_id},
        "privateLinkServiceConnections": [{"name": want.name, "properties": {
            "privateLinkServiceId": want.target_id, "groupIds": [want.group]}}]}}
    return Change(resource=spec.resource_id("Microsoft.Network/privateEndpoints", want.name), field="privateEndpoint",
                  before=None, after={"target": want.target_name, "groupIds": [want.group],
                                      "subnet": subnet_id.rsplit("/", 1)[-1]},
                  # a connection someone added by hand means the endpoint is in use: it is kept
                  undo=created(NETWORK_API, {"properties.subnet.id": subnet_id},
                               dependants=("properties.manualPrivateLinkServiceConnections",)),
                  apply=lambda: estate.arm.write(client.begin_create_or_update, sec.rg, want.name, body))


def _zone_group_change(estate: Estate, endpoint: str, groups: list[dict[str, Any]], zone: str,
                       zone_id: str) -> Change | None:
    if any(network.group_points_at(g, zone_id) for g in groups):
        return None
    sec = estate.security
    live = next((g for g in groups if g.get("name") == network.ZONE_GROUP), None)
    configs = copy.deepcopy(((live or {}).get("properties") or {}).get("privateDnsZoneConfigs") or [])
    configs.append({"name": zone.replace(".", "-"), "properties": {"privateDnsZoneId": zone_id}})
    body = {"properties": {"privateDnsZoneConfigs": configs}}
    client = estate.arm.network.private_dns_zone_groups
    return Change(resource=f"{spec_endpoint_id(estate, endpoint)}/privateDnsZoneGroups/{network.ZONE_GROUP}",
                  field="privateDnsZoneConfigs", before=configs[:-1] if live is not None else None, after=configs,
                  # a rollback takes back the config the fix added (by name) and keeps any added since
                  undo=created(NETWORK_API, {}) if live is None else restore(NETWORK_API, "properties.privateDnsZoneConfigs",
                                                                                key="name"),
                  apply=lambda: estate.arm.write(client.begin_create_or_update, sec.rg, endpoint, network.ZONE_GROUP, body))


def spec_endpoint_id(estate: Estate, name: str) -> str:
    return estate.spec.resource_id("Microsoft.Network/privateEndpoints", name)


def lock_down_storage_network(estate: Estate, spec: Spec) -> list[Change]:
    """Allow-list the spec's ranges, the VNet's subnets and trusted services (kept with every rule
    of yours), then deny by default: that second step is disruptive and needs its opt-in.
    Needs: Storage Account Contributor."""
    account = estate.storage.account()
    if account is None:
        return []
    client = estate.arm.storage.storage_accounts
    storage = estate.storage

    def write(props: dict[str, Any]) -> Any:
        return client.update(storage.rg, storage.account_name, {"properties": props})
    return _lock_down(spec, storage.account_id, account.get("properties") or {}, "Microsoft.Storage", write,
                      single_ip_bare=True, api_version=STORAGE_API)


def lock_down_vault_network(estate: Estate, spec: Spec) -> list[Change]:
    """The same for the Key Vault: allow-list first, then deny by default (disruptive).
    Needs: Key Vault Contributor."""
    vault = estate.security.vault()
    if vault is None:
        return []
    sec = estate.security
    client = estate.arm.keyvault.vaults

    def write(props: dict[str, Any]) -> Any:
        return client.update(sec.rg, sec.vault_name, {"properties": props})
    return _lock_down(spec, sec.vault_id, vault.get("properties") or {}, "Microsoft.KeyVault", write,
                      single_ip_bare=False, api_version=KEYVAULT_API)


def _lock_down(spec: Spec, resource: str, props: dict[str, Any], service: str, write: Any, *,
               single_ip_bare: bool, api_version: str) -> list[Change]:
    """The allow list carries the whole networkAcls as before and after, so a rollback can put it
    back; the lock-down's two fields (defaultAction, publicNetworkAccess) are undone together."""
    access = spec.security.access
    live = props.get("networkAcls") or {}
    subnets = network.subnets_for(spec, service)
    merged = network.merged_allow_list(live, access.allowed_ranges, subnets, single_ip_bare=single_ip_bare)
    changes = []
    if merged != live:
        changes.append(Change(resource=resource, field="networkAcls (allow list)",
                              before=live or None, after=merged,
                              undo=restore(api_version, "properties.networkAcls"),
                              apply=lambda: write({"networkAcls": merged})))
    public = network.target_access(props, access.public_network_access, bool(access.runner_address))
    locked = {**merged, "defaultAction": "Deny"}
    if live.get("defaultAction") != "Deny" or public != (props.get("publicNetworkAccess") or "Enabled"):
        body = {"networkAcls": locked, "publicNetworkAccess": public}
        changes.append(Change(resource=resource, field="networkAcls.defaultAction, publicNetworkAccess",
                              before={"defaultAction": live.get("defaultAction"),
                                      "publicNetworkAccess": props.get("publicNetworkAccess")},
                              after={"defaultAction": "Deny", "publicNetworkAccess": public},
                              undo=fields(api_version, {"defaultAction": "properties.networkAcls.defaultAction",
                                                        "publicNetworkAccess": "properties.publicNetworkAccess"}),
                              disruptive=True, opt_in=DISRUPTIVE, apply=lambda: write(body)))
    return changes

