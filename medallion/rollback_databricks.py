"""Undoing a fix run's Databricks changes: created clusters, cluster settings, pins, job tasks, notebooks.

The same rules as for Resource Manager: read first, undo only what still holds what the fix
wrote, name what changed since, write nothing under --plan. The workspace is reached through the
run's connections (the host the observer finds), so a rollback needs no more than the journal.
- A cluster the fix created is permanently deleted only while it is terminated, still has the
  spec the fix gave it and no job task runs on it; it is unpinned first (a pinned cluster cannot
  be deleted).
- Edited settings go back field by field with `clusters/edit`, which replaces the whole spec:
  the body is the live spec with the restored fields merged in, so nothing else is lost.
- Job tasks go back with `jobs/update`, merged by task key: a task the fix added is removed, one it
  changed gets its before; tasks added since stay.
- A notebook the fix imported is deleted (with the folder the import made, when empty) or its
  previous source imported again, only if its source is still the one the fix imported.
"""
from __future__ import annotations

import base64
import inspect
from typing import Any, Callable

from medallion.desired import quality
from medallion.rollback import brief, written
from medallion.undo import holds

WORKSPACE_KINDS = frozenset({"cluster_created", "cluster_fields", "cluster_pin", "job_tasks", "notebook"})
LIVE_STATES = ("PENDING", "RUNNING", "RESIZING", "RESTARTING")
DISRUPTIVE = "--allow-disruptive (or security.allow_disruptive = true in the estate spec)"
TASK_DEFAULTS = frozenset({"run_if", "timeout_seconds", "email_notifications", "webhook_notifications",
                           "notification_settings"})


def undo_in_workspace(entry: dict[str, Any], estate: Any, where: str, plan: bool, *, allow_disruptive: bool) -> str:
    """One line for one Databricks entry (a failed read raises: roll_back makes it one line)."""
    client = estate.compute.client()
    if entry["undo"]["kind"] == "cluster_fields":
        return _cluster_fields(entry, client, where, plan, allow_disruptive)
    return STEPS[entry["undo"]["kind"]](entry, client, where, plan)


def _cluster(client: Any, cluster_id: str) -> dict[str, Any] | None:
    from databricks.sdk.errors import NotFound

    try:
        return client.clusters.get(cluster_id).as_dict()
    except NotFound:
        return None


def _pinned(client: Any, cluster_id: str) -> bool:
    """Pinning is not a field of a cluster: the pinned filter of clusters/list shows it."""
    from databricks.sdk.service.compute import ListClustersFilterBy

    return any(c.cluster_id == cluster_id for c in client.clusters.list(filter_by=ListClustersFilterBy(is_pinned=True)))


def _jobs_on(client: Any, cluster_id: str) -> list[str]:
    """The jobs with a task that runs on the cluster."""
    return [str((job.settings and job.settings.name) or job.job_id) for job in client.jobs.list(expand_tasks=True)
            if any(task.existing_cluster_id == cluster_id for task in (job.settings and job.settings.tasks) or [])]


def _created_cluster(entry: dict[str, Any], client: Any, where: str, plan: bool) -> str:
    cluster_id = entry["undo"].get("cluster_id")
    live = _cluster(client, cluster_id) if cluster_id else None
    if live is None:
        return f"left: {where} (the cluster is gone)"
    changed = [name for name, value in (entry["after"] or {}).items() if live.get(name) != value]
    if changed:
        return f"kept: {where} ({cluster_id}: created by the fix, changed since: {', '.join(changed)})"
    if live.get("state") in LIVE_STATES:
        return f"kept: {where} ({cluster_id}: created by the fix, in use: {live['state']})"
    jobs = _jobs_on(client, cluster_id)
    if jobs:
        return f"kept: {where} ({cluster_id}: created by the fix, in use by job {', '.join(jobs)})"
    if plan:
        return f"would delete: {where} ({cluster_id}: created by the fix, unchanged, unused; unpinned first)"

    def delete() -> None:
        client.clusters.unpin(cluster_id)
        client.clusters.permanent_delete(cluster_id)
    return written(delete, f"deleted: {where} ({cluster_id}, created by the fix: unpinned, permanently deleted)", where)


def _cluster_fields(entry: dict[str, Any], client: Any, where: str, plan: bool, allow_disruptive: bool) -> str:
    """Each field still as the fix set it goes back; one changed since stays and is named. An
    edit restarts a running cluster: held without --allow-disruptive, as the fix's update was."""
    cluster_id = entry["undo"]["cluster_id"]
    live = _cluster(client, cluster_id)
    if live is None:
        return f"left: {where} (the cluster is gone)"
    before, after = entry["before"] or {}, entry["after"] or {}
    changed = sorted(name for name, value in after.items() if live.get(name) != value)
    back = {name: before.get(name) for name in after if name not in changed}
    note = f" (left, changed since the fix: {', '.join(changed)})" if changed else ""
    if not back:
        return f"left: {where} (changed since the fix: {', '.join(changed)})"
    restart = "; restarts the running cluster" if live.get("state") in LIVE_STATES else ""
    if restart and not allow_disruptive:
        return f"held: {where} (restoring {', '.join(back)} restarts the running cluster; needs {DISRUPTIVE})"
    if plan:
        return f"would restore: {where}: {brief(back)}{restart}{note}"
    return written(lambda: _edit(client, live, back), f"restored: {where}: {brief(back)}{restart}{note}", where)


def _edit(client: Any, live: dict[str, Any], back: dict[str, Any]) -> None:
    """clusters/edit replaces the whole spec: send the live spec with `back` merged in (a None
    value was absent before the fix, so it is left out). The SDK's own edit parameters say what
    the spec is, and ClusterSpec types each field as the SDK sends it."""
    from databricks.sdk.service.compute import ClusterSpec

    names = set(inspect.signature(client.clusters.edit).parameters) - {"cluster_id"}
    spec = {name: value for name, value in {**live, **back}.items() if name in names and value is not None}
    if "autoscale" in spec:   # clusters/get reports an autoscaling cluster's current size too: not a spec field
        spec.pop("num_workers", None)
    typed = ClusterSpec.from_dict(spec)
    client.clusters.edit(cluster_id=live["cluster_id"], **{
        name: getattr(typed, name) for name in spec if getattr(typed, name, None) is not None})


def _cluster_pin(entry: dict[str, Any], client: Any, where: str, plan: bool) -> str:
    cluster_id = entry["undo"]["cluster_id"]
    if _cluster(client, cluster_id) is None:
        return f"left: {where} (the cluster is gone)"
    if not _pinned(client, cluster_id):
        return f"unchanged: {where} (already unpinned)"
    if plan:
        return f"would restore: {where}: true -> false"
    return written(lambda: client.clusters.unpin(cluster_id), f"restored: {where}: false (unpinned)", where)


def _job_tasks(entry: dict[str, Any], client: Any, where: str, plan: bool) -> str:
    """The fix's tasks back to their before, all or none; tasks added since stay."""
    from databricks.sdk.errors import NotFound

    job_id = entry["undo"]["job_id"]
    try:
        job = client.jobs.get(job_id).as_dict()
    except NotFound:
        return f"left: {where} (the job is gone)"
    live = {t.get("task_key"): t for t in (job.get("settings") or {}).get("tasks") or []}
    before, after = entry["before"] or {}, entry["after"] or {}
    changed = sorted(key for key, task in after.items() if key in live and not _same_task(live[key], task))
    removed = [key for key in after if key in live and key not in before]
    needing = sorted(key for key, task in live.items() if key not in after
                     and any(d.get("task_key") in removed for d in task.get("depends_on") or []))
    if changed or needing:
        why = [f"task {key} changed since the fix" for key in changed] + [
            f"task {key} added since depends on it" for key in needing]
        return f"left: {where} ({'; '.join(why)})"
    restored = [before[key] for key in after if key in live and key in before]
    if not restored and not removed:
        return f"unchanged: {where} (already as before the fix)"
    what = ", ".join([f"removes {key}" for key in removed] + [f"restores {t['task_key']}" for t in restored])
    if plan:
        return f"would restore: {where} ({what})"
    return written(lambda: _update_tasks(client, job_id, restored, removed), f"restored: {where} ({what})", where)


def _same_task(live: dict[str, Any], wrote: dict[str, Any]) -> bool:
    """Still the task the fix wrote: every field as written, nothing added but the defaults the
    service fills in (jobs/get shows them for fields the writer left out)."""
    return holds(live, wrote) and set(live) - set(wrote) <= TASK_DEFAULTS


def _update_tasks(client: Any, job_id: int, tasks: list[dict[str, Any]], removed: list[str]) -> None:
    from databricks.sdk.service.jobs import JobSettings, Task

    client.jobs.update(job_id, new_settings=JobSettings(tasks=[Task.from_dict(t) for t in tasks]) if tasks else None,
                       fields_to_remove=[f"tasks/{key}" for key in removed] or None)


def _notebook(entry: dict[str, Any], client: Any, where: str, plan: bool) -> str:
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service.workspace import ExportFormat

    undo = entry["undo"]
    try:
        exported = client.workspace.export(undo["path"], format=ExportFormat.SOURCE)
    except NotFound:
        return f"left: {where} (the notebook is gone)"
    source = base64.b64decode(exported.content or "").decode("utf-8")
    if quality.digest(source) != undo["sha256"]:
        return f"left: {where} (changed since the fix: sha256 {quality.digest(source)}, the fix imported {undo['sha256']})"
    previous = (entry["before"] or {}).get("source") if isinstance(entry["before"], dict) else None
    if previous is None:
        if plan:
            return f"would delete: {where} (imported by the fix, unchanged)"
        return written(lambda: _delete_notebook(client, undo), f"deleted: {where} (imported by the fix)", where)
    if plan:
        return f"would restore: {where}: the previous {entry['before'].get('language')} source"
    return written(lambda: _reimport(client, undo["path"], previous, entry["before"].get("language")),
                    f"restored: {where}: the previous source (sha256 {quality.digest(previous)})", where)


def _delete_notebook(client: Any, undo: dict[str, Any]) -> None:
    """Delete the notebook, then each folder the import made while nothing else is in it."""
    client.workspace.delete(undo["path"])
    for folder in undo.get("folders") or []:   # innermost first
        if list(client.workspace.list(folder)):
            return
        client.workspace.delete(folder)


def _reimport(client: Any, path: str, source: str, language: str | None) -> None:
    from databricks.sdk.service.workspace import ImportFormat, Language

    client.workspace.import_(path, content=base64.b64encode(source.encode()).decode(), format=ImportFormat.SOURCE,
                             language=Language(language or "PYTHON"), overwrite=True)


STEPS: dict[str, Callable[[dict[str, Any], Any, str, bool], str]] = {
    "cluster_created": _created_cluster, "cluster_pin": _cluster_pin,
    "job_tasks": _job_tasks, "notebook": _notebook}
