"""Benchmark the core: one 8-week simulation of `ketamine-iv` and of `ssri`, and
the whole-process time of `pathway simulate`.

    python benchmarks/bench_core.py [--repeat N]

Reference points from the issue (same kind of machine): a compiled SBML
simulator (libroadrunner) needs about 23 ms for an 8-week, 15-state model with
daily doses; scipy's solve_ivp restarted at every dose needed 110-1000 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def timed(fn, repeat):
    fn()                                     # warm: JIT cache loaded, model parsed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from pathway import compile_model, load_model, simulate

    model = load_model()
    system = compile_model(model)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"model: {len(model.nodes)} nodes, {len(model.edges)} edges, "
          f"{system.initial_state().size} states ({system.n_pk} pharmacokinetic modes)")
    print()
    print(f"{'8 weeks':34s} {'median':>9s} {'best':>9s} {'steps':>7s}")
    for scenario in ("ketamine-iv", "ssri"):
        for label, kwargs in (("5-min rows", {}),
                              ("daily rows", {"t_eval": np.arange(57) * 24.0})):
            run = lambda: simulate(model, scenario, days=56, system=system, **kwargs)  # noqa: E731
            med, best = timed(run, args.repeat)
            steps = run().steps
            print(f"{scenario + ', ' + label:34s} {med * 1e3:7.2f}ms {best * 1e3:7.2f}ms {steps:7d}")
    t0 = time.perf_counter()
    compile_model(model)
    print(f"{'compile_model':34s} {(time.perf_counter() - t0) * 1e3:7.2f}ms")
    t0 = time.perf_counter()
    load_model()
    print(f"{'load_model (parse + check)':34s} {(time.perf_counter() - t0) * 1e3:7.2f}ms")

    print()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "k.csv")
        cmd = [sys.executable, "-m", "pathway", "simulate", "--scenario", "ketamine-iv",
               "--days", "56", "--out", out]
        subprocess.run(cmd, check=True, capture_output=True)       # fill the JIT cache
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        print(f"whole process `pathway simulate --scenario ketamine-iv --days 56 --out k.csv`: "
              f"median {statistics.median(times) * 1e3:.0f} ms over 5 runs")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy, scipy, networkx, numba"], check=True)
        print(f"  of which importing numpy, scipy, networkx and numba alone: "
              f"{(time.perf_counter() - t0) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
