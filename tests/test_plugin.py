"""The plugin's promises: clear one-line errors, permissions, selection, faults, exit status."""
from __future__ import annotations

import json

import time

import pytest

from medallion.emulator import Emulator, builtin_scenario
from suite import clean_env, run_checks, scenario_with

STORAGE = ("-k", "storage")


def one_clear_line(outcome, *words: str) -> None:
    assert outcome.status != 0
    assert "Traceback" not in outcome.output and "INTERNALERROR" not in outcome.output
    line = next((l for l in outcome.output.splitlines() if words[0] in l), None)
    assert line is not None, outcome.output
    for word in words:
        assert word in line, line


def test_a_reader_identity_cannot_fix_and_is_told_so_before_any_check(tmp_path):
    state = tmp_path / "s.json"
    outcome = run_checks(state, "--fix", "--sim-role", "reader")
    one_clear_line(outcome, "insufficient permissions for --fix", "Contributor")
    assert outcome.records == [] and outcome.writes == []


def test_a_reader_identity_can_audit(tmp_path):
    outcome = run_checks(tmp_path / "s.json", *STORAGE, "--sim-role", "reader")
    assert outcome.verdicts["STG-003"] == "failed" and outcome.verdicts["STG-005"] == "passed"


def test_a_broken_estate_spec_stops_with_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[estate]\nstorage_acount = "x"\n')
    outcome = run_checks(tmp_path / "s.json", "--estate", str(bad))
    one_clear_line(outcome, "unknown key 'estate.storage_acount'", str(bad))


def test_a_missing_resource_group_is_named(tmp_path):
    spec = tmp_path / "other.toml"
    spec.write_text('[estate]\nresource_group = "rg-typo"\n')
    outcome = run_checks(tmp_path / "s.json", "--estate", str(spec))
    one_clear_line(outcome, "resource group rg-typo not found", "estate.resource_group")


def test_an_unknown_subscription_is_named(tmp_path):
    spec = tmp_path / "other.toml"
    spec.write_text('[target]\nsubscription_id = "22222222-2222-2222-2222-222222222222"\n')
    scenario = scenario_with(tmp_path, lambda s: None)
    outcome = run_checks(tmp_path / "s.json", "--estate", str(spec), scenario=scenario)
    one_clear_line(outcome, "subscription 22222222-2222-2222-2222-222222222222 not found", "subscription_id")


def test_no_credentials_points_to_sim(tmp_path):
    emulator = Emulator(builtin_scenario()).start()
    try:
        spec = tmp_path / "real.toml"
        spec.write_text(f'[target]\nresource_manager_endpoint = "{emulator.url}"\n')
        env = clean_env(AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000000",
                        AZURE_TOKEN_CREDENTIALS="dev", PATH="/usr/bin:/bin")
        outcome = run_checks(tmp_path / "s.json", "--estate", str(spec), sim=False, env=env)
    finally:
        emulator.stop()
    one_clear_line(outcome, "no Azure credentials", "--sim", "az login")


def test_an_unreachable_endpoint_ends_the_run_in_seconds(tmp_path):
    spec = tmp_path / "real.toml"
    spec.write_text('[target]\nresource_manager_endpoint = "http://127.0.0.1:9"\n')
    env = clean_env(AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000000", AZURE_TOKEN_CREDENTIALS="dev")
    started = time.monotonic()
    outcome = run_checks(tmp_path / "s.json", "--estate", str(spec), sim=False, env=env, timeout=60)
    assert time.monotonic() - started < 60
    one_clear_line(outcome, "unreachable", "127.0.0.1:9")


def test_a_failing_api_gives_one_line_not_a_stack_trace(tmp_path):
    outcome = run_checks(tmp_path / "s.json", *STORAGE, "--sim-error-rate", "1.0")
    one_clear_line(outcome, "keeps failing", "503", "run again later")


@pytest.mark.parametrize("selection, expected", [
    (("-m", "storage"), {"STG-001", "STG-002", "STG-003", "STG-004", "STG-005"}),
    (("-k", "STG-003"), {"STG-003"}),
    (("-m", "storage and high"), {"STG-003", "STG-004"}),
])
def test_areas_ids_and_severities_select_checks(tmp_path, selection, expected):
    outcome = run_checks(tmp_path / "s.json", *selection)
    assert set(outcome.verdicts) == expected


def test_injected_faults_leave_verdicts_unchanged(tmp_path):
    clean = run_checks(tmp_path / "a.json", *STORAGE)
    faults = ("--sim-latency-ms", "20", "--sim-throttle-rate", "0.1", "--sim-error-rate", "0.05")
    faulty = run_checks(tmp_path / "b.json", *STORAGE, *faults)
    assert faulty.verdicts == clean.verdicts, faulty.output
    fixed = run_checks(tmp_path / "b.json", *STORAGE, "--fix", *faults)
    assert fixed.status == 0 and "error" not in fixed.verdicts.values(), fixed.output


def test_fix_and_plan_exclude_each_other(tmp_path):
    one_clear_line(run_checks(tmp_path / "s.json", "--fix", "--plan"), "exclude each other")


def test_parallel_fix_of_every_area_matches_serial_and_leaves_nothing_for_a_second(tmp_path):
    opt_ins = ("--allow-disruptive", "--allow-irreversible")
    serial = run_checks(tmp_path / "a.json", "--fix", *opt_ins)
    parallel = run_checks(tmp_path / "b.json", "--fix", *opt_ins, "-n", "2")
    assert parallel.status == serial.status == 0, parallel.output
    assert parallel.verdicts == serial.verdicts
    # the one worker runs the same flow as a run without -n, not one check after another
    reads = {name: sum(r["method"] == "GET" for r in json.loads((tmp_path / name).read_text())["requests"])
             for name in ("a.json", "b.json")}
    assert len(parallel.writes) == len(serial.writes) and reads["b.json"] <= reads["a.json"] * 1.2, reads
    again = run_checks(tmp_path / "b.json", "--fix", *opt_ins, "-n", "2")
    assert again.writes == [] and set(again.verdicts.values()) == {"passed"}
