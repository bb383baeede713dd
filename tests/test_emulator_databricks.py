"""The emulator's Databricks REST API, driven by the real databricks-sdk WorkspaceClient over HTTP.

A small stdlib server in this module hands each request to `DatabricksService.handle`, so these
tests exercise the API's behaviour without the emulator's auth, faults and ARM side.
"""
from __future__ import annotations

import base64
import json
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors import (BadRequest, InvalidParameterValue, InvalidState, NotFound,
                                   ResourceAlreadyExists, ResourceDoesNotExist)
from databricks.sdk.service.compute import ListClustersFilterBy, State, UpdateClusterResource
from databricks.sdk.service.jobs import (CronSchedule, JobEmailNotifications, JobSettings, NotebookTask,
                                         Task, TaskDependency)
from databricks.sdk.service.workspace import ImportFormat, Language, ObjectType

from medallion.emulator.databricks import DatabricksService

LAYER_CLUSTER = "0101-000000-bronze01"
QUALITY_PATH = "/Shared/InsightPulseAI/Juicer/data_quality/bronze_quality"


def seed() -> dict[str, Any]:
    """A half-finished workspace: a terminated layer cluster, one job with one task, one notebook."""
    return {
        "clusters": [{
            "cluster_id": LAYER_CLUSTER, "cluster_name": "BronzeLayerProcessing",
            "spark_version": "14.3.x-scala2.12", "node_type_id": "Standard_DS3_v2", "num_workers": 2,
            "autotermination_minutes": 0, "custom_tags": {"layer": "bronze", "owner": "data-eng"},
            "spark_conf": {"spark.databricks.delta.preview.enabled": "true"},
            "state": "TERMINATED", "creator_user_name": "someone@tbwa.example",
        }],
        "jobs": [{
            "job_id": 101, "creator_user_name": "someone@tbwa.example", "created_time": 1,
            "settings": {
                "name": "bronze-layer-job",
                "tasks": [{"task_key": "bronze_ingest", "existing_cluster_id": LAYER_CLUSTER,
                           "notebook_task": {"notebook_path": "/Shared/InsightPulseAI/Juicer/bronze_ingest"}}],
                "schedule": {"quartz_cron_expression": "0 0 2 * * ?", "timezone_id": "UTC"},
                "email_notifications": {"on_failure": ["oncall@tbwa.example"]},
            },
        }],
        "workspace": [{"path": "/Shared/InsightPulseAI/Juicer/bronze_ingest", "language": "PYTHON",
                       "content": "# Databricks notebook source\nprint('ingest')\n"}],
    }


class _Adapter(BaseHTTPRequestHandler):
    service: DatabricksService

    def _answer(self) -> None:
        url = urlsplit(self.path)
        query = {k: ",".join(v) for k, v in parse_qs(url.query).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, body = self.service.handle(self.command, url.path, query, json.loads(raw) if raw else None)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def service() -> DatabricksService:
    return DatabricksService(seed())


@pytest.fixture
def w(service: DatabricksService, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[WorkspaceClient]:
    """A real WorkspaceClient on a loopback server in front of `service`."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "absent.cfg"))
    handler = type("Handler", (_Adapter,), {"service": service, "disable_nagle_algorithm": True})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield WorkspaceClient(config=Config(
            host=f"http://127.0.0.1:{server.server_port}", token="sim-owner-token", auth_type="pat",
            retry_timeout_seconds=10, http_timeout_seconds=5))
    finally:
        server.shutdown()
        server.server_close()


def test_created_cluster_bills_until_terminated_and_pinning_keeps_it_listed(w, service):
    cluster_id = w.clusters.create(cluster_name="SilverLayerProcessing", spark_version="15.4.x-scala2.12",
                                   node_type_id="Standard_DS3_v2", num_workers=1).cluster_id
    assert w.clusters.get(cluster_id).state == State.PENDING
    assert "SilverLayerProcessing" in service.running_clusters()
    assert w.clusters.get(cluster_id).state == State.RUNNING

    terminated = w.clusters.delete(cluster_id).result(timeout=timedelta(seconds=20))
    assert terminated.state == State.TERMINATED
    assert service.running_clusters() == []
    assert cluster_id in {c.cluster_id for c in w.clusters.list()}

    w.clusters.pin(cluster_id)
    assert [c.cluster_id for c in w.clusters.list(filter_by=ListClustersFilterBy(is_pinned=True))] == [cluster_id]
    raw = w.api_client.do("GET", "/api/2.1/clusters/get", query={"cluster_id": cluster_id})
    assert raw["pinned_by_user_name"]
    w.clusters.unpin(cluster_id)
    assert list(w.clusters.list(filter_by=ListClustersFilterBy(is_pinned=True))) == []


def test_cluster_list_pages_and_filters_by_state(w):
    running = w.clusters.create(cluster_name="GoldPlatinumLayerProcessing", spark_version="15.4.x-scala2.12",
                                node_type_id="Standard_DS3_v2").cluster_id
    assert {c.cluster_id for c in w.clusters.list(page_size=1)} == {running, LAYER_CLUSTER}
    states = ListClustersFilterBy(cluster_states=[State.PENDING, State.RUNNING])
    assert [c.cluster_id for c in w.clusters.list(filter_by=states)] == [running]


def test_update_with_mask_changes_only_masked_fields(w):
    w.clusters.update(LAYER_CLUSTER, "autotermination_minutes,custom_tags", cluster=UpdateClusterResource(
        autotermination_minutes=30, custom_tags={"layer": "bronze", "cost-center": "juicer"},
        spark_version="16.4.x-scala2.12", num_workers=8))
    cluster = w.clusters.get(LAYER_CLUSTER)
    assert cluster.autotermination_minutes == 30
    assert cluster.custom_tags == {"layer": "bronze", "cost-center": "juicer"}
    assert (cluster.spark_version, cluster.num_workers) == ("14.3.x-scala2.12", 2)
    assert cluster.spark_conf == {"spark.databricks.delta.preview.enabled": "true"}
    assert cluster.state == State.TERMINATED


def test_edit_replaces_the_whole_spec(w):
    w.clusters.edit(LAYER_CLUSTER, "15.4.x-scala2.12", cluster_name="BronzeLayerProcessing",
                    node_type_id="Standard_DS3_v2", num_workers=2)
    cluster = w.clusters.get(LAYER_CLUSTER)
    assert cluster.spark_version == "15.4.x-scala2.12"
    assert cluster.custom_tags is None and cluster.spark_conf is None
    assert cluster.autotermination_minutes == 0


def test_cluster_writes_follow_the_real_state_rules(w):
    cluster_id = w.clusters.create(cluster_name="x", spark_version="15.4.x-scala2.12",
                                   node_type_id="Standard_DS3_v2").cluster_id
    with pytest.raises(InvalidState):
        w.clusters.update(cluster_id, "autotermination_minutes",
                          cluster=UpdateClusterResource(autotermination_minutes=20))
    with pytest.raises(InvalidParameterValue, match="spark version"):
        w.clusters.create(cluster_name="y", spark_version="99.9.x-scala2.12", node_type_id="Standard_DS3_v2")


def test_missing_cluster_is_not_found_on_get_and_bad_request_elsewhere(w):
    with pytest.raises(NotFound) as raised:
        w.clusters.get("0000-000000-missing0")
    assert isinstance(raised.value, ResourceDoesNotExist)
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        w.clusters.pin("0000-000000-missing0")
    w.clusters.permanent_delete(LAYER_CLUSTER)
    with pytest.raises(NotFound):
        w.clusters.get(LAYER_CLUSTER)


def test_a_pinned_cluster_is_permanently_deleted_only_once_unpinned(w):
    w.clusters.pin(LAYER_CLUSTER)
    with pytest.raises(InvalidParameterValue, match="Cannot delete pinned cluster"):
        w.clusters.permanent_delete(LAYER_CLUSTER)
    w.clusters.unpin(LAYER_CLUSTER)
    w.clusters.permanent_delete(LAYER_CLUSTER)
    with pytest.raises(NotFound):
        w.clusters.get(LAYER_CLUSTER)


def test_spark_versions_name_lts_and_node_types_are_azure(w):
    versions = w.clusters.spark_versions().versions
    assert any("LTS" in v.name for v in versions) and any("LTS" not in v.name for v in versions)
    assert w.clusters.select_spark_version(long_term_support=True) == "16.4.x-scala2.12"
    assert w.clusters.select_spark_version(long_term_support=True, ml=True) == "16.4.x-cpu-ml-scala2.12"
    assert "Standard_DS3_v2" in {n.node_type_id for n in w.clusters.list_node_types().node_types}
    assert w.clusters.select_node_type(local_disk=False, min_cores=4, min_memory_gb=14) == "Standard_DS3_v2"


def quality_task(notebook: str = QUALITY_PATH) -> Task:
    return Task(task_key="bronze_quality", existing_cluster_id=LAYER_CLUSTER,
                depends_on=[TaskDependency(task_key="bronze_ingest")],
                notebook_task=NotebookTask(notebook_path=notebook))


def test_jobs_update_merges_tasks_by_key_and_keeps_other_settings(w):
    w.jobs.update(101, new_settings=JobSettings(tasks=[quality_task()]))
    w.jobs.update(101, new_settings=JobSettings(tasks=[quality_task(QUALITY_PATH + "_v2")]))
    settings = w.jobs.get(101).settings
    tasks = {t.task_key: t for t in settings.tasks}
    assert set(tasks) == {"bronze_ingest", "bronze_quality"}
    assert tasks["bronze_quality"].notebook_task.notebook_path == QUALITY_PATH + "_v2"
    assert tasks["bronze_quality"].run_if.value == "ALL_SUCCESS"
    assert settings.schedule.quartz_cron_expression == "0 0 2 * * ?"
    assert settings.email_notifications.on_failure == ["oncall@tbwa.example"]

    w.jobs.update(101, fields_to_remove=["tasks/bronze_quality", "schedule"])
    settings = w.jobs.get(101).settings
    assert [t.task_key for t in settings.tasks] == ["bronze_ingest"] and settings.schedule is None


def test_jobs_reset_replaces_every_setting(w):
    only = Task(task_key="solo", notebook_task=NotebookTask(notebook_path=QUALITY_PATH))
    w.jobs.reset(101, JobSettings(name="bronze-layer-job", tasks=[only]))
    settings = w.jobs.get(101).settings
    assert [t.task_key for t in settings.tasks] == ["solo"]
    assert settings.schedule is None and settings.email_notifications.on_failure is None


def test_jobs_create_list_and_reject_broken_graphs(w):
    ids = [w.jobs.create(name=f"layer-{n}",
                         schedule=CronSchedule(quartz_cron_expression="0 0 3 * * ?", timezone_id="UTC"),
                         email_notifications=JobEmailNotifications(on_failure=["a@b.example"])).job_id
           for n in range(1, 4)]
    assert [j.job_id for j in w.jobs.list(limit=1)] == [*reversed(ids), 101]
    assert [j.job_id for j in w.jobs.list(name="LAYER-2")] == [ids[1]]
    assert next(iter(w.jobs.list(name="bronze-layer-job"))).settings.tasks == []
    assert len(next(iter(w.jobs.list(name="bronze-layer-job", expand_tasks=True))).settings.tasks) == 1
    with pytest.raises(InvalidParameterValue, match="non-existent task"):
        w.jobs.create(name="broken", tasks=[quality_task()])
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        w.jobs.update(101, new_settings=JobSettings(tasks=[Task(task_key="t", existing_cluster_id="0000-0-x")]))
    w.jobs.delete(ids[0])
    with pytest.raises(NotFound):
        w.jobs.get(ids[0])


def test_jobs_list_expands_tasks_as_api_2_2_does(w):
    """jobs/list with expand_tasks carries each job's settings and its first 100 tasks and job
    clusters, and `has_more` when it left some out; the SDK then reads the rest with jobs/get."""
    wide = w.jobs.create(name="wide", tasks=[Task(task_key=f"t{n:03d}", notebook_task=NotebookTask(
        notebook_path=QUALITY_PATH)) for n in range(150)]).job_id
    raw = w.api_client.do("GET", "/api/2.2/jobs/list", query={"expand_tasks": "true", "limit": 100})
    listed = {job["job_id"]: job for job in raw["jobs"]}
    assert len(listed[wide]["settings"]["tasks"]) == 100 and listed[wide]["has_more"] is True
    assert listed[101]["has_more"] is False and listed[101]["settings"]["schedule"]["timezone_id"] == "UTC"
    assert "run_as_user_name" not in listed[wide] and "run_as_user_name" in w.api_client.do(
        "GET", "/api/2.2/jobs/get", query={"job_id": wide})
    plain = w.api_client.do("GET", "/api/2.2/jobs/list", query={"name": "wide"})["jobs"][0]
    assert "tasks" not in plain["settings"] and "has_more" not in plain
    expanded = next(iter(w.jobs.list(name="wide", expand_tasks=True)))
    assert [t.task_key for t in expanded.settings.tasks] == [f"t{n:03d}" for n in range(150)]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_workspace_import_export_and_overwrite(w):
    folder = "/Shared/InsightPulseAI/Juicer/data_quality"
    source = "# Databricks notebook source\nprint('quality')\n"
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.import_(QUALITY_PATH, content=b64(source), format=ImportFormat.SOURCE,
                            language=Language.PYTHON)
    w.workspace.mkdirs(folder)
    w.workspace.mkdirs(folder)
    assert w.workspace.get_status(folder).object_type == ObjectType.DIRECTORY
    w.workspace.import_(QUALITY_PATH, content=b64(source), format=ImportFormat.SOURCE, language=Language.PYTHON)
    status = w.workspace.get_status(QUALITY_PATH)
    assert (status.object_type, status.language, status.path) == (ObjectType.NOTEBOOK, Language.PYTHON,
                                                                  QUALITY_PATH)
    with pytest.raises(ResourceAlreadyExists):
        w.workspace.import_(QUALITY_PATH, content=b64("x = 1\n"), format=ImportFormat.SOURCE,
                            language=Language.PYTHON)
    assert base64.b64decode(w.workspace.export(QUALITY_PATH).content).decode() == source
    w.workspace.import_(QUALITY_PATH, content=b64("x = 1\n"), format=ImportFormat.SOURCE,
                        language=Language.PYTHON, overwrite=True)
    exported = base64.b64decode(w.workspace.export(QUALITY_PATH).content).decode()
    assert exported == "# Databricks notebook source\nx = 1\n"
    assert [o.path for o in w.workspace.list(folder)] == [QUALITY_PATH]


def test_workspace_delete_and_missing_paths(w, service):
    w.workspace.mkdirs("/Shared/empty/deeper")
    with pytest.raises(BadRequest, match="not empty"):
        w.workspace.delete("/Shared/InsightPulseAI")
    w.workspace.delete("/Shared/InsightPulseAI", recursive=True)
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status("/Shared/InsightPulseAI/Juicer/bronze_ingest")
    assert service.to_state()["workspace"] == [{"path": "/Shared/empty/deeper", "object_type": "DIRECTORY"}]


def test_unknown_routes_and_host_metadata_answer_404(w, service):
    with pytest.raises(NotFound):
        w.api_client.do("GET", "/api/2.0/no-such-api")
    assert service.handle("GET", "/.well-known/databricks-config", {}, None)[0] == 404


def test_state_round_trips_through_the_state_file_shape(service):
    service.handle("POST", "/api/2.0/workspace/mkdirs", {}, {"path": "/Shared/kept"})
    state = json.loads(json.dumps(service.to_state()))
    assert state["workspace"][0] == seed()["workspace"][0]
    again = DatabricksService(state)
    assert again.to_state() == state
    assert again.handle("GET", "/api/2.0/workspace/get-status", {"path": "/Shared/kept"}, None)[0] == 200
    assert DatabricksService({}).to_state() == {"clusters": [], "workspace": [], "jobs": []}
