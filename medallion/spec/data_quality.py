"""Data quality: where the quality notebooks live, the tables they check, where results go."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataQualitySpec:
    folder: str = "/Shared/InsightPulseAI/Juicer/data_quality"
    task_suffix: str = "_quality"     # the quality task's key is <layer><suffix>
    results_table: str = "juicer.data_quality_results"
    fail_on_error: bool = True        # an error-level failure fails the task, so downstream stops
    tables: dict[str, str] = field(default_factory=dict)  # layer -> table the notebook checks

    def notebook_path(self, layer: str) -> str:
        return f"{self.folder.rstrip('/')}/{layer}_quality"

    def task_key(self, layer: str) -> str:
        return f"{layer}{self.task_suffix}"
