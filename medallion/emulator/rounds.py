"""Sequential request rounds in the emulator's request log: how many round trips a run's critical
path took, whatever the latency. The benchmark prints them; the tests bound them."""
from __future__ import annotations

import bisect
from typing import Any


def rounds(requests: list[dict[str, Any]]) -> int:
    """Sequential rounds on the critical path: overlapping requests (by the log's start and end)
    share a round, so the count is the length of the chain of non-overlapping groups."""
    count, end = 0, float("-inf")
    for request in sorted(requests, key=lambda r: r["start"]):
        if request["start"] > end:
            count, end = count + 1, request["end"]
        else:
            end = max(end, request["end"])
    return count


def longest_chain(requests: list[dict[str, Any]]) -> int:
    """The most requests in the log that ran one after another, each starting after the previous
    ended. At a latency well above the CPU time between a run's requests, that is the depth of its
    chain of dependent reads; at low latency CPU gaps lengthen it, as they add rounds above."""
    ordered = sorted(requests, key=lambda r: r["end"])
    ends = [r["end"] for r in ordered]
    best: list[int] = []            # best[i]: the longest chain among ordered[: i + 1]
    for request in ordered:
        before = bisect.bisect_right(ends, request["start"])
        depth = 1 + (best[before - 1] if before else 0)
        best.append(max(depth, best[-1] if best else 0))
    return best[-1] if best else 0
