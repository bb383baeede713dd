"""Structured evidence on every verdict of every area, in every report, redacted: a passing check
shows what was read as plainly as a failing one, and a secret the estate echoes never shows."""
from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET

from reports import run_with_reports
from suite import scenario_with

PAT = "dapi00112233445566778899aabbccddeeff"
ACCOUNT_KEY = "QmFzZTY0a2V5Zm9yYW5hY2NvdW50" * 3 + "Zz=="
CLUSTER_TAGS = {"deploy_token": PAT, "note": f"AccountKey={ACCOUNT_KEY}"}


def plant_in_cluster_tags(scenario):
    """Bronze's dedicated cluster, with a token and a connection-string fragment in its custom tags,
    which CMP-004 quotes as evidence."""
    shared = scenario["databricks"]["clusters"][0]
    scenario["databricks"]["clusters"].append(
        {**shared, "cluster_id": "0314-091500-bronze01", "cluster_name": "BronzeLayerProcessing",
         "custom_tags": {"layer": "bronze", **CLUSTER_TAGS}})


def test_evidence_of_every_area_reaches_json_junit_and_html_with_secrets_redacted(tmp_path):
    reports = run_with_reports(tmp_path, "-k", "compute or security",
                               scenario=scenario_with(tmp_path, plant_in_cluster_tags))
    bronze = next(r for r in reports.run.records if r["nodeid"].endswith("check_cluster_is_tagged[bronze]"))
    assert bronze["observed"]["cluster_id"] == "0314-091500-bronze01", reports.run.output
    assert bronze["observed"]["custom_tags"]["deploy_token"] == "[REDACTED]"
    assert bronze["observed"]["custom_tags"]["layer"] == "bronze"
    outputs = reports.text()
    for name, text in outputs.items():
        assert PAT not in text and ACCOUNT_KEY not in text, f"{name} leaks a planted secret"
    assert '<span class="key">custom_tags</span>' in html.unescape(outputs["html"]).replace('\\"', '"'), \
        "evidence is listed field by field"
    cases = {c.get("name"): c for c in ET.parse(reports.junit).getroot().iter("testcase")}
    vault = {p.get("name"): p.get("value") for p in cases["check_vault_soft_delete_and_purge_protection"].iter("property")}
    assert json.loads(vault["observed"])["exists"] is True
    assert json.loads(vault["expected"])["enableSoftDelete"] is True


def test_every_verdict_of_a_half_built_estate_carries_structured_evidence(tmp_path):
    """Failed and blocked checks quote what was read too (passes are covered by the catalogue test)."""
    run = run_with_reports(tmp_path).run
    assert {r["verdict"] for r in run.records} >= {"failed"}, run.output
    bare = [r["nodeid"] for r in run.records if not (isinstance(r["observed"], dict) and r["observed"])]
    assert bare == [], bare
