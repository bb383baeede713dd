"""Compute isolation: each layer runs on its own dedicated, pinned, self-terminating cluster."""
from __future__ import annotations

from typing import Any

import pytest

from medallion.desired import compute
from medallion.evidence import evidence, not_observed
from medallion.observe.databricks import LAYERS
from medallion.requirement import Severity, requirement
from remediate import compute as fix

EXISTS = ("CMP-001",)


def the_cluster(estate: Any, spec: Any, layer: str) -> dict[str, Any]:
    """The layer's dedicated cluster; fails unless exactly one cluster has its name."""
    __tracebackhide__ = True
    clusters = estate.compute.clusters()
    cluster, problem = compute.layer_cluster(clusters, spec, layer)
    want = spec.compute.layers[layer].cluster
    evidence(observed={"clusters_named": [c.get("cluster_id") for c in clusters if c.get("cluster_name") == want]},
             expected={"cluster": want, "count": 1})
    assert cluster is not None, problem
    return cluster


def _range(spec: Any) -> str:
    return f"{spec.compute.autotermination_min_minutes} to {spec.compute.autotermination_max_minutes} minutes"


def _job_wanted(spec: Any, layer: str) -> Any:
    want = spec.compute.layers[layer]
    return want.job_id or want.job_name


def _seen(cluster: dict[str, Any], observed: dict[str, Any], expected: dict[str, Any]) -> None:
    """Evidence about one cluster: which one it is, what was read from it, what the spec wants."""
    evidence(observed={"cluster": cluster.get("cluster_name"), "cluster_id": cluster.get("cluster_id"), **observed},
             expected=expected)


@requirement(id="CMP-001", area="compute", severity=Severity.HIGH,
             title="Each layer has exactly one dedicated cluster",
             fix=fix.create_layer_cluster, controls=("MCSB:AM-2",))
@pytest.mark.parametrize("layer", LAYERS)
def check_layer_has_one_dedicated_cluster(estate, spec, layer):
    """Exactly one cluster carries the layer's dedicated cluster name."""
    the_cluster(estate, spec, layer)


@requirement(id="CMP-002", area="compute", severity=Severity.MEDIUM,
             title="The layer cluster terminates itself when idle, within the allowed range",
             fix=fix.set_autotermination, needs=EXISTS)
@pytest.mark.parametrize("layer", LAYERS)
def check_cluster_autoterminates_within_range(estate, spec, layer):
    """Auto-termination is on and within the spec's range, so an idle cluster stops billing."""
    cluster = the_cluster(estate, spec, layer)
    gap = compute.autotermination_gap(cluster, spec)
    _seen(cluster, {"autotermination_minutes": cluster.get("autotermination_minutes") or 0},
          {"autotermination_minutes": _range(spec)})
    assert gap is None, (f"cluster {cluster['cluster_name']} ({cluster['cluster_id']}): {gap}. --fix sets "
                         f"{compute.wanted_autotermination(cluster, spec)} minutes with a partial update.")


@requirement(id="CMP-003", area="compute", severity=Severity.MEDIUM,
             title="The layer cluster runs a long-term-support runtime",
             fix=fix.move_to_lts_runtime, needs=EXISTS)
@pytest.mark.parametrize("layer", LAYERS)
def check_cluster_runs_lts_runtime(estate, spec, layer):
    """The runtime is one the workspace lists as LTS."""
    cluster = the_cluster(estate, spec, layer)
    versions = estate.compute.spark_versions()
    key = cluster.get("spark_version")
    target = compute.newest_lts(versions, key)
    _seen(cluster, {"spark_version": key}, {"spark_version": sorted(compute.lts_keys(versions))})
    if not versions:
        not_observed("the workspace lists no Spark runtime versions (clusters/spark-versions is empty)")
    assert key in compute.lts_keys(versions), (
        f"cluster {cluster['cluster_name']} ({cluster['cluster_id']}): runtime {key} is not an LTS release "
        f"of this workspace. --fix moves it to {target or 'an LTS runtime'} with --allow-disruptive "
        "(code may behave differently on another runtime).")


@requirement(id="CMP-004", area="compute", severity=Severity.LOW,
             title="The layer cluster is tagged with its layer and project",
             fix=fix.tag_layer_cluster, needs=EXISTS)
@pytest.mark.parametrize("layer", LAYERS)
def check_cluster_is_tagged(estate, spec, layer):
    """Tags `layer` and `project` are set, so costs can be attributed."""
    cluster = the_cluster(estate, spec, layer)
    missing = compute.missing_tags(cluster, spec)
    wanted = compute.wanted_tags(spec, cluster["cluster_name"])
    _seen(cluster, {"custom_tags": cluster.get("custom_tags") or {}}, {"tags_set": list(spec.compute.required_tags)})
    assert not missing, (f"cluster {cluster['cluster_name']} ({cluster['cluster_id']}): tag(s) "
                         f"{', '.join(missing)} not set (custom_tags: {cluster.get('custom_tags') or {}}). --fix adds "
                         f"{ {t: wanted[t] for t in missing} } and keeps every other tag.")


@requirement(id="CMP-005", area="compute", severity=Severity.HIGH,
             title="The layer cluster uses an allowed access mode",
             fix=fix.restrict_access_mode, needs=EXISTS, controls=("MCSB:PA-7",))
@pytest.mark.parametrize("layer", LAYERS)
def check_cluster_access_mode_allowed(estate, spec, layer):
    """The access mode isolates users: single user or user isolation by default."""
    cluster = the_cluster(estate, spec, layer)
    mode = compute.access_mode(cluster)
    allowed = spec.compute.access_modes
    _seen(cluster, {"access_mode": mode}, {"access_mode": list(allowed)})
    assert mode in allowed, (
        f"cluster {cluster['cluster_name']} ({cluster['cluster_id']}): access mode {mode}; expected one of "
        f"{', '.join(allowed)}. --fix sets {spec.compute.new_cluster.data_security_mode} with --allow-disruptive "
        "(code that needs the old mode may stop working).")


@requirement(id="CMP-006", area="compute", severity=Severity.LOW,
             title="The layer cluster is pinned",
             fix=fix.pin_layer_cluster, needs=EXISTS)
@pytest.mark.parametrize("layer", LAYERS)
def check_cluster_is_pinned(estate, spec, layer):
    """The cluster is pinned, so its configuration survives 30 days of termination."""
    cluster = the_cluster(estate, spec, layer)
    pinned = cluster["cluster_id"] in estate.compute.pinned_cluster_ids()
    _seen(cluster, {"pinned": pinned}, {"pinned": True})
    assert pinned, (
        f"cluster {cluster['cluster_name']} ({cluster['cluster_id']}) is not pinned; an unpinned terminated "
        "cluster disappears after 30 days. --fix pins it.")


def the_job(estate: Any, spec: Any, layer: str) -> dict[str, Any]:
    """The layer's job; fails unless the spec's id or name finds exactly one."""
    __tracebackhide__ = True
    jobs = estate.compute.layer_jobs(layer)
    job, problem = compute.layer_job(jobs, spec, layer)
    evidence(observed={"jobs": [j.get("job_id") for j in jobs]}, expected={"job": _job_wanted(spec, layer), "count": 1})
    assert job is not None, problem
    return job


@requirement(id="CMP-007", area="compute", severity=Severity.HIGH,
             title="Every task of the layer's job runs on the layer's dedicated cluster",
             fix=fix.point_job_at_layer_cluster, needs=EXISTS)
@pytest.mark.parametrize("layer", LAYERS)
def check_layer_job_runs_on_dedicated_cluster(estate, spec, layer):
    """No task of the layer's job runs on shared or other compute."""
    cluster = the_cluster(estate, spec, layer)
    job = the_job(estate, spec, layer)
    off = compute.off_cluster_tasks(job, cluster["cluster_id"])
    tasks = (job.get("settings") or {}).get("tasks") or []
    evidence(observed={"job_id": job["job_id"], "tasks": {t.get("task_key"): compute.where_task_runs(t) for t in tasks}},
             expected={"every_task_on": f"{cluster['cluster_name']} ({cluster['cluster_id']})"})
    if not tasks:
        not_observed(f"job {job['job_id']} has no tasks, so none can be judged")
    assert not off, (
        f"job {job['job_id']} ({(job.get('settings') or {}).get('name')}): "
        + "; ".join(f"task {t.get('task_key')} runs on {compute.where_task_runs(t)}" for t in off)
        + f"; expected {cluster['cluster_name']} ({cluster['cluster_id']}). --fix points those tasks at it with "
        "jobs/update, keeping every other task and setting.")
