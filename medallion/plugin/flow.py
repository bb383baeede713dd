"""The fix engine's flow: each unit starts once its prerequisites have settled.

A unit (units.py) starts once its prerequisites have settled, with every other unit ready at that
moment, as one batch: the batch reads one fresh view of the estate (its memo reads each resource
once), re-checks against it the fixed prerequisites its units need (a prerequisite that still
fails blocks its dependants), judges and plans its units concurrently, then applies them
concurrently. No batch waits for a whole level: the subnets go once the VNet is written, while the
notebooks are still being imported. Units whose changes touch one resource, or a parent and child,
never apply from a stale read (conflicts.py). A unit's own changes apply stage by stage, each
stage's chains side by side, each chain in order (a container before the inventory rule that needs
it). Once every unit has settled, one fresh view re-checks every fixed unit; each item then
reports its outcome.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, TypeVar

import pytest

from medallion.change import Change
from medallion.cloud.errors import explain
from medallion.cloud.pools import READS_IN_FLIGHT
from medallion.evidence import NotObserved
from medallion.plugin.conflicts import split, touches
from medallion.plugin.journal import note
from medallion.plugin.judging import judge
from medallion.plugin.units import Outcome, Unit, fix_args
from medallion.plugin.waivers import excuses, note_waiver, waiver_for

OUTCOME = pytest.StashKey[Outcome]()
_T = TypeVar("_T")


class Flow:
    """One --fix pass over an estate's units, each started once its prerequisites have settled."""

    def __init__(self, context: Any, estate: Any, *, first: Any) -> None:
        self.context, self.estate, self.first = context, estate, first
        # half the connection pools each: the units' judging and applying, and their chains'
        # writes (thirteen diagnostic settings go out in one round, not two)
        self.pool = ThreadPoolExecutor(max_workers=READS_IN_FLIGHT // 2, thread_name_prefix="fix")
        self.chains = ThreadPoolExecutor(max_workers=READS_IN_FLIGHT // 2, thread_name_prefix="fix-chain")
        # a batch mostly waits (for its view, its re-checks, its writes); a ninth queues
        self.batches = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fix-batch")
        self._lock = threading.Lock()
        self._applying: list[tuple[Unit, Future[None]]] = []     # every unit sent to apply, in order
        self._rechecks: dict[int, Future[None]] = {}             # prerequisite id -> its re-check

    def passes(self, unit: Unit) -> bool:
        """Whether a prerequisite passes in the first view (its own needs then need nothing)."""
        try:
            return judge(unit.requirement, unit.on(self.first))[0] is None
        except Exception:  # noqa: BLE001 - judged again, and reported, in its batch
            return False

    def run(self, units: list[Unit], *, final_areas: set[str]) -> None:
        try:
            self._flow(units)
            final = self.estate.fresh()
            final.start_prefetch(sorted(final_areas))
            self._each(lambda unit: self._final(unit, final), [u for u in units if u.own and not u.stopped()])
        finally:
            for pool in (self.batches, self.pool, self.chains):
                pool.shutdown()
        for unit in units:
            if unit.own:
                unit.item.stash[OUTCOME] = unit.outcome

    def _flow(self, units: list[Unit]) -> None:
        """Start every unit whose prerequisites have settled (judged, and applied if it had to be)
        together with the others ready at that moment, as one batch on one fresh view; a late unit
        (Unit.late) waits for every other. No batch waits for a level: the subnets start once the
        VNet is written, however long the notebooks take."""
        settled: dict[int, Future[None]] = {id(unit): Future() for unit in units}
        early = [unit for unit in units if not unit.late]
        by_requirement: dict[str, list[Unit]] = {}
        for unit in units:
            by_requirement.setdefault(unit.id, []).append(unit)
        waiting, batches = list(units), []
        while waiting:
            ready = [unit for unit in waiting if self._may_start(unit, settled, early, by_requirement)]
            if ready:
                waiting = [unit for unit in waiting if unit not in ready]
                mine, theirs = self._rechecks_for(ready)
                # the first batch goes before anything is written: the view read before --fix holds
                view = None if batches else self.first
                batches.append(self.batches.submit(self._batch, ready, mine, theirs, settled, view))
                continue
            pending = [f for f in settled.values() if not f.done()] + [b for b in batches if not b.done()]
            if not pending:   # cannot happen with an acyclic catalogue; never spin on it
                raise RuntimeError(f"--fix: {', '.join(unit.id for unit in waiting)} wait for nothing in flight")
            wait(pending, return_when=FIRST_COMPLETED)
            for batch in batches:
                if batch.done() and batch.exception() is not None:
                    raise batch.exception()  # type: ignore[misc]
        for batch in batches:
            batch.result()

    @staticmethod
    def _may_start(unit: Unit, settled: dict[int, Future[None]], early: list[Unit],
                   by_requirement: dict[str, list[Unit]]) -> bool:
        """Once each prerequisite, on every layer it is fixed on, has settled: the layers of one
        requirement go the same way together, so their dependants share a batch, and its reads,
        not one each."""
        after = [sibling for need in unit.prerequisites for sibling in by_requirement[need.id]]
        return all(settled[id(other)].done() for other in after + (early if unit.late else []))

    def _rechecks_for(self, ready: list[Unit]) -> tuple[list[Unit], list[Future[None]]]:
        """The fixed prerequisites this batch re-checks (a prerequisite still failing blocks its
        dependants), and the re-checks of others it waits for: each is re-checked once, by the
        first batch of its dependants."""
        mine: list[Unit] = []
        theirs: list[Future[None]] = []
        for need in (need for unit in ready for need in unit.prerequisites if need.attempted):
            if id(need) not in self._rechecks:
                self._rechecks[id(need)] = Future()
                mine.append(need)
            elif need not in mine:
                theirs.append(self._rechecks[id(need)])
        return mine, theirs

    def _batch(self, ready: list[Unit], mine: list[Unit], theirs: list[Future[None]],
               settled: dict[int, Future[None]], view: Any = None) -> None:
        """Re-check `mine`, judge and plan `ready` on one fresh view (or `view`), then apply what
        was planned; each unit settles when it has nothing more to write."""
        try:
            view = view if view is not None else self._view(mine + ready)
            self._each(lambda unit: self._recheck(unit, view), mine)
        finally:
            for need in mine:
                self._rechecks[id(need)].set_result(None)
        for recheck in theirs:
            recheck.result()
        planned = []
        for unit, go in zip(ready, self._each(lambda unit: self._start(unit, view), ready)):
            if go:
                planned.append(unit)
            else:   # nothing to write: its dependants may start
                settled[id(unit)].set_result(None)
        self._apply_planned(planned, lambda unit: settled[id(unit)].set_result(None))

    def _apply_planned(self, todo: list[Unit], settle: Callable[[Unit], None]) -> None:
        """Apply the planned units concurrently. One that touches what another unit writes (this
        batch's, one still applying, or one that wrote after its plan's view was read) waits for
        just the units it touches, then re-plans from a fresh view: no write goes out from a read
        that another's write has made stale."""
        mine: list[Future[None]] = []
        while todo:
            with self._lock:
                batch, todo = split(todo, self.allowed, sent=[unit for unit, _ in self._applying])
                started = [(unit, self.pool.submit(self._apply, unit)) for unit in batch]
                self._applying += started
            for unit, future in started:
                future.add_done_callback(lambda _, unit=unit: settle(unit))
                mine.append(future)
            if todo:
                with self._lock:
                    applying = list(self._applying)
                wait([future for unit, future in applying if touches(unit, todo, self.allowed)])
                view = self._view(todo)
                replanned = self._each(lambda unit: self._plan(unit, view), todo)
                for unit in (unit for unit, go in zip(todo, replanned) if not go):
                    settle(unit)
                todo = [unit for unit, go in zip(todo, replanned) if go]
        for future in mine:
            future.result()

    def _view(self, units: list[Unit]) -> Any:
        """A fresh view with the units' areas read concurrently up front, not check by check. The
        units do not wait for all of it: each waits only for the reads it uses (the memo shares a
        read in flight), so a unit whose area reads in one round trip is not held by another area's
        chain of three. Units about layers get a view that prefetches only their layers."""
        layers = frozenset(unit.args["layer"] for unit in units if "layer" in unit.args)
        view = self.estate.fresh(layers=layers or None)
        view.start_prefetch(sorted({unit.requirement.area for unit in units}))
        return view

    def _start(self, unit: Unit, view: Any) -> bool:
        """Judge the unit in its batch's view; True when it has to be planned and applied."""
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
            unit.planned_at = view.created
        except Exception as error:  # noqa: BLE001 - a read failed while planning: the item errs
            unit.outcome.error = error
            return False
        unit.attempted = True
        return True

    def _apply(self, unit: Unit) -> None:
        try:
            self._apply_stages(unit)
        finally:
            unit.written_at = time.monotonic()

    def _apply_stages(self, unit: Unit) -> None:
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
        """The item's verdict and evidence: its check against the last view, once all have settled."""
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
