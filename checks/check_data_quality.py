"""Data quality: each layer's quality notebook is in the workspace, current, and run by its job."""
from __future__ import annotations

import pytest

from medallion.desired import compute, quality
from medallion.evidence import evidence, not_observed
from medallion.observe.databricks import LAYERS
from medallion.requirement import Severity, requirement
from remediate import data_quality as fix


@requirement(id="DQ-001", area="data_quality", severity=Severity.HIGH,
             title="Each layer's quality notebook exists in the workspace",
             fix=fix.import_quality_notebook)
@pytest.mark.parametrize("layer", LAYERS)
def check_quality_notebook_exists(estate, spec, layer):
    """A Python notebook is at /Shared/InsightPulseAI/Juicer/data_quality/<layer>_quality."""
    path = spec.data_quality.notebook_path(layer)
    found = estate.data_quality.notebook_source(path)
    evidence(observed={"path": path, "object_type": (found or {}).get("object_type"),
                       "language": (found or {}).get("language")},
             expected={"path": path, "object_type": "NOTEBOOK", "language": "PYTHON"})
    assert found is not None, f"{path} does not exist. --fix imports the project's {layer} notebook (notebooks/data_quality/) there."
    what = f"{found['object_type']}" + (f" ({found['language']})" if found.get("language") else "")
    assert found["object_type"] == "NOTEBOOK" and found.get("language") == "PYTHON", (
        f"{path} is a {what}, not a Python notebook. "
        + ("--fix replaces it with the project's notebook." if found["object_type"] == "NOTEBOOK" else
           "--fix does not overwrite a folder or file: move it away."))


@requirement(id="DQ-002", area="data_quality", severity=Severity.MEDIUM,
             title="Each quality notebook is this project's current version",
             fix=fix.refresh_quality_notebook, needs=("DQ-001",))
@pytest.mark.parametrize("layer", LAYERS)
def check_quality_notebook_is_current(estate, spec, layer):
    """The workspace notebook's source is the project's current notebook for the layer."""
    path = spec.data_quality.notebook_path(layer)
    found = estate.data_quality.notebook_source(path)
    ours = quality.project_notebook(layer)
    source = (found or {}).get("source")
    evidence(observed={"path": path, "sha256": quality.digest(source) if source is not None else None},
             expected={"path": path, "sha256": quality.digest(ours), "current": "notebooks/data_quality/"})
    assert found is not None and source is not None, f"{path} is not a notebook (see DQ-001)."
    assert quality.is_current(found["source"], layer), (
        f"{path} is stale: its source (sha256 {quality.digest(found['source'])}) differs from "
        f"the project's {layer} notebook (notebooks/data_quality/, sha256 {quality.digest(ours)}). "
        "--fix imports the current version over it.")


@requirement(id="DQ-003", area="data_quality", severity=Severity.HIGH,
             title="Each layer's job runs its quality notebook after the main task succeeds",
             fix=fix.add_quality_task, needs=("CMP-001", "DQ-001"))
@pytest.mark.parametrize("layer", LAYERS)
def check_layer_job_runs_quality_task(estate, spec, layer):
    """The layer job has a task that runs the quality notebook on the layer's cluster, depends on
    the layer's main task, and runs only when it succeeded."""
    cluster, problem = compute.layer_cluster(estate.data_quality.clusters(), spec, layer)
    expected = {"notebook_path": spec.data_quality.notebook_path(layer), "task_key": spec.data_quality.task_key(layer),
                "cluster": spec.compute.layers[layer].cluster, "run_if": "after the main task succeeded"}
    evidence(observed={"cluster_id": (cluster or {}).get("cluster_id")}, expected=expected)
    assert cluster is not None, problem
    job, problem = compute.layer_job(estate.data_quality.layer_jobs(layer), spec, layer)
    evidence(observed={"cluster_id": cluster["cluster_id"], "job_id": (job or {}).get("job_id")}, expected=expected)
    assert job is not None, problem
    main = compute.main_task_key(job, spec, layer)
    assert main, (f"job {job['job_id']}: cannot tell the layer's main task; set "
                  f"compute.layers.{layer}.main_task in {spec.source}")
    task = quality.find_quality_task(job, spec, layer)
    gaps = quality.task_gaps(task, spec, layer, cluster["cluster_id"], main)
    evidence(observed={"cluster_id": cluster["cluster_id"], "job_id": job["job_id"], "main_task": main,
                       "quality_task": _task_facts(task), "gaps": gaps}, expected=expected)
    assert not gaps, (f"job {job['job_id']} ({(job.get('settings') or {}).get('name')}): " + "; ".join(gaps)
                      + f". --fix merges quality task {(task or {}).get('task_key') or spec.data_quality.task_key(layer)} "
                      "into the job (jobs/update), keeping every other task, schedule and notification.")


@requirement(id="DQ-004", area="data_quality", severity=Severity.HIGH,
             title="Each layer's latest quality run found no blocking breach",
             fix=fix.run_quality_task_once, needs=("DQ-003",))
@pytest.mark.parametrize("layer", LAYERS)
def check_latest_quality_run_passed(estate, spec, layer):
    """The newest completed run of the layer job in which the quality task ran: the task
    succeeded and its exit summary (runs/get-output) reports no error-level check failed. A job
    whose quality task has never run to an end has nothing to judge: not evaluated, and --fix
    runs the task once."""
    job, problem = compute.layer_job(estate.data_quality.layer_jobs(layer), spec, layer)
    evidence(observed={"job_id": (job or {}).get("job_id")}, expected="task SUCCESS; no error-level check failed")
    assert job is not None, problem
    task = quality.find_quality_task(job, spec, layer)
    key = quality.quality_task_key(job, spec, layer)
    found = estate.data_quality.latest_task_run(job["job_id"], key)
    if found is None:
        evidence(observed={"job_id": job["job_id"], "task_key": key, "latest_run": None},
                 expected="task SUCCESS; no error-level check failed")
        never = f"job {job['job_id']}'s task {key} has never run to an end"
        if task is None:
            not_observed(f"{never}: the job has no such task yet; --fix wires it (DQ-003), then runs it once "
                         "(jobs/run-now)", fix_observes=True)
        running = estate.data_quality.task_run_in_progress(job["job_id"], key)
        if running is not None:
            not_observed(f"{never}: run {running} of it is in progress; the next audit judges it")
        not_observed(f"{never}: none of the job's 25 newest completed runs ran it; --fix runs it once "
                     "(jobs/run-now)", fix_observes=True)
    evidence(observed={"job_id": job["job_id"], "task_key": key, **quality.run_summary(found)}, expected="task SUCCESS; no error-level check failed")
    findings = quality.run_findings(found)
    assert not findings, (f"job {job['job_id']} run {found['run'].get('run_id')} (task {key}): " + "; ".join(findings)
                          + f". See {spec.data_quality.results_table} for the failing rows; repair the data or the "
                          "thresholds and rerun the job (the suite does not change data; --fix runs the task only "
                          "when it has never run).")


def _task_facts(task: dict | None) -> dict | None:
    """The quality task as read: its key, notebook, cluster, dependencies and run condition."""
    if task is None:
        return None
    return {"task_key": task.get("task_key"), "notebook_path": (task.get("notebook_task") or {}).get("notebook_path"),
            "existing_cluster_id": task.get("existing_cluster_id"),
            "depends_on": [d.get("task_key") for d in task.get("depends_on") or []], "run_if": task.get("run_if")}
