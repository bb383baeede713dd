"""Azure Resource Manager: one lazily built SDK client per provider, shared by reads and writes.

Clients are built on first use (importing azure.mgmt.network alone costs ~260 ms), once per run,
and are thread-safe, so the observer can fetch concurrently through them.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Callable

from medallion.cloud.budget import RateBudget
from medallion.cloud.credentials import arm_client_options
from medallion.cloud.pools import pooled_transport
from medallion.cloud.sdk_imports import import_one

# attribute -> (module, class)
CLIENTS = {
    "resources": ("azure.mgmt.resource.resources", "ResourceManagementClient"),
    "storage": ("azure.mgmt.storage", "StorageManagementClient"),
    "portal": ("azure.mgmt.portal", "Portal"),
    "databricks": ("azure.mgmt.databricks", "AzureDatabricksManagementClient"),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient"),
    "loganalytics": ("azure.mgmt.loganalytics", "LogAnalyticsManagementClient"),
    "network": ("azure.mgmt.network", "NetworkManagementClient"),
    "keyvault": ("azure.mgmt.keyvault", "KeyVaultManagementClient"),
    "privatedns": ("azure.mgmt.privatedns", "PrivateDnsManagementClient"),
    "automation": ("azure.mgmt.automation", "AutomationClient"),
}

# Bounded retries: an unreachable endpoint must fail in seconds, a 429 is waited out.
RETRY = {"retry_total": 8, "retry_connect": 1, "retry_read": 2, "retry_status": 6, "retry_backoff_factor": 0.4,
         "retry_backoff_max": 20, "connection_timeout": 5, "read_timeout": 60}


class Arm:
    """Resource Manager for one subscription: `arm.storage`, `arm.network`, ... on demand."""

    def __init__(self, *, endpoint: str, scope: str, credential: Any, subscription_id: str) -> None:
        self.endpoint = endpoint
        self.subscription_id = subscription_id
        self.budget = RateBudget()
        self._options = {**arm_client_options(endpoint, credential, scope), **RETRY,
                         "raw_request_hook": self.budget.before, "raw_response_hook": self.budget.after,
                         "transport": pooled_transport()}
        self._credential = credential
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name not in CLIENTS:
            raise AttributeError(name)
        if name in self._clients:   # built: no lock, which every read would otherwise queue on
            return self._clients[name]
        module, cls = CLIENTS[name]
        factory = getattr(import_one(module), cls)
        with self._lock:
            if name not in self._clients:
                self._clients[name] = factory(self._credential, self.subscription_id, **self._options)
            return self._clients[name]

    def write(self, begin: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run a `begin_*` write of one of these clients until Azure reports its operation done
        (lro.py: not one read later). Imported here: only --fix and --rollback write."""
        from medallion.cloud import lro

        lro.write(begin, *args, interval=self._options.get("polling_interval", 30), **kwargs)

    def put_by_id(self, resource_id: str, body: dict[str, Any], *, api_version: str) -> None:
        """Create or replace a resource as a generic resource, waiting for the long-running PUT.
        For types whose SDK models lose fields (portal dashboards, diagnostic settings)."""
        self.write(self.resources.resources.begin_create_or_update_by_id, resource_id,
                   api_version=api_version, parameters=body)

    def request(self, method: str, path: str, *, api_version: str, body: Any = None) -> tuple[int, Any]:
        """A raw ARM call for what no SDK operation covers (permissions, diagnostic categories).

        Goes through the resources client's pipeline, so it gets the same auth and retries.
        """
        from azure.core.rest import HttpRequest

        url = f"{self.endpoint}{path}?api-version={api_version}"
        request = HttpRequest(method, url, json=body)
        response = self.resources._client.send_request(request)
        try:
            payload = response.json() if response.text() else None
        except ValueError:
            payload = None
        return response.status_code, payload


def to_rest(model: Any) -> dict[str, Any] | None:
    """An SDK model as its REST JSON (plain dicts, ISO dates), whichever model generation it is."""
    if model is None:
        return None
    if hasattr(model, "_attribute_map"):  # msrest models (monitor, portal)
        data = model.serialize(keep_readonly=True)
    elif hasattr(model, "as_dict"):  # MutableMapping models keyed by REST names
        data = model.as_dict()
    else:
        data = model
    return json.loads(json.dumps(data, default=_iso))


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
