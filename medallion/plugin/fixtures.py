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


@pytest.fixture(scope="session")
def spec(request: pytest.FixtureRequest) -> Spec:
    """The estate spec this run audits against."""
    return _context(request).spec()


@pytest.fixture(scope="session")
def connections(request: pytest.FixtureRequest, spec: Spec) -> Any:
    from medallion.cloud.connections import Connections

    context = _context(request)
    return Connections(spec, sim_url=context.sim_url, sim_token=context.sim_token)


@pytest.fixture(scope="session")
def estate(request: pytest.FixtureRequest, spec: Spec, connections: Any) -> Estate:
    """The observed estate, its selected areas fetched concurrently before the first check."""
    observed = Estate(spec, connections)
    observed.prefetch(selected_areas(request.session.items))
    return observed


def selected_areas(items: list[pytest.Item]) -> list[str]:
    areas = {getattr(item, "obj", None) and getattr(item.obj, "requirement", None) for item in items}
    return sorted({requirement.area for requirement in areas if requirement})
