"""The nightly gate: fail when compliance regressed against the previous run.

    python -m medallion.report.gate --current reports/results.json [--previous prev.json]

Exit 0 when no check that passed (or did not exist) last time fails now; 1 on a regression
(each new failure listed), 2 when the current results are missing or unreadable, which is how a
run that never got to its checks (no credentials, wrong spec) still fails the pipeline. With no
previous file, every failing check counts as new: the first night sets the baseline. A waived
check is not a failure (newly waived is neither fixed nor regressed); each is listed with its
waiver's justification, owner, expiry and days left. An expired waiver's check fails again.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from medallion.report.drift import carry_forward, drift_of, failing_for, label, load_previous
from medallion.waivers import describe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medallion.report.gate", description=__doc__.splitlines()[0])
    parser.add_argument("--current", required=True, help="this run's --results-json file")
    parser.add_argument("--previous", help="the previous run's results (absent on the first run)")
    args = parser.parse_args(argv)
    try:
        current = load_previous(args.current)
        previous = load_previous(args.previous)
    except ValueError as error:
        print(f"compliance gate: {error}", file=sys.stderr)
        return 2
    if current is None:
        print(f"compliance gate: {args.current} not found: the audit did not run to the end; "
              "see its output above", file=sys.stderr)
        return 2
    carry_forward(current, previous if previous is not None else [])
    drift = drift_of(current, compared=True)
    for record in drift.newly_fixed:
        print(f"newly fixed:   {label(record)} {record.get('title', '')}")
    for record in drift.still_failing:
        print(f"still failing: {label(record)} (for {failing_for(record)}) {record.get('title', '')}")
    for record in drift.new_failures:
        print(f"NEW FAILURE:   {label(record)} {record.get('verdict')}: {record.get('title', '')}{_expired(record)}")
    for record in (r for r in current if r.get("verdict") == "waived" and r.get("waiver")):
        new = " (newly waived)" if record.get("drift") == "newly waived" else ""
        print(f"waived:        {label(record)}{new}: {describe(record['waiver'])}")
    if drift.regressed:
        print(f"compliance regressed: {len(drift.new_failures)} new failure(s)", file=sys.stderr)
        return 1
    print(f"no regression ({len(drift.still_failing)} still failing, {len(drift.newly_fixed)} newly fixed, "
          f"{len(drift.newly_waived)} newly waived)")
    return 0


def _expired(record: dict[str, Any]) -> str:
    waiver = record.get("waiver") or {}
    return f" ({describe(waiver)})" if waiver.get("status") == "expired" else ""


if __name__ == "__main__":
    sys.exit(main())
