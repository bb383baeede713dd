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
POOL = pytest.StashKey[Any]()         # the reading pool every observer of this process shares
PREFETCHING = pytest.StashKey[bool]()


def connections_for(config: pytest.Config, spec: Spec) -> Any:
    """Clients for the estate's subscription, shared by every estate in it: SDK clients are
    costly to build (the network client alone indexes thousands of models)."""
    from medallion.cloud.connections import Connections

    context = config.stash[CONTEXT]
    shared = config.stash.setdefault(CONNECTIONS, {})
    key = (spec.subscription_id, spec.target.arm_endpoint, spec.target.arm_scope)
    if key not in shared:
        shared[key] = Connections(spec, sim_url=context.sim_url, sim_token=context.sim_token)
    return shared[key]


def observer(config: pytest.Config, spec: Spec) -> Estate:
    """This process's cached observer of the estate, made once; the reports reuse it."""
    from medallion.observe.estate import reading_pool

    observers = config.stash.setdefault(OBSERVERS, {})
    if spec.name not in observers:
        if POOL not in config.stash:
            config.stash[POOL] = reading_pool()
        observers[spec.name] = Estate(spec, connections_for(config, spec), config.stash[POOL])
    return observers[spec.name]


@pytest.fixture(scope="session")
def connections(request: pytest.FixtureRequest, spec: Spec) -> Any:
    """Clients for the estate's subscription (see `connections_for`)."""
    _context(request)
    return connections_for(request.config, spec)


@pytest.fixture(scope="session")
def estate(request: pytest.FixtureRequest, spec: Spec, connections: Any) -> Estate:
    """The observed estate, its selected areas fetched concurrently before the first check."""
    observed = observer(request.config, spec)
    if not _context(request).naive_reads:
        start_prefetch(request.session)
        observed.wait_prefetched()
    return observed


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Start reading as soon as the selection is known, while pytest sets up the first check.
    An xdist worker waits for its first check instead: it collects every item but may be given
    none (under --fix one worker runs them all), and a worker that runs no check reads nothing."""
    context = session.config.stash.get(CONTEXT, None)
    if context is not None and not context.naive_reads and not hasattr(session.config, "workerinput"):
        start_prefetch(session)


def start_prefetch(session: pytest.Session) -> None:
    """Start, once, the reads of every selected estate together: fifty estates cost about what
    one does, rather than one prefetch after another as each estate's first check asks."""
    config = session.config
    if config.stash.get(PREFETCHING, False):
        return
    config.stash[PREFETCHING] = True
    specs = estate_specs(config)
    for name, areas in selected_areas_by_estate(session.items, list(specs)).items():
        observer(config, specs[name]).start_prefetch(sorted(areas))


def selected_areas_by_estate(items: list[pytest.Item], names: list[str]) -> dict[str, set[str]]:
    """The areas each estate's selected checks look at (checks carry their estate as `spec`)."""
    found: dict[str, set[str]] = {}
    for item in items:
        requirement = getattr(getattr(item, "obj", None), "requirement", None)
        if requirement is None:
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        name = params.get("spec") or names[0]
        found.setdefault(name, set()).add(requirement.area)
    return found


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(POOL, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
