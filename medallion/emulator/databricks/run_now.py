"""Jobs API 2.2 `jobs/run-now`: a run of the job's tasks (or of those `only` names) that goes
PENDING -> RUNNING -> TERMINATED.

A job runs at most `max_concurrent_runs` (default 1) runs at once. A run started when that many
are active is SKIPPED (result MAXIMUM_CONCURRENT_RUNS_REACHED), unless the job's `queue` is
enabled: then it is QUEUED until the active runs end (forever behind a scenario's run that never
does), and runs after.

The emulator executes no notebook. A run lasts `run_ms` (the emulator's `--sim-lro-ms`; 0 ends
it at the first read): PENDING for the first half, RUNNING for the second, then TERMINATED. Each
task run ends as the scenario's `databricks.run_outcomes` says for its task key:
`{"<task_key>": {"result_state": "FAILED", "state_message": "...", "output": {<runs/get-output
answer: "notebook_output" {"result": ...} or "error" and "error_trace">}}}`. A task without an
outcome succeeds; if it runs a quality notebook (its parameters name a `layer`) its exit value is
a passing summary in the shape notebooks/data_quality/quality_checks.py exits with (each check
passed, no rows counted: the emulator holds no data). `job_parameters` (name -> value) are kept
on the run and pushed down over task parameters of the same name, as on Databricks.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Sequence

from .errors import invalid, now_ms

QUALITY_CHECKS = ("required_columns", "schema_drift", "row_count", "key_nulls", "key_unique", "freshness",
                  "duplicate_rows")
PENDING, RUNNING, TERMINATED, QUEUED, SKIPPED = "PENDING", "RUNNING", "TERMINATED", "QUEUED", "SKIPPED"


def new_run(job: dict[str, Any], body: dict[str, Any], run_id: int, number: int, run_ms: int,
            outcomes: dict[str, Any], active: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The run `run-now` starts, as `runs/get` shows it while PENDING; its task runs get the ids
    after `run_id`. The planned outcome waits in `_ends` until the run's time is up. `active` are
    the job's runs not yet ended: at its `max_concurrent_runs` the run is skipped or queued."""
    parameters = _job_parameters(job, body.get("job_parameters"))
    keys = _selected(job, body.get("only"))
    start = now_ms()
    tasks = [_task_run(task, run_id + 1 + i, start, parameters)
             for i, task in enumerate(t for t in job["settings"].get("tasks", []) if t.get("task_key") in keys)]
    run = {"job_id": job["job_id"], "run_id": run_id, "number_in_job": number, "original_attempt_run_id": run_id,
           "creator_user_name": job.get("creator_user_name"), "run_name": job["settings"].get("name"),
           "run_type": "JOB_RUN", "trigger": "ONE_TIME", "format": "MULTI_TASK", "start_time": start,
           "tasks": tasks, "state": _state(PENDING), "status": {"state": PENDING},
           "_ends": {"at": start + run_ms, "tasks": {t["task_key"]: outcome_of(t, outcomes, run_id) for t in tasks}}}
    if parameters:
        run["job_parameters"] = [{"name": name, "value": value} for name, value in parameters.items()]
    limit = int(job["settings"].get("max_concurrent_runs", 1))
    if len(active) >= limit:
        return _queued(run, active, run_ms) if (job["settings"].get("queue") or {}).get("enabled") else _skipped(run, limit)
    return settle(run, start)


def _skipped(run: dict[str, Any], limit: int) -> dict[str, Any]:
    """Ended at once, none of its tasks run, as Databricks ends a run over the job's limit."""
    message = f"Skipping this run because the limit of {limit} maximum concurrent runs has been reached."
    run.pop("_ends")
    for task in run["tasks"]:
        task.update(state=_state(SKIPPED, "MAXIMUM_CONCURRENT_RUNS_REACHED", message),
                    status={"state": TERMINATED, "termination_details": {"code": SKIPPED, "type": "SUCCESS",
                                                                         "message": message}})
    run.update(state=_state(SKIPPED, "MAXIMUM_CONCURRENT_RUNS_REACHED", message), end_time=run["start_time"],
               status={"state": TERMINATED, "termination_details": {
                   "code": "MAX_CONCURRENT_RUNS_EXCEEDED", "type": "CLIENT_ERROR", "message": message}})
    return run


def _queued(run: dict[str, Any], active: Sequence[dict[str, Any]], run_ms: int) -> dict[str, Any]:
    """QUEUED until the last active run ends (None: one never does), then as any run."""
    ends = [(other.get("_ends") or {}).get("at") for other in active]
    until = None if None in ends else max(ends)
    run["_ends"].update(queued_until=until, at=None if until is None else until + run_ms)
    run["state"], run["status"] = _state(QUEUED), {"state": QUEUED}
    for task in run["tasks"]:
        task["state"], task["status"] = _state(QUEUED), {"state": QUEUED}
    return run


def settle(run: dict[str, Any], now: int) -> dict[str, Any]:
    """Move a started run along by the clock: out of the queue when the runs ahead end, RUNNING
    after half its own time, TERMINATED at the end."""
    ends = run.get("_ends")
    if not ends or ends["at"] is None:
        return run
    begins = ends.get("queued_until") or run["start_time"]
    if now < begins:
        return run
    if now >= ends["at"]:
        for task in run["tasks"]:
            outcome = ends["tasks"][task["task_key"]]
            task.update(state=_state(TERMINATED, outcome["result_state"], outcome.get("state_message", "")),
                        status=_status(outcome["result_state"]), end_time=ends["at"], output=outcome["output"])
        worst = next((t["state"]["result_state"] for t in run["tasks"] if t["state"]["result_state"] != "SUCCESS"),
                     "SUCCESS")
        run.update(state=_state(TERMINATED, worst), status=_status(worst), end_time=ends["at"],
                   run_duration=ends["at"] - run["start_time"])
        run.pop("_ends")
    else:
        phase = RUNNING if now >= begins + (ends["at"] - begins) / 2 else PENDING
        run["state"], run["status"] = _state(phase), {"state": phase}
        for task in run["tasks"]:
            task["state"], task["status"] = _state(phase), {"state": phase}
    return run


def _job_parameters(job: dict[str, Any], given: Any) -> dict[str, str]:
    """The job's parameter defaults, overridden by the run's `job_parameters` map."""
    if given is not None and (not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values())):
        raise invalid("job_parameters must be a map of parameter names to string values")
    defaults = {p["name"]: str(p.get("default", "")) for p in job["settings"].get("parameters", []) if p.get("name")}
    return {**defaults, **(given or {})}


def _selected(job: dict[str, Any], only: Any) -> set[str]:
    """The task keys to run: every task, or those `only` names; `+key` adds what key depends on,
    `key+` what depends on key."""
    tasks = {t.get("task_key"): t for t in job["settings"].get("tasks", [])}
    if not tasks:
        raise invalid(f"Job {job['job_id']} has no tasks to run.")
    if only is None:
        return set(tasks)
    if not isinstance(only, list) or not all(isinstance(k, str) for k in only):
        raise invalid("only must be a list of task keys")
    chosen: set[str] = set()
    for entry in only:
        key = entry.strip("+")
        if key not in tasks:
            raise invalid(f"Task key {key} in 'only' does not exist in job {job['job_id']}.")
        chosen.add(key)
        if entry.startswith("+"):
            chosen |= _closure(key, lambda k: [d.get("task_key") for d in tasks[k].get("depends_on", [])])
        if entry.endswith("+"):
            chosen |= _closure(key, lambda k: [t for t, v in tasks.items()
                                              if k in {d.get("task_key") for d in v.get("depends_on", [])}])
    return chosen


def _closure(key: str, neighbours: Any) -> set[str]:
    seen, todo = set(), [key]
    while todo:
        for found in neighbours(todo.pop()):
            if found not in seen:
                seen.add(found)
                todo.append(found)
    return seen


def _task_run(task: dict[str, Any], run_id: int, start: int, parameters: dict[str, str]) -> dict[str, Any]:
    shown = {k: copy.deepcopy(v) for k, v in task.items()
             if k in ("task_key", "description", "notebook_task", "existing_cluster_id", "depends_on", "run_if")}
    notebook = shown.get("notebook_task")
    if notebook is not None and parameters:
        given = notebook.get("base_parameters") or {}
        notebook["base_parameters"] = {**given, **{k: v for k, v in parameters.items() if k in given}}
    return {**shown, "run_id": run_id, "attempt_number": 0, "start_time": start, "state": _state(PENDING),
            "status": {"state": PENDING}}


def outcome_of(task: dict[str, Any], outcomes: dict[str, Any], run_id: int) -> dict[str, Any]:
    """How the task run will end: the scenario's outcome for its key, else success."""
    planned = copy.deepcopy(outcomes.get(task["task_key"]) or {})
    planned.setdefault("result_state", "SUCCESS")
    planned.setdefault("output", _default_output(task, run_id))
    return planned


def _default_output(task: dict[str, Any], run_id: int) -> dict[str, Any]:
    parameters = (task.get("notebook_task") or {}).get("base_parameters") or {}
    if "layer" not in parameters:
        return {"notebook_output": {}}
    summary = {"layer": parameters["layer"], "table": parameters.get("table", ""), "run_id": str(run_id),
               "status": "passed", "checks": [{"check": name, "status": "passed", "severity": "error",
                                               "rows_checked": 0, "rows_failing": 0} for name in QUALITY_CHECKS]}
    return {"notebook_output": {"result": json.dumps(summary, sort_keys=True), "truncated": False}}


def _state(life_cycle: str, result: str | None = None, message: str = "") -> dict[str, Any]:
    state: dict[str, Any] = {"life_cycle_state": life_cycle, "state_message": message,
                             "user_cancelled_or_timedout": False}
    if result:
        state["result_state"] = result
    return state


def _status(result: str) -> dict[str, Any]:
    ok = result == "SUCCESS"
    return {"state": TERMINATED, "termination_details": {
        "code": "SUCCESS" if ok else "RUN_EXECUTION_ERROR", "type": "SUCCESS" if ok else "CLIENT_ERROR",
        "message": "" if ok else "Workload failed, see run output for details"}}
