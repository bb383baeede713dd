"""Judging a check outside pytest's call: its failure message, its evidence, and nothing else.

The fix engine judges each unit several times (before any write, in its batch, at the end) and
the runner judges an item once; both need the check's own message without pytest's assertion
introspection, and the evidence it declared even when it fails.
"""
from __future__ import annotations

from typing import Any

from medallion.evidence import collecting
from medallion.plugin.units import accepted_args
from medallion.requirement import Requirement


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
