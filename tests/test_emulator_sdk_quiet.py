"""The SDKs' first questions get real answers: a clean run prints no SDK warning and no retry.

A warning or a retry in a clean run's captured logs means the emulator answered unlike Azure
(databricks-sdk's host-metadata probe was the first such case): the tests below keep it that way.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from databricks.sdk.config import Config

from medallion.emulator import OWNER_TOKEN, Emulator
from tests.suite import run_checks

# A log line of an Azure or Databricks SDK at WARNING or above, or any retry it reports.
_NOISE = re.compile(r"^(WARNING|ERROR|CRITICAL)\s+(azure|databricks|urllib3\.connectionpool:\S+ Retrying)"
                    r"|^\S+\s+(azure|databricks)\S*:.*\bretr(y|ying)\b(?!-after)", re.I | re.M)


def _noise(output: str) -> list[str]:
    return [m.group(0) for m in _NOISE.finditer(output)]


def test_host_metadata_answers_as_an_azure_workspace(emulator: Emulator, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="databricks.sdk")
    config = Config(host=emulator.url, token=OWNER_TOKEN)
    assert config.workspace_id == "1234567890123456"          # the scenario workspace's id
    assert config.is_azure
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_clean_audit_and_fix_log_no_sdk_warning_or_retry(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    debug = ("-o", "log_level=DEBUG")
    audit = run_checks(state, *debug)
    assert "Captured log" in audit.output and "well-known/databricks-config" in audit.output
    assert _noise(audit.output) == []
    fixed = run_checks(state, "--fix", "--allow-disruptive", "--allow-irreversible", *debug)
    assert fixed.status == 0, fixed.output[-2000:]
    assert _noise(fixed.output) == []
