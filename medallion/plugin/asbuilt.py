"""`--as-built PATH`: write the as-built architecture document at the end of the run.

Written by the controlling process after every check has reported, from the run's cached observer
(a fresh read after --fix, so it shows the estate as the fixes left it). It only reads.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from medallion.plugin.context import CONTEXT
from medallion.plugin.results import ledger

WRITTEN = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    path = config.getoption("as_built", None)
    log = ledger(config)
    if not path or log is None or hasattr(config, "workerinput"):
        return
    from medallion.asbuilt.document import document
    from medallion.report.observed import observers

    target = Path(path)
    if target.is_dir():
        from medallion.asbuilt import DEFAULT_NAME

        target = target / DEFAULT_NAME
    text = document(observers(config), log.settled(), mode=config.stash[CONTEXT].mode)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    config.stash[WRITTEN] = str(target)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if WRITTEN in config.stash:
        terminalreporter.write_sep("-", f"as-built document: {config.stash[WRITTEN]}")
