"""Cold and warm starts of the command line: the first ``pathway simulate`` and the first
``pathway population`` on a machine compile the numba kernels; later runs load them.

    python benchmarks/bench_coldstart.py [--repeat 2]

Each command runs as a fresh process: first with an empty numba cache folder (cold: what a
new user or a new install sees), then again with the folder it filled (warm). It prints the
wall-clock time of each, which kernels the cold run compiled, and what the command said on
standard error while compiling. Then ``pathway warm-up`` fills one empty folder (as an image
build would) and every command's first run after it is timed: each should be as fast as a
warm run, and compile nothing (the folder's files are compared before and after). Nothing here is a test: times depend on the machine and its
load (give the load average beside them when quoting them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "simulate": ["simulate", "--scenario", "ketamine-iv", "--days", "1", "--out", "-"],
    "population": ["population", "--scenario", "ketamine-iv", "--n", "100", "--at", "24h", "--json",
                   "--quiet"],
    "sensitivity": ["sensitivity", "--scenario", "ketamine-iv", "--method", "morris", "--n", "4",
                    "--at", "24h", "--json", "--quiet"],
}


def run(argv, cache: Path) -> tuple[float, str]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pathway", *argv], env=env, capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"pathway {' '.join(argv)} failed:\n{done.stderr}")
    return seconds, done.stderr.strip()


def cache_files(cache: Path) -> dict[str, tuple[int, int]]:
    """Each cache file's size and modification time: a compile changes them."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in cache.rglob("*.nb*")}


def after_warm_up() -> None:
    """``pathway warm-up`` into an empty folder, then the first run of every command."""
    cache = Path(tempfile.mkdtemp(prefix="pathway-bench-numba-"))
    try:
        seconds, _ = run(["warm-up"], cache)
        print(f"pathway warm-up    {seconds:6.1f} s   into an empty folder")
        for name, argv in COMMANDS.items():
            before = cache_files(cache)
            first, _ = run(argv, cache)
            compiled = sorted(Path(p).name.split(".py")[0] for p, v in cache_files(cache).items()
                              if before.get(p) != v and p.endswith(".nbi"))
            print(f"pathway {name:10s} first run after warm-up {first:5.1f} s   compiled: "
                  f"{', '.join(compiled) or 'nothing'}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="cold/warm pairs per command")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.1f}")
    for name, argv in COMMANDS.items():
        for _ in range(args.repeat):
            cache = Path(tempfile.mkdtemp(prefix="pathway-bench-numba-"))
            try:
                cold, said = run(argv, cache)
                compiled = sorted(p.name.split(".py")[0] for p in cache.rglob("*.nbi"))
                warm, _ = run(argv, cache)
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            print(f"pathway {name:10s} cold {cold:6.1f} s   warm {warm:5.1f} s   compiled: "
                  f"{', '.join(compiled) or 'nothing'}")
            for line in said.splitlines():
                if line.startswith("compiling"):
                    print(f"    said: {line}")
    after_warm_up()
    return 0


if __name__ == "__main__":
    sys.exit(main())
