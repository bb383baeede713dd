"""`pytest checks/ --rollback JOURNAL [--plan]`: undo a fix run instead of auditing.

It does not run the audit afterwards: a rollback restores the very failures the fix cured, so an
audit's red verdicts would hide whether the rollback itself worked. Its exit status says that
(0: every line restored, left or kept as it should be; 1: a write failed); run `pytest checks/`
after it to audit the restored estate.
"""
from __future__ import annotations

from typing import Any

import pytest

from medallion.plugin.context import CONTEXT, _stop_emulator
from medallion.rollback import JournalError, load, mark, roll_back


class Rollback:
    """Runs in place of collection, so no check runs; reports its lines in the terminal summary."""

    def __init__(self, config: pytest.Config, path: str, journal: dict[str, Any]) -> None:
        self.config, self.path, self.journal = config, path, journal
        self.lines: list[str] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        from medallion.cloud.connections import Connections
        from medallion.observe import Estate

        context = self.config.stash[CONTEXT]
        # unread estates: Resource Manager now, the Databricks workspace only if an entry needs it
        estates = {spec.name: Estate(spec, Connections(spec, sim_url=context.sim_url, sim_token=context.sim_token))
                   for spec in context.specs()}
        plan = context.mode == "plan"
        self.lines = roll_back(self.journal, estates, plan=plan, allow_disruptive=context.allow_disruptive)
        if not plan and not self.unfinished():
            mark(self.path, self.journal)
        session.items = []
        return True

    def unfinished(self) -> list[str]:
        """Lines a second rollback may still complete: held back, or failed to write or read."""
        return [line for line in self.lines if line.startswith(("held:", "failed:"))]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        session.exitstatus = 1 if any(line.startswith("failed:") for line in self.lines) else 0

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        plan = self.config.stash[CONTEXT].mode == "plan"
        terminalreporter.write_sep("-", f"medallion: {'plan of the ' if plan else ''}rollback of {self.path}")
        for line in self.lines or ["(the journal holds no applied change)"]:
            terminalreporter.write_line(line)
        if not plan and self.unfinished():
            terminalreporter.write_line("the journal is not marked rolled back: run it again (with --allow-disruptive "
                                        "for what was held) to finish; what is restored already is left as it is")
        elif not plan:
            terminalreporter.write_line("run `pytest checks/` to audit the restored estate")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("rollback", None)
    if not path or hasattr(config, "workerinput") or CONTEXT not in config.stash:
        return
    if config.option.fix:
        _stop_emulator(config)
        raise pytest.UsageError("--rollback and --fix exclude each other: --rollback undoes a --fix run's journal")
    subscriptions = {spec.name: spec.subscription_id for spec in config.stash[CONTEXT].specs()}
    try:
        journal = load(path, subscriptions)
    except JournalError as error:
        _stop_emulator(config)
        raise pytest.UsageError(str(error)) from None
    config.pluginmanager.register(Rollback(config, path, journal), "medallion-rollback")
