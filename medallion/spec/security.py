"""Security: the VNet and its subnets, who may reach the data, Key Vault hardening, key rotation.

Defaults live in medallion.toml. Address ranges are kept as the strings the spec gives (CIDR or a
single address); medallion.desired.network compares them the way the services store them.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from medallion.spec.schema import SpecError


@dataclass(frozen=True)
class SubnetSpec:
    """One subnet of the VNet. An empty `nsg` means the subnet needs no network security group."""

    prefix: str
    delegation: str = ""                        # e.g. Microsoft.Databricks/workspaces
    nsg: str = ""
    service_endpoints: tuple[str, ...] = ()     # e.g. Microsoft.Storage: lets the firewalls allow it
    private_endpoint_policies: Literal["Enabled", "Disabled", ""] = ""   # "": leave as found


@dataclass(frozen=True)
class NetworkSpec:
    vnet: str = "juicer-vnet"
    address_space: tuple[str, ...] = ("10.139.0.0/16",)
    private_endpoint_subnet: str = "private-endpoints"
    subnets: dict[str, SubnetSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class AccessSpec:
    """Who may still reach the storage account and the Key Vault once they deny by default."""

    public_network_access: Literal["Enabled", "Disabled"] = "Enabled"
    operator_ranges: tuple[str, ...] = ()
    ci_ranges: tuple[str, ...] = ()
    runner_address: str = ""                    # where this suite runs from; never locked out

    def __post_init__(self) -> None:
        named = [("operator_ranges", r) for r in self.operator_ranges] + [("ci_ranges", r) for r in self.ci_ranges]
        named += [("runner_address", self.runner_address)] if self.runner_address else []
        for key, value in named:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise SpecError(f"'security.access.{key}' holds {value!r}, which is not an address or "
                                "CIDR range (e.g. 203.0.113.0/24)") from None

    @property
    def allowed_ranges(self) -> tuple[str, ...]:
        """Every range that must keep access: operators, CI, and the runner itself."""
        runner = (self.runner_address,) if self.runner_address else ()
        return tuple(dict.fromkeys((*self.operator_ranges, *self.ci_ranges, *runner)))


@dataclass(frozen=True)
class RotationSpec:
    automation_account: str = "juicer-key-rotation"
    runbook: str = "rotate_storage_keys"
    runtime_environment: str = "Python-3.10"
    schedule: str = "rotate-storage-keys"
    every_days: int = 30
    secret_name: str = "storage-account-key"
    grace_minutes: int = 15                     # apps' time to re-read the secret before the old key dies


@dataclass(frozen=True)
class SecuritySpec:
    allow_disruptive: bool = False              # same as --allow-disruptive, for this estate
    allow_irreversible: bool = False            # same as --allow-irreversible, for this estate
    network: NetworkSpec = field(default_factory=NetworkSpec)
    access: AccessSpec = field(default_factory=AccessSpec)
    rotation: RotationSpec = field(default_factory=RotationSpec)
