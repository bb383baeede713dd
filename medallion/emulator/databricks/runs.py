"""Jobs API 2.2 job runs: runs/list, runs/get, runs/get-output, and run-now (run_now.py).

The emulator does not execute jobs: runs come from the scenario (`databricks.runs`), each in the
shape `runs/get` returns, and a task run may carry `output`, the `runs/get-output` answer for it
(`notebook_output` with the notebook's exit value, or `error` and `error_trace`); a run started by
`jobs/run-now` ends as the scenario's `databricks.run_outcomes` says. As on the real service, the
output of a multi-task job run is only available per task run, and a missing run is 400
INVALID_PARAMETER_VALUE "Run <id> does not exist.".
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from .errors import as_bool, as_int, invalid, now_ms, page_tokens, require
from .run_now import new_run, settle

Handler = Callable[[dict[str, str], dict[str, Any]], object]
ACTIVE = frozenset({"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"})
FIRST_RUN_ID = 900000000000001
MULTI_TASK_OUTPUT = ("Retrieving the output of runs with multiple tasks is not supported. Please retrieve the "
                     "output of each individual task run instead.")


def _public(run: dict[str, Any]) -> dict[str, Any]:
    """The run as the API shows it: task outputs are only served by runs/get-output."""
    shown = copy.deepcopy(run)
    shown.pop("_ends", None)
    for task in shown.get("tasks", []):
        task.pop("output", None)
    shown.pop("output", None)
    return shown


class Runs:
    """The workspace's job runs, newest first by start time. `job` finds a job (raising the 400 of
    a missing one), `outcomes` is the scenario's `run_outcomes`, `run_ms` how long a started run lasts."""

    def __init__(self, runs: list[dict[str, Any]], job: Callable[[Any], dict[str, Any]] | None = None,
                 outcomes: dict[str, Any] | None = None, run_ms: int = 0) -> None:
        self._runs = [copy.deepcopy(run) for run in runs]
        self._job, self._outcomes, self._run_ms = job, dict(outcomes or {}), run_ms

    def routes(self) -> dict[tuple[str, str], Handler]:
        ops = {"runs/list": self.list, "runs/get": self.get, "runs/get-output": self.get_output}
        routes: dict[tuple[str, str], Handler] = {("GET", f"/api/{version}/jobs/{op}"): self._settled(handler)
                                                  for op, handler in ops.items() for version in ("2.1", "2.2")}
        if self._job is not None:
            routes.update({("POST", f"/api/{version}/jobs/run-now"): self.run_now for version in ("2.1", "2.2")})
        return routes

    def to_state(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._runs)

    def outcomes(self) -> dict[str, Any]:
        return copy.deepcopy(self._outcomes)

    def _settled(self, handler: Handler) -> Handler:
        """Every read first moves started runs along by the clock."""
        def answer(query: dict[str, str], body: dict[str, Any]) -> object:
            now = now_ms()
            for run in self._runs:
                settle(run, now)
            return handler(query, body)
        return answer

    def run_now(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Start a run of the job (or of the tasks `only` names): `{run_id, number_in_job}`."""
        job = self._job(require(body, "job_id"))  # type: ignore[misc]
        ids = [r["run_id"] for r in self._runs] + [t.get("run_id", 0) for r in self._runs for t in r.get("tasks", [])]
        run_id = max([FIRST_RUN_ID - 1, *ids]) + 1
        number = 1 + sum(1 for r in self._runs if r.get("job_id") == job["job_id"])
        now = now_ms()
        active = [r for r in self._runs if r.get("job_id") == job["job_id"] and _life_cycle(settle(r, now)) in ACTIVE]
        self._runs.append(new_run(job, body, run_id, number, self._run_ms, self._outcomes, active))
        return {"run_id": run_id, "number_in_job": number}

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
