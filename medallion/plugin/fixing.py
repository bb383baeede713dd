"""The fix engine: `--fix` in dependency waves, not one round trip per write.

Units (units.py) of one level form a wave. Each wave reads one fresh view of the estate, shared
by all its units (its memo reads each resource once per wave): it re-checks against it the units
of the previous wave that others need (a prerequisite that still fails blocks its dependants),
evaluates and plans its own units concurrently, then applies them concurrently. Units whose
changes touch one resource, or a parent and child (a VNet PUT drops the subnets it does not list),
never apply from one stale read: the first in pytest order applies, the others wait for just the
units they touch, then re-plan from a fresh view while the rest of the wave goes on writing. A
unit's own changes apply stage by stage, each stage's chains side by side, each chain in order (a
container before the inventory rule that needs it). After the last wave one fresh view re-checks
every fixed unit; each item then reports its outcome.

In-process, the whole run is fixed before the first check of an estate reports; an xdist worker
does not know its items in advance, so it runs the engine for one item (its unit and the
prerequisites) inside the file lock.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import pytest

from medallion.change import Change
from medallion.cloud.errors import explain
from medallion.cloud.pools import READS_IN_FLIGHT
from medallion.evidence import NotObserved, collecting
from medallion.plugin.journal import note
from medallion.plugin.units import Graph, Outcome, Unit, accepted_args, fix_args
from medallion.plugin.waivers import excuses, note_waiver, waiver_for
from medallion.requirement import Requirement

OUTCOME = pytest.StashKey[Outcome]()
_PREPARED = pytest.StashKey[set]()
_T = TypeVar("_T")


def judge(requirement: Requirement, args: dict[str, Any],
          found: dict[str, Any] | None = None) -> tuple[str | None, dict[str, Any]]:
    """The check's failure message (None when it passes) and its evidence, also kept in `found`
    when given (so a check that raises still leaves what it saw). Read errors propagate."""
    with collecting() as collected:
        try:
            requirement.check(**accepted_args(requirement, args))
        except AssertionError as failure:
            return finding_text(failure), collected
        finally:
            if found is not None:
                found.update(collected)
    return None, collected


def finding_text(failure: AssertionError) -> str:
    """The check's own message, without pytest's assertion introspection."""
    text = str(failure).strip()
    return text.split("\nassert ")[0].strip() or "the check failed without a message"


def prepare(item: pytest.Item, args: dict[str, Any], context: Any) -> None:
    """In-process --fix, before the first check of an estate runs: judge every selected check of
    that estate on the state as read before any write, and fix the failing ones in waves."""
    estate = args["estate"]
    prepared = item.config.stash.setdefault(_PREPARED, set())
    if id(estate) in prepared:
        return
    prepared.add(id(estate))
    waves = Waves(context, estate, first=estate)
    graph = Graph(waves.passes)
    for other in item.session.items:
        requirement = getattr(getattr(other, "obj", None), "requirement", None)
        other_args = args if other is item else _args_like(other, item, args)
        if requirement is not None and other_args is not None and fixable(other, requirement, other_args, context):
            graph.add_root(other, requirement, other_args)
    units = graph.levelled()
    waves.run(units, final_areas={unit.requirement.area for unit in units})


def fix_alone(item: pytest.Item, requirement: Requirement, args: dict[str, Any], context: Any) -> Outcome:
    """One item's unit and its prerequisites, planned from a fresh read (an xdist worker)."""
    waves = Waves(context, args["estate"], first=args["estate"].fresh())
    graph = Graph(waves.passes)
    graph.add_root(item, requirement, args)
    waves.run(graph.levelled(), final_areas=set())
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


class Waves:
    """One --fix pass over an estate's units, level by level."""

    def __init__(self, context: Any, estate: Any, *, first: Any) -> None:
        self.context, self.estate, self.first = context, estate, first
        # half the connection pools each: a wave's units, and their chains' writes (thirteen
        # diagnostic settings go out in one round, not two)
        self.pool = ThreadPoolExecutor(max_workers=READS_IN_FLIGHT // 2, thread_name_prefix="fix")
        self.chains = ThreadPoolExecutor(max_workers=READS_IN_FLIGHT // 2, thread_name_prefix="fix-chain")

    def passes(self, unit: Unit) -> bool:
        """Whether a prerequisite passes in the first view (its own needs then need nothing)."""
        try:
            return judge(unit.requirement, unit.on(self.first))[0] is None
        except Exception:  # noqa: BLE001 - judged again, and reported, in its wave
            return False

    def run(self, units: list[Unit], *, final_areas: set[str]) -> None:
        try:
            self._waves(units)
            final = self.estate.fresh()
            final.start_prefetch(sorted(final_areas))
            self._each(lambda unit: self._final(unit, final), [u for u in units if u.own and not u.stopped()])
        finally:
            self.pool.shutdown()
            self.chains.shutdown()
        for unit in units:
            if unit.own:
                unit.item.stash[OUTCOME] = unit.outcome

    def _waves(self, units: list[Unit]) -> None:
        """Each wave after the first re-checks the units of the previous one that others need (a
        prerequisite still failing blocks its dependants); the rest wait for the final view."""
        needed = {id(need) for unit in units for need in unit.needs if isinstance(need, Unit)}
        view, previous = self.first, []
        for number, level in enumerate(sorted({unit.level for unit in units})):
            wave = [unit for unit in units if unit.level == level]
            if number:
                rechecked = [u for u in previous if u.attempted and id(u) in needed]
                view = self._view(rechecked + wave)
                self._each(lambda unit: self._recheck(unit, view), rechecked)
            self._apply_wave([unit for unit, go in zip(wave, self._each(lambda unit: self._start(unit, view), wave)) if go])
            previous = wave

    def _apply_wave(self, todo: list[Unit]) -> None:
        """Apply the planned units concurrently. One that touches what an earlier one writes waits
        for just the units it touches, not the whole wave (the subnets go one at a time meanwhile),
        then re-plans from a fresh view and applies once nothing in flight touches its resources."""
        running: list[tuple[Unit, Future[None]]] = []
        while todo:
            batch, todo = _split(todo, self.allowed, busy=[unit for unit, future in running if not future.done()])
            running += [(unit, self.pool.submit(self._apply, unit)) for unit in batch]
            if todo:
                for unit, future in running:
                    if _touches(unit, todo, self.allowed):
                        future.result()
                view = self._view(todo)
                todo = [unit for unit, go in zip(todo, self._each(lambda unit: self._plan(unit, view), todo)) if go]
        for _, future in running:
            future.result()

    def _view(self, units: list[Unit]) -> Any:
        """A fresh view with the units' areas read concurrently up front, not check by check. The
        units do not wait for all of it: each waits only for the reads it uses (the memo shares a
        read in flight), so a unit whose area reads in one round trip is not held by another area's
        chain of three."""
        view = self.estate.fresh()
        view.start_prefetch(sorted({unit.requirement.area for unit in units}))
        return view

    def _start(self, unit: Unit, view: Any) -> bool:
        """Judge the unit in this wave's view; True when it has to be planned and applied."""
        blocker, error = unit.blocker()
        if error is not None or blocker:
            unit.outcome.error, unit.outcome.blocker, unit.blocks = error, blocker, blocker
            return False
        try:
            failure, unit.outcome.found = judge(unit.requirement, unit.on(view))
        except NotObserved as missing:
            if unit.own and missing.fix_observes:   # its own fix produces what it judges
                return self._plan(unit, view)
            if unit.own:
                unit.outcome.error = missing
            unit.blocks = f"{unit.id} (not evaluated: its subject could not be observed)"
            return False
        except Exception as error:  # noqa: BLE001 - the item errs with it, as serially
            unit.outcome.error = error
            return False
        if failure is None:
            return False
        if not unit.own and excuses(note_waiver(None, waiver_for(unit.item, unit.id), passed=False), self.context):
            unit.blocks = f"{unit.id} (waived; --fix-waived fixes it)"
            return False
        if unit.requirement.fix is None:
            unit.blocks = unit.id
            return False
        return self._plan(unit, view)

    def _plan(self, unit: Unit, view: Any) -> bool:
        """Plan from `view` (its fix reads, merges and returns changes); True when it planned."""
        try:
            unit.plan = unit.requirement.fix(*fix_args(unit.requirement, unit.on(view)))  # type: ignore[misc]
        except Exception as error:  # noqa: BLE001 - a read failed while planning: the item errs
            unit.outcome.error = error
            return False
        unit.attempted = True
        return True

    def _apply(self, unit: Unit) -> None:
        """Apply what this run's opt-ins allow, stage by stage, each stage's chains side by side and
        each chain in order; journal every change held, applied or failed. The first failure, in
        plan order, is its line, and no later stage applies."""
        allowed = [change for change in unit.plan if self.allowed(change)]
        unit.outcome.held = [change for change in unit.plan if change not in allowed]
        unit.outcome.applied = allowed
        for change in unit.outcome.held:
            self._journal(unit, change, "held")
        for stage in sorted({change.stage for change in allowed}):
            chains: dict[str, list[Change]] = {}
            for change in allowed:
                if change.stage == stage:
                    chains.setdefault(change.chain, []).append(change)
            failed = [problem for problem in self.chains.map(lambda chain: self._apply_chain(unit, chain),
                                                              chains.values()) if problem]
            if failed:   # a later stage needs what this one writes
                unit.outcome.problem, unit.blocks = min(failed)[1], unit.id
                return

    def _apply_chain(self, unit: Unit, changes: list[Change]) -> tuple[int, str] | None:
        """Apply in order, stopping at the first failure: (its place in the plan, its line)."""
        for change in changes:
            try:
                change.apply()
            except Exception as error:  # noqa: BLE001 - one line, never a stack trace
                self._journal(unit, change, "failed")
                return unit.plan.index(change), str(explain(error, doing=f"writing {change.field} of {change.resource}"))
            self._journal(unit, change, "applied")
        return None

    def _recheck(self, unit: Unit, view: Any) -> None:
        """A fixed prerequisite that still fails blocks its dependants."""
        if unit.stopped():
            return
        try:
            failure, _ = judge(unit.requirement, unit.on(view))
        except NotObserved:
            failure = "not evaluated"
        except Exception as error:  # noqa: BLE001 - serially its dependants err with it
            unit.outcome.error = error
            return
        unit.blocks = None if failure is None else unit.id

    def _final(self, unit: Unit, view: Any) -> None:
        """The item's verdict and evidence: its check against the last view, after every wave."""
        unit.outcome.found = {}
        try:
            unit.outcome.after, _ = judge(unit.requirement, unit.on(view), unit.outcome.found)
        except NotObserved as missing:   # its fix ran but still left nothing to judge
            unit.outcome.after = f"still not evaluated: {missing}"
        except Exception as error:  # noqa: BLE001 - the item errs with it, as serially
            unit.outcome.error = error

    def _journal(self, unit: Unit, change: Change, status: str) -> None:
        note(unit.item, unit.id, self.estate.spec.name, change, status)

    def allowed(self, change: Change) -> bool:
        """An opt-in comes from the command line or from the estate spec's [security] table."""
        opted = self.estate.spec.security
        if change.disruptive and not (self.context.allow_disruptive or opted.allow_disruptive):
            return False
        return not (change.irreversible and not (self.context.allow_irreversible or opted.allow_irreversible))

    def _each(self, work: Callable[[Unit], _T], units: list[Unit]) -> list[_T]:
        """`work` on every unit at once; results in the units' order."""
        return [future.result() for future in [self.pool.submit(work, unit) for unit in units]]


def _split(units: list[Unit], allowed: Callable[[Change], bool],
           busy: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    """The units that can apply now, and those whose writes touch what an earlier one, or one
    still applying (`busy`), writes."""
    now, later = [], []
    claimed = [resource for unit in busy for resource in _writes(unit, allowed)]
    for unit in units:
        touched = _writes(unit, allowed)
        if any(_related(a, b) for a in touched for b in claimed):
            later.append(unit)
        else:
            now.append(unit)
            claimed += touched
    return now, later


def _writes(unit: Unit, allowed: Callable[[Change], bool]) -> list[str]:
    return [change.resource.lower() for change in unit.plan if allowed(change)]


def _touches(unit: Unit, others: list[Unit], allowed: Callable[[Change], bool]) -> bool:
    """Whether `unit` writes a resource, or a parent or child of one, that any of `others` writes."""
    mine = _writes(unit, allowed)
    return any(_related(a, b) for other in others for a in mine for b in _writes(other, allowed))


def _related(a: str, b: str) -> bool:
    """One resource, or a parent and its child."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")
