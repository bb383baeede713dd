"""What a compliant dedicated layer cluster and layer job look like: shared by checks and fixes.

Everything here works on REST JSON (as `clusters/get`, `clusters/spark-versions` and `jobs/get`
return it), so the same rule judges what the check observed and what the fix is about to write.
"""
from __future__ import annotations

import re
from typing import Any

from medallion.spec import Spec

ACCESS_MODE_ALIASES = {"DATA_SECURITY_MODE_DEDICATED": "SINGLE_USER",
                       "DATA_SECURITY_MODE_STANDARD": "USER_ISOLATION"}
"""The newer API names of the same two access modes (dedicated = single user, standard = shared)."""

_VERSION = re.compile(r"^(\d+)\.(\d+)\.x-(.+)$")


def lts_keys(versions: list[dict[str, Any]]) -> set[str]:
    """Runtime keys the workspace itself labels LTS (the key never says so)."""
    return {v["key"] for v in versions if "LTS" in (v.get("name") or "").split()}


def _parts(key: str) -> tuple[tuple[int, int], str] | None:
    match = _VERSION.match(key or "")
    return ((int(match[1]), int(match[2])), match[3]) if match else None


def newest_lts(versions: list[dict[str, Any]], like: str = "") -> str | None:
    """The newest LTS runtime of the same flavour as `like` (ML, Photon, Scala version), else the
    newest plain one: moving a cluster to LTS must not silently drop its ML or Photon runtime."""
    candidates = [(parts, key) for key in lts_keys(versions) if (parts := _parts(key))]
    flavour = (_parts(like) or ((0, 0), ""))[1]
    same = [(parts[0], key) for parts, key in candidates if parts[1] == flavour]
    plain = [(parts[0], key) for parts, key in candidates if re.fullmatch(r"scala[\d.]+", parts[1])]
    chosen = same or plain
    return max(chosen)[1] if chosen else None


def autotermination_gap(cluster: dict[str, Any], spec: Spec) -> str | None:
    """Why the cluster's auto-termination is out of the spec's range, or None."""
    low, high = spec.compute.autotermination_min_minutes, spec.compute.autotermination_max_minutes
    minutes = cluster.get("autotermination_minutes") or 0
    if minutes == 0:
        return f"auto-termination is off; expected {low} to {high} minutes"
    if not low <= minutes <= high:
        return f"auto-termination is {minutes} minutes; expected {low} to {high}"
    return None


def wanted_autotermination(cluster: dict[str, Any], spec: Spec) -> int:
    """Clamp into the range: keep a shorter idle limit the user chose, never lengthen one in range."""
    low, high = spec.compute.autotermination_min_minutes, spec.compute.autotermination_max_minutes
    minutes = cluster.get("autotermination_minutes") or 0
    if minutes == 0:
        return max(low, min(high, spec.compute.new_cluster.autotermination_minutes))
    return max(low, min(high, minutes))


def access_mode(cluster: dict[str, Any]) -> str:
    mode = cluster.get("data_security_mode") or "NONE"
    return ACCESS_MODE_ALIASES.get(mode, mode)


def layers_of(spec: Spec, cluster_name: str) -> list[str]:
    """The layers that run on `cluster_name`, in the spec's order."""
    return [layer for layer, want in spec.compute.layers.items() if want.cluster == cluster_name]


def wanted_tags(spec: Spec, cluster_name: str) -> dict[str, str]:
    """The values --fix gives tags that are missing: layer(s) served, and the project."""
    values = {"layer": "-".join(layers_of(spec, cluster_name)), "project": spec.compute.project_tag}
    return {tag: values.get(tag, "medallion") for tag in spec.compute.required_tags}


def missing_tags(cluster: dict[str, Any], spec: Spec) -> list[str]:
    tags = cluster.get("custom_tags") or {}
    return [tag for tag in spec.compute.required_tags if not str(tags.get(tag) or "").strip()]


def new_cluster_body(spec: Spec, name: str, spark_version: str) -> dict[str, Any]:
    """The create request of a dedicated cluster: compliant in every respect the checks test."""
    new = spec.compute.new_cluster
    return {"cluster_name": name, "spark_version": spark_version, "node_type_id": new.node_type_id,
            "autoscale": {"min_workers": new.min_workers, "max_workers": new.max_workers},
            "autotermination_minutes": new.autotermination_minutes,
            "data_security_mode": new.data_security_mode, "custom_tags": wanted_tags(spec, name)}


def off_cluster_tasks(job: dict[str, Any], cluster_id: str) -> list[dict[str, Any]]:
    """The job's tasks that do not run on `cluster_id` (job clusters and serverless included)."""
    tasks = (job.get("settings") or {}).get("tasks") or []
    return [task for task in tasks if task.get("existing_cluster_id") != cluster_id]


def where_task_runs(task: dict[str, Any]) -> str:
    if task.get("existing_cluster_id"):
        return f"cluster {task['existing_cluster_id']}"
    if task.get("job_cluster_key"):
        return f"job cluster {task['job_cluster_key']}"
    if task.get("new_cluster"):
        return "a new per-run cluster"
    return "serverless compute"


def on_cluster(task: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    """The whole task, pointed at `cluster_id`: jobs/update replaces a task by key, so every other
    field of it is sent back as it was."""
    moved = {k: v for k, v in task.items() if k not in ("job_cluster_key", "new_cluster", "environment_key")}
    moved["existing_cluster_id"] = cluster_id
    return moved


def main_task_key(job: dict[str, Any], spec: Spec, layer: str) -> str | None:
    """The layer's main task: the spec's, else the one non-quality task nothing depends on."""
    tasks = (job.get("settings") or {}).get("tasks") or []
    named = spec.compute.layers[layer].main_task
    keys = [t.get("task_key") for t in tasks]
    if named:
        return named if named in keys else None
    quality = spec.data_quality.task_key(layer)
    path = spec.data_quality.notebook_path(layer)
    others = [t for t in tasks if t.get("task_key") != quality
              and (t.get("notebook_task") or {}).get("notebook_path") != path]
    upstream = {d.get("task_key") for t in others for d in t.get("depends_on") or []}
    sinks = [t["task_key"] for t in others if t.get("task_key") not in upstream]
    return sinks[0] if len(sinks) == 1 else None


def layer_cluster(clusters: list[dict[str, Any]], spec: Spec, layer: str) -> tuple[dict[str, Any] | None, str]:
    """The layer's dedicated cluster among `clusters`, or None and why (absent, or not unique)."""
    if layer not in spec.compute.layers:
        return None, f"the estate spec names no cluster for layer {layer}; add [compute.layers.{layer}]"
    name = spec.compute.layers[layer].cluster
    found = [c for c in clusters if c.get("cluster_name") == name]
    if not found:
        return None, (f"layer {layer}: no cluster named {name}. --fix creates it from [compute.new_cluster], "
                      "terminates it at once (it never keeps billing) and pins it.")
    if len(found) > 1:
        return None, (f"layer {layer}: {len(found)} clusters are named {name} "
                      f"({', '.join(c['cluster_id'] for c in found)}); expected exactly one. --fix does not "
                      "delete clusters: rename or delete the extra ones.")
    return found[0], ""


def layer_job(jobs: list[dict[str, Any]], spec: Spec, layer: str) -> tuple[dict[str, Any] | None, str]:
    """The layer's job among those its id or name found, or None and why."""
    want = spec.compute.layers[layer]
    if not (want.job_id or want.job_name):
        return None, f"layer {layer}: the estate spec names no job; set compute.layers.{layer}.job_id or job_name"
    if not jobs:
        named = f"job {want.job_id}" if want.job_id else f"job '{want.job_name}'"
        return None, f"layer {layer}: {named} not found; --fix does not create layer jobs (they are the pipeline's)."
    if len(jobs) > 1:
        return None, (f"layer {layer}: {len(jobs)} jobs are named '{want.job_name}' "
                      f"({', '.join(str(j['job_id']) for j in jobs)}); set compute.layers.{layer}.job_id.")
    return jobs[0], ""
