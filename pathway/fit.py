"""``pathway fit``: estimate the model's calibrated parameters from the calibration trials, and write them back.

The parameters to estimate are those the model file marks ``calibrated = true`` in ``[parameters.NAME]``; their
bounds are the parameters' ranges. The data are the trials marked ``role = "calibrate"`` in ``models/trials``
(the rule that chose them is in ``models/trials/README.md``), and only the numbers each recorded with a spread:
every arm value and every difference the trial reported itself (a difference :mod:`pathway.trialsim` computes
from two arm values is not counted twice). Each number's residual is ``(model - trial) / se``, se from the
trial's own 95% interval.

The virtual patients are the same in every evaluation (one seed), so the objective is a deterministic function
of the parameters; a response or remission rate counts people with an error of :data:`SMOOTH` added (in
quadrature) to the model's own rating (:class:`pathway.rating.Rating`), so that it moves smoothly with the
parameters even where that rating has no error (the report afterwards counts people with the model's rating
alone). ``scipy.optimize.least_squares`` (trust-region reflective, within the bounds) starts from the
file's values and from deterministic Halton points in the box (log scale for positive ranges); the best end wins.

Uncertainty: a case bootstrap over the calibration trials, each replicate solved by one Gauss-Newton step from
the fit with the Jacobian of the fit (linearised, so it costs no new simulation) and damped by a weak prior
(:data:`PRIOR_SD`: half of each range, so that a direction the data leave free does not throw the step to a
range limit), gives a 95% interval per parameter; the Gauss-Newton standard error is reported beside it. The
draws are kept (``FitResult.draws``): :mod:`pathway.ensemble` picks the calibration ensemble (the ``--band``
sets) from them.

:func:`write_fitted` edits only the ``value`` and ``fitted_from`` lines of the fitted parameters in the model file
and replaces the file atomically, so its comments and layout stay.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import UsageError, suggest
from .modelfile import BASE_UNIT, UNITS, Model, format_quantity, set_parameter
from .trialsim import SEED, compare_trials, simulate_arms
from .trials import load_trials

__all__ = ["FitResult", "calibrated_parameters", "fit", "write_fitted", "format_fit", "FIT_PEOPLE", "SMOOTH"]

#: Virtual patients per arm during the fit (the report afterwards uses pathway.trialsim.N_PEOPLE).
FIT_PEOPLE = 120
#: Width (in fraction of the rating scale) of the logistic that counts responders during the fit.
SMOOTH = 0.02
#: Relative step of the finite differences, in the normalised coordinates (0..1 across the bounds).
DIFF_STEP = 0.02
#: Bootstrap replicates for the intervals.
BOOTSTRAP = 400
#: The weak prior that damps each bootstrap step: a normal distribution around the fit whose standard deviation
#: is this share of the parameter's range (normalised coordinates). Where the data pin a parameter down it changes
#: nothing; where they do not, it keeps the step from flying to a range limit.
PRIOR_SD = 0.5


#: Most processes that evaluate the Jacobian's columns at once.
MAX_WORKERS = 8


class _Objective:
    """The residual vector at normalised coordinates u: a plain, picklable object, so that worker processes can
    evaluate it too."""

    def __init__(self, model, cal, names, space, n, seed, keys):
        self.model, self.cal, self.names, self.space = model, cal, names, space
        self.n, self.seed, self.keys = n, seed, keys

    def __call__(self, u) -> np.ndarray:
        values = self.space.to_value(u)

        def transform(m):
            for name, v in zip(self.names, values):
                m = set_parameter(m, name, float(v))
            return m
        results = simulate_arms(self.model, self.cal, n=self.n, seed=self.seed, transform=transform)
        rows = compare_trials(transform(self.model), self.cal, results=results, smooth=SMOOTH)
        got = {r.key: r for r in rows}
        return np.array([(got[k].model - got[k].observed) / got[k].se for k in self.keys])


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                      # not on Linux
        return os.cpu_count() or 1


def _quiet_worker():
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl+C is the parent's to handle: it stops the pool


class _Columns:
    """Evaluates the objective at several points, in a pool of worker processes (spawned afresh: no fork of a
    process with threads) or, with one worker, here."""

    def __init__(self, objective: _Objective, workers: int | None):
        self.objective = objective
        self.workers = min(MAX_WORKERS, _available_cores()) if workers is None else workers
        self.pool = None

    def __enter__(self):
        if self.workers > 1:
            import multiprocessing
            ctx = multiprocessing.get_context("spawn")
            self.pool = ctx.Pool(self.workers, initializer=_quiet_worker)
        return self

    def __call__(self, points):
        if self.pool is None:
            return [self.objective(u) for u in points]
        return self.pool.map(self.objective, points, chunksize=1)

    def __exit__(self, *exc):
        if self.pool is not None:
            if exc[0] is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()
        return False


@dataclass(frozen=True)
class FitResult:
    names: tuple[str, ...]
    values: tuple[float, ...]            # base units
    start: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    se: tuple[float, ...]                # Gauss-Newton standard error (base units; nan where not identified)
    interval: tuple[tuple[float, float], ...]   # bootstrap 95% interval (base units)
    trials: tuple[str, ...]
    cost_start: float
    cost: float
    residuals: tuple[tuple[str, float], ...]     # (label, (model - trial) / se) at the fit
    n_people: int
    starts: int
    evaluations: int
    seconds: float
    dimensions: tuple[str, ...]
    #: the bootstrap's parameter vectors (replicates x names, base units); pathway.ensemble picks members from them
    draws: np.ndarray | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {"parameters": [{"name": n, "value": v, "start": s, "bounds": [lo, hi], "se": e,
                                "interval95": list(ci), "unit": BASE_UNIT[d]}
                               for n, v, s, lo, hi, e, ci, d in zip(self.names, self.values, self.start, self.low,
                                                                    self.high, self.se, self.interval,
                                                                    self.dimensions)],
                "trials": list(self.trials), "cost_start": self.cost_start, "cost": self.cost,
                "residuals": [{"number": k, "z": z} for k, z in self.residuals],
                "n_people": self.n_people, "starts": self.starts, "evaluations": self.evaluations,
                "seconds": round(self.seconds, 1)}


def calibrated_parameters(model: Model) -> list[str]:
    """The parameters the model file marks ``calibrated = true``, in file order."""
    return [name for name, p in model.parameters.items() if p.calibrated]


def _fit_rows(rows):
    """The numbers the fit uses: calibration trials, a spread, simulated, recorded by the trial itself."""
    return [r for r in rows if r.role == "calibrate" and r.se is not None and r.se > 0
            and r.model is not None and not r.derived]


def _label(r) -> str:
    when = f"{r.time_h:g} h"
    return f"{r.trial} {r.arm} {when} {r.what}"


class _Space:
    """Normalised coordinates u in [0, 1]: log scale for a range above 0, linear otherwise."""

    def __init__(self, model: Model, names):
        self.names = list(names)
        self.low = np.array([model.parameters[n].low for n in names])
        self.high = np.array([model.parameters[n].high for n in names])
        self.log = self.low > 0

    def to_value(self, u):
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        lin = self.low + u * (self.high - self.low)
        lg = np.exp(np.log(np.where(self.log, self.low, 1.0)) + u * np.log(
            np.where(self.log, self.high / np.where(self.log, self.low, 1.0), 1.0)))
        return np.clip(np.where(self.log, lg, lin), self.low, self.high)

    def to_u(self, v):
        v = np.asarray(v, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            lin = (v - self.low) / np.where(self.high > self.low, self.high - self.low, 1.0)
            lg = np.log(np.where(self.log, v / np.where(self.log, self.low, 1.0), 1.0)) / np.log(
                np.where(self.log, self.high / np.where(self.log, self.low, 1.0), 2.0))
        return np.clip(np.where(self.log, lg, lin), 0.0, 1.0)

    def dvalue_du(self, u):
        """d value / d u at u (for the standard errors in base units)."""
        v = self.to_value(u)
        return np.where(self.log, v * np.log(np.where(self.log, self.high / np.where(self.log, self.low, 1.0),
                                                       1.0)), self.high - self.low)


def _check_names(model: Model, names) -> list[str]:
    names = list(names)
    if not names:
        raise UsageError(f"{model.source}: no parameter is marked calibrated\n"
                         "  hint: write calibrated = true in [parameters.NAME] for each parameter the fit "
                         "should estimate")
    for n in names:
        if n not in model.parameters:
            raise UsageError(f"unknown parameter '{n}'\n  hint: {suggest(n, model.parameters)}")
        if not model.parameters[n].calibrated:
            raise UsageError(f"parameter '{n}' is not marked calibrated in the model file\n"
                             f"  hint: write calibrated = true in [parameters.{n}], or fit one of: "
                             f"{', '.join(calibrated_parameters(model)) or 'none'}")
        p = model.parameters[n]
        if not p.high > p.low:
            raise UsageError(f"parameter '{n}' has an empty range, so there is nothing to fit\n"
                             f"  hint: give [parameters.{n}] a range with two different ends")
    if len(set(names)) != len(names):
        raise UsageError("a parameter is named twice\n  hint: name each parameter once")
    return names


def fit(model: Model, trials=None, *, names=None, n: int = FIT_PEOPLE, seed: int = SEED, starts: int = 2,
        max_nfev: int = 6, progress=None, workers: int = 1) -> FitResult:
    """Fit the calibrated parameters (or ``names``, each of them marked calibrated) to the calibration trials.

    ``workers`` processes evaluate the columns of the finite-difference Jacobian at once (1, the default,
    evaluates them in this process; ``None`` means one per available core, at most :data:`MAX_WORKERS`). The
    result does not depend on it. The workers are started with ``spawn``, which imports the calling script
    again: a script that asks for more than one must call :func:`fit` under ``if __name__ == "__main__":``
    (the ``pathway fit`` command does, and uses one worker per core)."""
    from scipy.optimize import least_squares
    from scipy.stats import qmc

    t0 = time.perf_counter()
    names = _check_names(model, calibrated_parameters(model) if names is None else names)
    if isinstance(starts, bool) or not isinstance(starts, int) or not 1 <= starts <= 20:
        raise UsageError(f"starts = {starts!r} must be a whole number from 1 to 20\n"
                         "  hint: 1 starts from the file's values only; 3 adds two spread-out starts")
    if isinstance(n, bool) or not isinstance(n, int) or not 20 <= n <= 5000:
        raise UsageError(f"n = {n!r} virtual patients per arm must be a whole number from 20 to 5000\n"
                         f"  hint: {FIT_PEOPLE} is the default")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or not 1 <= workers <= MAX_WORKERS):
        raise UsageError(f"workers = {workers!r} must be a whole number from 1 to {MAX_WORKERS}\n"
                         "  hint: 1 runs everything in this process; None (pathway fit's default) one per core")
    if isinstance(max_nfev, bool) or not isinstance(max_nfev, int) or not 1 <= max_nfev <= 200:
        raise UsageError(f"max_nfev = {max_nfev!r} optimiser steps must be a whole number from 1 to 200\n"
                         "  hint: 8 steps per start are the default")
    trials = load_trials() if trials is None else tuple(trials)
    cal = [t for t in trials if t.role == "calibrate"]
    if not cal:
        raise UsageError("no trial has role = \"calibrate\"\n  hint: mark the calibration trials in their files "
                         "(models/trials/README.md gives the rule)")
    from .trialsim import default_trialmap_path, load_trialmap
    if load_trialmap(model) is None:
        raise UsageError(f"{model.source}: the model has no trial map, so no trial can be simulated\n"
                         f"  hint: put one at {default_trialmap_path(model)} (see models/trialmap/ketamine.toml)")
    space = _Space(model, names)
    first = compare_trials(model, cal, n=n, seed=seed, smooth=SMOOTH)
    used = _fit_rows(first)
    keep = sorted({r.trial for r in used})
    if not used:
        raise UsageError("the calibration trials record no number with a spread that the model can simulate\n"
                         "  hint: give their outcomes se, sd with n, an interval, or counts with n")
    cal = [t for t in cal if t.id in keep]
    keys = [r.key for r in used]
    objective = _Objective(model, tuple(cal), tuple(names), space, n, seed, tuple(keys))
    evaluations = 0
    last = {}

    def residuals(u):
        nonlocal evaluations
        evaluations += 1
        out = objective(u)
        last["u"], last["f"] = np.array(u, float), out
        if progress is not None:
            progress(evaluations, float(out @ out))
        return out

    u0 = space.to_u([model.parameters[nm].value for nm in names])
    points = [u0]
    if starts > 1:
        halton = qmc.Halton(d=len(names), scramble=False).random(starts)[1:]   # skips the corner 0
        points += [0.15 + 0.7 * h for h in halton]
    best = None
    with _Columns(objective, workers) as columns:
        def jacobian(u):
            nonlocal evaluations
            u = np.asarray(u, float)
            f0 = last["f"] if "u" in last and np.array_equal(last["u"], u) else residuals(u)
            steps, shifted = [], []
            for j in range(len(u)):
                h = DIFF_STEP if u[j] + DIFF_STEP <= 1.0 else -DIFF_STEP    # one-sided, inside the bounds
                x = u.copy()
                x[j] = u[j] + h
                steps.append(x[j] - u[j])
                shifted.append(x)
            evaluations += len(shifted)
            return np.column_stack([(f - f0) / h for f, h in zip(columns(shifted), steps)])

        r0 = residuals(u0)
        for u in points:
            sol = least_squares(residuals, u, jac=jacobian, bounds=(0.0, 1.0), x_scale=1.0,
                                max_nfev=max_nfev, method="trf")
            if best is None or sol.cost < best.cost:
                best = sol
    u_hat = best.x
    res = best.fun
    jac = best.jac
    # Gauss-Newton standard errors, scaled by the residual variance when the fit is worse than the spreads say
    dof = max(1, len(res) - len(names))
    s2 = max(1.0, float(res @ res) / dof)
    dv = space.dvalue_du(u_hat)
    try:
        cov_u = np.linalg.pinv(jac.T @ jac) * s2
        se_u = np.sqrt(np.clip(np.diag(cov_u), 0, None))
        se = se_u * np.abs(dv)
        # a standard error wider than the whole range (or no sensitivity at all): not identified
        se[(np.diag(jac.T @ jac) < 1e-12) | (se_u > 1.0)] = np.nan
    except np.linalg.LinAlgError:
        se = np.full(len(names), np.nan)
    # case bootstrap over trials, linearised: one Gauss-Newton step per replicate
    rng = np.random.default_rng(seed)
    trial_of = np.array([k[0] for k in keys])
    ids = np.array(keep)
    draws = []
    for _ in range(BOOTSTRAP):
        pick = rng.choice(ids, size=len(ids), replace=True)
        w = np.zeros(len(keys))
        for tid in pick:
            w += trial_of == tid
        jw = jac * w[:, None]
        step = np.linalg.solve(jw.T @ jac + np.eye(len(names)) / PRIOR_SD ** 2, -(jw.T @ res))
        draws.append(space.to_value(np.clip(u_hat + step, 0.0, 1.0)))
    draws = np.array(draws)
    interval = tuple((float(a), float(b)) for a, b in zip(np.percentile(draws, 2.5, axis=0),
                                                           np.percentile(draws, 97.5, axis=0)))
    values = space.to_value(u_hat)
    return FitResult(
        names=tuple(names), values=tuple(float(v) for v in values),
        start=tuple(model.parameters[nm].value for nm in names),
        low=tuple(space.low), high=tuple(space.high), se=tuple(float(x) for x in se), interval=interval,
        trials=tuple(keep), cost_start=float(r0 @ r0), cost=float(res @ res),
        residuals=tuple((_label(r), float(z)) for r, z in zip(used, res)),
        n_people=n, starts=len(points), evaluations=evaluations, seconds=time.perf_counter() - t0,
        dimensions=tuple(model.parameters[nm].dimension for nm in names), draws=draws)


def apply_fit(model: Model, result: FitResult) -> Model:
    """``model`` with the fitted values (rounded as :func:`write_fitted` writes them) and their trials."""
    params = dict(model.parameters)
    for name, v in zip(result.names, result.values):
        params[name] = replace(params[name], value=_rounded(v, params[name].low, params[name].high),
                               fitted_from=result.trials)
    return replace(model, parameters=params)


def _rounded(v: float, low: float, high: float) -> float:
    """``v`` to 4 significant digits, inside ``[low, high]``; a value within a millionth of the range's width of
    a bound is that bound (an optimiser's 1e-13 for a range from 0 is 0, not a number too small to write)."""
    if high > low and min(abs(v - low), abs(v - high)) <= 1e-6 * (high - low):
        return low if abs(v - low) <= abs(v - high) else high
    r = float(f"{v:.4g}")
    return min(max(r, low), high)


_VALUE = re.compile(r'^(\s*value\s*=\s*)("?)([^"#\n]*?)("?)(\s*(#.*)?)$')


def _render(value: float, old: str, dim: str, low: float = -math.inf, high: float = math.inf) -> str:
    """The new value in the unit the file used on that line, with as few significant digits (4 or more) as keep
    it inside ``[low, high]`` once read back (1 h written in weeks to 4 digits, 0.005952 wk, is under 1 h). A
    bound that no number of digits in that unit reaches (10 min in days, 0.0069444... d) is written in a unit
    of the same dimension that holds it (10 min)."""
    if dim == "number":
        units = [("", 1.0)]
    else:
        m = re.match(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*(.*?)\s*$", old)
        unit = m.group(1) if m else BASE_UNIT[dim]
        units = [(unit, UNITS[dim].get(unit, 1.0))] + [(u, f) for u, f in UNITS[dim].items() if u != unit]
    for unit, factor in units:
        for digits in range(4, 18):
            text = f"{value / factor:.{digits}g}"
            if low <= float(text) * factor <= high:
                return f"{text} {unit}" if unit else text
    unit, factor = units[0]
    return f"{value / factor:.17g} {unit}" if unit else f"{value:.17g}"


def write_fitted(path: str | Path, model: Model, result: FitResult) -> None:
    """Write the fitted values and ``fitted_from`` into the model file at ``path``: only those lines change; the
    file is replaced atomically (a temporary file in the same folder, renamed over it)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except OSError as exc:
        raise UsageError(f"cannot read '{path}': {exc.strerror or exc}\n  hint: give the model file to write "
                         "the fitted values into") from None
    header = re.compile(r"^\s*\[([^\]]+)\]\s*(#.*)?$")
    todo = {f"parameters.{n}": (n, v) for n, v in zip(result.names, result.values)}
    fitted = "fitted_from = [" + ", ".join(f'"{t}"' for t in result.trials) + "]\n"
    out, current, wrote = [], None, set()
    i = 0
    while i < len(lines):
        line = lines[i]
        h = header.match(line)
        if h:
            current = h.group(1).strip()
        if current in todo and line.lstrip().startswith("fitted_from"):
            i += 1                      # replaced after the value line
            continue
        m = _VALUE.match(line.rstrip("\n")) if current in todo else None
        if m and current not in wrote:
            name, v = todo[current]
            p = model.parameters[name]
            v = _rounded(v, p.low, p.high)
            text = _render(v, m.group(3), p.dimension, p.low, p.high)
            quote = '"' if p.dimension != "number" else ""
            out.append(f"{m.group(1)}{quote}{text}{quote}{m.group(5) or ''}\n")
            out.append(fitted)
            wrote.add(current)
            i += 1
            continue
        out.append(line)
        i += 1
    missing = set(todo) - wrote
    if missing:
        raise UsageError(f"{path}: no value line found for {', '.join(sorted(missing))}\n"
                         "  hint: each fitted parameter needs a [parameters.NAME] table with a value line")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _range_edge(value: float, low: float, high: float) -> str:
    """'lower limit' or 'upper limit' where ``value`` lies within 1% of the range's width of that edge, else ''.

    >>> _range_edge(0.999, 0.0, 1.0), _range_edge(0.5, 0.0, 1.0), _range_edge(0.0, 0.0, 1.0)
    ('upper limit', '', 'lower limit')
    """
    width = high - low
    if value - low <= 0.01 * width:
        return "lower limit"
    if high - value <= 0.01 * width:
        return "upper limit"
    return ""


def format_fit(result: FitResult) -> str:
    lines = [f"Fitted {len(result.names)} parameter{'s' if len(result.names) != 1 else ''} to {len(result.residuals)} numbers of the calibration "
             f"trials {', '.join(result.trials)}",
             f"({result.n_people} virtual patients per arm, {result.starts} starts, {result.evaluations} "
             f"evaluations, {result.seconds:.0f} s); sum of squared residuals {result.cost_start:.1f} -> "
             f"{result.cost:.1f}", ""]
    lines.append(f"{'parameter':26s} {'start':>14s} {'fitted':>14s} {'+- se':>12s}  bootstrap 95% interval")
    at_limit = []
    for nm, s, v, e, (a, b), d, lo, hi in zip(result.names, result.start, result.values, result.se,
                                              result.interval, result.dimensions, result.low, result.high):
        err = "not identified" if not math.isfinite(e) else format_quantity(e, d)
        edge = _range_edge(v, lo, hi)
        if edge:
            at_limit.append(f"{nm} ({edge})")
        lines.append(f"{nm:26s} {format_quantity(s, d):>14s} {format_quantity(v, d):>14s} {err:>12s}  "
                     f"{format_quantity(a, d)} to {format_quantity(b, d)}{'   at the ' + edge if edge else ''}")
    if at_limit:
        lines += ["", f"At or within 1% of a limit of its range: {', '.join(at_limit)}. The range is the model "
                  "file's; a value held there says the calibration trials pull beyond what the range allows."]
    lines.append("")
    lines.append("Residuals at the fit, (model - trial) / se:")
    for label, z in result.residuals:
        lines.append(f"  {z:+7.2f}  {label}{'   (outside the 95% interval)' if abs(z) > 1.96 else ''}")
    return "\n".join(lines)
