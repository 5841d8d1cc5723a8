"""Side by side in one process: this package's solver against libroadrunner
(a compiled SBML simulator) on the same model.

    python benchmarks/bench_sbml.py [--people 1000]

Single runs: one 8-week `ketamine-iv` and one 8-week `ssri` simulation, each
writing a row every 5 minutes. Population: 1000 virtual patients over 8 weeks
(libroadrunner in a loop, resetting and setting each person's parameters; ours
in one parallel call). Both keep relief at 24 h, 7 d and 8 weeks per person.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    import roadrunner

    from pathway import compile_model, load_model, simulate
    from pathway.population import _draw, simulate_population
    from pathway.sbml import export_sbml

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    model = load_model()
    print(f"machine: {os.cpu_count()} cores; libroadrunner {roadrunner.__version__}")
    print(f"{'':34s} {'ours':>10s} {'roadrunner':>11s} {'ratio':>7s}")

    from pathway.sbml import roadrunner_for, run_roadrunner

    from pathway.sbml import CVODE_SETTINGS

    def make_rr(text, points):
        """A RoadRunner with the first CVODE setting that simulates this export on this grid."""
        _, settings = run_roadrunner(text, 56 * 24.0, points, ["relief"])
        return roadrunner_for(text, settings)

    def simulate_person(rr, points):
        """Simulate from the current parameters, falling back through the CVODE settings."""
        for settings in CVODE_SETTINGS:
            for key, value in settings.items():
                setattr(rr.integrator, key, value)
            rr.reset()
            try:
                return rr.simulate(0, 1344.0, points, ["time", "relief"])
            except RuntimeError:
                continue
        raise RuntimeError("libroadrunner failed with every setting")

    rows = 8 * 7 * 24 * 12 + 1
    for scenario in ("ketamine-iv", "ssri"):
        system = compile_model(model)
        simulate(model, scenario, days=56, system=system)
        ours = best_of(lambda: simulate(model, scenario, days=56, system=system), args.repeat)
        rr = make_rr(export_sbml(model, scenario, days=56), rows)

        def run_rr():
            rr.resetAll()
            rr.simulate(0, 56 * 24.0, rows, ["time", "relief"])
        run_rr()
        theirs = best_of(run_rr, args.repeat)
        print(f"{scenario + ', 8 weeks, 5-min rows':34s} {ours * 1e3:8.1f}ms {theirs * 1e3:9.1f}ms "
              f"{theirs / ours:6.1f}x")

    # virtual patients: the same draws for both
    n = args.people
    times = np.array([24.0, 168.0, 1344.0])
    simulate_population(model, "ketamine-iv", n=8, seed=1, times_h=times)
    t0 = time.perf_counter()
    ours_pop = simulate_population(model, "ketamine-iv", n=n, seed=1, times_h=times)
    ours = time.perf_counter() - t0
    which, factors = _draw(model, n, np.random.default_rng(1))
    text = export_sbml(model, "ketamine-iv", days=56)
    rr = make_rr(text, 8065)
    names = list(factors)
    genotype_w = {}
    from pathway.scenarios import apply_intervention
    from pathway.sbml import _libsbml
    libsbml = _libsbml()
    for k, g in enumerate(model.population.genotypes):
        variant = apply_intervention(model, g.intervention) if g.intervention else model
        doc = libsbml.readSBMLFromString(export_sbml(variant, "ketamine-iv", days=56)).getModel()
        genotype_w[k] = {p.getId(): p.getValue() for p in doc.getListOfParameters()
                         if p.getId().startswith(("w_", "par_"))}
    t0 = time.perf_counter()
    relief = np.empty((n, len(times)))
    for i in range(n):
        rr.resetAll()
        for pid, value in genotype_w[int(which[i])].items():
            rr[pid] = value
        for name in names:
            base = genotype_w[int(which[i])][f"par_{name}"]
            rr[f"par_{name}"] = base * factors[name][i]
        res = simulate_person(rr, 8065)
        relief[i] = np.interp(times, res[:, 0], res[:, 1])
    theirs = time.perf_counter() - t0
    print(f"{f'{n} virtual patients, 8 weeks':34s} {ours:9.2f}s {theirs:10.2f}s {theirs / ours:6.1f}x")
    agree = np.abs(relief - ours_pop.relief).max()
    print(f"  largest difference in a person's relief between the two: {agree:.2e}")


if __name__ == "__main__":
    main()
