"""The workspace's public host metadata (`GET /.well-known/databricks-config`).

databricks-sdk asks for it while building its Config, before any API call, without a token; when
the answer is not the JSON a workspace gives, the SDK logs a WARNING and falls back. An Azure
workspace answers its OIDC root, its numeric workspace id and its cloud (`databricks/sdk/oauth.py`
`HostMetadata`); no account id, since the workspace host is not the account console.
"""
from __future__ import annotations

from typing import Any


def host_metadata(host: str, workspace_id: str | None) -> dict[str, Any]:
    """What an Azure Databricks workspace at `host` answers; `workspace_id` when the estate has one."""
    answer: dict[str, Any] = {"oidc_endpoint": f"http://{host}/oidc", "cloud": "azure"}
    if workspace_id:
        answer["workspace_id"] = workspace_id
    return answer
