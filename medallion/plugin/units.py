"""What a `--fix` run has to do, as units: one requirement with the args its check accepts.

A failing check's own fix is a unit, and so is each prerequisite it `needs`, transitively; a
prerequisite that is also a selected check is one unit, not two. The fix engine (flow.py) starts
each unit once its prerequisites have settled, and a unit that covers what the others create
(monitoring's diagnostic settings) once all the others have.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from medallion.change import Change
from medallion.requirement import CATALOGUE, Requirement


@dataclass
class Outcome:
    """What fixing one unit came to, kept until its item reports it."""

    blocker: str | None = None           # the prerequisite that could not be fixed
    problem: str | None = None           # a write that failed, in one line
    error: Exception | None = None       # a read that failed: the item errs as it would serially
    applied: list[Change] = field(default_factory=list)
    held: list[Change] = field(default_factory=list)
    after: str | None = None             # the final re-check's failure; None when it passes
    found: dict[str, Any] = field(default_factory=dict)   # the final re-check's evidence


@dataclass(eq=False)
class Unit:
    """One requirement on one set of args; `item` carries its journal (its own item when it is a
    selected check, else the first check that needs it)."""

    requirement: Requirement
    args: dict[str, Any]
    item: pytest.Item
    own: bool = False
    needs: list["Unit | str"] = field(default_factory=list)   # a str is a blocker known up front
    outcome: Outcome = field(default_factory=Outcome)
    blocks: str | None = None      # what its dependants are blocked by; None while it passes
    plan: list[Change] = field(default_factory=list)
    attempted: bool = False        # planned against a view: its state must be re-checked
    planned_at: float = 0.0        # when the view its plan read began (Estate.created)
    written_at: float | None = None   # when its writes ended; None before, or while they go on
    expanded: bool = False

    @property
    def id(self) -> str:
        return self.requirement.id

    @property
    def prerequisites(self) -> list["Unit"]:
        return [need for need in self.needs if isinstance(need, Unit)]

    @property
    def late(self) -> bool:
        """Whether it covers what the other units create, or needs one that does: it starts only
        once every other unit has settled. The rest of monitoring (workspace, action group,
        alerts) starts with everything else."""
        return self.requirement.covers_others or any(need.late for need in self.prerequisites)

    def on(self, view: Any) -> dict[str, Any]:
        """Its args, reading from `view`."""
        return {**self.args, "estate": view}

    def stopped(self) -> bool:
        """Nothing more to do for it: blocked, erred, or a write failed."""
        out = self.outcome
        return bool(out.blocker or out.problem or out.error is not None)

    def blocker(self) -> tuple[str | None, Exception | None]:
        """What stops it, from its prerequisites in `needs` order (the serial path's order)."""
        for need in self.needs:
            if isinstance(need, str):
                return need, None
            if need.outcome.error is not None:
                return None, need.outcome.error
            if need.blocks:
                return need.blocks, None
        return None, None


class Graph:
    """The units of one run, keyed so that each requirement on each args appears once."""

    def __init__(self, passes: Callable[[Unit], bool]) -> None:
        self.passes = passes    # a prerequisite passing before anything is written needs no needs
        self.units: dict[tuple[Any, ...], Unit] = {}

    def add_root(self, item: pytest.Item, requirement: Requirement, args: dict[str, Any]) -> Unit:
        unit = self._unit(requirement, args, item)
        unit.own, unit.item = True, item
        self._expand(unit, (requirement.id,))
        return unit

    def all(self) -> list[Unit]:
        """Every unit, in the order added: pytest's, each root before the prerequisites it adds."""
        return list(self.units.values())

    def _unit(self, requirement: Requirement, args: dict[str, Any], item: pytest.Item) -> Unit:
        key = _key(requirement, args)
        if key not in self.units:
            self.units[key] = Unit(requirement, args, item)
        return self.units[key]

    def _expand(self, unit: Unit, chain: tuple[str, ...]) -> None:
        if unit.expanded:
            return
        unit.expanded = True
        for need_id in unit.requirement.needs:
            prerequisite = CATALOGUE.get(need_id)
            if prerequisite is None or need_id in chain:
                unit.needs.append(f"{need_id} (unknown or circular prerequisite)")
                continue
            need = self._unit(prerequisite, unit.args, unit.item)
            unit.needs.append(need)
            if need.own or not self.passes(need):
                self._expand(need, chain + (need_id,))


def _key(requirement: Requirement, args: dict[str, Any]) -> tuple[Any, ...]:
    accepted = accepted_args(requirement, args)
    plain = tuple(sorted((name, value if isinstance(value, (str, int, float, bool, type(None))) else id(value))
                         for name, value in accepted.items() if name != "estate"))
    return id(args["estate"]), requirement.id, plain


def accepted_args(requirement: Requirement, args: dict[str, Any]) -> dict[str, Any]:
    """The args the requirement's check takes."""
    names = inspect.signature(requirement.check).parameters
    return {name: value for name, value in args.items() if name in names}


def fix_args(requirement: Requirement, args: dict[str, Any]) -> list[Any]:
    """The args the requirement's fix takes, in its order."""
    names = list(inspect.signature(requirement.fix).parameters)  # type: ignore[arg-type]
    return [args[name] for name in names if name in args]
