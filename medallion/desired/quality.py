"""What the data-quality framework must look like in the workspace: our notebook sources and
the quality task each layer job runs. Shared by the checks and the fixes."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from medallion.spec import Spec

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks" / "data_quality"
HEADER = "# Databricks notebook source"


CHECK_CELLS = NOTEBOOK_DIR / "quality_checks.py"
SEPARATOR = "# COMMAND ----------"


def project_notebook(layer: str) -> str:
    """This project's current quality notebook for `layer`: the layer's header and widgets
    (`<layer>_quality.py`) followed by the check cells all layers share (`quality_checks.py`).

    Composed here rather than joined on Databricks with `%run`, so each workspace notebook is
    complete on its own and a moved or deleted neighbour cannot break a layer's job.
    """
    head = (NOTEBOOK_DIR / f"{layer}_quality.py").read_text(encoding="utf-8")
    cells = CHECK_CELLS.read_text(encoding="utf-8")
    return head.rstrip("\n") + "\n\n" + cells[cells.index(SEPARATOR):]


def normalise(source: str) -> str:
    """The notebook's code as the workspace keeps it: export adds the header and may change line
    endings, trailing blanks and blank lines around cell separators; none of that is a change."""
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").split("\n")]
    if lines and lines[0] == HEADER:
        lines = lines[1:]
    text = "\n".join(lines)
    text = re.sub(r"\n*# COMMAND ----------\n*", "\n# COMMAND ----------\n", text)
    return text.strip("\n")


def digest(source: str) -> str:
    return hashlib.sha256(normalise(source).encode()).hexdigest()[:12]


def is_current(source: str | None, layer: str) -> bool:
    return source is not None and normalise(source) == normalise(project_notebook(layer))


def upstream_of(spec: Spec, layer: str) -> str:
    """The previous layer's table: what this layer's row counts reconcile with ("" for bronze)."""
    order = list(spec.data_quality.tables)
    index = order.index(layer) if layer in order else 0
    return spec.data_quality.tables[order[index - 1]] if index > 0 else ""


def parameters(spec: Spec, layer: str) -> dict[str, str]:
    """The notebook's widget values the job passes: the estate's tables, results settings and the
    layer's thresholds (left to the notebook's defaults when the spec sets none)."""
    dq = spec.data_quality
    wanted = {"layer": layer, "table": dq.tables.get(layer, ""), "upstream_table": upstream_of(spec, layer),
              "results_table": dq.results_table, "fail_on_error": str(dq.fail_on_error).lower(),
              "run_id": "{{job.run_id}}", "thresholds": dq.thresholds_parameter(layer)}
    return {name: value for name, value in wanted.items() if name != "thresholds" or value}


def merged_parameters(given: dict[str, str] | None, spec: Spec, layer: str) -> dict[str, str]:
    """The task's parameters with ours added where missing: a value the user set stays, and the
    thresholds JSON gains only the keys it lacks (one that is not a JSON object is left alone)."""
    merged = {**parameters(spec, layer), **(given or {})}
    ours = json.loads(parameters(spec, layer).get("thresholds") or "{}")
    theirs = _json_object(merged.get("thresholds"))
    if ours and theirs is not None and set(ours) - set(theirs):
        merged["thresholds"] = json.dumps({**ours, **theirs}, sort_keys=True)
    return merged


def _json_object(text: str | None) -> dict[str, object] | None:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parameter_gaps(task: dict[str, object], spec: Spec, layer: str) -> list[str]:
    """The job parameters (and threshold keys) the task lacks, in words."""
    given = (task.get("notebook_task") or {}).get("base_parameters") or {}  # type: ignore[union-attr]
    merged = merged_parameters(given, spec, layer)
    missing = [name for name in merged if name not in given]
    theirs = set(_json_object(given.get("thresholds")) or {})
    lacking = sorted(set(_json_object(merged.get("thresholds")) or {}) - theirs)
    gaps = [f"task {task.get('task_key')} lacks job parameter(s) {', '.join(missing)}"] if missing else []
    if "thresholds" in given and lacking:
        gaps.append(f"task {task.get('task_key')}'s thresholds lack {', '.join(lacking)} (from the estate spec)")
    return gaps


def find_quality_task(job: dict[str, Any], spec: Spec, layer: str) -> dict[str, Any] | None:
    """The task that runs our notebook (whatever its key), else the task with our key."""
    tasks = (job.get("settings") or {}).get("tasks") or []
    path = spec.data_quality.notebook_path(layer)
    by_path = [t for t in tasks if (t.get("notebook_task") or {}).get("notebook_path") == path]
    by_key = [t for t in tasks if t.get("task_key") == spec.data_quality.task_key(layer)]
    return (by_path or by_key or [None])[0]


def quality_task_key(job: dict[str, Any], spec: Spec, layer: str) -> str:
    """The key of the job's quality task, or the key it would get: whose runs DQ-004 judges."""
    return (find_quality_task(job, spec, layer) or {}).get("task_key") or spec.data_quality.task_key(layer)


def task_gaps(task: dict[str, Any] | None, spec: Spec, layer: str, cluster_id: str, main: str) -> list[str]:
    """What keeps `task` from being the layer's quality task, in words."""
    path = spec.data_quality.notebook_path(layer)
    if task is None:
        return [f"no task runs {path}"]
    gaps = []
    name = f"task {task.get('task_key')}"
    if (task.get("notebook_task") or {}).get("notebook_path") != path:
        gaps.append(f"{name} runs {(task.get('notebook_task') or {}).get('notebook_path') or 'no notebook'}, not {path}")
    if task.get("existing_cluster_id") != cluster_id:
        gaps.append(f"{name} runs on {task.get('existing_cluster_id') or 'other compute'}, not {cluster_id}")
    if main not in {d.get("task_key") for d in task.get("depends_on") or []}:
        gaps.append(f"{name} does not depend on {main}")
    if (task.get("run_if") or "ALL_SUCCESS") != "ALL_SUCCESS":
        gaps.append(f"{name} runs if {task.get('run_if')}, not only when {main} succeeded (ALL_SUCCESS)")
    return gaps + parameter_gaps(task, spec, layer)


def quality_task(spec: Spec, layer: str, cluster_id: str, main: str,
                 existing: dict[str, Any] | None) -> dict[str, Any]:
    """The quality task to merge in: an existing one keeps its key, parameters and every other
    field, and gains only what it lacks (notebook, cluster, dependency, run condition, parameters
    and threshold keys)."""
    path = spec.data_quality.notebook_path(layer)
    task = dict(existing or {"task_key": spec.data_quality.task_key(layer),
                             "description": f"Data-quality checks of the {layer} layer (medallion-compliance)"})
    notebook = dict(task.get("notebook_task") or {})
    if notebook.get("notebook_path") != path:
        notebook = {"notebook_path": path, "source": "WORKSPACE"}
    notebook["base_parameters"] = merged_parameters(notebook.get("base_parameters"), spec, layer)
    task["notebook_task"] = notebook
    task = {k: v for k, v in task.items() if k not in ("job_cluster_key", "new_cluster", "environment_key")}
    task["existing_cluster_id"] = cluster_id
    depends = list(task.get("depends_on") or [])
    if main not in {d.get("task_key") for d in depends}:
        depends.append({"task_key": main})
    task["depends_on"] = depends
    task["run_if"] = "ALL_SUCCESS"
    return task


def run_findings(found: dict[str, Any]) -> list[str]:
    """What the quality task's latest run says is wrong, in words (empty when it passed, with at
    most warnings): the task failed (a blocking check breached, or bad input), or its exit value
    reports blocking failures (fail_on_error off), or its output cannot be read."""
    task, output = found["task"], found["output"]
    result = ((task.get("state") or {}).get("result_state")) or "UNKNOWN"
    if result != "SUCCESS":
        error = (output.get("error") or (task.get("state") or {}).get("state_message") or "no error given")
        return [f"the task ended {result}: {error.splitlines()[0]}"]
    summary = _json_object(((output.get("notebook_output") or {}).get("result")))
    if not summary or "checks" not in summary:
        return ["its output is not the quality notebook's summary (an old or foreign notebook?)"]
    return [f"{c.get('check')} failed at error level ({c.get('rows_failing')} of {c.get('rows_checked')} rows)"
            for c in summary["checks"] if c.get("status") == "failed" and c.get("severity") == "error"]


def run_summary(found: dict[str, Any]) -> dict[str, Any]:
    """The run's evidence: when, which run, and each check's status and failing rows."""
    summary = _json_object(((found["output"].get("notebook_output") or {}).get("result"))) or {}
    return {"run_id": found["run"].get("run_id"), "task_run_id": found["task"].get("run_id"),
            "result": (found["task"].get("state") or {}).get("result_state"),
            "ended": found["task"].get("end_time") or found["run"].get("end_time"),
            "checks": {c.get("check"): f"{c.get('status')} ({c.get('rows_failing')} failing)"
                       for c in summary.get("checks") or []}}
