"""Waivers in a run: which one covers each check, whether it excuses the failure, and the
terminal summary of every waiver the run met (waived, expiring soon, expired, no longer needed).
"""
from __future__ import annotations

from typing import Any

import pytest

from medallion.plugin.catalogue import plain_nodeid
from medallion.plugin.fixtures import estate_specs
from medallion.redact import scrub
from medallion.waivers import covering, describe, from_props, standing, to_props


def waiver_for(item: pytest.Item, requirement_id: str) -> Any:
    """The waiver of the item's estate that covers `requirement_id` in the item's case, if any."""
    params = dict(getattr(getattr(item, "callspec", None), "params", {}) or {})
    specs = estate_specs(item.config)
    name = params.get("spec") if isinstance(params.get("spec"), str) else next(iter(specs), "default")
    spec = specs.get(name)
    return covering(spec.waivers, requirement_id, name, params) if spec else None


def note_waiver(item: pytest.Item | None, waiver: Any, *, passed: bool) -> dict[str, Any] | None:
    """The waiver's standing today, recorded on the item (when given) for every report."""
    if waiver is None:
        return None
    info = standing(waiver, passed=passed)
    if item is not None:
        kept = [(k, v) for k, v in item.user_properties if not str(k).startswith("waiver_")]
        item.user_properties[:] = kept + to_props(info)
    return {**info, "summary": describe(info)}


def excuses(info: dict[str, Any] | None, context: Any) -> bool:
    """A valid waiver excuses a failure, unless --fix-waived asked to remediate it anyway."""
    valid = info is not None and info["status"] in ("active", "expiring")
    return valid and not (context.fix_waived and context.mode != "audit")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """A waived check that --fix-waived fixed no longer needs its waiver."""
    props = dict(item.user_properties)
    if call.when == "call" and props.get("verdict") == "fixed" and "waiver_status" in props:
        item.user_properties[:] = [(k, "unneeded" if k == "waiver_status" else v) for k, v in item.user_properties]
    yield


HEADINGS = {"expired": "EXPIRED (a failure)", "expiring": "EXPIRES SOON", "active": "waived",
            "unneeded": "NO LONGER NEEDED (the check passes: remove the waiver)"}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Every waiver this run met, the ones needing attention first."""
    met = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            info = from_props(dict(getattr(report, "user_properties", []) or []))
            if getattr(report, "when", None) == "call" and info:
                met.append((list(HEADINGS).index(info["status"]), _label(report), info))
    if not met:
        return
    terminalreporter.write_sep("-", "medallion: waivers")
    for _, label, info in sorted(met, key=lambda m: (m[0], m[1])):
        terminalreporter.write_line(scrub(f"{HEADINGS[info['status']]}: {label}: {describe(info)}"))


def _label(report: Any) -> str:
    name = plain_nodeid(report.nodeid).split("::")[-1]
    return getattr(report, "requirement_id", name) + (name[name.index("["):] if "[" in name else "")
