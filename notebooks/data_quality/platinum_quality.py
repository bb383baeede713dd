# Databricks notebook source
# MAGIC %md
# MAGIC # Platinum data quality
# MAGIC
# MAGIC Runs after the platinum task of the platinum job (task `platinum_quality`). Checks the daily
# MAGIC store aggregates: every store in gold has its aggregates (stores reconciled with gold),
# MAGIC required columns and schema drift, null and unique keys (store and day), freshness, value
# MAGIC ranges and duplicate rows. Every result is appended to the results table; an error-level
# MAGIC failure raises, so the job's downstream tasks do not run.
# MAGIC
# MAGIC Managed by medallion-compliance (`notebooks/data_quality/platinum_quality.py` and `quality_checks.py`): edit them there,
# MAGIC `pytest checks/ --fix` imports it here.

# COMMAND ----------

dbutils.widgets.text("layer", "platinum", "Layer")
dbutils.widgets.text("table", "juicer.platinum_transactions", "Table to check")
dbutils.widgets.text("upstream_table", "juicer.gold_transactions", "Upstream table (row-count reconciliation)")
dbutils.widgets.text("keys", "store_id,sales_date", "Key columns (comma-separated)")
dbutils.widgets.text("required_columns",
                     "store_id:string,sales_date:date,total_amount:double,transaction_count:bigint,refreshed_at:timestamp",
                     "Required columns (name or name:type, comma-separated)")
dbutils.widgets.text("timestamp_column", "refreshed_at", "Timestamp column (freshness)")
dbutils.widgets.text("thresholds",
                     '{"max_age_hours": 26, "reconcile_on": "store_id", "min_row_ratio": 1.0, "max_row_ratio": 1.0,'
                     ' "value_ranges": {"total_amount": [0, 10000000], "transaction_count": [1, 1000000]}}',
                     "Thresholds (JSON)")
dbutils.widgets.text("results_table", "juicer.data_quality_results", "Results table")
dbutils.widgets.dropdown("fail_on_error", "true", ["true", "false"], "Fail on error")
dbutils.widgets.text("run_id", "", "Run id (the job passes {{job.run_id}})")
