"""What the report says about each check besides its verdict: observed against expected, the fix
outcome, its control mappings, which estate, and when. Plain data on the report, so it survives
pytest-xdist and reaches JUnit XML (`user_properties`), the HTML and the JSON results.
"""
from __future__ import annotations

import json
import time
from typing import Any

import pytest

from medallion.controls import controls_for
from medallion.evidence import from_message
from medallion.plugin.context import CONTEXT
from medallion.plugin.redaction import scrub_report
from medallion.redact import scrub_data


def attach_evidence(item: pytest.Item, found: dict[str, Any]) -> None:
    """Keep what the check declared it observed and expected (its last evaluation wins)."""
    item.stash[EVIDENCE] = scrub_data(dict(found)) if found else {}


EVIDENCE = pytest.StashKey[dict]()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    requirement = getattr(getattr(item, "obj", None), "requirement", None)
    if requirement is not None:
        report.controls = controls_for(requirement.id, requirement.controls)
        report.estate = _estate_name(item)
        report.started = _iso(call.start)
        if report.when == "call" or (report.when == "setup" and report.failed):
            _describe(item, report, requirement)
    scrub_report(report)


def _describe(item: pytest.Item, report: Any, requirement: Any) -> None:
    props = dict(report.user_properties)
    message = props.get("message", "") or (str(report.longrepr) if report.failed else "")
    found = item.stash.get(EVIDENCE, {})
    if not found:
        found = from_message(message) or {"observed": _first_line(message) or None, "expected": requirement.statement}
    context = item.config.stash.get(CONTEXT, None)
    report.mode = context.mode if context else "audit"
    report.evidence = {"observed": found.get("observed"), "expected": found.get("expected")}
    report.fix_outcome = fix_outcome(report.mode, report.verdict, props, requirement.fix is not None)
    extra = {"observed": _text(found.get("observed")), "expected": _text(found.get("expected")),
             "fix_outcome": report.fix_outcome, "started": report.started, "estate": report.estate}
    report.user_properties = [*[(k, v) for k, v in report.user_properties if k not in extra], *extra.items()]
    # JUnit XML reads the teardown report's properties, which pytest copies from the item
    item.user_properties[:] = [*[(k, v) for k, v in item.user_properties if k not in extra], *extra.items()]


def fix_outcome(mode: str, verdict: str, props: dict[str, Any], has_fix: bool) -> str:
    """One phrase: what the remediation did (or would do, or why it did not run)."""
    changes = len(json.loads(props.get("changes", "[]")))
    held = len(json.loads(props.get("held", "[]")))
    if verdict == "passed":
        return "not needed"
    if verdict == "not_evaluated":
        return "not run: there was nothing to judge"
    if verdict == "error":
        return "not attempted: the state could not be read"
    if not has_fix:
        return "no automatic remediation"
    if verdict == "waived":
        return "not run: a waiver covers it (--fix --fix-waived remediates it)"
    if mode == "audit":
        return "not run (audit; --fix would remediate)"
    if mode == "plan":
        return f"planned: {changes} change(s)" if changes else "planned: nothing would change"
    if verdict == "fixed":
        return f"fixed: {changes} change(s) applied"
    if verdict == "blocked":
        return "blocked by a prerequisite that could not be fixed"
    if held:
        return f"held back {held} change(s) that need an opt-in" + (f"; applied {changes}" if changes else "")
    return f"applied {changes} change(s); still failing" if changes else "failed: nothing could be changed"


def _estate_name(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    name = callspec.params.get("spec") if callspec is not None else None
    return name if isinstance(name, str) else "default"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _first_line(message: str) -> str:
    line = message.strip().split("\n")[0]
    return line.split(" --fix")[0].strip().rstrip(";,. ")


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
