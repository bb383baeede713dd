"""The estate spec: one TOML file naming every resource and threshold the suite checks.

The repository's `medallion.toml` holds the defaults; `--estate PATH` layers a file of your own on
top, so an override names only what differs. Both are validated strictly: a typo must stop the run
rather than silently audit the wrong thing.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from medallion.spec.areas import AreasSpec
from medallion.spec.compute import ComputeSpec
from medallion.spec.data_quality import DataQualitySpec
from medallion.spec.estate import EstateNames
from medallion.spec.monitoring import MonitoringSpec
from medallion.spec.schema import SpecError, build
from medallion.spec.security import SecuritySpec
from medallion.spec.storage import StorageSpec
from medallion.spec.target import Target
from medallion.spec.waivers import Waiver, parse_waivers

DEFAULTS = Path(__file__).resolve().parents[2] / "medallion.toml"
SIM_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

__all__ = ["Spec", "SpecError", "load", "load_all", "DEFAULTS", "SIM_SUBSCRIPTION"]


@dataclass(frozen=True)
class Spec:
    """Everything the checks compare against. `source` names the file(s) it came from."""

    estate: EstateNames
    target: Target = field(default_factory=Target)
    storage: StorageSpec = field(default_factory=StorageSpec)
    monitoring: MonitoringSpec = field(default_factory=MonitoringSpec)
    security: SecuritySpec = field(default_factory=SecuritySpec)
    compute: ComputeSpec = field(default_factory=ComputeSpec)
    data_quality: DataQualitySpec = field(default_factory=DataQualitySpec)
    areas: AreasSpec = field(default_factory=AreasSpec)
    waivers: tuple[Waiver, ...] = ()
    source: str = "medallion.toml"
    name: str = "default"  # the estate's name when the spec describes several

    @property
    def subscription_id(self) -> str:
        return self.target.subscription_id

    def rg_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.estate.resource_group}"

    def resource_id(self, provider_type: str, name: str) -> str:
        """The ARM id of a resource of `provider_type` ("Microsoft.Storage/storageAccounts")."""
        return f"{self.rg_id()}/providers/{provider_type}/{name}"


def load(path: Path | None = None, *, sim: bool = False) -> Spec:
    """The spec of the one estate `path` describes (the first, when it describes several)."""
    return load_all(path, sim=sim)[0]


def load_all(path: Path | None = None, *, sim: bool = False) -> list[Spec]:
    """Read the defaults, layer `path` over them, validate, and settle each subscription.

    A spec may describe several estates under `[estates.<name>]`, each layered over the rest of
    the file (for example dev, test and prod, or one per subscription); without that table it
    describes one estate named "default".
    """
    table = _read(DEFAULTS)
    source = DEFAULTS.name
    if path is not None and Path(path).resolve() != DEFAULTS:
        table = _merge(table, _read(Path(path)))
        source = str(path)
    estates = table.pop("estates", None) or {"default": {}}
    if not isinstance(estates, dict) or not all(isinstance(v, dict) for v in estates.values()):
        raise SpecError(f"{source}: 'estates' must be a table of tables ([estates.<name>])")
    specs = []
    for name, overrides in estates.items():
        at = f"estates.{name}" if name != "default" or overrides else ""
        merged = {**_merge(table, overrides), "source": source, "name": name}
        waivers = parse_waivers(merged.pop("waivers", []), source=source)
        spec = build(Spec, merged, source=source + (f" [{at}]" if at else ""))
        if spec.data_quality.problems():  # a threshold out of range would only fail later, in the job
            raise SpecError(f"{source}: {spec.data_quality.problems()[0]}")
        specs.append(replace(spec, waivers=waivers,
                             target=replace(spec.target, subscription_id=_subscription(spec, sim))))
    _check_waiver_estates(specs)
    return specs


def _check_waiver_estates(specs: list[Spec]) -> None:
    """A waiver naming an estate the spec does not describe would silently waive nothing."""
    names = [spec.name for spec in specs]
    for waiver in (waiver for spec in specs for waiver in spec.waivers):
        if waiver.estate and waiver.estate not in names:
            raise SpecError(f"{waiver.entry}: estate '{waiver.estate}' matches no estate of this spec "
                            f"(estates: {', '.join(names)})")


def _subscription(spec: Spec, sim: bool) -> str:
    chosen = spec.target.subscription_id or os.environ.get("AZURE_SUBSCRIPTION_ID", "")
    if sim:
        return spec.target.subscription_id or SIM_SUBSCRIPTION
    if not chosen:
        raise SpecError(f"{spec.source}: missing value 'target.subscription_id' "
                        "(set it in the spec or export AZURE_SUBSCRIPTION_ID; or try --sim)")
    return chosen


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SpecError(f"{path}: estate spec not found (pass an existing file to --estate)") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML ({error})") from None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
