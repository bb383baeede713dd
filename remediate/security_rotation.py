"""Security remediations for key rotation: the Automation account, the runbook, its schedule.

A runbook is three calls (PUT the runbook, PUT its draft content, POST publish); a job schedule
cannot be changed, only deleted and created again, and only ours (our runbook on our schedule)
is ever deleted. Schedules and job schedules of yours are never touched.
"""
from __future__ import annotations

import uuid
from typing import Any

from medallion.change import Change
from medallion.desired import rotation
from medallion.observe import Estate
from medallion.spec import Spec
from medallion.undo import AUTOMATION_API, created, never, restore


def create_automation_account(estate: Estate, spec: Spec) -> list[Change]:
    """Create the Automation account with a system-assigned identity, or add that identity to it
    (keeping any user-assigned ones). Needs: Automation Contributor."""
    sec = estate.security
    client = estate.arm.automation.automation_account
    live = sec.automation_account()
    if live is None:
        body = {"location": spec.estate.location, "identity": {"type": "SystemAssigned"},
                "properties": {"sku": {"name": "Basic"}}}
        return [Change(resource=sec.automation_id, field="automationAccount", before=None,
                       after={"sku": "Basic", "identity": "SystemAssigned"},
                       undo=created(AUTOMATION_API, {"identity.type": "SystemAssigned"}),
                       apply=lambda: client.create_or_update(sec.rg, sec.automation_name, body))]
    identity = live.get("identity") or {}
    kind = str(identity.get("type") or "None")
    if "systemassigned" in kind.lower().replace(" ", ""):
        return []
    users = identity.get("userAssignedIdentities") or {}
    patch: dict[str, Any] = {"identity": {"type": "SystemAssigned, UserAssigned" if users else "SystemAssigned"}}
    if users:
        patch["identity"]["userAssignedIdentities"] = {key: {} for key in users}
    return [Change(resource=sec.automation_id, field="identity.type", before=kind, after=patch["identity"]["type"],
                   undo=restore(AUTOMATION_API, "identity.type"),   # back to "None" or the user-assigned ones alone
                   apply=lambda: client.update(sec.rg, sec.automation_name, patch))]


def publish_rotation_runbook(estate: Estate, spec: Spec) -> list[Change]:
    """Create the rotation runbook if missing and publish our content when the published one differs.
    Needs: Automation Contributor."""
    sec = estate.security
    if sec.automation_account() is None:
        return []
    want = spec.security.rotation
    source = rotation.runbook_source(spec)
    published = sec.published_runbook()
    runbook = sec.runbook()
    changes = []
    if runbook is None:
        body = {"location": spec.estate.location, "properties": {
            "runbookType": "Python", "runtimeEnvironment": want.runtime_environment, "logProgress": False,
            "logVerbose": False, "draft": {},
            "description": "Rotates the storage account keys in turn and keeps the Key Vault secret on the live key"}}
        client = estate.arm.automation.runbook
        changes.append(Change(resource=f"{sec.automation_id}/runbooks/{want.runbook}", field="runbook", before=None,
                              after={"runbookType": "Python", "runtimeEnvironment": want.runtime_environment},
                              undo=created(AUTOMATION_API, {"properties.runbookType": "Python"}),
                              apply=lambda: client.create_or_update(sec.rg, sec.automation_name, want.runbook, body)))
    elif not rotation.is_python(runbook, want.runtime_environment):
        return []   # a runbook of another kind under our name: the check says what to do
    if published != source:
        changes.append(Change(resource=f"{sec.automation_id}/runbooks/{want.runbook}", field="published content",
                              before=None if published is None else {"sha256": rotation.content_digest(published), "source": published},
                              after=rotation.content_digest(source), undo=_content_undo(runbook, published),
                              apply=lambda: _publish(estate, want.runbook, source)))
    return changes


def _content_undo(runbook: dict[str, Any] | None, published: str | None) -> dict[str, Any]:
    """The previous published content is published again; none before goes with a runbook the
    fix created, and a runbook of the user's that had none cannot be unpublished."""
    if published is None and runbook is not None:
        return never("nothing was published before, and a runbook cannot be unpublished")
    return {"kind": "runbook_content", "api_version": AUTOMATION_API}


def _publish(estate: Estate, name: str, source: str) -> None:
    sec, client = estate.security, estate.arm.automation
    estate.arm.write(client.runbook_draft.begin_replace_content, sec.rg, sec.automation_name, name, source)
    estate.arm.write(client.runbook.begin_publish, sec.rg, sec.automation_name, name)




def schedule_rotation(estate: Estate, spec: Spec) -> list[Change]:
    """Make our schedule run the runbook at least every `every_days` days and link the two.
    Our schedule is enabled if merely off, deleted and created again if it repeats too seldom or
    has expired (with our job schedule on it). Needs: Automation Contributor."""
    sec = estate.security
    want = spec.security.rotation
    if sec.automation_account() is None or sec.runbook() is None:
        return []
    schedules = {s.get("name", "").lower(): s for s in sec.schedules() or []}
    jobs = sec.job_schedules() or []
    runbook = want.runbook.lower()
    if any(link[0] == runbook and rotation.often_enough(schedules.get(link[1]), want.every_days)
           for link in map(rotation.link_of, jobs)):
        return []
    ours = schedules.get(want.schedule.lower())
    ours_linked = [j for j in jobs if rotation.link_of(j) == (runbook, want.schedule.lower())]
    changes = _repair_schedule(estate, spec, ours, ours_linked)
    relinked = ours is None or not _only_disabled(ours, want.every_days)
    if relinked or not ours_linked:
        changes.append(_link(estate, spec))
    return changes


_GONE = "a deleted schedule cannot be made again as it was (its start time has passed, its job links are gone)"


def _only_disabled(schedule: dict[str, Any], every_days: int) -> bool:
    enabled = {**schedule, "properties": {**(schedule.get("properties") or {}), "isEnabled": True}}
    return rotation.often_enough(enabled, every_days)


def _repair_schedule(estate: Estate, spec: Spec, ours: dict[str, Any] | None,
                     linked: list[dict[str, Any]]) -> list[Change]:
    sec, want = estate.security, spec.security.rotation
    client = estate.arm.automation
    schedule_id = f"{sec.automation_id}/schedules/{want.schedule}"
    if ours is not None and _only_disabled(ours, want.every_days):
        return [Change(resource=schedule_id, field="isEnabled", before=False, after=True,
                       undo=restore(AUTOMATION_API, "properties.isEnabled"),
                       apply=lambda: client.schedule.update(sec.rg, sec.automation_name, want.schedule,
                                                            {"properties": {"isEnabled": True}}))]
    changes = []
    if ours is not None:
        before = {k: (ours.get("properties") or {}).get(k) for k in ("frequency", "interval", "expiryTime")}

        def remove() -> None:
            for job in linked:
                client.job_schedule.delete(sec.rg, sec.automation_name, job["properties"]["jobScheduleId"])
            client.schedule.delete(sec.rg, sec.automation_name, want.schedule)
        changes.append(Change(resource=schedule_id, field="schedule (repeats too seldom or expired: recreated)",
                              before=before, after=None, apply=remove, undo=never(_GONE)))
    # the start time is taken when the change is applied: it must lie a few minutes ahead
    changes.append(Change(resource=schedule_id, field="schedule", before=None,
                          after={"frequency": "Day", "interval": want.every_days},
                          # a schedule that replaced the user's one is not undone: the old one is gone
                          undo=created(AUTOMATION_API, {"properties.interval": want.every_days}) if ours is None
                          else never(f"it replaced a schedule of the same name, and {_GONE}"),
                          apply=lambda: client.schedule.create_or_update(
                              sec.rg, sec.automation_name, want.schedule,
                              rotation.schedule_body(want.schedule, want.every_days))))
    return changes


def _link(estate: Estate, spec: Spec) -> Change:
    sec, want = estate.security, spec.security.rotation
    job_id = str(uuid.uuid4())
    body = {"properties": {"runbook": {"name": want.runbook}, "schedule": {"name": want.schedule}, "parameters": {}}}
    client = estate.arm.automation.job_schedule
    return Change(resource=f"{sec.automation_id}/jobSchedules/{job_id}", field="jobSchedule", before=None,
                  after={"runbook": want.runbook, "schedule": want.schedule},
                  undo=created(AUTOMATION_API, {}),
                  apply=lambda: client.create(sec.rg, sec.automation_name, job_id, body))
