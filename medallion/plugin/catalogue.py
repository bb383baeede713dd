"""Make each requirement selectable: its area is a marker (-m) and a keyword (-k), and so are
its id and severity."""
from __future__ import annotations

import pytest

from medallion.requirement import AREAS, Severity


def pytest_configure(config: pytest.Config) -> None:
    for area in AREAS:
        config.addinivalue_line("markers", f"{area}: requirements of the {area} area")
    for severity in Severity:
        config.addinivalue_line("markers", f"{severity.value}: requirements of {severity.value} severity")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        requirement = getattr(getattr(item, "obj", None), "requirement", None)
        if requirement is None:
            continue
        item.add_marker(getattr(pytest.mark, requirement.area))
        item.add_marker(getattr(pytest.mark, requirement.severity.value))
        for word in (requirement.area, requirement.id, requirement.severity.value):
            item.extra_keyword_matches.add(word)
    items.sort(key=_runs_last)


# Areas whose checks cover resources the other areas create (monitoring's diagnostic settings on
# every resource): run them after the rest, so one --fix leaves nothing for a second to add.
OBSERVING_AREAS = ("monitoring",)


def _runs_last(item: pytest.Item) -> bool:
    """Sort key: False for most items, True for the observing areas (a stable sort keeps the rest)."""
    requirement = getattr(getattr(item, "obj", None), "requirement", None)
    return requirement is not None and requirement.area in OBSERVING_AREAS
