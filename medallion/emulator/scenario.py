"""Scenarios: the state an emulator starts from (`{"arm": [...], "databricks": {...}}`).

ARM entries are `{"id", "body"}` with real REST bodies, one per resource (children included);
the Databricks part holds clusters, workspace objects, jobs and runs as the REST API returns them,
and `run_outcomes`: how runs that `jobs/run-now` starts end, per task key (databricks/run_now.py).
A saved state file has the same shape plus `"requests"`, the accumulated request log.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from medallion.emulator.inline_children import split_inline_children

BUILTIN_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
_KEYS = {"arm", "databricks", "requests"}


def builtin_scenario(subscription_id: str = BUILTIN_SUBSCRIPTION) -> dict[str, Any]:
    """The half-finished deployment: core resources present, most hardening still to do."""
    text = resources.files("medallion.emulator").joinpath("scenarios/half_finished.json").read_text()
    data = json.loads(text.replace(BUILTIN_SUBSCRIPTION, subscription_id))
    return normalised(data, "built-in scenario half_finished.json")


def embedded_scenario(specs: list[Any]) -> dict[str, Any]:
    """The built-in half-finished estate; a spec of several estates gets one copy per estate,
    renamed to its names. (They share the one emulated Databricks workspace.) `specs` are
    `medallion.spec.Spec`s, as `load_all(..., sim=True)` gives them."""
    from medallion.spec import SIM_SUBSCRIPTION, load_all

    if len(specs) == 1:
        return builtin_scenario(specs[0].subscription_id)
    template, default = json.dumps(builtin_scenario(SIM_SUBSCRIPTION)), load_all(sim=True)[0]
    arm: list[Any] = []
    for spec in specs:
        text = template
        for field in ("resource_group", "databricks_workspace", "storage_account", "key_vault"):
            text = text.replace(getattr(default.estate, field), getattr(spec.estate, field))
        arm += json.loads(text.replace(SIM_SUBSCRIPTION, spec.subscription_id))["arm"]
    return {**builtin_scenario(SIM_SUBSCRIPTION), "arm": arm}


def load_scenario(path: str | Path) -> dict[str, Any]:
    """Read and check a scenario (or state) file; a clear one-line ValueError names the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the scenario file ({exc.strerror or exc}).") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}).") from None
    return normalised(data, str(path))


def normalised(data: Any, source: str) -> dict[str, Any]:
    """The checked scenario with inline children (a VNet's subnets, ...) as entries of their own."""
    validate(data, source)
    return {**data, "arm": split_inline_children(data.get("arm") or [], source)}


def validate(data: Any, source: str) -> None:
    """Raise ValueError naming the source and the first thing wrong with the scenario's shape."""
    def fail(what: str) -> None:
        raise ValueError(f"{source}: {what}")

    if not isinstance(data, dict):
        fail(f"a scenario must be a JSON object with 'arm' and 'databricks'; found {type(data).__name__}.")
    unknown = set(data) - _KEYS
    if unknown:
        fail(f"unknown top-level key(s) {sorted(unknown)}; expected only {sorted(_KEYS)}.")
    arm = data.get("arm", [])
    if not isinstance(arm, list):
        fail(f"'arm' must be a list of {{id, body}} entries; found {type(arm).__name__}.")
    for i, entry in enumerate(arm):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            fail(f"arm[{i}] must be an object with a string 'id'.")
        if not entry["id"].lower().startswith("/subscriptions/"):
            fail(f"arm[{i}].id must start with /subscriptions/; found {entry['id']!r}.")
        if not isinstance(entry.get("body", {}), dict):
            fail(f"arm[{i}].body must be an object (the resource's REST body).")
    databricks = data.get("databricks", {})
    if not isinstance(databricks, dict):
        fail(f"'databricks' must be an object; found {type(databricks).__name__}.")
    for key in ("clusters", "workspace", "jobs", "runs"):
        if not isinstance(databricks.get(key, []), list):
            fail(f"databricks.{key} must be a list.")
    outcomes = databricks.get("run_outcomes", {})
    if not isinstance(outcomes, dict) or not all(isinstance(o, dict) for o in outcomes.values()):
        fail("databricks.run_outcomes must map task keys to {result_state, state_message, output} objects.")
    if not isinstance(data.get("requests", []), list):
        fail("'requests' must be a list.")
