"""The Databricks workspace REST API of the loopback emulator: clusters, jobs, job runs and workspace objects.

`run_ms` is how long a run started by `jobs/run-now` lasts (the emulator's `--sim-lro-ms`).

The HTTP server owns auth, roles, faults and locking and calls `DatabricksService.handle` with a
parsed request; this package owns only the API's behaviour, as the real service answers the
calls databricks-sdk 0.162.0 makes (paths checked against `databricks/sdk/service/*.py`).
"""
from __future__ import annotations

import re
from typing import Any

from .clusters import Clusters
from .errors import ApiError
from .jobs import Jobs
from .runs import Runs
from .workspace import Workspace

DEFAULT_USER = "owner@tbwa-juicer.example"
"""Who creates, pins and terminates, unless the scenario names a `user_name`."""


class DatabricksService:
    """One workspace's state, answering REST calls. Not thread-safe: the server holds a lock."""

    def __init__(self, state: dict[str, Any], *, run_ms: int = 0) -> None:
        state = state or {}
        self._user = state.get("user_name")
        user = self._user or DEFAULT_USER
        self._clusters = Clusters(state.get("clusters") or [], user)
        self._jobs = Jobs(state.get("jobs") or [], user, self._clusters.exists)
        self._workspace = Workspace(state.get("workspace") or [])
        self._runs = Runs(state.get("runs") or [], self._jobs.job, state.get("run_outcomes"), run_ms)
        self._routes = {**self._clusters.routes(), **self._jobs.routes(), **self._runs.routes(),
                        **self._workspace.routes()}

    def handle(self, method: str, path: str, query: dict[str, str],
               body: object | None) -> tuple[int, object]:
        """Answer one request: (HTTP status, JSON-able body). Errors use the real error shape."""
        route = self._routes.get((method.upper(), re.sub("/{2,}", "/", path).rstrip("/")))
        if route is None:
            return 404, {"error_code": "ENDPOINT_NOT_FOUND",
                         "message": f"No API found for '{method.upper()} {path}'"}
        if body is not None and not isinstance(body, dict):
            return 400, {"error_code": "MALFORMED_REQUEST",
                         "message": "Invalid JSON given in the body of the request - expected a map"}
        try:
            return 200, route(dict(query or {}), body or {})
        except ApiError as error:
            return error.status, error.body()

    def to_state(self) -> dict[str, Any]:
        """The state in the scenario's shape, for the state file."""
        state: dict[str, Any] = {"clusters": self._clusters.to_state(), "workspace": self._workspace.to_state(),
                                 "jobs": self._jobs.to_state()}
        if self._runs.to_state():
            state["runs"] = self._runs.to_state()
        if self._runs.outcomes():
            state["run_outcomes"] = self._runs.outcomes()
        if self._user:
            state["user_name"] = self._user
        return state

    def running_clusters(self) -> list[str]:
        """Names of clusters that bill (PENDING, RUNNING, RESIZING, RESTARTING)."""
        return self._clusters.running()


__all__ = ["ApiError", "DatabricksService"]
