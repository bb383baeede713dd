"""The estate as observed: every cloud read goes through here, once per run.

`Estate` memoises each read behind a future, so concurrent checks asking for the same resource
share one request, and `prefetch` starts the reads of the selected areas together. Each area's
readers live in a module of their own (`medallion.observe.storage`, ...) and are reached as
`estate.storage`. A 404 is an observation (None); any other failure raises CloudError.
"""
from medallion.observe.estate import Estate, register_area

__all__ = ["Estate", "register_area"]
