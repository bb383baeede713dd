"""Make each requirement selectable: its area is a marker (-m) and a keyword (-k), and so are
its id and severity."""
from __future__ import annotations

from typing import Any

import pytest

from medallion.plugin.context import CONTEXT
from medallion.requirement import AREAS, CATALOGUE, Severity


def pytest_configure(config: pytest.Config) -> None:
    for area in AREAS:
        config.addinivalue_line("markers", f"{area}: requirements of the {area} area")
    for severity in Severity:
        config.addinivalue_line("markers", f"{severity.value}: requirements of {severity.value} severity")


FIX_GROUP = "medallion-fix"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under xdist, --fix sends every check to one worker, in order. The xdist_group marker alone
    no longer does it: xdist 3.8 names the group in `item._nodeid`, which pytest 9 ignores."""
    context = config.stash.get(CONTEXT, None)
    if context is None or context.mode != "fix":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneWorker(LoadScopeScheduling):   # one scope for every check: one worker runs them all
        def _split_scope(self, nodeid: str) -> str:
            return FIX_GROUP

    return OneWorker(config, log)


def plain_nodeid(nodeid: str) -> str:
    """A check's node id without the xdist group suffix --fix adds under -n."""
    return nodeid.split(f"@{FIX_GROUP}")[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    context = config.stash.get(CONTEXT, None)
    for item in items:
        requirement = getattr(getattr(item, "obj", None), "requirement", None)
        if requirement is None:
            continue
        if context is not None and context.mode == "fix":
            item.add_marker(pytest.mark.xdist_group(FIX_GROUP))
        item.add_marker(getattr(pytest.mark, requirement.area))
        item.add_marker(getattr(pytest.mark, requirement.severity.value))
        for word in (requirement.area, requirement.id, requirement.severity.value):
            item.extra_keyword_matches.add(word)
    items.sort(key=_runs_last)


def _runs_last(item: pytest.Item) -> bool:
    """Sort key: True for the checks of an area with a requirement that `covers_others` (monitoring's
    diagnostic settings on every resource), so under -n --fix, where checks are fixed one at a time,
    one --fix leaves nothing for a second to add. The same flag makes it a late unit in-process; a
    stable sort keeps the rest, and each area's checks together."""
    requirement = getattr(getattr(item, "obj", None), "requirement", None)
    covering = {other.area for other in CATALOGUE.values() if other.covers_others}
    return requirement is not None and requirement.area in covering
