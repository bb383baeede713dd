"""The fixtures every check takes: `spec` (what the estate should be) and `estate` (what it is)."""
from __future__ import annotations

from typing import Any

import pytest

from medallion.observe import Estate
from medallion.plugin.context import CONTEXT
from medallion.spec import Spec


def _context(request: pytest.FixtureRequest) -> Any:
    context = request.config.stash.get(CONTEXT, None)
    if context is None:
        raise pytest.UsageError("the compliance checks run through `pytest checks/` (add --sim to try them "
                                "on the embedded estate)")
    return context


SPECS = pytest.StashKey[dict]()
OBSERVERS = pytest.StashKey[dict]()  # estate name -> this process's cached observer


def estate_specs(config: pytest.Config) -> dict[str, Spec]:
    """Every estate of this run by name, loaded once per process."""
    if SPECS not in config.stash:
        context = config.stash.get(CONTEXT, None)
        config.stash[SPECS] = {spec.name: spec for spec in context.specs()} if context else {}
    return config.stash[SPECS]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several estates, run every check once per estate, the estate's name in the test id."""
    if not hasattr(metafunc.function, "requirement") or "spec" not in metafunc.fixturenames:
        return
    names = list(estate_specs(metafunc.config))
    if len(names) > 1:
        metafunc.parametrize("spec", names, indirect=True, scope="session", ids=names)


@pytest.fixture(scope="session")
def spec(request: pytest.FixtureRequest) -> Spec:
    """The estate spec this check audits against (one per estate when there are several)."""
    _context(request)
    specs = estate_specs(request.config)
    return specs[getattr(request, "param", None) or next(iter(specs))]


CONNECTIONS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def connections(request: pytest.FixtureRequest, spec: Spec) -> Any:
    """Clients for the estate's subscription, shared by every estate in it: SDK clients are
    costly to build (the network client alone indexes thousands of models)."""
    from medallion.cloud.connections import Connections

    context = _context(request)
    shared = request.config.stash.setdefault(CONNECTIONS, {})
    key = (spec.subscription_id, spec.target.arm_endpoint, spec.target.arm_scope)
    if key not in shared:
        shared[key] = Connections(spec, sim_url=context.sim_url, sim_token=context.sim_token)
    return shared[key]


@pytest.fixture(scope="session")
def estate(request: pytest.FixtureRequest, spec: Spec, connections: Any) -> Estate:
    """The observed estate, its selected areas fetched concurrently before the first check."""
    observed = Estate(spec, connections)
    if not _context(request).naive_reads:
        observed.prefetch(selected_areas(request.session.items))
    request.config.stash.setdefault(OBSERVERS, {})[spec.name] = observed  # reused by the reports
    return observed


def selected_areas(items: list[pytest.Item]) -> list[str]:
    areas = {getattr(item, "obj", None) and getattr(item.obj, "requirement", None) for item in items}
    return sorted({requirement.area for requirement in areas if requirement})
