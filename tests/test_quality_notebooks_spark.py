"""The quality notebooks on real Apache Spark (local[2], the engine Databricks runs), exactly as
`--fix` imports them, with a small fake `dbutils`. Every planted defect is caught and recorded,
clean data passes, and each verdict equals the sqlframe/DuckDB run's on the same tables.

Marked `spark`: `pytest -m "not spark"` skips them for a quick local run; `make test` runs them.
All runs share one SparkSession (one JVM) and one xdist worker.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Iterator

import pytest

# CI must prove the notebooks on Spark: there a missing pyspark or Java fails instead of skipping.
if os.environ.get("CI") == "true":
    assert shutil.which("java"), "CI has no Java runtime: .ci/run installs openjdk-17-jre-headless"
    import pyspark  # noqa: F401
else:
    pytest.importorskip("pyspark", reason="pip install -e '.[test]' installs pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make test` installs openjdk-17-jre-headless", allow_module_level=True)

from quality_lake import (BAD_INPUTS, DEFECTS, LAYERS, Lake, SparkEngine, SqlframeEngine,  # noqa: E402
                          spark_session, transactions, verdict)

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="session")
def spark_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkEngine]:
    session = spark_session(str(tmp_path_factory.mktemp("spark-warehouse")))
    try:
        yield SparkEngine(session)
    finally:
        session.stop()


@pytest.fixture(scope="session")
def sqlframe_engine() -> SqlframeEngine:
    return SqlframeEngine()


def both(spark_engine: SparkEngine, sqlframe_engine: SqlframeEngine) -> tuple[Lake, Lake]:
    return Lake(spark_engine).clean(), Lake(sqlframe_engine).clean()


def test_clean_data_passes_every_layer_on_spark_as_on_sqlframe(spark_engine, sqlframe_engine):
    on_spark, on_sqlframe = both(spark_engine, sqlframe_engine)
    for layer in LAYERS:
        ended, statuses = verdict(on_spark, layer)
        assert ended == "passed", ended
        assert set(statuses.values()) <= {"passed", "skipped"}, statuses
        assert (statuses["row_count"] == "skipped") == (layer == "bronze")
        assert (ended, statuses) == verdict(on_sqlframe, layer)


@pytest.mark.parametrize("name, plant, layer, overrides, failing, stops", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_planted_defect_is_caught_on_spark_as_on_sqlframe(spark_engine, sqlframe_engine, name, plant, layer,
                                                          overrides, failing, stops):
    on_spark, on_sqlframe = both(spark_engine, sqlframe_engine)
    plant(on_spark), plant(on_sqlframe)
    ended, statuses = verdict(on_spark, layer, **overrides)
    assert {check for check, status in statuses.items() if status == "failed"} == failing, statuses
    assert ended.startswith("DataQualityError") == stops, ended
    assert (ended, statuses) == verdict(on_sqlframe, layer, **overrides)


@pytest.mark.parametrize("name, plant, layer, overrides, words", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_line_on_spark_as_on_sqlframe(spark_engine, sqlframe_engine, name, plant, layer,
                                                       overrides, words):
    on_spark, on_sqlframe = both(spark_engine, sqlframe_engine)
    plant(on_spark), plant(on_sqlframe)
    ended, _ = verdict(on_spark, layer, **overrides)
    assert ended.startswith("DataQualityInputError: ") and words in ended and "\n" not in ended, ended
    assert ended == verdict(on_sqlframe, layer, **overrides)[0]


def test_rows_failing_and_the_exit_summary_match_sqlframe(spark_engine, sqlframe_engine):
    summaries = []
    for lake in both(spark_engine, sqlframe_engine):
        rows = transactions()
        lake.write("gold", rows + [("t9", "s1", -5.0, rows[0][3]), rows[0]])
        lake.write("silver", rows + rows[:2])
        summary = json.loads(lake.run("gold", fail_on_error="false")["dbutils"].notebook.exit_value)
        summaries.append({k: v for k, v in summary.items() if k not in ("table", "run_id")})
    assert summaries[0]["status"] == "failed" and summaries[0] == summaries[1]
    counts = {c["check"]: (c["rows_checked"], c["rows_failing"]) for c in summaries[0]["checks"]}
    assert counts["value_range:amount"] == (7, 1) and counts["key_unique"] == (7, 2)
    assert counts["duplicate_rows"] == (7, 1) and counts["row_count"] == (7, 0)
