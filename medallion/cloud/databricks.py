"""The Databricks workspace client: the three services the suite uses, without the rest of the SDK.

databricks.sdk's package `__init__` imports every one of its ~45 service modules (15 MB of
generated dataclasses, about a second of CPU) so that `WorkspaceClient` can build ~150 services.
The suite reads and writes clusters, jobs and workspace objects only. `import_sdk()` registers the
package with its `__init__` deferred, so the core, the errors and those three services load in a
quarter of the time; the first use of any other package-level name (`databricks.sdk.WorkspaceClient`,
in a test, say) runs the real `__init__` then, so nothing that imports the SDK the usual way breaks.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

from medallion.cloud.credentials import is_loopback
from medallion.cloud.pools import READS_IN_FLIGHT
from medallion.cloud.sdk_imports import IMPORTING

PACKAGE = "databricks.sdk"
_IMPORTED = threading.Event()


def import_sdk() -> None:
    """Import what the suite uses of databricks.sdk, once per process, one thread at a time (as
    every SDK, `sdk_imports`; its own modules import each other, and first imports of them from
    several threads at once can also end in Python's import `_DeadlockError`, seen under CI load)."""
    if _IMPORTED.is_set():
        return
    with IMPORTING:
        if PACKAGE not in sys.modules:
            sys.modules[PACKAGE] = _deferred_package()
        for module in ("core", "errors", "mixins.compute", "mixins.jobs", "mixins.workspace"):
            importlib.import_module(f"{PACKAGE}.{module}")
        _IMPORTED.set()


def _deferred_package() -> ModuleType:
    """The databricks.sdk package object with its `__path__` but not yet its `__init__`: submodules
    import as usual; any other attribute runs the real `__init__` in place first."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None:
        raise ImportError(f"{PACKAGE} is not installed (pip install databricks-sdk)")
    package = importlib.util.module_from_spec(spec)

    def rest_of_package(name: str) -> Any:
        if not name.startswith("__") and importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
            return importlib.import_module(f"{PACKAGE}.{name}")
        with IMPORTING:
            if "__getattr__" in package.__dict__:
                del package.__dict__["__getattr__"]
                spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = rest_of_package  # type: ignore[attr-defined]  # PEP 562
    return package


class Workspace:
    """What the suite uses of a WorkspaceClient: `clusters`, `jobs` and `workspace` (the SDK's own
    classes, mixins included), over one ApiClient and its Config, built the way WorkspaceClient
    builds them."""

    def __init__(self, config: Any) -> None:
        from databricks.sdk.core import ApiClient
        from databricks.sdk.mixins.compute import ClustersExt
        from databricks.sdk.mixins.jobs import JobsExt
        from databricks.sdk.mixins.workspace import WorkspaceExt

        self.config = config.copy()
        self.api_client = ApiClient(self.config)
        self.clusters = ClustersExt(self.api_client)
        self.jobs = JobsExt(self.api_client)
        self.workspace = WorkspaceExt(self.api_client)


def workspace_url(host: str) -> str:
    """A full URL for a workspace host as ARM gives it (bare host) or as a user writes it."""
    if host.startswith(("http://", "https://")):
        return host.rstrip("/")
    return f"{'http' if is_loopback(host) else 'https'}://{host.rstrip('/')}"


def workspace_client(host: str, *, token: str | None = None) -> Workspace:
    """The workspace's client with bounded timeouts (an unreachable host must not hang the run).

    With `token` (the emulator's), personal-access-token auth; without it, databricks-sdk's
    unified authentication (environment, Azure CLI, service principal).
    """
    import_sdk()
    from databricks.sdk.core import Config

    options: dict[str, Any] = {"host": workspace_url(host), "retry_timeout_seconds": 60,
                               "http_timeout_seconds": 15, "max_connection_pools": READS_IN_FLIGHT,
                               "max_connections_per_pool": READS_IN_FLIGHT}
    if token:
        options.update(token=token, auth_type="pat")
    return Workspace(Config(**options))
