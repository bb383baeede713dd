"""The emulator's jobs/run-now, driven by the real databricks-sdk WorkspaceClient over HTTP: a run of
the job's tasks (or those `only` names) that goes PENDING -> RUNNING -> TERMINATED and ends as the
scenario's `run_outcomes` says."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service.jobs import RunLifeCycleState, RunResultState

from medallion.emulator.databricks import DatabricksService
from medallion.emulator.databricks.run_now import new_run, settle
from test_emulator_databricks import LAYER_CLUSTER, seed, w  # noqa: F401 - the WorkspaceClient fixture

QUALITY = {"task_key": "bronze_quality", "existing_cluster_id": LAYER_CLUSTER, "depends_on": [{"task_key": "bronze_ingest"}],
           "notebook_task": {"notebook_path": "/Shared/InsightPulseAI/Juicer/data_quality/bronze_quality",
                             "base_parameters": {"layer": "bronze", "table": "juicer.bronze_transactions"}}}
STOPPED = {"result_state": "FAILED", "state_message": "Workload failed",
           "output": {"error": "DataQualityError: bronze data quality failed", "error_trace": "Traceback ..."}}
WAIT = timedelta(seconds=30)


@pytest.fixture
def service(request: pytest.FixtureRequest) -> DatabricksService:
    """The seed's job with a quality task after its main task; `request.param` holds extra state
    (`run_outcomes`), the run time (`run_ms`) and job settings (`settings`)."""
    extra: dict[str, Any] = dict(getattr(request, "param", {}))
    run_ms = extra.pop("run_ms", 0)
    state = seed()
    state["jobs"][0]["settings"]["tasks"].append(QUALITY)
    state["jobs"][0]["settings"].update(extra.pop("settings", {}))
    return DatabricksService({**state, **extra}, run_ms=run_ms)


def test_only_runs_the_named_task_and_it_exits_with_a_passing_summary(w, service):  # noqa: F811
    run = w.jobs.run_now(101, only=["bronze_quality"]).result(timeout=WAIT)
    assert run.state.life_cycle_state == RunLifeCycleState.TERMINATED and run.state.result_state == RunResultState.SUCCESS
    assert [t.task_key for t in run.tasks] == ["bronze_quality"]
    output = w.jobs.get_run_output(run.tasks[0].run_id)
    summary = json.loads(output.notebook_output.result)
    assert (summary["layer"], summary["table"], summary["status"]) == ("bronze", "juicer.bronze_transactions", "passed")
    assert summary["checks"] and {c["status"] for c in summary["checks"]} == {"passed"}
    listed = list(w.jobs.list_runs(job_id=101, completed_only=True, expand_tasks=True))
    assert [r.run_id for r in listed] == [run.run_id] and listed[0].number_in_job == 1


def test_without_only_every_task_runs_and_plus_adds_upstream(w, service):  # noqa: F811
    everything = w.jobs.run_now(101).result(timeout=WAIT)
    assert sorted(t.task_key for t in everything.tasks) == ["bronze_ingest", "bronze_quality"]
    upstream = w.jobs.run_now(101, only=["+bronze_quality"]).result(timeout=WAIT)
    assert sorted(t.task_key for t in upstream.tasks) == ["bronze_ingest", "bronze_quality"]
    assert upstream.number_in_job == 2


@pytest.mark.parametrize("service", [{"run_outcomes": {"bronze_quality": STOPPED}}], indirect=True)
def test_a_planted_outcome_ends_the_task_as_the_scenario_says(w, service):  # noqa: F811
    run = w.jobs.run_now(101, only=["bronze_quality"]).result(timeout=WAIT)
    assert run.state.result_state == RunResultState.FAILED
    assert run.tasks[0].state.result_state == RunResultState.FAILED
    output = w.jobs.get_run_output(run.tasks[0].run_id)
    assert output.error == "DataQualityError: bronze data quality failed" and output.notebook_output is None
    assert service.to_state()["run_outcomes"] == {"bronze_quality": STOPPED}, "kept in the state file"


def test_job_parameters_are_kept_and_pushed_down_over_task_parameters(w, service):  # noqa: F811
    run = w.jobs.run_now(101, only=["bronze_quality"], job_parameters={"table": "juicer.other"}).result(timeout=WAIT)
    assert [(p.name, p.value) for p in run.job_parameters] == [("table", "juicer.other")]
    assert run.tasks[0].notebook_task.base_parameters == {"layer": "bronze", "table": "juicer.other"}
    assert json.loads(w.jobs.get_run_output(run.tasks[0].run_id).notebook_output.result)["table"] == "juicer.other"


@pytest.mark.parametrize("service", [{"run_ms": 60_000}], indirect=True)
def test_a_run_is_pending_until_its_time_runs_and_the_wait_is_bounded(w, service):  # noqa: F811
    waiter = w.jobs.run_now(101, only=["bronze_quality"])
    assert w.jobs.get_run(waiter.run_id).state.life_cycle_state == RunLifeCycleState.PENDING
    assert not list(w.jobs.list_runs(job_id=101, completed_only=True)), "not completed yet"
    with pytest.raises(TimeoutError):
        waiter.result(timeout=timedelta(seconds=0.5))


@pytest.mark.parametrize("service", [{"run_ms": 60_000}], indirect=True)
def test_the_clock_moves_a_run_from_pending_to_running_to_terminated(service):
    status, answer = service.handle("POST", "/api/2.2/jobs/run-now", {}, {"job_id": 101, "only": ["bronze_quality"]})
    assert status == 200
    run = service.to_state()["runs"][0]
    run["start_time"], run["_ends"]["at"] = 1_000, 3_000
    assert settle(run, 1_999)["state"]["life_cycle_state"] == "PENDING"
    assert settle(run, 2_000)["tasks"][0]["state"]["life_cycle_state"] == "RUNNING"
    ended = settle(run, 3_000)
    assert (ended["state"]["life_cycle_state"], ended["state"]["result_state"], ended["end_time"]) == (
        "TERMINATED", "SUCCESS", 3_000)
    assert "_ends" not in ended and ended["tasks"][0]["output"]["notebook_output"]["result"]


def test_run_now_refuses_what_the_service_refuses(w):  # noqa: F811
    with pytest.raises(InvalidParameterValue, match="Job 7 does not exist"):
        w.jobs.run_now(7)
    with pytest.raises(InvalidParameterValue, match="Task key nope in 'only' does not exist in job 101"):
        w.jobs.run_now(101, only=["nope"])
    with pytest.raises(InvalidParameterValue, match="job_parameters must be a map"):
        w.jobs.run_now(101, job_parameters={"x": 1})  # type: ignore[dict-item]


@pytest.mark.parametrize("service", [{"run_ms": 60_000}], indirect=True)
def test_a_run_over_the_jobs_concurrent_limit_is_skipped(w, service):  # noqa: F811
    first = w.jobs.run_now(101, only=["bronze_quality"]).run_id
    skipped = w.jobs.run_now(101, only=["bronze_quality"]).result(timeout=WAIT)
    assert skipped.state.life_cycle_state == RunLifeCycleState.SKIPPED
    assert skipped.state.result_state == RunResultState.MAXIMUM_CONCURRENT_RUNS_REACHED
    assert "limit of 1 maximum concurrent runs" in skipped.state.state_message
    assert [r.run_id for r in w.jobs.list_runs(job_id=101, active_only=True)] == [first]


@pytest.mark.parametrize("service, second", [
    ({"run_ms": 60_000, "settings": {"max_concurrent_runs": 2}}, RunLifeCycleState.PENDING),
    ({"run_ms": 60_000, "settings": {"queue": {"enabled": True}}}, RunLifeCycleState.QUEUED),
], ids=["limit-2", "queue"], indirect=["service"])
def test_a_higher_limit_runs_both_and_a_queue_holds_the_second(w, service, second):  # noqa: F811
    w.jobs.run_now(101, only=["bronze_quality"])
    run_id = w.jobs.run_now(101, only=["bronze_quality"]).run_id
    assert w.jobs.get_run(run_id).state.life_cycle_state == second


def test_a_queued_run_starts_when_the_run_ahead_ends() -> None:
    job = {"job_id": 7, "settings": {"name": "j", "tasks": [{"task_key": "a"}], "queue": {"enabled": True}}}
    ahead = new_run(job, {}, 1, 1, 1_000, {})
    queued = new_run(job, {}, 3, 2, 1_000, {}, active=[ahead])
    assert queued["state"]["life_cycle_state"] == "QUEUED"
    start = queued["start_time"]
    assert settle(queued, start + 900)["state"]["life_cycle_state"] == "QUEUED"
    assert settle(queued, start + 1_100)["state"]["life_cycle_state"] == "PENDING"
    assert settle(queued, start + 2_100)["state"]["life_cycle_state"] == "TERMINATED"
