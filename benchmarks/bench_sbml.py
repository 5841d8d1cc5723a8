"""Side by side in one process: this package's solver against libroadrunner (a
compiled SBML simulator, with its default settings) on the exported model, for
every built-in scenario.

    python benchmarks/bench_sbml.py [--people 200] [--repeat 5] [--pop-repeat 2] [--scenario NAME ...]

Single run: the scenario's whole length with a row every 5 minutes and every
column (`simulate` returns every node, drug and readout; libroadrunner is asked
for the same columns), as runs per second (one person per run) and milliseconds.
libroadrunner's time is a fresh instance (its cache of compiled models makes a
load cheap; "load" is that part of its time) plus `simulate`. The two take
turns, and each shows its best of --repeat runs (the machine may be shared; the
best run is the one least disturbed); populations likewise, best of --pop-repeat.

Population: the same virtual patients (pathway.population's draws, seed 1), each
person's primary outcome at 24 h, 7 days and the scenario's end. Ours is one call
of `simulate_population` (its batch engine and tolerances), after a warm-up call.
libroadrunner runs one instance per genotype (the genotype's exported variant,
loaded and compiled before the clock starts) and, per person, sets the
drawn parameters (`par_*`; an edge that the genotype scaled follows its parameter
in the export, as in Python), calls `reset()` (which gives the time-0 doses
again) and simulates to the same output times. "max diff" is
the largest difference in anyone's outcome between the two, on its 0-1 scale: it
is the batch engine's own error (relative tolerance 1e-3, see
`simulate_population`): against a tight batch solve (rtol 1e-7) libroadrunner's
people agree to within 1e-4, every genotype included (checked for 60 people in
ketamine-iv, esketamine-in, ssri and ketamine-series).

Ratios are libroadrunner's time over ours (above 1: ours is faster).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main() -> None:
    import roadrunner

    from pathway import compile_model, load_model, simulate
    from pathway.population import _draw, simulate_population
    from pathway.sbml import export_sbml, start_time_h
    from pathway.scenarios import apply_intervention

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pop-repeat", type=int, default=2)
    parser.add_argument("--scenario", nargs="*", default=None)
    args = parser.parse_args()
    model = load_model()
    scenarios = args.scenario or list(model.scenarios)
    base = compile_model(model)
    n = args.people

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          f"libroadrunner {roadrunner.__version__} (default "
          f"settings: CVODE, relative tolerance 1e-6, absolute 1e-12 scaled by each state)")
    print(f"{'':27s} | {'single run: people/s (ms per run)':^44s} | {f'population of {n}: people/s':^36s}")
    print(f"{'scenario':22s} {'days':>4s} | {'ours':>14s} {'roadrunner':>14s} {'load':>6s} {'ratio':>7s} | "
          f"{'ours':>8s} {'roadrunner':>10s} {'ratio':>6s} {'max diff':>9s}")
    for name in scenarios:
        sc = model.scenarios[name]
        days = sc.days
        offset = start_time_h(model, name, days)

        # ---- single runs, the two simulators in turn (so both meet the same load)
        traj = simulate(model, name, days=days, system=base)                 # compile
        columns = list(traj.names)
        text = export_sbml(model, name, days=days)
        t_end = days * 24.0 - offset
        rows = int(round(t_end * 12)) + 1
        keep = roadrunner.RoadRunner(text)              # compiled once; held, so loads hit the cache
        keep.simulate(0, t_end, rows, ["time"] + columns)
        ours, loads, sims = [], [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            simulate(model, name, days=days, system=base)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rr = roadrunner.RoadRunner(text)
            t1 = time.perf_counter()
            rr.simulate(0, t_end, rows, ["time"] + columns)
            loads.append(t1 - t0)
            sims.append(time.perf_counter() - t1)
        o = min(ours)
        best = int(np.argmin(np.add(loads, sims)))
        load, sim = loads[best], sims[best]
        single = (f"{1 / o:5.0f} ({o * 1e3:4.0f}ms) {1 / (load + sim):5.1f} ({(load + sim) * 1e3:4.0f}ms) "
                  f"{load * 1e3:4.0f}ms {(load + sim) / o:6.1f}x")

        # ---- populations: the same people, in turn, best of --pop-repeat
        times = np.array(sorted({24.0, 168.0, days * 24.0}))
        simulate_population(model, name, n=8, seed=1, times_h=times)          # compile
        which, drawn = _draw(model, n, np.random.default_rng(1))
        instances = {k: _instance(model, k, name, days, roadrunner, export_sbml, apply_intervention)
                     for k in sorted(set(which.tolist()))}         # compiled before the clock
        ours_pop = theirs_pop = np.inf
        for _ in range(args.pop_repeat):
            t0 = time.perf_counter()
            pop = simulate_population(model, name, n=n, seed=1, times_h=times)
            ours_pop = min(ours_pop, time.perf_counter() - t0)
            t0 = time.perf_counter()
            outcome = np.empty((n, len(times)))
            for i in range(n):
                rr, variant = instances[int(which[i])]
                for p, v in drawn.items():
                    factor = v[i] / model.parameters[p].value
                    rr[f"par_{p}"] = variant.parameters[p].value * factor
                rr.reset()
                res = rr.simulate(times=[0.0] + list(times - offset), selections=["time", model.primary])
                outcome[i] = res[1:, 1]
            theirs_pop = min(theirs_pop, time.perf_counter() - t0)
        diff = float(np.max(np.abs(outcome - pop.outcome)))
        print(f"{name:22s} {days:4.0f} | {single} | {n / ours_pop:8.0f} {n / theirs_pop:10.1f} "
              f"{theirs_pop / ours_pop:5.1f}x {diff:9.1e}", flush=True)


def _instance(model, k, scenario, days, roadrunner, export_sbml, apply_intervention):
    """libroadrunner on genotype k's exported variant, and that variant."""
    genotype = model.population.genotypes[k] if model.population.genotypes else None
    variant = apply_intervention(model, genotype.intervention) \
        if genotype is not None and genotype.intervention else model
    return roadrunner.RoadRunner(export_sbml(variant, scenario, days=days)), variant


if __name__ == "__main__":
    main()
