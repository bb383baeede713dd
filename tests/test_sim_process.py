"""`--sim` runs the emulator as a child process: it starts with the run, says in one line why it
could not, stops with the run (its state saved), and never outlives a run that died."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from medallion.emulator import load_scenario
from suite import clean_env, run_checks
from test_plugin import one_clear_line

REPO = Path(__file__).resolve().parents[1]
STORAGE = ("-k", "storage")


def emulator(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "medallion.emulator", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd, env=clean_env(PYTHONPATH=str(REPO)))


def test_a_broken_scenario_stops_the_run_with_the_emulators_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    outcome = run_checks(tmp_path / "s.json", *STORAGE, scenario=bad)
    one_clear_line(outcome, "the emulator did not start", "bad.json: not valid JSON")
    assert outcome.records == []


def test_the_run_waits_for_its_emulator_to_save_the_state(tmp_path):
    state = tmp_path / "s.json"
    outcome = run_checks(state, *STORAGE, "--fix")
    assert outcome.writes, outcome.output
    saved = json.loads(state.read_text())
    assert len(saved["requests"]) >= len(outcome.writes)    # every request logged, writes included
    assert run_checks(state, *STORAGE).writes == []         # the next run starts from the fixed state


def test_the_emulator_stops_when_the_process_it_serves_has_ended(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    state = tmp_path / "state.json"
    child = emulator("--exit-with", str(parent.pid), "--state", str(state), cwd=tmp_path)
    try:
        assert child.stdout.readline().startswith("medallion emulator at ")
        parent.kill()
        parent.wait()
        started = time.monotonic()
        assert child.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        for process in (parent, child):
            if process.poll() is None:
                process.kill()
    assert load_scenario(state)["arm"]        # stopped cleanly: its state saved


def test_the_command_line_seeds_each_estate_of_a_spec(tmp_path):
    spec = tmp_path / "estates.toml"
    spec.write_text('[estates.east.estate]\nresource_group = "rg-east"\n'
                    '[estates.west.estate]\nresource_group = "rg-west"\n')
    state = tmp_path / "state.json"
    child = emulator("--estate", str(spec), "--state", str(state), cwd=tmp_path)
    child.stdout.readline()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=10) == 0
    groups = {entry["id"].split("/")[4] for entry in load_scenario(state)["arm"]}
    assert groups == {"rg-east", "rg-west"}


def test_a_bad_spec_on_the_command_line_is_one_line(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('[estate]\nstorage_acount = "x"\n')
    child = emulator("--estate", str(spec), cwd=tmp_path)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 2
    assert err.strip().count("\n") == 0 and "storage_acount" in err and "Traceback" not in err
