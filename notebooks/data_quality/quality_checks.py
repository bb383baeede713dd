# The check cells every layer's quality notebook ends with. medallion-compliance appends them to
# each `<layer>_quality.py` (header and widgets) when it imports the notebook, so the workspace gets
# one complete, self-contained notebook per layer. Not a notebook on its own.

# COMMAND ----------

import json
import uuid
from datetime import datetime, timezone

from pyspark.sql import functions as F
from pyspark.sql import types as T

DEFAULT_THRESHOLDS = {"max_age_hours": 26, "min_row_ratio": 0.9, "max_row_ratio": 1.0,
                      "reconcile_on": "", "max_duplicate_rows": 0, "value_ranges": {}}
DEFAULT_SEVERITY = {"required_columns": "error", "schema_drift": "warning", "row_count": "error",
                    "key_nulls": "error", "key_unique": "error", "freshness": "error",
                    "value_range": "warning", "duplicate_rows": "error"}
RESULTS_SCHEMA = T.StructType([
    T.StructField("run_id", T.StringType()), T.StructField("layer", T.StringType()),
    T.StructField("table_name", T.StringType()), T.StructField("check_name", T.StringType()),
    T.StructField("severity", T.StringType()), T.StructField("status", T.StringType()),
    T.StructField("observed_value", T.StringType()), T.StructField("threshold", T.StringType()),
    T.StructField("checked_at", T.TimestampType()),
])


class DataQualityError(Exception):
    """An error-level check failed: the task fails, so downstream tasks do not run."""


def split_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_columns(text):
    """'name:type,name' -> {name: type or None}."""
    columns = {}
    for part in split_list(text):
        name, _, kind = part.partition(":")
        columns[name.strip()] = kind.strip().lower() or None
    return columns


params = {name: dbutils.widgets.get(name) for name in (
    "layer", "table", "upstream_table", "keys", "required_columns", "timestamp_column", "thresholds",
    "results_table", "fail_on_error", "run_id")}
thresholds = {**DEFAULT_THRESHOLDS, **json.loads(params["thresholds"] or "{}")}
severity = {**DEFAULT_SEVERITY, **thresholds.get("severity", {})}
keys = split_list(params["keys"])
required = parse_columns(params["required_columns"])
run_id = params["run_id"] if params["run_id"] and "{{" not in params["run_id"] else str(uuid.uuid4())

# COMMAND ----------

def result(check, status, observed, threshold, kind=None):
    return {"check_name": check, "severity": severity[kind or check], "status": status,
            "observed_value": str(observed), "threshold": str(threshold)}


def absent(df, columns):
    return [c for c in columns if c not in df.columns]


def check_required_columns(df):
    missing = absent(df, required)
    return [result("required_columns", "failed" if missing else "passed",
                   "missing: " + ", ".join(missing) if missing else "all present", ", ".join(required))]


def check_schema_drift(df):
    actual = {field.name: field.dataType.simpleString() for field in df.schema.fields}
    drift = [f"{name}: {actual[name]} (expected {kind})" for name, kind in required.items()
             if kind and name in actual and actual[name] != kind]
    drift += [f"unexpected column {name}" for name in actual if name not in required]
    return [result("schema_drift", "failed" if drift else "passed", "; ".join(drift) or "none",
                   "columns and types as required")]


def check_row_count(df):
    upstream_table = params["upstream_table"]
    bounds = f"{thresholds['min_row_ratio']}..{thresholds['max_row_ratio']} of {upstream_table or 'upstream'}"
    if not upstream_table:
        return [result("row_count", "skipped", "no upstream table", bounds)]
    upstream = spark.table(upstream_table)
    on = split_list(thresholds.get("reconcile_on") or "")
    if absent(df, on) or absent(upstream, on):
        return [result("row_count", "failed", f"reconcile_on column(s) missing: {', '.join(on)}", bounds)]
    mine = df.select(*on).distinct().count() if on else df.count()
    theirs = upstream.select(*on).distinct().count() if on else upstream.count()
    if theirs == 0:
        return [result("row_count", "passed" if mine == 0 else "failed", f"{mine} vs 0 upstream", bounds)]
    ratio = mine / theirs
    ok = thresholds["min_row_ratio"] <= ratio <= thresholds["max_row_ratio"]
    return [result("row_count", "passed" if ok else "failed", f"{mine} / {theirs} = {ratio:.4f}", bounds)]


def check_keys(df):
    missing = absent(df, keys)
    if missing or not keys:
        observed = f"key column(s) missing: {', '.join(missing)}" if keys else "no key columns given"
        return [result("key_nulls", "failed", observed, 0), result("key_unique", "failed", observed, 0)]
    any_null = F.col(keys[0]).isNull()
    for key in keys[1:]:
        any_null = any_null | F.col(key).isNull()
    nulls = df.filter(any_null).count()
    repeated = df.groupBy(*keys).count().filter(F.col("count") > 1).count()
    return [result("key_nulls", "failed" if nulls else "passed", nulls, 0),
            result("key_unique", "failed" if repeated else "passed", repeated, 0)]


def check_freshness(df):
    column, limit = params["timestamp_column"], thresholds["max_age_hours"]
    if not column or column not in df.columns:
        return [result("freshness", "failed", f"timestamp column {column!r} missing", f"<= {limit} h")]
    newest = df.agg(F.max(F.col(column)).alias("newest")).collect()[0]["newest"]
    if newest is None:
        return [result("freshness", "failed", "no timestamps", f"<= {limit} h")]
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=timezone.utc)
    age = (datetime.now(timezone.utc) - newest).total_seconds() / 3600
    return [result("freshness", "passed" if age <= limit else "failed", f"{age:.1f} h", f"<= {limit} h")]


def check_value_ranges(df):
    results = []
    for column, (low, high) in sorted(thresholds["value_ranges"].items()):
        check = f"value_range:{column}"
        if column not in df.columns:
            results.append(result(check, "failed", "column missing", f"[{low}, {high}]", "value_range"))
            continue
        outside = df.filter((F.col(column) < low) | (F.col(column) > high)).count()
        results.append(result(check, "failed" if outside else "passed", outside, f"[{low}, {high}]", "value_range"))
    return results


def check_duplicate_rows(df):
    duplicates = df.count() - df.distinct().count()
    limit = thresholds["max_duplicate_rows"]
    return [result("duplicate_rows", "failed" if duplicates > limit else "passed", duplicates, f"<= {limit}")]


def run_checks(df):
    checks = [check_required_columns, check_schema_drift, check_row_count, check_keys, check_freshness,
              check_value_ranges, check_duplicate_rows]
    return [row for check in checks for row in check(df)]

# COMMAND ----------

def record(results):
    """Append every result, with an explicit schema, to the results table."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [(run_id, params["layer"], params["table"], r["check_name"], r["severity"], r["status"],
             r["observed_value"], r["threshold"], now) for r in results]
    frame = spark.createDataFrame(rows, RESULTS_SCHEMA)
    if spark.catalog.tableExists(params["results_table"]):
        frame.write.mode("append").saveAsTable(params["results_table"])
    else:
        frame.write.saveAsTable(params["results_table"])


results = run_checks(spark.table(params["table"]))
record(results)
for r in results:
    print(f"{r['status']:>7} {r['severity']:<7} {r['check_name']}: {r['observed_value']} (threshold {r['threshold']})")

errors = [r for r in results if r["status"] == "failed" and r["severity"] == "error"]
if errors and params["fail_on_error"] == "true":
    raise DataQualityError(f"{params['layer']} data quality failed on {params['table']}: "
                           + "; ".join(f"{r['check_name']} ({r['observed_value']})" for r in errors))
