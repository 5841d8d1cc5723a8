"""Benchmark virtual patients: 10,000 people over 8 weeks, ketamine and SSRI.

    python benchmarks/bench_population.py [--n 10000]

The issue's bar: 10,000 people over 8 weeks in under 10 s on 2 cores (a
sequential loop of a compiled SBML simulator needs about 4 minutes for that).
"""

from __future__ import annotations

import argparse
import os
import time

from pathway import load_model
from pathway.population import simulate_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    model = load_model()
    simulate_population(model, "ketamine-iv", n=4, at="8w")       # load the compiled kernel
    print(f"machine: {os.cpu_count()} cores; numba threads: "
          f"{os.environ.get('NUMBA_NUM_THREADS', 'default (all cores)')}")
    for scenario, at in (("ketamine-iv", "24h,7d,8w"), ("ssri", "2w,8w"),
                         ("ketamine-series", "2w,8w")):
        t0 = time.perf_counter()
        r = simulate_population(model, scenario, n=args.n, seed=0, at=at)
        dt = time.perf_counter() - t0
        rates = ", ".join(f"{k}: {100 * v:.1f}%/{100 * r.remission_rate()[k]:.1f}%"
                          for k, v in r.response_rate().items())
        print(f"{scenario:16s} {args.n} people x 8 weeks: {dt:6.2f} s "
              f"({args.n / dt:,.0f} people/s)   response/remission {rates}")


if __name__ == "__main__":
    main()
