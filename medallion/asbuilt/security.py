"""Network layout, endpoints and key rotation as built: VNet and subnets, private endpoints and
their DNS, the firewalls of storage and Key Vault, and the rotation runbook and schedule."""
from __future__ import annotations

from typing import Any

from medallion.asbuilt.model import Section, Verdicts, node_id, props, table


def render(estate: Any, verdicts: Verdicts) -> Section | None:
    security = estate.security
    lines, nodes, edges = [], [], []
    vnet = security.vnet()
    space = ", ".join((props(vnet).get("addressSpace") or {}).get("addressPrefixes") or []) if vnet else ""
    lines += [f"**Virtual network** `{security.vnet_name}`: "
              + (f"address space {space}" if vnet else "not found") + f" — {verdicts.of('SEC-001')}", ""]
    if vnet:
        nodes.append(("vnet", f"VNet {security.vnet_name} {space}", "security"))
        edges.append(("adb", "vnet", "injected"))
    subnets = security.subnets() or []
    lines += [f"**Subnets** — {verdicts.of('SEC-002')}", ""]
    lines += table(["subnet", "prefix", "delegation", "NSG"], [
        [s.get("name"), props(s).get("addressPrefix"),
         ", ".join(d.get("properties", {}).get("serviceName", "?") for d in props(s).get("delegations") or []),
         ((props(s).get("networkSecurityGroup") or {}).get("id") or "").rsplit("/", 1)[-1]] for s in subnets
    ]) if subnets else ["No subnets observed."]
    endpoints = security.private_endpoints() or []
    lines += ["", f"**Private endpoints** — {verdicts.of('SEC-003')}", ""]
    rows = []
    for endpoint in endpoints:
        links = props(endpoint).get("privateLinkServiceConnections") or []
        for link in links:
            target = (props(link).get("privateLinkServiceId") or "").rsplit("/", 1)[-1]
            groups = ", ".join(props(link).get("groupIds") or [])
            state = (props(link).get("privateLinkServiceConnectionState") or {}).get("status")
            rows.append([endpoint.get("name"), target, groups, state])
            node = node_id(f"pe_{endpoint.get('name')}")
            nodes.append((node, f"Private endpoint {endpoint.get('name')} ({groups})", "security"))
            edges.append(("vnet", node, ""))
    lines += table(["endpoint", "resource", "group", "connection"], rows) if rows else ["None observed."]
    lines += ["", *_firewalls(estate, verdicts), "", *_rotation(security, verdicts)]
    vault = security.vault()
    if vault:
        nodes.append(("kv", f"Key Vault {security.vault_name}", "security"))
    if security.automation_account():
        nodes.append(("aa", f"Automation {security.automation_name}", "security"))
        edges.append(("aa", "st", "rotates keys"))
        edges.append(("aa", "kv", "stores the new key"))
    return Section("Network, endpoints and key rotation", lines, nodes=nodes, edges=edges)


def _firewalls(estate: Any, verdicts: Verdicts) -> list[str]:
    account = props(estate.storage.account())
    vault = props(estate.security.vault())
    rows = []
    if account:
        acls = account.get("networkAcls") or {}
        rows.append(["Storage account", account.get("publicNetworkAccess") or "Enabled", acls.get("defaultAction"),
                     acls.get("bypass"), len(acls.get("ipRules") or []), len(acls.get("virtualNetworkRules") or []),
                     verdicts.of("SEC-004")])
    if vault:
        acls = vault.get("networkAcls") or {}
        rows.append(["Key Vault", vault.get("publicNetworkAccess") or "Enabled", acls.get("defaultAction"),
                     acls.get("bypass"), len(acls.get("ipRules") or []), len(acls.get("virtualNetworkRules") or []),
                     verdicts.of("SEC-005")])
        rows.append(["Key Vault protection", f"soft delete {vault.get('enableSoftDelete')}",
                     f"purge protection {vault.get('enablePurgeProtection')}", "", "", "", verdicts.of("SEC-006")])
    if not rows:
        return []
    return ["**Firewalls**", "", *table(["resource", "public access", "default action", "bypass", "IP rules",
                                         "VNet rules", "verdict"], rows)]


def _rotation(security: Any, verdicts: Verdicts) -> list[str]:
    account = security.automation_account()
    if account is None:
        return [f"**Key rotation**: Automation account `{security.automation_name}` not found — "
                f"{verdicts.of('SEC-007', 'SEC-008', 'SEC-009')}"]
    runbook = security.runbook()
    schedules = security.schedules() or []
    rows = [["Automation account", f"{security.automation_name} (identity "
                                   f"{(account.get('identity') or {}).get('type', 'none')})", verdicts.of("SEC-007")],
            ["Runbook", f"{runbook.get('name')} ({props(runbook).get('state')})" if runbook else "not found",
             verdicts.of("SEC-008")],
            ["Schedules", "; ".join(f"{s.get('name')}: every {props(s).get('interval')} {props(s).get('frequency')}"
                                    for s in schedules) or "none", verdicts.of("SEC-009")]]
    return ["**Key rotation**", "", *table(["part", "observed", "verdict"], rows)]
