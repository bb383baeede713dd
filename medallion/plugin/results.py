"""The machine-readable record of a run: one JSON object per check, and its drift.

Kept by the controlling process (under xdist it receives every worker's reports), so the record
is complete whatever the parallelism. The same ledger feeds the HTML report, the drift section
and the as-built document; `--results-json` writes it, `--previous-results` compares with a
previous run's file and carries each failure's first-failed time forward.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from medallion.plugin.catalogue import plain_nodeid
from medallion.plugin.context import CONTEXT
from medallion.redact import scrub_data
from medallion.waivers import from_props
from medallion.report.drift import Drift, carry_forward, drift_of, load_previous

LEDGER = "medallion-results"


class ResultsLog:
    """Collects one record per requirement check; writes them at the end of the session."""

    def __init__(self, path: str | None, previous: str | None = None) -> None:
        self.path = Path(path) if path else None
        self.previous_path = previous
        self.records: list[dict[str, Any]] = []
        self._settled = False
        try:
            self.previous = load_previous(previous)
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if getattr(report, "requirement_id", None) is None:
            return
        if report.when == "call" or (report.when == "setup" and report.failed):
            self.records.append(as_record(report))

    def settled(self) -> list[dict[str, Any]]:
        """The records, sorted, with drift against the previous run carried forward (once)."""
        if not self._settled:
            self.records.sort(key=lambda r: r["nodeid"])
            carry_forward(self.records, self.previous)
            self._settled = True
        return self.records

    def drift(self) -> Drift:
        return drift_of(self.settled(), compared=self.previous is not None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.settled(), indent=2))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        drift = self.drift()
        if not drift.compared:
            return
        from medallion.report.drift import failing_for, label

        terminalreporter.write_sep("-", "medallion: drift since the previous run")
        for title, group in (("new failures", drift.new_failures), ("newly fixed", drift.newly_fixed),
                             ("still failing", drift.still_failing), ("newly waived", drift.newly_waived)):
            terminalreporter.write_line(f"{title}: {len(group)}")
            for record in group:
                since = f" (failing for {failing_for(record)})" if title == "still failing" else ""
                terminalreporter.write_line(f"  {label(record)}{since} {record.get('title', '')}")


def as_record(report: pytest.TestReport) -> dict[str, Any]:
    """A check's outcome as plain data: id, verdict, observed and expected, what the fix did."""
    props = dict(report.user_properties or [])
    evidence = getattr(report, "evidence", None) or {}
    return scrub_data({
        "id": report.requirement_id, "nodeid": plain_nodeid(report.nodeid), "area": report.area,
        "estate": getattr(report, "estate", "default"),
        "severity": report.severity, "title": report.title, "verdict": getattr(report, "verdict", report.outcome),
        "observed": evidence.get("observed"), "expected": evidence.get("expected"),
        "message": props.get("message", "") or (str(report.longrepr) if report.failed else ""),
        "mode": getattr(report, "mode", "audit"),
        "fix_outcome": getattr(report, "fix_outcome", ""),
        "changes": json.loads(props.get("changes", "[]")), "held": json.loads(props.get("held", "[]")),
        "remediation": report.remediation, "controls": report.controls, "waiver": from_props(props),
        "area_absent": props.get("area_absent") == "yes",
        "statement": getattr(report, "statement", ""),
        "started": getattr(report, "started", None),
        "duration": round(report.duration, 3),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })


def ledger(config: pytest.Config) -> ResultsLog | None:
    """This run's results ledger (controller only), or None outside a compliance run."""
    return config.pluginmanager.get_plugin(LEDGER)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or CONTEXT not in config.stash:
        return
    path = config.getoption("results_json", None)
    previous = config.getoption("previous_results", None)
    config.pluginmanager.register(ResultsLog(path, previous), LEDGER)
