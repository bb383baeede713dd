"""One declaration per requirement: id, area, severity, title, control mappings, and its fix.

The decorator keeps the check an ordinary pytest test function and hangs the metadata on it, so
the plugin, the report and the catalogue test all read the same record.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable

AREAS = ("storage", "compute", "data_quality", "monitoring", "security")


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Requirement:
    """What the estate must satisfy, and how the suite puts it right."""

    id: str
    area: str
    severity: Severity
    title: str
    check: Callable[..., Any]
    fix: Callable[..., Any] | None = None
    needs: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    reads: tuple[str, ...] = field(default=())
    covers_others: bool = False   # its check covers what the other areas' fixes create: fixed after them

    @property
    def fix_name(self) -> str:
        if self.fix is None:
            return "none (no automatic remediation)"
        return f"{self.fix.__module__}.{self.fix.__qualname__}"

    @property
    def statement(self) -> str:
        """The requirement as a fact: the check's docstring, first paragraph."""
        doc = (self.check.__doc__ or self.title).strip()
        return " ".join(doc.split("\n\n")[0].split())


CATALOGUE: dict[str, Requirement] = {}


def requirement(*, id: str, area: str, severity: Severity, title: str,
                fix: Callable[..., Any] | None = None, needs: tuple[str, ...] = (),
                controls: tuple[str, ...] = (),
                covers_others: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a check. `fix` is its paired remediation; `needs` the requirement ids it waits for;
    `covers_others` when it judges what other areas' fixes create, so --fix runs it after them."""
    if area not in AREAS:
        raise ValueError(f"{id}: unknown area {area!r}; expected one of {', '.join(AREAS)}")

    def declare(check: Callable[..., Any]) -> Callable[..., Any]:
        record = Requirement(id=id, area=area, severity=severity, title=title, check=check,
                             fix=fix, needs=tuple(needs), controls=tuple(controls), covers_others=covers_others)
        known = CATALOGUE.get(id)
        if known is not None and known.check.__qualname__ != check.__qualname__:
            raise ValueError(f"requirement id {id} is declared twice "
                             f"({known.check.__qualname__} and {check.__qualname__})")
        CATALOGUE[id] = record
        check.requirement = record  # type: ignore[attr-defined]
        return check

    return declare
