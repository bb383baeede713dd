"""Turn SDK and transport exceptions into one line that names the problem and the way out."""
from __future__ import annotations

from typing import Any


class CloudError(Exception):
    """A read or write the suite could not complete. str() is the one-line explanation."""


def arm_code(error: Any) -> str:
    """The ARM error code of an azure-core HttpResponseError ("" when there is none)."""
    detail = getattr(error, "error", None)
    return getattr(detail, "code", None) or ""


def explain(error: BaseException, *, doing: str) -> CloudError:
    """A CloudError for `error`, raised while `doing` (e.g. "reading tbwajuicerstorage")."""
    from azure.core.exceptions import (ClientAuthenticationError, HttpResponseError,
                                       ServiceRequestError, ServiceResponseError)

    if isinstance(error, CloudError):
        return error
    if isinstance(error, ClientAuthenticationError):
        return CloudError(f"{doing}: authentication failed; sign in again (az login) or check the credentials")
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return CloudError(f"{doing}: endpoint unreachable ({_first_line(error)}); check the network or the endpoint in the estate spec")
    if isinstance(error, HttpResponseError):
        code = arm_code(error) or str(getattr(error, "status_code", ""))
        if error.status_code == 403:
            return CloudError(f"{doing}: permission denied ({code}); grant the role the README lists for this area")
        if error.status_code == 429:
            return CloudError(f"{doing}: throttled by Resource Manager after retries; run again later or with fewer workers")
        return CloudError(f"{doing}: Resource Manager answered {error.status_code} {code}: {_message(error)}")
    return CloudError(f"{doing}: {type(error).__name__}: {_first_line(error)}")


def _message(error: Any) -> str:
    detail = getattr(error, "error", None)
    return _first_line(getattr(detail, "message", None) or error)


def _first_line(error: Any) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else ""
