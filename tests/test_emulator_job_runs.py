"""The emulator's job runs (runs/list, runs/get, runs/get-output), driven by the real
databricks-sdk WorkspaceClient over HTTP, answering as the Jobs API 2.2 does."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist
from databricks.sdk.service.jobs import RunLifeCycleState, RunResultState

from medallion.emulator.databricks import DatabricksService
from test_emulator_databricks import seed, w  # noqa: F401 - the WorkspaceClient fixture


def job_run(run_id: int, start: int, result: str = "SUCCESS", life: str = "TERMINATED") -> dict[str, Any]:
    state = {"life_cycle_state": life, "result_state": result}
    return {"job_id": 101, "run_id": run_id, "start_time": start, "state": state, "format": "MULTI_TASK",
            "tasks": [{"run_id": run_id + 1, "task_key": "bronze_ingest", "state": state,
                       "output": {"notebook_output": {"result": f"exit {run_id}", "truncated": False}}}]}


@pytest.fixture
def service() -> DatabricksService:
    runs = [job_run(10 * n, 1_000 * n) for n in range(1, 31)] + [job_run(999, 99_000, "", "RUNNING")]
    runs.append({**job_run(500, 50_000), "job_id": 202})
    return DatabricksService({**seed(), "runs": runs})


def test_runs_list_is_newest_first_paged_and_filtered(w):  # noqa: F811
    listed = list(w.jobs.list_runs(job_id=101, completed_only=True, limit=7))
    assert [r.run_id for r in listed] == [10 * n for n in range(30, 0, -1)], "every page, newest first"
    assert not any(r.tasks for r in listed), "tasks only with expand_tasks"
    active = list(w.jobs.list_runs(job_id=101, active_only=True))
    assert [(r.run_id, r.state.life_cycle_state) for r in active] == [(999, RunLifeCycleState.RUNNING)]
    newest = next(iter(w.jobs.list_runs(job_id=101, completed_only=True, expand_tasks=True, limit=1)))
    assert newest.run_id == 300 and newest.tasks[0].task_key == "bronze_ingest"
    assert newest.tasks[0].state.result_state == RunResultState.SUCCESS
    assert len(list(itertools.islice(w.jobs.list_runs(), 100))) == 32, "without job_id: every job's runs"


def test_runs_list_refuses_what_the_service_refuses(w):  # noqa: F811
    with pytest.raises(InvalidParameterValue, match="cannot both be true"):
        list(w.jobs.list_runs(active_only=True, completed_only=True))
    with pytest.raises(InvalidParameterValue, match="between 1 and 25"):
        list(w.jobs.list_runs(limit=26))


def test_output_is_per_task_run_and_a_missing_run_is_named(w):  # noqa: F811
    output = w.jobs.get_run_output(11)
    assert output.notebook_output.result == "exit 10"
    assert (output.metadata.run_id, output.metadata.job_id) == (11, 101)
    with pytest.raises(InvalidParameterValue, match="multiple tasks is not supported"):
        w.jobs.get_run_output(10)
    with pytest.raises(ResourceDoesNotExist, match="Run 7 does not exist."):  # the SDK's override of the 400
        w.jobs.get_run(7)
    run = w.jobs.get_run(300)
    assert run.tasks[0].run_id == 301 and "output" not in run.as_dict()["tasks"][0]
