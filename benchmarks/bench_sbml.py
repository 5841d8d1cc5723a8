"""Side by side in one process: this package's solver against libroadrunner
(a compiled SBML simulator) on the same exported model.

    python benchmarks/bench_sbml.py [--people 1000]

Single runs: one 8-week `ketamine-iv` and one 8-week `ssri` simulation, each with
a row every 5 minutes. Population: virtual patients over 8 weeks with the same
draws for both (libroadrunner in a loop, setting each person's parameters; ours in
one parallel call), keeping relief at 24 h, 7 d and 8 weeks.

libroadrunner runs with its default settings (CVODE, rtol 1e-6, atol 1e-12).
Each run loads the model again (libroadrunner caches the compiled model, so a load
is cheap; it is reported apart from the simulation): libroadrunner fires the
time-0 dose events when a model loads or resets, so a fresh instance is the
simplest way to start a person from rest with their own parameters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main() -> None:
    import roadrunner

    from pathway import compile_model, load_model, simulate
    from pathway.population import _draw, simulate_population
    from pathway.sbml import _libsbml, export_sbml
    from pathway.scenarios import apply_intervention

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    model = load_model()

    def rr_run(text, t_end, points, apply=lambda rr: None):
        """(load seconds, simulate seconds, result) with a fresh, cached instance."""
        t0 = time.perf_counter()
        rr = roadrunner.RoadRunner(text)
        if apply(rr):
            rr.reset()                  # the time-0 doses again, at the person's weight
            apply(rr)
        t1 = time.perf_counter()
        res = rr.simulate(0, t_end, points, ["time", model.primary])
        return t1 - t0, time.perf_counter() - t1, res

    print(f"machine: {os.cpu_count()} cores; libroadrunner {roadrunner.__version__}")
    print(f"{'':36s} {'ours':>9s} {'roadrunner (sim + load)':>26s} {'ratio':>7s}")
    rows = 8 * 7 * 24 * 12 + 1
    for scenario in ("ketamine-iv", "ssri"):
        system = compile_model(model)
        simulate(model, scenario, days=56, system=system)
        ours = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            simulate(model, scenario, days=56, system=system)
            ours.append(time.perf_counter() - t0)
        text = export_sbml(model, scenario, days=56)
        rr_run(text, 1344.0, rows)                       # compile once, fill the cache
        runs = [rr_run(text, 1344.0, rows) for _ in range(args.repeat)]
        sim = statistics.median(r[1] for r in runs)
        load = statistics.median(r[0] for r in runs)
        o = statistics.median(ours)
        print(f"{scenario + ', 8 weeks, 5-min rows':36s} {o * 1e3:7.1f}ms {sim * 1e3:9.1f}ms + "
              f"{load * 1e3:5.1f}ms load {sim / o:6.1f}x")

    n = args.people
    times = np.array([24.0, 168.0, 1344.0])
    simulate_population(model, "ketamine-iv", n=8, seed=1, times_h=times)
    t0 = time.perf_counter()
    ours_pop = simulate_population(model, "ketamine-iv", n=n, seed=1, times_h=times)
    ours = time.perf_counter() - t0
    which, drawn = _draw(model, n, np.random.default_rng(1))
    libsbml = _libsbml()
    texts, values = {}, {}
    for k, g in enumerate(model.population.genotypes):
        variant = apply_intervention(model, g.intervention) if g.intervention else model
        texts[k] = export_sbml(variant, "ketamine-iv", days=56)
        doc = libsbml.readSBMLFromString(texts[k]).getModel()
        values[k] = {p.getId(): p.getValue() for p in doc.getListOfParameters()
                     if p.getId().startswith("par_")}
        rr_run(texts[k], 1344.0, 10)                     # compile each genotype's model once
    from pathway.modelfile import ParamRef
    baseline_nodes = {nd.id: nd.baseline.name for nd in model.nodes
                      if isinstance(nd.baseline, ParamRef)}
    relief = np.empty((n, len(times)))
    load_total = sim_total = 0.0
    t0 = time.perf_counter()
    for i in range(n):
        k = int(which[i])

        def apply(rr, i=i, k=k):
            for name, v in drawn.items():
                rr[f"par_{name}"] = v[i]
            # nodes that start at a varied baseline (the initial assignment is not
            # re-run after a parameter is set, so set the starting state too)
            for node, pname in baseline_nodes.items():
                if pname in drawn:
                    rr[node] = drawn[pname][i]
            return model.roles.body_weight in drawn
        load, sim, res = rr_run(texts[k], 1344.0, 1345, apply)
        load_total += load
        sim_total += sim
        relief[i] = np.interp(times, res[:, 0], res[:, 1])
    theirs = time.perf_counter() - t0
    print(f"{f'{n} virtual patients, 8 weeks':36s} {ours:8.2f}s {theirs:9.2f}s total "
          f"({sim_total:.2f}s sim) {theirs / ours:6.1f}x")
    valval = ours_pop.genotype == model.population.genotypes[0].name
    print(f"  largest difference in a person's relief between the two, {valval.sum()} "
          f"{model.population.genotypes[0].name} people: "
          f"{np.abs(relief - ours_pop.outcome)[valval].max():.2e}")
    print("  (for the other genotypes the exported variant fixes the scaled BDNF-release "
          "strength, so their drawn release gain does not reach libroadrunner)")


if __name__ == "__main__":
    main()
