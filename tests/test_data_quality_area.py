"""The data-quality area end to end: notebooks imported and wired into the layer jobs."""
from __future__ import annotations

import json

from medallion.desired.quality import is_current, project_notebook
from suite import run_checks, scenario_with

BOTH = ("-k", "compute or data_quality")
DQ = ("-k", "data_quality")
LAYERS = ("bronze", "silver", "gold", "platinum")
FOLDER = "/Shared/InsightPulseAI/Juicer/data_quality"


def widget_defaults(layer):
    """The layer notebook's widget defaults, read by running its widget cell with a recorder."""
    class Widgets:
        defaults: dict = {}

        def text(self, name, default, label=""):
            self.defaults[name] = default

        dropdown = lambda self, name, default, choices, label="": self.text(name, default)  # noqa: E731
    widgets = Widgets()
    exec(project_notebook(layer).split("# COMMAND ----------")[1], {"dbutils": type("D", (), {"widgets": widgets})})
    return widgets.defaults


def databricks(state):
    return json.loads(state.read_text())["databricks"]


def notebooks(state):
    return {w["path"]: w for w in databricks(state)["workspace"]}


def test_audit_fails_every_data_quality_requirement_and_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    audit = run_checks(state, *DQ)
    assert audit.status != 0 and audit.writes == []
    assert audit.verdicts == {f"DQ-00{n}[{layer}]": "failed" for n in (1, 2, 3) for layer in LAYERS} | {
        f"DQ-004[{layer}]": "not_evaluated" for layer in LAYERS}, "no quality run yet: nothing to judge, not a pass"
    message = next(r["message"] for r in audit.records if r["id"] == "DQ-001")
    assert f"{FOLDER}/bronze_quality does not exist" in message


def test_fix_makes_compute_and_quality_pass_keeps_user_work_and_a_second_fix_writes_nothing(tmp_path):
    state = tmp_path / "s.json"
    run_checks(state, *DQ)  # an audit, so the state file holds the estate as it was
    original = databricks(state)
    fixed = run_checks(state, *BOTH, "--fix")
    assert fixed.status == 0, fixed.output
    assert set(fixed.verdicts.values()) == {"fixed"}, "DQ-004 too: its fix ran each quality task once"
    again = run_checks(state, *BOTH, "--fix")
    assert again.status == 0 and set(again.verdicts.values()) == {"passed"} and again.writes == []
    after = databricks(state)
    running = [c["cluster_name"] for c in after["clusters"] if c["state"] in ("PENDING", "RUNNING", "RESTARTING")]
    assert running == ["shared-autoscaling"]
    saved = notebooks(state)
    for layer in LAYERS:
        assert is_current(saved[f"{FOLDER}/{layer}_quality"]["content"], layer)
    for entry in original["workspace"]:
        assert saved[entry["path"]]["content"] == entry["content"], f"{entry['path']} was changed"
    shared = next(c for c in after["clusters"] if c["cluster_id"] == "0314-091500-shared01")
    assert shared == next(c for c in original["clusters"] if c["cluster_id"] == "0314-091500-shared01") | {
        "state": shared["state"]}
    clusters = {c["cluster_name"]: c["cluster_id"] for c in after["clusters"]}
    for job, was in zip(after["jobs"], original["jobs"]):
        settings, layer = job["settings"], was["settings"]["name"].split("_")[0]
        assert settings["schedule"] == was["settings"]["schedule"]
        assert settings["email_notifications"] == was["settings"]["email_notifications"]
        tasks = {t["task_key"]: t for t in settings["tasks"]}
        assert set(tasks) == {f"{layer}_main", f"{layer}_quality"}
        quality = tasks[f"{layer}_quality"]
        assert quality["notebook_task"]["notebook_path"] == f"{FOLDER}/{layer}_quality"
        assert quality["depends_on"] == [{"task_key": f"{layer}_main"}] and quality["run_if"] == "ALL_SUCCESS"
        cluster = "GoldPlatinumLayerProcessing" if layer in ("gold", "platinum") else f"{layer.title()}LayerProcessing"
        assert quality["existing_cluster_id"] == clusters[cluster]
        assert quality["notebook_task"]["base_parameters"]["table"] == f"juicer.{layer}_transactions"
        assert json.loads(quality["notebook_task"]["base_parameters"]["thresholds"]) == json.loads(
            widget_defaults(layer)["thresholds"]), "the spec's thresholds are the notebook's own defaults"
        main = tasks[f"{layer}_main"]
        assert main["notebook_task"] == was["settings"]["tasks"][0]["notebook_task"]


def test_a_stale_copy_is_replaced_and_other_notebooks_in_the_folder_stay(tmp_path):
    def edit(scenario):
        scenario["databricks"]["workspace"] += [
            {"path": f"{FOLDER}/silver_quality", "language": "PYTHON",
             "content": "# Databricks notebook source\nprint('an old quality notebook')\n"},
            {"path": f"{FOLDER}/user_scratch", "language": "PYTHON",
             "content": "# Databricks notebook source\nprint('mine')\n"}]
    state = tmp_path / "s.json"
    scenario = scenario_with(tmp_path, edit)
    audit = run_checks(state, "-k", "DQ-002 and silver", scenario=scenario)
    assert audit.verdicts == {"DQ-002[silver]": "failed"}
    assert "is stale" in audit.records[0]["message"]
    fixed = run_checks(state, "-k", "DQ-00 and silver", "--fix")
    assert fixed.verdicts["DQ-001[silver]"] == "passed" and fixed.verdicts["DQ-002[silver]"] == "fixed"
    saved = notebooks(state)
    assert is_current(saved[f"{FOLDER}/silver_quality"]["content"], "silver")
    assert saved[f"{FOLDER}/user_scratch"]["content"] == "# Databricks notebook source\nprint('mine')\n"


def test_an_exported_copy_differing_only_in_layout_is_current():
    source = project_notebook("gold")
    exported = source.replace("\n# COMMAND ----------\n", "\n\n\n# COMMAND ----------\n\n").replace("\n", "\r\n")
    assert is_current(exported, "gold")
    assert not is_current(source.replace("max_age_hours", "max_age_days"), "gold")


def test_a_folder_at_our_path_is_never_overwritten(tmp_path):
    def edit(scenario):
        scenario["databricks"]["workspace"].append(
            {"path": f"{FOLDER}/gold_quality/notes", "language": "PYTHON", "content": "print('x')\n"})
    state = tmp_path / "s.json"
    fixed = run_checks(state, "-k", "DQ-001 and gold", "--fix", scenario=scenario_with(tmp_path, edit))
    assert fixed.verdicts == {"DQ-001[gold]": "failed"} and fixed.writes == []
    assert "not a Python notebook" in fixed.records[0]["message"]


def test_an_existing_quality_task_is_repaired_in_place_keeping_its_parameters(tmp_path):
    def edit(scenario):
        scenario["databricks"]["workspace"].append(
            {"path": f"{FOLDER}/bronze_quality", "language": "PYTHON", "content": project_notebook("bronze")})
        tasks = scenario["databricks"]["jobs"][0]["settings"]["tasks"]
        tasks.append({"task_key": "user_prep", "existing_cluster_id": "0314-091500-shared01",
                      "notebook_task": {"notebook_path": "/Shared/InsightPulseAI/Juicer/bronze_pipeline"}})
        tasks.append({"task_key": "dq", "existing_cluster_id": "0314-091500-shared01", "run_if": "ALL_DONE",
                      "depends_on": [{"task_key": "user_prep"}], "max_retries": 2,
                      "notebook_task": {"notebook_path": f"{FOLDER}/bronze_quality",
                                        "base_parameters": {"table": "juicer.bronze_custom"}}})
        tasks[0]["depends_on"] = [{"task_key": "user_prep"}]
    estate = tmp_path / "estate.toml"
    estate.write_text('[compute.layers.bronze]\ncluster = "BronzeLayerProcessing"\njob_id = 101\n'
                      'main_task = "bronze_main"\n')
    state = tmp_path / "s.json"
    fixed = run_checks(state, "-k", "DQ-003 and bronze", "--fix", "--estate", str(estate),
                       scenario=scenario_with(tmp_path, edit))
    assert fixed.verdicts == {"DQ-003[bronze]": "fixed"}, fixed.output
    job = next(j for j in databricks(state)["jobs"] if j["job_id"] == 101)["settings"]
    tasks = {t["task_key"]: t for t in job["tasks"]}
    assert set(tasks) == {"bronze_main", "user_prep", "dq"}
    dq = tasks["dq"]
    assert dq["run_if"] == "ALL_SUCCESS" and dq["max_retries"] == 2
    assert dq["depends_on"] == [{"task_key": "user_prep"}, {"task_key": "bronze_main"}]
    parameters = dq["notebook_task"]["base_parameters"]
    assert parameters["table"] == "juicer.bronze_custom", "a parameter the user set stays"
    assert parameters["layer"] == "bronze" and json.loads(parameters["thresholds"])["max_age_hours"] == 26
    bronze = next(c["cluster_id"] for c in databricks(state)["clusters"] if c["cluster_name"] == "BronzeLayerProcessing")
    assert dq["existing_cluster_id"] == bronze
    assert tasks["user_prep"]["existing_cluster_id"] == "0314-091500-shared01"  # CMP-007's business, not DQ's
    assert [w["path"] for w in fixed.writes if "/jobs/" in w["path"]] == ["/api/2.2/jobs/update"]


def test_user_thresholds_keep_their_values_and_gain_the_spec_keys_they_lack_then_nothing(tmp_path):
    def edit(scenario):
        scenario["databricks"]["workspace"].append(
            {"path": f"{FOLDER}/gold_quality", "language": "PYTHON", "content": project_notebook("gold")})
        scenario["databricks"]["jobs"][2]["settings"]["tasks"].append(
            {"task_key": "gold_quality", "depends_on": [{"task_key": "gold_main"}],
             "notebook_task": {"notebook_path": f"{FOLDER}/gold_quality",
                               "base_parameters": {"thresholds": '{"max_age_hours": 4}', "owner": "me"}}})
    estate = tmp_path / "estate.toml"
    estate.write_text('[data_quality.thresholds.gold]\nmax_age_hours = 12\nmax_duplicate_rows = 3\n')
    state, scenario = tmp_path / "s.json", scenario_with(tmp_path, edit)
    run_checks(state, "-k", "compute and gold", "--fix", "--estate", str(estate), scenario=scenario)
    audit = run_checks(state, "-k", "DQ-003 and gold", "--estate", str(estate))
    message = audit.records[0]["message"]
    assert "thresholds lack max_duplicate_rows, max_row_ratio, min_row_ratio, value_ranges (from the estate spec)" \
        in message, message
    fixed = run_checks(state, "-k", "DQ-003 and gold", "--fix", "--estate", str(estate))
    assert fixed.verdicts == {"DQ-003[gold]": "fixed"}, fixed.output
    job = next(j for j in databricks(state)["jobs"] if j["settings"]["name"].startswith("gold"))["settings"]
    task = next(t for t in job["tasks"] if t["task_key"] == "gold_quality")
    parameters = task["notebook_task"]["base_parameters"]
    assert json.loads(parameters["thresholds"]) == {"max_age_hours": 4, "max_duplicate_rows": 3, "min_row_ratio": 1.0,
                                                    "max_row_ratio": 1.0, "value_ranges": {"amount": [0, 100000]}}
    assert parameters["owner"] == "me" and parameters["layer"] == "gold"
    again = run_checks(state, "-k", "DQ-003 and gold", "--fix", "--estate", str(estate))
    assert again.verdicts == {"DQ-003[gold]": "passed"} and again.writes == []


def test_a_threshold_out_of_range_in_the_spec_is_one_line(tmp_path):
    estate = tmp_path / "estate.toml"
    estate.write_text('[data_quality.thresholds.silver]\nmin_row_ratio = 1.2\nmax_row_ratio = 1.0\n')
    audit = run_checks(tmp_path / "s.json", "-k", "DQ-003", "--estate", str(estate))
    assert audit.status != 0
    assert "data_quality.thresholds.silver.min_row_ratio..max_row_ratio must satisfy 0 <= min <= max, not 1.2..1.0" \
        in audit.output
    assert "Traceback" not in audit.output
