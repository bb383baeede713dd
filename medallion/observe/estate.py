"""The session's view of the estate: memoised, concurrent, read-only."""
from __future__ import annotations

import importlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable

from medallion.cloud.errors import explain
from medallion.cloud.pools import READS_IN_FLIGHT
from medallion.spec import Spec

# area name -> "module:Class" of its readers; imported only when an area is used
AREA_READERS: dict[str, str] = {
    "storage": "medallion.observe.storage:StorageReads",
    "monitoring": "medallion.observe.monitoring:MonitoringReads",
    "security": "medallion.observe.security:SecurityReads",
    "compute": "medallion.observe.databricks:ComputeReads",
    "data_quality": "medallion.observe.databricks:QualityReads",
}


def reading_pool() -> ThreadPoolExecutor:
    """The pool the observers of one run share. A full audit of one estate starts ~45 reads at
    once: 8 threads queued them into extra round trips."""
    return ThreadPoolExecutor(max_workers=READS_IN_FLIGHT, thread_name_prefix="observe")


def register_area(area: str, target: str) -> None:
    """Make `estate.<area>` resolve to the readers class at `target` ("module:Class")."""
    AREA_READERS[area] = target


class Estate:
    """Everything the checks may look at, read at most once per Estate instance."""

    def __init__(self, spec: Spec, connections: Any, pool: ThreadPoolExecutor | None = None,
                 lasting: dict[str, Any] | None = None, layers: frozenset[str] | None = None) -> None:
        self.spec = spec
        self.connections = connections
        # the layers this view is about: a prefetch reads only theirs (None: every layer); a read
        # of another layer is still answered, when asked for
        self.layers = layers
        self.created = time.monotonic()   # what it reads is at least this fresh
        self._pool = pool or reading_pool()
        # what no fix changes (the Databricks workspace's URL), kept for the run by every fresh view
        self.lasting: dict[str, Any] = {} if lasting is None else lasting
        self._memo: dict[Any, Future[Any]] = {}
        self._prefetching: list[Future[None]] = []
        self._lock = threading.Lock()
        self._areas: dict[str, Any] = {}

    @property
    def arm(self) -> Any:
        return self.connections.arm

    def __getattr__(self, area: str) -> Any:
        if area.startswith("_") or area not in AREA_READERS:
            raise AttributeError(area)
        with self._lock:
            if area not in self._areas:
                module, cls = AREA_READERS[area].split(":")
                self._areas[area] = getattr(importlib.import_module(module), cls)(self)
            return self._areas[area]

    def read(self, key: Any, loader: Callable[[], Any], *, doing: str) -> Any:
        """The memoised result of `loader`; concurrent callers of one key share one request."""
        with self._lock:
            future = self._memo.get(key)
            owner = future is None
            if owner:
                future = self._memo[key] = Future()
        if owner:
            try:
                future.set_result(loader())
            except Exception as error:  # noqa: BLE001 - every failure becomes one clear line
                future.set_exception(explain(error, doing=doing))
        return future.result()

    def prefetch(self, areas: Iterable[str]) -> None:
        """Start every read the given areas' checks will make, concurrently; wait for them all."""
        self.start_prefetch(areas)
        self.wait_prefetched()

    def start_prefetch(self, areas: Iterable[str]) -> None:
        """Start every read the given areas' checks will make, and return at once, so the reads of
        several estates, and pytest's own set-up, overlap.

        Failures are kept in the memo and raised by the check that needs the value, so one
        unreadable resource fails its checks and not the whole run.
        """
        readers = [reader for area in areas if area in AREA_READERS
                   for reader in getattr(self, area).prefetch()]
        self._prefetching += [self._pool.submit(_quietly, reader) for reader in readers]

    def wait_prefetched(self) -> None:
        """Block until every read `start_prefetch` started has an answer (or a remembered failure)."""
        for future in self._prefetching:
            future.result()

    def fresh(self, *, layers: frozenset[str] | None = None) -> "Estate":
        """A new view with an empty memo, for re-checking after a fix wrote; `layers` narrows what
        its prefetch reads to the layers the units judged on it are about."""
        return Estate(self.spec, self.connections, self._pool, self.lasting, layers)


def _quietly(reader: Callable[[], Any]) -> None:
    try:
        reader()
    except Exception:  # noqa: BLE001 - remembered in the memo, raised to the check that asks
        pass
