"""The as-built document: written from the observed estate with this run's verdicts, a Mermaid
layout, sections only for what exists, and not one write to the estate."""
from __future__ import annotations

import json

from suite import arm_body, run_checks, scenario_with


def _asbuilt(tmp_path, *args, state=None, **kwargs):
    path = tmp_path / "MEDALLION_ENHANCED_ARCHITECTURE.md"
    run = run_checks(state or tmp_path / "s.json", f"--as-built={path}", *args, **kwargs)
    return run, path.read_text()


def test_document_describes_the_observed_estate_and_writes_nothing(tmp_path):
    run, text = _asbuilt(tmp_path)
    assert run.writes == [], "writing the as-built document must not write to the estate"
    assert text.startswith("# Medallion platform: as-built architecture")
    assert "```mermaid\nflowchart LR" in text
    assert "## Storage" in text and "bronze-tiering" in text
    assert "| Blob soft delete | off | ❌ not compliant |" in text
    for area in {r["area"] for r in run.records}:
        assert f"| {area} |" in text, area
    assert "as-built document:" in run.stdout


def test_document_follows_the_estate_after_fix(tmp_path):
    state = tmp_path / "s.json"
    run, text = _asbuilt(tmp_path, "-k", "storage", "--fix", state=state)
    assert "| Blob soft delete | on, 7 days | 🔧 fixed this run |" in text
    assert "medallion-gold" in text
    again, text = _asbuilt(tmp_path, "-k", "storage", state=state)
    assert again.writes == []
    assert "| Blob soft delete | on, 7 days | ✅ compliant |" in text


def test_values_come_from_the_estate_not_the_spec(tmp_path):
    def edit(scenario):
        arm_body(scenario, "/blobServices/default")["properties"]["deleteRetentionPolicy"] = {"enabled": True, "days": 45}
        rules = arm_body(scenario, "/managementPolicies/default")["properties"]["policy"]["rules"]
        rules.append({"enabled": True, "name": "user-logs", "type": "Lifecycle",
                      "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["logs/"]},
                                     "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 14}}}}})
    _, text = _asbuilt(tmp_path, "-k", "storage", scenario=scenario_with(tmp_path, edit))
    assert "| Blob soft delete | on, 45 days | ✅ compliant |" in text
    assert "| user-logs | True | logs/ | — | — | 14 days |" in text


def test_a_missing_resource_is_said_once_not_invented(tmp_path):
    def edit(scenario):
        scenario["arm"] = [e for e in scenario["arm"] if "/storageAccounts/" not in e["id"]]
    _, text = _asbuilt(tmp_path, "-k", "storage", scenario=scenario_with(tmp_path, edit))
    assert "Storage account `tbwajuicerstorage` was not found" in text
    assert "Lifecycle rules" not in text


def test_as_built_path_may_be_a_directory(tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    run = run_checks(tmp_path / "s.json", "-k", "STG-005", f"--as-built={out}")
    assert (out / "MEDALLION_ENHANCED_ARCHITECTURE.md").exists(), run.output
    assert json.loads((tmp_path / "s.json").read_text())
