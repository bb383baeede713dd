"""Real-world conditions: a slow, throttling, failing API; unreachable endpoints; a killed --fix."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from suite import REPO, WRITES, clean_env, run_checks

OPT_INS = ("--allow-disruptive", "--allow-irreversible")
# Latency only slows the run; the throttling (429 + Retry-After) and the outages (503) are what could
# change a verdict. Each costs a 1 s Retry-After, so the rates are low enough to keep the test short
# while each run, hundreds of requests, still meets several of each (about 15 throttles expected).
FAULTS = ("--sim-latency-ms", "20", "--sim-throttle-rate", "0.05", "--sim-error-rate", "0.03")


@pytest.fixture(scope="module")
def faulty_runs(tmp_path_factory):
    """One clean audit, then audit, --fix and audit again under faults, shared by the tests below."""
    folder = tmp_path_factory.mktemp("faults")
    clean = run_checks(folder / "clean.json")
    faulty = run_checks(folder / "faulty.json", *FAULTS)
    fixed = run_checks(folder / "faulty.json", "--fix", *OPT_INS, *FAULTS)
    again = run_checks(folder / "faulty.json", *FAULTS)
    return {"clean": clean, "faulty": faulty, "fixed": fixed, "again": again}


def test_faults_change_no_verdict(faulty_runs):
    assert faulty_runs["faulty"].verdicts == faulty_runs["clean"].verdicts, faulty_runs["faulty"].output


def test_under_faults_fix_still_converges(faulty_runs):
    fixed = faulty_runs["fixed"]
    assert "error" not in fixed.verdicts.values(), fixed.output
    assert fixed.status == 0, fixed.output
    assert set(faulty_runs["again"].verdicts.values()) == {"passed"}


def test_an_unreachable_databricks_workspace_costs_seconds_and_says_so(tmp_path):
    spec = tmp_path / "dbx.toml"
    spec.write_text('[target]\ndatabricks_host = "http://127.0.0.1:9"\n')
    started = time.monotonic()
    outcome = run_checks(tmp_path / "s.json", "--estate", str(spec), "-k", "compute or data_quality", timeout=120)
    assert time.monotonic() - started < 60
    assert set(outcome.verdicts.values()) == {"error"} and "Traceback" not in outcome.output
    assert "Databricks workspace http://127.0.0.1:9 is unreachable" in outcome.output


def test_a_fix_killed_halfway_is_finished_by_the_next_fix(tmp_path):
    state = tmp_path / "s.json"
    command = [sys.executable, "-m", "pytest", "checks/", "-q", "--sim", "--sim-state", str(state),
               "--fix", *OPT_INS, "--sim-latency-ms", "30"]
    proc = subprocess.Popen(command, cwd=REPO, env=clean_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _writes(state) < 25 and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the fix finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _writes(state) >= 25
    finished = run_checks(state, "--fix", *OPT_INS)
    assert finished.status == 0, finished.output
    again = run_checks(state, "--fix", *OPT_INS)
    assert again.status == 0 and set(again.verdicts.values()) == {"passed"}
    assert again.writes == []


def _writes(state) -> int:
    try:
        requests = json.loads(state.read_text()).get("requests", [])
    except (OSError, ValueError):
        return 0
    return sum(r["method"] in WRITES for r in requests)
