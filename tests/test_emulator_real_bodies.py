"""Real GET bodies load as scenarios with nothing dropped: inline children become resources.

The bodies are Microsoft's published examples (every emulated type that has one) and a VNet as
`az network vnet show` prints it; each is read back through the real SDKs after loading.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from medallion.emulator import Emulator, load_scenario
from tests.conftest import build_arm_client
from tests.suite import run_checks

EXAMPLES = Path("/work/shared/contract/azure-rest-examples")
SUB = "00000000-0000-0000-0000-000000000000"
VNET = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet"


def _example_bodies() -> list[dict[str, Any]]:
    """Every example answer that is one resource with an ARM id (GET, PUT 200/201 bodies); one
    published examples with a malformed or templated id (`/providers/providers/`, `{...}`) are left out."""
    bodies: dict[str, dict[str, Any]] = {}
    for path in sorted(EXAMPLES.glob("*/*.json")):
        for status in ("200", "201"):
            body = (json.loads(path.read_text()).get("responses", {}).get(status) or {}).get("body")
            rid = str((body or {}).get("id", "")) if isinstance(body, dict) else ""
            if rid.startswith("/subscriptions/") and "/providers/providers/" not in rid and "{" not in rid:
                bodies.setdefault(body["id"].lower(), body)
    return list(bodies.values())


def _scenario(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    groups = {"/".join(b["id"].split("/")[:5]) for b in bodies}
    return {"arm": [{"id": g, "body": {"location": "eastus"}} for g in sorted(groups)]
            + [{"id": b["id"], "body": b} for b in bodies]}


def _az_vnet_show() -> dict[str, Any]:
    """A VNet as the CLI prints it: subnets inline with ids, etags and delegations."""
    subnet = lambda name, prefix: {  # noqa: E731
        "name": name, "id": f"{VNET}/subnets/{name}", "etag": 'W/"1"',
        "type": "Microsoft.Network/virtualNetworks/subnets", "resourceGroup": "rg1",
        "properties": {"addressPrefix": prefix, "provisioningState": "Succeeded",
                       "privateEndpointNetworkPolicies": "Disabled",
                       "delegations": [{"name": "dbx", "id": f"{VNET}/subnets/{name}/delegations/dbx",
                                        "properties": {"serviceName": "Microsoft.Databricks/workspaces"}}]}}
    return {"name": "test-vnet", "id": VNET, "location": "westeurope", "etag": 'W/"1"',
            "type": "Microsoft.Network/virtualNetworks", "resourceGroup": "rg1",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                           "provisioningState": "Succeeded", "virtualNetworkPeerings": [],
                           "subnets": [subnet("public", "10.0.1.0/24"), subnet("private", "10.0.2.0/24")]}}


@pytest.fixture
def loaded(tmp_path: Path):
    bodies = [b for b in _example_bodies() if b["id"].lower() != VNET.lower()] + [_az_vnet_show()]
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(_scenario(bodies)))
    emu = Emulator(load_scenario(path)).start()
    try:
        yield emu, bodies
    finally:
        emu.stop()


def test_every_example_body_reads_back_with_all_its_properties(loaded) -> None:
    emu, bodies = loaded
    client = build_arm_client(emu, ResourceManagementClient)
    assert len(bodies) >= 15
    for body in bodies:
        answer = client.resources.get_by_id(body["id"], api_version="2024-01-01").as_dict()
        missing = set(body.get("properties") or {}) - set(answer.get("properties") or {})
        assert not missing, f"{body['id']}: lost {missing}"


def test_inline_subnets_are_resources_and_listed_on_the_vnet(loaded) -> None:
    emu, _ = loaded
    network = build_arm_client(emu, NetworkManagementClient)
    vnet = network.virtual_networks.get("rg1", "test-vnet")
    assert [s.name for s in vnet.subnets] == ["public", "private"]
    listed = {s.name: s for s in network.subnets.list("rg1", "test-vnet")}
    assert set(listed) == {"public", "private"}
    assert listed["public"].delegations[0].service_name == "Microsoft.Databricks/workspaces"
    assert network.subnets.get("rg1", "test-vnet", "private").address_prefix == "10.0.2.0/24"


@pytest.mark.parametrize("edit, named", [
    (lambda s: s.pop("name"), "properties.subnets[0] needs a 'name'"),
    (lambda s: s.update(id=s["id"].replace("test-vnet", "other")), "is not under its parent"),
])
def test_a_child_that_cannot_be_placed_refuses_the_file(tmp_path: Path, edit, named) -> None:
    body = _az_vnet_show()
    edit(body["properties"]["subnets"][0])
    path = tmp_path / "s.json"
    path.write_text(json.dumps(_scenario([body])))
    with pytest.raises(ValueError) as refused:
        load_scenario(path)
    message = str(refused.value)
    assert named in message and "arm[1]" in message and "\n" not in message


def test_an_inline_child_that_disagrees_with_its_own_entry_refuses_the_file(tmp_path: Path) -> None:
    body = _az_vnet_show()
    own = dict(body["properties"]["subnets"][0], properties={"addressPrefix": "10.9.9.0/24"})
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"arm": _scenario([body])["arm"] + [{"id": own["id"], "body": own}]}))
    with pytest.raises(ValueError, match=r"differs from the entry arm\[2\]"):
        load_scenario(path)


def test_a_fixed_estate_written_as_cli_bodies_audits_the_same(tmp_path: Path) -> None:
    """Fix the built-in estate, then re-seed it with subnets inline: the audit still passes."""
    state = tmp_path / "state.json"
    assert run_checks(state, "--fix", "--allow-disruptive", "--allow-irreversible").status == 0
    arm = json.loads(state.read_text())["arm"]
    subnets = [e for e in arm if "/subnets/" in e["id"].lower()]
    assert subnets, "the fixed estate should have subnets"
    inline = [e for e in arm if e not in subnets]
    for entry in inline:
        if entry["id"].lower().endswith("/virtualnetworks/" + entry["body"]["name"].lower()):
            entry["body"]["properties"]["subnets"] = [e["body"] for e in subnets]
    scenario = tmp_path / "cli.json"
    scenario.write_text(json.dumps({"arm": inline, "databricks": json.loads(state.read_text())["databricks"]}))
    audit = run_checks(tmp_path / "fresh.json", scenario=scenario)
    assert audit.status == 0, audit.output[-3000:]
    assert set(audit.verdicts.values()) == {"passed"}
