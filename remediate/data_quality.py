"""Data-quality remediations: import the project's quality notebooks, wire each into its layer's
job, and run a quality task that never ran once. Only our own notebook paths are ever written;
job tasks are merged by key. Needs: CAN_MANAGE on the quality folder and on the layer jobs.
"""
from __future__ import annotations

import base64
import posixpath
from datetime import timedelta
from typing import Any

from medallion import undo
from medallion.change import Change
from medallion.cloud.errors import CloudError
from medallion.desired import compute, quality
from medallion.observe import Estate
from medallion.spec import Spec
from remediate.compute import update_job_tasks


def import_quality_notebook(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Import the layer's notebook where none is (creating folders), or over a notebook of another
    language at our path. A folder or file at the path is left alone."""
    path = spec.data_quality.notebook_path(layer)
    found = estate.data_quality.notebook_source(path)
    if found is not None and (found["object_type"] != "NOTEBOOK" or found.get("language") == "PYTHON"):
        return []
    return [_import(estate, path, layer, found)]


def refresh_quality_notebook(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Overwrite a stale copy of our notebook with the project's current version."""
    path = spec.data_quality.notebook_path(layer)
    found = estate.data_quality.notebook_source(path)
    if found is None or found.get("source") is None or quality.is_current(found["source"], layer):
        return []
    return [_import(estate, path, layer, found)]


def _import(estate: Estate, path: str, layer: str, found: dict[str, Any] | None) -> Change:
    """Its before is the replaced notebook's language, digest and source (the rollback imports
    it again); the folders the import creates are noted when applied (the rollback removes them
    if they are empty again)."""
    source = quality.project_notebook(layer)
    client = estate.data_quality.client()
    digest = quality.digest(source)
    undo: dict[str, Any] = {"kind": "notebook", "path": path, "sha256": digest}

    def apply() -> None:
        from databricks.sdk.service.workspace import ImportFormat, Language

        undo["folders"] = _missing_folders(client, posixpath.dirname(path))
        client.workspace.mkdirs(posixpath.dirname(path))
        client.workspace.import_(path, content=base64.b64encode(source.encode()).decode(),
                                 format=ImportFormat.SOURCE, language=Language.PYTHON, overwrite=True)

    before = None if found is None else {"language": found.get("language"), "sha256": quality.digest(found["source"] or ""),
                                         "source": found["source"]}
    return Change(resource=f"notebook {path}", field="source", before=before,
                  after=f"the project's {layer} notebook (sha256 {digest})", undo=undo, apply=apply)


def _missing_folders(client: Any, folder: str) -> list[str]:
    """The folders `mkdirs(folder)` is about to create, innermost first."""
    from databricks.sdk.errors import NotFound

    missing = []
    while folder not in ("/", ""):
        try:
            client.workspace.get_status(folder)
            break
        except NotFound:
            missing.append(folder)
            folder = posixpath.dirname(folder)
    return missing


def add_quality_task(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Merge the quality task into the layer's job: after the main task, on the layer cluster,
    only when the main task succeeded. Every other task and setting stays."""
    clusters = estate.data_quality.clusters_named(spec.compute.layers[layer].cluster)
    jobs = estate.data_quality.layer_jobs(layer)
    if len(clusters) != 1 or len(jobs) != 1:
        return []
    job, cluster_id = jobs[0], clusters[0]["cluster_id"]
    main = compute.main_task_key(job, spec, layer)
    existing = quality.find_quality_task(job, spec, layer)
    if not main or not quality.task_gaps(existing, spec, layer, cluster_id, main):
        return []
    task = quality.quality_task(spec, layer, cluster_id, main, existing)
    return [update_job_tasks(estate, job, [task], field=f"tasks[{task['task_key']}]")]


def run_quality_task_once(estate: Estate, spec: Spec, layer: str) -> list[Change]:
    """Run the layer job's quality task once, only that task (jobs/run-now with `only`), when it
    has never run to an end, and wait for the run to end (at most data_quality.run_timeout_minutes),
    so DQ-004 has a run to judge. This costs compute: one run of the quality notebook on the layer
    cluster, which Databricks starts if it is terminated, reading the layer's table and appending
    its results to the results table. It is never undone (a run cannot be taken back), never
    started while a run of the task is in progress, and never repeated once the task ran, whatever
    its result: the suite does not change data. A run Databricks skips (the job already runs its
    `max_concurrent_runs` and does not queue) fails the fix in one line; the next --fix tries again.
    Needs: CAN_MANAGE_RUN on the layer job."""
    job, _ = compute.layer_job(estate.data_quality.layer_jobs(layer), spec, layer)
    if job is None:
        return []
    task = quality.find_quality_task(job, spec, layer)
    key = (task or {}).get("task_key") or spec.data_quality.task_key(layer)
    reads = estate.data_quality
    if reads.latest_task_run(job["job_id"], key) is not None or reads.task_run_in_progress(job["job_id"], key):
        return []
    client, job_id, minutes = estate.data_quality.client(), job["job_id"], spec.data_quality.run_timeout_minutes

    def apply() -> None:
        waiter = client.jobs.run_now(job_id, only=[key])
        try:
            run = waiter.result(timeout=timedelta(minutes=minutes))
        except TimeoutError:
            raise CloudError(f"job {job_id} run {waiter.run_id}: task {key} did not end within {minutes:g} min "
                             "(data_quality.run_timeout_minutes); it keeps running and the next audit judges it") from None
        state = run.state
        if state is not None and getattr(state.life_cycle_state, "value", None) == "SKIPPED":
            # the job was at its max_concurrent_runs and does not queue: nothing ran
            raise CloudError(f"job {job_id} run {waiter.run_id} was skipped, task {key} did not run: "
                             f"{state.state_message or 'the job is at its maximum of concurrent runs'} "
                             "The next --fix runs it once the job's active run has ended.")

    return [Change(resource=f"job {job_id} ({(job.get('settings') or {}).get('name')})", field=f"runs of task {key}",
                   before="never run to an end", after=f"one run of task {key} (jobs/run-now, only that task), ended",
                   apply=apply, undo=undo.never("a job run cannot be taken back: it ran once and used compute"))]

