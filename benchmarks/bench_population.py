"""Benchmark virtual patients: 10,000 people over 8 weeks, for every built-in scenario.

    python benchmarks/bench_population.py [--n 10000] [--days 56] [--model FILE]
    python benchmarks/bench_population.py --accuracy [--n 1000]

Prints people per second for each scenario of the model file (the six-infusion
series and maintenance included), reading the primary outcome at 24 h, 7 d and
the end. The bar: every scenario in under 5 s on this machine's 2 cores.

With --accuracy it measures what the population engine's tolerances cost instead:
per scenario, the largest difference in a person's outcome and the largest change
in a response rate against a tight solve (rtol 1e-6, atol 1e-9, with no nodes
shared between people), for the engine's absolute tolerance
(pathway.population.ATOL) and for 1e-7 and 1e-5.
"""

from __future__ import annotations

import argparse
import os
import time

from pathway import load_model, population
from pathway.population import simulate_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=56)
    parser.add_argument("--model", default=None)
    parser.add_argument("--accuracy", action="store_true")
    args = parser.parse_args()
    model = load_model(args.model)
    at = f"24h,7d,{args.days:g}d"
    if args.accuracy:
        accuracy(model, min(args.n, 1000), at)
        return
    first = next(iter(model.scenarios))
    # load the compiled kernel, both ways: people alone, and a group sharing a table
    simulate_population(model, first, n=4, at=at)
    simulate_population(model, first, n=4 * population.MIN_SHARED, at=at)
    print(f"machine: {os.cpu_count()} cores; numba threads: "
          f"{os.environ.get('NUMBA_NUM_THREADS', 'default (all cores)')}; "
          f"{args.n} people x {args.days:g} days, outcome at {at}")
    print(f"{'scenario':26s} {'seconds':>8s} {'people/s':>10s}   response at {at}")
    worst = 0.0
    for name in model.scenarios:
        t0 = time.perf_counter()
        r = simulate_population(model, name, n=args.n, seed=0, at=at)
        dt = time.perf_counter() - t0
        worst = max(worst, dt)
        rates = " ".join(f"{100 * v:5.1f}%" for v in r.response_rate().values())
        print(f"{name:26s} {dt:8.2f} {args.n / dt:10,.0f}   {rates}")
    print(f"slowest scenario: {worst:.2f} s")


def accuracy(model, n: int, at: str) -> None:
    import numpy as np

    engine, shared = population.ATOL, population.MIN_SHARED
    print(f"{n} people, outcome at {at}; against rtol 1e-6, atol 1e-9, every person "
          f"integrated whole (the engine: rtol 1e-3, atol {engine:g}, shared nodes once per group)")
    for name in model.scenarios:
        population.ATOL, population.MIN_SHARED = 1e-9, float("inf")
        ref = simulate_population(model, name, n=n, seed=0, at=at, rtol=1e-6)
        population.MIN_SHARED = shared
        row = [f"{name:22s}"]
        for atol in sorted({1e-7, 1e-5, engine}, reverse=True):
            population.ATOL = atol
            t0 = time.perf_counter()
            r = simulate_population(model, name, n=n, seed=0, at=at)
            dt = time.perf_counter() - t0
            diff = np.abs(r.outcome - ref.outcome).max()
            rate = max(abs(a - b) for a, b in zip(r.response_rate().values(),
                                                  ref.response_rate().values()))
            row.append(f"atol {atol:g}: {dt:5.2f} s, outcome {diff:.1e}, rates {100 * rate:.1f} pp")
        print(" | ".join(row), flush=True)
    population.ATOL = engine


if __name__ == "__main__":
    main()
