"""Emulator behaviour the monitoring area relies on, through the real SDKs (no mocks)."""
from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.conftest import RG, SUBSCRIPTION

GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RG}"
VAULT_ID = f"{GROUP}/providers/Microsoft.KeyVault/vaults/kv-tbwa-juicer-insights2"
LAW = f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/juicer-log-analytics"
DIAG_API = "2021-05-01-preview"


def put_setting(resources: ResourceManagementClient, name: str, properties: dict) -> object:
    return resources.resources.begin_create_or_update_by_id(
        f"{VAULT_ID}/providers/Microsoft.Insights/diagnosticSettings/{name}", api_version=DIAG_API,
        parameters={"properties": properties}).result()


def test_workspace_create_is_a_long_running_operation_that_completes(arm_client):
    client = arm_client(LogAnalyticsManagementClient)
    created = client.workspaces.begin_create_or_update(
        RG, "juicer-log-analytics", {"location": "eastus", "properties": {"retentionInDays": 90}}).result()
    assert created.provisioning_state == "Succeeded" and created.retention_in_days == 90 and created.customer_id


@pytest.mark.parametrize("days", [7, 731])
def test_workspace_retention_outside_the_paid_range_is_refused(arm_client, days):
    client = arm_client(LogAnalyticsManagementClient)
    with pytest.raises(HttpResponseError) as refused:
        client.workspaces.begin_create_or_update(
            RG, "juicer-log-analytics", {"location": "eastus", "properties": {"retentionInDays": days}}).result()
    assert refused.value.status_code == 400 and "between 30 and 730" in str(refused.value)


def test_a_category_already_sent_to_a_sink_by_another_setting_is_refused(arm_client):
    resources = arm_client(ResourceManagementClient)
    put_setting(resources, "user-audit", {"workspaceId": LAW, "logs": [{"category": "AuditEvent", "enabled": True}]})
    with pytest.raises(HttpResponseError) as refused:
        put_setting(resources, "second", {"workspaceId": LAW, "logs": [{"categoryGroup": "allLogs", "enabled": True}]})
    assert "already used in diagnostic setting 'user-audit' for category 'AuditEvent'" in str(refused.value)
    # Another category to the same sink, or the same category to another sink, is fine.
    put_setting(resources, "second", {"workspaceId": LAW, "logs": [{"category": "AzurePolicyEvaluationDetails",
                                                                    "enabled": True}]})
    put_setting(resources, "third", {"storageAccountId": f"{GROUP}/providers/Microsoft.Storage/storageAccounts/"
                                     "tbwajuicerstorage", "logs": [{"category": "AuditEvent", "enabled": True}]})


def test_action_group_answers_each_email_receiver_with_its_status(arm_client):
    client = arm_client(MonitorManagementClient)
    group = client.action_groups.create_or_update(RG, "juicer-alerts-action-group", {
        "location": "Global", "properties": {"groupShortName": "juicer", "enabled": True, "emailReceivers": [
            {"name": "team", "emailAddress": "team@tbwa.example", "useCommonAlertSchema": True}]}})
    assert group.email_receivers[0].status == "Enabled"


def _job_failure_alert(skip: bool | None) -> dict:
    from medallion.desired.alerts import JOB_FAILURES_QUERY

    props = {"severity": 1, "enabled": True, "scopes": [LAW], "evaluationFrequency": "PT15M", "windowSize": "PT15M",
             "criteria": {"allOf": [{"query": JOB_FAILURES_QUERY, "timeAggregation": "Count",
                                     "operator": "GreaterThan", "threshold": 0}]}}
    if skip is not None:
        props["skipQueryValidation"] = skip
    return {"location": "eastus", "kind": "LogAlert", "properties": props}


def test_a_log_alert_on_a_table_the_workspace_lacks_is_refused_unless_validation_is_skipped(arm_client):
    monitor, resources = arm_client(MonitorManagementClient), arm_client(ResourceManagementClient)
    with pytest.raises(HttpResponseError) as refused:
        monitor.scheduled_query_rules.create_or_update(RG, "job-failures", _job_failure_alert(None))
    assert refused.value.status_code == 400 and "named 'DatabricksJobs'" in str(refused.value)
    created = monitor.scheduled_query_rules.create_or_update(RG, "job-failures", _job_failure_alert(True))
    assert created.skip_query_validation is True
    # once the Databricks workspace sends its job logs there, the table resolves
    databricks = f"{GROUP}/providers/Microsoft.Databricks/workspaces/tbwa-juicer-databricks"
    resources.resources.begin_create_or_update_by_id(
        f"{databricks}/providers/Microsoft.Insights/diagnosticSettings/to-law", api_version=DIAG_API,
        parameters={"properties": {"workspaceId": LAW, "logs": [{"categoryGroup": "allLogs", "enabled": True}]}}).result()
    monitor.scheduled_query_rules.create_or_update(RG, "validated", _job_failure_alert(False))
