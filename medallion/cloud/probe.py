"""A bounded reachability probe: an unreachable endpoint must cost seconds, never a hang."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit


def unreachable(url: str, timeout: float = 5.0) -> str | None:
    """Why `url`'s host cannot be reached by TCP within `timeout` seconds, or None if it can."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        return error.strerror or str(error) or type(error).__name__
    return None
