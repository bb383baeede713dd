"""Compute isolation: each layer's dedicated cluster, the limits every such cluster keeps, and
the layer jobs whose tasks must run on it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AccessMode = Literal["SINGLE_USER", "USER_ISOLATION", "NONE", "LEGACY_SINGLE_USER",
                     "LEGACY_TABLE_ACL", "LEGACY_PASSTHROUGH"]


@dataclass(frozen=True)
class LayerCompute:
    """One layer: its dedicated cluster (by name) and its job (by id, else by name)."""

    cluster: str
    job_id: int = 0          # 0: find the job by `job_name`
    job_name: str = ""
    main_task: str = ""      # "": the job's one task that nothing else depends on


@dataclass(frozen=True)
class NewCluster:
    """How --fix creates a missing dedicated cluster (it is terminated and pinned at once)."""

    spark_version: str = ""  # "": the newest plain LTS runtime the workspace offers
    node_type_id: str = "Standard_DS3_v2"
    min_workers: int = 1
    max_workers: int = 4
    autotermination_minutes: int = 30
    data_security_mode: AccessMode = "USER_ISOLATION"


@dataclass(frozen=True)
class ComputeSpec:
    autotermination_min_minutes: int = 10
    autotermination_max_minutes: int = 120
    access_modes: tuple[AccessMode, ...] = ("SINGLE_USER", "USER_ISOLATION")
    required_tags: tuple[str, ...] = ("layer", "project")
    project_tag: str = "juicer"  # the `project` tag's value when --fix has to set it
    layers: dict[str, LayerCompute] = field(default_factory=dict)
    new_cluster: NewCluster = field(default_factory=NewCluster)
