"""Global sensitivity: which knobs set the onset, and which set how long relief lasts?

SALib samples the model file's parameters over their declared plausible ranges
(uniformly), the batch engine of :mod:`pathway.population` runs every sample
(serially or on a Dask cluster), and SALib estimates the indices:

* ``sobol``: first-order (S1: the share of the output's variance that the
  parameter explains alone) and total (ST: including all its interactions)
  indices, with 95% confidence intervals from bootstrap resampling;
* ``morris``: elementary effects, mu* (the mean absolute effect of moving the
  parameter across its range) and sigma (how much that effect depends on the
  other parameters), with a 95% interval for mu*.

Same seed, same answer.

The example needs the ``[research]`` extra (SALib) and a minute of runs, so the
doctests skip it; ``tests/test_research.py`` runs the same call.

>>> from pathway import load_model
>>> model = load_model()                                                 # doctest: +SKIP
>>> res = sensitivity(model, model.roles.showcase[0], at="24h,7d", n=64) # doctest: +SKIP
>>> res.table("7d")                                                      # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .errors import UnknownNameError, UsageError, suggest
from .modelfile import Model, Scenario, format_quantity
from .population import build_batch, check_batch_memory, parse_times, run_batch, split_columns

METHODS = ("sobol", "morris")
#: A sensitivity run holds this many times a virtual patient's memory estimate
#: (pathway.population.check_batch_memory): benchmarks/bench_memory.py measured 20 kB a run
#: with the built-in model, 1.26 times a patient's 15.9 kB, for Morris and Sobol designs of
#: 4,100 to 49,000 runs.
RUN_COPIES = 1.4

#: The most model runs one analysis may ask for (memory and time stay bounded).
MAX_RUNS = 2_000_000


@dataclass(frozen=True)
class SensitivityResult:
    """Indices per output time: ``indices[label][name]`` is a dict of numbers
    (sobol: S1, S1_conf, ST, ST_conf; morris: mu_star, mu_star_conf, sigma)."""

    scenario: str
    output: str
    method: str
    n: int
    seed: int
    runs: int
    labels: tuple[str, ...]
    parameters: tuple[str, ...]
    descriptions: dict[str, str]
    indices: dict[str, dict[str, dict[str, float]]]
    spread: dict[str, tuple[float, float]]         # output's mean and sd at each time
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The index that ranks parameters: ST (sobol) or mu* (morris)."""
        return "ST" if self.method == "sobol" else "mu_star"

    def ranked(self, label: str) -> list[str]:
        return sorted(self.parameters, key=lambda p: -self.indices[label][p][self.key])

    def table(self, label: str) -> str:
        rows = self.indices[label]
        if self.method == "sobol":
            head = f"{'parameter':36s} {'S1':>7s} {'+/-':>6s} {'ST':>7s} {'+/-':>6s}"
            lines = [f"{p:36s} {rows[p]['S1']:7.3f} {rows[p]['S1_conf']:6.3f} "
                     f"{rows[p]['ST']:7.3f} {rows[p]['ST_conf']:6.3f}" for p in self.ranked(label)]
        else:
            head = f"{'parameter':36s} {'mu*':>8s} {'+/-':>7s} {'sigma':>8s}"
            lines = [f"{p:36s} {rows[p]['mu_star']:8.4f} {rows[p]['mu_star_conf']:7.4f} "
                     f"{rows[p]['sigma']:8.4f}" for p in self.ranked(label)]
        mean, sd = self.spread[label]
        return "\n".join([f"{self.output} at {label}: mean {mean:.3f}, sd {sd:.3f} over "
                          f"{self.runs} runs", head] + lines)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "output": self.output, "method": self.method,
                "n": self.n, "seed": self.seed, "runs": self.runs, "times": list(self.labels),
                "parameters": {p: self.descriptions[p] for p in self.parameters},
                "indices": {lab: {p: {k: round(v, 5) for k, v in d.items()}
                                  for p, d in rows.items()}
                            for lab, rows in self.indices.items()},
                "spread": {lab: {"mean": round(m, 5), "sd": round(s, 5)}
                           for lab, (m, s) in self.spread.items()},
                "seconds": round(self.seconds, 3)}


def batch_can_vary(model: Model, name: str, system=None) -> bool:
    """Whether parameter ``name`` can take a different value in each run of one batch
    (pathway.population.build_batch): it enters the kernel's arrays, the
    pharmacokinetics or the body weight, not the size of a visit's expectancy (an
    event's amount), which every run of a batch shares. A parameter that enters no run
    at all (the spread between virtual patients, or a trial population's factor) is
    not varied either: one run cannot show what it does."""
    from .compile import KernelArrays, compile_model
    uses = (system or compile_model(model)).param_uses.get(name, ())
    return bool(uses) and all(u.array in KernelArrays._fields or u.array == "pk"
                              or (u.array == "dose" and name == model.roles.body_weight) for u in uses)


def sensitivity(model: Model, scenario: str | Scenario, *, at: str = "24h,7d",
                output: str | None = None, method: str = "sobol", n: int = 256, seed: int = 0,
                parameters=None, dask=None, progress: bool = False,
                rtol: float = 1e-3) -> SensitivityResult:
    """Global sensitivity of ``output`` (default: the primary outcome) at the times
    ``at`` to the model's parameters, each sampled over its declared range.

    Parameters
    ----------
    method : "sobol" or "morris"
    n : int
        Sobol: the base sample (a power of two); the model runs n * (D + 2) times
        for D parameters. Morris: the number of trajectories; n * (D + 1) runs.
    parameters : list of str, optional
        The parameters to vary (default: every parameter with a range that a batch
        can vary, see :func:`batch_can_vary`).
    dask : distributed.Client, optional
        Run the samples on a Dask cluster (:func:`pathway.population.dask_client`).
    """
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise UsageError("a sensitivity analysis needs SALib",
                         hint="pip install 'ketamine-pathway[research]' (from a checkout: "
                              "pip install \".[research]\")") from None

    if method not in METHODS:
        raise UsageError(f"unknown method '{method}'\n  hint: {suggest(method, METHODS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise UsageError(f"n = {n!r} must be a whole number of at least 2\n"
                         "  hint: 64 gives a rough ranking, 512 tight intervals")
    if method == "sobol" and n & (n - 1):
        raise UsageError(f"n = {n} is not a power of two, which Sobol sampling needs\n"
                         f"  hint: use {2 ** round(math.log2(n))}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed {seed!r} must be a whole number of 0 or more")
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    output = output or model.primary
    columns = set(model.node_ids)
    if output not in columns:
        raise UnknownNameError(f"unknown output '{output}'", hint=suggest(output, columns))
    if not parameters:
        from .compile import compile_model
        system = compile_model(model)
    names = list(parameters) if parameters else [
        p.name for p in model.parameters.values()
        if p.high > p.low and batch_can_vary(model, p.name, system)]
    for name in names:
        if name not in model.parameters:
            raise UnknownNameError(f"unknown parameter '{name}'", hint=suggest(name, model.parameters))
    if len(names) < 2:
        raise UsageError("a sensitivity analysis needs at least two parameters with a range\n"
                         "  hint: give ranges in the model file's [parameters]")
    runs = n * (len(names) + (2 if method == "sobol" else 1))
    if runs > MAX_RUNS:
        raise UsageError(f"{runs:,} model runs is more than the {MAX_RUNS:,} allowed\n"
                         "  hint: lower n or vary fewer parameters")
    labels, times_h = parse_times(at)
    check_batch_memory(model, sc, float(times_h.max()), runs, len(times_h), 1,
                       f"{runs:,} model runs read at {len(times_h)} times",
                       "lower n, vary fewer parameters or read fewer times", copies=RUN_COPIES)
    order = np.argsort(times_h)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[model.parameters[p].low, model.parameters[p].high] for p in names]}

    started = time.perf_counter()
    if method == "sobol":
        X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        X = morris_sample.sample(problem, n, num_levels=4, seed=seed)
    values = {p: X[:, j] for j, p in enumerate(names)}
    batch, base = build_batch([model], np.zeros(len(X), dtype=int), values, sc,
                              np.ascontiguousarray(times_h[order]), [output])
    out = run_batch(batch, rtol=rtol, progress=progress, dask=dask, what="model runs")
    Y = split_columns(out, order, [output], base, batch)[output]
    indices, spread = {}, {}
    for j, lab in enumerate(labels):
        y = Y[:, j]
        spread[lab] = (float(y.mean()), float(y.std()))
        if method == "sobol":
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed,
                                        print_to_console=False)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            res = morris_analyze.analyze(problem, X, y, num_levels=4, seed=seed,
                                         print_to_console=False)
            keys = ("mu_star", "mu_star_conf", "sigma")
        indices[lab] = {p: {k: float(np.nan_to_num(res[k][i])) for k in keys}
                        for i, p in enumerate(names)}
    descriptions = {p: f"{model.parameters[p].description} (range "
                       f"{format_quantity(model.parameters[p].low, model.parameters[p].dimension)}"
                       f" to {format_quantity(model.parameters[p].high, model.parameters[p].dimension)})"
                    for p in names}
    return SensitivityResult(sc.name, output, method, int(n), int(seed), len(X), tuple(labels),
                             tuple(names), descriptions, indices, spread,
                             time.perf_counter() - started)


def sensitivity_figure(result: SensitivityResult, path=None, *, top: int = 10, theme="light"):
    """Bar charts, one panel per time: the top parameters by ST (sobol: ST as bars
    with S1 inside, each with its 95% interval) or by mu* (morris). Saves to
    ``path`` (PNG, SVG or PDF) if given; returns the figure."""
    if path is not None:
        from .atomicio import check_suffix
        check_suffix(path, (".png", ".svg", ".pdf"), "a sensitivity figure")
    import matplotlib.pyplot as plt

    from .plotting import OKABE_ITO, get_theme, _style_axes

    th = get_theme(theme)
    k = len(result.labels)
    fig, axes = plt.subplots(1, k, figsize=(6.2 * k, 0.42 * min(top, len(result.parameters)) + 1.8),
                             facecolor=th.background, layout="constrained", squeeze=False)
    for ax, lab in zip(axes[0], result.labels):
        names = result.ranked(lab)[:top][::-1]
        rows = result.indices[lab]
        y = np.arange(len(names))
        if result.method == "sobol":
            ax.barh(y, [rows[p]["ST"] for p in names], xerr=[rows[p]["ST_conf"] for p in names],
                    color=OKABE_ITO["sky"], label="total (ST)", height=0.7,
                    error_kw={"ecolor": th.muted, "lw": 1})
            ax.barh(y, [rows[p]["S1"] for p in names], xerr=[rows[p]["S1_conf"] for p in names],
                    color=OKABE_ITO["blue"], label="first order (S1)", height=0.35,
                    error_kw={"ecolor": th.text, "lw": 1})
            ax.set_xlabel("share of the variance", color=th.text)
            ax.set_xlim(0, max(1.0, max(rows[p]["ST"] + rows[p]["ST_conf"] for p in names)))
        else:
            ax.barh(y, [rows[p]["mu_star"] for p in names],
                    xerr=[rows[p]["mu_star_conf"] for p in names], color=OKABE_ITO["blue"],
                    label="mu* (mean |effect|)", height=0.6, error_kw={"ecolor": th.muted})
            ax.set_xlabel(f"mean absolute effect on {result.output}", color=th.text)
        ax.set_yticks(y, [p.replace("_", " ") for p in names])
        _style_axes(ax, th)
        ax.grid(True, axis="x", color=th.muted, alpha=0.25)
        ax.grid(False, axis="y")
        ax.set_title(f"{result.output.replace('_', ' ')} at {lab}", color=th.text, loc="left")
        ax.legend(frameon=False, fontsize=9, labelcolor=th.text, loc="lower right")
    fig.suptitle(f"What sets {result.output.replace('_', ' ')} in {result.scenario}: "
                 f"{result.method.capitalize()} indices over the parameters' ranges "
                 f"({result.runs:,} runs)", color=th.text, x=0.01, ha="left")
    if path is not None:
        from .atomicio import atomic_path
        try:
            with atomic_path(path) as tmp:
                fig.savefig(tmp, dpi=110, facecolor=th.background)
        finally:
            plt.close(fig)
    return fig
