"""One process's connections to the estate: Resource Manager now, the workspace on demand."""
from __future__ import annotations

import threading
from typing import Any

from medallion.cloud.arm import Arm
from medallion.cloud.credentials import StaticTokenCredential
from medallion.cloud.databricks import workspace_client, workspace_url
from medallion.cloud.errors import CloudError
from medallion.cloud.probe import unreachable
from medallion.spec import Spec


def azure_credential() -> Any:
    """azure-identity's DefaultAzureCredential, never interactive."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


class Connections:
    """Clients for one run: `arm` for Resource Manager, `workspace(host)` for Databricks."""

    def __init__(self, spec: Spec, *, sim_url: str | None = None, sim_token: str | None = None) -> None:
        self.sim = sim_url is not None
        self._token = sim_token
        credential = StaticTokenCredential(sim_token) if sim_token else azure_credential()
        self.arm = Arm(endpoint=sim_url or spec.target.arm_endpoint, scope=spec.target.arm_scope,
                       credential=credential, subscription_id=spec.subscription_id)
        self._workspaces: dict[str, Any] = {}
        self._lock = threading.Lock()

    def workspace(self, host: str) -> Any:
        """The Databricks workspace client for `host`, built once.

        The host is probed first (bounded): building a client against an unreachable host can
        block for minutes, and every Databricks check would wait on it in turn.
        """
        with self._lock:
            if host not in self._workspaces:
                reason = unreachable(workspace_url(host))
                self._workspaces[host] = CloudError(
                    f"Databricks workspace {workspace_url(host)} is unreachable ({reason}); check the "
                    "network, or target.databricks_host in the estate spec") if reason else \
                    workspace_client(host, token=self._token)
            found = self._workspaces[host]
        if isinstance(found, CloudError):
            raise found
        return found
