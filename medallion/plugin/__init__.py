"""The pytest plugin that turns `checks/` into a compliance audit with --fix and --plan.

Split by phase, as pytest-html and pytest-xdist are: options, the run's context (spec, emulator,
preflight), fixtures, running a requirement (audit, plan, fix), and reporting its outcome.
"""
pytest_plugins = [
    "medallion.plugin.options",
    "medallion.plugin.context",
    "medallion.plugin.catalogue",
    "medallion.plugin.fixtures",
    "medallion.plugin.runner",
    "medallion.plugin.outcomes", "medallion.plugin.failure_report",
    "medallion.plugin.waivers",
    "medallion.plugin.results", "medallion.plugin.journal", "medallion.plugin.rollback",
    "medallion.plugin.redaction", "medallion.plugin.evidence", "medallion.plugin.html", "medallion.plugin.asbuilt",
    "medallion.plugin.heap",
]
