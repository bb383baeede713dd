"""`python -m medallion.emulator`: run the emulator in the foreground until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from medallion.emulator import OWNER_TOKEN, READER_TOKEN, Emulator, Faults, builtin_scenario, load_scenario


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="medallion-emulator",
                                description="Loopback emulator of Azure Resource Manager and Databricks.")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    p.add_argument("--scenario", type=Path, help="scenario JSON (default: the built-in half-finished estate)")
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        scenario = load_scenario(args.scenario) if args.scenario else builtin_scenario()
        faults = Faults(args.latency_ms, args.throttle_rate, args.error_rate, args.seed,
                        args.lro_ms, args.fail_operation)
        emulator = Emulator(scenario, state_path=args.state, faults=faults, port=args.port).start()
    except (ValueError, OSError) as exc:
        print(f"medallion-emulator: {exc}", file=sys.stderr)
        return 2
    stopped = threading.Event()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # Ctrl-C stops cleanly, wherever it lands
        signal.signal(stop_signal, lambda *_: stopped.set())
    print(f"medallion emulator at {emulator.url} (owner token: {OWNER_TOKEN}, "
          f"reader token: {READER_TOKEN}); Ctrl-C stops", flush=True)
    while not stopped.wait(0.5):
        pass
    emulator.stop()
    saved = f"; state saved to {args.state}" if args.state else ""
    print(f"medallion emulator stopped{saved}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
