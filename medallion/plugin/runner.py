"""Running one requirement: audit it, and under --plan or --fix, plan or apply its remediation.

Under --fix the fix engine (fixing.py, flow.py) fixes failing checks in dependency order,
prerequisites first; each item then reports the outcome computed for it. The whole run is fixed
before the first check of an estate reports, in-process or on the one xdist worker --fix sends
every check to (catalogue.py). An item the engine did not prepare is fixed with what it `needs`
inside a file lock, planning from a fresh read, so two workers never create the same thing twice.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from typing import Any, Iterator

import pytest

from medallion.change import Change
from medallion.evidence import NotObserved
from medallion.plugin.context import CONTEXT
from medallion.plugin.evidence import attach_evidence
from medallion.plugin.fixing import fix_alone, prepare
from medallion.plugin.flow import OUTCOME
from medallion.plugin.judging import judge
from medallion.plugin.outcomes import Verdict, record
from medallion.plugin.units import Outcome, fix_args
from medallion.plugin.waivers import excuses, note_waiver, waiver_for
from medallion.requirement import Requirement


class Finding(AssertionError):
    """A check's failure as the report shows it: one message, no traceback."""


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    requirement = getattr(pyfuncitem.obj, "requirement", None)
    if requirement is None:
        return None
    context = pyfuncitem.config.stash[CONTEXT]
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    if context.naive_reads and "estate" in args:  # the benchmark's baseline: nothing shared
        args["estate"] = args["estate"].fresh()
    elif context.mode == "fix" and "estate" in args:   # in-process, or the one worker of -n (catalogue.py)
        prepare(pyfuncitem, args, context)
    Run(pyfuncitem, requirement, context, args).execute()
    return True


class Run:
    """One requirement on one item: its verdict and the changes made for it."""

    def __init__(self, item: pytest.Function, requirement: Requirement, context: Any, args: dict[str, Any]) -> None:
        self.item, self.requirement, self.context, self.args = item, requirement, context, args

    def execute(self) -> None:
        if self.requirement.area in self.estate().spec.areas.absent:
            return self.not_evaluated("the estate has no such area")
        try:
            failure = self.evaluate(self.requirement, self.args)
        except NotObserved as missing:   # judged under --plan/--fix only when its fix produces the subject
            if not (missing.fix_observes and self.requirement.fix and self.context.mode != "audit"):
                return self.not_evaluated(str(missing))
            failure = f"Not evaluated: {missing}"
        waiver = note_waiver(self.item, waiver_for(self.item, self.requirement.id), passed=failure is None)
        if failure is None:
            return record(self.item, Verdict.PASSED)
        if excuses(waiver, self.context):
            return record(self.item, Verdict.WAIVED, message=f"{failure}\nWaived: {waiver['summary']}")
        if waiver and waiver["status"] == "expired":   # a failure that names the waiver and its expiry
            failure += f"\n{waiver['summary']}"
        if self.context.mode == "audit" or self.requirement.fix is None:
            note = "" if self.requirement.fix else " No automatic remediation exists for this requirement."
            self.fail(Verdict.FAILED, failure + note)
        if self.context.mode == "plan":
            return self.plan(failure)
        self.fix(failure)

    def not_evaluated(self, missing: str) -> None:
        """Nothing to judge: its own verdict, failing the run unless the spec says the area is
        absent. --fix does not run: no fix of a check creates the subject it could not observe."""
        spec = self.estate().spec
        if self.requirement.area in spec.areas.absent:
            self.item.user_properties.append(("area_absent", "yes"))
            return record(self.item, Verdict.NOT_EVALUATED,
                          message=f"Not evaluated: {missing} ({self.requirement.area} declared absent in {spec.source})")
        self.fail(Verdict.NOT_EVALUATED, f"Not evaluated: {missing}. If this estate has no {self.requirement.area}, "
                                         f"declare it: [areas] absent = [\"{self.requirement.area}\"]")

    def evaluate(self, requirement: Requirement, args: dict[str, Any]) -> str | None:
        """None when the check passes, else its failure message. Read errors propagate."""
        found: dict[str, Any] = {}
        try:
            return judge(requirement, args, found)[0]
        finally:
            attach_evidence(self.item, found)

    def plan(self, failure: str) -> None:
        """--plan writes nothing, so it plans from the session's read of the estate."""
        changes = self.requirement.fix(*fix_args(self.requirement, self.args))  # type: ignore[misc]
        record(self.item, Verdict.FAILED, changes=changes)
        planned = "\n".join(f"  - {change.describe()}" for change in changes) or "  (nothing: no change would help)"
        self.fail(Verdict.FAILED, f"{failure}\n--fix would change:\n{planned}")

    def fix(self, failure: str) -> None:
        outcome = self.item.stash.get(OUTCOME, None)
        if outcome is None:
            with fix_lock(self.context.fix_lock):
                outcome = fix_alone(self.item, self.requirement, self.args, self.context)
        self.report(failure, outcome)

    def report(self, failure: str, outcome: Outcome) -> None:
        """The fix engine's outcome for this item, worded as the item reports it."""
        if outcome.error is not None:
            raise outcome.error
        if outcome.blocker:
            self.fail(Verdict.BLOCKED, f"{failure}\nBlocked by {outcome.blocker}, which could not be fixed; "
                                       "fix that first.")
        if outcome.problem:
            self.fail(Verdict.FAILED, f"Fix failed: {outcome.problem}")
        attach_evidence(self.item, outcome.found)
        applied, held, after = outcome.applied, outcome.held, outcome.after
        record(self.item, Verdict.FIXED if after is None else Verdict.FAILED, changes=applied, held=held)
        if after is not None:
            self.fail(Verdict.FAILED, f"{failure}\nFix failed: {_why_not(after, applied, held)}")

    def estate(self) -> Any:
        return self.args["estate"]

    def fail(self, verdict: Verdict, message: str) -> None:
        record(self.item, verdict, message=message)
        raise Finding(message)


def _why_not(after: str, applied: list[Change], held: list[Change]) -> str:
    if held:
        opt_ins = sorted({change.opt_in or "an opt-in" for change in held})
        return (f"held back {len(held)} change(s) that need {', '.join(opt_ins)}: "
                + "; ".join(change.describe() for change in held))
    if not applied:
        return f"the remediation found nothing it could change; still: {after}"
    return f"after {len(applied)} change(s) the check still fails: {after}"


@contextmanager
def fix_lock(path: str | None) -> Iterator[None]:
    """Serialise fixes across xdist workers: one writer at a time, each planning fresh."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


