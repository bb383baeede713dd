"""The medallion layers as built: each layer's cluster, job and quality notebook, from the workspace."""
from __future__ import annotations

from typing import Any

from medallion.asbuilt.model import Section, Verdicts, node_id, table


def render(estate: Any, verdicts: Verdicts) -> Section | None:
    spec = estate.spec
    layers = getattr(getattr(spec, "compute", None), "layers", {}) or {}
    if not layers:
        return None
    compute = estate.compute
    rows, nodes, edges = [], [], []
    for layer, want in layers.items():
        clusters = compute.clusters_named(want.cluster)
        cluster = clusters[0] if clusters else None
        jobs = compute.layer_jobs(layer)
        notebook_path = spec.data_quality.notebook_path(layer) if hasattr(spec, "data_quality") else ""
        notebook = estate.data_quality.notebook_source(notebook_path) if notebook_path else None
        quality_wired = any(notebook_path == ((t.get("notebook_task") or {}).get("notebook_path"))
                            for job in jobs for t in (job.get("settings") or {}).get("tasks") or [])
        rows.append([layer, _cluster(want.cluster, cluster, len(clusters)), _jobs(jobs),
                     f"{notebook_path} ({'present' if notebook else 'absent'}"
                     f"{', runs in the job' if quality_wired else ''})",
                     verdicts.area("compute", layer), verdicts.area("data_quality", layer)])
        layer_node = node_id(f"layer_{layer}")
        nodes.append((layer_node, f"{layer}: {want.cluster if cluster else 'no cluster'}", "compute"))
        edges.append(("adb", layer_node, ""))
        edges.append((layer_node, "st", f"{layer}/"))
    lines = table(["layer", "cluster (observed)", "job", "quality notebook", "compute verdict",
                   "data quality verdict"], rows)
    return Section("Medallion layers", lines, nodes=nodes, edges=edges)


def _cluster(name: str, cluster: dict[str, Any] | None, count: int) -> str:
    if cluster is None:
        return f"{name}: not found"
    auto = cluster.get("autotermination_minutes")
    text = (f"{name} ({cluster.get('spark_version')}, {cluster.get('data_security_mode') or 'no access mode'}, "
            f"auto-terminates after {auto} min)" if auto else f"{name} ({cluster.get('spark_version')}, never terminates)")
    return text + (f"; {count} clusters share this name" if count > 1 else "")


def _jobs(jobs: list[dict[str, Any]]) -> str:
    if not jobs:
        return "not found"
    return "; ".join(f"{(job.get('settings') or {}).get('name')} (job {job.get('job_id')}, "
                     f"{len((job.get('settings') or {}).get('tasks') or [])} task(s))" for job in jobs)
