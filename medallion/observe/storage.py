"""Readers for the storage account and what hangs off it."""
from __future__ import annotations

from typing import Any, Callable

from medallion.observe.common import absent_as_none, listed, read_dashboard


class StorageReads:
    """`estate.storage`: the account, its blob service, policies, containers and dashboard."""

    def __init__(self, estate: Any) -> None:
        self._estate = estate
        self.rg = estate.spec.estate.resource_group
        self.account_name = estate.spec.estate.storage_account
        self.account_id = estate.spec.resource_id("Microsoft.Storage/storageAccounts", self.account_name)

    def prefetch(self) -> list[Callable[[], Any]]:
        return [self.account, self.blob_service, self.management_policy, self.inventory_policy,
                self.containers, self.dashboard]

    def _read(self, what: str, call: Callable[[], Any]) -> Any:
        return self._estate.read(("storage", what), call, doing=f"reading {what} of {self.account_name}")

    def account(self) -> dict[str, Any] | None:
        client = self._estate.arm.storage.storage_accounts
        return self._read("account", lambda: absent_as_none(lambda: client.get_properties(self.rg, self.account_name)))

    def blob_service(self) -> dict[str, Any] | None:
        client = self._estate.arm.storage.blob_services
        return self._read("blob service", lambda: absent_as_none(
            lambda: client.get_service_properties(self.rg, self.account_name)))

    def management_policy(self) -> dict[str, Any] | None:
        client = self._estate.arm.storage.management_policies
        return self._read("lifecycle policy", lambda: absent_as_none(
            lambda: client.get(self.rg, self.account_name, "default")))

    def inventory_policy(self) -> dict[str, Any] | None:
        client = self._estate.arm.storage.blob_inventory_policies
        return self._read("inventory policy", lambda: absent_as_none(
            lambda: client.get(self.rg, self.account_name, "default")))

    def containers(self) -> list[dict[str, Any]] | None:
        client = self._estate.arm.storage.blob_containers
        return self._read("containers", lambda: listed(lambda: client.list(self.rg, self.account_name)))

    def dashboard(self) -> dict[str, Any] | None:
        return read_dashboard(self._estate, self._estate.spec.storage.dashboard)
