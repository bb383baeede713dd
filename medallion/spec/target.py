"""Where the estate lives: subscription, cloud and endpoints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CLOUDS = {
    "public": ("https://management.azure.com", "https://management.azure.com/.default"),
    "usgovernment": ("https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/.default"),
    "china": ("https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn/.default"),
}


@dataclass(frozen=True)
class Target:
    """The subscription and endpoints a run talks to. Empty strings mean "derive it"."""

    subscription_id: str = ""
    cloud: Literal["public", "usgovernment", "china"] = "public"
    resource_manager_endpoint: str = ""
    databricks_host: str = ""

    @property
    def arm_endpoint(self) -> str:
        """A custom Resource Manager endpoint wins over the cloud's own."""
        return (self.resource_manager_endpoint or CLOUDS[self.cloud][0]).rstrip("/")

    @property
    def arm_scope(self) -> str:
        return CLOUDS[self.cloud][1]
