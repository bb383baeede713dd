"""The Databricks REST error shape, and the small request-parsing helpers every service shares.

Errors carry the real status and `error_code`, because the SDK picks its exception class from them
(`databricks.sdk.errors.platform.ERROR_CODE_MAPPING`, then the status code).
"""
from __future__ import annotations

import time
from typing import Any


class ApiError(Exception):
    """An error answer: `{"error_code": ..., "message": ...}` with its HTTP status."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


def invalid(message: str) -> ApiError:
    """400 INVALID_PARAMETER_VALUE: what Clusters and Jobs answer even for a missing resource."""
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


def not_implemented(message: str) -> ApiError:
    """501: a real API feature the emulator does not model, said plainly rather than faked."""
    return ApiError(501, "NOT_IMPLEMENTED", f"Not emulated: {message}")


def require(params: dict[str, Any], name: str) -> Any:
    """A required request field, or the 400 the real API gives when it is absent."""
    value = params.get(name)
    if value is None or value == "":
        raise invalid(f"Missing required field: {name}")
    return value


def as_bool(value: Any, default: bool = False) -> bool:
    """A boolean from a JSON body (true) or a query string ("true")."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def as_int(value: Any, name: str) -> int:
    """An integer id from a JSON body or a query string."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid value for {name}: {value!r} is not an integer") from None


def page_tokens(start: int, size: int, total: int) -> dict[str, str]:
    """The next/previous page tokens the list endpoints answer (offsets, as opaque strings)."""
    tokens = {}
    if start + size < total:
        tokens["next_page_token"] = str(start + size)
    if start:
        tokens["prev_page_token"] = str(max(0, start - size))
    return tokens


def now_ms() -> int:
    return int(time.time() * 1000)
