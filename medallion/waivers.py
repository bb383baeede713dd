"""Which waiver covers a check, and how it stands today: active, expiring soon, expired, or no
longer needed because the check passes.

A waiver's `target` names one parametrised case: it matches a case when it equals one of the
case's parameter values other than the estate (CMP-001[bronze] has the value "bronze"; with
several estates CMP-001[prod-bronze] still has "bronze"). A waiver without a target covers every
case of its requirement; one without an estate covers every estate.
"""
from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path
from typing import Any, Iterable

from medallion.spec import Spec, SpecError
from medallion.spec.waivers import Waiver

SOON_DAYS = 14
CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"
FIELDS = ("status", "entry", "requirement", "estate", "target", "justification", "owner", "expires",
          "days_left", "ticket")


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def case_values(params: dict[str, Any]) -> set[str]:
    """The values that name one parametrised case, the estate left out."""
    return {str(value) for name, value in params.items() if name != "spec"}


def covering(waivers: Iterable[Waiver], requirement_id: str, estate: str,
             params: dict[str, Any]) -> Waiver | None:
    """The waiver that applies to this case, the most specific first (target, then estate)."""
    values = case_values(params)
    found = [w for w in waivers if w.requirement == requirement_id and w.estate in ("", estate)
             and (not w.target or w.target in values)]
    return max(found, key=lambda w: (bool(w.target), bool(w.estate)), default=None)


def standing(waiver: Waiver, *, passed: bool, on: dt.date | None = None) -> dict[str, Any]:
    """The waiver as plain data for every report, with its days left and status today."""
    days = (waiver.expires - (on or today())).days
    status = ("unneeded" if passed else "expired" if days < 0
              else "expiring" if days <= SOON_DAYS else "active")
    return {"status": status, "entry": waiver.entry, "requirement": waiver.requirement,
            "estate": waiver.estate or "all", "target": waiver.target or "all",
            "justification": waiver.justification, "owner": waiver.owner,
            "expires": waiver.expires.isoformat(), "days_left": days, "ticket": waiver.ticket}


def describe(info: dict[str, Any]) -> str:
    """One line: which waiver, until when, how long is left, who owns it and why."""
    days = info["days_left"]
    ticket = f", ticket {info['ticket']}" if info.get("ticket") else ""
    who = f"owner {info['owner']}{ticket}: {info['justification']}"
    if days < 0:
        return f"Waiver {info['entry']} expired on {info['expires']} ({-days} day(s) ago); renew it or fix the check ({who})"
    return f"{info['entry']} until {info['expires']} ({days} day(s) left), {who}"


def to_props(info: dict[str, Any]) -> list[tuple[str, Any]]:
    """Flat user properties, so JUnit XML shows each field of the waiver as its own property."""
    return [(f"waiver_{key}", info[key]) for key in FIELDS]


def from_props(props: dict[str, Any]) -> dict[str, Any] | None:
    if "waiver_status" not in props:
        return None
    return {key: props.get(f"waiver_{key}") for key in FIELDS}


def validate(specs: list[Spec]) -> None:
    """Refuse waivers that would silently waive nothing: an unknown id or an unmatched target."""
    waivers = {waiver for spec in specs for waiver in spec.waivers}
    if not waivers:
        return
    from medallion.requirement import CATALOGUE

    load_catalogue()
    for waiver in sorted(waivers, key=lambda w: w.entry):
        requirement = CATALOGUE.get(waiver.requirement)
        if requirement is None:
            raise SpecError(f"{waiver.entry}: unknown requirement id '{waiver.requirement}' "
                            f"(known: {', '.join(sorted(CATALOGUE))})")
        if waiver.target:
            _check_target(waiver, cases(requirement.check))


def _check_target(waiver: Waiver, known: list[str]) -> None:
    if not known:
        raise SpecError(f"{waiver.entry}: target '{waiver.target}' matches nothing: {waiver.requirement} "
                        "has no parametrised cases (drop 'target' to waive it whole)")
    if waiver.target not in known:
        raise SpecError(f"{waiver.entry}: target '{waiver.target}' matches no case of {waiver.requirement} "
                        f"(its cases: {', '.join(known)})")


def cases(check: Any) -> list[str]:
    """The parameter values a check is parametrised over (its layers), from its marks."""
    values: list[str] = []
    for mark in getattr(check, "pytestmark", []):
        if mark.name == "parametrize" and len(mark.args) > 1:
            values += [str(value) for value in mark.args[1]]
    return values


def load_catalogue() -> None:
    """Import every check module the way pytest's collection does (so it reuses them), to know
    every requirement id even when this run selects only some files."""
    if str(CHECKS_DIR) not in sys.path:
        sys.path.insert(0, str(CHECKS_DIR))
    for path in sorted(CHECKS_DIR.glob("check_*.py")):
        importlib.import_module(path.stem)
