"""One SDK import at a time.

A full audit imports ten SDK packages, about half a second of CPU, from the reader threads that
first need each client. Imported side by side they share the interpreter lock evenly, so all of
them finish late, at the end of that half second, and every area's first read waits as long.
One at a time, each area's reads go out as soon as its own SDK is in, while the next imports:
the same CPU, but the reads start early. (Ordering the waiting imports by the chain of reads each
starts measured no better than first come, first served.) A module already imported is returned
at once: its readers must not queue behind the imports still under way.
"""
from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType

IMPORTING = threading.RLock()


def import_one(name: str) -> ModuleType:
    """`importlib.import_module(name)`, after any other SDK import under way has finished; at
    once when it is imported already."""
    imported = sys.modules.get(name)
    if imported is not None and not getattr(getattr(imported, "__spec__", None), "_initializing", False):
        return imported
    with IMPORTING:
        return importlib.import_module(name)
