"""Jobs API 2.2 job runs, read side: runs/list, runs/get and runs/get-output.

The emulator does not execute jobs: runs come from the scenario (`databricks.runs`), each in the
shape `runs/get` returns, and a task run may carry `output`, the `runs/get-output` answer for it
(`notebook_output` with the notebook's exit value, or `error` and `error_trace`). As on the real
service, the output of a multi-task job run is only available per task run, and a missing run is
400 INVALID_PARAMETER_VALUE "Run <id> does not exist.".
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from .errors import as_bool, as_int, invalid, page_tokens, require

Handler = Callable[[dict[str, str], dict[str, Any]], object]
ACTIVE = frozenset({"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"})
MULTI_TASK_OUTPUT = ("Retrieving the output of runs with multiple tasks is not supported. Please retrieve the "
                     "output of each individual task run instead.")


def _public(run: dict[str, Any]) -> dict[str, Any]:
    """The run as the API shows it: task outputs are only served by runs/get-output."""
    shown = copy.deepcopy(run)
    for task in shown.get("tasks", []):
        task.pop("output", None)
    shown.pop("output", None)
    return shown


class Runs:
    """The workspace's job runs, newest first by start time."""

    def __init__(self, runs: list[dict[str, Any]]) -> None:
        self._runs = [copy.deepcopy(run) for run in runs]

    def routes(self) -> dict[tuple[str, str], Handler]:
        ops = {"runs/list": self.list, "runs/get": self.get, "runs/get-output": self.get_output}
        return {("GET", f"/api/{version}/jobs/{op}"): handler
                for op, handler in ops.items() for version in ("2.1", "2.2")}

    def to_state(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._runs)

    def list(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Runs of one job (or all), newest first; tasks only with `expand_tasks`."""
        active, completed = as_bool(query.get("active_only")), as_bool(query.get("completed_only"))
        if active and completed:
            raise invalid("active_only and completed_only cannot both be true")
        limit = as_int(query.get("limit") or 20, "limit") or 25
        if not 1 <= limit <= 25:
            raise invalid(f"limit must be between 1 and 25, got {limit}")
        start = as_int(query.get("page_token") or query.get("offset") or 0, "page_token")
        job_id = query.get("job_id")
        chosen = [run for run in sorted(self._runs, key=lambda r: (r.get("start_time", 0), r["run_id"]), reverse=True)
                  if (job_id is None or run.get("job_id") == as_int(job_id, "job_id"))
                  and (not active or _life_cycle(run) in ACTIVE) and (not completed or _life_cycle(run) not in ACTIVE)]
        page = [_public(run) for run in chosen[start:start + limit]]
        if not as_bool(query.get("expand_tasks")):
            for run in page:
                run.pop("tasks", None)
                run.pop("job_clusters", None)
        answer: dict[str, Any] = {"runs": page} if page else {}
        return {**answer, "has_more": start + limit < len(chosen), **page_tokens(start, limit, len(chosen))}

    def get(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        run_id = as_int(require(query, "run_id"), "run_id")
        run = next((r for r in self._runs if r["run_id"] == run_id), None)
        if run is None:
            raise invalid(f"Run {run_id} does not exist.")
        return _public(run)

    def get_output(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """A task run's output, with the task run as `metadata`."""
        run_id = as_int(require(query, "run_id"), "run_id")
        for run in self._runs:
            if run["run_id"] == run_id:
                if run.get("tasks"):
                    raise invalid(MULTI_TASK_OUTPUT)
                return {"metadata": _public(run), **copy.deepcopy(run.get("output") or {})}
            for task in run.get("tasks", []):
                if task.get("run_id") == run_id:
                    metadata = {"job_id": run.get("job_id"), **_public(task)}
                    return {"metadata": metadata, **copy.deepcopy(task.get("output") or {})}
        raise invalid(f"Run {run_id} does not exist.")


def _life_cycle(run: dict[str, Any]) -> str:
    return (run.get("state") or {}).get("life_cycle_state") or (run.get("status") or {}).get("state") or "TERMINATED"
