"""HTML fragments of the compliance report. Every value is scrubbed of secrets, then escaped."""
from __future__ import annotations

import html
import json
from typing import Any

from medallion.controls import FRAMEWORKS, describe
from medallion.redact import scrub
from medallion.report.drift import Drift, failing_for, label
from medallion.report.summary import VERDICTS, by_area, by_framework, compliant, framework_counts
from medallion.waivers import describe as describe_waiver

STYLE = """<style>
.medallion table{border-collapse:collapse;margin:.4em 0 1em}
.medallion th,.medallion td{border:1px solid #ccc;padding:3px 9px;text-align:left;font-size:13px}
.medallion th{background:#f0f0f0}.medallion td.n{text-align:right}
.medallion .ok{color:#1a7f37;font-weight:bold}.medallion .bad{color:#c62828;font-weight:bold}
.medallion-verdict{padding:1px 6px;border-radius:3px;color:#fff;background:#777}
.medallion-verdict.v-passed{background:#1a7f37}.medallion-verdict.v-fixed{background:#0969da}
.medallion-verdict.v-failed{background:#c62828}.medallion-verdict.v-blocked{background:#9a6700}
.medallion-verdict.v-error{background:#6e4c9c}.medallion-verdict.v-not_evaluated{background:#57606a}.medallion-verdict.v-waived{background:#8250df}
.medallion .soon{color:#9a6700;font-weight:bold}
.medallion-detail{white-space:normal;font-family:sans-serif;font-size:13px;margin-bottom:8px}
.medallion-detail ul.evidence{margin:0;padding-left:1.2em}.medallion-detail .key{font-weight:600}
.medallion-detail dt{font-weight:bold;margin-top:4px}.medallion-detail dd{margin:0 0 0 1.5em}
</style>"""


def esc(value: Any) -> str:
    """A value as safe HTML text: secrets scrubbed, markup escaped."""
    if value is None:
        return "&mdash;"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return html.escape(scrub(text))


def area_summary(records: list[dict[str, Any]]) -> str:
    """One row per area: how many checks passed, failed, were fixed, blocked or errored."""
    rows = []
    totals = {verdict: 0 for verdict in VERDICTS}
    for area, counts in by_area(records).items():
        for verdict in VERDICTS:
            totals[verdict] += counts.get(verdict, 0)
        state = '<span class="ok">compliant</span>' if compliant(counts) else '<span class="bad">not compliant</span>'
        state += f" ({counts['waived']} waived)" if counts.get("waived") else ""
        cells = "".join(f'<td class="n">{counts.get(v, 0)}</td>' for v in VERDICTS)
        rows.append(f'<tr data-area="{esc(area)}"><td>{esc(area)}</td>{cells}<td>{state}</td></tr>')
    head = "".join(f"<th>{v}</th>" for v in VERDICTS)
    total = "".join(f'<td class="n"><b>{totals[v]}</b></td>' for v in VERDICTS)
    return (f'<div class="medallion" id="medallion-summary"><h3>Compliance by area</h3><table>'
            f"<tr><th>area</th>{head}<th>state</th></tr>{''.join(rows)}"
            f"<tr><td><b>all areas</b></td>{total}<td></td></tr></table></div>")


def framework_rollup(records: list[dict[str, Any]]) -> str:
    """Per framework, each mapped control with the checks that answer it and their verdicts."""
    sections = []
    totals = framework_counts(records)
    for framework, controls in by_framework(records).items():
        rows = []
        for control, entry in controls.items():
            verdicts = ", ".join(f"{n} {v}" for v, n in sorted(entry["verdicts"].items()))
            rows.append(f"<tr><td>{esc(describe(control))}</td><td>{esc(', '.join(sorted(set(entry['checks']))))}</td>"
                        f"<td>{esc(verdicts)}</td></tr>")
        counted = ", ".join(f"{totals[framework].get(v, 0)} {v}" for v in VERDICTS)
        sections.append(f"<h4>{esc(FRAMEWORKS.get(framework, framework))}</h4>"
                        f'<p class="medallion-framework-counts" data-framework="{esc(framework)}">'
                        f"checks: {esc(counted)}</p><table>"
                        f"<tr><th>control</th><th>checks</th><th>verdicts</th></tr>{''.join(rows)}</table>")
    if not sections:
        return ""
    return f'<div class="medallion" id="medallion-frameworks"><h3>By control framework</h3>{"".join(sections)}</div>'


def drift_section(drift: Drift) -> str:
    """New failures, newly fixed and still failing (with for how long), against the previous run."""
    if not drift.compared:
        return ('<div class="medallion" id="medallion-drift"><h3>Drift</h3><p>No previous results given '
                "(--previous-results): this run is the baseline.</p></div>")
    parts = []
    for title, group, css in (("New failures", drift.new_failures, "bad"), ("Newly fixed", drift.newly_fixed, "ok"),
                              ("Still failing", drift.still_failing, "bad"), ("Newly waived", drift.newly_waived, "soon")):
        items = "".join(
            f"<li>{esc(label(r))} {esc(r.get('title'))}"
            + (f" &mdash; failing for {esc(failing_for(r))} (since {esc(r.get('first_failed'))})"
               if title == "Still failing" else "") + "</li>" for r in group)
        parts.append(f'<p><span class="{css}">{title}: {len(group)}</span></p>' + (f"<ul>{items}</ul>" if items else ""))
    verdict = ('<p class="bad">Compliance regressed since the previous run.</p>' if drift.regressed
               else '<p class="ok">No regression since the previous run.</p>')
    return f'<div class="medallion" id="medallion-drift"><h3>Drift</h3>{verdict}{"".join(parts)}</div>'


def check_detail(record: dict[str, Any]) -> str:
    """The detail of one check: statement, observed vs expected, remediation, fix, controls."""
    changes = record.get("changes") or []
    held = record.get("held") or []
    items = [("Requirement", f"{record['id']} {record.get('title', '')}"),
             ("Estate", record.get("estate")),
             ("Observed", record.get("observed")), ("Expected", record.get("expected")),
             ("Remediation", record.get("remediation")), ("Fix outcome", record.get("fix_outcome"))]
    if record.get("waiver"):
        items.append(("Waiver", f"{WAIVER_STATUS[record['waiver']['status']]}: {describe_waiver(record['waiver'])}"))
    if record.get("drift"):
        items.append(("Drift", record["drift"] + (f" (first failed {record.get('first_failed')})"
                                                  if record.get("first_failed") else "")))
    rows = "".join(f"<dt>{name}</dt><dd>{evidence_html(value) if name in EVIDENCE else esc(value)}</dd>"
                   for name, value in items)
    if changes:
        title = "Planned changes" if record.get("mode") == "plan" else "Changes made"
        rows += f"<dt>{title}</dt><dd><ul>{''.join(_change(c) for c in changes)}</ul></dd>"
    if held:
        rows += f"<dt>Held back (needs an opt-in)</dt><dd><ul>{''.join(_change(c) for c in held)}</ul></dd>"
    controls = "".join(f"<li>{esc(describe(c))}</li>" for c in record.get("controls") or [])
    rows += f"<dt>Controls</dt><dd>{f'<ul>{controls}</ul>' if controls else 'none mapped'}</dd>"
    return f'<div class="medallion medallion-detail" data-requirement="{esc(record["id"])}"><dl>{rows}</dl></div>'


EVIDENCE = ("Observed", "Expected")


def evidence_html(value: Any) -> str:
    """Structured evidence as nested lists, field by field, so an auditor reads it without scrolling."""
    if isinstance(value, dict) and value:
        items = "".join(f'<li><span class="key">{esc(key)}</span>: {evidence_html(item)}</li>'
                        for key, item in value.items())
        return f'<ul class="evidence">{items}</ul>'
    return esc(value)


WAIVER_STATUS = {"active": "waived", "expiring": "waived, expires soon", "expired": "expired",
                 "unneeded": "no longer needed (the check passes)"}


def waivers_section(records: list[dict[str, Any]]) -> str:
    """Every waiver the run met: its check, status, justification, owner, expiry and days left."""
    met = [r for r in records if r.get("waiver")]
    if not met:
        return ""
    rows = "".join(
        f'<tr data-status="{esc(w["status"])}"><td>{esc(label(r))}</td><td>{esc(r.get("estate"))}</td>'
        f'<td class="{"bad" if w["status"] == "expired" else "soon" if w["status"] == "expiring" else ""}">'
        f'{esc(WAIVER_STATUS[w["status"]])}</td><td>{esc(w["justification"])}</td><td>{esc(w["owner"])}</td>'
        f'<td>{esc(w["expires"])}</td><td class="n">{esc(w["days_left"])}</td><td>{esc(w.get("ticket") or "")}</td>'
        f"<td>{esc(w['entry'])}</td></tr>" for r in met for w in [r["waiver"]])
    head = "".join(f"<th>{h}</th>" for h in ("check", "estate", "status", "justification", "owner", "expires",
                                             "days left", "ticket", "declared in"))
    return f'<div class="medallion" id="medallion-waivers"><h3>Waivers</h3><table><tr>{head}</tr>{rows}</table></div>'


def _change(change: dict[str, Any]) -> str:
    return (f"<li>{esc(change.get('resource'))}: {esc(change.get('field'))}: "
            f"{esc(change.get('before'))} &rarr; {esc(change.get('after'))}</li>")
