# Databricks notebook source
# MAGIC %md
# MAGIC # Bronze data quality
# MAGIC
# MAGIC Runs after the bronze ingest task of the bronze job (task `bronze_quality`). Checks the raw
# MAGIC transactions as they landed: required columns and schema drift, null and unique keys,
# MAGIC freshness, value ranges and duplicate rows. Bronze has no upstream table, so row counts are
# MAGIC not reconciled. Every result is appended to the results table; an error-level failure
# MAGIC raises, so the job's downstream tasks do not run on bad data.
# MAGIC
# MAGIC Managed by medallion-compliance (`notebooks/data_quality/bronze_quality.py` and `quality_checks.py`): edit them there,
# MAGIC `pytest checks/ --fix` imports it here.

# COMMAND ----------

dbutils.widgets.text("layer", "bronze", "Layer")
dbutils.widgets.text("table", "juicer.bronze_transactions", "Table to check")
dbutils.widgets.text("upstream_table", "", "Upstream table (row-count reconciliation)")
dbutils.widgets.text("keys", "transaction_id", "Key columns (comma-separated)")
dbutils.widgets.text("required_columns",
                     "transaction_id:string,store_id:string,amount:double,transaction_ts:timestamp,ingested_at:timestamp",
                     "Required columns (name or name:type, comma-separated)")
dbutils.widgets.text("timestamp_column", "ingested_at", "Timestamp column (freshness)")
dbutils.widgets.text("thresholds",
                     '{"max_age_hours": 26, "value_ranges": {"amount": [0, 100000]},'
                     ' "severity": {"key_unique": "warning", "duplicate_rows": "warning"}}',
                     "Thresholds (JSON)")
dbutils.widgets.text("results_table", "juicer.data_quality_results", "Results table")
dbutils.widgets.dropdown("fail_on_error", "true", ["true", "false"], "Fail on error")
dbutils.widgets.text("run_id", "", "Run id (the job passes {{job.run_id}})")
