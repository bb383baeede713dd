"""`python -m medallion.emulator`: run the emulator in the foreground until Ctrl-C.

`pytest checks/ --sim` runs it this way too, as a child process (`medallion.plugin.emulator`): the
requests it serves then cost the run's process no CPU, as a real endpoint's would not.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from medallion.emulator import OWNER_TOKEN, READER_TOKEN, Emulator, Faults, load_scenario
from medallion.emulator.scenario import embedded_scenario

READY = "medallion emulator at "
"""How the first line of standard output starts, the URL following it: the run waits for it."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="medallion-emulator",
                                description="Loopback emulator of Azure Resource Manager and Databricks.")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    seed = p.add_mutually_exclusive_group()
    seed.add_argument("--scenario", type=Path, help="scenario JSON (default: the built-in half-finished estate)")
    seed.add_argument("--estate", type=Path, metavar="SPEC",
                      help="the built-in estate under this estate spec's names, one copy per estate")
    p.add_argument("--state", type=Path, help="state file: loaded if present, saved on every change and at exit")
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every request")
    p.add_argument("--throttle-rate", type=float, default=0.0, help="share of requests answered 429")
    p.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 503")
    p.add_argument("--lro-ms", type=int, default=0,
                   help="how long each long-running operation stays Creating/Updating before Succeeded, "
                        "and each job run started by jobs/run-now stays PENDING/RUNNING")
    p.add_argument("--fail-operation", default="", metavar="TEXT",
                   help="long-running operations on resources whose id contains TEXT end Failed")
    p.add_argument("--seed", type=int, default=None, help="seed for the fault dice")
    p.add_argument("--exit-with", type=int, default=None, metavar="PID",
                   help="stop (saving the state) when process PID has ended: a run's emulator never outlives it")
    return p


def _scenario(args: argparse.Namespace) -> dict[str, Any]:
    from medallion.spec import SpecError, load_all

    if args.scenario:
        return load_scenario(args.scenario)
    try:
        return embedded_scenario(load_all(args.estate, sim=True))
    except SpecError as error:
        raise ValueError(str(error)) from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        faults = Faults(args.latency_ms, args.throttle_rate, args.error_rate, args.seed,
                        args.lro_ms, args.fail_operation)
        emulator = Emulator(_scenario(args), state_path=args.state, faults=faults, port=args.port).start()
    except (ValueError, OSError) as exc:
        print(f"medallion-emulator: {exc}", file=sys.stderr)
        return 2
    stopped = threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # Ctrl-C stops cleanly, wherever it lands
        signal.signal(stop_signal, lambda *_: stopped.set())
    print(f"{READY}{emulator.url} (owner token: {OWNER_TOKEN}, reader token: {READER_TOKEN}); Ctrl-C stops",
          flush=True)
    while not stopped.wait(0.5):
        if args.exit_with is not None and not _alive(args.exit_with):
            break
    emulator.stop()
    saved = f"; state saved to {args.state}" if args.state else ""
    print(f"medallion emulator stopped{saved}", flush=True)
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main())
