"""Roll a run's records up for the reader: per area by verdict, and per control framework."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from medallion.controls import FRAMEWORKS, framework_of
from medallion.requirement import AREAS

VERDICTS = ("passed", "failed", "fixed", "waived", "blocked", "error", "not_evaluated")


def by_area(records: Iterable[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Verdict counts per area, areas in the catalogue's order, then any others seen."""
    counts: dict[str, Counter[str]] = {}
    for record in records:
        counts.setdefault(record.get("area") or "?", Counter())[record.get("verdict") or "?"] += 1
    order = [area for area in AREAS if area in counts] + sorted(set(counts) - set(AREAS))
    return {area: counts[area] for area in order}


def by_framework(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """framework -> control -> {"checks": [...], "verdicts": Counter}: how each control fares."""
    rolled: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        for control in record.get("controls") or []:
            entry = rolled.setdefault(framework_of(control), {}).setdefault(
                control, {"checks": [], "verdicts": Counter()})
            entry["checks"].append(record["id"])
            entry["verdicts"][record.get("verdict") or "?"] += 1
    order = [key for key in FRAMEWORKS if key in rolled] + sorted(set(rolled) - set(FRAMEWORKS))
    return {key: dict(sorted(rolled[key].items())) for key in order}


def framework_counts(records: Iterable[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Verdict counts per framework, each check counted once however many of its controls map."""
    seen: dict[str, dict[str, str]] = {}
    for record in records:
        for control in record.get("controls") or []:
            seen.setdefault(framework_of(control), {})[record["nodeid"]] = record.get("verdict") or "?"
    return {framework: Counter(verdicts.values()) for framework, verdicts in seen.items()}


def compliant(counts: Counter[str]) -> bool:
    return not any(counts.get(verdict) for verdict in ("failed", "blocked", "error", "not_evaluated"))
