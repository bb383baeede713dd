"""Which planned writes may go now: no unit writes from a read another unit's write made stale.

Two units writing one resource, or a parent and its child (a VNet PUT drops the subnets it does
not list), never apply from the same read, nor from a read taken before, or while, the other
wrote: the later one waits for the units it touches and plans again from a fresh view.
"""
from __future__ import annotations

from typing import Callable

from medallion.change import Change
from medallion.plugin.units import Unit


def split(units: list[Unit], allowed: Callable[[Change], bool],
          sent: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    """The units that can apply now, and those whose writes touch what an earlier one in `units`
    writes, or what a unit already `sent` to apply is writing or wrote after the unit's plan was
    read."""
    now, later = [], []
    claimed: list[str] = []
    for unit in units:
        touched = writes(unit, allowed)
        since = [resource for other in sent if other.written_at is None or other.written_at >= unit.planned_at
                 for resource in writes(other, allowed)]
        if any(related(a, b) for a in touched for b in claimed + since):
            later.append(unit)
        else:
            now.append(unit)
            claimed += touched
    return now, later


def writes(unit: Unit, allowed: Callable[[Change], bool]) -> list[str]:
    return [change.resource.lower() for change in unit.plan if allowed(change)]


def touches(unit: Unit, others: list[Unit], allowed: Callable[[Change], bool]) -> bool:
    """Whether `unit` writes a resource, or a parent or child of one, that any of `others` writes."""
    mine = writes(unit, allowed)
    return any(related(a, b) for other in others for a in mine for b in writes(other, allowed))


def related(a: str, b: str) -> bool:
    """One resource, or a parent and its child."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")
