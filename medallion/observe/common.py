"""Helpers shared by the area readers."""
from __future__ import annotations

from typing import Any, Callable

from medallion.cloud.arm import to_rest


def absent_as_none(call: Callable[[], Any]) -> dict[str, Any] | None:
    """Run an SDK read; a 404 means the resource is absent (None), anything else raises."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return to_rest(call())
    except ResourceNotFoundError:
        return None


def listed(call: Callable[[], Any]) -> list[dict[str, Any]] | None:
    """Run an SDK list: every page, each item as REST JSON; None when the parent is absent."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        return [to_rest(item) for item in call()]  # type: ignore[misc]
    except ResourceNotFoundError:
        return None
