"""Verdicts and how they show: terminal status words, summary counts, report attributes.

Everything attached to a report is plain data, so it survives pytest-xdist and reaches JUnit XML
through `user_properties`.
"""
from __future__ import annotations

import enum
import json
from typing import Any, Iterable

import pytest

from medallion.change import Change
from medallion.cloud.errors import CloudError
from medallion.plugin.catalogue import plain_nodeid


class Verdict(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    FIXED = "fixed"
    BLOCKED = "blocked"
    ERROR = "error"
    WAIVED = "waived"   # failed, but a valid waiver covers it: not a failure of the run
    NOT_EVALUATED = "not_evaluated"   # its subject could not be observed: not a pass


def record(item: pytest.Item, verdict: Verdict, *, message: str = "", changes: Iterable[Change] = (),
           held: Iterable[Change] = ()) -> None:
    """Attach the verdict (and what changed) to the item; the last call wins."""
    props = dict(item.user_properties)
    props["verdict"] = verdict.value
    if message:
        props["message"] = message
    if changes:
        props["changes"] = json.dumps([change.record() for change in changes])
    if held:
        props["held"] = json.dumps([change.record() for change in held])
    item.user_properties[:] = list(props.items())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    requirement = getattr(getattr(item, "obj", None), "requirement", None)
    if requirement is None:
        return
    report = outcome.get_result()
    report.requirement_id = requirement.id
    report.area = requirement.area
    report.severity = requirement.severity.value
    report.title = requirement.title
    report.statement = requirement.statement
    report.remediation = requirement.fix_name
    report.controls = list(requirement.controls)
    if report.when != "call":
        if report.failed:
            report.verdict = Verdict.ERROR.value
        return
    props = dict(item.user_properties)
    if call.excinfo is not None and not call.excinfo.errisinstance(AssertionError):
        error = call.excinfo.value
        line = str(error) if isinstance(error, CloudError) else f"{type(error).__name__}: {error}"
        props["verdict"] = Verdict.ERROR.value
        report.longrepr = f"{requirement.id} could not be evaluated: {line.splitlines()[0] if line else ''}"
    elif report.failed:
        report.longrepr = f"{requirement.id} {requirement.title}\n{props.get('message', '')}".rstrip()
    report.verdict = props.get("verdict", report.outcome)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    verdict = getattr(report, "verdict", None)
    if report.when == "call" and verdict in ("fixed", "blocked", "error", "waived", "not_evaluated"):
        letter = {"fixed": "X", "blocked": "B", "error": "E", "waived": "W", "not_evaluated": "N"}[verdict]
        return verdict, letter, verdict.upper().replace("_", " ")
    return None


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Under --fix and --plan, list what changed (or would) per check."""
    _not_evaluated(terminalreporter)
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            changes = _changes(report)
            if getattr(report, "when", None) == "call" and changes:
                name = plain_nodeid(report.nodeid).split("::")[-1]
                label = report.requirement_id + (name[name.index("["):] if "[" in name else "")
                lines.append(f"{label} {report.verdict}:")
                lines.extend(f"  {c.get('summary') or c['resource']}" for c in changes)
    if lines:
        terminalreporter.write_sep("-", "medallion: changes")
        for line in lines:
            terminalreporter.write_line(line)


def _not_evaluated(terminalreporter: Any) -> None:
    """One line per check that had nothing to judge, saying what was missing."""
    reports = [r for r in terminalreporter.stats.get("not_evaluated", []) if getattr(r, "when", None) == "call"]
    if not reports:
        return
    terminalreporter.write_sep("-", "medallion: not evaluated (not passed)")
    for report in reports:
        name = plain_nodeid(report.nodeid).split("::")[-1]
        label = report.requirement_id + (name[name.index("["):] if "[" in name else "")
        why = dict(report.user_properties).get("message", "").removeprefix("Not evaluated: ").split("\n")[0]
        terminalreporter.write_line(f"{label} not evaluated: {why}")


def _changes(report: Any) -> list[dict[str, Any]]:
    props = dict(getattr(report, "user_properties", []) or [])
    return json.loads(props["changes"]) if "changes" in props else []
