"""Compute remediations: create a missing layer cluster without leaving it running, repair one
setting at a time with a masked partial update, pin, and point layer jobs at their cluster.

`clusters/edit` and `jobs/reset` replace whole settings, so neither is used: `clusters/update`
with an update mask changes only the fields at fault, and `jobs/update` merges tasks by key.
Needs: CAN_MANAGE on the layer clusters and jobs (workspace admin to create clusters).
"""
from __future__ import annotations

import time
from typing import Any

from medallion.change import Change
from medallion.desired import compute
from medallion.observe import Estate
from medallion.spec import Spec

SETTLED = ("RUNNING", "TERMINATED", "ERROR", "UNKNOWN")
ACTIVE = ("PENDING", "RUNNING", "RESIZING", "RESTARTING")


def _single(estate: Estate, spec: Spec, layer: str) -> dict[str, Any] | None:
    """The one cluster with the layer's name, freshly read; None when absent or ambiguous."""
    found = estate.compute.clusters_named(spec.compute.layers[layer].cluster)
    return found[0] if len(found) == 1 else None


def create_layer_cluster(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Create the layer's dedicated cluster from the spec, then terminate (create always starts a
    cluster, and it must not bill) and pin it. Nothing happens when a cluster of the name exists."""
    name = spec.compute.layers[layer].cluster
    if estate.compute.clusters_named(name):
        return []
    version = spec.compute.new_cluster.spark_version or compute.newest_lts(estate.compute.spark_versions())
    if not version:
        return []
    body = compute.new_cluster_body(spec, name, version)
    client = estate.compute.client()
    undo: dict[str, Any] = {"kind": "cluster_created"}   # its id is known once created

    def apply() -> None:
        undo["cluster_id"] = _create_stopped(client, body)
    return [Change(resource=f"cluster {name}", field="cluster (created, terminated, pinned)", before=None,
                   after=body, undo=undo, apply=apply)]


def _create_stopped(client: Any, body: dict[str, Any]) -> str:
    """Create without waiting for it to start, terminate at once, then pin."""
    from databricks.sdk.service.compute import AutoScale, DataSecurityMode

    options = {**body, "autoscale": AutoScale.from_dict(body["autoscale"]),
               "data_security_mode": DataSecurityMode(body["data_security_mode"])}
    cluster_id = client.clusters.create(**options).cluster_id
    client.clusters.delete(cluster_id)  # terminate first: stop billing before anything else
    client.clusters.pin(cluster_id)
    return cluster_id


def _masked_update(estate: Estate, cluster: dict[str, Any], fields: dict[str, Any], *,
                   always_disruptive: bool = False, why: str = "") -> Change:
    """One partial update of `fields` only; disruptive when it restarts a running cluster."""
    client = estate.compute.client()
    cluster_id = cluster["cluster_id"]
    running = cluster.get("state") in ACTIVE
    disruptive = always_disruptive or running

    def apply() -> None:
        from databricks.sdk.service.compute import UpdateClusterResource

        _settle(client, cluster_id)
        resource = UpdateClusterResource.from_dict(fields)
        client.clusters.update(cluster_id, update_mask=",".join(sorted(fields)), cluster=resource)

    return Change(resource=f"cluster {cluster['cluster_name']} ({cluster_id})", field=",".join(sorted(fields)),
                  before={f: cluster.get(f) for f in fields}, after=fields, apply=apply,
                  undo={"kind": "cluster_fields", "cluster_id": cluster_id},
                  disruptive=disruptive, opt_in="--allow-disruptive" if disruptive else "")


def _settle(client: Any, cluster_id: str, attempts: int = 120) -> None:
    """Updates are refused while a cluster starts, resizes or restarts: wait for it to settle."""
    for attempt in range(attempts):
        state = client.clusters.get(cluster_id).state
        if state is None or state.value in SETTLED:
            return
        time.sleep(min(10, attempt))


def set_autotermination(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Turn auto-termination on, or bring it into range; a shorter limit in range is kept."""
    cluster = _single(estate, spec, layer)
    if cluster is None or compute.autotermination_gap(cluster, spec) is None:
        return []
    return [_masked_update(estate, cluster, {"autotermination_minutes": compute.wanted_autotermination(cluster, spec)})]


def move_to_lts_runtime(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Move the cluster to the newest LTS runtime of the same flavour. Always needs
    --allow-disruptive: pipeline code can behave differently on another runtime."""
    cluster = _single(estate, spec, layer)
    versions = estate.compute.spark_versions()
    if cluster is None or cluster.get("spark_version") in compute.lts_keys(versions):
        return []
    target = compute.newest_lts(versions, cluster.get("spark_version") or "")
    if target is None:
        return []
    return [_masked_update(estate, cluster, {"spark_version": target}, always_disruptive=True)]


def tag_layer_cluster(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Add the missing `layer`/`project` tags; every existing tag (and its value) stays."""
    cluster = _single(estate, spec, layer)
    if cluster is None or not compute.missing_tags(cluster, spec):
        return []
    tags = dict(cluster.get("custom_tags") or {})
    wanted = compute.wanted_tags(spec, cluster["cluster_name"])
    tags.update({tag: wanted[tag] for tag in compute.missing_tags(cluster, spec)})
    return [_masked_update(estate, cluster, {"custom_tags": tags})]


def restrict_access_mode(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Set the spec's access mode. Always needs --allow-disruptive: code written for another
    mode (or users it let in) may stop working."""
    cluster = _single(estate, spec, layer)
    if cluster is None or compute.access_mode(cluster) in spec.compute.access_modes:
        return []
    return [_masked_update(estate, cluster, {"data_security_mode": spec.compute.new_cluster.data_security_mode},
                           always_disruptive=True)]


def pin_layer_cluster(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Pin the cluster (pinning neither starts nor restarts it)."""
    cluster = _single(estate, spec, layer)
    if cluster is None or cluster["cluster_id"] in estate.compute.pinned_cluster_ids():
        return []
    client, cluster_id = estate.compute.client(), cluster["cluster_id"]
    return [Change(resource=f"cluster {cluster['cluster_name']} ({cluster_id})", field="pinned",
                   before=False, after=True, undo={"kind": "cluster_pin", "cluster_id": cluster_id},
                   apply=lambda: client.clusters.pin(cluster_id))]


def point_job_at_layer_cluster(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Point every task of the layer's job that runs elsewhere at the dedicated cluster. Tasks are
    merged by key (jobs/update), so every other task, schedule and notification stays."""
    cluster = _single(estate, spec, layer)
    jobs = estate.compute.layer_jobs(layer)
    if cluster is None or len(jobs) != 1:
        return []
    job, cluster_id = jobs[0], cluster["cluster_id"]
    moved = [compute.on_cluster(task, cluster_id) for task in compute.off_cluster_tasks(job, cluster_id)]
    if not moved:
        return []
    return [update_job_tasks(estate, job, moved, field="tasks[].existing_cluster_id")]


def update_job_tasks(estate: Estate, job: dict[str, Any], tasks: list[dict[str, Any]], *, field: str) -> Change:
    """A Change that merges whole `tasks` into the job by task key (never jobs/reset)."""
    client, job_id = estate.compute.client(), job["job_id"]
    keys = {t["task_key"] for t in tasks}
    before = {t["task_key"]: t for t in (job.get("settings") or {}).get("tasks") or [] if t.get("task_key") in keys}

    def apply() -> None:
        from databricks.sdk.service.jobs import JobSettings, Task

        client.jobs.update(job_id, new_settings=JobSettings(tasks=[Task.from_dict(t) for t in tasks]))

    return Change(resource=f"job {job_id} ({(job.get('settings') or {}).get('name')})", field=field,
                  before=before or None, after={t["task_key"]: t for t in tasks}, apply=apply,
                  undo={"kind": "job_tasks", "job_id": job_id})
