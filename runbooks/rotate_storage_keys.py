#!/usr/bin/env python3
"""Rotate the storage account's access keys and keep the Key Vault secret on a working key.

An Azure Automation runbook for the Python 3.10 runtime. It uses the standard library only, so the
Automation account needs no imported packages, and it signs in with the account's system-assigned
managed identity (the IDENTITY_ENDPOINT and IDENTITY_HEADER the sandbox provides).

Each run, while applications read the key from the secret:
  1. find which key the secret holds now (its `credentialId` tag; key1 when there is no secret yet);
  2. regenerate the OTHER key, which nobody uses, and store it in the secret;
  3. wait GRACE_MINUTES so applications re-read the secret and move to the new key;
  4. regenerate the key they used before, which nobody uses any more.
So on the first run key2 is regenerated first while applications use key1, then key1. Both keys
are new after every run, and the secret always holds a key that works.

Everything goes through Azure Resource Manager (regenerateKey, and the Key Vault's management-plane
secret write), so it works with the storage and vault firewalls denying by default. The identity
needs "Storage Account Key Operator Service Role" on the account and a role with
Microsoft.KeyVault/vaults/secrets/read and /write on the vault. No key is ever printed.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Any

# --- estate: written by `pytest checks/ --fix` (medallion) from the estate spec ---
ESTATE = {
    "arm_endpoint": "https://management.azure.com",
    "arm_resource": "https://management.azure.com/",
    "storage_account_id": "",
    "vault_id": "",
    "secret_name": "storage-account-key",
    "grace_minutes": 15,
}
# --- end estate ---

STORAGE_API = "2023-05-01"
VAULT_API = "2023-07-01"
KEYS = ("key1", "key2")


def managed_identity_token(resource: str) -> str:
    """An ARM token for the Automation account's system-assigned identity."""
    endpoint, header = os.environ.get("IDENTITY_ENDPOINT"), os.environ.get("IDENTITY_HEADER")
    if not endpoint or not header:
        raise RuntimeError("no managed identity in this sandbox: enable the Automation account's "
                           "system-assigned identity (IDENTITY_ENDPOINT/IDENTITY_HEADER are unset)")
    query = urllib.parse.urlencode({"resource": resource, "api-version": "2019-08-01"})
    request = urllib.request.Request(f"{endpoint}?{query}", headers={"X-IDENTITY-HEADER": header, "Metadata": "true"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


class Arm:
    """Minimal Resource Manager client: JSON in, JSON out, 429/5xx retried, one-line errors."""

    def __init__(self, endpoint: str, token: str) -> None:
        self.endpoint, self.token = endpoint.rstrip("/"), token

    def call(self, method: str, path: str, api_version: str, body: Any = None) -> tuple[int, Any]:
        url = f"{self.endpoint}{path}?api-version={api_version}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(5):
            request = urllib.request.Request(url, data=data, method=method, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    text = response.read().decode()
                    return response.status, json.loads(text) if text else None
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return 404, None
                if error.code in (429, 500, 502, 503, 504) and attempt < 4:
                    time.sleep(float(error.headers.get("Retry-After") or 2 ** attempt))
                    continue
                raise RuntimeError(f"{method} {path}: Resource Manager answered {error.code} "
                                   f"{_error_code(error)}") from None
        raise RuntimeError(f"{method} {path}: gave up after retries")


def _error_code(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read().decode())["error"]["code"]
    except Exception:  # noqa: BLE001 - the status alone still says enough
        return ""


def key_in_use(arm: Arm, secret_path: str) -> str:
    """Which key the secret holds now: its credentialId tag, key1 when the secret does not exist."""
    status, secret = arm.call("GET", secret_path, VAULT_API)
    tag = ((secret or {}).get("tags") or {}).get("credentialId") if status == 200 else None
    return tag if tag in KEYS else "key1"


def regenerate(arm: Arm, account_id: str, key_name: str) -> str:
    """Regenerate one account key; its new value (kept in memory only)."""
    _, answer = arm.call("POST", f"{account_id}/regenerateKey", STORAGE_API, {"keyName": key_name})
    for key in (answer or {}).get("keys") or []:
        if str(key.get("keyName", "")).lower() == key_name:
            return key["value"]
    raise RuntimeError(f"regenerateKey answered without {key_name}")


def store(arm: Arm, secret_path: str, key_name: str, value: str) -> None:
    """Point the secret at the new key; the tag says which key it is, for the next run."""
    arm.call("PUT", secret_path, VAULT_API, {
        "properties": {"value": value, "contentType": "storage-account-key"},
        "tags": {"credentialId": key_name, "rotatedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "rotatedBy": "rotate_storage_keys"}})


def rotate(estate: dict[str, Any], arm: Arm) -> list[str]:
    """One full rotation; the steps taken, for the job's output."""
    account, secret_path = estate["storage_account_id"], f"{estate['vault_id']}/secrets/{estate['secret_name']}"
    used = key_in_use(arm, secret_path)
    spare = KEYS[1] if used == KEYS[0] else KEYS[0]
    store(arm, secret_path, spare, regenerate(arm, account, spare))
    steps = [f"regenerated {spare} (unused) and stored it in secret {estate['secret_name']}"]
    time.sleep(max(0, int(estate["grace_minutes"])) * 60)
    regenerate(arm, account, used)
    steps.append(f"after {estate['grace_minutes']} minute(s), regenerated {used}, which applications no longer use")
    return steps


def main() -> None:
    if not ESTATE["storage_account_id"] or not ESTATE["vault_id"]:
        raise RuntimeError("this runbook was published without its estate; publish it with "
                           "`pytest checks/ -k security --fix`")
    arm = Arm(ESTATE["arm_endpoint"], managed_identity_token(ESTATE["arm_resource"]))
    for step in rotate(ESTATE, arm):
        print(step)


if __name__ == "__main__":
    main()
