"""Long-running operations as Azure runs them: 201/202 + Azure-AsyncOperation, Creating/Updating
until the operation ends, a status endpoint the SDK pollers follow, and operations that fail.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient

from medallion.cloud import lro
from medallion.emulator import Emulator, Faults, builtin_scenario
from medallion.emulator.arm.operations import LONG_RUNNING
from tests.conftest import RG, build_arm_client
from tests.suite import run_checks

REPO = Path(__file__).resolve().parents[1]


def _emulator(**faults) -> Emulator:
    return Emulator(builtin_scenario(), faults=Faults(**faults)).start()


def test_a_put_answers_in_progress_then_the_poller_waits_for_succeeded() -> None:
    emu = _emulator(lro_ms=300)
    try:
        network = build_arm_client(emu, NetworkManagementClient)
        poller = network.network_security_groups.begin_create_or_update(RG, "nsg-a", {"location": "westeurope"})
        assert network.network_security_groups.get(RG, "nsg-a").provisioning_state == "Creating"
        started = time.monotonic()
        assert poller.result().provisioning_state == "Succeeded"
        assert time.monotonic() - started >= 0.2          # it waited for the operation to end
        assert network.network_security_groups.get(RG, "nsg-a").provisioning_state == "Succeeded"
        statuses = [r for r in emu.requests if "/locations/" in r["path"] and "/operations/" in r["path"]]
        assert statuses, "the SDK should follow Azure-AsyncOperation"
        assert len(statuses) < 20, "Retry-After should pace the poller"
    finally:
        emu.stop()


def test_an_update_answers_updating_and_a_delete_is_long_running() -> None:
    emu = _emulator(lro_ms=200)
    try:
        network = build_arm_client(emu, NetworkManagementClient)
        network.network_security_groups.begin_create_or_update(RG, "nsg-b", {"location": "westeurope"}).result()
        poller = network.network_security_groups.begin_create_or_update(RG, "nsg-b", {"location": "westeurope"})
        assert network.network_security_groups.get(RG, "nsg-b").provisioning_state == "Updating"
        poller.result()
        network.network_security_groups.begin_delete(RG, "nsg-b").result()
        assert [r["status"] for r in emu.requests if r["method"] == "DELETE"] == [202]
    finally:
        emu.stop()


def test_a_private_zone_patch_is_long_running() -> None:
    emu = _emulator(lro_ms=200)
    try:
        zones = build_arm_client(emu, PrivateDnsManagementClient).private_zones
        zones.begin_create_or_update(RG, "privatelink.example.net", {"location": "global"}).result()
        poller = zones.begin_update(RG, "privatelink.example.net", {"tags": {"owner": "data"}})
        assert zones.get(RG, "privatelink.example.net").provisioning_state == "Updating"
        assert poller.result().tags == {"owner": "data"}
        assert zones.get(RG, "privatelink.example.net").provisioning_state == "Succeeded"
    finally:
        emu.stop()


@pytest.mark.parametrize("wait", [
    lambda begin, *args: begin(*args).result(),
    lambda begin, *args: lro.write(begin, *args, interval=0),
], ids=["sdk-poller", "fix-write"])
def test_a_failed_operation_raises(wait: Callable[..., Any]) -> None:
    """Whether the SDK's poller or the fix's write (lro.py) waits for it."""
    emu = _emulator(lro_ms=0, fail_operation="nsg-doomed")
    try:
        network = build_arm_client(emu, NetworkManagementClient)
        with pytest.raises(HttpResponseError, match="OperationFailed|failed"):
            wait(network.network_security_groups.begin_create_or_update, RG, "nsg-doomed", {"location": "westeurope"})
        assert network.network_security_groups.get(RG, "nsg-doomed").provisioning_state == "Failed"
    finally:
        emu.stop()


def test_a_fix_write_waits_for_the_operation_but_not_for_one_more_read() -> None:
    """lro.write: the operation has ended when it returns, and the resource is not read again
    (the fix re-checks from a fresh view anyway)."""
    emu = _emulator(lro_ms=300)
    try:
        network = build_arm_client(emu, NetworkManagementClient)
        started = time.monotonic()
        lro.write(network.network_security_groups.begin_create_or_update, RG, "nsg-c", {"location": "westeurope"},
                  interval=0)
        assert time.monotonic() - started >= 0.2
        assert [r["method"] for r in emu.requests if r["path"].lower().endswith("/nsg-c")] == ["PUT"]
        assert network.network_security_groups.get(RG, "nsg-c").provisioning_state == "Succeeded"
    finally:
        emu.stop()


def test_every_long_running_sdk_call_waits_for_its_operation() -> None:
    """Each `begin_*` call goes through `write` (lro.py) or waits on its poller's `.result()`."""
    sources = [*REPO.glob("remediate/*.py"), *REPO.glob("medallion/*.py"), *REPO.glob("medallion/cloud/*.py")]
    text = "\n".join(p.read_text() for p in sources)
    through_write = re.findall(r"write\([\w.]+\.begin_\w+,", text)
    called = re.findall(r"\.begin_\w+\([^()]*(?:\([^()]*\)[^()]*)*\)(\.result\(\))?", text)
    assert len(through_write) >= 10 and all(waited for waited in called), "a begin_* call that does not wait"
    assert len(re.findall(r"\.begin_\w+", text)) == len(through_write) + len(called)
    assert "Microsoft.Network/virtualNetworks" in LONG_RUNNING


def test_fix_with_slow_operations_passes_its_recheck_and_a_fresh_audit(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    slow = ("--sim-lro-ms", "150")
    fixed = run_checks(state, "--fix", "--allow-disruptive", "--allow-irreversible", *slow)
    assert fixed.status == 0, fixed.output[-3000:]
    assert "error" not in set(fixed.verdicts.values())
    assert any(w["status"] in (201, 202) and "/providers/Microsoft.Network/" in w["path"] for w in fixed.writes)
    audit = run_checks(state, *slow)
    assert audit.status == 0 and set(audit.verdicts.values()) == {"passed"}, audit.output[-3000:]


def test_a_failed_operation_during_fix_is_one_line_and_an_error(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    fixed = run_checks(state, "--fix", "--allow-disruptive", "--allow-irreversible",
                       "--sim-fail-operation", "juicer-vnet")
    assert fixed.status != 0
    assert fixed.verdicts["SEC-001"] in ("failed", "error"), fixed.verdicts
    line = next(x for x in fixed.output.splitlines() if x.startswith("Fix failed: writing virtualNetwork"))
    assert "OperationFailed" in line and "juicer-vnet" in line
    assert "Traceback" not in fixed.output and 'File "' not in fixed.output
