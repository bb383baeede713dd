"""The Databricks workspace client, built lazily (databricks.sdk costs ~1.1 s to import)."""
from __future__ import annotations

from typing import Any

from medallion.cloud.credentials import is_loopback
from medallion.cloud.pools import READS_IN_FLIGHT


def workspace_url(host: str) -> str:
    """A full URL for a workspace host as ARM gives it (bare host) or as a user writes it."""
    if host.startswith(("http://", "https://")):
        return host.rstrip("/")
    return f"{'http' if is_loopback(host) else 'https'}://{host.rstrip('/')}"


def workspace_client(host: str, *, token: str | None = None) -> Any:
    """A WorkspaceClient with bounded timeouts (an unreachable host must not hang the run).

    With `token` (the emulator's), personal-access-token auth; without it, databricks-sdk's
    unified authentication (environment, Azure CLI, service principal).
    """
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config

    options: dict[str, Any] = {"host": workspace_url(host), "retry_timeout_seconds": 60,
                               "http_timeout_seconds": 15, "max_connection_pools": READS_IN_FLIGHT,
                               "max_connections_per_pool": READS_IN_FLIGHT}
    if token:
        options.update(token=token, auth_type="pat")
    return WorkspaceClient(config=Config(**options))
