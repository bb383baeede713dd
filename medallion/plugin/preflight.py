"""Before any check runs: can we reach, authenticate, find the estate, and (for --fix) write?

Each problem is one line naming it and the way out, raised as a usage error, so a misconfigured
run stops at once instead of failing every check with the same stack trace.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from medallion.cloud.errors import arm_code
from medallion.cloud.probe import unreachable
from medallion.spec import Spec

SIGN_IN = ("sign in with `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET "
           "(or a federated token); to try the suite without Azure, run it with --sim")


def prepare() -> None:
    """Import what the preflight uses (azure-core, requests, the resources client), a tenth of a
    second: a --sim run does it while its emulator starts, instead of after."""
    import importlib

    from medallion.cloud.arm import CLIENTS
    from medallion.cloud.connections import Connections  # noqa: F401

    importlib.import_module(CLIENTS["resources"][0])


def first_problem(context: Any, specs: list[Spec]) -> str | None:
    """The first estate's problem, in spec order. The first estate is checked alone (it imports
    the SDK clients, which must not be first imported by several threads at once), the rest
    together: fifty estates cost about two round trips, not fifty."""
    problem = preflight(context, specs[0]) if specs else None
    if problem or len(specs) < 2:
        return problem
    with ThreadPoolExecutor(max_workers=min(len(specs) - 1, 16), thread_name_prefix="preflight") as pool:
        return next(filter(None, pool.map(lambda spec: preflight(context, spec), specs[1:])), None)


def preflight(context: Any, spec: Spec) -> str | None:
    """The first problem found, as one line, or None when the run may start."""
    from medallion.cloud.connections import Connections

    endpoint = context.sim_url or spec.target.arm_endpoint
    problem = _unreachable(endpoint)
    if problem:
        return problem
    try:
        connections = Connections(spec, sim_url=context.sim_url, sim_token=context.sim_token)
    except Exception as error:  # noqa: BLE001 - credential construction failures are config errors
        return f"no Azure credentials ({_first(error)}): {SIGN_IN}"
    if not connections.sim:
        problem = _no_token(connections, spec)
        if problem:
            return problem
    return _estate_missing(connections, spec) or (
        _cannot_write(connections, spec) if context.mode == "fix" else None)


def _unreachable(endpoint: str) -> str | None:
    reason = unreachable(endpoint)
    if reason:
        return (f"Resource Manager endpoint {endpoint} is unreachable ({reason}); "
                "check the network, or target.cloud / target.resource_manager_endpoint in the estate spec")
    return None


def _no_token(connections: Any, spec: Spec) -> str | None:
    try:
        connections.arm._credential.get_token(spec.target.arm_scope)
    except Exception as error:  # noqa: BLE001 - azure-identity raises several kinds
        return f"no Azure credentials found ({_first(error)}): {SIGN_IN}"
    return None


def _estate_missing(connections: Any, spec: Spec) -> str | None:
    from azure.core.exceptions import HttpResponseError

    group = spec.estate.resource_group
    try:
        connections.arm.resources.resource_groups.get(group)
    except HttpResponseError as error:
        code = arm_code(error)
        if code == "SubscriptionNotFound" or (error.status_code == 404 and "subscription" in code.lower()):
            return (f"subscription {spec.subscription_id} not found or not visible to this identity: "
                    f"check target.subscription_id in {spec.source} or AZURE_SUBSCRIPTION_ID")
        if error.status_code == 404:
            return (f"resource group {group} not found in subscription {spec.subscription_id}: "
                    f"check estate.resource_group in {spec.source}")
        if error.status_code in (401, 403):
            return (f"cannot read resource group {group} ({code or error.status_code}): "
                    "grant the identity Reader on it (see README, Least privilege)")
        return (f"Resource Manager keeps failing while reading resource group {group} "
                f"({error.status_code} {code}) after retries: the service may be degraded; run again later")
    except Exception as error:  # noqa: BLE001 - transport errors after retries
        return f"Resource Manager at {connections.arm.endpoint} did not answer: {_first(error)}"
    return None


def _cannot_write(connections: Any, spec: Spec) -> str | None:
    path = f"{spec.rg_id()}/providers/Microsoft.Authorization/permissions"
    try:
        status, body = connections.arm.request("GET", path, api_version="2022-04-01")
    except Exception as error:  # noqa: BLE001
        return f"cannot read permissions on {spec.estate.resource_group}: {_first(error)}"
    grants = (body or {}).get("value", []) if status == 200 else []
    if any(_allows_write(grant) for grant in grants):
        return None
    return (f"insufficient permissions for --fix on resource group {spec.estate.resource_group}: "
            "the identity can only read; grant Contributor on the group (README, Least privilege) "
            "or run the audit without --fix")


def _allows_write(grant: dict[str, Any]) -> bool:
    denied = set(grant.get("notActions") or [])
    if denied & {"*", "*/write"}:
        return False
    return any(action in ("*", "*/write") or action.endswith(("/write", "/*"))
               for action in grant.get("actions") or [])


def _first(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__
