"""Per-type ARM behaviour: the small tables and hooks the generic store cannot know.

A `TypeRule` says how one resource type differs from the generic store (status codes the SDK
accepts, server-side defaults, read-only fields, validation and side effects). A `Route` answers a
path the store cannot (actions such as `listKeys`, runbook content, diagnostic categories). The
provider modules register both at import; add a rule by writing `register(TypeRule(...))` there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from medallion.emulator.arm_store import ArmError  # noqa: F401  (hooks raise it)

if TYPE_CHECKING:
    from medallion.emulator.arm.request import ArmRequest, ArmResponse, Context

Body = dict[str, Any]


@dataclass
class TypeRule:
    """How one resource type (canonical case, e.g. `Microsoft.Storage/storageAccounts`) behaves."""

    type: str
    put_status: tuple[int, int] = (201, 200)       # (created, replaced): what the SDK accepts
    patch_status: int = 200
    provisioning_state: bool = True                # body carries properties.provisioningState
    read_only: tuple[str, ...] = ()                # properties kept from the stored body on PUT
    fixed_names: tuple[str, ...] = ()              # e.g. ("default",) for storage singletons
    # Create answers 202 + Location; the function gives the operation collection path.
    long_running_create: Callable[["Context", str], str] | None = None
    default: Callable[["Context", str], Body] | None = None         # body before any PUT
    on_create: Callable[["Context", Body], None] | None = None      # server-generated fields
    on_put: Callable[["Context", Body | None, Body], None] | None = None
    on_patch: Callable[["Context", Body, Body, Body], None] | None = None  # (old, merged, patch)
    on_delete: Callable[["Context", Body], None] | None = None
    view: Callable[["Context", Body], Body] | None = None           # stored body -> answer


@dataclass
class Route:
    """A path the generic store does not answer; `pattern` is matched on the folded path."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[["Context", "ArmRequest", re.Match[str]], "ArmResponse"]


RULES: dict[str, TypeRule] = {}
ROUTES: list[Route] = []


def register(rule: TypeRule) -> TypeRule:
    RULES[rule.type.lower()] = rule
    return rule


def route(method: str, pattern: str):
    """Decorator registering a handler for `method` on paths matching `pattern` (folded).

    RBAC needs no flag here: like ARM, every method but GET and HEAD is a write (POST actions
    such as listKeys included)."""
    def wrap(handler):
        ROUTES.append(Route(method, re.compile(pattern), handler))
        return handler
    return wrap


def rule_for(resource_type: str) -> TypeRule:
    return RULES.get(resource_type.lower()) or TypeRule(type=resource_type)


def load_providers() -> None:
    """Import every provider module once so their rules and routes are registered."""
    from medallion.emulator.arm import (automation, insights, keyvault, network,  # noqa: F401
                                        operations, resources, storage, workspaces)
