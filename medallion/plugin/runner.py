"""Running one requirement: audit it, and under --plan or --fix, plan or apply its remediation.

Under --fix each failing check waits for the requirements it `needs` (fixing them first), then
applies its own changes and re-checks against a fresh read. Fixes across xdist workers are
serialised by a file lock, and every fix plans from a fresh read taken inside the lock, so two
workers never create the same thing twice.
"""
from __future__ import annotations

import fcntl
import inspect
from contextlib import contextmanager
from typing import Any, Iterator

import pytest

from medallion.change import Change
from medallion.cloud.errors import explain
from medallion.evidence import NotObserved, collecting
from medallion.plugin.context import CONTEXT
from medallion.plugin.evidence import attach_evidence
from medallion.plugin.journal import note
from medallion.plugin.outcomes import Verdict, record
from medallion.plugin.waivers import excuses, note_waiver, waiver_for
from medallion.requirement import CATALOGUE, Requirement


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
        with fix_lock(self.context.fix_lock):
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
        with collecting() as found:
            try:
                requirement.check(**_accepted(requirement, args))
            except AssertionError as failure:
                return finding_text(failure)
            finally:
                if requirement is self.requirement:
                    attach_evidence(self.item, found)
        return None

    def plan(self, failure: str) -> None:
        changes = self.requirement.fix(*self.fix_args(self.estate().fresh()))  # type: ignore[misc]
        record(self.item, Verdict.FAILED, changes=changes)
        planned = "\n".join(f"  - {change.describe()}" for change in changes) or "  (nothing: no change would help)"
        self.fail(Verdict.FAILED, f"{failure}\n--fix would change:\n{planned}")

    def fix(self, failure: str) -> None:
        blocker = next(filter(None, (self.ensure(need, chain=(self.requirement.id,))
                                     for need in self.requirement.needs)), None)
        if blocker:
            self.fail(Verdict.BLOCKED, f"{failure}\nBlocked by {blocker}, which could not be fixed; "
                                       "fix that first.")
        applied, held = self.apply(self.requirement)
        try:
            after = self.evaluate(self.requirement, {**self.args, "estate": self.estate().fresh()})
        except NotObserved as missing:   # its fix ran but still left nothing to judge
            after = f"still not evaluated: {missing}"
        record(self.item, Verdict.FIXED if after is None else Verdict.FAILED, changes=applied, held=held)
        if after is not None:
            self.fail(Verdict.FAILED, f"{failure}\nFix failed: {_why_not(after, applied, held)}")

    def ensure(self, requirement_id: str, *, chain: tuple[str, ...]) -> str | None:
        """Make a prerequisite pass; the id of whatever blocks it, or None."""
        prerequisite = CATALOGUE.get(requirement_id)
        if prerequisite is None or requirement_id in chain:
            return f"{requirement_id} (unknown or circular prerequisite)"
        args = {**self.args, "estate": self.estate().fresh()}
        try:
            if self.evaluate(prerequisite, args) is None:
                return None
        except NotObserved:
            return f"{requirement_id} (not evaluated: its subject could not be observed)"
        if excuses(note_waiver(None, waiver_for(self.item, requirement_id), passed=False), self.context):
            return f"{requirement_id} (waived; --fix-waived fixes it)"
        for need in prerequisite.needs:
            blocker = self.ensure(need, chain=chain + (requirement_id,))
            if blocker:
                return blocker
        if prerequisite.fix is None:
            return requirement_id
        try:
            self.apply(prerequisite)
        except Finding:   # its write failed: this check is blocked by it, not failed by its error
            return requirement_id
        args = {**self.args, "estate": self.estate().fresh()}
        return None if self.evaluate(prerequisite, args) is None else requirement_id

    def apply(self, requirement: Requirement) -> tuple[list[Change], list[Change]]:
        """Plan from a fresh read, then apply what this run's opt-ins allow."""
        changes = requirement.fix(*self.fix_args(self.estate().fresh(), requirement))  # type: ignore[misc]
        allowed = [change for change in changes if self.allowed(change)]
        held = [change for change in changes if change not in allowed]
        for change in held:
            self.journal(requirement, change, "held")
        for change in allowed:
            try:
                change.apply()
            except Exception as error:  # noqa: BLE001 - one line, never a stack trace
                self.journal(requirement, change, "failed")
                problem = explain(error, doing=f"writing {change.field} of {change.resource}")
                self.fail(Verdict.FAILED, f"Fix failed: {problem}")
            self.journal(requirement, change, "applied")
        return allowed, held

    def journal(self, requirement: Requirement, change: Change, status: str) -> None:
        """The fix journal's entry for this change: applied, held or failed."""
        note(self.item, requirement.id, self.estate().spec.name, change, status)

    def allowed(self, change: Change) -> bool:
        """An opt-in comes from the command line or from the estate spec's [security] table."""
        opted = self.estate().spec.security
        if change.disruptive and not (self.context.allow_disruptive or opted.allow_disruptive):
            return False
        return not (change.irreversible and not (self.context.allow_irreversible or opted.allow_irreversible))

    def fix_args(self, estate: Any, requirement: Requirement | None = None) -> list[Any]:
        fix = (requirement or self.requirement).fix
        names = list(inspect.signature(fix).parameters)  # type: ignore[arg-type]
        values = {**self.args, "estate": estate}
        return [values[name] for name in names if name in values]

    def estate(self) -> Any:
        return self.args["estate"]

    def fail(self, verdict: Verdict, message: str) -> None:
        record(self.item, verdict, message=message)
        raise Finding(message)


def _accepted(requirement: Requirement, args: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(requirement.check).parameters
    return {name: value for name, value in args.items() if name in names}


def _why_not(after: str, applied: list[Change], held: list[Change]) -> str:
    if held:
        opt_ins = sorted({change.opt_in or "an opt-in" for change in held})
        return (f"held back {len(held)} change(s) that need {', '.join(opt_ins)}: "
                + "; ".join(change.describe() for change in held))
    if not applied:
        return f"the remediation found nothing it could change; still: {after}"
    return f"after {len(applied)} change(s) the check still fails: {after}"


def finding_text(failure: AssertionError) -> str:
    """The check's own message, without pytest's assertion introspection."""
    text = str(failure).strip()
    return text.split("\nassert ")[0].strip() or "the check failed without a message"


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


