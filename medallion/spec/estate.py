"""The names of the estate's core resources."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EstateNames:
    """The resources every area hangs off. Defaults live in medallion.toml."""

    resource_group: str
    location: str
    databricks_workspace: str
    storage_account: str
    key_vault: str
