"""Jobs API 2.2 (2.1 answers the same): create, get, list, update (merge), reset (replace), delete.

`jobs/update` is the safe write: top-level fields in `new_settings` replace, arrays keyed by
`task_key` / `job_cluster_key` / `environment_key` / parameter `name` merge entry by entry.
`jobs/reset` replaces every setting, so a caller that resets with one task loses the others.
A missing job is the real 400 INVALID_PARAMETER_VALUE "Job <id> does not exist.".
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from .clusters import missing_cluster
from .errors import as_bool, as_int, invalid, now_ms, page_tokens, require

Handler = Callable[[dict[str, str], dict[str, Any]], object]

MERGED_ARRAYS = {"tasks": "task_key", "job_clusters": "job_cluster_key",
                 "environments": "environment_key", "parameters": "name"}
"""Setting arrays that `jobs/update` merges, and the key that identifies an entry."""

FIRST_JOB_ID = 700000000000001
NOT_SETTINGS = frozenset({"access_control_list", "idempotency_token"})


def _with_task_defaults(task: dict[str, Any]) -> dict[str, Any]:
    task.setdefault("run_if", "ALL_SUCCESS")
    task.setdefault("timeout_seconds", 0)
    task.setdefault("email_notifications", {})
    if isinstance(task.get("notebook_task"), dict):
        task["notebook_task"].setdefault("source", "WORKSPACE")
    return task


def _with_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    """Server-side defaults the real `jobs/get` shows for fields the writer left out."""
    settings.setdefault("name", "Untitled")
    settings.setdefault("email_notifications", {})
    settings.setdefault("webhook_notifications", {})
    settings.setdefault("timeout_seconds", 0)
    settings.setdefault("max_concurrent_runs", 1)
    settings.setdefault("format", "MULTI_TASK")
    for task in settings.get("tasks", []):
        _with_task_defaults(task)
    return settings


LISTED_ARRAYS = ("tasks", "job_clusters")
LISTED_MAX = 100
"""Jobs API 2.2: with `expand_tasks`, jobs/list shows the first 100 tasks and job clusters of a
job and sets `has_more` when it left some out; jobs/get pages through the rest."""


def _listed(job: dict[str, Any], *, expand: bool) -> dict[str, Any]:
    """A stored job as jobs/list shows it."""
    shown = copy.deepcopy(job)
    shown.pop("run_as_user_name", None)
    settings = shown["settings"]
    if not expand:
        for array in LISTED_ARRAYS:
            settings.pop(array, None)
        return shown
    shown["has_more"] = any(len(settings.get(array) or []) > LISTED_MAX for array in LISTED_ARRAYS)
    for array in LISTED_ARRAYS:
        if array in settings:
            settings[array] = settings[array][:LISTED_MAX]
    return shown


def _merge_array(current: list[dict[str, Any]], incoming: list[dict[str, Any]], key: str) -> list:
    """Entries with a known key replace the old entry in place; new keys are appended."""
    merged = {entry.get(key): entry for entry in current}
    for entry in incoming:
        merged[entry.get(key)] = copy.deepcopy(entry)
    return list(merged.values())


class Jobs:
    """The workspace's jobs, keyed by id, stored in the shape `jobs/get` returns."""

    def __init__(self, jobs: list[dict[str, Any]], user: str, cluster_exists: Callable[[str], bool]) -> None:
        self._user = user
        self._cluster_exists = cluster_exists
        self._by_id: dict[int, dict[str, Any]] = {}
        for job in jobs:
            stored = copy.deepcopy(job)
            stored.setdefault("job_id", self._next_id())
            stored.setdefault("settings", {})
            self._by_id[int(stored["job_id"])] = stored

    def routes(self) -> dict[tuple[str, str], Handler]:
        ops: dict[tuple[str, str], Handler] = {
            ("POST", "create"): self.create, ("GET", "get"): self.get, ("GET", "list"): self.list,
            ("POST", "update"): self.update, ("POST", "reset"): self.reset, ("POST", "delete"): self.delete,
        }
        return {(method, f"/api/{version}/jobs/{op}"): handler
                for (method, op), handler in ops.items() for version in ("2.1", "2.2")}

    def to_state(self) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._by_id.values()))

    def _next_id(self) -> int:
        return max([FIRST_JOB_ID - 1, *self._by_id]) + 1

    def _find(self, job_id: Any) -> dict[str, Any]:
        job = self._by_id.get(as_int(job_id, "job_id"))
        if job is None:
            raise invalid(f"Job {job_id} does not exist.")
        return job

    def job(self, job_id: Any) -> dict[str, Any]:
        """A copy of the job as `jobs/get` shows it; the real 400 when it does not exist."""
        return copy.deepcopy(self._find(job_id))

    def _check_written(self, settings: dict[str, Any], written: list[dict[str, Any]]) -> None:
        """The graph must hold together; tasks being written must name clusters that exist."""
        keys = [task.get("task_key") for task in settings.get("tasks", [])]
        if None in keys or "" in keys:
            raise invalid("Missing required field: task_key")
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise invalid(f"Task key {duplicates[0]} is used more than once")
        for task in settings.get("tasks", []):
            for upstream in task.get("depends_on", []):
                if upstream.get("task_key") not in keys:
                    raise invalid(f"Invalid dependency graph, task '{task['task_key']}' can not "
                                  f"reference non-existent task '{upstream.get('task_key')}'.")
        for task in written:
            cluster_id = task.get("existing_cluster_id")
            if cluster_id and not self._cluster_exists(cluster_id):
                raise missing_cluster(cluster_id)

    def create(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        settings = _with_defaults({k: copy.deepcopy(v) for k, v in body.items() if k not in NOT_SETTINGS})
        self._check_written(settings, settings.get("tasks", []))
        job_id = self._next_id()
        self._by_id[job_id] = {"job_id": job_id, "creator_user_name": self._user,
                               "run_as_user_name": self._user, "created_time": now_ms(),
                               "settings": settings}
        return {"job_id": job_id}

    def get(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(self._find(require(query, "job_id")))

    def list(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Newest first, each job as a BaseJob (no `run_as_user_name`: jobs/get has it); tasks
        and job clusters only with `expand_tasks`; `page_token` is an offset."""
        limit = as_int(query.get("limit") or 20, "limit")
        if not 1 <= limit <= 100:
            raise invalid(f"limit must be between 1 and 100, got {limit}")
        start = as_int(query.get("page_token") or query.get("offset") or 0, "page_token")
        name = query.get("name")
        chosen = sorted((j for j in self._by_id.values()
                         if name is None or j["settings"].get("name", "").lower() == name.lower()),
                        key=lambda j: (j.get("created_time", 0), j["job_id"]), reverse=True)
        page = [_listed(job, expand=as_bool(query.get("expand_tasks"))) for job in chosen[start:start + limit]]
        more = start + limit < len(chosen)
        answer: dict[str, Any] = {"jobs": page} if page else {}
        answer["has_more"] = more
        return {**answer, **page_tokens(start, limit, len(chosen))}

    def update(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Remove `fields_to_remove` (top level, or `tasks/<key>`), then merge `new_settings`."""
        job = self._find(require(body, "job_id"))
        settings = copy.deepcopy(job["settings"])
        for field in body.get("fields_to_remove") or []:
            array, _, key = field.partition("/")
            if key and array in MERGED_ARRAYS:
                settings[array] = [e for e in settings.get(array, []) if e.get(MERGED_ARRAYS[array]) != key]
            else:
                settings.pop(field, None)
        incoming = copy.deepcopy(body.get("new_settings") or {})
        for task in incoming.get("tasks", []):
            _with_task_defaults(task)
        for field, value in incoming.items():
            if field in MERGED_ARRAYS and isinstance(value, list):
                settings[field] = _merge_array(settings.get(field, []), value, MERGED_ARRAYS[field])
            else:
                settings[field] = value
        self._check_written(settings, incoming.get("tasks", []))
        job["settings"] = settings
        return {}

    def reset(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Replace every setting: what `new_settings` leaves out is gone."""
        job = self._find(require(body, "job_id"))
        settings = _with_defaults(copy.deepcopy(require(body, "new_settings")))
        self._check_written(settings, settings.get("tasks", []))
        job["settings"] = settings
        return {}

    def delete(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        del self._by_id[as_int(self._find(require(body, "job_id"))["job_id"], "job_id")]
        return {}

