"""The quality notebooks, run unchanged on sqlframe's DuckDB engine with a small fake `dbutils`.

Each notebook file's whole text is executed as Databricks would run its cells in order, with
`spark` and `dbutils` in its namespace. Small bronze, silver, gold and platinum tables carry one
planted defect at a time; each must be caught, recorded in the results table, and (at error
level) stop the run. Clean data must pass.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

pytest.importorskip("sqlframe")

from medallion.desired.quality import NOTEBOOK_DIR, project_notebook  # noqa: E402
from quality_lake import (AGG, BAD_INPUTS, DEFECTS, LAYERS, FakeDbutils, Lake, SqlframeEngine,  # noqa: E402
                          now, platinum_rows, transactions)

SEPARATOR = "\n# COMMAND ----------\n"


@pytest.fixture(scope="module")
def engine() -> SqlframeEngine:
    return SqlframeEngine()


@pytest.fixture
def lake(engine: SqlframeEngine) -> Lake:
    return Lake(engine).clean()


def failing_error(lake: Lake, layer: str, **overrides: str) -> str:
    """Run a notebook that must stop on an error-level failure; the error's message."""
    with pytest.raises(Exception) as raised:
        lake.run(layer, **overrides)
    assert type(raised.value).__name__ == "DataQualityError", raised.value
    return str(raised.value)


def test_clean_data_passes_every_layer_and_records_every_check(lake):
    for layer in LAYERS:
        lake.run(layer)
        recorded = lake.recorded(layer)
        assert {"required_columns", "schema_drift", "row_count", "key_nulls", "key_unique", "freshness",
                "duplicate_rows"} <= set(recorded)
        assert any(name.startswith("value_range:") for name in recorded)
        statuses = {name: r["status"] for name, r in recorded.items()}
        assert set(statuses.values()) <= {"passed", "skipped"}, statuses
        assert (statuses["row_count"] == "skipped") == (layer == "bronze")
    row = lake.recorded("silver")["row_count"]
    assert row["run_id"] == f"run-{lake.schema}" and row["table_name"] == lake.table("silver")
    assert row["observed_value"].startswith("5 / 5") and row["checked_at"] is not None


def test_null_keys_in_bronze_are_an_error(lake):
    rows = transactions()
    rows[0] = (None, *rows[0][1:])
    lake.write("bronze", rows)
    assert "key_nulls (1)" in failing_error(lake, "bronze")
    assert lake.recorded("bronze")["key_nulls"]["status"] == "failed"


def test_exact_duplicates_in_bronze_are_recorded_as_a_warning_only(lake):
    rows = transactions()
    lake.write("bronze", rows + rows[:1])
    lake.run("bronze")
    recorded = lake.recorded("bronze")
    assert recorded["duplicate_rows"]["status"] == "failed" and recorded["duplicate_rows"]["severity"] == "warning"
    assert recorded["key_unique"]["severity"] == "warning" and recorded["key_unique"]["observed_value"] == "1"


def test_silver_duplicates_and_repeated_keys_stop_the_job(lake):
    rows = transactions()
    lake.write("silver", rows + [rows[0], (rows[1][0], "s9", 1.0, rows[1][3])])
    lake.write("bronze", rows * 2)  # keep the row counts reconciled
    message = failing_error(lake, "silver")
    assert "key_unique (2)" in message and "duplicate_rows (1)" in message


def test_silver_missing_rows_fail_reconciliation_with_bronze(lake):
    lake.write("silver", transactions()[:3])
    assert "row_count (3 / 5 = 0.6000)" in failing_error(lake, "silver")
    assert lake.recorded("silver")["row_count"]["threshold"].startswith("0.9..1.0")


def test_a_missing_required_column_is_an_error_and_drift_is_recorded(lake):
    schema = "transaction_id string, amount double, transaction_ts timestamp, processed_at timestamp, note string"
    lake.write("gold", [(t, a, ts, now(), "x") for t, _, a, ts in transactions()], schema)
    assert "required_columns (missing: store_id)" in failing_error(lake, "gold")
    drift = lake.recorded("gold")["schema_drift"]
    assert drift["status"] == "failed" and "unexpected column note" in drift["observed_value"]


def test_a_retyped_column_is_schema_drift_a_warning(lake):
    schema = ("transaction_id string, store_id string, amount string, transaction_ts timestamp, "
              "processed_at timestamp")
    lake.write("gold", [(t, s, str(a), ts, now()) for t, s, a, ts in transactions()], schema)
    lake.run("gold", thresholds='{"value_ranges": {}, "min_row_ratio": 1.0}')
    drift = lake.recorded("gold")["schema_drift"]
    assert drift["status"] == "failed" and drift["severity"] == "warning"
    assert "amount: string (expected double)" in drift["observed_value"]


def test_stale_data_fails_freshness(lake):
    old = now() - timedelta(days=3)
    lake.write("gold", [(*row, old) for row in transactions()])
    assert "freshness (7" in failing_error(lake, "gold")
    assert lake.recorded("gold")["freshness"]["threshold"] == "<= 26 h"


def test_out_of_range_values_are_recorded_as_warnings(lake):
    rows = transactions()
    rows[2] = (*rows[2][:2], -50.0, rows[2][3])
    lake.write("gold", rows)
    lake.run("gold")
    amount = lake.recorded("gold")["value_range:amount"]
    assert (amount["status"], amount["severity"], amount["observed_value"]) == ("failed", "warning", "1")


def test_a_store_missing_from_platinum_fails_reconciliation_with_gold(lake):
    lake.write("platinum", platinum_rows(transactions())[:1], AGG)
    assert "row_count (1 / 2 = 0.5000)" in failing_error(lake, "platinum")


def test_platinum_counts_below_one_are_out_of_range(lake):
    rows = platinum_rows(transactions())
    rows[0] = (*rows[0][:3], 0, rows[0][4])
    lake.write("platinum", rows, AGG)
    lake.run("platinum")
    assert lake.recorded("platinum")["value_range:transaction_count"]["status"] == "failed"


def test_fail_on_error_false_records_without_raising(lake):
    lake.write("silver", transactions()[:3])
    lake.run("silver", fail_on_error="false")
    assert lake.recorded("silver")["row_count"]["status"] == "failed"


def test_results_accumulate_across_runs(lake):
    lake.run("bronze")
    lake.run("bronze", run_id="second")
    runs = {r["run_id"] for r in lake.spark.table(lake.results).collect()}
    assert runs == {f"run-{lake.schema}", "second"}


def test_widget_defaults_name_the_estate_tables():
    for layer in LAYERS:
        dbutils = FakeDbutils({})
        source = project_notebook(layer)
        exec(compile(source.split(SEPARATOR)[1], "widgets", "exec"), {"dbutils": dbutils})
        widgets = dbutils.widgets
        assert widgets.defaults["table"] == f"juicer.{layer}_transactions"
        assert widgets.defaults["layer"] == layer and widgets.defaults["fail_on_error"] == "true"
        assert widgets.defaults["results_table"] == "juicer.data_quality_results"


def test_each_layer_notebook_is_complete_and_its_file_holds_only_header_and_widgets():
    for layer in LAYERS:
        source = project_notebook(layer)
        assert source.startswith("# Databricks notebook source\n")
        assert "%run" not in source and "import medallion" not in source
        assert f'dbutils.widgets.text("layer", "{layer}"' in source
        assert source.count(SEPARATOR) == (NOTEBOOK_DIR / "quality_checks.py").read_text().count(SEPARATOR) + 1
        head = (NOTEBOOK_DIR / f"{layer}_quality.py").read_text()
        assert head.count(SEPARATOR) == 1 and "def " not in head, "check code belongs in quality_checks.py"


@pytest.mark.parametrize("name, plant, layer, overrides, words", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_stops_the_notebook_with_one_line_naming_it(lake, name, plant, layer, overrides, words):
    plant(lake)
    with pytest.raises(Exception) as raised:
        lake.run(layer, **overrides)
    assert type(raised.value).__name__ == "DataQualityInputError", raised.value
    message = str(raised.value)
    assert words in message and "\n" not in message, message


def test_rows_checked_and_failing_are_recorded_per_check(lake):
    rows = transactions()
    rows[2] = (*rows[2][:2], -50.0, rows[2][3])
    lake.write("gold", rows + rows[:2])
    lake.write("silver", rows + rows[:2])
    lake.run("gold", fail_on_error="false")
    recorded = lake.recorded("gold")
    counts = {name: (r["rows_checked"], r["rows_failing"]) for name, r in recorded.items()}
    assert counts["value_range:amount"] == (7, 1) and counts["duplicate_rows"] == (7, 2)
    assert counts["key_unique"] == (7, 4) and recorded["key_unique"]["observed_value"] == "2"
    assert counts["key_nulls"] == (7, 0) and counts["schema_drift"] == (7, None)


def test_the_run_exits_with_a_summary_the_compliance_check_reads(lake):
    dbutils = lake.run("silver")["dbutils"]
    summary = json.loads(dbutils.notebook.exit_value)
    assert (summary["layer"], summary["status"], summary["run_id"]) == ("silver", "passed", f"run-{lake.schema}")
    assert {c["check"] for c in summary["checks"]} >= {"row_count", "key_nulls", "freshness"}
    lake.write("gold", [(*row[:2], -1.0, row[3]) for row in transactions()])
    summary = json.loads(lake.run("gold")["dbutils"].notebook.exit_value)
    assert summary["status"] == "warnings"
    assert next(c for c in summary["checks"] if c["check"] == "value_range:amount")["rows_failing"] == 5


def test_the_thresholds_the_spec_passes_are_accepted_and_clean_data_passes_them(lake):
    from medallion.spec import load

    spec = load(sim=True)
    for layer in LAYERS:
        namespace = lake.run(layer, thresholds=spec.data_quality.thresholds_parameter(layer))
        assert json.loads(namespace["dbutils"].notebook.exit_value)["status"] == "passed"
        assert namespace["thresholds"]["max_age_hours"] == 26


def test_the_spark_tier_plants_a_defect_for_every_check_the_notebooks_make(lake):
    checks = set(lake.run("silver")["DEFAULT_SEVERITY"])
    planted = {name.split(":")[0] for *_, failing, _ in DEFECTS for name in failing}
    assert planted == checks, f"no planted defect for {sorted(checks - planted)}"
