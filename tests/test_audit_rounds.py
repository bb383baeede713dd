"""A full audit reaches the estate in at most five sequential round trips after start-up's
preflight: the Databricks chain (workspace URL from Resource Manager, the SDK's host metadata,
jobs/list with tasks, runs/list, runs/get-output) is the longest, and every other read rides along.

Counted from the emulator's request log (each request's start and end) as the longest run of
requests each starting after the previous ended, at 2 s of added latency: far above the CPU time
between two requests, even on a busy machine, so the count is the chain of dependent reads.
Nothing here is timed."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from suite import run_checks, scenario_with

from medallion.emulator.rounds import longest_chain, rounds

LATENCY = ("--sim-latency-ms", "2000")


def silver_run(scenario: dict[str, Any]) -> None:
    """A finished run of the silver job whose quality task ran, so DQ-004 reads its output too."""
    state = {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS", "state_message": ""}
    scenario["databricks"]["runs"] = [{
        "job_id": 102, "run_id": 20, "number_in_job": 20, "start_time": 2_000, "end_time": 62_000,
        "run_type": "JOB_RUN", "run_name": "silver_ingest", "format": "MULTI_TASK", "state": state,
        "tasks": [{"run_id": 21, "task_key": "silver_main", "state": state, "start_time": 2_000},
                  {"run_id": 22, "task_key": "silver_quality", "state": state, "start_time": 2_000,
                   "depends_on": [{"task_key": "silver_main"}],
                   "output": {"notebook_output": {"result": "done", "truncated": False}}}]}]


def requests_of(state: Path) -> list[dict[str, Any]]:
    return json.loads(state.read_text())["requests"]


def test_a_full_audit_takes_at_most_five_round_trips_after_the_preflight(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    outcome = run_checks(state, *LATENCY, scenario=scenario_with(tmp_path, silver_run))
    assert len(outcome.records) == 65, outcome.output
    served = sorted(requests_of(state), key=lambda r: r["start"])
    preflight, audit = served[0], served[1:]
    assert preflight["path"].lower().endswith("/resourcegroups/rg-tbwa-projectscout-juicer"), preflight
    assert all(r["start"] >= preflight["end"] for r in audit), "the preflight overlapped the audit"
    paths = [r["path"] for r in audit]
    assert "/api/2.2/jobs/runs/get-output" in paths and "/api/2.2/jobs/get" not in paths
    assert longest_chain(audit) <= 5, [(round(r["start"] - preflight["end"], 1), r["path"][-60:]) for r in audit]


def test_fifty_estates_are_read_together_each_resource_once(tmp_path: Path) -> None:
    """Overlapping requests share a round: estates read one after another would take 50 or more."""
    spec = tmp_path / "estates.toml"
    spec.write_text("\n".join(f'[estates.e{n:02d}.estate]\nresource_group = "rg-juicer-e{n:02d}"\n'
                              f'storage_account = "juicere{n:02d}storage"\n' for n in range(50)))
    state = tmp_path / "s.json"
    outcome = run_checks(state, "--estate", str(spec), "-k", "storage or security", "--sim-latency-ms", "200")
    assert len(outcome.records) == 700, outcome.output
    gets = [(r["path"].lower(), r.get("query", "")) for r in requests_of(state) if r["method"] == "GET"]
    assert len(gets) == len(set(gets)), "a resource was read twice"
    groups = {path.split("/resourcegroups/")[1].split("/")[0] for path, _ in gets}
    assert groups == {f"rg-juicer-e{n:02d}" for n in range(50)}
    assert rounds(requests_of(state)) <= 10, "the estates were read one after another"
