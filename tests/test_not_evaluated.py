"""Not evaluated is not passed: a check whose subject cannot be observed gets its own verdict,
fails the run unless the spec declares the area absent, and --fix does not pretend to fix it.
Each case deletes resources from the emulator's scenario and runs the real SDKs against it."""
from __future__ import annotations

from suite import clean_env, run_checks, scenario_with

STORAGE_ACCOUNT = "/storageAccounts/tbwajuicerstorage"
VAULT = "/vaults/kv-tbwa-juicer-insights2"


def without(*fragments: str):
    """A scenario edit that deletes every ARM resource whose id contains one of `fragments`."""
    def edit(scenario):
        scenario["arm"] = [e for e in scenario["arm"] if not any(f.lower() in e["id"].lower() for f in fragments)]
    return edit


def by_id(outcome, requirement_id):
    return {key: verdict for key, verdict in outcome.verdicts.items() if key.startswith(requirement_id)}


def test_storage_without_its_account_is_not_evaluated_and_fails_the_run(tmp_path):
    run = run_checks(tmp_path / "s.json", "-k", "storage", scenario=scenario_with(tmp_path, without(STORAGE_ACCOUNT)))
    for requirement_id in ("STG-001", "STG-002", "STG-003", "STG-004"):
        assert by_id(run, requirement_id) == {requirement_id: "not_evaluated"}, run.output
    record = next(r for r in run.records if r["id"] == "STG-003")
    assert "Not evaluated: storage account tbwajuicerstorage not found" in record["message"]
    assert record["fix_outcome"] == "not run: there was nothing to judge"
    assert run.status != 0 and "4 not_evaluated" in run.output
    assert "STG-003 not evaluated: storage account tbwajuicerstorage not found" in run.output


def test_fix_does_not_fix_what_it_could_not_observe(tmp_path):
    scenario = scenario_with(tmp_path, without(STORAGE_ACCOUNT))
    run = run_checks(tmp_path / "s.json", "-k", "storage", "--fix", scenario=scenario)
    assert by_id(run, "STG-003") == {"STG-003": "not_evaluated"}, run.output
    assert not [w for w in run.writes if "storageaccounts" in w["path"].lower()], run.writes
    assert run.status != 0


def test_security_without_the_vault_is_not_evaluated(tmp_path):
    run = run_checks(tmp_path / "s.json", "-k", "vault", scenario=scenario_with(tmp_path, without(VAULT)))
    assert by_id(run, "SEC-005") == {"SEC-005": "not_evaluated"}, run.output
    assert by_id(run, "SEC-006") == {"SEC-006": "not_evaluated"}, run.output
    assert "Key Vault kv-tbwa-juicer-insights2 not found" in run.output


def test_private_endpoints_to_targets_that_do_not_exist_are_not_judged_nor_created(tmp_path):
    scenario = scenario_with(tmp_path, without(STORAGE_ACCOUNT))
    run = run_checks(tmp_path / "s.json", "-k", "SEC-003", "--fix", scenario=scenario)
    record = next(r for r in run.records if r["id"] == "SEC-003")
    assert "tbwajuicerstorage not found: not judged" in record["message"], record["message"]
    endpoints = [w["path"].lower() for w in run.writes if "/privateendpoints/" in w["path"].lower()]
    assert endpoints and all("kv-tbwa-juicer-insights2" in path for path in endpoints), endpoints
    neither = run_checks(tmp_path / "n.json", "-k", "SEC-003",
                         scenario=scenario_with(tmp_path, without(STORAGE_ACCOUNT, VAULT)))
    assert by_id(neither, "SEC-003") == {"SEC-003": "not_evaluated"}, neither.output
    assert "kv-tbwa-juicer-insights2 and tbwajuicerstorage not found" in neither.output


def bronze_cluster_and_job_without_tasks(scenario):
    """Bronze's dedicated cluster exists; its job has no tasks at all."""
    shared = scenario["databricks"]["clusters"][0]
    scenario["databricks"]["clusters"].append(
        {**shared, "cluster_id": "0314-091500-bronze01", "cluster_name": "BronzeLayerProcessing"})
    for job in scenario["databricks"]["jobs"]:
        if job["settings"].get("name") == "bronze_ingest":
            job["settings"]["tasks"] = []


def test_compute_job_without_tasks_is_not_evaluated_rather_than_passed(tmp_path):
    run = run_checks(tmp_path / "s.json", "-k", "check_layer_job_runs_on_dedicated_cluster",
                     scenario=scenario_with(tmp_path, bronze_cluster_and_job_without_tasks))
    assert run.verdicts["CMP-007[bronze]"] == "not_evaluated", run.output
    assert "has no tasks" in next(r for r in run.records if r["nodeid"].endswith("[bronze]"))["message"]


def test_monitoring_with_no_resources_passes_nothing(tmp_path):
    """With nothing but the workspace to watch (the Log Analytics workspace itself lists diagnostic
    categories, so MON-003's list is never empty while its workspace exists) nothing passes
    unobserved: the alerts on the absent storage account and vault are not evaluated, and every
    other monitoring check fails naming what is missing (its fix can create it)."""
    scenario = scenario_with(tmp_path, without(STORAGE_ACCOUNT, VAULT, "/workspaces/tbwa-juicer-databricks"))
    run = run_checks(tmp_path / "s.json", "-k", "monitoring", scenario=scenario)
    assert run.records and "passed" not in run.verdicts.values(), run.verdicts
    assert {k for k, v in run.verdicts.items() if v == "not_evaluated"} == {"MON-004", "MON-006"}, run.verdicts
    assert all(r["message"] and isinstance(r["observed"], dict) for r in run.records)
    assert ("MON-004 not evaluated: storage account tbwajuicerstorage not found in RG-TBWA-ProjectScout-Juicer, "
            "so alert") in run.output
    fixed = run_checks(tmp_path / "s.json", "-k", "MON-006", "--fix")
    assert fixed.verdicts == {"MON-006": "not_evaluated"} and fixed.writes == [], "no alert on a vault that is not there"


def test_an_area_declared_absent_is_not_evaluated_without_failing_the_run(tmp_path):
    spec = tmp_path / "estate.toml"
    spec.write_text('[areas]\nabsent = ["data_quality"]\n')
    run = run_checks(tmp_path / "s.json", "-k", "data_quality", "--estate", str(spec))
    assert run.records and set(run.verdicts.values()) == {"not_evaluated"}, run.output
    assert run.status == 0, run.output
    assert all(r["area_absent"] for r in run.records)


def test_an_unknown_absent_area_stops_the_run_with_one_line(tmp_path):
    spec = tmp_path / "estate.toml"
    spec.write_text('[areas]\nabsent = ["dataquality"]\n')
    run = run_checks(tmp_path / "s.json", "--estate", str(spec), env=clean_env())
    assert run.status != 0 and not run.records
    assert "areas.absent[0]" in run.output and "Traceback" not in run.output, run.output


def quality_tasks_wired_but_never_run(scenario):
    """Every layer job already runs its quality task after its main task; no run of any job exists."""
    for job in scenario["databricks"]["jobs"]:
        layer = job["settings"]["name"].split("_")[0]
        job["settings"]["tasks"].append({"task_key": f"{layer}_quality", "depends_on": [{"task_key": f"{layer}_main"}],
                                         "notebook_task": {"notebook_path": f"/Shared/x/{layer}_quality"}})
    scenario["databricks"].pop("runs", None)


def test_data_quality_with_no_quality_run_is_not_evaluated_rather_than_passed(tmp_path):
    run = run_checks(tmp_path / "s.json", "-k", "DQ-004",
                     scenario=scenario_with(tmp_path, quality_tasks_wired_but_never_run))
    assert set(run.verdicts.values()) == {"not_evaluated"} and len(run.verdicts) == 4, run.output
    assert run.status != 0 and run.writes == []
    assert "DQ-004[silver] not evaluated: job 102's task silver_quality has never run to an end: none of the job's " \
           "25 newest completed runs ran it; --fix runs it once (jobs/run-now)" in run.output
    record = next(r for r in run.records if r["nodeid"].endswith("[gold]"))
    assert record["observed"] == {"job_id": 103, "task_key": "gold_quality", "latest_run": None}
