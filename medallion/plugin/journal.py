"""Keeping the fix journal of a `--fix` run: entries noted where changes are applied, written once.

`note` runs wherever a change is applied, held or failed (possibly on an xdist worker, possibly
from several threads) and stores the entry in the item's user properties, which travel to the
controller with the report. The controller alone collects them and writes the journal at the end,
so under `-n 2 --fix` there is still exactly one journal. It also names the journal in the results
JSON (every record's `fix_journal`) and in the HTML report's environment table.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from medallion.change import Change
from medallion.journal import default_path, document, entry, write
from medallion.plugin.context import CONTEXT
from medallion.plugin.results import ledger

PROPERTY = "journal"
_lock = threading.Lock()


def note(item: pytest.Item, requirement_id: str, estate: str, change: Change, status: str) -> None:
    """Add one entry to the item's journal property; thread-safe."""
    line = entry(requirement_id, estate, change, status)
    with _lock:
        props = dict(item.user_properties)
        entries = json.loads(props.get(PROPERTY, "[]"))
        props[PROPERTY] = json.dumps([*entries, line])
        item.user_properties[:] = list(props.items())


class FixJournal:
    """The controller's collector: one journal per `--fix` run that wrote or tried to write.

    A run whose changes were all held back wrote nothing and leaves no journal."""

    def __init__(self, config: pytest.Config, path: str | None) -> None:
        self.config = config
        self.path = Path(path) if path else default_path(time.time())
        self.run_id = uuid.uuid4().hex
        self.entries: list[dict[str, Any]] = []
        self.written: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not report.failed:
            return
        self.entries.extend(json.loads(dict(report.user_properties or []).get(PROPERTY, "[]")))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Any:
        """Write before the results JSON and the HTML are, so both can name the journal."""
        if any(e["status"] != "held" for e in self.entries):  # held alone wrote nothing
            context = self.config.stash[CONTEXT]
            estates = [{"name": spec.name, "subscription": spec.subscription_id,
                        "resource_group": spec.estate.resource_group} for spec in context.specs()]
            write(self.path, document(self.run_id, estates, identity(self.config), self.entries))
            self.written = self.path
            self._name_in_reports()
        yield

    def _name_in_reports(self) -> None:
        log = ledger(self.config)
        for record in log.settled() if log is not None else []:
            record["fix_journal"] = str(self.written)
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:
            return
        if metadata_key in self.config.stash:
            self.config.stash[metadata_key]["Fix journal"] = str(self.written)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.written is not None:
            applied = sum(1 for e in self.entries if e["status"] == "applied")
            terminalreporter.write_line(f"medallion: fix journal ({applied} change(s) applied, "
                                        f"{len(self.entries)} noted): {self.written}")


def identity(config: pytest.Config) -> str:
    """Who wrote: the emulator role under --sim, else the service principal or signed-in user."""
    if config.option.sim:
        return f"emulator {config.option.sim_role}"
    client = os.environ.get("AZURE_CLIENT_ID")
    return f"service principal {client}" if client else "DefaultAzureCredential (signed-in user or managed identity)"


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    if config.getoption("fix_journal", None) and not config.getoption("fix", False):
        raise pytest.UsageError("--fix-journal goes with --fix: it names where the fix journal is written")
    if CONTEXT in config.stash and config.stash[CONTEXT].mode == "fix":
        config.pluginmanager.register(FixJournal(config, config.getoption("fix_journal", None)), "medallion-journal")
