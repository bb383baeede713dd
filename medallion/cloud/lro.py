"""Long-running writes that end when Azure says the operation ended, not one read later.

After a PUT's or PATCH's Azure-AsyncOperation status says Succeeded, the SDK's poller GETs the
resource once more, only to hand back its final body. --fix never uses that body: every unit is
judged again from a fresh read after it is written. So the fix waits for the operation and skips
that read, one round trip less per long-running write; on the critical path that is the VNet, its
subnets one after another and the private endpoints' two stages. A failed operation still raises
(the status says Failed), and writes without Azure-AsyncOperation poll as the SDK does.
"""
from __future__ import annotations

from typing import Any, Callable

from azure.core.polling.base_polling import LocationPolling, StatusCheckPolling
from azure.mgmt.core.polling.arm_polling import ARMPolling, AzureAsyncOperationPolling, BodyContentPolling


class _OperationStatusOnly(AzureAsyncOperationPolling):
    """Azure-AsyncOperation polling that ends a PUT or PATCH with the operation's status."""

    def get_final_get_url(self, pipeline_response: Any) -> str | None:
        if self._request.method in ("PUT", "PATCH"):
            return None
        return super().get_final_get_url(pipeline_response)


def until_done(interval: float) -> ARMPolling:
    """A fresh polling method for one write (pollers keep state): the SDK's, but for the final GET.
    `interval` is the client's, used only when Azure sends no Retry-After."""
    options = {"final-state-via": "azure-async-operation"}
    return ARMPolling(interval, lro_algorithms=[_OperationStatusOnly(lro_options=options), LocationPolling(),
                                                BodyContentPolling(), StatusCheckPolling()], lro_options=options)


def write(begin: Callable[..., Any], *args: Any, interval: float, **kwargs: Any) -> None:
    """Start the SDK's long-running `begin_*` write and wait until its operation has finished."""
    begin(*args, polling=until_done(interval), **kwargs).result()
