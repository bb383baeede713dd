"""`--rollback JOURNAL`: undo a fix run, last change first, from its journal alone.

Each reversible applied change is undone by read-merge-write: read the live resource; if the
field no longer equals the journal's after, someone changed it since and it is left, said so.
Fields one write changed together go back together or not at all; keyed lists lose only the
items the fix added or changed (undo.unmerge). A resource the fix created is deleted only if it
still matches what the fix made and nothing depends on it. Databricks entries are undone by
rollback_databricks.py. Irreversible and redacted changes are listed as not undone. With `--plan`
nothing is written. A rolled-back journal is marked, so a second rollback writes nothing.
"""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any, Callable

from medallion.cloud.errors import explain
from medallion.journal import KIND
from medallion.undo import at, folded, put, unmerge


class JournalError(ValueError):
    """A journal that cannot be rolled back; the message is the one line to show."""


def load(path: str, subscriptions: dict[str, str]) -> dict[str, Any]:
    """The journal at `path`, checked: a journal, of these estates, not rolled back already."""
    try:
        journal = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise JournalError(f"--rollback {path}: not a readable JSON fix journal ({error.__class__.__name__}); "
                           "pass a reports/fix-journal-*.json a --fix run wrote") from None
    if not isinstance(journal, dict) or journal.get("kind") != KIND or not isinstance(journal.get("entries"), list):
        raise JournalError(f"--rollback {path}: not a fix journal (no kind {KIND!r}); "
                           "pass a reports/fix-journal-*.json a --fix run wrote")
    for estate in journal.get("estates") or []:
        if subscriptions.get(estate.get("name")) != estate.get("subscription"):
            raise JournalError(f"--rollback {path}: the journal is of estate {estate.get('name')!r} in subscription "
                               f"{estate.get('subscription')}, not this run's estate; pass the same --estate")
    if journal.get("rolled_back"):
        raise JournalError(f"--rollback {path}: already rolled back at {journal['rolled_back']}; nothing to do")
    return journal


def roll_back(journal: dict[str, Any], estates: dict[str, Any], *, plan: bool,
              allow_disruptive: bool = False) -> list[str]:
    """Undo (or, with plan, describe undoing) every entry, last first; one line per entry.
    `estates` maps each estate's name to its (unread) Estate: its `arm`, and its workspace client.
    What would restart a running cluster is held unless disruption is allowed, as under --fix."""
    from medallion.rollback_databricks import WORKSPACE_KINDS, undo_in_workspace

    lines = []
    for entry in sorted(journal["entries"], key=lambda e: e["at"], reverse=True):
        if entry["status"] != "applied":
            continue
        where = f"{entry['resource']}: {entry['field']}"
        estate = estates[entry["estate"]]
        try:
            if not entry.get("reversible"):
                lines.append(f"not undone: {where} ({entry.get('why_not_reversible') or 'not reversible'})")
            elif entry["undo"]["kind"] in WORKSPACE_KINDS:
                allowed = allow_disruptive or estate.spec.security.allow_disruptive
                lines.append(undo_in_workspace(entry, estate, where, plan, allow_disruptive=allowed))
            else:
                lines.append(_undo(entry, estate.arm, where, plan))
        except Exception as error:  # noqa: BLE001 - a failed read is one line, and the others still run
            lines.append(f"failed: {where} ({explain(error, doing='reading it')})")
    return lines


def _undo(entry: dict[str, Any], arm: Any, where: str, plan: bool) -> str:
    undo, resource = entry["undo"], entry["resource"]
    status, live = arm.request("GET", resource, api_version=undo["api_version"])
    if status == 404:
        return f"left: {where} (the resource is gone)"
    if status >= 400:
        return f"left: {where} (reading it answered {status})"
    if undo["kind"] == "runbook_content":
        return _runbook_content(entry, arm, where, plan)
    step = _delete if undo["kind"] == "created" else _restore
    return step(entry, live, where, plan, lambda method, body=None: _send(arm, method, resource, undo["api_version"], body))


def _send(arm: Any, method: str, resource: str, api_version: str, body: Any) -> None:
    """PUT or DELETE through the generic resources client, waiting for the long-running operation."""
    if method == "PUT":
        arm.put_by_id(resource, body, api_version=api_version)
    else:
        arm.write(arm.resources.resources.begin_delete_by_id, resource, api_version=api_version)


def _runbook_content(entry: dict[str, Any], arm: Any, where: str, plan: bool) -> str:
    """Publish the previous content again, only while the published one is still the fix's."""
    from azure.core.exceptions import ResourceNotFoundError

    from medallion.desired.rotation import content_digest
    from medallion.observe.security import _text

    _, _, _, _, rg, _, _, _, account, _, name = entry["resource"].split("/")[:11]
    client = arm.automation
    try:
        now = content_digest(_text(client.runbook.get_content(rg, account, name)))
    except ResourceNotFoundError:
        now = None
    if now != entry["after"]:
        return f"left: {where} (changed since the fix: now {now}, the fix published {entry['after']})"
    if entry["before"] is None:
        return f"unchanged: {where} (nothing was published before: the content goes with the runbook the fix created)"
    if plan:
        return f"would restore: {where}: {entry['after']} -> {entry['before']['sha256']}"

    def publish() -> None:
        arm.write(client.runbook_draft.begin_replace_content, rg, account, name, entry["before"]["source"])
        arm.write(client.runbook.begin_publish, rg, account, name)
    return written(publish, f"restored: {where}: {entry['before']['sha256']} (published again)", where)


def _fields(entry: dict[str, Any]) -> list[tuple[str, str, Any, Any, Any]]:
    """(name, path, item key or None, before, after) of each field the entry restores."""
    undo = entry["undo"]
    if undo["kind"] == "restore":
        return [(entry["field"], undo["path"], undo.get("key"), entry["before"], entry["after"])]
    keys = undo.get("keys") or {}
    return [(name, path, keys.get(name), (entry["before"] or {}).get(name), (entry["after"] or {}).get(name))
            for name, path in undo["paths"].items()]


def _restore(entry: dict[str, Any], live: dict[str, Any], where: str, plan: bool, send: Callable[..., Any]) -> str:
    """Every field back to its before, or none: a field changed since leaves them all, named."""
    body, changed, kept = copy.deepcopy(live), [], []
    for name, path, key, before, after in _fields(entry):
        now = at(live, path)
        named = f"{name} " if entry["undo"]["kind"] == "fields" else ""
        if key is None:
            if folded(now) != folded(after):
                changed.append(f"{named}now {brief(now)}, the fix set {brief(after)}")
            put(body, path, before)
            continue
        value, items, added = unmerge(now or [], before, after or [], key)
        changed += [f"{named}item {item}" for item in items]
        kept += [f"{named}item {item}" for item in added]
        put(body, path, value if value or before is not None else None)
    if changed:
        return f"left: {where} (changed since the fix: {'; '.join(changed)})"
    if body == live:
        return f"unchanged: {where} (already as before the fix)"
    since = f" (kept, added since: {'; '.join(kept)})" if kept else ""
    if plan:
        return f"would restore: {where}: {brief(entry['after'])} -> {brief(entry['before'])}{since}"
    return written(lambda: send("PUT", body), f"restored: {where}: {brief(entry['before'])}{since}", where)


def brief(value: Any, limit: int = 200) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _delete(entry: dict[str, Any], live: dict[str, Any], where: str, plan: bool, send: Callable[..., Any]) -> str:
    undo = entry["undo"]
    changed = [path for path, value in undo["match"].items() if at(live, path) != value]
    if changed:
        return f"kept: {where} (created by the fix, changed since: {', '.join(changed)})"
    used = [path.rsplit(".", 1)[-1] for path in undo["dependants"] if at(live, path)]
    if used:
        return f"kept: {where} (created by the fix, in use: {', '.join(used)})"
    if plan:
        return f"would delete: {where} (created by the fix, unchanged, unused)"
    return written(lambda: send("DELETE"), f"deleted: {where} (created by the fix)", where)


def written(write: Callable[[], Any], done: str, where: str) -> str:
    try:
        write()
    except Exception as error:  # noqa: BLE001 - one line per change, never a stack trace
        return f"failed: {where} ({explain(error, doing='writing it back')})"
    return done


def mark(path: str, journal: dict[str, Any]) -> None:
    """Record in the journal that it was rolled back, so it is never rolled back twice."""
    journal["rolled_back"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    Path(path).write_text(json.dumps(journal, indent=2))
