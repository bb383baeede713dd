"""Run the quality notebooks exactly as `--fix` imports them, on either engine: sqlframe's DuckDB
(fast) or a real local Apache Spark (the engine Databricks runs). Shared by the notebook tests and
bench/benchmark.py.

A `Lake` holds the four layer tables in a schema of its own; `run` executes the layer's composed
notebook source with `spark` and a small fake `dbutils` in its namespace, as a job task would.
"""
from __future__ import annotations

import contextlib
import itertools
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from medallion.desired.quality import project_notebook

LAYERS = ("bronze", "silver", "gold", "platinum")
UPSTREAM = {"bronze": "", "silver": "bronze", "gold": "silver", "platinum": "gold"}
TX = "transaction_id string, store_id string, amount double, transaction_ts timestamp"
AGG = ("store_id string, sales_date date, total_amount double, transaction_count bigint, "
       "refreshed_at timestamp")
_schemas = itertools.count()


class NotebookExit(Exception):
    """dbutils.notebook.exit: stops the notebook, its value becomes the run's output."""


class FakeWidgets:
    """dbutils.widgets as a job runs a notebook: a job parameter overrides the widget's default."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.defaults = dict(values), {}

    def text(self, name: str, default: str, label: str = "") -> None:
        self.defaults[name] = default

    def dropdown(self, name: str, default: str, choices: list[str], label: str = "") -> None:
        assert default in choices
        self.defaults[name] = default

    def get(self, name: str) -> str:
        if name not in self.defaults:  # Databricks: InputWidgetNotDefined
            raise ValueError(f"InputWidgetNotDefined: {name}")
        return self.values.get(name, self.defaults[name])


class FakeNotebook:
    def __init__(self) -> None:
        self.exit_value: str | None = None

    def exit(self, value: str) -> None:
        self.exit_value = value
        raise NotebookExit(value)


class FakeDbutils:
    def __init__(self, values: dict[str, str]) -> None:
        self.widgets = FakeWidgets(values)
        self.notebook = FakeNotebook()


def spark_session(warehouse: str) -> Any:
    """One real local Spark for every notebook run: 2 cores, few shuffle partitions, no UI, loopback."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("medallion-quality-notebooks")
             .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.warehouse.dir", warehouse).config("spark.sql.catalogImplementation", "in-memory")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """Real Apache Spark: the notebook's `pyspark` imports are the real ones."""

    name = "spark"

    def __init__(self, session: Any) -> None:
        self.session = session

    def ddl(self, statement: str) -> None:
        self.session.sql(statement)

    def notebook_context(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


class SqlframeEngine:
    """sqlframe on DuckDB: `pyspark` imports are routed to sqlframe only while a notebook runs, so
    real pyspark stays usable in the same process."""

    name = "sqlframe"

    def __init__(self) -> None:
        from sqlframe.duckdb import DuckDBSession

        self.session = DuckDBSession()

    def ddl(self, statement: str) -> None:
        self.session._conn.execute(statement)

    def notebook_context(self) -> contextlib.AbstractContextManager[None]:
        import sqlframe

        return sqlframe.activate_context("duckdb", conn=self.session._conn)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def transactions() -> list[tuple[Any, ...]]:
    day = now() - timedelta(hours=2)
    return [(f"t{i}", f"s{i % 2}", 10.0 * i, day) for i in range(1, 6)]


def platinum_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    stores: dict[str, list[float]] = {}
    for _, store, amount, _ in rows:
        stores.setdefault(store, []).append(amount)
    return [(store, date.today(), sum(amounts), len(amounts), now()) for store, amounts in sorted(stores.items())]


def stamp_column(layer: str) -> str:
    return "ingested_at" if layer == "bronze" else "processed_at"


class Lake:
    """Four layer tables and a results table in a schema of their own."""

    def __init__(self, engine: SparkEngine | SqlframeEngine) -> None:
        self.engine, self.spark = engine, engine.session
        self.schema = f"dq{next(_schemas)}"
        engine.ddl(f"CREATE SCHEMA {self.schema}")
        self.results = f"{self.schema}.results"

    def table(self, layer: str) -> str:
        return f"{self.schema}.{layer}_transactions"

    def write(self, layer: str, rows: list[tuple[Any, ...]], schema: str | None = None) -> None:
        """Replace the layer's table; transaction rows of four values get a fresh timestamp."""
        if schema is None:
            schema = f"{TX}, {stamp_column(layer)} timestamp"
            stamp = now()
            rows = [(*row, stamp) if len(row) == 4 else row for row in rows]
        self.engine.ddl(f"DROP TABLE IF EXISTS {self.table(layer)}")
        self.spark.createDataFrame(rows, schema).write.saveAsTable(self.table(layer))

    def clean(self) -> "Lake":
        for layer in ("bronze", "silver", "gold"):
            self.write(layer, transactions())
        self.write("platinum", platinum_rows(transactions()), AGG)
        return self

    def run(self, layer: str, **overrides: str) -> dict[str, Any]:
        """Execute the layer's notebook source unchanged; its namespace afterwards."""
        upstream = UPSTREAM[layer]
        values = {"table": self.table(layer), "upstream_table": self.table(upstream) if upstream else "",
                  "results_table": self.results, "run_id": f"run-{self.schema}", **overrides}
        namespace: dict[str, Any] = {"spark": self.spark, "dbutils": FakeDbutils(values)}
        with self.engine.notebook_context():
            try:
                exec(compile(project_notebook(layer), f"{layer}_quality", "exec"), namespace)
            except NotebookExit:
                pass
        return namespace

    def recorded(self, layer: str) -> dict[str, dict[str, Any]]:
        """The latest result of each check the layer's runs recorded."""
        if not self.spark.catalog.tableExists(self.results):
            return {}
        rows = sorted(self.spark.table(self.results).collect(), key=lambda r: r["checked_at"])
        return {r["check_name"]: r.asDict() for r in rows if r["layer"] == layer}


def verdict(lake: Lake, layer: str, **overrides: str) -> tuple[str, dict[str, str]]:
    """Run a notebook: how it ended (`passed`, or the exception's class and message, the lake's
    schema name left out so two engines' runs compare) and the status each check recorded."""
    try:
        lake.run(layer, **overrides)
        ended = "passed"
    except Exception as error:  # the notebook's own failure is the verdict under test
        ended = f"{type(error).__name__}: {error}"
    statuses = {name: r["status"] for name, r in lake.recorded(layer).items()}
    return ended.replace(f"{lake.schema}.", "<lake>."), statuses


def _null_key(lake: Lake) -> None:
    rows = transactions()
    rows[0] = (None, *rows[0][1:])
    lake.write("bronze", rows)


def _repeated_key(lake: Lake) -> None:
    rows = transactions()
    lake.write("silver", rows + [(rows[1][0], "s9", 1.0, rows[1][3])])
    lake.write("bronze", rows + rows[:1])  # keep the row counts reconciled


def _duplicate_row(lake: Lake) -> None:
    rows = transactions()
    lake.write("silver", rows + rows[:1])
    lake.write("bronze", rows + rows[:1])


def _missing_rows(lake: Lake) -> None:
    lake.write("silver", transactions()[:3])


def _missing_column(lake: Lake) -> None:
    rows = [(t, a, ts, now(), "x") for t, _, a, ts in transactions()]
    lake.write("gold", rows, "transaction_id string, amount double, transaction_ts timestamp, "
                             "processed_at timestamp, note string")


def _retyped_column(lake: Lake) -> None:
    rows = [(t, s, str(a), ts, now()) for t, s, a, ts in transactions()]
    lake.write("gold", rows, "transaction_id string, store_id string, amount string, transaction_ts timestamp, "
                             "processed_at timestamp")


def _stale(lake: Lake) -> None:
    old = now() - timedelta(days=3)
    lake.write("gold", [(*row, old) for row in transactions()])


def _out_of_range(lake: Lake) -> None:
    rows = transactions()
    rows[2] = (*rows[2][:2], -50.0, rows[2][3])
    lake.write("gold", rows)


def _store_missing(lake: Lake) -> None:
    lake.write("platinum", platinum_rows(transactions())[:1], AGG)


def _count_below_one(lake: Lake) -> None:
    rows = platinum_rows(transactions())
    rows[0] = (*rows[0][:3], 0, rows[0][4])
    lake.write("platinum", rows, AGG)


# One planted defect per check the notebooks make: (name, plant, layer, overrides, the checks that
# must fail, whether the run must stop).
DEFECTS: list[tuple[str, Callable[[Lake], None], str, dict[str, str], set[str], bool]] = [
    ("key_nulls", _null_key, "bronze", {}, {"key_nulls"}, True),
    ("key_unique", _repeated_key, "silver", {}, {"key_unique"}, True),
    ("duplicate_rows", _duplicate_row, "silver", {}, {"duplicate_rows", "key_unique"}, True),
    ("row_count", _missing_rows, "silver", {}, {"row_count"}, True),
    ("required_columns", _missing_column, "gold", {}, {"required_columns", "schema_drift"}, True),
    ("schema_drift", _retyped_column, "gold", {"thresholds": '{"value_ranges": {}, "min_row_ratio": 1.0}'},
     {"schema_drift"}, False),
    ("freshness", _stale, "gold", {}, {"freshness"}, True),
    ("value_range", _out_of_range, "gold", {}, {"value_range:amount"}, False),
    ("row_count_stores", _store_missing, "platinum", {}, {"row_count"}, True),
    ("value_range_count", _count_below_one, "platinum", {}, {"value_range:transaction_count"}, False),
]


def _drop_key_column(lake: Lake) -> None:
    rows = [(s, a, ts, now()) for _, s, a, ts in transactions()]
    lake.write("silver", rows, "store_id string, amount double, transaction_ts timestamp, processed_at timestamp")


# Bad input, each met with one line naming it: (name, plant, layer, overrides, words the line holds).
BAD_INPUTS: list[tuple[str, Callable[[Lake], None], str, dict[str, str], str]] = [
    ("missing_table", lambda lake: None, "gold", {"table": "nowhere.gold"},
     "table nowhere.gold (parameter table) does not exist"),
    ("missing_upstream", lambda lake: None, "silver", {"upstream_table": "nowhere.bronze"},
     "table nowhere.bronze (parameter upstream_table) does not exist"),
    ("missing_key_column", _drop_key_column, "silver", {},
     "key_nulls needs column(s) transaction_id missing (parameter keys)"),
    ("missing_timestamp_column", lambda lake: None, "gold", {"timestamp_column": "loaded_at"},
     "freshness needs column(s) 'loaded_at' missing (parameter timestamp_column)"),
    ("missing_range_column", lambda lake: None, "gold", {"thresholds": '{"value_ranges": {"discount": [0, 1]}}'},
     "value_range:discount needs column(s) discount missing"),
    ("ratio_out_of_range", lambda lake: None, "silver", {"thresholds": '{"min_row_ratio": 1.5}'},
     "min_row_ratio..max_row_ratio must be numbers with 0 <= min <= max, not 1.5..1.0"),
    ("negative_age", lambda lake: None, "bronze", {"thresholds": '{"max_age_hours": -1}'},
     "max_age_hours must be a number above 0, not -1"),
    ("unknown_threshold", lambda lake: None, "bronze", {"thresholds": '{"max_age_days": 2}'},
     "unknown threshold 'max_age_days'"),
    ("not_json", lambda lake: None, "bronze", {"thresholds": "{max_age_hours: 2"}, "thresholds parameter is not JSON"),
]
