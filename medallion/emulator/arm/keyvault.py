"""Microsoft.KeyVault/vaults: the irreversible settings and soft-deleted vaults.

Soft delete cannot be turned off, purge protection cannot be turned off once on, and the
soft-delete retention is fixed after creation; each refusal carries the service's message. A
deleted vault stays in `locations/{location}/deletedVaults/{name}` and blocks its name until purged.
"""
from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from medallion.emulator import arm
from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context
from medallion.emulator.arm_store import parse

VAULT = "Microsoft.KeyVault/vaults"


def _deleted_id(vault_id: str, location: str) -> str:
    p = parse(vault_id)
    return (f"/subscriptions/{p.subscription}/providers/Microsoft.KeyVault/locations/"
            f"{location.replace(' ', '').lower()}/deletedVaults/{p.name}")


def _irreversible(name: str, what: str) -> arm.ArmError:
    return arm.ArmError(400, "BadRequest", f'The property "{name}" cannot be set to false. Enabling the '
                        f"{what} for a vault is an irreversible action.")


def _normalise_acls(props: dict[str, Any]) -> None:
    """The service stores single addresses as /32 ranges and subnet ids in lower case."""
    acls = props.get("networkAcls")
    if not isinstance(acls, dict):
        return
    for rule in acls.get("ipRules") or []:
        value = rule.get("value") or ""
        if value and "/" not in value:
            rule["value"] = f"{value}/32"
    for rule in acls.get("virtualNetworkRules") or []:
        if rule.get("id"):
            rule["id"] = rule["id"].lower()


def _check_transition(old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    props = new.setdefault("properties", {})
    before = (old or {}).get("properties") or {}
    if props.get("enableSoftDelete") is False:
        raise _irreversible("enableSoftDelete", "soft delete")
    props["enableSoftDelete"] = True
    if before.get("enablePurgeProtection"):
        if props.get("enablePurgeProtection") is False:
            raise _irreversible("enablePurgeProtection", "purge protection")
        props["enablePurgeProtection"] = True
    elif props.get("enablePurgeProtection") is False:
        props.pop("enablePurgeProtection")   # the service never stores an explicit false
    if old:
        days = props.get("softDeleteRetentionInDays")
        kept = before.get("softDeleteRetentionInDays", 90)
        if days is not None and days != kept:
            raise arm.ArmError(400, "BadRequest", 'The property "softDeleteRetentionInDays" has been set '
                               "already and it can't be modified.")
        props["softDeleteRetentionInDays"] = kept
    else:
        props.setdefault("softDeleteRetentionInDays", 90)
    _normalise_acls(props)


def _on_create(ctx: Context, body: dict[str, Any]) -> None:
    props = body.setdefault("properties", {})
    mode = props.pop("createMode", None)
    deleted = ctx.store.get(_deleted_id(body["id"], body.get("location") or ""))
    if deleted and mode != "recover":
        raise arm.ArmError(409, "ConflictError",
                           f"Exist soft deleted vault with the same name. Vault name "
                           f"'{parse(body['id']).name}' is already in use: recover or purge the deleted vault.")
    if deleted:
        ctx.store.delete_tree(deleted["id"])
    props["vaultUri"] = f"https://{parse(body['id']).name}.vault.azure.net/"


def _on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    new.setdefault("properties", {}).pop("createMode", None)
    _check_transition(old, new)


def _on_patch(ctx: Context, old: dict[str, Any], merged: dict[str, Any], patch: dict[str, Any]) -> None:
    asked = (patch.get("properties") or {})
    if asked.get("enableSoftDelete") is False:
        raise _irreversible("enableSoftDelete", "soft delete")
    if (old.get("properties") or {}).get("enablePurgeProtection") and asked.get("enablePurgeProtection") is False:
        raise _irreversible("enablePurgeProtection", "purge protection")
    _check_transition(old, merged)


def _on_delete(ctx: Context, old: dict[str, Any]) -> None:
    props = old.get("properties") or {}
    now = datetime.now(timezone.utc)
    days = props.get("softDeleteRetentionInDays", 90)
    ctx.store.put_raw(_deleted_id(old["id"], old.get("location") or ""), {"properties": {
        "vaultId": old["id"], "location": old.get("location"), "tags": copy.deepcopy(old.get("tags") or {}),
        "deletionDate": now.isoformat(), "scheduledPurgeDate": (now + timedelta(days=days)).isoformat(),
        "purgeProtectionEnabled": bool(props.get("enablePurgeProtection"))}})


@arm.route("POST", r"/subscriptions/[^/]+/providers/microsoft\.keyvault/locations/[^/]+/deletedvaults/[^/]+/purge")
def _purge(ctx: Context, req: ArmRequest, m) -> ArmResponse:
    deleted = ctx.service.require_exists(req.path.rsplit("/", 1)[0])
    if (deleted.get("properties") or {}).get("purgeProtectionEnabled"):
        raise arm.ArmError(409, "ConflictError", f"Vault '{deleted['name']}' has purge protection enabled "
                           "and cannot be purged before its scheduled purge date.")
    ctx.store.delete_tree(deleted["id"])
    return ArmResponse(202, None, {"Location": ctx.service.start_operation(ctx, None, None, 0)})


arm.register(arm.TypeRule(type=VAULT, read_only=("vaultUri",), on_create=_on_create, on_put=_on_put,
                          on_patch=_on_patch, on_delete=_on_delete))
arm.register(arm.TypeRule(type="Microsoft.KeyVault/locations/deletedVaults", provisioning_state=False))


def _secret_on_put(ctx: Context, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """A secret written through ARM: the value goes to the in-memory secrets only (never to the
    state, the log or an answer: ARM never returns it), the body gets its URIs and attributes."""
    props = new.setdefault("properties", {})
    value = props.pop("value", None)
    if value is None and old is None:
        raise arm.ArmError(400, "BadRequest", "A secret needs properties.value.")
    p = parse(new["id"])
    vault = p.parent() or ""
    version = uuid.uuid4().hex
    if value is not None:
        ctx.service.secrets[("vault-secret", new["id"].lower())] = value
    uri = f"https://{parse(vault).name}.vault.azure.net/secrets/{p.name}"
    props.update(secretUri=uri, secretUriWithVersion=f"{uri}/{version}")
    attributes = props.setdefault("attributes", {})
    attributes.setdefault("enabled", True)
    now = int(datetime.now(timezone.utc).timestamp())
    attributes.setdefault("created", ((old or {}).get("properties") or {}).get("attributes", {}).get("created", now))
    attributes["updated"] = now


arm.register(arm.TypeRule(type=f"{VAULT}/secrets", provisioning_state=False, on_put=_secret_on_put))
