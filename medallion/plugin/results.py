"""The machine-readable record of a run: one JSON object per check.

Kept by the controlling process (under xdist it receives every worker's reports), so the file
is complete whatever the parallelism.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest


class ResultsLog:
    """Collects one record per requirement check and writes them at the end of the session."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.records: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if getattr(report, "requirement_id", None) is None:
            return
        if report.when == "call" or (report.when == "setup" and report.failed):
            self.records.append(as_record(report))

    def pytest_sessionfinish(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(sorted(self.records, key=lambda r: r["nodeid"]), indent=2))


def as_record(report: pytest.TestReport) -> dict[str, Any]:
    """A check's outcome as plain data: id, verdict, what was found, what changed."""
    props = dict(report.user_properties or [])
    return {
        "id": report.requirement_id, "nodeid": report.nodeid, "area": report.area,
        "severity": report.severity, "title": report.title, "verdict": report.verdict,
        "message": props.get("message", "") or (str(report.longrepr) if report.failed else ""),
        "changes": json.loads(props.get("changes", "[]")), "held": json.loads(props.get("held", "[]")),
        "remediation": report.remediation, "controls": report.controls,
        "duration": round(report.duration, 3),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("results_json", None)
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ResultsLog(path), "medallion-results")
