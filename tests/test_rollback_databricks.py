"""--rollback of Databricks changes through databricks-sdk against the emulated workspace: what a
user did between the fix and the rollback stays, and the rollback names it."""
from __future__ import annotations

import json

from suite import run_checks, scenario_with
from test_compute_area import _existing_bronze

BRONZE = "0101-000000-bronze01"
NOTEBOOK = "/Shared/InsightPulseAI/Juicer/data_quality/bronze_quality"


def edit_workspace(state, change):
    saved = json.loads(state.read_text())
    change(saved["databricks"])
    state.write_text(json.dumps(saved))


def cluster(workspace, cluster_id=None, name=None):
    return next(c for c in workspace["clusters"] if c["cluster_id"] == cluster_id or c["cluster_name"] == name)


def job(workspace, name):
    return next(j for j in workspace["jobs"] if j["settings"]["name"] == name)


def test_a_cluster_setting_changed_since_stays_named_and_the_others_go_back(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "compute and bronze", "--fix", "--fix-journal", str(journal),
               scenario=scenario_with(tmp_path, _existing_bronze()))
    edit_workspace(state, lambda w: cluster(w, BRONZE)["custom_tags"].update(owner="analyst"))
    back = run_checks(state, "--rollback", str(journal))
    assert back.status == 0, back.output
    bronze = cluster(json.loads(state.read_text())["databricks"], BRONZE)
    assert bronze["autotermination_minutes"] == 0 and "pinned_by_user_name" not in bronze
    assert bronze["custom_tags"] == {"layer": "bronze", "cost-center": "4711", "project": "juicer", "owner": "analyst"}
    assert bronze["spark_conf"] == {"spark.sql.shuffle.partitions": "64"} and bronze["num_workers"] == 3
    assert f"left: cluster BronzeLayerProcessing ({BRONZE}): custom_tags (changed since the fix: custom_tags)" in back.stdout
    assert sorted(w["path"] for w in back.writes if "/clusters/" in w["path"]) == [
        "/api/2.1/clusters/edit", "/api/2.1/clusters/unpin"], back.writes      # the job pointed at it goes back too


def test_tasks_and_notebooks_of_the_user_are_kept_and_what_needs_the_fix_keeps_it(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "bronze and (compute or DQ-001 or DQ-003)", "--fix", "--fix-journal", str(journal))
    created = cluster(json.loads(state.read_text())["databricks"], name="BronzeLayerProcessing")["cluster_id"]

    def user_work(workspace):
        tasks = job(workspace, "bronze_ingest")["settings"]["tasks"]
        tasks.append({"task_key": "user_report", "existing_cluster_id": "0314-091500-shared01",
                      "notebook_task": {"notebook_path": "/Shared/report"}})
        tasks.append({"task_key": "user_alerts", "depends_on": [{"task_key": "bronze_quality"}],
                      "existing_cluster_id": "0314-091500-shared01", "notebook_task": {"notebook_path": "/Shared/alerts"}})
        notebook = next(o for o in workspace["workspace"] if o["path"] == NOTEBOOK)
        notebook["content"] += "\nprint('my extra check')\n"
    edit_workspace(state, user_work)
    back = run_checks(state, "--rollback", str(journal))
    assert back.status == 0, back.output
    assert "left: job 101 (bronze_ingest): tasks[bronze_quality] (task user_alerts added since depends on it)" in back.stdout
    assert f"left: notebook {NOTEBOOK}: source (changed since the fix: sha256 " in back.stdout
    assert "restored: job 101 (bronze_ingest): tasks[].existing_cluster_id (restores bronze_main)" in back.stdout
    assert (f"kept: cluster BronzeLayerProcessing: cluster (created, terminated, pinned) ({created}: created by the fix, "
            "in use by job bronze_ingest)") in back.stdout
    workspace = json.loads(state.read_text())["databricks"]
    tasks = {t["task_key"]: t for t in job(workspace, "bronze_ingest")["settings"]["tasks"]}
    assert set(tasks) == {"bronze_main", "bronze_quality", "user_report", "user_alerts"}
    assert tasks["bronze_main"]["existing_cluster_id"] == "0314-091500-shared01"
    assert cluster(workspace, created)["pinned_by_user_name"], "a kept cluster stays pinned"
    assert "my extra check" in next(o for o in workspace["workspace"] if o["path"] == NOTEBOOK)["content"]


def test_restoring_a_running_cluster_is_held_without_the_opt_in_and_the_journal_stays_open(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    scenario = scenario_with(tmp_path, _existing_bronze(state="RUNNING", spark_version="15.4.x-scala2.12",
                                                        data_security_mode="USER_ISOLATION"))
    run_checks(state, "-k", "CMP-002 and bronze", "--fix", "--allow-disruptive", "--fix-journal", str(journal),
               scenario=scenario)
    held = run_checks(state, "--rollback", str(journal))
    assert held.status == 0 and held.writes == [], held.output
    assert (f"held: cluster BronzeLayerProcessing ({BRONZE}): autotermination_minutes (restoring autotermination_minutes "
            "restarts the running cluster; needs --allow-disruptive") in held.stdout
    assert "rolled_back" not in json.loads(journal.read_text()) and "with --allow-disruptive" in held.stdout
    allowed = run_checks(state, "--rollback", str(journal), "--allow-disruptive")
    assert [w["path"] for w in allowed.writes] == ["/api/2.1/clusters/edit"], allowed.output
    assert cluster(json.loads(state.read_text())["databricks"], BRONZE)["autotermination_minutes"] == 0
    assert json.loads(journal.read_text())["rolled_back"]


def test_an_unreachable_workspace_is_one_line_per_change_and_no_trace(tmp_path):
    state, journal = tmp_path / "s.json", tmp_path / "j.json"
    run_checks(state, "-k", "CMP-001 and bronze", "--fix", "--fix-journal", str(journal))
    spec = tmp_path / "estate.toml"
    spec.write_text('[target]\ndatabricks_host = "http://127.0.0.1:9"\n')
    back = run_checks(state, "--rollback", str(journal), "--estate", str(spec))
    assert back.status == 1 and back.writes == [] and "Traceback" not in back.output, back.output
    failed = [line for line in back.stdout.splitlines() if line.startswith("failed: ")]
    assert failed and all("unreachable" in line for line in failed), failed
    assert "rolled_back" not in json.loads(journal.read_text()) and "run it again" in back.stdout
    again = run_checks(state, "--rollback", str(journal))              # reachable again: it finishes
    assert again.status == 0 and "deleted: cluster BronzeLayerProcessing" in again.stdout, again.output
