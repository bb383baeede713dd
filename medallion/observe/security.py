"""Readers for the security area: the VNet and its subnets, NSGs, private endpoints and their DNS,
the Key Vault, and the key-rotation Automation account.

The storage account itself is read through `estate.storage.account()`, so it is fetched once per
run whichever area looks at it.
"""
from __future__ import annotations

from typing import Any, Callable

from medallion.desired import network
from medallion.observe.common import absent_as_none, listed


class SecurityReads:
    """`estate.security`: every resource the SEC- checks look at, each read at most once."""

    def __init__(self, estate: Any) -> None:
        self._estate = estate
        spec = estate.spec
        self.spec = spec.security
        self.rg = spec.estate.resource_group
        self.vnet_name = self.spec.network.vnet
        self.vnet_id = spec.resource_id("Microsoft.Network/virtualNetworks", self.vnet_name)
        self.vault_name = spec.estate.key_vault
        self.vault_id = spec.resource_id("Microsoft.KeyVault/vaults", self.vault_name)
        self.automation_name = self.spec.rotation.automation_account
        self.automation_id = spec.resource_id("Microsoft.Automation/automationAccounts", self.automation_name)
        self.endpoints_wanted = network.endpoints_wanted(spec)

    def prefetch(self) -> list[Callable[[], Any]]:
        nsgs = [lambda n=name: self.nsg(n) for name in self._nsg_names()]
        zones = [call for want in self.endpoints_wanted
                 for call in (lambda z=want.zone: self.dns_zone(z), lambda z=want.zone: self.zone_links(z),
                              lambda e=want.name: self.zone_groups(e))]
        return [self.vnet, self.subnets, self.private_endpoints, self.vault, self.automation_account,
                self.runbook, self.published_runbook, self.schedules, self.job_schedules,
                self._estate.storage.account, *nsgs, *zones]

    def _nsg_names(self) -> list[str]:
        return [s.nsg for s in self.spec.network.subnets.values() if s.nsg]

    def _read(self, key: Any, what: str, call: Callable[[], Any]) -> Any:
        return self._estate.read(("security", key), call, doing=f"reading {what}")

    # --- network ------------------------------------------------------------------------------
    def vnet(self) -> dict[str, Any] | None:
        client = self._estate.arm.network.virtual_networks
        return self._read("vnet", f"virtual network {self.vnet_name}",
                          lambda: absent_as_none(lambda: client.get(self.rg, self.vnet_name)))

    def subnets(self) -> list[dict[str, Any]] | None:
        """Every subnet of the VNet (the user's too); None when the VNet is absent."""
        client = self._estate.arm.network.subnets
        return self._read("subnets", f"subnets of {self.vnet_name}",
                          lambda: listed(lambda: client.list(self.rg, self.vnet_name)))

    def subnet(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.subnets() or [] if s.get("name", "").lower() == name.lower()), None)

    def nsg(self, name: str) -> dict[str, Any] | None:
        client = self._estate.arm.network.network_security_groups
        return self._read(("nsg", name), f"network security group {name}",
                          lambda: absent_as_none(lambda: client.get(self.rg, name)))

    def private_endpoints(self) -> list[dict[str, Any]]:
        client = self._estate.arm.network.private_endpoints
        return self._read("endpoints", f"private endpoints in {self.rg}",
                          lambda: listed(lambda: client.list(self.rg)) or [])

    def zone_groups(self, endpoint: str) -> list[dict[str, Any]]:
        """The DNS zone groups of one private endpoint; [] when the endpoint does not exist."""
        client = self._estate.arm.network.private_dns_zone_groups
        return self._read(("zone groups", endpoint), f"DNS zone groups of private endpoint {endpoint}",
                          lambda: listed(lambda: client.list(endpoint, self.rg)) or [])

    def dns_zone(self, zone: str) -> dict[str, Any] | None:
        client = self._estate.arm.privatedns.private_zones
        return self._read(("zone", zone), f"private DNS zone {zone}",
                          lambda: absent_as_none(lambda: client.get(self.rg, zone)))

    def zone_links(self, zone: str) -> list[dict[str, Any]]:
        client = self._estate.arm.privatedns.virtual_network_links
        return self._read(("links", zone), f"VNet links of private DNS zone {zone}",
                          lambda: listed(lambda: client.list(self.rg, zone)) or [])

    # --- Key Vault ----------------------------------------------------------------------------
    def vault(self) -> dict[str, Any] | None:
        client = self._estate.arm.keyvault.vaults
        return self._read("vault", f"Key Vault {self.vault_name}",
                          lambda: absent_as_none(lambda: client.get(self.rg, self.vault_name)))

    def endpoint_target(self, want: Any) -> dict[str, Any] | None:
        """The storage account or vault a wanted private endpoint serves; None when it is absent."""
        return self.vault() if want.group == "vault" else self._estate.storage.account()

    # --- key rotation -------------------------------------------------------------------------
    def automation_account(self) -> dict[str, Any] | None:
        client = self._estate.arm.automation.automation_account
        return self._read("automation", f"Automation account {self.automation_name}",
                          lambda: absent_as_none(lambda: client.get(self.rg, self.automation_name)))

    def runbook(self) -> dict[str, Any] | None:
        name = self.spec.rotation.runbook
        client = self._estate.arm.automation.runbook
        return self._read("runbook", f"runbook {name}", lambda: absent_as_none(
            lambda: client.get(self.rg, self.automation_name, name)))

    def published_runbook(self) -> str | None:
        """The published content of the rotation runbook; None when nothing is published."""
        name = self.spec.rotation.runbook
        client = self._estate.arm.automation.runbook

        def load() -> str | None:
            from azure.core.exceptions import ResourceNotFoundError

            try:
                return _text(client.get_content(self.rg, self.automation_name, name))
            except ResourceNotFoundError:
                return None
        return self._read("runbook content", f"published content of runbook {name}", load)

    def schedules(self) -> list[dict[str, Any]] | None:
        client = self._estate.arm.automation.schedule
        return self._read("schedules", f"schedules of {self.automation_name}", lambda: listed(
            lambda: client.list_by_automation_account(self.rg, self.automation_name)))

    def job_schedules(self) -> list[dict[str, Any]] | None:
        client = self._estate.arm.automation.job_schedule
        return self._read("job schedules", f"job schedules of {self.automation_name}", lambda: listed(
            lambda: client.list_by_automation_account(self.rg, self.automation_name)))


def _text(content: Any) -> str:
    """Runbook content as text, whether the SDK hands back a str, bytes or an iterator of bytes."""
    if isinstance(content, str):
        return content
    if isinstance(content, (bytes, bytearray)):
        return content.decode("utf-8")
    return b"".join(content).decode("utf-8")
