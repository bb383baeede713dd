"""What compliant key rotation means: our runbook's content for this estate, and which schedules
run it often enough. Shared by the SEC- rotation checks and their fixes."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "rotate_storage_keys.py"
_ESTATE_BLOCK = re.compile(r"(# --- estate: .*?---\n)ESTATE = \{.*?\n\}\n(# --- end estate ---)", re.S)
# Worst-case days between runs per frequency (a month can be 31 days long)
_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 31}


def runbook_source(spec: Any, *, arm_endpoint: str | None = None) -> str:
    """The rotation runbook with this estate's ids written into its ESTATE block."""
    rotation = spec.security.rotation
    endpoint = (arm_endpoint or spec.target.arm_endpoint).rstrip("/")
    estate = {"arm_endpoint": endpoint, "arm_resource": spec.target.arm_scope.removesuffix(".default"),
              "storage_account_id": spec.resource_id("Microsoft.Storage/storageAccounts", spec.estate.storage_account),
              "vault_id": spec.resource_id("Microsoft.KeyVault/vaults", spec.estate.key_vault),
              "secret_name": rotation.secret_name, "grace_minutes": rotation.grace_minutes}
    lines = "\n".join(f"    {key!r}: {value!r}," for key, value in estate.items())
    text = RUNBOOK.read_text()
    rendered, count = _ESTATE_BLOCK.subn(lambda m: f"{m.group(1)}ESTATE = {{\n{lines}\n}}\n{m.group(2)}", text)
    if count != 1:
        raise RuntimeError(f"{RUNBOOK}: the ESTATE block is missing; the runbook cannot be published")
    return rendered


def days_between_runs(schedule: dict[str, Any]) -> float | None:
    """How many days at most pass between two runs; None when it never repeats or is off."""
    props = schedule.get("properties") or {}
    if props.get("isEnabled") is False or _expired(props.get("expiryTime")):
        return None
    per = _DAYS.get(str(props.get("frequency") or "").lower())
    interval = props.get("interval")
    if per is None or not isinstance(interval, (int, float)) or interval <= 0:
        return None
    return per * float(interval)


def _expired(expiry: Any) -> bool:
    if not isinstance(expiry, str) or not expiry:
        return False
    try:
        when = datetime.fromisoformat(expiry.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when <= datetime.now(timezone.utc)


def often_enough(schedule: dict[str, Any] | None, every_days: int) -> bool:
    days = days_between_runs(schedule) if schedule else None
    return days is not None and days <= every_days


def link_of(job_schedule: dict[str, Any]) -> tuple[str, str]:
    """(runbook, schedule) a job schedule links, lower-cased."""
    props = job_schedule.get("properties") or {}
    return (str((props.get("runbook") or {}).get("name") or "").lower(),
            str((props.get("schedule") or {}).get("name") or "").lower())


def schedule_body(name: str, every_days: int, now: datetime | None = None) -> dict[str, Any]:
    """Every `every_days` days, starting on the next whole hour at least ten minutes away (the
    service refuses a start time less than five minutes in the future)."""
    start = (now or datetime.now(timezone.utc)) + timedelta(minutes=10)
    start = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {"name": name, "properties": {"description": f"Rotate the storage account keys every {every_days} days",
                                       "startTime": start.isoformat(), "frequency": "Day",
                                       "interval": every_days, "timeZone": "UTC"}}


def is_python(runbook: dict[str, Any], runtime_environment: str) -> bool:
    """Our runbook runs on the Python runtime the spec names (or a classic Python 3 runbook)."""
    props = runbook.get("properties") or {}
    kind = str(props.get("runbookType") or "")
    if kind == "Python3":
        return True
    return kind == "Python" and str(props.get("runtimeEnvironment") or "").lower() == runtime_environment.lower()


def content_digest(text: str | None) -> str | None:
    """How the journal names runbook content: a short sha256, never the text."""
    return None if text is None else f"sha256:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
