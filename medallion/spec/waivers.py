"""Waivers: recorded, expiring exceptions to a requirement, as the estate spec declares them.

    [[waivers]]
    requirement = "SEC-004"          # a requirement id
    estate = "prod"                  # optional: one estate; absent = every estate
    target = "bronze"                # optional: one parametrised case (a layer)
    justification = "partner SFTP range not yet on the allow-list"
    owner = "platform-team@example.com"
    expires = 2027-03-31             # a TOML date; the waiver holds through that day
    ticket = "CHG-1234"              # optional

Read here with messages of their own rather than through the generic schema walker, so a bad
entry is named the way a reader finds it in the file: "[[waivers]] #2 (SEC-004)".
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from medallion.spec.schema import SpecError

REQUIRED = ("requirement", "justification", "owner", "expires")
OPTIONAL = ("estate", "target", "ticket")


@dataclass(frozen=True)
class Waiver:
    """One exception: which check (and which estate and case), why, who owns it, until when."""

    requirement: str
    justification: str
    owner: str
    expires: dt.date
    estate: str = ""
    target: str = ""
    ticket: str = ""
    entry: str = ""   # where it is declared: "prod.toml [[waivers]] #2 (SEC-004)"


def parse_waivers(entries: Any, *, source: str) -> tuple[Waiver, ...]:
    """Validate every `[[waivers]]` entry; the first bad one stops the run with one line."""
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise SpecError(f"{source}: 'waivers' must be an array of tables ([[waivers]])")
    return tuple(_waiver(entry, source=source, number=index + 1) for index, entry in enumerate(entries))


def _waiver(entry: dict[str, Any], *, source: str, number: int) -> Waiver:
    requirement = entry.get("requirement")
    label = f"[[waivers]] #{number}" + (f" ({requirement})" if isinstance(requirement, str) and requirement else "")
    named = f"{source}: {label}"
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise SpecError(f"{named}: unknown key '{unknown[0]}' (known keys: "
                        f"{', '.join(sorted(REQUIRED + OPTIONAL))})")
    for key in REQUIRED:
        if entry.get(key) in (None, ""):
            raise SpecError(f"{named}: missing '{key}' (every waiver needs {', '.join(REQUIRED)})")
    expires = entry["expires"]
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        raise SpecError(f"{named}: 'expires' must be a TOML date such as 2027-03-31 (unquoted), "
                        f"found {expires!r}")
    for key in ("requirement", "justification", "owner", *OPTIONAL):
        if key in entry and not isinstance(entry[key], str):
            raise SpecError(f"{named}: '{key}' must be a string, found {entry[key]!r}")
    return Waiver(**entry, entry=f"{source} {label}")
