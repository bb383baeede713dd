"""The nightly pipelines: valid YAML with the promised shape, and every command they run works
against the embedded estate (run here with --sim), including the regression gate."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from suite import REPO, clean_env

GITHUB = REPO / ".github/workflows/nightly-compliance.yml"
AZURE = REPO / "azure-pipelines/nightly-compliance.yml"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_github_workflow_is_scheduled_federated_and_uploads_the_reports():
    flow = _load(GITHUB)
    triggers = flow[True] if True in flow else flow["on"]   # YAML 1.1 reads `on` as true
    assert triggers["schedule"][0]["cron"]
    assert flow["permissions"]["id-token"] == "write"
    steps = flow["jobs"]["audit"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    login = next(step for step in steps if step.get("uses", "").startswith("azure/login@"))
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}, "OIDC: no client secret"
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"


def test_azure_pipeline_is_scheduled_and_publishes_the_reports():
    pipe = _load(AZURE)
    assert pipe["schedules"][0]["cron"] and pipe["trigger"] == "none"
    tasks = [step.get("task", "") for step in pipe["steps"]]
    assert "AzureCLI@2" in tasks and "PublishTestResults@2" in tasks and "DownloadPipelineArtifact@2" in tasks
    assert {step.get("artifact") for step in pipe["steps"] if "publish" in step} == {"compliance-results",
                                                                                      "compliance-report"}


def _github_scripts() -> list[str]:
    return [step["run"] for step in _load(GITHUB)["jobs"]["audit"]["steps"] if "run" in step]


def _azure_scripts() -> list[str]:
    scripts = []
    for step in _load(AZURE)["steps"]:
        if "script" in step:
            scripts.append(step["script"])
        elif step.get("task") == "AzureCLI@2":
            scripts.append(step["inputs"]["inlineScript"])
    return scripts


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def _night(scripts: list[str], work: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """One night: every command except the install (this environment has the suite installed)."""
    return [_run(script, work, env) for script in scripts if "pip install" not in script]


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "checkout"
    shutil.copytree(REPO, work, ignore=shutil.ignore_patterns(".venv", ".git", "reports", "__pycache__", "*.json.*"))
    return work


def _env(tmp_path: Path, reports: Path) -> dict[str, str]:
    return clean_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", REPORTS=str(reports),
                     MEDALLION_ARGS=f"--sim --sim-state {tmp_path / 'estate.json'} -k storage",
                     AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000000")


def test_github_commands_run_against_the_emulator_and_gate_on_regressions(tmp_path):
    work = _workdir(tmp_path)
    reports = tmp_path / "reports"
    env = _env(tmp_path, reports)
    scripts = _github_scripts()
    first = _night(scripts, work, env)
    audit, gate = first[0], first[1]
    assert audit.returncode == 0 and "some checks failed; the gate below decides" in audit.stdout, audit.stderr
    for name in ("compliance.html", "compliance.xml", "results.json", "MEDALLION_ENHANCED_ARCHITECTURE.md"):
        assert (reports / name).exists(), name
    assert gate.returncode == 1 and "NEW FAILURE" in gate.stdout, "the first night has no baseline"
    assert (work / "baseline/results.json").exists(), "the baseline step keeps tonight's results"
    second = _night(scripts, work, env)
    assert second[1].returncode == 0, second[1].stdout + second[1].stderr
    assert "still failing" in second[1].stdout


def test_azure_commands_run_against_the_emulator(tmp_path):
    work = _workdir(tmp_path)
    reports = tmp_path / "reports"
    env = _env(tmp_path, reports)
    audit, gate = _night(_azure_scripts(), work, env)
    assert audit.returncode == 0, audit.stderr
    assert (reports / "compliance.xml").exists() and (reports / "results.json").exists()
    assert gate.returncode == 1, "no baseline downloaded: every failure is new"
    (work / "baseline").mkdir()
    shutil.copy(reports / "results.json", work / "baseline/results.json")   # what the artifact download gives
    audit, gate = _night(_azure_scripts(), work, env)
    assert gate.returncode == 0, gate.stdout + gate.stderr
