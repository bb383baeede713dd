"""Assemble the as-built document from the area renderers and this run's verdicts."""
from __future__ import annotations

import importlib
import time
from typing import Any, Callable

from medallion.asbuilt import RENDERERS
from medallion.asbuilt.model import Section, Verdicts, cell, table
from medallion.cloud.errors import CloudError
from medallion.observe.estate import AREA_READERS
from medallion.redact import scrub
from medallion.report.drift import label
from medallion.report.summary import VERDICTS, by_area, compliant

GROUPS = {"estate": "Workspace", "compute": "Medallion layers", "storage": "Storage",
          "monitoring": "Monitoring", "security": "Network and keys"}


def renderers() -> list[tuple[str, Callable[..., Section | None]]]:
    """The renderers whose area has readers in this tree, in document order."""
    found = []
    for key, target in RENDERERS.items():
        if key != "estate" and key not in AREA_READERS:
            continue
        module, function = target.split(":")
        try:
            found.append((key, getattr(importlib.import_module(module), function)))
        except (ImportError, AttributeError):
            continue  # that area's renderer has not landed yet
    return found


def document(estates: dict[str, Any], records: list[dict[str, Any]], *, mode: str) -> str:
    """The whole Markdown document for every estate of the run."""
    lines = ["# Medallion platform: as-built architecture", "",
             f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `pytest checks/ --as-built` "
             f"from the estate as observed in this run ({mode}); verdicts are this run's. "
             "Regenerate it rather than edit it.", ""]
    lines += _verdict_table(records) + _waivers(records)
    for name, estate in estates.items():
        lines += _estate(name, estate, Verdicts(records, name), several=len(estates) > 1)
    return scrub("\n".join(lines).rstrip() + "\n")


def _verdict_table(records: list[dict[str, Any]]) -> list[str]:
    rows = [[area, *[counts.get(v, 0) for v in VERDICTS], "compliant" if compliant(counts) else "not compliant"]
            for area, counts in by_area(records).items()]
    if not rows:
        return ["No checks ran in this run, so no section carries a verdict.", ""]
    return ["## Compliance in this run", "", *table(["area", *VERDICTS, "state"], rows), ""]


def _waivers(records: list[dict[str, Any]]) -> list[str]:
    """The exceptions this run met, so the document never shows a waived gap as designed."""
    rows = [[label(r), r.get("estate"), w["status"], w["justification"], w["owner"], w["expires"], w["days_left"],
             w.get("ticket")] for r in records if (w := r.get("waiver"))]
    if not rows:
        return []
    header = ["check", "estate", "waiver", "justification", "owner", "expires", "days left", "ticket"]
    return ["## Waivers", "", *table(header, rows), ""]


def _estate(name: str, estate: Any, verdicts: Verdicts, *, several: bool) -> list[str]:
    level = "###" if several else "##"
    lines = [f"## Estate `{name}`", ""] if several else []
    sections = []
    for key, render in renderers():
        try:
            section = render(estate, verdicts)
        except CloudError as error:
            section = Section(GROUPS.get(key, key).capitalize(), [f"Could not be read: {error}"])
        if section is not None:
            sections.append((key, section))
    lines += [f"{level} Layout", "", *mermaid(sections), ""]
    for _key, section in sections:
        lines += [f"{level} {section.title}", "", *section.body, ""]
    return lines


def mermaid(sections: list[tuple[str, Section]]) -> list[str]:
    """A flowchart of every node the sections observed, grouped by area."""
    lines = ["```mermaid", "flowchart LR"]
    known = set()
    for key, section in sections:
        if not section.nodes:
            continue
        lines.append(f'  subgraph {key}["{GROUPS.get(key, key)}"]')
        for node, label, _group in section.nodes:
            known.add(node)
            lines.append(f'    {node}["{_label(label)}"]')
        lines.append("  end")
    for _key, section in sections:
        for source, target, label in section.edges:
            if source in known and target in known:
                lines.append(f"  {source} -->|{_label(label)}| {target}" if label else f"  {source} --> {target}")
    return lines + ["```"]


def _label(text: str) -> str:
    return cell(text).replace('"', "'").replace("[", "(").replace("]", ")")
