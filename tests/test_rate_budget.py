"""The suite slows down as Resource Manager's remaining budget runs low, instead of hitting 429."""
from __future__ import annotations

import medallion.emulator.server as server
from medallion.cloud.arm import Arm
from medallion.cloud.credentials import StaticTokenCredential
from medallion.emulator import OWNER_TOKEN

from conftest import ARM_SCOPE, RG, SUBSCRIPTION


def test_reads_pause_when_the_budget_runs_low_and_all_succeed(emulator, monkeypatch):
    monkeypatch.setattr(server, "_RATE_BUDGET", 20)
    arm = Arm(endpoint=emulator.url, scope=ARM_SCOPE, credential=StaticTokenCredential(OWNER_TOKEN),
              subscription_id=SUBSCRIPTION)
    arm.budget.low_water, arm.budget.longest_pause = 10, 0.01
    for _ in range(15):
        assert arm.resources.resource_groups.get(RG).name == RG
    assert arm.budget.remaining["reads"] <= 10
    assert arm.budget.pauses >= 4


def test_a_healthy_budget_never_pauses(emulator):
    arm = Arm(endpoint=emulator.url, scope=ARM_SCOPE, credential=StaticTokenCredential(OWNER_TOKEN),
              subscription_id=SUBSCRIPTION)
    for _ in range(5):
        arm.resources.resource_groups.get(RG)
    assert arm.budget.pauses == 0 and arm.budget.remaining["reads"] > 100
