"""Respect Resource Manager's rate limits before it has to say 429.

ARM reports the requests left in the caller's budget on every answer
(`x-ms-ratelimit-remaining-subscription-reads` / `-writes`). Throttling is per identity and
subscription, shared with every other tool the team runs, so the suite slows down as the budget
runs low instead of spending it to zero; a 429 itself is still waited out by azure-core's retry
policy, which honours Retry-After.
"""
from __future__ import annotations

import threading
import time
from typing import Any

HEADERS = {"reads": "x-ms-ratelimit-remaining-subscription-reads",
           "writes": "x-ms-ratelimit-remaining-subscription-writes"}


class RateBudget:
    """The last budgets ARM reported for one subscription, shared by all its clients."""

    def __init__(self, *, low_water: int = 50, longest_pause: float = 2.0) -> None:
        self.low_water = low_water
        self.longest_pause = longest_pause
        self.remaining: dict[str, int] = {}
        self.pauses = 0
        self._lock = threading.Lock()

    def before(self, request: Any) -> None:
        """azure-core raw_request_hook: pause in proportion to how far the budget has run down."""
        left = self.remaining.get(_kind(request.http_request.method))
        if left is None or left > self.low_water:
            return
        with self._lock:
            self.pauses += 1
        time.sleep(self.longest_pause * (1 - left / self.low_water))

    def after(self, response: Any) -> None:
        """azure-core raw_response_hook: remember what the answer says is left."""
        headers = response.http_response.headers
        for kind, header in HEADERS.items():
            value = headers.get(header)
            if value is not None and value.isdigit():
                self.remaining[kind] = int(value)


def _kind(method: str) -> str:
    return "reads" if method.upper() in ("GET", "HEAD") else "writes"
