"""The embedded estate's emulator as a child process of the run (`pytest checks/ --sim`).

Out of process, the requests it serves take the run's process no CPU, as a real endpoint's would
not, and run on the machine's other core instead of queueing for the run's interpreter lock; it
starts while pytest is still loading. It stops when the run ends (saving `--sim-state` first),
and on its own if the run's process dies without stopping it (`--exit-with`).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import IO, Any

READY = re.compile(r"medallion emulator at (?P<url>\S+) \(owner token: (?P<owner>[^,]+), "
                   r"reader token: (?P<reader>[^)]+)\)")
"""The first line the emulator prints (medallion.emulator.__main__, not imported here: the run's
process need not load the emulator at all)."""
START_TIMEOUT = 30.0
STOP_TIMEOUT = 60.0


class EmulatorError(Exception):
    """The emulator did not start: its one-line reason."""


class EmulatorProcess:
    """`python -m medallion.emulator` with the run's options; `ready()` gives its URL and the
    tokens it accepts (owner, reader)."""

    def __init__(self, options: Any) -> None:
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self._process = subprocess.Popen([sys.executable, "-m", "medallion.emulator", *command_line(options)],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log,
                                         text=True, cwd=Path.cwd())
        self._ready: re.Match[str] | None = None

    def ready(self) -> tuple[str, str, str]:
        """Wait for the emulator's first line: its URL, owner token and reader token.
        EmulatorError with its one-line reason if it exited instead, or said nothing in time."""
        if self._ready is None:
            stdout: IO[str] = self._process.stdout  # type: ignore[assignment]
            with ThreadPoolExecutor(max_workers=1) as waiting:   # a pipe's readline has no timeout
                first = waiting.submit(stdout.readline)
                try:
                    line = first.result(timeout=START_TIMEOUT)
                except FutureTimeout:
                    self._process.kill()    # ends the read too
                    raise EmulatorError(f"it said nothing in {START_TIMEOUT:.0f} s") from None
            self._ready = READY.match(line)
            if self._ready is None:
                self.stop()
                raise EmulatorError(self._reason())
        return self._ready["url"], self._ready["owner"], self._ready["reader"]

    def stop(self) -> None:
        """Stop it and wait while it saves its state; a hung one is killed."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()

    def _reason(self) -> str:
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().splitlines() if line.strip()]
        last = lines[-1] if lines else f"it exited with status {self._process.returncode}"
        return last.removeprefix("medallion-emulator: ")


def command_line(options: Any) -> list[str]:
    """The emulator's arguments for a run's `--sim*` options (and its `--estate`)."""
    args = ["--latency-ms", str(options.sim_latency_ms), "--throttle-rate", str(options.sim_throttle_rate),
            "--error-rate", str(options.sim_error_rate), "--lro-ms", str(options.sim_lro_ms),
            "--fail-operation", options.sim_fail_operation, "--exit-with", str(os.getpid())]
    if options.sim_scenario:
        args += ["--scenario", str(Path(options.sim_scenario).resolve())]
    elif options.estate:
        args += ["--estate", str(Path(options.estate).resolve())]
    if options.sim_state:
        args += ["--state", str(Path(options.sim_state).resolve())]
    return args
