"""--fix as a flow of dependent units: independent writes go side by side, a dependant's write only
after its prerequisite's, never after an unrelated one's, and each resource is read a few times per
run, not once per fix.

Everything is judged from the emulator's request log (method, path, start and end of every
request), not from timings: the half-finished estate, its inventory container and rule removed so
that the storage fix has an ordered pair of writes too, fixed at 50 ms added latency.
"""
from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from medallion.change import Change
from medallion.plugin.conflicts import split
from medallion.plugin.units import Unit
from medallion.requirement import Requirement, Severity
from tests.suite import run_checks, scenario_with

OPT_INS = ("--allow-disruptive", "--allow-irreversible")
LATENCY = ("--sim-latency-ms", "50")   # long enough that requests sent together overlap in the log
SLOW_OPERATIONS = ("--sim-lro-ms", "200")   # the subnets' one-at-a-time operations take a while


def _without_inventory(scenario: dict[str, Any]) -> None:
    scenario["arm"] = [entry for entry in scenario["arm"]
                       if not entry["id"].endswith(("/containers/inventory", "/inventoryPolicies/default"))]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("flow")
    scenario, state = scenario_with(folder, _without_inventory), folder / "state.json"
    audit = run_checks(state, *LATENCY, scenario=scenario)
    since = len(_log(state))
    fixed = run_checks(state, "--fix", *OPT_INS, *LATENCY, *SLOW_OPERATIONS, scenario=scenario)
    served = _log(state)[since:]
    again = run_checks(state, "--fix", *OPT_INS, scenario=scenario)
    return {"audit": audit, "fixed": fixed, "again": again, "served": served}


def _log(state: Path) -> list[dict[str, Any]]:
    return json.loads(state.read_text()).get("requests", [])


def _writes(runs: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in runs["served"] if r["method"] in ("PUT", "PATCH", "POST", "DELETE") and r["status"] < 400]


def test_every_failing_check_is_fixed_in_one_run_and_a_second_writes_nothing(runs):
    audit, fixed = runs["audit"], runs["fixed"]
    assert "failed" in audit.verdicts.values()
    expected = {check: "passed" if verdict == "passed" else "fixed" for check, verdict in audit.verdicts.items()}
    assert fixed.status == 0 and fixed.verdicts == expected, fixed.output
    assert runs["again"].writes == [] and set(runs["again"].verdicts.values()) == {"passed"}


def test_independent_writes_are_in_flight_together(runs):
    writes = _writes(runs)
    most = max(sum(1 for other in writes if other["start"] <= write["start"] < other["end"]) for write in writes)
    assert most >= 4, f"at most {most} write(s) in flight at once: the fixes ran one after another"


@pytest.mark.parametrize("prerequisite, dependant", [
    (lambda path: path.endswith("/virtualnetworks/juicer-vnet"), lambda path: "/virtualnetworks/juicer-vnet/subnets/" in path),
    (lambda path: path.endswith("/containers/inventory"), lambda path: path.endswith("/inventorypolicies/default")),
    (lambda path: path.endswith("/workspaces/juicer-log-analytics"), lambda path: "/diagnosticsettings/" in path),
    (lambda path: path.endswith("/actiongroups/juicer-alerts-action-group"),
     lambda path: any(f"/{kind}/" in path for kind in ("metricalerts", "activitylogalerts", "scheduledqueryrules"))),
    (lambda path: path.endswith("/networksecuritygroups/juicer-databricks-private-nsg"),
     lambda path: path.endswith("/subnets/databricks-private")),
    (lambda path: "/privatednszones/" in path and "/" not in path.split("/privatednszones/")[1],
     lambda path: "/virtualnetworklinks/" in path),
], ids=["vnet-before-subnets", "container-before-inventory-rule", "workspace-before-diagnostic-settings",
        "action-group-before-alerts", "nsg-before-its-subnet", "zones-before-their-links"])
def test_a_dependant_is_written_only_after_its_prerequisite(runs, prerequisite: Callable[[str], bool],
                                                             dependant: Callable[[str], bool]):
    _written_in_order(_writes(runs), prerequisite, dependant)


@pytest.mark.parametrize("child", ["/virtualnetworklinks/", "/privatednszonegroups/"],
                         ids=["zone-before-its-link", "endpoint-before-its-zone-group"])
def test_each_private_endpoint_chain_is_written_in_order(runs, child: str):
    parents = {r["path"].lower().split(child)[0] for r in _writes(runs) if child in r["path"].lower()}
    assert len(parents) == 3, parents     # storage blob and dfs, and the vault
    for parent in parents:
        _written_in_order(_writes(runs), lambda path: path == parent, lambda path: path.startswith(parent + child))


def test_the_job_failure_alert_does_not_wait_for_the_diagnostic_settings(runs):
    """It is created with skipQueryValidation (the workspace's DatabricksJobs table comes with the
    first job log), so it goes out with the other alerts, before the diagnostic settings."""
    writes = _writes(runs)
    alert = min(w["start"] for w in writes if "/scheduledqueryrules/" in w["path"].lower())
    assert alert < min(w["start"] for w in writes if "/diagnosticsettings/" in w["path"].lower())


def test_a_dependant_waits_for_its_prerequisites_not_for_unrelated_fixes(runs):
    """The alerts need only the action group: they are written while the subnets, which need the
    VNet and go one at a time, still are (in levels they would wait for the last subnet)."""
    writes = _writes(runs)
    alerts = [w for w in writes if any(f"/{kind}/" in w["path"].lower()
                                       for kind in ("metricalerts", "activitylogalerts", "scheduledqueryrules"))]
    subnets = [w for w in writes if "/virtualnetworks/juicer-vnet/subnets/" in w["path"].lower()]
    assert len(alerts) == 3 and len(subnets) == 3, (alerts, subnets)
    assert max(a["end"] for a in alerts) < max(s["end"] for s in subnets), (alerts, subnets)


def test_a_private_endpoint_and_its_zone_are_written_together(runs):
    """The endpoint does not wait for its DNS zone, nor the zone for the endpoint: only the zone
    group needs both."""
    writes = _writes(runs)
    endpoint = next(w for w in writes if w["path"].lower().endswith("/privateendpoints/tbwajuicerstorage-blob-pe"))
    zone = next(w for w in writes if w["path"].lower().endswith("/privatednszones/privatelink.blob.core.windows.net"))
    assert zone["start"] < endpoint["end"] and endpoint["start"] < zone["end"], (zone, endpoint)


def _written_in_order(writes: list[dict[str, Any]], prerequisite: Callable[[str], bool],
                      dependant: Callable[[str], bool]) -> None:
    first = [w for w in writes if prerequisite(w["path"].lower())]
    then = [w for w in writes if dependant(w["path"].lower())]
    assert first and then, "the fix did not write both"
    assert min(w["start"] for w in then) >= max(w["end"] for w in first), (first, then)


def test_a_fix_reads_each_resource_a_few_times_not_once_per_fix(runs):
    """Serially every fix planned and re-checked from its own fresh read: 117 GETs of the
    Databricks workspace in one run. Now each batch of units ready together reads once (the layers
    of one requirement go together), so a resource is read about once per batch that looks at it,
    plus the session's read and the final re-check."""
    gets = collections.Counter((r["path"].lower(), r.get("query", "")) for r in runs["served"] if r["method"] == "GET")
    assert gets, "the fix read nothing"
    (path, _), most = gets.most_common(1)[0]
    assert most <= 10, f"{path} read {most} times"


VNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/juicer-vnet"


def _planned(resource: str, *, planned_at: float = 0.0, written_at: float | None = None) -> Unit:
    change = Change(resource=resource, field="f", before=None, after=1, apply=lambda: None)
    requirement = Requirement("TST-001", "security", Severity.HIGH, "a test unit", check=lambda: None)
    return Unit(requirement, {}, item=None, plan=[change],  # type: ignore[arg-type]
                planned_at=planned_at, written_at=written_at)


@pytest.mark.parametrize("resource, written_at, goes_now", [
    (VNET, None, False),                        # still writing what it touches
    (VNET, 2.0, False),                         # wrote after the plan was read
    (VNET, 0.5, True),                          # wrote before: the read saw it
    (f"{VNET}-other", None, True),              # unrelated
    (VNET.rsplit("/", 2)[0], None, False),      # a parent of what it writes
], ids=["busy", "stale", "fresh", "unrelated", "parent"])
def test_a_plan_read_before_a_related_write_is_made_again(resource: str, written_at: float | None, goes_now: bool):
    """No write goes out from a read that another unit's write has made stale: such a unit waits
    and re-plans from a fresh view (a VNet PUT from a stale read would drop a new subnet)."""
    unit = _planned(f"{VNET}/subnets/private-endpoints", planned_at=1.0)
    now, later = split([unit], lambda change: True, sent=[_planned(resource, written_at=written_at)])
    assert (now, later) == (([unit], []) if goes_now else ([], [unit]))


def test_a_resource_s_diagnostic_categories_are_read_once_per_run(runs):
    """Its type and tier set them and no fix changes either: the later views, the final re-check
    included, read only the settings."""
    categories = collections.Counter(r["path"].lower() for r in runs["served"]
                                     if r["method"] == "GET" and r["path"].endswith("/diagnosticSettingsCategories"))
    assert categories and max(categories.values()) == 1, categories.most_common(3)
