"""Drift between two runs' JSON results: new failures, newly fixed, still failing (and since when).

Each record carries `first_failed`, the time it was first seen failing in an unbroken run of
failures, carried forward from the previous results file; that is how "failing for 9 days" is
known without keeping any history but the last file.

A waived check is neither failing nor fixed: newly waived is its own group, so waiving a failure
is not reported as a fix, and a waiver that expires turns the check back into a failure, which
counts as new (a regression) when it was waived or passing last time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

FAILING = {"failed", "blocked", "error"}


def failing(record: dict[str, Any]) -> bool:
    """Failing, or not evaluated in an area the spec does not declare absent: nothing observed is no pass."""
    verdict = record.get("verdict")
    return verdict in FAILING or (verdict == "not_evaluated" and not record.get("area_absent"))


def waived(record: dict[str, Any]) -> bool:
    return record.get("verdict") == "waived"


def load_previous(path: str | Path | None) -> list[dict[str, Any]] | None:
    """The previous run's records; None when there is no previous run to compare with.

    A missing file is the first run (None); an unreadable one is a clear one-line ValueError.
    """
    if not path or not Path(path).exists():
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the previous results ({error})") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) and "nodeid" in r for r in data):
        raise ValueError(f"{path}: not a --results-json file (expected a list of check records)")
    return data


def carry_forward(records: Iterable[dict[str, Any]], previous: list[dict[str, Any]] | None) -> None:
    """Set `first_failed` and `drift` on each current record, from the previous run's."""
    before = {r["nodeid"]: r for r in previous or []}
    for record in records:
        old = before.get(record["nodeid"])
        if waived(record):
            was = old and (failing(old) or waived(old))
            record["first_failed"] = (old.get("first_failed") if was else None) or record.get("time")
            record["drift"] = "newly waived" if previous is not None and not (old and waived(old)) else ""
        elif failing(record):
            kept = old.get("first_failed") or old.get("time") if old and failing(old) else None
            record["first_failed"] = kept or record.get("time")
            record["drift"] = "still failing" if kept else ("new failure" if previous is not None else "")
        else:
            record["first_failed"] = None
            record["drift"] = "newly fixed" if old and (failing(old) or waived(old)) else ""


@dataclass
class Drift:
    """The drift of one run against the previous one."""

    compared: bool
    new_failures: list[dict[str, Any]] = field(default_factory=list)
    newly_fixed: list[dict[str, Any]] = field(default_factory=list)
    still_failing: list[dict[str, Any]] = field(default_factory=list)
    newly_waived: list[dict[str, Any]] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return bool(self.new_failures)


def drift_of(records: list[dict[str, Any]], *, compared: bool) -> Drift:
    """Group records (already carried forward) by their drift."""
    result = Drift(compared=compared)
    for record in records:
        bucket = {"new failure": result.new_failures, "newly fixed": result.newly_fixed,
                  "still failing": result.still_failing, "newly waived": result.newly_waived}.get(record.get("drift") or "")
        if bucket is not None:
            bucket.append(record)
    return result


def failing_for(record: dict[str, Any], now: str | None = None) -> str:
    """How long a record has been failing, in words ("3 days", "5 hours", "new")."""
    since, at = _parse(record.get("first_failed")), _parse(now or record.get("time"))
    if since is None or at is None:
        return "unknown"
    seconds = max(0, int((at - since).total_seconds()))
    if seconds < 60:
        return "since this run"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "since this run"


def _parse(stamp: Any) -> datetime | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def label(record: dict[str, Any]) -> str:
    """The id a reader knows a check by, with its parameters ("CMP-001[bronze]")."""
    name = record["nodeid"].split("::")[-1]
    return record["id"] + (name[name.index("["):] if "[" in name else "")
