"""Virtual patients: why a treatment helps some people and not others.

``simulate_population(model, scenario, n=..., seed=...)`` draws ``n`` people
whose parameters differ as the model file's ``[population]`` table says
(documented distributions and genotype frequencies), simulates them all in
parallel in the compiled kernel, and keeps per-person summaries only: relief at
the requested times, and each person's drawn values. Same seed, same answer.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from . import _kernel
from .compile import KernelArrays, OdeSystem, compile_model
from .dosing import SET, build_events, first_event_h
from .errors import SimulationError, UsageError, check_memory, format_number
from .modelfile import MAX_DAYS, Model, Scenario, parse_quantity
from .scenarios import apply_intervention

#: The most virtual patients one run simulates (about a minute and a half).
MAX_PEOPLE = 100_000
#: Seeds are whole numbers from 0 to MAX_SEED.
MAX_SEED = 2 ** 32 - 1
#: The most reading times (``--at``) one run takes, and the latest, in hours (ten years).
MAX_TIMES = 100
MAX_TIME_H = MAX_DAYS * 24.0


@dataclass(frozen=True)
class PopulationResult:
    """Per-person summaries of a virtual population.

    ``outcome[i, j]`` is person i's primary outcome (the model's ``primary`` role,
    named ``readout``) at ``times_h[j]``; ``values[name][i]`` their drawn parameter
    values; ``genotype[i]`` their genotype's name.
    """

    scenario: str
    seed: int
    times_h: np.ndarray
    labels: tuple[str, ...]
    outcome: np.ndarray
    values: dict[str, np.ndarray]
    genotype: np.ndarray
    response: float
    remission: float
    definitions: str
    readout: str = ""
    seconds: float = 0.0
    #: other columns asked for with ``outputs``: name -> (people x times) array
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.outcome.shape[0]

    def response_rate(self) -> dict[str, float]:
        return {lab: float(np.mean(self.outcome[:, j] >= self.response))
                for j, lab in enumerate(self.labels)}

    def remission_rate(self) -> dict[str, float]:
        return {lab: float(np.mean(self.outcome[:, j] >= self.remission))
                for j, lab in enumerate(self.labels)}

    def median_outcome(self) -> dict[str, float]:
        return {lab: float(np.median(self.outcome[:, j])) for j, lab in enumerate(self.labels)}

    def to_dict(self) -> dict:
        names, counts = np.unique(self.genotype, return_counts=True)
        return {"scenario": self.scenario, "n": self.n, "seed": self.seed,
                "readout": self.readout,
                "definitions": {"response": f"{self.readout} >= {self.response:g}",
                                "remission": f"{self.readout} >= {self.remission:g}",
                                "text": self.definitions},
                "response_rate": self.response_rate(), "remission_rate": self.remission_rate(),
                "median": self.median_outcome(),
                "genotypes": {str(k): int(v) for k, v in zip(names, counts)},
                "seconds": round(self.seconds, 3)}


_LABEL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|h|d|wk|w)\s*$")


def parse_times(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Parse ``"24h,7d,6w"`` into labels and hours."""
    labels, hours = [], []
    parts = str(text).split(",")
    if len(parts) > MAX_TIMES:
        raise UsageError(f"--at gives {len(parts)} times; at most {MAX_TIMES} are read\n"
                         "  hint: pick the moments that matter, e.g. 24h,7d,6w")
    for part in parts:
        match = _LABEL.match(part)
        if not match:
            raise UsageError(f"cannot read time {part.strip()!r} in --at {text!r}\n"
                             "  hint: write times like 24h,7d,6w (units min, h, d, w)")
        number, unit = match.groups()
        unit = "wk" if unit == "w" else unit
        labels.append(part.strip())
        hours.append(parse_quantity(f"{number} {unit}", "time")[0])
    for label, h in zip(labels, hours):
        if not 0 < h <= MAX_TIME_H:
            raise UsageError(f"time {label} in --at is outside the range above 0 (the first "
                             f"dose) to {MAX_TIME_H / 24:g} days\n  hint: give times above 0 and "
                             f"at most {MAX_TIME_H / 24:g}d, e.g. 24h,7d,6w")
    return tuple(labels), np.array(hours)


def _draw(model: Model, n: int, rng: np.random.Generator):
    spec = model.population
    if spec.genotypes:
        freqs = np.array([g.frequency for g in spec.genotypes])
        which = rng.choice(len(spec.genotypes), size=n, p=freqs / freqs.sum())
    else:
        which = np.zeros(n, dtype=int)
    factors = {}
    for var in spec.variations:
        p = model.parameters[var.parameter]
        z = rng.standard_normal(n)
        if var.distribution == "lognormal":
            value = p.value * np.exp(var.spread * z)
        else:
            value = p.value + var.spread * z
        value = np.clip(value, p.low, p.high)
        factors[var.parameter] = value / p.value if p.value != 0 else np.ones(n)
    return which, factors


def _patch_positions(system: OdeSystem, name: str) -> dict[str, np.ndarray]:
    """Where parameter ``name`` enters the kernel arrays, from the compiled model's
    record (``OdeSystem.param_uses``); each such entry holds the value itself."""
    positions: dict[str, list[int]] = {}
    for use in system.param_uses.get(name, ()):
        if use.array == "dose" and name == system.model.roles.body_weight:
            continue                       # handled through the events
        if use.array not in KernelArrays._fields:
            raise UsageError(f"parameter '{name}' cannot vary between virtual patients: it "
                             f"enters the {'pharmacokinetic matrix' if use.array == 'pk' else use.array}"
                             " mixed with other numbers\n"
                             "  hint: vary a strength, time constant, baseline, half-drive or the "
                             "body weight")
        positions.setdefault(use.array, []).append(use.index)
    return {arr: np.array(sorted(set(pos)), dtype=np.int64) for arr, pos in positions.items()}


def _check_population_memory(model: Model, scenario: Scenario, t_end: float, n: int,
                             n_times: int, n_outputs: int) -> None:
    """Refuse a population that would not fit the memory budget, before drawing anyone:
    each person holds a copy of the kernel arrays, their events and their outputs."""
    from .simulate import check_administrations
    check_administrations(model, scenario, t_end)
    system = compile_model(model)
    n_events = len(build_events(system, scenario, t_end))
    per_person = sum(np.asarray(a).nbytes for a in system.kernel)
    per_person += 8 * (n_events + n_times * (3 + n_outputs + 2 * system.n_pk) + 64)
    check_memory(n * per_person, f"{n} virtual patients read at {n_times} times",
                 "simulate fewer people (--n) or read fewer times (--at)")


def simulate_population(model: Model, scenario: str | Scenario, *, n: int = 1000, seed: int = 0,
                        at: str | None = None, times_h=None, days: float | None = None,
                        rtol: float = 1e-3, progress: bool = False,
                        chunk: int = 1000, outputs=()) -> PopulationResult:
    """Simulate ``n`` virtual patients given ``scenario``.

    Parameters
    ----------
    at : str, optional
        Times at which to read the primary outcome, e.g. ``"24h,7d,6w"`` (default ``"24h,7d"``).
    rtol : float
        Solver tolerance. The default 1e-3 keeps each person's outcome within about
        5e-3 of a tight solve; response and remission rates of 2000 people move by
        at most 0.3 percentage points against rtol 1e-5, far below the spread
        between people, at a fifth of the cost.
    progress : bool
        Show a progress bar on standard error.
    outputs : sequence of str
        Further columns to keep per person and time (node ids or drug plasma levels
        in ng/mL), returned in ``extra``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 < n <= MAX_PEOPLE:
        raise UsageError(f"n = {format_number(n)} must be a whole number of people from 1 to "
                         f"{MAX_PEOPLE}\n"
                         "  hint: 1000 people take about a second and give rates to a "
                         "percentage point or two")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"seed {format_number(seed)} must be a whole number from 0 to {MAX_SEED}\n"
                         "  hint: any whole number in the range; the same seed gives the same "
                         "people")
    if times_h is None:
        labels, times_h = parse_times(at or "24h,7d")
    else:
        times_h = np.asarray(times_h, float)
        if times_h.ndim != 1 or not 0 < times_h.size <= MAX_TIMES or not np.all(np.isfinite(times_h)) \
                or times_h.min() <= 0 or times_h.max() > MAX_TIME_H:
            raise UsageError(f"times_h must be 1 to {MAX_TIMES} times above 0 and at most "
                             f"{MAX_TIME_H:g} h\n  hint: e.g. times_h=[24, 168]")
        labels = tuple(f"{t:g}h" for t in times_h)
    if days is not None and not (isinstance(days, (int, float, np.integer, np.floating))
                                 and 0 <= days <= MAX_TIME_H / 24):
        raise UsageError(f"days = {format_number(days)} is outside the range 0 to "
                         f"{MAX_TIME_H / 24:g}\n  hint: leave out days to stop at the last time")
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    t_end = max(float(times_h.max()), (days or 0) * 24.0)
    order = np.argsort(times_h)
    t_out = np.ascontiguousarray(times_h[order])

    _check_population_memory(model, sc, t_end, n, len(times_h), len(outputs))
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    which, factors = _draw(model, n, rng)
    spec = model.population
    genotypes = spec.genotypes or ()
    variants = []
    for g in genotypes or (None,):
        m = model if g is None or g.intervention is None else apply_intervention(model, g.intervention)
        variants.append((m, compile_model(m)))
    base_model, base = variants[0]

    stacked = {arr: np.ascontiguousarray(np.stack([np.asarray(getattr(variants[k][1].kernel, arr))
                                                   for k in which]))
               for arr in KernelArrays._fields}
    weight = np.full(n, base_model.body_weight_kg())
    for name, f in factors.items():
        for arr, pos in _patch_positions(base, name).items():
            flat = stacked[arr].reshape(n, -1)
            flat[:, pos] *= f[:, None]       # keeps a genotype's own scaling
        if name == base_model.roles.body_weight:
            weight = base_model.parameters[name].value * f
    y0 = np.concatenate([np.zeros((n, base.n_pk)), stacked["baseline"]], axis=1)
    wanted = [base_model.primary] + [o for o in outputs if o != base_model.primary]
    drugs = [o for o in wanted if o in base.drug_ids]
    nodes = [o for o in wanted if o not in base.drug_ids]
    keep = np.array([base.n_pk + base.node_index(o) for o in nodes]
                    + (list(range(base.n_pk)) if drugs else []), dtype=np.int64)

    ev = build_events(base, sc, t_end)
    # each person's event values: mg/kg doses follow their weight, resets their baseline
    ev_vals = np.repeat(ev.value[None, :], n, axis=0)
    ev_vals[:, ev.per_kg] *= (weight / base_model.body_weight_kg())[:, None]
    resets = np.flatnonzero(ev.kind == SET)
    ev_vals[:, resets] = stacked["baseline"][:, ev.index[resets]]
    out = np.empty((n, len(t_out), len(keep)))
    status = np.zeros(n, dtype=np.int64)
    with tqdm(total=n, unit=" people", disable=not progress, file=sys.stderr,
              desc="virtual patients", leave=False) as bar:
        for start in range(0, n, chunk):
            sl = slice(start, min(n, start + chunk))
            res, st = _kernel.integrate_batch(
                y0[sl], first_event_h(ev), t_end, t_out, ev.t_h, ev.kind, ev.index,
                np.ascontiguousarray(ev_vals[sl]), rtol, 1e-7, 1 / 60, 24.0, 5_000_000, keep,
                *(stacked[a][sl] for a in KernelArrays._fields))
            out[sl], status[sl] = res, st
            bar.update(sl.stop - sl.start)
    if np.any(status != 0) or not np.all(np.isfinite(out)):
        bad = int(np.flatnonzero(status != 0)[0]) if np.any(status != 0) else -1
        raise SimulationError(f"the simulation failed for virtual patient {bad} of {n}\n"
                              "  hint: narrow the spread of the [population] distributions")
    outcome = np.empty((n, len(t_out)))
    outcome[:, order] = out[:, :, 0]
    extra = {}
    for j, name in enumerate(nodes[1:], start=1):
        extra[name] = np.empty((n, len(t_out)))
        extra[name][:, order] = out[:, :, j]
    if drugs:
        modes = out[:, :, len(nodes):]                       # people x times x modes
        conc = np.einsum("ptm,pdm->ptd", modes, stacked["conc_matrix"])
        for name in drugs:
            extra[name] = np.empty((n, len(t_out)))
            extra[name][:, order] = np.maximum(conc[:, :, base.drug_ids.index(name)], 0.0)
    names = [g.name for g in genotypes] or ["all"]
    values = {name: base_model.parameters[name].value * f for name, f in factors.items()}
    return PopulationResult(
        scenario=sc.name, seed=int(seed), times_h=np.asarray(times_h), labels=tuple(labels),
        outcome=outcome, values=values, genotype=np.array(names)[which],
        response=spec.response, remission=spec.remission, definitions=spec.definitions,
        readout=base_model.primary, extra=extra, seconds=time.perf_counter() - started)
