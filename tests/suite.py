"""Drive `pytest checks/` the way a user does: a subprocess against the embedded emulator.

Each run keeps the emulator's state in a file, so audit, --fix and a second --fix are separate
commands over one estate, and the state's request log shows exactly what each run wrote.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WRITES = {"PUT", "PATCH", "POST", "DELETE"}


@dataclass
class Outcome:
    """One run of the suite: exit status, output, and each check's verdict."""

    status: int
    stdout: str
    stderr: str
    records: list[dict[str, Any]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verdicts(self) -> dict[str, str]:
        """Verdict per requirement id (parametrised checks carry their parameter: "CMP-001[bronze]")."""
        return {_key(record): record["verdict"] for record in self.records}

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _key(record: dict[str, Any]) -> str:
    name = record["nodeid"].split("::")[-1]
    return record["id"] + (name[name.index("["):] if "[" in name else "")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a newcomer: no Azure or Databricks credentials leaking in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AZURE_", "ARM_", "DATABRICKS_", "PYTEST_"))}
    env.update(extra)
    return env


def run_checks(state: Path, *args: str, scenario: Path | None = None, sim: bool = True,
               env: dict[str, str] | None = None, timeout: int = 600) -> Outcome:
    """Run `pytest checks/ --sim --sim-state STATE ARGS` and collect what it did."""
    results = state.with_name(state.stem + f"-results-{_count(state)}.json")
    before = len(_requests(state))
    command = [sys.executable, "-m", "pytest", "checks/", "-q", "-rA", "--results-json", str(results)]
    if sim:
        command += ["--sim", "--sim-state", str(state)]
    if scenario is not None:
        command += ["--sim-scenario", str(scenario)]
    command += list(args)
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=env or clean_env())
    records = json.loads(results.read_text()) if results.exists() else []
    served = _requests(state)[before:]
    return Outcome(proc.returncode, proc.stdout, proc.stderr, records,
                   [r for r in served if r["method"] in WRITES and r.get("status", 0) < 400])


def _requests(state: Path) -> list[dict[str, Any]]:
    return json.loads(state.read_text()).get("requests", []) if state.exists() else []


_runs: dict[Path, int] = {}


def _count(state: Path) -> int:
    _runs[state] = _runs.get(state, 0) + 1
    return _runs[state]


def scenario_with(tmp_path: Path, edit: Any) -> Path:
    """The built-in scenario, changed by `edit(scenario)`, written to a file for --sim-scenario."""
    from medallion.emulator import builtin_scenario

    scenario = builtin_scenario()
    edit(scenario)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    return path


def arm_body(scenario: dict[str, Any], id_suffix: str) -> dict[str, Any]:
    """The body of the scenario's ARM entry whose id ends with `id_suffix` (case-insensitive)."""
    for entry in scenario["arm"]:
        if entry["id"].lower().endswith(id_suffix.lower()):
            return entry["body"]
    raise KeyError(id_suffix)
