"""Readers for the Databricks workspace: clusters, runtimes, the layer jobs and quality notebooks.

databricks.sdk is imported inside the readers (`medallion.cloud.databricks.import_sdk`): a run that
selects only other areas never loads it. Every answer is kept as its REST JSON (`as_dict()`).
"""
from __future__ import annotations

import base64
import itertools
from typing import Any, Callable, Iterable

from medallion.cloud.databricks import import_sdk
from medallion.cloud.errors import CloudError
from medallion.desired import compute, quality
from medallion.observe.common import absent_as_none

LAYERS = ("bronze", "silver", "gold", "platinum")


def absent_on_not_found(call: Callable[[], Any]) -> Any:
    """Run a workspace read; NotFound (a missing object) is None, anything else raises."""
    from databricks.sdk.errors import NotFound

    try:
        return call()
    except NotFound:
        return None


class DatabricksReads:
    """What the compute and data-quality checks look at in the workspace. Both areas share one
    memo (keys start with "databricks"), so a read either makes is made once."""

    def __init__(self, estate: Any) -> None:
        self._estate = estate
        self.spec = estate.spec
        self.rg = estate.spec.estate.resource_group
        self.workspace_name = estate.spec.estate.databricks_workspace

    def prefetch(self) -> list[Callable[[], Any]]:
        # the workspace's URL first (a small SDK import, then a Resource Manager read), then
        # databricks.sdk, whose import overlaps that read and the other areas' first ones
        return [self.host, import_sdk, self.clusters,
                *[lambda layer=layer: self.layer_jobs(layer) for layer in self._layers()]]

    def _layers(self) -> list[str]:
        """The spec's layers this view prefetches (Estate.layers)."""
        return [layer for layer in self._in_view(LAYERS) if layer in self.spec.compute.layers]

    def _in_view(self, layers: Iterable[str]) -> list[str]:
        return [layer for layer in layers if self._estate.layers is None or layer in self._estate.layers]

    def _read(self, key: Any, what: str, call: Callable[[], Any]) -> Any:
        def load() -> Any:
            import_sdk()   # before the loader imports any of it itself
            return call()
        return self._estate.read(("databricks", key), load, doing=f"reading {what}")

    def host(self) -> str:
        """The workspace host: the spec's, else the ARM workspace's `workspaceUrl`, read once per
        run: no fix changes it, and each fresh view of a --fix would otherwise wait for it before
        its first Databricks read."""
        if self.spec.target.databricks_host:
            return self.spec.target.databricks_host
        kept = self._estate.lasting.get("databricks host")
        return kept or self._estate.lasting.setdefault("databricks host", self._workspace_url())

    def _workspace_url(self) -> str:
        client = self._estate.arm.databricks.workspaces
        found = self._estate.read(("databricks", "arm workspace"), lambda: absent_as_none(
            lambda: client.get(self.rg, self.workspace_name)),
            doing=f"reading Databricks workspace {self.workspace_name}")
        url = ((found or {}).get("properties") or {}).get("workspaceUrl")
        if not url:
            raise CloudError(f"Databricks workspace {self.workspace_name} not found in {self.rg} (or it has no "
                             "workspaceUrl yet); set target.databricks_host or estate.databricks_workspace")
        return url

    def client(self) -> Any:
        """The workspace client (`medallion.cloud.databricks.Workspace`); built once per run by the connections."""
        host = self.host()
        import_sdk()
        return self._estate.connections.workspace(host)

    def clusters(self) -> list[dict[str, Any]]:
        """Every cluster the workspace lists (active, pinned, or terminated within 30 days)."""
        return self._read("clusters", "the workspace's clusters",
                          lambda: [c.as_dict() for c in self.client().clusters.list()])

    def clusters_named(self, name: str) -> list[dict[str, Any]]:
        return [c for c in self.clusters() if c.get("cluster_name") == name]

    def pinned_cluster_ids(self) -> frozenset[str]:
        """Pinning is not a field of ClusterDetails; the pinned filter of clusters/list shows it."""
        def load() -> frozenset[str]:
            from databricks.sdk.service.compute import ListClustersFilterBy

            listed = self.client().clusters.list(filter_by=ListClustersFilterBy(is_pinned=True))
            return frozenset(c.cluster_id for c in listed if c.cluster_id)
        return self._read("pinned", "the workspace's pinned clusters", load)

    def spark_versions(self) -> list[dict[str, Any]]:
        """The runtimes the workspace offers, `{key, name}`; LTS shows in the name only."""
        return self._read("spark versions", "the workspace's runtime versions",
                          lambda: [v.as_dict() for v in self.client().clusters.spark_versions().versions or []])

    def layer_jobs(self, layer: str) -> list[dict[str, Any]]:
        """The layer's job(s) with their settings and tasks: by id (jobs/get, one or none) or every
        job of the name (one jobs/list with `expand_tasks`, which carries them; the SDK pages a job
        of over 100 tasks through jobs/get)."""
        want = self.spec.compute.layers[layer]
        if want.job_id:
            return self._read(("job", want.job_id), f"job {want.job_id}", lambda: [
                job.as_dict() for job in [absent_on_not_found(lambda: self.client().jobs.get(want.job_id))] if job])
        if not want.job_name:
            return []

        return self._read(("job", want.job_name), f"job {want.job_name}", lambda: [
            job.as_dict() for job in self.client().jobs.list(name=want.job_name, expand_tasks=True)])

    def notebook_source(self, path: str) -> dict[str, Any] | None:
        """`{object_type, language, source}` of the workspace object at `path`, or None."""
        def load() -> dict[str, Any] | None:
            from databricks.sdk.service.workspace import ExportFormat

            workspace = self.client().workspace
            status = absent_on_not_found(lambda: workspace.get_status(path))
            if status is None:
                return None
            info = {"object_type": _name(status.object_type), "language": _name(status.language), "source": None}
            if info["object_type"] == "NOTEBOOK":
                exported = workspace.export(path, format=ExportFormat.SOURCE)
                info["source"] = base64.b64decode(exported.content or "").decode("utf-8")
            return info
        return self._read(("notebook", path), f"notebook {path}", load)

    def latest_task_run(self, job_id: int, task_key: str) -> dict[str, Any] | None:
        """The newest completed run of the job in which task `task_key` ran to an end (succeeded or
        failed, not skipped), as `{run, task, output}` (`output`: runs/get-output of the task run),
        among the job's 25 newest completed runs; None when there is none."""
        def load() -> dict[str, Any] | None:
            jobs = self.client().jobs
            listed = jobs.list_runs(job_id=job_id, completed_only=True, expand_tasks=True, limit=25)
            for run in itertools.islice(listed, 25):
                task = next((t for t in run.tasks or [] if t.task_key == task_key and _ran(t)), None)
                if task is not None:
                    output = jobs.get_run_output(task.run_id)
                    return {"run": run.as_dict(), "task": task.as_dict(), "output": output.as_dict()}
            return None
        return self._read(("task run", job_id, task_key), f"the runs of job {job_id}", load)

    def task_run_in_progress(self, job_id: int, task_key: str) -> int | None:
        """The id of an active run of the job (queued, pending or running) that includes task
        `task_key`, or None. Read only where no completed run of the task was found."""
        def load() -> int | None:
            listed = self.client().jobs.list_runs(job_id=job_id, active_only=True, expand_tasks=True, limit=25)
            return next((run.run_id for run in itertools.islice(listed, 25)
                         if any(t.task_key == task_key for t in run.tasks or [])), None)
        return self._read(("active task run", job_id, task_key), f"the active runs of job {job_id}", load)


def _ran(task: Any) -> bool:
    result = _name(getattr(task.state, "result_state", None))
    return result in ("SUCCESS", "FAILED", "TIMEDOUT", "SUCCESS_WITH_FAILURES")


class ComputeReads(DatabricksReads):
    """`estate.compute`: clusters, pinning, runtimes and the layer jobs."""

    def prefetch(self) -> list[Callable[[], Any]]:
        return [*super().prefetch(), self.pinned_cluster_ids, self.spark_versions]


class QualityReads(DatabricksReads):
    """`estate.data_quality`: the quality notebooks, the clusters and jobs they run on, and the
    latest runs of the quality tasks."""

    def prefetch(self) -> list[Callable[[], Any]]:
        paths = [self.spec.data_quality.notebook_path(layer) for layer in self._in_view(LAYERS)]
        return [*super().prefetch(), *[lambda path=path: self.notebook_source(path) for path in paths],
                *[lambda layer=layer: self.latest_quality_run(layer) for layer in self._layers()]]

    def latest_quality_run(self, layer: str) -> dict[str, Any] | None:
        """`latest_task_run` of the layer job's quality task, and when the task exists but has no
        completed run, `task_run_in_progress`, as DQ-004 asks for them; None when the layer has no
        single job. Prefetched, so the four layers' runs are read together."""
        job, _ = compute.layer_job(self.layer_jobs(layer), self.spec, layer)
        if job is None:
            return None
        key = quality.quality_task_key(job, self.spec, layer)
        found = self.latest_task_run(job["job_id"], key)
        if found is None and quality.find_quality_task(job, self.spec, layer) is not None:
            self.task_run_in_progress(job["job_id"], key)
        return found


def _name(value: Any) -> str | None:
    return getattr(value, "value", value)
