"""A requirement's failed call reported without pytest's traceback rendering.

`outcomes` replaces the report text of every requirement whose call raised with its one-line
finding, so the traceback pytest renders first is thrown away. It was not free: pytest parses the
check's module for each frame (~10 ms a failure), half the time of a fifty-estate audit.
Skips, xfails and exits are not exceptions of this kind and keep pytest's own handling.
"""
from __future__ import annotations

from typing import Any

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> pytest.TestReport | None:
    error = call.excinfo.value if call.excinfo is not None else None
    if call.when != "call" or not isinstance(error, Exception):
        return None
    if getattr(getattr(item, "obj", None), "requirement", None) is None:
        return None
    sections = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
    return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed",
                             f"{type(error).__name__}: {error}", "call", sections, call.duration,
                             call.start, call.stop, user_properties=item.user_properties)
