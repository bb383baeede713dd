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
                      "reconcile_on": "", "max_duplicate_rows": 0, "value_ranges": {}, "severity": {}}
DEFAULT_SEVERITY = {"required_columns": "error", "schema_drift": "warning", "row_count": "error",
                    "key_nulls": "error", "key_unique": "error", "freshness": "error",
                    "value_range": "warning", "duplicate_rows": "error"}
RESULTS_SCHEMA = T.StructType([
    T.StructField("run_id", T.StringType()), T.StructField("layer", T.StringType()),
    T.StructField("table_name", T.StringType()), T.StructField("check_name", T.StringType()),
    T.StructField("severity", T.StringType()), T.StructField("status", T.StringType()),
    T.StructField("observed_value", T.StringType()), T.StructField("threshold", T.StringType()),
    T.StructField("rows_checked", T.LongType()), T.StructField("rows_failing", T.LongType()),
    T.StructField("checked_at", T.TimestampType()),
])


class DataQualityError(Exception):
    """A blocking (error-level) check failed: the task fails, so downstream tasks do not run."""


class DataQualityInputError(Exception):
    """The notebook cannot judge the data as asked (missing table or column, bad threshold): one
    line naming the problem, so the failed task says what to fix rather than a Spark stack trace."""


def split_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_columns(text):
    """'name:type,name' -> {name: type or None}."""
    columns = {}
    for part in split_list(text):
        name, _, kind = part.partition(":")
        columns[name.strip()] = kind.strip().lower() or None
    return columns


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def threshold_problems(given):
    """Every way the thresholds are out of range or unknown, in words."""
    problems = [f"unknown threshold {name!r}" for name in given if name not in DEFAULT_THRESHOLDS]
    merged = {**DEFAULT_THRESHOLDS, **given}
    if not is_number(merged["max_age_hours"]) or merged["max_age_hours"] <= 0:
        problems.append(f"max_age_hours must be a number above 0, not {merged['max_age_hours']!r}")
    low, high = merged["min_row_ratio"], merged["max_row_ratio"]
    if not (is_number(low) and is_number(high) and 0 <= low <= high):
        problems.append(f"min_row_ratio..max_row_ratio must be numbers with 0 <= min <= max, not {low!r}..{high!r}")
    if not isinstance(merged["max_duplicate_rows"], int) or merged["max_duplicate_rows"] < 0:
        problems.append(f"max_duplicate_rows must be a whole number >= 0, not {merged['max_duplicate_rows']!r}")
    for column, bounds in (merged["value_ranges"] or {}).items():
        pair = isinstance(bounds, list) and len(bounds) == 2 and all(map(is_number, bounds))
        if not (pair and bounds[0] <= bounds[1]):
            problems.append(f"value_ranges.{column} must be [low, high] with low <= high, not {bounds!r}")
    for check, level in (merged["severity"] or {}).items():
        if check not in DEFAULT_SEVERITY or level not in ("error", "warning"):
            problems.append(f"severity.{check} must name a check ({', '.join(DEFAULT_SEVERITY)}) "
                            f"and be error or warning, not {level!r}")
    return problems


def read_thresholds(text):
    try:
        given = json.loads(text or "{}")
    except ValueError as error:
        raise DataQualityInputError(f"the thresholds parameter is not JSON ({error}): {text!r}") from None
    if not isinstance(given, dict):
        raise DataQualityInputError(f"the thresholds parameter must be a JSON object, not {text!r}")
    problems = threshold_problems(given)
    if problems:
        raise DataQualityInputError("thresholds out of range: " + "; ".join(problems))
    return {**DEFAULT_THRESHOLDS, **given}


def read_table(name, parameter):
    if not name:
        raise DataQualityInputError(f"the {parameter} parameter is empty: name the table to check")
    if not spark.catalog.tableExists(name):
        raise DataQualityInputError(f"table {name} (parameter {parameter}) does not exist: "
                                    "run the layer's main task first or correct the job parameter")
    return spark.table(name)


params = {name: dbutils.widgets.get(name) for name in (
    "layer", "table", "upstream_table", "keys", "required_columns", "timestamp_column", "thresholds",
    "results_table", "fail_on_error", "run_id")}
thresholds = read_thresholds(params["thresholds"])
severity = {**DEFAULT_SEVERITY, **thresholds["severity"]}
keys = split_list(params["keys"])
required = parse_columns(params["required_columns"])
run_id = params["run_id"] if params["run_id"] and "{{" not in params["run_id"] else str(uuid.uuid4())

# COMMAND ----------

def result(check, status, observed, threshold, kind=None, failing=None, checked=None):
    """One check's outcome. `failing` counts the rows that break it (None for table-level checks);
    status `error` means the check could not be evaluated (a column it needs is missing)."""
    return {"check_name": check, "severity": severity[kind or check], "status": status,
            "observed_value": str(observed), "threshold": str(threshold),
            "rows_failing": failing, "rows_checked": checked}


def absent(df, columns):
    return [c for c in columns if c not in df.columns]


def unevaluable(check, columns, parameter, threshold, kind=None):
    return result(check, "error", f"column(s) {', '.join(columns)} missing (parameter {parameter})", threshold, kind)


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
    upstream = read_table(upstream_table, "upstream_table")
    on = split_list(thresholds.get("reconcile_on") or "")
    if absent(df, on) or absent(upstream, on):
        return [unevaluable("row_count", absent(df, on) + absent(upstream, on), "thresholds.reconcile_on", bounds)]
    mine = df.select(*on).distinct().count() if on else df.count()
    theirs = upstream.select(*on).distinct().count() if on else upstream.count()
    if theirs == 0:
        return [result("row_count", "passed" if mine == 0 else "failed", f"{mine} vs 0 upstream", bounds,
                       failing=mine, checked=mine)]
    ratio = mine / theirs
    ok = thresholds["min_row_ratio"] <= ratio <= thresholds["max_row_ratio"]
    return [result("row_count", "passed" if ok else "failed", f"{mine} / {theirs} = {ratio:.4f}", bounds,
                   failing=0 if ok else abs(theirs - mine), checked=mine)]


def check_keys(df):
    if not keys:
        raise DataQualityInputError("the keys parameter is empty: name the column(s) that identify a row")
    missing = absent(df, keys)
    if missing:
        return [unevaluable("key_nulls", missing, "keys", 0), unevaluable("key_unique", missing, "keys", 0)]
    any_null = F.col(keys[0]).isNull()
    for key in keys[1:]:
        any_null = any_null | F.col(key).isNull()
    nulls = df.filter(any_null).count()
    groups = df.groupBy(*keys).count().filter(F.col("count") > 1)
    repeated = groups.agg(F.count(F.lit(1)).alias("keys"), F.sum("count").alias("rows")).collect()[0]
    return [result("key_nulls", "failed" if nulls else "passed", nulls, 0, failing=nulls),
            result("key_unique", "failed" if repeated["keys"] else "passed", repeated["keys"], 0,
                   failing=repeated["rows"] or 0)]


def check_freshness(df):
    column, limit = params["timestamp_column"], thresholds["max_age_hours"]
    if not column or column not in df.columns:
        return [unevaluable("freshness", [repr(column)], "timestamp_column", f"<= {limit} h")]
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
            results.append(unevaluable(check, [column], "thresholds.value_ranges", f"[{low}, {high}]", "value_range"))
            continue
        outside = df.filter((F.col(column) < low) | (F.col(column) > high)).count()
        results.append(result(check, "failed" if outside else "passed", outside, f"[{low}, {high}]", "value_range",
                              failing=outside))
    return results


def check_duplicate_rows(df):
    duplicates = df.count() - df.distinct().count()
    limit = thresholds["max_duplicate_rows"]
    return [result("duplicate_rows", "failed" if duplicates > limit else "passed", duplicates, f"<= {limit}",
                   failing=duplicates)]


def run_checks(df):
    checks = [check_required_columns, check_schema_drift, check_row_count, check_keys, check_freshness,
              check_value_ranges, check_duplicate_rows]
    total = df.count()
    rows = [row for check in checks for row in check(df)]
    return [{**row, "rows_checked": total if row["rows_checked"] is None else row["rows_checked"]} for row in rows]

# COMMAND ----------

def record(results):
    """Append every result, with an explicit schema, to the results table (the session's default
    format: Delta on Databricks, where mergeSchema lets a table an older notebook version created
    gain the newer columns)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [(run_id, params["layer"], params["table"], r["check_name"], r["severity"], r["status"],
             r["observed_value"], r["threshold"], r["rows_checked"], r["rows_failing"], now) for r in results]
    frame = spark.createDataFrame(rows, RESULTS_SCHEMA)
    if spark.catalog.tableExists(params["results_table"]):
        frame.write.mode("append").option("mergeSchema", "true").saveAsTable(params["results_table"])
    else:
        frame.write.saveAsTable(params["results_table"])


def summary(results, status):
    """The run's exit value: what DQ-004 reads back through the Jobs API (runs/get-output)."""
    return json.dumps({"layer": params["layer"], "table": params["table"], "run_id": run_id, "status": status,
                       "checks": [{"check": r["check_name"], "status": r["status"], "severity": r["severity"],
                                   "rows_checked": r["rows_checked"], "rows_failing": r["rows_failing"]}
                                  for r in results]}, sort_keys=True)


results = run_checks(read_table(params["table"], "table"))
record(results)
for r in results:
    print(f"{r['status']:>7} {r['severity']:<7} {r['check_name']}: {r['observed_value']} (threshold {r['threshold']})")

unjudged = [r for r in results if r["status"] == "error"]
if unjudged:
    raise DataQualityInputError(f"{params['layer']}: cannot check {params['table']}: "
                                + "; ".join(f"{r['check_name']} needs {r['observed_value']}" for r in unjudged))
blocking = [r for r in results if r["status"] == "failed" and r["severity"] == "error"]
if blocking and params["fail_on_error"] == "true":
    raise DataQualityError(f"{params['layer']} data quality failed on {params['table']}: "
                           + "; ".join(f"{r['check_name']} ({r['observed_value']})" for r in blocking))
warned = any(r["status"] == "failed" for r in results)
dbutils.notebook.exit(summary(results, "failed" if blocking else "warnings" if warned else "passed"))
