"""The run's heap, and what the cyclic garbage collector costs over it.

An audit's heap is mostly the SDKs' modules and model classes (some 180,000 objects), loaded in
the run's first second and alive until the process exits. Every full pass of the collector walks
all of them, and Python's default thresholds run one for every ten passes over the younger
generations: while the SDKs are imported that is a fifth of the import time, and pytest's pass at
the end of the run (to surface unraisable exceptions) plus the interpreter's at exit cost another
half second, for nothing any of them could free. So full passes come ten times less often during
the run, and when the run is over its heap is frozen out of the collector's sight (`gc.freeze`):
results and reports are written by then, and the process ends right after. Young garbage is
still collected as usual, so a long --fix does not grow.
"""
from __future__ import annotations

import gc

import pytest

FULL_PASS_EVERY = 100
"""Younger-generation passes per full pass (Python's default is 10)."""

_DEFAULT = pytest.StashKey[tuple[int, int, int]]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    young, middle, _ = config.stash[_DEFAULT] = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    gc.freeze()
    if _DEFAULT in config.stash:
        gc.set_threshold(*config.stash[_DEFAULT])
