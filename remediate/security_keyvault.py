"""Security remediation for the Key Vault: soft delete and purge protection.

Both can never be turned off again once on, so each is an irreversible change that --fix applies
only with its own opt-in; the plan says so. Fields sit under `properties` and are written with a
PATCH (VaultPatchParameters) carrying only what changes, so nothing else of the vault is touched.
"""
from __future__ import annotations

from medallion.change import Change
from medallion.observe import Estate
from medallion.spec import Spec

IRREVERSIBLE = "--allow-irreversible (or security.allow_irreversible = true in the estate spec)"
PROTECTIONS = ("enableSoftDelete", "enablePurgeProtection")


def protect_vault(estate: Estate, spec: Spec) -> list[Change]:
    """Turn on soft delete and purge protection where off. Irreversible: never undone by anyone.
    Needs: Key Vault Contributor."""
    sec = estate.security
    vault = sec.vault()
    if vault is None:
        return []
    props = vault.get("properties") or {}
    client = estate.arm.keyvault.vaults
    changes = []
    for field in PROTECTIONS:
        if props.get(field) is True:
            continue
        body = {"properties": {field: True}}
        changes.append(Change(resource=sec.vault_id, field=f"properties.{field}", before=props.get(field, False),
                              after=True, irreversible=True, opt_in=IRREVERSIBLE,
                              apply=lambda body=body: client.update(sec.rg, sec.vault_name, body)))
    return changes
