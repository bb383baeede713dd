"""The fix journal: what a `--fix` run wrote, change by change, so a person can see it and undo it.

One JSON document per run that wrote (or tried to write) anything. Each entry carries the
requirement, resource, field, before and after, redacted exactly as the reports are, so the journal
can never hold a secret. A change whose before or after was redacted, or which can never be undone
(purge protection), is marked not reversible: restoring a `[REDACTED]` before would write the mask.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from medallion.change import Change
from medallion.redact import scrub_data

KIND = "medallion-fix-journal"
VERSION = 1
STATUSES = ("applied", "held", "failed")


def entry(requirement_id: str, estate: str, change: Change, status: str) -> dict[str, Any]:
    """One journal line for `change`, scrubbed; `at` orders entries so rollback can go last first."""
    plain = change.record()
    scrubbed = scrub_data(plain)
    redacted = scrubbed["before"] != plain["before"] or scrubbed["after"] != plain["after"]
    return {"requirement": requirement_id, "estate": estate, "resource": scrubbed["resource"],
            "field": scrubbed["field"], "before": scrubbed["before"], "after": scrubbed["after"],
            "undo": plain["undo"], "reversible": not change.irreversible and not redacted and bool(change.undo)
            and change.undo.get("kind") != "never",
            "why_not_reversible": _why_not(change, redacted), "status": status,
            "disruptive": change.disruptive, "summary": scrubbed["summary"],
            "at": _now()}


def _now() -> str:
    """UTC to the nanosecond, so entries sort in the order they were written."""
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


def _why_not(change: Change, redacted: bool) -> str:
    if change.irreversible:
        return "irreversible by nature (it can never be turned off once on)"
    if redacted:
        return "its before or after is a secret, redacted in the journal"
    if change.undo and change.undo.get("kind") == "never":
        return change.undo["why"]
    return "" if change.undo else "its remediation does not yet record how to undo it"


def document(run_id: str, estates: list[dict[str, str]], identity: str,
             entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole journal: who wrote what, where, in the order it was written."""
    return {"kind": KIND, "version": VERSION, "run_id": run_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "estates": estates, "identity": identity,
            "entries": sorted(entries, key=lambda e: e["at"])}


def default_path(started: float) -> Path:
    """reports/fix-journal-<UTC time>.json, the time the run started."""
    return Path("reports") / f"fix-journal-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))}.json"


def write(path: Path, journal: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(journal, indent=2))
