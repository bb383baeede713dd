"""`--fix` for a run: which checks it acts on, and the fix engine (flow.py) run over them.

The whole run is fixed before the first check of an estate reports, in-process or on the one
xdist worker that --fix sends every check to. An item the engine did not prepare runs it for its
own unit and prerequisites, inside the file lock.
"""
from __future__ import annotations

from typing import Any

import pytest

from medallion.evidence import NotObserved
from medallion.plugin.flow import OUTCOME, Flow
from medallion.plugin.judging import judge
from medallion.plugin.units import Graph, Outcome
from medallion.plugin.waivers import excuses, note_waiver, waiver_for
from medallion.requirement import Requirement

_PREPARED = pytest.StashKey[set]()


def prepare(item: pytest.Item, args: dict[str, Any], context: Any) -> None:
    """--fix, before the first check of an estate runs: judge every selected check of
    that estate on the state as read before any write, and fix the failing ones."""
    estate = args["estate"]
    prepared = item.config.stash.setdefault(_PREPARED, set())
    if id(estate) in prepared:
        return
    prepared.add(id(estate))
    flow = Flow(context, estate, first=estate)
    graph = Graph(flow.passes)
    for other in item.session.items:
        requirement = getattr(getattr(other, "obj", None), "requirement", None)
        other_args = args if other is item else _args_like(other, item, args)
        if requirement is not None and other_args is not None and fixable(other, requirement, other_args, context):
            graph.add_root(other, requirement, other_args)
    units = graph.all()
    flow.run(units, final_areas={unit.requirement.area for unit in units})


def fix_alone(item: pytest.Item, requirement: Requirement, args: dict[str, Any], context: Any) -> Outcome:
    """One item's unit and its prerequisites, planned from a fresh read (an item prepare() did not
    reach, on a worker given part of a run)."""
    flow = Flow(context, args["estate"], first=args["estate"].fresh())
    graph = Graph(flow.passes)
    graph.add_root(item, requirement, args)
    flow.run(graph.all(), final_areas=set())
    return item.stash[OUTCOME]


def fixable(item: pytest.Item, requirement: Requirement, args: dict[str, Any], context: Any) -> bool:
    """A check --fix acts on: evaluated, failing, with a fix, and no waiver excusing it."""
    if requirement.fix is None or requirement.area in args["estate"].spec.areas.absent:
        return False
    try:
        failure, _ = judge(requirement, args)
    except NotObserved as missing:   # only a check whose own fix produces its subject is fixed
        failure = f"Not evaluated: {missing}" if missing.fix_observes else None
    except Exception:  # noqa: BLE001 - unreadable: its item says so itself
        return False
    return failure is not None and not excuses(note_waiver(None, waiver_for(item, requirement.id), passed=False),
                                                context)


def _args_like(other: pytest.Item, item: pytest.Item, args: dict[str, Any]) -> dict[str, Any] | None:
    """Another item's args, when it audits the same estate: its own parameters, and the session
    fixtures (spec, estate, connections) `item` already has; None when it cannot be told."""
    params = dict(getattr(getattr(other, "callspec", None), "params", {}) or {})
    mine = dict(getattr(getattr(item, "callspec", None), "params", {}) or {})
    if params.get("spec") != mine.get("spec"):
        return None
    values = {}
    for name in getattr(getattr(other, "_fixtureinfo", None), "argnames", ()):
        if name in params and name != "spec":
            values[name] = params[name]
        elif name in args:
            values[name] = args[name]
        else:
            return None
    return values if "estate" in values else None
