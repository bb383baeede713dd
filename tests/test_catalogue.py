"""The catalogue of requirements: unique ids, every fix paired once, every area mirrored."""
from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from medallion.requirement import AREAS, CATALOGUE

REPO = Path(__file__).resolve().parents[1]
CHECK_FILES = sorted((REPO / "checks").glob("check_*.py"))


def _load_all() -> None:
    for path in CHECK_FILES:
        spec = importlib.util.spec_from_file_location(f"_catalogue_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]


_load_all()


def test_there_are_requirements_and_ids_are_well_formed():
    assert CATALOGUE
    for requirement_id in CATALOGUE:
        assert re.fullmatch(r"[A-Z]{2,4}-\d{3}", requirement_id), requirement_id


def test_every_fix_is_paired_with_exactly_one_requirement():
    fixes = Counter(r.fix for r in CATALOGUE.values() if r.fix is not None)
    assert [f.__qualname__ for f, n in fixes.items() if n > 1] == []


@pytest.mark.parametrize("requirement_id", sorted(CATALOGUE))
def test_each_requirement_is_fully_declared(requirement_id):
    requirement = CATALOGUE[requirement_id]
    assert requirement.area in AREAS
    assert requirement.title and len(requirement.title) < 100
    assert requirement.check.__doc__, f"{requirement_id}: the docstring states the requirement"
    assert requirement.check.__name__.startswith("check_")
    if requirement.fix is not None:
        assert requirement.fix.__module__ == f"remediate.{requirement.area}" or \
            requirement.fix.__module__.startswith(f"remediate.{requirement.area}_"), requirement.fix.__module__
        assert requirement.fix.__doc__, f"{requirement.fix.__qualname__}: say what it changes and keeps"
    for need in requirement.needs:
        assert need in CATALOGUE, f"{requirement_id} needs unknown {need}"


def test_every_area_with_checks_is_mirrored_in_remediate():
    for area in {r.area for r in CATALOGUE.values()}:
        assert (REPO / "checks" / f"check_{area}.py").exists()
        assert list((REPO / "remediate").glob(f"{area}*.py")), f"remediate/{area}.py is missing"


def _structured(value: object) -> bool:
    """Evidence an auditor can read field by field: a non-empty mapping whose values are not all empty."""
    return isinstance(value, dict) and any(v not in (None, "", [], {}) for v in value.values())


def test_every_requirement_records_structured_evidence_on_a_pass(tmp_path):
    """Fix the built-in estate, audit it, and read every record: a pass must show what was read."""
    import sys
    sys.path.insert(0, str(REPO / "tests"))
    from suite import run_checks

    state = tmp_path / "state.json"
    run_checks(state, "--fix", "--allow-disruptive", "--allow-irreversible")
    audit = run_checks(state)
    passed = [r for r in audit.records if r["verdict"] == "passed"]
    assert {r["id"] for r in passed} == set(CATALOGUE), audit.output[-3000:]
    bare = [r["nodeid"] for r in passed if not (_structured(r["observed"]) and r["expected"])]
    assert bare == [], f"no structured evidence on a pass: {bare}"
