"""Emulator fixtures: a started emulator per test, and real azure-mgmt clients pointed at it."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from medallion.cloud.credentials import StaticTokenCredential, arm_client_options
from medallion.emulator import OWNER_TOKEN, Emulator, builtin_scenario

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RG = "RG-TBWA-ProjectScout-Juicer"
ARM_SCOPE = "https://management.azure.com/.default"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The built-in half-finished estate on a fresh loopback port."""
    emu = Emulator(builtin_scenario()).start()
    try:
        yield emu
    finally:
        emu.stop()


def build_arm_client(emu: Emulator, client_cls: type, token: str = OWNER_TOKEN,
                     subscription: str = SUBSCRIPTION, **kwargs: Any) -> Any:
    """A real SDK client talking to `emu` with one of the sim tokens."""
    credential = StaticTokenCredential(token)
    return client_cls(credential, subscription, **arm_client_options(emu.url, credential, ARM_SCOPE),
                      **kwargs)


@pytest.fixture
def arm_client(emulator: Emulator) -> Callable[..., Any]:
    """Factory: `arm_client(StorageManagementClient, token=READER_TOKEN)`."""
    return lambda client_cls, **kwargs: build_arm_client(emulator, client_cls, **kwargs)
