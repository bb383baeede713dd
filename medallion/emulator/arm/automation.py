"""Microsoft.Automation: accounts, runbooks with draft and published content, schedules, and
immutable job schedules.

A runbook is three calls (FIELD_NOTES): PUT the runbook, PUT `draft/content` (text, 202 +
Location), POST `publish` (202 + Location). Content is kept as two entries of their own under the
runbook (`.../draft/content`, `.../content`), so it is saved with the state and goes with the runbook.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context
from medallion.emulator.arm_store import fold, parse

ACCOUNT = "Microsoft.Automation/automationAccounts"
RUNBOOK = f"{ACCOUNT}/runbooks"
_RUNBOOK_PATH = (r"/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.automation/"
                 r"automationaccounts/[^/]+/runbooks/[^/]+")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _account_on_create(ctx: Context, body: dict[str, Any]) -> None:
    body.setdefault("properties", {}).update(state="Ok", creationTime=_now(), lastModifiedTime=_now())


def _runbook_on_create(ctx: Context, body: dict[str, Any]) -> None:
    body.setdefault("properties", {}).update(state="New", creationTime=_now(), lastModifiedTime=_now())


def _runbook(ctx: Context, path: str, suffix: str) -> dict[str, Any]:
    return ctx.service.require_exists(path[: -len(suffix)])


def _operation(ctx: Context, path: str) -> ArmResponse:
    location = ctx.service.start_operation(ctx, f"{path}/operationResults", None, 0)
    return ArmResponse(202, None, {"Location": location})


@arm.route("PUT", _RUNBOOK_PATH + "/draft/content")
def _replace_draft(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    runbook = _runbook(ctx, req.path, "/draft/content")
    text = req.body if isinstance(req.body, str) else ""
    ctx.store.put_raw(f"{runbook['id']}/draft/content", {"content": text})
    props = runbook.setdefault("properties", {})
    props["state"] = "Edit" if props.get("state") == "Published" else props.get("state", "New")
    props.setdefault("draft", {})["inEdit"] = True
    props["lastModifiedTime"] = _now()
    return _operation(ctx, f"{runbook['id']}/draft/content")


@arm.route("GET", _RUNBOOK_PATH + "/draft")
def _get_draft_properties(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    runbook = _runbook(ctx, req.path, "/draft")
    draft = dict((runbook.get("properties") or {}).get("draft") or {})
    draft.setdefault("inEdit", False)
    return ArmResponse(200, draft)


@arm.route("GET", _RUNBOOK_PATH + "/draft/content")
def _get_draft(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    return _content(ctx, req.path, "/draft/content", "draft/content")


@arm.route("GET", _RUNBOOK_PATH + "/content")
def _get_published(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    return _content(ctx, req.path, "/content", "content")


def _content(ctx: Context, path: str, suffix: str, segment: str) -> ArmResponse:
    runbook = _runbook(ctx, path, suffix)
    stored = ctx.store.get(f"{runbook['id']}/{segment}")
    if stored is None:
        what = "draft" if "draft" in segment else "published"
        raise arm.ArmError(404, "NotFound", f"The runbook '{runbook['name']}' has no {what} content.")
    return ArmResponse(200, stored.get("content", ""))


@arm.route("POST", _RUNBOOK_PATH + "/publish")
def _publish(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    runbook = _runbook(ctx, req.path, "/publish")
    draft = ctx.store.get(f"{runbook['id']}/draft/content")
    if draft is None:
        raise arm.ArmError(400, "BadRequest", f"The runbook '{runbook['name']}' has no draft to publish.")
    ctx.store.put_raw(f"{runbook['id']}/content", {"content": draft.get("content", "")})
    props = runbook.setdefault("properties", {})
    props.update(state="Published", lastModifiedTime=_now())
    props.setdefault("draft", {})["inEdit"] = False
    return _operation(ctx, f"{runbook['id']}/publish")


@arm.route("GET", _RUNBOOK_PATH + r"/(draft/content|publish)/operationresults/([^/]+)")
def _operation_result(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    return ctx.service.poll_operation(ctx, m.group(2))


def _schedule_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Schedules run on whole minutes: the service drops seconds from start and expiry times."""
    props = new.setdefault("properties", {})
    for key in ("startTime", "expiryTime"):
        if isinstance(props.get(key), str):
            props[key] = re.sub(r"(T\d\d:\d\d):\d\d(\.\d+)?", r"\1:00", props[key])
    props.setdefault("isEnabled", True)
    props.setdefault("nextRun", props.get("startTime"))
    props["lastModifiedTime"] = _now()
    props.setdefault("creationTime", ((old or {}).get("properties") or {}).get("creationTime", _now()))


def _job_schedule_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Job schedules are immutable: a PUT on an existing id, or a second link, is a conflict."""
    account = "/".join(new["id"].split("/")[:-2])
    props = new.setdefault("properties", {})
    runbook = ((props.get("runbook") or {}).get("name") or "")
    schedule = ((props.get("schedule") or {}).get("name") or "")
    if old is not None:
        raise arm.ArmError(409, "Conflict", f"The job schedule '{parse(new['id']).name}' already exists; "
                           "job schedules cannot be changed: delete it and create a new one.")
    for kind, name in (("runbooks", runbook), ("schedules", schedule)):
        if not name or ctx.store.get(f"{account}/{kind}/{name}") is None:
            raise arm.ArmError(404, "NotFound", f"The {kind[:-1]} '{name}' does not exist in {account}.")
    for other in ctx.store.children(account, "Microsoft.Automation/automationAccounts/jobSchedules"):
        o = other.get("properties") or {}
        if ((o.get("runbook") or {}).get("name", "").lower(), (o.get("schedule") or {}).get("name", "").lower()) \
                == (runbook.lower(), schedule.lower()) and fold(other["id"]) != fold(new["id"]):
            raise arm.ArmError(409, "Conflict", f"A job schedule for runbook '{runbook}' and schedule "
                               f"'{schedule}' already exists.")
    props["jobScheduleId"] = parse(new["id"]).name
    props.setdefault("parameters", {})


def _identity(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """A system-assigned identity gets a principal when turned on and keeps it; off, it is gone."""
    identity = new.get("identity")
    if not isinstance(identity, dict):
        return
    if "systemassigned" in str(identity.get("type") or "").lower().replace(" ", ""):
        before = (old or {}).get("identity") or {}
        identity["principalId"] = before.get("principalId") or str(uuid.uuid4())
        identity["tenantId"] = before.get("tenantId") or "00000000-0000-0000-0000-0000000000aa"
    else:
        identity.pop("principalId", None)
        identity.pop("tenantId", None)


def _schedule_on_delete(ctx: Context, old: dict[str, Any]) -> None:
    """Deleting a schedule takes the job schedules that use it along (as the service does)."""
    account = "/".join(old["id"].split("/")[:-2])
    for job in ctx.store.children(account, "Microsoft.Automation/automationAccounts/jobSchedules"):
        if ((job.get("properties") or {}).get("schedule") or {}).get("name", "").lower() == old["name"].lower():
            ctx.store.delete_tree(job["id"])


arm.register(arm.TypeRule(type=ACCOUNT, provisioning_state=False, on_create=_account_on_create,
                          on_put=_identity, on_patch=lambda ctx, old, merged, patch: _identity(ctx, old, merged),
                          read_only=("state", "creationTime")))
arm.register(arm.TypeRule(type=RUNBOOK, on_create=_runbook_on_create,
                          read_only=("state", "creationTime", "draft")))
arm.register(arm.TypeRule(type=f"{ACCOUNT}/schedules", provisioning_state=False, on_put=_schedule_on_put,
                          on_delete=_schedule_on_delete))
arm.register(arm.TypeRule(type=f"{ACCOUNT}/jobSchedules", put_status=(201, 201), provisioning_state=False,
                          on_put=_job_schedule_on_put))
