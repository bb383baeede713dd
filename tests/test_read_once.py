"""Each resource is read once per run: the emulator's request log (method, path and query of every
request) shows every repeated GET of an audit. Counts are deterministic, so this is no timed test."""
from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from tests.suite import run_checks

AREAS = ("storage", "compute", "data_quality", "monitoring", "security")


def _gets(state: Path, since: int) -> list[tuple[str, str]]:
    served = json.loads(state.read_text()).get("requests", [])[since:]
    return [(r["path"].lower(), r.get("query", "")) for r in served if r["method"] == "GET"]


def _audit_gets(state: Path, *args: str) -> list[tuple[str, str]]:
    since = len(json.loads(state.read_text()).get("requests", [])) if state.exists() else 0
    run_checks(state, *args)
    return _gets(state, since)


def _repeats(gets: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    return {read: n for read, n in collections.Counter(gets).items() if n > 1}


@pytest.fixture(scope="module")
def full_audit(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    return _audit_gets(tmp_path_factory.mktemp("read-once") / "state.json")


def test_full_audit_repeats_at_most_five_percent_of_its_gets(full_audit: list[tuple[str, str]]) -> None:
    repeats = _repeats(full_audit)
    assert len(full_audit) > 40, "the audit read too little to judge"
    assert sum(n - 1 for n in repeats.values()) <= 0.05 * len(full_audit), repeats


@pytest.mark.parametrize("area", AREAS)
def test_one_area_repeats_no_more_than_the_full_audit(area: str, tmp_path: Path,
                                                       full_audit: list[tuple[str, str]]) -> None:
    gets = _audit_gets(tmp_path / "state.json", "-k", area)
    assert gets, f"-k {area} read nothing"
    repeated = sum(n - 1 for n in _repeats(gets).values())
    assert repeated <= sum(n - 1 for n in _repeats(full_audit).values()), _repeats(gets)
