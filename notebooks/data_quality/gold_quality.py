# Databricks notebook source
# MAGIC %md
# MAGIC # Gold data quality
# MAGIC
# MAGIC Runs after the gold task of the gold job (task `gold_quality`). Checks the enriched,
# MAGIC business-ready transactions: one row per silver transaction (row counts reconciled with
# MAGIC silver), required columns and schema drift, null and unique keys, freshness, value ranges
# MAGIC and duplicate rows. Every result is appended to the results table; an error-level failure
# MAGIC raises, so the job's downstream tasks do not run.
# MAGIC
# MAGIC Managed by medallion-compliance (`notebooks/data_quality/gold_quality.py` and `quality_checks.py`): edit them there,
# MAGIC `pytest checks/ --fix` imports it here.

# COMMAND ----------

dbutils.widgets.text("layer", "gold", "Layer")
dbutils.widgets.text("table", "juicer.gold_transactions", "Table to check")
dbutils.widgets.text("upstream_table", "juicer.silver_transactions", "Upstream table (row-count reconciliation)")
dbutils.widgets.text("keys", "transaction_id", "Key columns (comma-separated)")
dbutils.widgets.text("required_columns",
                     "transaction_id:string,store_id:string,amount:double,transaction_ts:timestamp,processed_at:timestamp",
                     "Required columns (name or name:type, comma-separated)")
dbutils.widgets.text("timestamp_column", "processed_at", "Timestamp column (freshness)")
dbutils.widgets.text("thresholds",
                     '{"max_age_hours": 26, "min_row_ratio": 1.0, "max_row_ratio": 1.0,'
                     ' "value_ranges": {"amount": [0, 100000]}}',
                     "Thresholds (JSON)")
dbutils.widgets.text("results_table", "juicer.data_quality_results", "Results table")
dbutils.widgets.dropdown("fail_on_error", "true", ["true", "false"], "Fail on error")
dbutils.widgets.text("run_id", "", "Run id (the job passes {{job.run_id}})")
