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
