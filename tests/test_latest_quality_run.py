"""DQ-004 reads each layer's latest quality run through the Jobs API (runs/list, then runs/get-output
of the quality task run), as the emulator serves them. The runs' outputs are the real notebook's:
its exit summary or its failure line, from running it on sqlframe with a planted defect."""
from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("sqlframe")

from medallion.desired.quality import run_findings  # noqa: E402
from medallion.emulator.databricks.run_now import outcome_of  # noqa: E402
from quality_lake import Lake, SqlframeEngine, transactions, verdict  # noqa: E402
from suite import run_checks, scenario_with  # noqa: E402

SILVER_JOB = 102
CHECK = ("-k", "DQ-004 and silver")


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict[str, Any]]:
    """The get-output answers of three real notebook runs: clean, breached but not stopping, stopped."""
    lake = Lake(SqlframeEngine()).clean()
    clean = lake.run("silver")["dbutils"].notebook.exit_value
    lake.write("silver", transactions()[:3])
    breached = lake.run("silver", fail_on_error="false")["dbutils"].notebook.exit_value
    stopped, _ = verdict(lake, "silver")
    return {"clean": {"notebook_output": {"result": clean, "truncated": False}},
            "breached": {"notebook_output": {"result": breached, "truncated": False}},
            "stopped": {"error": stopped, "error_trace": f"Traceback ...\n{stopped}"}}


def test_the_emulators_default_quality_exit_has_the_notebooks_shape(outputs):
    """A run --fix starts in the emulator exits, by default, with a summary shaped as the real
    notebook's: the same keys, each check with the same fields, and DQ-004 judges it passed."""
    real = json.loads(outputs["clean"]["notebook_output"]["result"])
    task = {"task_key": "silver_quality", "notebook_task": {"base_parameters": {"layer": "silver", "table": real["table"]}}}
    default = json.loads(outcome_of(task, {}, 7)["output"]["notebook_output"]["result"])
    assert set(default) == set(real) and default["status"] == real["status"] == "passed"
    assert {frozenset(c) for c in default["checks"]} == {frozenset(c) for c in real["checks"]}
    assert {c["check"] for c in default["checks"]} <= {c["check"] for c in real["checks"]}
    found = {"run": {"run_id": 7}, "task": {"state": {"result_state": "SUCCESS"}},
             "output": outcome_of(task, {}, 7)["output"]}
    assert run_findings(found) == []


def run(run_id: int, start: int, quality: str, output: dict[str, Any] | None) -> dict[str, Any]:
    """A silver_ingest run as runs/get shows it: main task, then the quality task ended `quality`."""
    def state(result: str) -> dict[str, Any]:
        return {"life_cycle_state": "TERMINATED" if result != "UPSTREAM_FAILED" else "SKIPPED",
                "result_state": result, "state_message": "", "user_cancelled_or_timedout": False}
    overall = "SUCCESS" if quality == "SUCCESS" else "FAILED"
    return {"job_id": SILVER_JOB, "run_id": run_id, "number_in_job": run_id, "start_time": start,
            "end_time": start + 60000, "run_type": "JOB_RUN", "run_name": "silver_ingest", "format": "MULTI_TASK",
            "state": state(overall), "tasks": [
                {"run_id": run_id + 1, "task_key": "silver_main", "state": state("SUCCESS"), "start_time": start},
                {"run_id": run_id + 2, "task_key": "silver_quality", "state": state(quality), "start_time": start,
                 "end_time": start + 60000, "depends_on": [{"task_key": "silver_main"}],
                 **({"output": output} if output is not None else {})}]}


def audit(tmp_path, runs: list[dict[str, Any]]):
    def edit(scenario):
        scenario["databricks"]["runs"] = runs
    return run_checks(tmp_path / "s.json", *CHECK, scenario=scenario_with(tmp_path, edit))


def test_a_clean_latest_run_passes_whatever_an_older_run_found(tmp_path, outputs):
    older, latest = run(10, 1_000, "FAILED", outputs["stopped"]), run(20, 2_000, "SUCCESS", outputs["clean"])
    outcome = audit(tmp_path, [older, latest])
    assert outcome.verdicts == {"DQ-004[silver]": "passed"}, outcome.output


def test_a_latest_run_stopped_by_a_blocking_check_fails_naming_it(tmp_path, outputs):
    older, latest = run(10, 1_000, "SUCCESS", outputs["clean"]), run(20, 2_000, "FAILED", outputs["stopped"])
    outcome = audit(tmp_path, [older, latest])
    assert outcome.verdicts == {"DQ-004[silver]": "failed"}
    message = outcome.records[0]["message"]
    assert "run 20 (task silver_quality): the task ended FAILED: DataQualityError: silver data quality failed" in message
    assert "row_count (3 / 5 = 0.6000)" in message and "Traceback" not in message
    assert outcome.writes == []


def test_blocking_failures_reported_by_a_run_that_did_not_stop_fail_too(tmp_path, outputs):
    outcome = audit(tmp_path, [run(20, 2_000, "SUCCESS", outputs["breached"])])
    assert outcome.verdicts == {"DQ-004[silver]": "failed"}
    assert "row_count failed at error level (2 of 3 rows)" in outcome.records[0]["message"]
    assert json.loads(outputs["breached"]["notebook_output"]["result"])["status"] == "failed"


def test_a_newer_run_whose_quality_task_was_skipped_is_passed_over(tmp_path, outputs):
    older, latest = run(10, 1_000, "FAILED", outputs["stopped"]), run(20, 2_000, "UPSTREAM_FAILED", None)
    outcome = audit(tmp_path, [older, latest])
    assert outcome.verdicts == {"DQ-004[silver]": "failed"}
    assert "run 10 " in outcome.records[0]["message"]


def test_an_output_that_is_not_our_summary_fails(tmp_path):
    foreign = {"notebook_output": {"result": "done", "truncated": False}}
    outcome = audit(tmp_path, [run(20, 2_000, "SUCCESS", foreign)])
    assert "not the quality notebook's summary" in outcome.records[0]["message"]


# DQ-004's fix: a quality task that never ran is not evaluated, and --fix runs it once (jobs/run-now).
FIX = ("-k", "compute or data_quality", "--fix")


def run_now_calls(outcome) -> list[dict[str, Any]]:
    return [w for w in outcome.writes if w["path"].endswith("/jobs/run-now")]


def started_runs(state) -> list[dict[str, Any]]:
    """The runs --fix started, as the emulator keeps them: (job, task keys, result)."""
    runs = json.loads(state.read_text())["databricks"].get("runs", [])
    return [(r["job_id"], [t["task_key"] for t in r["tasks"]], r["state"].get("result_state"))
            for r in runs if r.get("trigger") == "ONE_TIME"]


def test_audit_runs_nothing_fix_runs_each_never_run_task_once_and_a_second_fix_none(tmp_path, outputs):
    def edit(scenario):
        scenario["databricks"]["runs"] = [run(20, 2_000, "SUCCESS", outputs["clean"])]  # silver's task ran
    state, scenario = tmp_path / "s.json", scenario_with(tmp_path, edit)
    audit = run_checks(state, "-k", "DQ-004", scenario=scenario)
    assert audit.writes == [] and audit.verdicts == {"DQ-004[bronze]": "not_evaluated", "DQ-004[silver]": "passed",
                                                     "DQ-004[gold]": "not_evaluated", "DQ-004[platinum]": "not_evaluated"}
    assert "job 101's task bronze_quality has never run to an end" in audit.output
    fixed = run_checks(state, *FIX)
    assert len(run_now_calls(fixed)) == 3, fixed.output
    # --fix runs the layers' tasks side by side (flow.py): which starts first is not fixed
    assert sorted(started_runs(state)) == [(101, ["bronze_quality"], "SUCCESS"), (103, ["gold_quality"], "SUCCESS"),
                                           (104, ["platinum_quality"], "SUCCESS")]
    assert {k: v for k, v in fixed.verdicts.items() if k.startswith("DQ-004")} == {
        "DQ-004[bronze]": "fixed", "DQ-004[silver]": "passed", "DQ-004[gold]": "fixed", "DQ-004[platinum]": "fixed"}
    again = run_checks(state, *FIX)
    assert run_now_calls(again) == [] and again.writes == [] and again.status == 0, again.output


def test_a_planted_failing_outcome_fails_dq004_after_the_fix_and_is_not_rerun(tmp_path, outputs):
    def edit(scenario):
        scenario["databricks"]["run_outcomes"] = {"gold_quality": {"result_state": "FAILED", "output": outputs["stopped"]}}
    state, scenario = tmp_path / "s.json", scenario_with(tmp_path, edit)
    selected = ("-k", "(compute or data_quality) and gold", "--fix")
    fixed = run_checks(state, *selected, scenario=scenario)
    assert fixed.verdicts["DQ-004[gold]"] == "failed" and len(run_now_calls(fixed)) == 1
    message = next(r["message"] for r in fixed.records if r["id"] == "DQ-004")
    assert "Fix failed: after 1 change(s) the check still fails: job 103 run" in message
    assert "the task ended FAILED: DataQualityError: silver data quality failed" in message and "Traceback" not in message
    again = run_checks(state, *selected)
    assert again.verdicts["DQ-004[gold]"] == "failed" and run_now_calls(again) == [], "a task that ran is never rerun"


def test_plan_shows_the_run_and_starts_none(tmp_path):
    planned = run_checks(tmp_path / "s.json", "-k", "DQ-004 and bronze", "--plan")
    assert planned.writes == [] and planned.verdicts == {"DQ-004[bronze]": "failed"}
    assert ("--fix would change:\n  - job 101 (bronze_ingest): runs of task bronze_quality: \"never run to an end\""
            in planned.records[0]["message"]), planned.output


def test_a_run_that_outlasts_the_timeout_is_one_line_and_not_started_twice(tmp_path):
    estate = tmp_path / "estate.toml"
    estate.write_text("[data_quality]\nrun_timeout_minutes = 0.01\n")
    state = tmp_path / "s.json"
    selected = ("-k", "(compute or data_quality) and bronze", "--fix", "--estate", str(estate), "--sim-lro-ms", "60000")
    fixed = run_checks(state, *selected)
    message = next(r["message"] for r in fixed.records if r["id"] == "DQ-004")
    assert "task bronze_quality did not end within 0.01 min (data_quality.run_timeout_minutes)" in message, message
    assert "it keeps running and the next audit judges it" in message and "Traceback" not in fixed.output
    assert started_runs(state) == [(101, ["bronze_quality"], None)]
    again = run_checks(state, *selected)
    assert run_now_calls(again) == [] and again.verdicts["DQ-004[bronze]"] == "not_evaluated", again.output
    assert "task bronze_quality has never run to an end: run 900000000000001 of it is in progress" in again.output


def test_a_run_skipped_for_the_jobs_concurrent_limit_is_one_line_and_tried_again(tmp_path):
    """The silver job is busy with a scheduled run of its main task (max_concurrent_runs 1, no
    queue): Databricks skips the quality run --fix starts, the item says so in one line, and the
    next --fix tries again rather than taking the skipped run for one that ran."""
    busy = {"job_id": SILVER_JOB, "run_id": 40, "number_in_job": 1, "start_time": 1_000, "run_type": "JOB_RUN",
            "trigger": "PERIODIC", "format": "MULTI_TASK", "state": {"life_cycle_state": "RUNNING", "state_message": ""},
            "tasks": [{"run_id": 41, "task_key": "silver_main", "start_time": 1_000,
                       "state": {"life_cycle_state": "RUNNING", "state_message": ""}}]}

    def edit(scenario):
        scenario["databricks"]["runs"] = [busy]
    state, selected = tmp_path / "s.json", ("-k", "(compute or data_quality) and silver", "--fix")
    fixed = run_checks(state, *selected, scenario=scenario_with(tmp_path, edit))
    message = next(r["message"] for r in fixed.records if r["id"] == "DQ-004")
    assert fixed.verdicts["DQ-004[silver]"] == "failed" and len(run_now_calls(fixed)) == 1, fixed.output
    assert "was skipped, task silver_quality did not run: Skipping this run because the limit of 1" in message, message
    assert "Traceback" not in fixed.output
    again = run_checks(state, *selected)
    assert len(run_now_calls(again)) == 1 and again.verdicts["DQ-004[silver]"] == "failed", again.output
