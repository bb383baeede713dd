"""The pieces renderers hand the document: a section of Markdown plus its part of the diagram,
and the run's verdicts to label them with."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from medallion.redact import scrub

FAILING = ("failed", "blocked", "error", "not_evaluated")


@dataclass
class Section:
    """A titled part of the document and what it adds to the Mermaid diagram."""

    title: str
    body: list[str]
    nodes: list[tuple[str, str, str]] = field(default_factory=list)  # (node id, label, group)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, label)


class Verdicts:
    """This run's verdicts for one estate, looked up by requirement id, area or parameter."""

    def __init__(self, records: Iterable[dict[str, Any]], estate: str) -> None:
        self.records = [r for r in records if r.get("estate", "default") == estate]

    def of(self, *ids: str, param: str | None = None) -> str:
        """One word for a group of checks: the worst verdict, or "not checked"."""
        found = [r for r in self.records if r["id"] in ids and (param is None or f"[{param}" in r["nodeid"]
                                                                 or f"-{param}]" in r["nodeid"])]
        return worst(found)

    def area(self, area: str, param: str | None = None) -> str:
        found = [r for r in self.records if r.get("area") == area
                 and (param is None or re.search(rf"[\[-]{re.escape(param)}[\]-]", r["nodeid"]))]
        return worst(found)

    def listed(self, area: str, param: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("area") == area
                and (param is None or re.search(rf"[\[-]{re.escape(param)}[\]-]", r["nodeid"]))]


def worst(records: list[dict[str, Any]]) -> str:
    if not records:
        return "not checked"
    counts = Counter(r.get("verdict") for r in records)
    for verdict in ("error", "blocked", "failed", "not_evaluated", "waived", "fixed", "passed"):
        if counts.get(verdict):
            return badge(verdict, counts, len(records))
    return "not checked"


def badge(verdict: str, counts: Counter[Any], total: int) -> str:
    mark = {"passed": "✅ compliant", "fixed": "🔧 fixed this run", "failed": "❌ not compliant",
            "blocked": "⛔ blocked", "error": "⚠️ could not be read", "waived": "📝 waived",
            "not_evaluated": "❔ not evaluated"}[verdict]
    failing = sum(counts.get(v, 0) for v in FAILING)
    return f"{mark}" + (f" ({failing} of {total} checks failing)" if failing and total > 1 else "")


def cell(value: Any) -> str:
    """A value for a Markdown table cell: scrubbed, pipes escaped, one line."""
    if value is None or value == "":
        return "—"
    text = scrub(str(value)).replace("|", "\\|").replace("\n", " ")
    return text


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines


def node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def props(resource: dict[str, Any] | None) -> dict[str, Any]:
    return ((resource or {}).get("properties") or {}) if isinstance(resource, dict) else {}
