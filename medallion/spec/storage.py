"""Storage thresholds: soft delete, lifecycle tiering per layer, inventory, dashboard."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayerLifecycle:
    """Blobs under `prefix` move to cool, then archive, no later than these ages (days)."""

    prefix: str
    cool_after_days: int
    archive_after_days: int = 0  # 0: this layer is never archived


@dataclass(frozen=True)
class Inventory:
    """A blob inventory of every container, written to `container` on `schedule`."""

    container: str = "inventory"
    schedule: str = "Daily"
    format: str = "Csv"


@dataclass(frozen=True)
class StorageSpec:
    blob_soft_delete_days: int = 7
    container_soft_delete_days: int = 7
    versions_delete_after_days: int = 90
    snapshots_delete_after_days: int = 90
    dashboard: str = "juicer-storage-lifecycle-dashboard"
    lifecycle: dict[str, LayerLifecycle] = field(default_factory=dict)
    inventory: Inventory = field(default_factory=Inventory)
