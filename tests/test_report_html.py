"""The HTML report: one offline file with a per-area summary, the framework roll-up, drift, each
check's detail, and an environment table that names the estate."""
from __future__ import annotations

import re

from reports import run_with_reports
from suite import run_checks


def test_report_is_one_offline_file_with_a_summary_per_area(tmp_path):
    reports = run_with_reports(tmp_path)
    html = reports.html.read_text()
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?://""", html), "must work offline"
    assert 'id="medallion-summary"' in html
    areas = {r["area"] for r in reports.run.records}
    for area in areas:
        assert f'data-area=&#34;{area}&#34;' in html or f'data-area="{area}"' in html, area
    failed = sum(1 for r in reports.run.records if r["verdict"] == "failed")
    assert re.search(rf"all areas</b></td>(<td[^>]*>.*?</td>){{1}}<td class=&#34;n&#34;><b>{failed}</b>", html) or \
        re.search(rf'all areas</b></td><td class="n"><b>\d+</b></td><td class="n"><b>{failed}</b>', html)


def test_each_check_shows_observed_expected_remediation_and_controls(tmp_path):
    html = run_with_reports(tmp_path, "-k", "storage").html.read_text()
    assert "STG-003 Blob soft delete keeps deleted blobs" in html
    assert "Observed" in html and "Expected" in html and "Fix outcome" in html
    assert "remediate.storage.enable_blob_soft_delete" in html
    assert "CIS Azure 2.0 3.11" in html and "Microsoft cloud security benchmark" in html


def test_fix_report_lists_what_changed(tmp_path):
    html = run_with_reports(tmp_path, "-k", "storage", "--fix").html.read_text()
    assert "Changes made" in html and "deleteRetentionPolicy" in html
    assert "fixed: 1 change(s) applied" in html


def test_environment_names_subscription_resource_group_and_workspace_host(tmp_path):
    reports = run_with_reports(tmp_path, "-k", "storage")
    html = reports.html.read_text()
    for key in ("Subscription", "Resource group", "Workspace host", "Mode"):
        assert key in html
    assert "RG-TBWA-ProjectScout-Juicer" in html and "127.0.0.1:" in html
    assert reports.run.writes == [], "the report's reads never write"


def test_framework_rollup_names_azure_policy_definitions(tmp_path):
    html = run_with_reports(tmp_path, "-k", "security").html.read_text()
    assert "Azure Policy built-in definition" in html
    assert "Storage accounts should restrict network access" in html


def test_a_run_without_html_still_writes_results(tmp_path):
    run = run_checks(tmp_path / "s.json", "-k", "STG-003")
    assert [r["id"] for r in run.records] == ["STG-003"]
