"""The monitoring dashboard: which views it must show, how to recognise them, and how to add them.

A view is recognised from what its part points at (the table a query reads, the metric a chart
draws, the vault it watches), not from its title, which people rename freely.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable

from medallion.desired import dashboard
from medallion.desired.alerts import JOBS_TABLE, STORAGE_NAMESPACE

KEY_VAULT_QUERY = ('AzureDiagnostics\n| where ResourceProvider == "MICROSOFT.KEYVAULT"\n'
                   '| summarize operations = count() by OperationName, bin(TimeGenerated, 1h)')
JOB_FAILURES_VIEW = (f'{JOBS_TABLE}\n| where ActionName == "runFailed"\n'
                     '| summarize failures = count() by bin(TimeGenerated, 1h)')


@dataclass(frozen=True)
class Ids:
    workspace: str
    account: str
    vault: str


@dataclass(frozen=True)
class View:
    title: str
    shown_by: Callable[[str, Ids], bool]              # (part as lower-case JSON, ids) -> shows it?
    part: Callable[[int, int, Ids], dict[str, Any]]   # (x, y, ids) -> a new part


VIEWS = (
    View("Databricks job failures", lambda text, ids: JOBS_TABLE.lower() in text,
         lambda x, y, ids: dashboard.log_query_part(x, y, ids.workspace, JOB_FAILURES_VIEW, "Databricks job failures")),
    View("storage capacity", lambda text, ids: "usedcapacity" in text and ids.account.lower() in text,
         lambda x, y, ids: dashboard.metric_part(x, y, ids.account, STORAGE_NAMESPACE.lower(), "UsedCapacity",
                                                 "Storage used capacity")),
    View("Key Vault activity", lambda text, ids: "microsoft.keyvault" in text or ids.vault.lower() in text,
         lambda x, y, ids: dashboard.log_query_part(x, y, ids.workspace, KEY_VAULT_QUERY, "Key Vault activity")),
)


def missing_views(found: dict[str, Any] | None, ids: Ids) -> list[View]:
    texts = [json.dumps(part).lower() for part in dashboard.parts_of(found)]
    return [view for view in VIEWS if not any(view.shown_by(text, ids) for text in texts)]


def with_views(live: dict[str, Any] | None, views: list[View], ids: Ids, location: str, title: str) -> dict[str, Any]:
    """A new dashboard, or the live one with `views` added below its parts; nothing removed."""
    if live is None:
        return dashboard.dashboard_body(location, title, [v.part(6 * (i % 2), 4 * (i // 2), ids)
                                                          for i, v in enumerate(views)])
    body = {k: copy.deepcopy(v) for k, v in live.items() if k in ("location", "tags", "properties")}
    lenses = body.setdefault("properties", {}).get("lenses")
    if isinstance(lenses, dict):   # an old export keyed "0", "1": keep that shape
        lens = lenses.setdefault("0", {"order": 0, "parts": {}})
    else:
        lenses = body["properties"]["lenses"] = lenses or [{"order": 0, "parts": []}]
        lens = lenses[0]
    parts = lens.setdefault("parts", [])
    bottom = max((p.get("position", {}).get("y", 0) + p.get("position", {}).get("rowSpan", 0)
                  for p in dashboard.parts_of(live)), default=0)
    new = [v.part(6 * (i % 2), bottom + 4 * (i // 2), ids) for i, v in enumerate(views)]
    if isinstance(parts, dict):
        parts.update({str(len(parts) + i): part for i, part in enumerate(new)})
    else:
        parts.extend(new)
    return body
