"""The security area below the checks: the rotation runbook really rotates, and the emulator
behaviours the SEC- fixes rely on, through the real SDKs and plain HTTP against the emulator."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Iterator

import pytest
from azure.mgmt.automation import AutomationClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.storage import StorageManagementClient

from medallion.desired import rotation
from medallion.emulator import OWNER_TOKEN
from medallion.spec import load
from tests.conftest import RG

ACCOUNT = "tbwajuicerstorage"
VAULT = "kv-tbwa-juicer-insights2"
SECRET = "storage-account-key"


@pytest.fixture
def identity_endpoint() -> Iterator[str]:
    """A stand-in for the Automation sandbox's managed-identity endpoint (IDENTITY_ENDPOINT)."""
    class Identity(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            ok = self.headers.get("X-IDENTITY-HEADER") == "sandbox-secret" and "resource=" in self.path
            body = json.dumps({"access_token": OWNER_TOKEN} if ok else {"error": "bad request"}).encode()
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Identity)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/msi/token"
    finally:
        server.shutdown()


def _run_runbook(tmp_path, emulator, identity_endpoint) -> subprocess.CompletedProcess:
    spec = load(sim=True)
    spec = replace(spec, security=replace(spec.security, rotation=replace(spec.security.rotation, grace_minutes=0)))
    script = tmp_path / "rotate_storage_keys.py"
    script.write_text(rotation.runbook_source(spec, arm_endpoint=emulator.url))
    env = {"IDENTITY_ENDPOINT": identity_endpoint, "IDENTITY_HEADER": "sandbox-secret", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)


def _keys(arm_client) -> dict[str, str]:
    listed = arm_client(StorageManagementClient).storage_accounts.list_keys(RG, ACCOUNT)
    return {k["keyName"]: k["value"] for k in listed["keys"]}


def _secret(emulator) -> str:
    vault_id = arm_body_id(emulator, VAULT)
    return emulator._arm.secrets[("vault-secret", f"{vault_id}/secrets/{SECRET}".lower())]


def arm_body_id(emulator, vault: str) -> str:
    return next(i for i in emulator._store.items if i.endswith(f"/vaults/{vault}"))


def test_runbook_regenerates_key2_first_then_key1_and_keeps_the_secret_on_a_working_key(
        tmp_path, emulator, arm_client, identity_endpoint):
    before = _keys(arm_client)
    first = _run_runbook(tmp_path, emulator, identity_endpoint)
    assert first.returncode == 0, first.stderr
    after = _keys(arm_client)
    assert after["key1"] != before["key1"] and after["key2"] != before["key2"]
    assert first.stdout.splitlines()[0].startswith("regenerated key2 (unused)")
    assert _secret(emulator) == after["key2"]
    secret = arm_client(KeyVaultManagementClient).secrets.get(RG, VAULT, SECRET)
    assert secret.tags["credentialId"] == "key2" and secret.properties.value is None   # ARM never returns it
    second = _run_runbook(tmp_path, emulator, identity_endpoint)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0].startswith("regenerated key1 (unused)")
    assert _secret(emulator) == _keys(arm_client)["key1"]
    for key in (*before.values(), *after.values(), *_keys(arm_client).values()):
        assert key not in first.stdout + first.stderr + second.stdout + second.stderr


def test_runbook_without_a_managed_identity_fails_with_one_clear_line(tmp_path, emulator):
    spec = load(sim=True)
    script = tmp_path / "rotate.py"
    script.write_text(rotation.runbook_source(spec, arm_endpoint=emulator.url))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode != 0 and "enable the Automation account's system-assigned identity" in run.stderr


def test_a_secret_written_through_arm_is_never_stored_or_answered(emulator, arm_client):
    client = arm_client(KeyVaultManagementClient)
    client.secrets.create_or_update(RG, VAULT, "probe", {"properties": {"value": "s3cr3t-value"}})
    assert client.secrets.get(RG, VAULT, "probe").properties.value is None
    assert "s3cr3t-value" not in json.dumps(emulator._store.to_entries())


def test_system_assigned_identity_gets_a_principal_that_stays(arm_client):
    client = arm_client(AutomationClient)
    made = client.automation_account.create_or_update(RG, "acct", {
        "location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": {"sku": {"name": "Basic"}}})
    principal = made.identity.principal_id
    assert principal
    again = client.automation_account.update(RG, "acct", {"tags": {"owner": "platform"}})
    assert again.identity.principal_id == principal


def test_deleting_a_schedule_takes_its_job_schedules_along(arm_client):
    client = arm_client(AutomationClient)
    client.automation_account.create_or_update(RG, "acct", {"location": "eastus", "properties": {"sku": {"name": "Basic"}}})
    client.runbook.create_or_update(RG, "acct", "rb", {"location": "eastus", "properties": {"runbookType": "Python3"}})
    client.schedule.create_or_update(RG, "acct", "s", {"name": "s", "properties": {
        "startTime": "2030-01-01T00:00:00+00:00", "frequency": "Day", "interval": 30}})
    client.job_schedule.create(RG, "acct", "22222222-2222-2222-2222-222222222222", {
        "properties": {"runbook": {"name": "rb"}, "schedule": {"name": "s"}}})
    client.schedule.delete(RG, "acct", "s")
    assert list(client.job_schedule.list_by_automation_account(RG, "acct")) == []
