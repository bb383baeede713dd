"""Command-line options of the compliance suite."""
from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("medallion", "medallion compliance")
    group.addoption("--estate", metavar="PATH", help="estate spec layered over medallion.toml")
    group.addoption("--fix", action="store_true",
                    help="apply the paired remediation of each failing check, then re-check it")
    group.addoption("--fix-waived", action="store_true",
                    help="with --fix, also remediate checks a valid waiver covers (left alone otherwise)")
    group.addoption("--fix-journal", metavar="PATH",
                    help="with --fix, write the fix journal here (default reports/fix-journal-<UTC time>.json)")
    group.addoption("--rollback", metavar="JOURNAL",
                    help="undo a --fix run from its journal, last change first (with --plan: only show)")
    group.addoption("--plan", action="store_true",
                    help="show what --fix would change for each failing check; write nothing")
    group.addoption("--allow-disruptive", action="store_true",
                    help="let --fix apply changes that can cut off access (network lock-down)")
    group.addoption("--allow-irreversible", action="store_true",
                    help="let --fix apply changes that can never be undone (purge protection)")
    group.addoption("--naive-reads", action="store_true",
                    help="benchmark baseline: no shared cache or prefetch; each check reads for itself")
    group.addoption("--results-json", metavar="PATH",
                    help="also write one JSON record per check to PATH")
    group.addoption("--previous-results", metavar="PATH",
                    help="a previous run's --results-json: report drift (new failures, newly fixed, "
                         "still failing and since when)")
    group.addoption("--as-built", metavar="PATH",
                    help="write the as-built architecture document (Markdown) from the observed estate")
    sim = parser.getgroup("medallion-sim", "medallion embedded estate (loopback emulator)")
    sim.addoption("--sim", action="store_true",
                  help="audit the embedded, simulated estate instead of Azure")
    sim.addoption("--sim-scenario", metavar="PATH", help="scenario JSON to seed the emulator")
    sim.addoption("--sim-state", metavar="PATH",
                  help="keep the emulator's state in PATH between runs")
    sim.addoption("--sim-role", choices=("owner", "reader"), default="owner",
                  help="which identity the suite uses against the emulator (default owner)")
    sim.addoption("--sim-latency-ms", type=int, default=0, help="added latency per request")
    sim.addoption("--sim-throttle-rate", type=float, default=0.0,
                  help="fraction of requests answered 429 with Retry-After")
    sim.addoption("--sim-error-rate", type=float, default=0.0,
                  help="fraction of requests answered 503")
    sim.addoption("--sim-lro-ms", type=int, default=0, metavar="MS",
                  help="how long each long-running operation, and each Databricks job run --fix starts, "
                       "stays in progress (0: done at first poll)")
    sim.addoption("--sim-fail-operation", default="", metavar="TEXT",
                  help="long-running operations on resources whose id contains TEXT fail")
