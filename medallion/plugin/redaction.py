"""Keep secrets out of every output of a run: terminal, HTML, JUnit XML and the JSON results.

All of them are built from test reports, the terminal writer and pytest-metadata's environment
table, so those three places are scrubbed with the one shared function, `medallion.redact.scrub`.
"""
from __future__ import annotations

from typing import Any

import pytest

from medallion.redact import scrub, scrub_data

# pytest-metadata's keys that describe the run and hold no secret; everything else it gathers
# (CI environment variables, --metadata values) is dropped or scrubbed
SAFE_METADATA = ("Python", "Platform", "Packages", "Plugins")


def scrub_report(report: Any) -> None:
    """Scrub a test or collection report in place: failure text, captured output, properties."""
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        cleaned = scrub(text)
        if cleaned != text:
            report.longrepr = cleaned
    elif isinstance(report.longrepr, tuple):  # skips: (path, line, reason)
        path, line, reason = report.longrepr
        report.longrepr = (path, line, scrub(reason))
    report.sections = [(title, scrub(content)) for title, content in report.sections]
    if hasattr(report, "user_properties"):
        report.user_properties = [(name, scrub_data(value, name=name) if name not in ("changes", "held")
                                   else scrub(value)) for name, value in report.user_properties]
    if getattr(report, "extras", None):
        report.extras = [scrub_data(extra) for extra in report.extras]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_make_collect_report(collector: Any) -> Any:
    outcome = yield
    scrub_report(outcome.get_result())


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Every line the terminal reporter writes goes through `scrub`."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    writer = getattr(reporter, "_tw", None)
    if writer is None or getattr(writer, "_medallion_scrubbed", False):
        return
    write = writer.write

    def scrubbed_write(msg: str, *, flush: bool = False, **markup: bool) -> None:
        write(scrub(msg), flush=flush, **markup)

    writer.write = scrubbed_write  # type: ignore[method-assign]
    writer._medallion_scrubbed = True  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True, trylast=True)
def pytest_metadata(metadata: dict[str, Any], config: pytest.Config) -> None:
    """pytest-metadata copies CI environment variables (and --metadata values) into the report's
    environment table and JUnit XML: keep only what describes the run, scrubbed."""
    for key in list(metadata):
        if key not in SAFE_METADATA:
            del metadata[key]
    metadata.update(scrub_data(dict(metadata)))
