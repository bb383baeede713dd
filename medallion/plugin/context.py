"""The run's context: which spec, which mode, which endpoint; started once, in the controller.

Under pytest-xdist the controller loads the spec, starts the emulator and runs the preflight;
workers receive the emulator URL and the rest through `workerinput`, so every process audits
the same estate and the emulator runs exactly once.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from medallion.plugin.emulator import EmulatorError, EmulatorProcess
from medallion.spec import Spec, SpecError, load_all

CHECKS_DIR = Path(__file__).resolve().parents[2] / "checks"
CONTEXT = pytest.StashKey["RunContext"]()
EMULATOR = pytest.StashKey[EmulatorProcess]()


@dataclass(frozen=True)
class RunContext:
    """Plain data every process needs; crosses to xdist workers as a dict."""

    estate_path: str | None
    mode: str                      # audit | plan | fix
    sim_url: str | None = None
    sim_token: str | None = None
    fix_lock: str | None = None
    allow_disruptive: bool = False
    allow_irreversible: bool = False
    naive_reads: bool = False      # benchmark baseline: every check reads for itself
    fix_waived: bool = False       # --fix also remediates checks a valid waiver covers

    def specs(self) -> list[Spec]:
        """Every estate the spec describes (one, unless it has [estates.<name>] tables)."""
        return self._specs

    @cached_property
    def _specs(self) -> list[Spec]:
        """Read once per context: the preflight, the fixtures and the reports all ask, and fifty
        estates take a quarter of a second to read and validate."""
        return load_all(Path(self.estate_path) if self.estate_path else None, sim=self.sim_url is not None)


def targets_checks(config: pytest.Config) -> bool:
    """True when this run collects the compliance checks (not the suite's own tests)."""
    for arg in config.args or [str(config.invocation_params.dir)]:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == CHECKS_DIR or CHECKS_DIR in path.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        if "medallion" in worker:
            config.stash[CONTEXT] = RunContext(**worker["medallion"])
        return
    if not targets_checks(config) or config.option.help or config.option.collectonly:
        return
    if config.option.fix and config.option.plan:
        raise pytest.UsageError("--fix and --plan exclude each other: --plan shows what --fix would do")
    if config.option.fix_waived and not (config.option.fix or config.option.plan):
        raise pytest.UsageError("--fix-waived goes with --fix (or --plan): it lets them remediate waived checks too")
    context = _start(config)
    config.stash[CONTEXT] = context
    if context.mode == "fix" and config.getoption("dist", "no") != "no":
        # Fixes are serialised anyway, and their order matters across areas (monitoring covers
        # what security creates): under xdist, --fix runs every check on one worker, in order.
        config.option.dist = "loadgroup"
    from medallion.plugin.preflight import first_problem

    problem = first_problem(context, context.specs())
    if problem:
        _stop_emulator(config)
        raise pytest.UsageError(problem)


def _start(config: pytest.Config) -> RunContext:
    from medallion.waivers import validate as validate_waivers

    opt = config.option
    emulator = _start_emulator(config) if opt.sim else None   # starts while the spec is read
    try:
        specs = load_all(Path(opt.estate) if opt.estate else None, sim=opt.sim)
        validate_waivers(specs)
    except SpecError as error:
        _stop_emulator(config)
        raise pytest.UsageError(str(error)) from None
    mode = "fix" if opt.fix else "plan" if opt.plan else "audit"
    sim_url = sim_token = None
    if emulator is not None:
        from medallion.plugin.preflight import prepare

        prepare()
        sim_url, sim_token = _emulator_ready(config, emulator)
    lock = os.path.join(tempfile.mkdtemp(prefix="medallion-"), "fix.lock")
    return RunContext(estate_path=opt.estate, mode=mode, sim_url=sim_url, sim_token=sim_token,
                      fix_lock=lock, allow_disruptive=opt.allow_disruptive,
                      allow_irreversible=opt.allow_irreversible, naive_reads=opt.naive_reads,
                      fix_waived=opt.fix_waived)


def _start_emulator(config: pytest.Config) -> EmulatorProcess:
    config.stash[EMULATOR] = emulator = EmulatorProcess(config.option)
    return emulator


def _emulator_ready(config: pytest.Config, emulator: EmulatorProcess) -> tuple[str, str]:
    """The emulator's URL and the token of the run's `--sim-role`; a usage error if it failed."""
    try:
        url, owner, reader = emulator.ready()
    except EmulatorError as error:
        del config.stash[EMULATOR]
        raise pytest.UsageError(f"the emulator did not start: {error}") from None
    return url, reader if config.option.sim_role == "reader" else owner


def pytest_configure_node(node: Any) -> None:
    """xdist: hand each worker the controller's context (the emulator URL among it)."""
    context = node.config.stash.get(CONTEXT, None)
    if context is not None:
        node.workerinput["medallion"] = asdict(context)


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_emulator(config)


def _stop_emulator(config: pytest.Config) -> None:
    emulator = config.stash.get(EMULATOR, None)
    if emulator is not None:
        emulator.stop()
        del config.stash[EMULATOR]
