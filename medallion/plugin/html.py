"""The HTML compliance report (pytest-html): per-area summary, framework roll-up and drift at the
top; per check its id, area, severity and verdict as columns, and in its detail what was observed
against what was expected, the remediation, the fix outcome and the control mappings; an
environment table naming the estate and nothing secret.

Every value shown passes through `medallion.redact.scrub` and is HTML-escaped.
"""
from __future__ import annotations

import html
from typing import Any

import pytest

from medallion.plugin.context import CONTEXT
from medallion.plugin.results import ledger
from medallion.redact import scrub
from medallion.report import render

COLUMNS = ("requirement", "area", "severity", "verdict")


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = "Medallion compliance report"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(1, '<th class="sortable" data-column-type="requirement">Requirement</th>')
    cells.insert(2, '<th class="sortable" data-column-type="area">Area</th>')
    cells.insert(3, '<th class="sortable" data-column-type="severity">Severity</th>')
    cells.insert(4, '<th class="sortable" data-column-type="verdict">Verdict</th>')


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: Any, cells: list[str]) -> None:
    values = [getattr(report, "requirement_id", ""), getattr(report, "area", ""),
              getattr(report, "severity", ""), getattr(report, "verdict", "") or report.outcome]
    for index, (column, value) in enumerate(zip(COLUMNS, values), start=1):
        text = html.escape(scrub(str(value)))
        if column == "verdict":
            text = f'<span class="medallion-verdict v-{text}">{text}</span>'
        cells.insert(index, f'<td class="col-{column}">{text}</td>')


class HtmlReport:
    """The run's HTML additions, registered on the controller when --html is given."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: Any) -> None:
        """Give each check's report its detail as an HTML extra (shown above its log)."""
        log = ledger(self.config)
        if log is None or getattr(report, "requirement_id", None) is None or getattr(report, "verdict", None) is None:
            return
        from pytest_html import extras

        from medallion.plugin.results import as_record
        from medallion.report.drift import carry_forward

        record = as_record(report)
        carry_forward([record], log.previous)
        report.extras = [*getattr(report, "extras", []), extras.html(render.check_detail(record))]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: Any) -> None:
        log = ledger(self.config)
        if log is None:
            return
        records = log.settled()
        prefix.extend([render.STYLE, render.area_summary(records), render.drift_section(log.drift()),
                       render.waivers_section(records), render.framework_rollup(records)])

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Name the estate in the environment table: subscription, resource group, workspace host."""
        from pytest_metadata.plugin import metadata_key

        from medallion.report.observed import observers, workspace_host

        metadata = self.config.stash[metadata_key]
        for name, estate in observers(self.config).items():
            spec = estate.spec
            suffix = "" if name == "default" else f" ({name})"
            metadata[f"Subscription{suffix}"] = scrub(spec.subscription_id)
            metadata[f"Resource group{suffix}"] = scrub(spec.estate.resource_group)
            metadata[f"Workspace host{suffix}"] = scrub(workspace_host(estate))
        context = self.config.stash[CONTEXT]
        metadata["Mode"] = context.mode + (" (embedded estate)" if context.sim_url else "")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "htmlpath", None) and ledger(config) is not None:
        config.pluginmanager.register(HtmlReport(config), "medallion-html")
