"""What an ARM handler receives and returns, and the small helpers every handler shares."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medallion.emulator import arm
from medallion.emulator.arm_store import ArmError, ArmStore, parse, type_of

if TYPE_CHECKING:
    from medallion.emulator.arm.service import ArmService


@dataclass
class ArmRequest:
    method: str
    path: str                      # cleaned path, case as sent, no query
    query: dict[str, str]
    body: Any                      # parsed JSON, raw text for text/plain bodies, or None
    host: str                      # the Host header: polling URLs and workspace URLs use it
    role: str                      # "owner" or "reader"

    @property
    def api_version(self) -> str:
        return self.query.get("api-version", "")


@dataclass
class ArmResponse:
    status: int
    body: Any = None               # dict/list -> JSON, str -> text/plain, None -> empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """What a type hook may use: the store, the service (operations, secrets) and the request."""

    store: ArmStore
    service: ArmService
    request: ArmRequest

    def url(self, path: str, **query: str) -> str:
        """An absolute URL on this emulator, built from the request's Host header."""
        query.setdefault("api-version", self.request.api_version)
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return f"http://{self.request.host}{path}?{qs}"

    def view(self, body: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(body)
        rule = arm.rule_for(type_of(body["id"]))
        return rule.view(self, out) if rule.view else out


def not_found(resource_id: str) -> ArmError:
    p = parse(resource_id)
    where = f" under resource group '{p.resource_group}'" if p.resource_group else ""
    return ArmError(404, "ResourceNotFound",
                    f"The Resource '{p.type}/{p.name}'{where} was not found. For more details "
                    "please go to https://aka.ms/ARMResourceNotFoundFix")


def group_missing(name: str | None) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def is_top_level(resource_id: str) -> bool:
    """A resource directly in a group (not a child, not an extension resource)."""
    p = parse(resource_id)
    return p.providers_at == 4 and len(p.rest) == 2


def body_dict(req: ArmRequest) -> dict[str, Any]:
    if req.body is None:
        return {}
    if not isinstance(req.body, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return req.body


def strip_ids(body: dict[str, Any]) -> dict[str, Any]:
    """The server owns id, name and type: a client's values for them are ignored."""
    return {k: v for k, v in body.items() if k not in ("id", "name", "type")}
