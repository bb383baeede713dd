"""Data quality: where the quality notebooks live, the tables they check, where results go, and
each layer's thresholds (passed to the layer's quality task as job parameters by --fix)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

LAYER_NAMES = ("bronze", "silver", "gold", "platinum")
CHECKS = ("required_columns", "schema_drift", "row_count", "key_nulls", "key_unique", "freshness",
          "value_range", "duplicate_rows")


@dataclass(frozen=True)
class LayerThresholds:
    """A layer's thresholds; unset ones keep the notebook's own default for the layer."""
    max_age_hours: float | None = None       # freshness: newest row at most this old
    min_row_ratio: float | None = None       # row_count: rows / upstream rows at least ...
    max_row_ratio: float | None = None       # ... and at most
    reconcile_on: str | None = None          # row_count: count distinct values of these columns instead
    max_duplicate_rows: int | None = None    # duplicate_rows: exact duplicate rows allowed
    value_ranges: dict[str, tuple[float, ...]] = field(default_factory=dict)  # column -> [low, high]
    severity: dict[str, Literal["error", "warning"]] = field(default_factory=dict)  # check -> blocking or not

    def as_parameter(self) -> dict[str, Any]:
        """The set thresholds, as the notebook's `thresholds` JSON parameter holds them."""
        values = {k: v for k, v in asdict(self).items() if v is not None and v != {}}
        if self.value_ranges:
            values["value_ranges"] = {column: list(bounds) for column, bounds in self.value_ranges.items()}
        return values

    def problems(self) -> list[str]:
        """Every threshold out of range, in words (the spec refuses them before --fix writes them)."""
        found = []
        if self.max_age_hours is not None and self.max_age_hours <= 0:
            found.append(f"max_age_hours must be above 0, not {self.max_age_hours}")
        low, high = self.min_row_ratio, self.max_row_ratio
        if (low is not None and low < 0) or (low is not None and high is not None and low > high):
            found.append(f"min_row_ratio..max_row_ratio must satisfy 0 <= min <= max, not {low}..{high}")
        if self.max_duplicate_rows is not None and self.max_duplicate_rows < 0:
            found.append(f"max_duplicate_rows must be >= 0, not {self.max_duplicate_rows}")
        found += [f"value_ranges.{c} must be [low, high] with low <= high, not {list(b)}"
                  for c, b in self.value_ranges.items() if len(b) != 2 or b[0] > b[1]]
        found += [f"severity.{c}: unknown check (known: {', '.join(CHECKS)})" for c in self.severity if c not in CHECKS]
        return found


@dataclass(frozen=True)
class DataQualitySpec:
    folder: str = "/Shared/InsightPulseAI/Juicer/data_quality"
    task_suffix: str = "_quality"     # the quality task's key is <layer><suffix>
    results_table: str = "juicer.data_quality_results"
    fail_on_error: bool = True        # an error-level failure fails the task, so downstream stops
    tables: dict[str, str] = field(default_factory=dict)  # layer -> table the notebook checks
    thresholds: dict[str, LayerThresholds] = field(default_factory=dict)  # layer -> its thresholds
    run_timeout_minutes: float = 30.0  # how long --fix waits for a quality run it started (DQ-004)

    def notebook_path(self, layer: str) -> str:
        return f"{self.folder.rstrip('/')}/{layer}_quality"

    def task_key(self, layer: str) -> str:
        return f"{layer}{self.task_suffix}"

    def thresholds_parameter(self, layer: str) -> str:
        """The layer's thresholds as the job passes them ("" when the spec sets none)."""
        given = self.thresholds.get(layer)
        return json.dumps(given.as_parameter(), sort_keys=True) if given and given.as_parameter() else ""

    def problems(self) -> list[str]:
        found = [f"data_quality.thresholds.{layer}: unknown layer (layers: {', '.join(LAYER_NAMES)})"
                 for layer in self.thresholds if layer not in LAYER_NAMES]
        if self.run_timeout_minutes <= 0:
            found.append(f"data_quality.run_timeout_minutes must be above 0, not {self.run_timeout_minutes}")
        return found + [f"data_quality.thresholds.{layer}.{problem}"
                        for layer, given in self.thresholds.items() for problem in given.problems()]
