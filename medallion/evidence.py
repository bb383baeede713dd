"""Structured evidence a check may give the report: what it observed and what it expected.

Every check calls `evidence(observed=..., expected=...)` before it asserts, so a pass shows what was
read as plainly as a failure (tests/test_catalogue.py holds every requirement to it); the runner
collects the last call of each evaluation and the report, the JSON results and JUnit XML carry
it. A check that errs before its first call gets both read from its message
(`<resource>: <observed>; expected <expected>. --fix ...`); a pass is never filled in.
"""
from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn

_current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("medallion_evidence", default=None)


def evidence(*, observed: Any, expected: Any) -> None:
    """Record what the check saw and what it wanted (plain data: str, number, list, dict)."""
    found = _current.get()
    if found is not None:
        found.update(observed=observed, expected=expected)


@contextmanager
def collecting() -> Iterator[dict[str, Any]]:
    """Collect the evidence given while the block runs (one check evaluation)."""
    found: dict[str, Any] = {}
    token = _current.set(found)
    try:
        yield found
    finally:
        _current.reset(token)


_EXPECTED = re.compile(r"(?is)^(?P<observed>.*?)[;,.]?\s+expected\s+(?P<expected>.*?)(?:\.\s+--fix\b.*|\.\s+No automatic.*|\.?\s*$)")


def from_message(message: str) -> dict[str, str]:
    """Observed and expected as the failure message words them; empty when it does not say."""
    first = message.split("\n")[0].strip()
    match = _EXPECTED.match(first)
    if not match:
        return {}
    return {"observed": match.group("observed").strip(), "expected": match.group("expected").strip().rstrip(".")}


class NotObserved(Exception):
    """The check's subject could not be observed: nothing to judge, so no verdict of pass or fail.
    `fix_observes`: the check's own fix is what produces the subject (DQ-004's fix runs the
    quality task that never ran), so --fix may run it; no other not-evaluated check is fixed."""

    def __init__(self, missing: str, *, fix_observes: bool = False) -> None:
        super().__init__(missing)
        self.fix_observes = fix_observes


def not_observed(missing: str, *, fix_observes: bool = False) -> NoReturn:
    """Stop the check as `not_evaluated`, with one line saying what was missing. Called where a
    loop over resources would otherwise pass because it found none."""
    raise NotObserved(missing, fix_observes=fix_observes)
