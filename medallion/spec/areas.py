"""Which areas of the estate do not exist, so their checks have nothing to observe.

A check whose subject cannot be observed gets the verdict `not_evaluated`, which fails the run:
silence is not compliance. An estate without, say, data quality declares it here
(`[areas] absent = ["data_quality"]`), and that area's checks are reported not evaluated without
failing the run or reading anything. A name that is not an area stops the run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Area = Literal["storage", "compute", "data_quality", "monitoring", "security"]


@dataclass(frozen=True)
class AreasSpec:
    """`absent`: areas this estate does not have (their checks are not evaluated, not failed)."""

    absent: tuple[Area, ...] = ()
