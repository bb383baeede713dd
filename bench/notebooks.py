"""How long do the four quality notebooks take on real Spark and on sqlframe/DuckDB? Prints
figures; asserts nothing.

Runs each layer's notebook, exactly as --fix imports it, over small clean tables (the tests'
lake), `--repeat` times per engine, and prints the Spark session's start-up, the first (cold)
pass and the best warm pass of all four notebooks. Spark needs Java (see the README).

    .venv/bin/python bench/notebooks.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from quality_lake import LAYERS, Lake, SparkEngine, SqlframeEngine, spark_session  # noqa: E402


def four_notebooks(engine: Any) -> float:
    """Seconds to run the four layers' notebooks once over a fresh clean lake (tables not counted)."""
    lake = Lake(engine).clean()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # each notebook prints its results
        for layer in LAYERS:
            lake.run(layer)
    return time.perf_counter() - started


def passes(engine: Any, repeat: int) -> str:
    times = [four_notebooks(engine) for _ in range(repeat)]
    return f"first pass {times[0]:.2f} s, best of {repeat} {min(times):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"four quality notebooks, sqlframe/DuckDB: {passes(SqlframeEngine(), options.repeat)}")
    with tempfile.TemporaryDirectory() as warehouse:
        started = time.perf_counter()
        session = spark_session(warehouse)
        start_up = time.perf_counter() - started
        try:
            print(f"four quality notebooks, Spark local[2]:  {passes(SparkEngine(session), options.repeat)} "
                  f"(+ {start_up:.2f} s session start-up)")
        finally:
            session.stop()


if __name__ == "__main__":
    main()
