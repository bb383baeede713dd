"""Helpers for the report tests: one suite run that writes every report, and their text."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suite import Outcome, run_checks


@dataclass
class Reports:
    """A run and the files it wrote."""

    run: Outcome
    html: Path
    junit: Path
    asbuilt: Path

    def text(self) -> dict[str, str]:
        """Every output of the run by name (terminal included)."""
        return {"terminal": self.run.output, "html": self.html.read_text(), "junit": self.junit.read_text(),
                "as-built": self.asbuilt.read_text() if self.asbuilt.exists() else "",
                "json": str(self.run.records)}


def run_with_reports(tmp_path: Path, *args: str, state: Path | None = None, tag: str = "run",
                     **kwargs: Any) -> Reports:
    """`pytest checks/` with --html, --junitxml and --as-built into tmp_path."""
    html, junit, asbuilt = tmp_path / f"{tag}.html", tmp_path / f"{tag}.xml", tmp_path / f"{tag}-ARCH.md"
    run = run_checks(state or tmp_path / "state.json", f"--html={html}", "--self-contained-html",
                     f"--junitxml={junit}", f"--as-built={asbuilt}", *args, **kwargs)
    return Reports(run, html, junit, asbuilt)
