"""A change a remediation intends to make: planned first, applied only under --fix.

Remediations never write directly. They read the live resource, merge what the requirement needs
into it, and return `Change`s; `--plan` prints them, `--fix` applies them. A fix that returns no
change has nothing to do, which is how a second `--fix` proves it writes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Change:
    """One write: which resource, which field, from what to what."""

    resource: str
    field: str
    before: Any
    after: Any
    apply: Callable[[], Any] = field(repr=False, compare=False)
    disruptive: bool = False    # may cut off people or pipelines that use the estate
    irreversible: bool = False  # can never be undone once applied
    opt_in: str = ""            # the flag or spec setting that allows it; "" means --fix suffices
    undo: dict[str, Any] | None = None  # how --rollback restores it from the journal alone (rollback.py)
    chain: str = ""             # a fix's changes in one chain apply in order; other chains meanwhile
    stage: int = 0              # a fix's stages apply one after another, each stage's chains side by side

    def describe(self, *, short: bool = False) -> str:
        """One line: resource, field, before → after, and any warning."""
        flags = [word for word, on in (("DISRUPTIVE", self.disruptive),
                                       ("IRREVERSIBLE", self.irreversible)) if on]
        warn = f" [{', '.join(flags)}; needs {self.opt_in}]" if flags and self.opt_in else (
            f" [{', '.join(flags)}]" if flags else "")
        resource = short_id(self.resource) if short else self.resource
        return f"{resource}: {self.field}: {_short(self.before)} -> {_short(self.after)}{warn}"

    def record(self) -> dict[str, Any]:
        """Plain data for reports (survives pytest-xdist and JSON)."""
        return {"resource": self.resource, "field": self.field, "before": _plain(self.before),
                "after": _plain(self.after), "disruptive": self.disruptive,
                "irreversible": self.irreversible, "opt_in": self.opt_in, "undo": self.undo,
                "summary": self.describe(short=True)}


def chained(changes: list[Change], chain: str) -> list[Change]:
    """Mark `changes` as one chain: they depend on each other, not on the fix's other changes."""
    for change in changes:
        change.chain = chain
    return changes


def staged(changes: list[Change], stage: int) -> list[Change]:
    """Mark `changes` to apply only once every change of the fix's earlier stages has applied:
    what they need exists by then, wherever in the plan it comes from."""
    for change in changes:
        change.stage = stage
    return changes


def short_id(resource_id: str) -> str:
    """A resource id without its subscription and group prefix, for people to read."""
    marker = "/providers/"
    return resource_id[resource_id.index(marker) + len(marker):] if marker in resource_id else resource_id


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _short(value: Any, limit: int = 160) -> str:
    text = "absent" if value is None else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."
