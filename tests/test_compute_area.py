"""The compute area end to end: `pytest checks/ -k compute` against the embedded estate."""
from __future__ import annotations

import json
import subprocess
import sys

from suite import REPO, clean_env, run_checks, scenario_with

COMPUTE = ("-k", "compute")
LAYERS = ("bronze", "silver", "gold", "platinum")
IDS = [f"CMP-00{n}" for n in range(1, 8)]
SHARED = "0314-091500-shared01"


def databricks(state):
    return json.loads(state.read_text())["databricks"]


def billing(state):
    return sorted(c["cluster_name"] for c in databricks(state)["clusters"]
                  if c.get("state") in ("PENDING", "RUNNING", "RESIZING", "RESTARTING"))


def test_audit_fails_every_compute_requirement_on_the_half_finished_estate(tmp_path):
    state = tmp_path / "s.json"
    audit = run_checks(state, *COMPUTE)
    assert audit.status != 0 and audit.writes == []
    assert audit.verdicts == {f"{i}[{layer}]": "failed" for i in IDS for layer in LAYERS}
    message = next(r["message"] for r in audit.records if r["nodeid"].endswith("check_layer_has_one_dedicated_cluster[bronze]"))
    assert "no cluster named BronzeLayerProcessing" in message and "--fix creates it" in message


def test_fix_creates_stopped_pinned_clusters_and_a_second_fix_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    fixed = run_checks(state, *COMPUTE, "--fix")
    assert fixed.status == 0, fixed.output
    assert set(fixed.verdicts.values()) == {"fixed"}
    assert billing(state) == ["shared-autoscaling"], "a fix left a cluster running"
    clusters = {c["cluster_name"]: c for c in databricks(state)["clusters"]}
    assert set(clusters) == {"shared-autoscaling", "BronzeLayerProcessing", "SilverLayerProcessing",
                             "GoldPlatinumLayerProcessing"}
    gold = clusters["GoldPlatinumLayerProcessing"]
    assert gold["state"] == "TERMINATED" and gold["pinned_by_user_name"]
    assert gold["custom_tags"] == {"layer": "gold-platinum", "project": "juicer"}
    assert clusters["shared-autoscaling"].get("pinned_by_user_name") is None
    again = run_checks(state, *COMPUTE, "--fix")
    assert again.status == 0 and set(again.verdicts.values()) == {"passed"}
    assert again.writes == []


def test_fix_moves_every_task_and_keeps_schedules_notifications_and_user_tasks(tmp_path):
    def edit(scenario):
        job = scenario["databricks"]["jobs"][0]["settings"]
        job["job_clusters"] = [{"job_cluster_key": "etl", "new_cluster": {"spark_version": "15.4.x-scala2.12",
                                                                          "node_type_id": "Standard_DS3_v2", "num_workers": 1}}]
        job["tasks"].append({"task_key": "user_export", "job_cluster_key": "etl", "depends_on": [{"task_key": "bronze_main"}],
                             "spark_python_task": {"python_file": "dbfs:/jobs/export.py", "parameters": ["--full"]},
                             "max_retries": 3})
    state = tmp_path / "s.json"
    fixed = run_checks(state, *COMPUTE, "--fix", scenario=scenario_with(tmp_path, edit))
    assert fixed.status == 0, fixed.output
    jobs = {j["job_id"]: j["settings"] for j in databricks(state)["jobs"]}
    bronze = jobs[101]
    clusters = {c["cluster_name"]: c["cluster_id"] for c in databricks(state)["clusters"]}
    tasks = {t["task_key"]: t for t in bronze["tasks"]}
    assert set(tasks) == {"bronze_main", "user_export"}
    assert {t["existing_cluster_id"] for t in tasks.values()} == {clusters["BronzeLayerProcessing"]}
    assert tasks["user_export"]["spark_python_task"]["parameters"] == ["--full"]
    assert tasks["user_export"]["max_retries"] == 3 and "job_cluster_key" not in tasks["user_export"]
    assert bronze["schedule"]["quartz_cron_expression"] == "0 0 1 * * ?"
    assert bronze["email_notifications"] == {"on_failure": ["data-platform@tbwa.example"]}
    assert bronze["job_clusters"][0]["job_cluster_key"] == "etl"
    assert jobs[104]["tasks"][0]["existing_cluster_id"] == clusters["GoldPlatinumLayerProcessing"]


def _existing_bronze(**settings):
    cluster = {"cluster_id": "0101-000000-bronze01", "cluster_name": "BronzeLayerProcessing",
               "spark_version": "16.3.x-scala2.12", "node_type_id": "Standard_DS4_v2", "num_workers": 3,
               "autotermination_minutes": 0, "data_security_mode": "NONE",
               "custom_tags": {"layer": "bronze", "cost-center": "4711"},
               "spark_conf": {"spark.sql.shuffle.partitions": "64"}, "state": "TERMINATED",
               "creator_user_name": "deploy@tbwa.example", "cluster_source": "UI"}
    cluster.update(settings)
    return lambda scenario: scenario["databricks"]["clusters"].append(cluster)


def test_partial_repairs_touch_only_the_fields_at_fault_and_hold_disruptive_ones(tmp_path):
    state = tmp_path / "s.json"
    scenario = scenario_with(tmp_path, _existing_bronze())
    audit = run_checks(state, "-k", "compute and bronze", scenario=scenario)
    assert {k: v for k, v in audit.verdicts.items() if v == "failed"} == {
        f"{i}[bronze]": "failed" for i in ("CMP-002", "CMP-003", "CMP-004", "CMP-005", "CMP-006", "CMP-007")}
    message = next(r["message"] for r in audit.records if r["id"] == "CMP-003")
    assert "16.3.x-scala2.12 is not an LTS release" in message and "16.4.x-scala2.12" in message
    fixed = run_checks(state, "-k", "compute and bronze", "--fix")
    assert fixed.verdicts["CMP-002[bronze]"] == fixed.verdicts["CMP-004[bronze]"] == "fixed", fixed.output
    assert fixed.verdicts["CMP-003[bronze]"] == fixed.verdicts["CMP-005[bronze]"] == "failed"
    assert "--allow-disruptive" in next(r["message"] for r in fixed.records if r["id"] == "CMP-005")
    cluster = next(c for c in databricks(state)["clusters"] if c["cluster_name"] == "BronzeLayerProcessing")
    assert cluster["autotermination_minutes"] == 30 and cluster["pinned_by_user_name"]
    assert cluster["custom_tags"] == {"layer": "bronze", "cost-center": "4711", "project": "juicer"}
    assert cluster["spark_version"] == "16.3.x-scala2.12" and cluster["data_security_mode"] == "NONE"
    assert cluster["num_workers"] == 3 and cluster["spark_conf"] == {"spark.sql.shuffle.partitions": "64"}
    allowed = run_checks(state, "-k", "compute and bronze", "--fix", "--allow-disruptive")
    assert allowed.status == 0, allowed.output
    cluster = next(c for c in databricks(state)["clusters"] if c["cluster_name"] == "BronzeLayerProcessing")
    assert cluster["spark_version"] == "16.4.x-scala2.12" and cluster["data_security_mode"] == "USER_ISOLATION"
    assert cluster["node_type_id"] == "Standard_DS4_v2" and cluster["state"] == "TERMINATED"
    assert billing(state) == ["shared-autoscaling"]


def test_a_longer_in_range_idle_limit_is_kept_and_a_too_long_one_is_clamped(tmp_path):
    state = tmp_path / "s.json"
    scenario = scenario_with(tmp_path, _existing_bronze(autotermination_minutes=600, spark_version="15.4.x-scala2.12",
                                                        data_security_mode="SINGLE_USER",
                                                        single_user_name="etl@tbwa.example"))
    run_checks(state, "-k", "CMP-002 and bronze", "--fix", scenario=scenario)
    cluster = next(c for c in databricks(state)["clusters"] if c["cluster_name"] == "BronzeLayerProcessing")
    assert cluster["autotermination_minutes"] == 120
    assert cluster["data_security_mode"] == "SINGLE_USER" and cluster["single_user_name"] == "etl@tbwa.example"


def test_duplicate_cluster_names_are_a_finding_and_nothing_is_deleted(tmp_path):
    def edit(scenario):
        for n in (1, 2):
            _existing_bronze(cluster_id=f"0101-000000-dup0000{n}", cluster_name="SilverLayerProcessing")(scenario)
    state = tmp_path / "s.json"
    fixed = run_checks(state, "-k", "compute and silver", "--fix", scenario=scenario_with(tmp_path, edit))
    assert fixed.verdicts["CMP-001[silver]"] == "failed"
    assert "2 clusters are named SilverLayerProcessing" in next(r["message"] for r in fixed.records if r["id"] == "CMP-001")
    assert fixed.verdicts["CMP-006[silver]"] == "blocked"
    names = [c["cluster_name"] for c in databricks(state)["clusters"]]
    assert names.count("SilverLayerProcessing") == 2


def test_a_running_layer_cluster_is_not_restarted_without_the_opt_in(tmp_path):
    state = tmp_path / "s.json"
    scenario = scenario_with(tmp_path, _existing_bronze(state="RUNNING", spark_version="15.4.x-scala2.12",
                                                        data_security_mode="USER_ISOLATION"))
    held = run_checks(state, "-k", "CMP-002 and bronze", "--fix", scenario=scenario)
    assert held.verdicts["CMP-002[bronze]"] == "failed" and held.writes == []
    allowed = run_checks(state, "-k", "CMP-002 and bronze", "--fix", "--allow-disruptive")
    assert allowed.verdicts["CMP-002[bronze]"] == "fixed"
    assert [w["path"] for w in allowed.writes] == ["/api/2.1/clusters/update"]


def test_a_job_named_by_id_in_the_estate_spec_is_found(tmp_path):
    estate = tmp_path / "estate.toml"
    estate.write_text('[compute.layers.silver]\ncluster = "SilverLayerProcessing"\njob_id = 103\n')
    state = tmp_path / "s.json"
    run_checks(state, "-k", "CMP-007 and silver", "--fix", "--estate", str(estate))
    jobs = {j["job_id"]: j["settings"] for j in databricks(state)["jobs"]}
    silver = next(c["cluster_id"] for c in databricks(state)["clusters"] if c["cluster_name"] == "SilverLayerProcessing")
    assert jobs[103]["tasks"][0]["existing_cluster_id"] == silver
    assert jobs[102]["tasks"][0]["existing_cluster_id"] == SHARED


def test_other_areas_never_import_the_databricks_sdk(tmp_path):
    command = [sys.executable, "-X", "importtime", "-m", "pytest", "checks/", "--sim", "-q", "-s", "-k", "storage",
               "-p", "no:cacheprovider", "--sim-state", str(tmp_path / "s.json")]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, env=clean_env())
    imported = [line for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert any("medallion.desired.compute" in line for line in imported), "the compute checks were not collected"
    assert not [line for line in imported if "databricks.sdk" in line]
