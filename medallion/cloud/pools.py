"""How many requests a run keeps in flight, and HTTP connection pools sized to it.

A full audit of one estate starts ~45 reads at once and many estates share one run, while
requests keeps 10 connections per host and azure-core one pool per client: reads beyond that
open a connection each and throw it away ("connection pool is full"), a TLS handshake apiece
against the real endpoints. One pool per Resource Manager endpoint, shared by every client of it,
holds as many connections as the observer has reads in flight.
"""
from __future__ import annotations

from typing import Any

READS_IN_FLIGHT = 32
"""Reads a run keeps in flight: more than one estate's first round, few enough that fifty
estates do not hit Resource Manager with hundreds of requests at once."""


def pooled_transport(size: int = READS_IN_FLIGHT) -> Any:
    """An azure-core transport keeping up to `size` connections per host, for clients to share.

    Retries stay off in the adapter, as in azure-core's own: its retry policy does them."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=size, max_retries=Retry(total=False, redirect=False, raise_on_status=False))
    for scheme in ("http://", "https://"):
        session.mount(scheme, adapter)
    return RequestsTransport(session=session, session_owner=False)
