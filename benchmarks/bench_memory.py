"""Peak memory of the heavy commands against the estimate that admits them.

    python benchmarks/bench_memory.py [--only sensitivity] [--large]

Every case runs as its own process (``python -m pathway ...``, through a few lines that
report its peak as it exits): the peak is the process's own high-water mark (``VmHWM`` in
/proc/self/status) or, if larger, the largest ``ru_maxrss`` of the children it waited for,
such as ffmpeg. (The process's own ``ru_maxrss``, and what ``os.wait4`` reports for it, will
not do on Linux: they keep the resident size of the process it was started from, copied
before ``exec`` - a test worker of 1 GB made a 0.3 GB run read as 1.05 GB.)
Beside each peak it prints the estimate the command checks against the
2 GB budget (pathway.errors.MEMORY_BUDGET_BYTES) for the same arguments, with the
process's own PROCESS_BYTES added as the check adds them, and their ratio: an
estimate at or above the measured peak is what keeps every run the budget admits within it.
The default sizes stay well under 2 GB; ``--large`` adds the sizes nearest the budget.
Sizes that need more than a few GB are never run here: the estimate is checked at small
and medium sizes, where the growth with size is what matters.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pathway.errors import MEMORY_BUDGET_BYTES, PROCESS_BYTES

SCENARIO = "ketamine-iv"


def cases(large: bool) -> list[tuple[str, list[str]]]:
    """(kind, command line) pairs, smallest first within each kind."""
    out = []
    for n in (100, 400, 1200) + ((2400,) if large else ()):
        out.append(("sensitivity", ["sensitivity", "--scenario", SCENARIO, "--method", "morris",
                                    "--n", str(n), "--at", "24h,7d", "--quiet", "--json"]))
    for n in (128, 512) + ((2048,) if large else ()):
        out.append(("sensitivity", ["sensitivity", "--scenario", SCENARIO, "--method", "sobol",
                                    "--n", str(n), "--at", "24h,7d", "--quiet", "--json"]))
    for n in (10_000, 40_000) + ((100_000,) if large else ()):
        out.append(("population", ["population", "--scenario", SCENARIO, "--n", str(n),
                                   "--at", ",".join(f"{d}d" for d in range(1, 29)), "--quiet", "--json"]))
    for days in (30, 120) + ((365,) if large else ()):
        out.append(("simulate", ["simulate", "--scenario", SCENARIO, "--days", str(days),
                                 "--step", "1", "--out", "{tmp}/run.csv"]))
    for frames in (60, 180, 360) + ((720,) if large else ()):
        out.append(("animate", ["animate", "--scenario", SCENARIO, "--frames", str(frames),
                                "--out", "{tmp}/a.gif"]))
    for frames in (180,) + ((720,) if large else ()):
        out.append(("animate", ["animate", "--scenario", SCENARIO, "--frames", str(frames),
                                "--out", "{tmp}/a.html"]))
    return out


class _Estimated(BaseException):
    """Raised by the recording check: the command stops at its memory check."""


def estimate(argv: list[str]) -> float:
    """The bytes the command's own memory check asks for with ``argv``: the command runs in
    this process up to its first check, which records the amount and stops it."""
    import importlib

    def record(needed, what, hint):
        raise _Estimated(needed)

    modules = [importlib.import_module(f"pathway.{name}") for name in ("cli", "population", "simulate")]
    saved = [m.check_memory for m in modules]
    for m in modules:
        m.check_memory = record
    try:
        modules[0].main(argv)
    except _Estimated as found:
        return float(found.args[0]) + PROCESS_BYTES          # as check_memory adds it
    finally:
        for m, f in zip(modules, saved):
            m.check_memory = f
    sys.exit(f"pathway {' '.join(argv)} checked no memory estimate")


#: Runs ``python -m pathway`` with the arguments after the first, and writes the peak to
#: the file named first when it exits.
_REPORT_PEAK = """
import atexit, resource, runpy, sys
out = sys.argv.pop(1)
def report():
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w") as f:
        f.write(str(max(own, children) * 1024))
atexit.register(report)
sys.argv[0] = "pathway"
runpy.run_module("pathway", run_name="__main__", alter_sys=True)
"""


def measure(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``pathway argv`` in a process of its own; return (peak resident bytes of that
    process and its children, seconds). Linux only (it reads /proc)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peak"
        proc = subprocess.run([sys.executable, "-c", _REPORT_PEAK, str(out), *argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        if proc.returncode != 0:
            sys.exit(f"pathway {' '.join(argv)} failed ({proc.returncode}):\n"
                     f"{proc.stderr.decode(errors='replace')[-2000:]}")
        peak = float(out.read_text())
    return peak, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one kind: sensitivity, population, simulate or animate")
    parser.add_argument("--large", action="store_true", help="add the sizes nearest the budget")
    args = parser.parse_args()
    print(f"budget {MEMORY_BUDGET_BYTES / 1e9:.1f} GB; peak resident memory of each command")
    print(f"{'command':70s} {'estimate':>9s} {'measured':>9s} {'est/meas':>8s} {'time':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, argv in cases(args.large):
            if args.only and kind != args.only:
                continue
            argv = [a.replace("{tmp}", tmp) for a in argv]
            guess = estimate(argv)
            peak, seconds = measure(argv)
            shown = " ".join(a.replace(tmp + "/", "") for a in argv).replace(" --quiet --json", "")
            print(f"{shown[:70]:70s} {guess / 1e6:7.0f}MB {peak / 1e6:7.0f}MB {guess / peak:8.2f} "
                  f"{seconds:6.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
