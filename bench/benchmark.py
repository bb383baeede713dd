"""How fast is an audit, and how many requests does it make? Prints figures; asserts nothing.

For a full audit of the embedded estate at 0, 100 and 200 ms added latency per request, it prints
wall time, requests served and requests per check, for the suite (one cached observer, areas
prefetched concurrently) and for a naive baseline (`--naive-reads`: every check reads for itself,
serially). For the suite it also prints the sequential request rounds on the critical path (from
the emulator's request log: a round is a maximal set of overlapping requests), the floor a run
cannot beat (start-up + SDK imports + rounds x latency) and the suite's ratio to it. Then `--fix`
of the half-finished estate: writes, sequential write rounds, wall time at `--fix-latency` and its
ratio to the audit at that latency; what `-k security` pays (requests to Databricks, whether
databricks.sdk was imported); and fifty estates in one run against one. Start-up, imports, the
suite's audits, the --fix compared with them and the estates comparison are the fastest of
`--repeat` runs (the machine is shared).

    .venv/bin/python bench/benchmark.py [--latencies 0,100,200] [--fix-latency 100] [--estates 50] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from medallion.emulator.rounds import longest_chain, rounds

REPO = Path(__file__).resolve().parents[1]


def audit(workdir: Path, *args: str, importtime: bool = False) -> dict[str, float]:
    """One `pytest checks/ --sim` run: wall time, requests served, checks run."""
    state, results = workdir / "state.json", workdir / "results.json"
    for path in (state, results):
        path.unlink(missing_ok=True)
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "pytest", "checks/",
               "--sim", "--sim-state", str(state), "--results-json", str(results), "-q", "-p", "no:randomly", *args]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    requests = json.loads(state.read_text())["requests"] if state.exists() else []
    checks = len(json.loads(results.read_text())) if results.exists() else 0
    writes = [r for r in requests if r["method"] not in ("GET", "HEAD")]
    return {"wall": wall, "requests": len(requests), "checks": checks, "rounds": rounds(requests),
            "depth": longest_chain(requests),
            "writes": len(writes), "write_rounds": rounds(writes),
            "databricks_requests": sum(r["path"].startswith("/api/") for r in requests),
            "imports_databricks_sdk": "databricks.sdk" in proc.stderr if importtime else None}


def fastest(repeat: int, workdir: Path, *args: str) -> dict[str, float]:
    """The fastest of `repeat` identical audits: on a shared machine, noise only ever adds time."""
    return min((audit(workdir, *args) for _ in range(max(1, repeat))), key=lambda figures: figures["wall"])


def startup(workdir: Path) -> float:
    """Process start, plugin, spec, emulator and preflight, with no check run."""
    return audit(workdir, "-m", "no_such_marker_selects_nothing")["wall"]


SDKS = ("azure.mgmt.resource.resources", "azure.mgmt.storage", "azure.mgmt.network", "azure.mgmt.keyvault",
        "azure.mgmt.monitor", "azure.mgmt.automation", "azure.mgmt.privatedns", "azure.mgmt.databricks",
        "azure.mgmt.loganalytics")


def sdk_imports() -> float:
    """What importing every SDK a full audit uses costs a fresh process (paid once per run): the
    Resource Manager clients, and databricks.sdk as the suite imports it (`import_sdk`), with the
    collector tuned as the run tunes it (`medallion.plugin.heap`)."""
    code = ("import gc, time; from medallion.plugin.heap import FULL_PASS_EVERY; from medallion.cloud.databricks "
            "import import_sdk; gc.set_threshold(*gc.get_threshold()[:2], FULL_PASS_EVERY); t = time.perf_counter(); "
            f"import {', '.join(SDKS)}; import_sdk(); print(time.perf_counter() - t)")
    return float(subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True).stdout)


def row(label: str, figures: dict[str, float]) -> str:
    per_check = figures["requests"] / figures["checks"] if figures["checks"] else 0.0
    return (f"{label:<28} {figures['wall']:>8.2f} s {figures['requests']:>9} "
            f"{figures['checks']:>7} {per_check:>10.2f}")


def estates_spec(workdir: Path, count: int) -> Path:
    tables = [f'[estates.e{i:02d}.estate]\nresource_group = "rg-juicer-e{i:02d}"\n'
              f'storage_account = "juicere{i:02d}storage"\n' for i in range(count)]
    path = workdir / "estates.toml"
    path.write_text("\n".join(tables))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latencies", default="0,100,200")
    parser.add_argument("--fix-latency", type=int, default=100)
    parser.add_argument("--estates", type=int, default=50)
    parser.add_argument("--lro-ms", type=int, default=1000, help="a realistic long-running operation time")
    parser.add_argument("--repeat", type=int, default=3, help="audits and the estates comparison: fastest of N")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        began = min(startup(workdir) for _ in range(max(1, options.repeat)))
        imports = min(sdk_imports() for _ in range(max(1, options.repeat)))
        print(f"start-up (no check run): {began:.2f} s; importing the SDKs a full audit uses: {imports:.2f} s\n")
        print(f"{'full audit':<28} {'wall':>10} {'requests':>9} {'checks':>7} {'req/check':>10}")
        audits = {}
        for latency in [int(x) for x in options.latencies.split(",")]:
            lat = ("--sim-latency-ms", str(latency))
            audits[latency] = suite = fastest(options.repeat, workdir, *lat)
            print(row(f"suite, {latency} ms", suite))
            floor = began + imports + suite["rounds"] * latency / 1000
            print(f"{'':<28} {suite['rounds']} sequential rounds; floor {floor:.2f} s; "
                  f"suite/floor {suite['wall'] / floor:.2f}; "
                  f"goal start-up+imports+5 round trips = {began + imports + 5 * latency / 1000:.2f} s")
            print(row(f"naive baseline, {latency} ms", audit(workdir, *lat, "--naive-reads")))
        deep = audit(workdir, "--sim-latency-ms", "2000")
        print(f"{'':<28} dependency depth: {deep['depth']} sequential requests, the preflight's included "
              "(the longest chain at 2000 ms, where CPU gaps between requests cannot lengthen it)")
        fix_latency = options.fix_latency
        # the fastest of as many runs as the audit it is compared with: noise only ever adds time
        fixed = fastest(options.repeat, workdir, "--sim-latency-ms", str(fix_latency), "--fix", "--allow-disruptive",
                        "--allow-irreversible")
        base = audits.get(fix_latency) or audit(workdir, "--sim-latency-ms", str(fix_latency))
        print(f"\n--fix of the half-finished estate at {fix_latency} ms: {fixed['writes']} writes in "
              f"{fixed['write_rounds']} sequential write rounds, {fixed['requests']} requests in "
              f"{fixed['rounds']} rounds, {fixed['wall']:.2f} s = {fixed['wall'] / base['wall']:.2f}x "
              f"the audit ({base['wall']:.2f} s)\n")
        for lro in (0, options.lro_ms):     # audit, then --fix of the fresh estate, operations taking `lro`
            slow = ("--sim-lro-ms", str(lro))
            print(row(f"audit, operations {lro} ms", audit(workdir, *slow)))
            print(row(f"--fix, operations {lro} ms", audit(workdir, *slow, "--fix", "--allow-disruptive",
                                                           "--allow-irreversible")))
        security = audit(workdir, "-k", "security", importtime=True)
        print(f"\n-k security: {security['requests']} requests, {security['databricks_requests']} to Databricks, "
              f"databricks.sdk imported: {security['imports_databricks_sdk']}, {security['wall']:.2f} s")
        many = fastest(options.repeat, workdir, "--estate", str(estates_spec(workdir, options.estates)),
                       "-k", "storage or security")
        one = fastest(options.repeat, workdir, "-k", "storage or security")
        print(f"{options.estates} estates in one run (storage+security): {many['wall']:.2f} s, "
              f"{many['checks']} checks, {many['requests']} requests; one estate: {one['wall']:.2f} s, "
              f"ratio {many['wall'] / one['wall']:.2f}x; "
              f"{options.estates} separate runs ~ {one['wall'] * options.estates:.2f} s")


if __name__ == "__main__":
    main()
