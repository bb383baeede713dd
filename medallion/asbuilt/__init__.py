"""The as-built architecture document, `MEDALLION_ENHANCED_ARCHITECTURE.md`, written from what the
run observed (never from the spec's wishes), each part with this run's compliance verdicts.

One small renderer per area (`medallion/asbuilt/<area>.py`, a `render(estate, verdicts)` function)
is listed in `RENDERERS`; a section appears only when its area's readers exist in this tree and
the renderer found something to describe. Rendering only reads, through the run's cached observer.
"""
from __future__ import annotations

# section key -> "module:function"; "estate" is the core (resource group, workspace) section.
# An area's section renders only when that area has readers (medallion.observe.estate.AREA_READERS).
RENDERERS: dict[str, str] = {
    "estate": "medallion.asbuilt.core:render",
    "compute": "medallion.asbuilt.layers:render",
    "storage": "medallion.asbuilt.storage:render",
    "monitoring": "medallion.asbuilt.monitoring:render",
    "security": "medallion.asbuilt.security:render",
}

DEFAULT_NAME = "MEDALLION_ENHANCED_ARCHITECTURE.md"
