"""What a compliant network looks like: subnets, private endpoints and firewall rules.

Shared by the SEC- checks (which list the gaps) and their fixes (which merge what is missing into
the live body). Nothing here reads or writes the cloud.
"""
from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass
from typing import Any

from medallion.spec.security import SubnetSpec

# Private-link DNS suffixes per cloud: (storage, Key Vault)
_ZONE_SUFFIX = {"public": ("core.windows.net", "vaultcore.azure.net"),
                "usgovernment": ("core.usgovcloudapi.net", "vaultcore.usgovcloudapi.net"),
                "china": ("core.chinacloudapi.cn", "vaultcore.azure.cn")}
ZONE_GROUP = "default"


@dataclass(frozen=True)
class EndpointWant:
    """One private endpoint the estate needs: which resource, which sub-resource, which DNS zone."""

    name: str
    target_id: str
    target_name: str
    group: str
    zone: str


def endpoints_wanted(spec: Any) -> list[EndpointWant]:
    """Storage blob and dfs, and the Key Vault's vault, each with its privatelink zone."""
    storage_suffix, vault_suffix = _ZONE_SUFFIX[spec.target.cloud]
    account, vault = spec.estate.storage_account, spec.estate.key_vault
    account_id = spec.resource_id("Microsoft.Storage/storageAccounts", account)
    vault_id = spec.resource_id("Microsoft.KeyVault/vaults", vault)
    return [EndpointWant(f"{account}-blob-pe", account_id, account, "blob", f"privatelink.blob.{storage_suffix}"),
            EndpointWant(f"{account}-dfs-pe", account_id, account, "dfs", f"privatelink.dfs.{storage_suffix}"),
            EndpointWant(f"{vault}-vault-pe", vault_id, vault, "vault", f"privatelink.{vault_suffix}")]


def same_id(a: str | None, b: str | None) -> bool:
    """ARM ids compare case-insensitively (services echo them in lower case)."""
    return bool(a) and bool(b) and a.rstrip("/").lower() == b.rstrip("/").lower()  # type: ignore[union-attr]


# --- subnets ----------------------------------------------------------------------------------
def subnet_gaps(subnet: dict[str, Any] | None, name: str, want: SubnetSpec) -> list[str]:
    """What subnet `name` lacks (observed vs. expected); [] when it is as the spec says."""
    if subnet is None:
        return [f"subnet {name} is missing (expected {want.prefix})"]
    props = subnet.get("properties") or {}
    prefixes = [props.get("addressPrefix")] + list(props.get("addressPrefixes") or [])
    gaps = []
    if want.prefix not in prefixes:
        gaps.append(f"subnet {name} has prefix {', '.join(p for p in prefixes if p) or 'none'}, expected "
                    f"{want.prefix} (not fixed automatically: re-addressing a subnet in use disconnects it)")
    if want.delegation and not has_delegation(props, want.delegation):
        gaps.append(f"subnet {name} is not delegated to {want.delegation}")
    if want.nsg and not (props.get("networkSecurityGroup") or {}).get("id"):
        gaps.append(f"subnet {name} has no network security group")
    missing = [s for s in want.service_endpoints if s.lower() not in service_endpoints(props)]
    if missing:
        gaps.append(f"subnet {name} lacks service endpoint(s) {', '.join(missing)}")
    if want.private_endpoint_policies and props.get("privateEndpointNetworkPolicies") != want.private_endpoint_policies:
        gaps.append(f"subnet {name} has private-endpoint network policies "
                    f"{props.get('privateEndpointNetworkPolicies') or 'unset'}, expected {want.private_endpoint_policies}")
    return gaps


def has_delegation(props: dict[str, Any], service: str) -> bool:
    return any(str((d.get("properties") or {}).get("serviceName", "")).lower() == service.lower()
               for d in props.get("delegations") or [])


def service_endpoints(props: dict[str, Any]) -> set[str]:
    return {str(s.get("service", "")).lower() for s in props.get("serviceEndpoints") or []}


def merged_subnet(live: dict[str, Any] | None, want: SubnetSpec, nsg_id: str | None) -> dict[str, Any]:
    """The subnet body to PUT: the live one with only what the spec adds (nothing of yours dropped)."""
    props = copy.deepcopy((live or {}).get("properties") or {})
    if live is None:
        props["addressPrefix"] = want.prefix
    if want.delegation and not has_delegation(props, want.delegation):
        name = want.delegation.replace("/", ".").lower()
        props.setdefault("delegations", []).append({"name": name, "properties": {"serviceName": want.delegation}})
    if nsg_id and not (props.get("networkSecurityGroup") or {}).get("id"):
        props["networkSecurityGroup"] = {"id": nsg_id}
    have = service_endpoints(props)
    for service in want.service_endpoints:
        if service.lower() not in have:
            props.setdefault("serviceEndpoints", []).append({"service": service})
    if want.private_endpoint_policies:
        props["privateEndpointNetworkPolicies"] = want.private_endpoint_policies
    return {"properties": props}


# --- firewall rules ---------------------------------------------------------------------------
def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def covered(wanted: str, rules: list[dict[str, Any]]) -> bool:
    """True when an existing IP rule already admits the whole of `wanted`."""
    want = _network(wanted)
    for rule in rules:
        have = _network(str(rule.get("value") or ""))
        if want is not None and have is not None and want.version == have.version and want.subnet_of(have):  # type: ignore[arg-type]
            return True
    return False


def acl_gaps(props: dict[str, Any], ranges: tuple[str, ...], subnet_ids: list[str], public_access: str) -> list[str]:
    """Why a resource's network rules are not as the spec says; [] when they are."""
    acls = props.get("networkAcls") or {}
    gaps = []
    if acls.get("defaultAction") != "Deny":
        gaps.append(f"default action is {acls.get('defaultAction') or 'Allow'}, expected Deny")
    if "azureservices" not in str(acls.get("bypass") or "").replace(" ", "").lower().split(","):
        gaps.append(f"trusted Azure services are not allowed (bypass {acls.get('bypass') or 'None'})")
    missing = [r for r in ranges if not covered(r, acls.get("ipRules") or [])]
    if missing:
        gaps.append(f"allow-listed range(s) {', '.join(missing)} not admitted")
    rules = acls.get("virtualNetworkRules") or []
    absent = [s.rsplit("/", 1)[-1] for s in subnet_ids
              if not any(same_id(r.get("id"), s) for r in rules)]
    if absent:
        gaps.append(f"subnet(s) {', '.join(absent)} not admitted")
    live_access = props.get("publicNetworkAccess") or "Enabled"
    if live_access != public_access and live_access != "Disabled":
        gaps.append(f"public network access is {live_access}, expected {public_access}")
    return gaps


def merged_allow_list(acls: dict[str, Any], ranges: tuple[str, ...], subnet_ids: list[str], *,
                      single_ip_bare: bool) -> dict[str, Any]:
    """The live rule set with every wanted range, subnet and the trusted-services bypass added.

    Every existing rule stays (a networkAcls PATCH replaces both lists). Storage wants a single
    address without `/32`; Key Vault accepts either.
    """
    merged = copy.deepcopy(acls)
    merged.setdefault("defaultAction", "Allow")
    bypass = [b.strip() for b in str(merged.get("bypass") or "").split(",") if b.strip() and b.strip() != "None"]
    if "azureservices" not in {b.lower() for b in bypass}:
        bypass.append("AzureServices")
    merged["bypass"] = ", ".join(bypass)
    ip_rules = merged.setdefault("ipRules", [])
    for value in ranges:
        if not covered(value, ip_rules):
            ip_rules.append(_ip_rule(value, single_ip_bare))
    vnet_rules = merged.setdefault("virtualNetworkRules", [])
    for subnet_id in subnet_ids:
        if not any(same_id(r.get("id"), subnet_id) for r in vnet_rules):
            vnet_rules.append({"id": subnet_id})
    return merged


def _ip_rule(value: str, single_ip_bare: bool) -> dict[str, Any]:
    net = _network(value)
    if single_ip_bare and net is not None and net.num_addresses == 1:
        return {"value": str(net.network_address), "action": "Allow"}
    return {"value": str(net) if net is not None else value, **({"action": "Allow"} if single_ip_bare else {})}


def target_access(props: dict[str, Any], want: str, ranges_needing_public: bool) -> str:
    """The public network access to write: never weaker than now, never locking out named ranges."""
    live = props.get("publicNetworkAccess") or "Enabled"
    if live == "Disabled" or want == "Enabled":
        return live
    return live if ranges_needing_public else want


def subnets_for(spec: Any, service: str) -> list[str]:
    """Ids of the spec's subnets with `service`'s endpoint: the ones its firewall must admit."""
    vnet_id = spec.resource_id("Microsoft.Network/virtualNetworks", spec.security.network.vnet)
    return [f"{vnet_id}/subnets/{name}" for name, want in spec.security.network.subnets.items()
            if service.lower() in {s.lower() for s in want.service_endpoints}]


# --- private endpoints ------------------------------------------------------------------------
def endpoint_serves(endpoint: dict[str, Any], want: EndpointWant, subnet_id: str) -> bool:
    """True when `endpoint` sits in the private-endpoint subnet and connects to want's sub-resource."""
    props = endpoint.get("properties") or {}
    if not same_id((props.get("subnet") or {}).get("id"), subnet_id):
        return False
    connections = (props.get("privateLinkServiceConnections") or []) + (props.get("manualPrivateLinkServiceConnections") or [])
    return any(same_id((c.get("properties") or {}).get("privateLinkServiceId"), want.target_id)
               and want.group.lower() in {g.lower() for g in (c.get("properties") or {}).get("groupIds") or []}
               for c in connections)


def approved_on_target(target: dict[str, Any] | None, endpoint_id: str) -> bool:
    """The target resource lists the endpoint's connection as Approved."""
    for connection in ((target or {}).get("properties") or {}).get("privateEndpointConnections") or []:
        props = connection.get("properties") or {}
        if same_id((props.get("privateEndpoint") or {}).get("id"), endpoint_id):
            return (props.get("privateLinkServiceConnectionState") or {}).get("status") == "Approved"
    return False


def group_points_at(group: dict[str, Any], zone_id: str) -> bool:
    return any(same_id((c.get("properties") or {}).get("privateDnsZoneId"), zone_id)
               for c in (group.get("properties") or {}).get("privateDnsZoneConfigs") or [])
