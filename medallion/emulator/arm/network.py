"""Microsoft.Network: VNets and subnets kept consistent both ways, private endpoints wired to their
subnet and target, DNS zone groups, NSGs, and private DNS zones with their VNet links.

The trap this reproduces: a VNet PUT replaces the whole subnet list, so a subnet missing from the
body is deleted, or the PUT fails with InUseSubnetCannotBeDeleted when something uses it.
"""
from __future__ import annotations

import copy
import uuid
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import Context
from medallion.emulator.arm_store import fold, parse

VNET = "Microsoft.Network/virtualNetworks"
SUBNET = f"{VNET}/subnets"
ENDPOINT = "Microsoft.Network/privateEndpoints"
_SUBNET_READ_ONLY = ("privateEndpoints", "ipConfigurations", "serviceAssociationLinks")
_DELEGATION_ACTIONS = {
    "microsoft.databricks/workspaces": [
        "Microsoft.Network/virtualNetworks/subnets/join/action",
        "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
        "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action"],
}


def _bad_reference(ref: str, by: str) -> arm.ArmError:
    return arm.ArmError(400, "InvalidResourceReference",
                        f"Resource {ref} referenced by resource {by} was not found. Please make sure "
                        "that the referenced resource exists, and that both resources are in the same region.")


def _subnet_in_use(ctx: Context, subnet: dict[str, Any]) -> str | None:
    """What uses a subnet (an id), or None: endpoints, NICs, service links, VNet-injected workspaces."""
    props = subnet.get("properties") or {}
    for key in _SUBNET_READ_ONLY:
        if props.get(key):
            return props[key][0].get("id", key)
    vnet_id = fold(parse(subnet["id"]).parent() or "")
    sub = parse(subnet["id"]).subscription
    for ws in ctx.store.of_type("Microsoft.Databricks/workspaces", f"/subscriptions/{sub}"):
        params = (ws.get("properties") or {}).get("parameters") or {}
        if fold((params.get("customVirtualNetworkId") or {}).get("value") or "/") != vnet_id:
            continue
        names = {str((params.get(k) or {}).get("value") or "").lower()
                 for k in ("customPublicSubnetName", "customPrivateSubnetName")}
        if subnet["name"].lower() in names:
            return ws["id"]
    return None


def _refuse_if_in_use(ctx: Context, subnet: dict[str, Any]) -> None:
    user = _subnet_in_use(ctx, subnet)
    if user:
        raise arm.ArmError(400, "InUseSubnetCannotBeDeleted",
                           f"Subnet {subnet['name']} is in use by {user} and cannot be deleted. In order "
                           "to delete the subnet, delete all the resources within the subnet. See "
                           "aka.ms/deletesubnet.")


def _normalise_subnet(subnet_id: str, props: dict[str, Any], old: dict[str, Any] | None) -> None:
    old_props = (old or {}).get("properties") or {}
    for key in _SUBNET_READ_ONLY:
        props.pop(key, None)
        if key in old_props:
            props[key] = copy.deepcopy(old_props[key])
    for delegation in props.get("delegations") or []:
        name = delegation.get("name") or "delegation"
        delegation.update(name=name, id=f"{subnet_id}/delegations/{name}",
                          type="Microsoft.Network/virtualNetworks/subnets/delegations")
        d_props = delegation.setdefault("properties", {})
        d_props.setdefault("actions", list(_DELEGATION_ACTIONS.get(
            str(d_props.get("serviceName", "")).lower(), [])))
        d_props["provisioningState"] = "Succeeded"
    props["provisioningState"] = "Succeeded"


def _vnet_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Make the subnet children match the body's list exactly (after checking nothing in use goes)."""
    props = new.setdefault("properties", {})
    wanted = props.pop("subnets", None) or []
    existing = {s["name"].lower(): s for s in ctx.store.children(new["id"], SUBNET)}
    for s in wanted:
        if not isinstance(s, dict) or not s.get("name"):
            raise arm.ArmError(400, "InvalidRequestFormat", "Every subnet in a VNet PUT needs a name.")
    listed = {s["name"].lower() for s in wanted}
    doomed = [s for name, s in existing.items() if name not in listed]
    for subnet in doomed:
        _refuse_if_in_use(ctx, subnet)
    for subnet in doomed:
        ctx.store.delete_tree(subnet["id"])
    for s in wanted:
        old_subnet = existing.get(s["name"].lower())
        subnet_id = old_subnet["id"] if old_subnet else f"{new['id']}/subnets/{s['name']}"
        body = {k: copy.deepcopy(v) for k, v in s.items() if k not in ("id", "name", "type")}
        _normalise_subnet(subnet_id, body.setdefault("properties", {}), old_subnet)
        ctx.store.put_raw(subnet_id, body)
    props.setdefault("virtualNetworkPeerings", [])


def _vnet_view(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    body.setdefault("properties", {})["subnets"] = [copy.deepcopy(s) for s in
                                                     ctx.store.children(body["id"], SUBNET)]
    return body


def _vnet_on_delete(ctx: Context, old: dict[str, Any]) -> None:
    for subnet in ctx.store.children(old["id"], SUBNET):
        _refuse_if_in_use(ctx, subnet)


def _subnet_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    _normalise_subnet(new["id"], new.setdefault("properties", {}), old)


def _subnet_on_delete(ctx: Context, old: dict[str, Any]) -> None:
    _refuse_if_in_use(ctx, old)


def _endpoint_connections(new: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    props = new.get("properties") or {}
    return ([(c, True) for c in props.get("privateLinkServiceConnections") or []]
            + [(c, False) for c in props.get("manualPrivateLinkServiceConnections") or []])


def _endpoint_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Check subnet and targets exist, then link: subnet.privateEndpoints, target connections."""
    pe_id, pe_name = new["id"], parse(new["id"]).name
    props = new.setdefault("properties", {})
    subnet_id = (props.get("subnet") or {}).get("id")
    if not subnet_id or ctx.store.get(subnet_id) is None:
        raise _bad_reference(subnet_id or "(no subnet)", pe_id)
    for conn, _ in _endpoint_connections(new):
        target = (conn.get("properties") or {}).get("privateLinkServiceId")
        if not target or ctx.store.get(target) is None:
            raise _bad_reference(target or "(no privateLinkServiceId)", pe_id)
    if old:
        _endpoint_on_delete(ctx, old)
    for i, (conn, automatic) in enumerate(_endpoint_connections(new)):
        name = conn.get("name") or f"{pe_name}-connection{i + 1}"
        kind = "privateLinkServiceConnections" if automatic else "manualPrivateLinkServiceConnections"
        c_props = conn.setdefault("properties", {})
        c_props["privateLinkServiceConnectionState"] = (
            {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"} if automatic
            else {"status": "Pending", "description": c_props.get("requestMessage", ""), "actionsRequired": "None"})
        c_props["provisioningState"] = "Succeeded"
        conn.update(name=name, id=f"{pe_id}/{kind}/{name}",
                    type=f"{ENDPOINT}/privateLinkServiceConnections")
        target = ctx.store.get(c_props["privateLinkServiceId"])
        connections = target.setdefault("properties", {}).setdefault("privateEndpointConnections", [])
        connections.append({
            "id": f"{target['id']}/privateEndpointConnections/{pe_name}.{uuid.uuid4()}",
            "name": f"{pe_name}.{uuid.uuid4().hex[:8]}", "type": f"{target['type']}/privateEndpointConnections",
            "properties": {"privateEndpoint": {"id": pe_id}, "groupIds": c_props.get("groupIds") or [],
                           "privateLinkServiceConnectionState": copy.deepcopy(
                               c_props["privateLinkServiceConnectionState"]),
                           "provisioningState": "Succeeded"}})
    props.setdefault("manualPrivateLinkServiceConnections", [])
    props.setdefault("customDnsConfigs", [])
    subnet = ctx.store.get(subnet_id)
    users = subnet.setdefault("properties", {}).setdefault("privateEndpoints", [])
    if all(fold(u.get("id", "")) != fold(pe_id) for u in users):
        users.append({"id": pe_id})


def _endpoint_on_create(ctx: Context, body: dict[str, Any]) -> None:
    p = parse(body["id"])
    nic = (body.get("properties") or {}).get("customNetworkInterfaceName") or \
        f"{p.name}.nic.{uuid.uuid4().hex[:8]}"
    group = "/".join(p.segments[:4])
    body.setdefault("properties", {})["networkInterfaces"] = [
        {"id": f"/{group}/providers/Microsoft.Network/networkInterfaces/{nic}"}]


def _endpoint_on_delete(ctx: Context, old: dict[str, Any]) -> None:
    """Unlink from the subnet and from every target's privateEndpointConnections."""
    pe = fold(old["id"])
    subnet = ctx.store.get(((old.get("properties") or {}).get("subnet") or {}).get("id") or "/")
    if subnet:
        props = subnet.setdefault("properties", {})
        props["privateEndpoints"] = [u for u in props.get("privateEndpoints") or [] if fold(u.get("id", "")) != pe]
    for conn, _ in _endpoint_connections(old):
        target = ctx.store.get((conn.get("properties") or {}).get("privateLinkServiceId") or "/")
        if target:
            props = target.setdefault("properties", {})
            props["privateEndpointConnections"] = [
                c for c in props.get("privateEndpointConnections") or []
                if fold(((c.get("properties") or {}).get("privateEndpoint") or {}).get("id", "")) != pe]


def _zone_group_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    for config in (new.get("properties") or {}).get("privateDnsZoneConfigs") or []:
        zone = (config.get("properties") or {}).get("privateDnsZoneId")
        if not zone or ctx.store.get(zone) is None:
            raise _bad_reference(zone or "(no privateDnsZoneId)", new["id"])
        config.setdefault("name", parse(zone).name.replace(".", "-"))
        config["properties"].setdefault("recordSets", [])


def _nsg_on_create(ctx: Context, body: dict[str, Any]) -> None:
    defaults = [("AllowVnetInBound", "Inbound", "Allow", 65000, "VirtualNetwork", "VirtualNetwork"),
                ("AllowAzureLoadBalancerInBound", "Inbound", "Allow", 65001, "AzureLoadBalancer", "*"),
                ("DenyAllInBound", "Inbound", "Deny", 65500, "*", "*"),
                ("AllowVnetOutBound", "Outbound", "Allow", 65000, "VirtualNetwork", "VirtualNetwork"),
                ("AllowInternetOutBound", "Outbound", "Allow", 65001, "*", "Internet"),
                ("DenyAllOutBound", "Outbound", "Deny", 65500, "*", "*")]
    body.setdefault("properties", {})["defaultSecurityRules"] = [
        {"name": name, "id": f"{body['id']}/defaultSecurityRules/{name}",
         "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
         "properties": {"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                        "sourceAddressPrefix": src, "destinationAddressPrefix": dst, "access": access,
                        "priority": prio, "direction": direction, "provisioningState": "Succeeded"}}
        for name, direction, access, prio, src, dst in defaults]


def _nsg_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    for rule in (new.get("properties") or {}).get("securityRules") or []:
        rule.update(id=f"{new['id']}/securityRules/{rule.get('name')}",
                    type="Microsoft.Network/networkSecurityGroups/securityRules")
        rule.setdefault("properties", {})["provisioningState"] = "Succeeded"


def _zone_on_create(ctx: Context, body: dict[str, Any]) -> None:
    body.setdefault("properties", {}).update(
        numberOfRecordSets=1, maxNumberOfRecordSets=25000, maxNumberOfVirtualNetworkLinks=1000,
        maxNumberOfVirtualNetworkLinksWithRegistration=100,
        internalId=f"emulator-{uuid.uuid4().hex}")


def _link_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    props = new.setdefault("properties", {})
    vnet = (props.get("virtualNetwork") or {}).get("id")
    if not vnet or ctx.store.get(vnet) is None:
        raise _bad_reference(vnet or "(no virtualNetwork.id)", new["id"])
    props["virtualNetworkLinkState"] = "Completed"
    new["location"] = "global"


def _global_location(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    new["location"] = "global"


arm.register(arm.TypeRule(type=VNET, on_put=_vnet_on_put, view=_vnet_view, on_delete=_vnet_on_delete))
arm.register(arm.TypeRule(type=SUBNET, read_only=_SUBNET_READ_ONLY, on_put=_subnet_on_put,
                          on_delete=_subnet_on_delete))
arm.register(arm.TypeRule(type=ENDPOINT, read_only=("networkInterfaces",), on_create=_endpoint_on_create,
                          on_put=_endpoint_on_put, on_delete=_endpoint_on_delete))
arm.register(arm.TypeRule(type=f"{ENDPOINT}/privateDnsZoneGroups", on_put=_zone_group_on_put))
arm.register(arm.TypeRule(type="Microsoft.Network/networkSecurityGroups", read_only=("defaultSecurityRules",),
                          on_create=_nsg_on_create, on_put=_nsg_on_put))
arm.register(arm.TypeRule(type="Microsoft.Network/privateDnsZones", on_create=_zone_on_create,
                          on_put=_global_location,
                          read_only=("numberOfRecordSets", "maxNumberOfRecordSets", "internalId",
                                     "maxNumberOfVirtualNetworkLinks",
                                     "maxNumberOfVirtualNetworkLinksWithRegistration")))
arm.register(arm.TypeRule(type="Microsoft.Network/privateDnsZones/virtualNetworkLinks", on_put=_link_on_put))
