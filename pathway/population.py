"""Virtual patients: why a treatment helps some people and not others.

``simulate_population(model, scenario, n=..., seed=...)`` draws ``n`` people
whose parameters differ as the model file's ``[population]`` table says
(documented distributions and genotype frequencies), simulates them all in
parallel in the compiled kernel, and keeps per-person summaries only: the primary
outcome at the requested times, and each person's drawn values. Same seed, same
answer. The engine underneath (:func:`build_batch`, :func:`run_batch`) runs any
set of parameter values, serially or on a Dask cluster; the sensitivity analysis
uses it too. The nodes that are the same for a whole group of runs (usually the
drug levels and the fast chains they drive, which no varying parameter reaches)
are integrated once per group and read by every run from a table.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from . import _kernel
from ._firstrun import announce
from .compile import KernelArrays, OdeSystem, compile_model, pk_arrays
from .dosing import SET, build_events, first_event_h
from .errors import SimulationError, UsageError, check_memory, format_number
from .modelfile import MAX_DAYS, Model, Scenario, parse_quantity, set_parameter
from .rating import Rating, rated_share
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
    #: how a rating finds each person (the model's ``[population]`` rating_noise and course)
    rating: Rating = field(default_factory=Rating)

    @property
    def n(self) -> int:
        return self.outcome.shape[0]

    def rates(self, level: float) -> np.ndarray:
        """At each time, the share of people a rating finds at or above ``level`` (see :class:`Rating`)."""
        return rated_share(self.outcome, level, self.rating.sd(self.times_h))

    def relapse(self, n_stable: int, level: float, below: float | None = None) -> float | None:
        """Among the people at or above ``level`` at the first ``n_stable`` times, the share below ``below``
        (default: ``level``) at any later time; see :meth:`Rating.relapse_share`."""
        return self.rating.relapse_share(self.outcome, self.times_h, n_stable, level,
                                         level if below is None else below, seed=self.seed)

    def response_rate(self) -> dict[str, float]:
        return dict(zip(self.labels, map(float, self.rates(self.response))))

    def remission_rate(self) -> dict[str, float]:
        return dict(zip(self.labels, map(float, self.rates(self.remission))))

    def median_outcome(self) -> dict[str, float]:
        return {lab: float(np.median(self.outcome[:, j])) for j, lab in enumerate(self.labels)}

    def to_dict(self) -> dict:
        names, counts = np.unique(self.genotype, return_counts=True)
        return {"scenario": self.scenario, "n": self.n, "seed": self.seed,
                "readout": self.readout,
                "definitions": {"response": f"{self.readout} >= {self.response:g}",
                                "remission": f"{self.readout} >= {self.remission:g}",
                                "text": self.definitions},
                "rating": {"noise": self.rating.noise, "course_spread": self.rating.spread,
                           "course_time_h": self.rating.time_h},
                "response_rate": self.response_rate(), "remission_rate": self.remission_rate(),
                "median": self.median_outcome(),
                "genotypes": {str(k): int(v) for k, v in zip(names, counts)},
                "seconds": round(self.seconds, 3)}


def rating_of(model: Model) -> Rating:
    """The model's :class:`Rating` (its ``[population]`` rating_noise, course_spread and course_time)."""
    spec = model.population
    return Rating(float(model.value(spec.noise)), float(model.value(spec.course_spread)),
                  float(model.value(spec.course_time)))


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
    """Each person's genotype (index into the model's genotypes) and drawn values."""
    spec = model.population
    if spec.genotypes:
        freqs = np.array([g.frequency for g in spec.genotypes])
        which = rng.choice(len(spec.genotypes), size=n, p=freqs / freqs.sum())
    else:
        which = np.zeros(n, dtype=int)
    values = {}
    for var in spec.variations:
        p = model.parameters[var.parameter]
        z = rng.standard_normal(n)
        spread = model.value(var.spread)          # a number, or a parameter of the model (a fit can move it)
        if var.distribution == "lognormal":
            value = p.value * np.exp(spread * z)
        else:
            value = p.value + spread * z
        # one person's value stays within the variation's own bounds where the model file gives them (the
        # parameter's range bounds the typical value), else within the range
        low, high = (p.low, p.high) if var.within is None else var.within
        values[var.parameter] = np.clip(value, low, high)
    return which, values


@dataclass(frozen=True)
class Batch:
    """Everything the kernel needs to run many parameter sets of one scenario:
    one row of every kernel array and of the event values per set."""

    kernel: dict                 # KernelArrays field -> stacked array
    y0: np.ndarray
    ev: object                   # the shared Events (times, kinds, compartments)
    ev_vals: np.ndarray          # event values, one row per set
    t_end: float
    t_out: np.ndarray            # sorted output times
    keep: np.ndarray             # the states kept
    n_pk: int


def build_batch(variants: list[Model], which: np.ndarray, values: dict[str, np.ndarray],
                scenario: Scenario, t_out: np.ndarray, keep_names: list[str],
                t_end: float | None = None) -> tuple[Batch, OdeSystem]:
    """Stack the compiled ``variants`` (row i uses ``variants[which[i]]``) and set
    each row's parameter ``values`` (absolute, in base units) where the compiler
    says they enter (``OdeSystem.param_uses``): kernel entries directly (scaled, so
    a variant's own scaling stays), the pharmacokinetic arrays by recompiling
    them, mg/kg doses through the event values."""
    n = len(which)
    systems = [compile_model(m) for m in variants]
    base_model, base = variants[0], systems[0]
    which = np.asarray(which, dtype=np.int64)
    stacked = {arr: np.ascontiguousarray(np.stack([np.asarray(getattr(s.kernel, arr))
                                                   for s in systems])[which])
               for arr in KernelArrays._fields}
    weight = np.full(n, base_model.body_weight_kg())
    pk_params = []
    for name, v in values.items():
        p = base_model.parameters[name]
        factor = np.asarray(v, float) / p.value if p.value != 0 else np.ones(n)
        for use in base.param_uses.get(name, ()):
            if use.array in KernelArrays._fields:
                flat = stacked[use.array].reshape(n, -1)
                flat[:, use.index] *= factor
            elif use.array == "pk":
                pk_params.append(name)
            elif use.array == "dose" and name == base_model.roles.body_weight:
                weight = np.asarray(v, float)
            else:
                raise UsageError(f"parameter '{name}' cannot vary between runs: it enters the "
                                 f"{use.array}, which a batch cannot change\n"
                                 "  hint: vary a strength, time constant, baseline, clearance or "
                                 "the body weight")
    for i in range(n) if pk_params else ():
        m = variants[which[i]]
        for name in dict.fromkeys(pk_params):
            m = set_parameter(m, name, float(values[name][i]))
        lam, conc, vinv = pk_arrays(m)
        stacked["pk_lam"][i], stacked["conc_matrix"][i], stacked["pk_vinv"][i] = lam, conc, vinv
    y0 = np.concatenate([np.zeros((n, base.n_pk)), stacked["baseline"]], axis=1)
    nodes = [o for o in keep_names if o not in base.drug_ids]
    keep = np.array([base.n_pk + base.node_index(o) for o in nodes]
                    + (list(range(base.n_pk)) if len(nodes) < len(keep_names) else []),
                    dtype=np.int64)
    t_end = max(float(t_out.max()), t_end or 0.0)
    ev = build_events(base, scenario, t_end)
    ev_vals = np.repeat(ev.value[None, :], n, axis=0)
    ev_vals[:, ev.per_kg] *= (weight / base_model.body_weight_kg())[:, None]
    resets = np.flatnonzero(ev.kind == SET)
    ev_vals[:, resets] = stacked["baseline"][:, ev.index[resets]]
    return Batch(stacked, y0, ev, np.ascontiguousarray(ev_vals), t_end,
                 np.ascontiguousarray(t_out), keep, base.n_pk), base


#: The batch solver's absolute tolerance (node activities are of order 1; see
#: benchmarks/bench_population.py --accuracy for what it costs in accuracy).
ATOL = 1e-5
#: Nodes that are the same for whole groups of rows are integrated once per group
#: when the groups hold at least this many rows on average (see :func:`shared_nodes`),
MIN_SHARED = 16
#: to this fraction of the batch's tolerances (their tables add no error of their own);
TABLE_TOL = 0.1
#: the rows' own nodes then to this fraction of the relative tolerance: the shared
#: fast nodes no longer shorten a row's steps, and the rows keep the accuracy of a
#: whole integration (benchmarks/bench_population.py --accuracy).
ROW_TOL = 0.5

#: The kernel arrays with one entry per node, per term and for the pharmacokinetics.
_NODE_ARRAYS = ("tau_rise", "tau_fall", "baseline", "mode", "n_par")
_TERM_ARRAYS = ("e_kind", "e_sign", "e_strength", "e_par")
_PK_ARRAYS = ("pk_lam", "conc_matrix", "pk_vinv")


@dataclass(frozen=True)
class Shared:
    """Nodes integrated once per group of rows, as tables the rows read
    (``_kernel.solve``): node k is column ``column[k]`` (-1: each row integrates
    it); row i belongs to group ``group[i]``, whose table is rows
    ``start[g]:start[g + 1]`` of the times ``t``, values ``y`` and rates ``f``."""

    column: np.ndarray
    group: np.ndarray
    start: np.ndarray
    t: np.ndarray
    y: np.ndarray
    f: np.ndarray


def _distinct(n: int, *arrays) -> np.ndarray:
    """Per row, an id of its values in ``arrays`` (rows with equal values, equal ids)."""
    flat = np.concatenate([np.asarray(a, float).reshape(n, -1) for a in arrays], axis=1)
    if np.all(flat == flat[:1]):
        return np.zeros(n, np.int64)
    order = np.lexsort(flat.T)
    rows = flat[order]
    ids = np.empty(n, np.int64)
    ids[order] = np.cumsum(np.r_[False, np.any(rows[1:] != rows[:-1], axis=1)])
    return ids


def shared_nodes(batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """The kept outputs' upstream nodes that are the same for groups of rows, and
    each row's group: a node whose own arrays, incoming terms and resets take
    only a few distinct values across the rows, and all of whose sources (nodes,
    or drugs with their doses and pharmacokinetics) are such too, follows the
    same course in every row of a group. Return (column: per node its column in
    the shared tables or -1, group: per row). Nothing is shared unless the groups
    hold :data:`MIN_SHARED` rows on average."""
    kernel, ev = batch.kernel, batch.ev
    n, n_node = kernel["baseline"].shape
    n_drug = kernel["conc_matrix"].shape[1]
    nothing = np.full(n_node, -1, np.int64), np.zeros(n, np.int64)
    most = n / MIN_SHARED                   # the most groups worth a table each
    e_src, e_tgt = kernel["e_src"][0], kernel["e_tgt"][0]
    if most < 1 or np.any(kernel["e_src"] != e_src) or np.any(kernel["e_tgt"] != e_tgt):
        return nothing
    dosing = _distinct(n, *(kernel[a] for a in _PK_ARRAYS), batch.ev_vals[:, ev.kind != SET])
    ids = [_distinct(n, *(kernel[a][:, k] for a in _NODE_ARRAYS),
                     *(kernel[a][:, e_tgt == k] for a in _TERM_ARRAYS),
                     batch.ev_vals[:, (ev.kind == SET) & (ev.index == k)])
           for k in range(n_node)]
    announce(_kernel.unread, _kernel.solve, _kernel.integrate_batch, what="the population solver")
    shared = ~_kernel.unread(batch.keep, batch.n_pk, n_drug, n_node, e_src, e_tgt)
    shared &= np.array([i.max() < most for i in ids])
    source_shared = lambda e: (shared[e_src[e] - n_drug] if e_src[e] >= n_drug  # noqa: E731
                               else dosing.max() < most)
    while True:
        lost = [e_tgt[e] for e in range(len(e_src)) if shared[e_tgt[e]] and not source_shared(e)]
        if not lost:
            break
        shared[lost] = False
    if not shared.any():
        return nothing
    reads_drug = np.any(shared[e_tgt] & (e_src < n_drug))
    group = _distinct(n, *(ids[k] for k in np.flatnonzero(shared)), *([dosing] if reads_drug else []))
    if group.max() >= most:
        return nothing
    column = np.full(n_node, -1, np.int64)
    column[shared] = np.arange(shared.sum())
    return column, group


def _share(batch: Batch, rtol: float) -> Shared:
    """Integrate the shared nodes (:func:`shared_nodes`) once per group."""
    column, group = shared_nodes(batch)
    n_group = group.max() + 1 if np.any(column >= 0) else 0
    ev = batch.ev
    n_col = int(np.sum(column >= 0))
    tables = []
    for g in range(n_group):
        r = int(np.flatnonzero(group == g)[0])
        status, rows = 3, 4096
        while status == 3:                  # the table was full: again with twice the rows
            rows *= 2
            t, y, f = np.empty(rows), np.empty((rows, n_col)), np.empty((rows, n_col))
            _, _, status, n_rec = _kernel.solve(
                batch.y0[r], first_event_h(ev), batch.t_end, batch.t_out, ev.t_h, ev.kind,
                ev.index, batch.ev_vals[r], rtol * TABLE_TOL, ATOL * TABLE_TOL, 1 / 60, 24.0,
                5_000_000, column < 0, column, t, y, f, True,
                tuple(batch.kernel[a][r] for a in KernelArrays._fields))
        if status != 0:
            raise SimulationError(f"the simulation failed for run {r} of {len(group)}\n"
                                  "  hint: narrow the ranges or spreads of the parameters that vary")
        tables.append((t[:n_rec], y[:n_rec], f[:n_rec]))
    start = np.cumsum([0] + [len(t) for t, _, _ in tables])
    join = lambda i, shape: (np.concatenate([tab[i] for tab in tables])  # noqa: E731
                             if tables else np.empty(shape))
    return Shared(column, group, start, join(0, 0), join(1, (0, n_col)), join(2, (0, n_col)))


def _run_rows(batch: Batch, shared: Shared, rows: slice,
              rtol: float) -> tuple[np.ndarray, np.ndarray]:
    ev = batch.ev
    if len(shared.t):
        rtol *= ROW_TOL
    announce(_kernel.integrate_batch, what="the population solver")
    return _kernel.integrate_batch(
        np.ascontiguousarray(batch.y0[rows]), first_event_h(ev), batch.t_end, batch.t_out,
        ev.t_h, ev.kind, ev.index, np.ascontiguousarray(batch.ev_vals[rows]), rtol, ATOL,
        1 / 60, 24.0, 5_000_000, batch.keep, shared.column,
        np.ascontiguousarray(shared.group[rows]), shared.start, shared.t, shared.y, shared.f,
        tuple(np.ascontiguousarray(batch.kernel[a][rows]) for a in KernelArrays._fields))


def _run_chunk(batch: Batch, shared: Shared, start: int, stop: int, rtol: float):
    """One Dask task: rows start..stop of the batch; only their kept states return."""
    res, status = _run_rows(batch, shared, slice(start, stop), rtol)
    return start, res, status


def run_batch(batch: Batch, *, rtol: float = 1e-3, chunk: int = 1000, progress: bool = False,
              dask=None, what: str = "runs") -> np.ndarray:
    """Integrate every row; return (rows x times x kept states). With ``dask`` (a
    ``distributed.Client``) the chunks are mapped on the cluster and only the kept
    states come back; the answer is the same as the serial one."""
    n = batch.y0.shape[0]
    out = np.empty((n, len(batch.t_out), len(batch.keep)))
    status = np.zeros(n, dtype=np.int64)
    starts = list(range(0, n, chunk))
    shared = _share(batch, rtol)
    with tqdm(total=n, unit=f" {what}", disable=not progress, file=sys.stderr, desc=what,
              leave=False) as bar:
        if dask is None:
            for start in starts:
                sl = slice(start, min(n, start + chunk))
                out[sl], status[sl] = _run_rows(batch, shared, sl, rtol)
                bar.update(sl.stop - sl.start)
        else:
            from distributed import as_completed
            on_cluster = dask.scatter([batch, shared], broadcast=True)
            futures = [dask.submit(_run_chunk, *on_cluster, s, min(n, s + chunk), rtol, pure=False)
                       for s in starts]
            for future in as_completed(futures):
                start, res, st = future.result()
                out[start:start + len(st)], status[start:start + len(st)] = res, st
                bar.update(len(st))
    if np.any(status != 0) or not np.all(np.isfinite(out)):
        bad = int(np.flatnonzero(status != 0)[0]) if np.any(status != 0) else -1
        raise SimulationError(f"the simulation failed for run {bad} of {n}\n"
                              "  hint: narrow the ranges or spreads of the parameters that vary")
    return out


def split_columns(out: np.ndarray, order: np.ndarray, wanted: list[str], base: OdeSystem,
                  batch: Batch) -> dict[str, np.ndarray]:
    """Kept states as named (rows x times) columns in the caller's time order; drug
    plasma levels are computed from the kept PK modes."""
    n, n_t = out.shape[0], out.shape[1]
    nodes = [o for o in wanted if o not in base.drug_ids]
    cols = {}
    for j, name in enumerate(nodes):
        cols[name] = np.empty((n, n_t))
        cols[name][:, order] = out[:, :, j]
    drugs = [o for o in wanted if o in base.drug_ids]
    if drugs:
        modes = out[:, :, len(nodes):]                       # rows x times x modes
        conc = np.einsum("ptm,pdm->ptd", modes, batch.kernel["conc_matrix"])
        for name in drugs:
            cols[name] = np.empty((n, n_t))
            cols[name][:, order] = np.maximum(conc[:, :, base.drug_ids.index(name)], 0.0)
    return cols


def dask_client(address: str | None):
    """A ``distributed.Client``: ``"local"`` starts a LocalCluster on this machine;
    anything else is a scheduler's address, such as ``tcp://10.0.0.5:8786``."""
    if address is None:
        return None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--dask needs the distributed package",
                         hint="pip install 'ketamine-pathway[research]' (or dask[distributed])") from None
    if address == "local":
        return Client(LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                   dashboard_address=None))
    try:
        return Client(address, timeout=10)
    except (OSError, ValueError, TimeoutError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address!r}: {exc}\n"
                         "  hint: give its address as tcp://HOST:8786, or use --dask local") from None


#: A virtual patient's peak memory in kernel arrays' worth: the stacked arrays, the copies
#: the shared groups are found from and the chunk being integrated. benchmarks/bench_memory.py
#: measured 14-15 kB a person (1.7 times the 8.5 kB of the built-in model's arrays) at 3 to
#: 100 times read, 10,000 to 60,000 people.
KERNEL_COPIES = 1.8


def check_batch_memory(model: Model, scenario: Scenario, t_end: float, n: int,
                       n_times: int, n_outputs: int, what: str, hint: str,
                       copies: float = 1.0) -> None:
    """Refuse a batch that would not fit the memory budget, before anything is drawn:
    each run holds a copy of the kernel arrays, its events and its outputs (``copies``
    times, where a caller holds more per run)."""
    from .simulate import check_administrations
    check_administrations(model, scenario, t_end)
    system = compile_model(model)
    n_events = len(build_events(system, scenario, t_end))
    per_run = KERNEL_COPIES * sum(np.asarray(a).nbytes for a in system.kernel)
    per_run += 8 * (n_events + n_times * (3 + n_outputs) + 64)
    check_memory(n * per_run * copies, what, hint)


def simulate_population(model: Model, scenario: str | Scenario, *, n: int = 1000, seed: int = 0,
                        at: str | None = None, times_h=None, days: float | None = None,
                        rtol: float = 1e-3, progress: bool = False,
                        chunk: int = 1000, outputs=(), dask=None) -> PopulationResult:
    """Simulate ``n`` virtual patients given ``scenario``.

    Parameters
    ----------
    at : str, optional
        Times at which to read the primary outcome, e.g. ``"24h,7d,6w"`` (default ``"24h,7d"``).
    rtol : float
        Solver tolerance (with the absolute tolerance :data:`ATOL`, 1e-5). Measured
        against a tight solve (rtol 1e-6, atol 1e-9, every person integrated whole)
        on 1000 people over 8 weeks in every built-in scenario (``python
        benchmarks/bench_population.py --accuracy``): each person's outcome stays
        within 1.3e-3 (4e-4 to 9e-4 in most scenarios), and response rates move by
        at most 0.2 percentage points, far below the spread between people. Only
        the nodes the kept outputs depend on are integrated, and those that are the
        same for everyone (no varying parameter reaches them: the drug levels and
        the fast chains they drive) once for all (see :func:`shared_nodes`).
    progress : bool
        Show a progress bar on standard error.
    outputs : sequence of str
        Further columns to keep per person and time (node ids or drug plasma levels
        in ng/mL), returned in ``extra``.
    dask : distributed.Client, optional
        Map the people on a Dask cluster (see :func:`dask_client`); the answer is
        the same as without it.
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
    check_batch_memory(model, sc, max(float(times_h.max()), (days or 0) * 24.0), n, len(times_h),
                       len(outputs), f"{n} virtual patients read at {len(times_h)} times",
                       "simulate fewer people (--n) or read fewer times (--at)")
    order = np.argsort(times_h)
    t_out = np.ascontiguousarray(times_h[order])

    started = time.perf_counter()
    which, values = _draw(model, n, np.random.default_rng(seed))
    spec = model.population
    genotypes = spec.genotypes or ()
    variants = [model if g is None or g.intervention is None
                else apply_intervention(model, g.intervention) for g in genotypes or (None,)]
    wanted = [model.primary] + [o for o in outputs if o != model.primary]
    batch, base = build_batch(variants, which, values, sc, t_out, wanted,
                              t_end=(days or 0) * 24.0)
    out = run_batch(batch, rtol=rtol, chunk=chunk, progress=progress, dask=dask,
                    what="virtual patients")
    cols = split_columns(out, order, wanted, base, batch)
    outcome = cols.pop(model.primary)
    names = [g.name for g in genotypes] or ["all"]
    return PopulationResult(
        scenario=sc.name, seed=int(seed), times_h=np.asarray(times_h), labels=tuple(labels),
        outcome=outcome, values=values, genotype=np.array(names)[which],
        response=spec.response, remission=spec.remission, definitions=spec.definitions,
        readout=model.primary, extra=cols, seconds=time.perf_counter() - started,
        rating=rating_of(model))
