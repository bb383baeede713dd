# Databricks notebook source
# MAGIC %md
# MAGIC # Silver data quality
# MAGIC
# MAGIC Runs after the silver task of the silver job (task `silver_quality`). Checks the cleaned,
# MAGIC de-duplicated transactions: row counts reconciled with bronze (silver drops duplicates and
# MAGIC rejects, so it may hold fewer rows, never more), required columns and schema drift, null and
# MAGIC unique keys, freshness, value ranges and duplicate rows. Every result is appended to the
# MAGIC results table; an error-level failure raises, so the job's downstream tasks do not run.
# MAGIC
# MAGIC Managed by medallion-compliance (`notebooks/data_quality/silver_quality.py` and `quality_checks.py`): edit them there,
# MAGIC `pytest checks/ --fix` imports it here.

# COMMAND ----------

dbutils.widgets.text("layer", "silver", "Layer")
dbutils.widgets.text("table", "juicer.silver_transactions", "Table to check")
dbutils.widgets.text("upstream_table", "juicer.bronze_transactions", "Upstream table (row-count reconciliation)")
dbutils.widgets.text("keys", "transaction_id", "Key columns (comma-separated)")
dbutils.widgets.text("required_columns",
                     "transaction_id:string,store_id:string,amount:double,transaction_ts:timestamp,processed_at:timestamp",
                     "Required columns (name or name:type, comma-separated)")
dbutils.widgets.text("timestamp_column", "processed_at", "Timestamp column (freshness)")
dbutils.widgets.text("thresholds",
                     '{"max_age_hours": 26, "min_row_ratio": 0.9, "max_row_ratio": 1.0,'
                     ' "value_ranges": {"amount": [0, 100000]}}',
                     "Thresholds (JSON)")
dbutils.widgets.text("results_table", "juicer.data_quality_results", "Results table")
dbutils.widgets.dropdown("fail_on_error", "true", ["true", "false"], "Fail on error")
dbutils.widgets.text("run_id", "", "Run id (the job passes {{job.run_id}})")
