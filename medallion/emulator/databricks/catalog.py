"""What the workspace offers to build clusters from: runtimes (`clusters/spark-versions`) and Azure
node types (`clusters/list-node-types`). A realistic mix, so the SDK's `select_spark_version` and
`select_node_type` and an LTS check by name ("LTS") behave as against a real Azure workspace."""
from __future__ import annotations

from typing import Any

SPARK_VERSIONS: tuple[dict[str, str], ...] = tuple({"key": k, "name": n} for k, n in (
    ("17.3.x-scala2.13", "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)"),
    ("17.2.x-scala2.13", "17.2 (includes Apache Spark 4.0.0, Scala 2.13)"),
    ("16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("16.4.x-scala2.13", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)"),
    ("16.4.x-cpu-ml-scala2.12", "16.4 LTS ML (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("16.3.x-scala2.12", "16.3 (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("16.2.x-scala2.12", "16.2 (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-photon-scala2.12", "15.4 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-cpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-gpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)"),
    ("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("14.3.x-photon-scala2.12", "14.3 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("14.3.x-cpu-ml-scala2.12", "14.3 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("13.3.x-scala2.12", "13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)"),
    ("13.3.x-photon-scala2.12", "13.3 LTS Photon (includes Apache Spark 3.4.1, Scala 2.12)"),
    ("12.2.x-scala2.12", "12.2 LTS (includes Apache Spark 3.3.2, Scala 2.12)"),
))


def _node_type(node_id: str, cores: int, memory_gb: int, category: str, gpus: int = 0) -> dict[str, Any]:
    return {
        "node_type_id": node_id, "instance_type_id": node_id, "num_cores": float(cores),
        "memory_mb": memory_gb * 1024, "num_gpus": gpus, "category": category,
        "description": node_id, "is_deprecated": False, "is_hidden": False,
        "photon_driver_capable": gpus == 0, "photon_worker_capable": gpus == 0,
        "support_port_forwarding": True, "is_io_cache_enabled": node_id.startswith("Standard_L"),
    }


NODE_TYPES: tuple[dict[str, Any], ...] = (
    _node_type("Standard_DS3_v2", 4, 14, "General Purpose"),
    _node_type("Standard_DS4_v2", 8, 28, "General Purpose"),
    _node_type("Standard_DS5_v2", 16, 56, "General Purpose"),
    _node_type("Standard_D4ds_v5", 4, 16, "General Purpose"),
    _node_type("Standard_D8ds_v5", 8, 32, "General Purpose"),
    _node_type("Standard_E8ds_v4", 8, 64, "Memory Optimized"),
    _node_type("Standard_F4s", 4, 8, "Compute Optimized"),
    _node_type("Standard_L8s_v3", 8, 64, "Storage Optimized"),
    _node_type("Standard_NC6s_v3", 6, 112, "GPU Accelerated", gpus=1),
)
