"""One SDK import at a time, in the order the reads ask for them.

A full audit imports ten SDK packages, about half a second of CPU, from the reader threads that
first need each client. Imported side by side they share the interpreter lock evenly, so all of
them finish late, at the end of that half second, and every area's first read waits as long.
One at a time, the first is done in a fraction of it and its reads go out while the next imports:
the same CPU, but the reads start early, and a chain of dependent reads (Databricks, the private
endpoints) starts its round trips during the imports instead of after them.
"""
from __future__ import annotations

import importlib
import threading
from types import ModuleType

IMPORTING = threading.RLock()


def import_one(name: str) -> ModuleType:
    """`importlib.import_module(name)`, after any other SDK import under way has finished."""
    with IMPORTING:
        return importlib.import_module(name)
