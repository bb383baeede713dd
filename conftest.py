"""The compliance suite's pytest plugin (options, fixtures, --fix, reporting)."""
pytest_plugins = ["medallion.plugin"]
