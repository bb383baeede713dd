"""Credentials and the one authentication tweak a loopback endpoint needs.

azure-core refuses to send a bearer token over plain HTTP. Real endpoints are always HTTPS; the
emulator listens on 127.0.0.1 without TLS, so for loopback hosts only we mark each request as
allowed over HTTP (FIELD_NOTES: `enforce_https=False` in the constructor is ignored).
"""
from __future__ import annotations

import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class StaticTokenCredential:
    """A TokenCredential that hands out one fixed token: how the suite talks to the emulator."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:  # never show the token
        return "StaticTokenCredential(<hidden>)"


class LoopbackBearerPolicy(ARMChallengeAuthenticationPolicy):
    """Bearer authentication that may travel over HTTP, used only for loopback endpoints."""

    def on_request(self, request: Any) -> None:
        request.context["enforce_https"] = False
        super().on_request(request)


def arm_client_options(endpoint: str, credential: Any, scope: str) -> dict[str, Any]:
    """Keyword arguments for any azure-mgmt client talking to `endpoint`.

    Loopback endpoints get the HTTP-tolerant auth policy and no polling delay; real ones get the
    SDK defaults untouched.
    """
    options: dict[str, Any] = {"base_url": endpoint, "credential_scopes": [scope]}
    if is_loopback(endpoint):
        options["authentication_policy"] = LoopbackBearerPolicy(credential, scope)
        options["polling_interval"] = 0
    return options
