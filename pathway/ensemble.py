"""The calibration ensemble: parameter sets consistent with the calibration trials, and the band they give.

``pathway fit`` bootstraps the calibration trials (:func:`pathway.fit.fit` keeps the draws, one parameter vector
per replicate). :func:`select_members` keeps :data:`MEMBERS` of them, chosen deterministically so that they span
the bootstrap's central 95% region, and :func:`write_ensemble` writes them with the fitted values (the centre),
the trials and the method into the **ensemble file** beside the model file, ``ensembles/<model file name>``
(``models/ensembles/ketamine.toml`` for the built-in model), atomically.

:func:`load_ensemble` reads it strictly (every problem named by file and key, with a hint) and refuses a file that
no longer fits the model: a calibrated parameter missing, or a model value that is not the ensemble's centre (the
model file was fitted or edited after the ensemble was written; ``pathway fit`` remakes both).

:func:`band` simulates every member (the model with each member's values set) and returns, at each time, the
lowest and the highest member: the band drawn by ``pathway plot --band``, ``pathway animate --band`` and the
explorer. It is a min-max envelope of the members, not a percentile. The members run one after the other: the
batch solver (:func:`pathway.population.build_batch`) cannot vary a parameter that enters the doses, and three of
the calibrated parameters (the inert drugs' expectancies) do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import UsageError
from .modelfile import BASE_UNIT, Model, set_parameter
from .tomlfile import FileChecker, FileKind, read_toml, run_checks

__all__ = ["Ensemble", "Band", "MEMBERS", "REGION", "ensemble_path", "select_members", "ensemble_text",
           "write_ensemble", "load_ensemble", "band", "effect_band"]

#: Members kept from the bootstrap draws.
MEMBERS = 25
#: The share of the draws (nearest the centre, by Mahalanobis distance) the members are chosen from.
REGION = 0.95
#: Version of the ensemble file's layout.
FORMAT = 1
#: How far (relative) a model value may sit from the ensemble's centre and still count as the same value: the
#: model file holds 4 significant digits.
CENTRE_RTOL = 1e-3
#: What the band is, in the words legends use.
BAND_KIND = "lowest to highest member"

METHOD = ("linearised case bootstrap over the calibration trials (one Gauss-Newton step from the fit per "
          "replicate); members: the draws within the central 95% by Mahalanobis distance, sorted by that "
          "distance and split into equal strata, the middle draw of each stratum")

ENSEMBLE_FILE = FileKind(
    name="ensemble file", noun="any ensemble needs",
    size_hint="an ensemble file is a few kB; check that this is models/ensembles/<model>.toml",
    missing_hint="run `pathway fit` (a fit of every calibrated parameter) to write it",
    missing_what="the model has no ensemble file", loader="load_ensemble")


@dataclass(frozen=True)
class Ensemble:
    """Parameter sets from ``pathway fit``: ``members[k][i]`` is parameter ``names[i]`` of member k (base units)."""

    source: str
    model: str
    model_file: str
    names: tuple[str, ...]
    units: tuple[str, ...]
    centre: tuple[float, ...]
    members: tuple[tuple[float, ...], ...]
    trials: tuple[str, ...]
    replicates: int
    method: str

    def __len__(self) -> int:
        return len(self.members)

    @property
    def label(self) -> str:
        """The legend's words for the band."""
        return f"calibration ensemble, {len(self.members)} sets"

    def member_models(self, model: Model) -> list[Model]:
        """``model`` with each member's values set."""
        out = []
        for values in self.members:
            m = model
            for name, v in zip(self.names, values):
                m = set_parameter(m, name, float(v))
            out.append(m)
        return out


@dataclass(frozen=True)
class Band:
    """The members' lowest and highest value at each time, and the central run (the model's own values)."""

    t_h: np.ndarray
    centre: np.ndarray
    low: np.ndarray
    high: np.ndarray
    members: int
    readout: str
    effect: bool

    @property
    def label(self) -> str:
        return f"calibration ensemble, {self.members} sets"


def ensemble_path(model: Model) -> Path:
    """The ensemble file beside a model file: ``ensembles/<model file name>`` in its folder."""
    return Path(model.source).parent / "ensembles" / Path(model.source).name


# ---------------------------------------------------------------- choosing the members

def select_members(draws, centre, k: int = MEMBERS, region: float = REGION) -> np.ndarray:
    """The indices of ``k`` rows of ``draws`` that span the draws' central ``region``.

    Distances are Mahalanobis distances from ``centre`` under the draws' own covariance (a pseudo-inverse, so a
    parameter the data do not move adds nothing). The draws within the ``region`` quantile of distance are sorted
    by distance (ties by row), split into ``k`` strata of (nearly) equal size, and the middle draw of each stratum
    is kept: members near the centre and at the edge of the region, in the directions the bootstrap drew.
    Deterministic: the same draws give the same members.
    """
    draws = np.asarray(draws, float)
    centre = np.asarray(centre, float)
    if draws.ndim != 2 or draws.shape[1] != centre.shape[0] or not np.all(np.isfinite(draws)):
        raise UsageError(f"draws must be a finite (replicates x {centre.shape[0]}) array\n"
                         "  hint: pass FitResult.draws and FitResult.values")
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= len(draws):
        raise UsageError(f"k = {k!r} members must be a whole number from 2 to {len(draws)} (the draws)\n"
                         f"  hint: {MEMBERS} is the default")
    if not 0 < region <= 1:
        raise UsageError(f"region = {region!r} must be a share above 0 and at most 1\n  hint: 0.95")
    diff = draws - centre
    cov = np.cov(diff, rowvar=False).reshape(len(centre), len(centre))
    # scale each coordinate first, so that parameters in different units weigh the same in the pseudo-inverse
    scale = np.sqrt(np.clip(np.diag(cov), 0, None))
    scale[scale == 0] = 1.0
    z = diff / scale
    prec = np.linalg.pinv(np.atleast_2d(np.cov(z, rowvar=False)), hermitian=True)
    dist = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", z, prec, z), 0, None))
    order = np.lexsort((np.arange(len(dist)), np.round(dist, 12)))
    inside = order[: max(k, int(math.floor(region * len(dist) + 1e-9)))]
    strata = np.array_split(inside, k)
    return np.array([s[len(s) // 2] for s in strata], dtype=int)


# ---------------------------------------------------------------- writing

def _number(x: float) -> str:
    return repr(float(f"{x:.6g}"))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ensemble_text(model: Model, result, k: int = MEMBERS) -> str:
    """The ensemble file for a :class:`~pathway.fit.FitResult` of every calibrated parameter."""
    from .fit import _rounded
    if result.draws is None or len(result.draws) < 2:
        raise UsageError("the fit kept no bootstrap draws\n  hint: run pathway.fit.fit() to get a result with draws")
    idx = select_members(result.draws, result.values, k)
    units = [BASE_UNIT[d] for d in result.dimensions]
    centre = [_rounded(v, lo, hi) for v, lo, hi in zip(result.values, result.low, result.high)]
    lines = [
        "# The calibration ensemble of the model file " + Path(model.source).name + ": parameter sets",
        "# consistent with the calibration trials. Written by `pathway fit` (a fit of every calibrated",
        "# parameter); do not edit: run `pathway fit` again to remake it with the model file's values.",
        "# members[k][i] is parameter names[i] of member k, in units[i] (the base unit; \"\" is a number).",
        "",
        f"format = {FORMAT}",
        f"model = {_string(model.name)}",
        f"model_file = {_string(Path(model.source).name)}",
        "trials = [" + ", ".join(_string(t) for t in result.trials) + "]",
        f"method = {_string(METHOD)}",
        f"replicates = {len(result.draws)}",
        "names = [" + ", ".join(_string(n) for n in result.names) + "]",
        "units = [" + ", ".join(_string(u) for u in units) + "]",
        "# the fitted values (as the model file holds them)",
        "centre = [" + ", ".join(_number(v) for v in centre) + "]",
        "members = [",
    ]
    for i in idx:
        vals = [min(max(float(v), lo), hi) for v, lo, hi in zip(result.draws[i], result.low, result.high)]
        lines.append("  [" + ", ".join(_number(v) for v in vals) + f"],   # draw {int(i)}")
    lines.append("]")
    return "\n".join(lines) + "\n"


def write_ensemble(model: Model, result, path=None, k: int = MEMBERS) -> Path:
    """Write the ensemble file of ``result`` (default: :func:`ensemble_path`), atomically; return its path."""
    from .atomicio import write_text
    from .fit import calibrated_parameters
    missing = [n for n in calibrated_parameters(model) if n not in result.names]
    if missing:
        raise UsageError(f"the fit left out the calibrated parameter{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}, so its draws are no ensemble of the calibrated model\n"
                         "  hint: fit every calibrated parameter (pathway fit without --only)")
    path = Path(path) if path is not None else ensemble_path(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, ensemble_text(model, result, k))
    return path


# ---------------------------------------------------------------- reading

_KEYS = {"format", "model", "model_file", "trials", "method", "replicates", "names", "units", "centre", "members"}


def _strings(c: FileChecker, data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if key not in data:
        c.problem(key, f"missing field '{key}'", f"add {key} = [\"...\"] (pathway fit writes it)")
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.problem(key, f"'{key}' must be a list of strings", f"write {key} = [\"a\", \"b\"]")
        return ()
    return tuple(value)


def _numbers(c: FileChecker, value, place: str, size: int) -> tuple[float, ...] | None:
    ok = isinstance(value, list) and all(not isinstance(v, bool) and isinstance(v, (int, float))
                                         and math.isfinite(v) for v in value)
    if not ok:
        c.problem(place, "expected a list of finite numbers", "write [1.5, 0.2, ...] (no quotes)")
        return None
    if len(value) != size:
        c.problem(place, f"{len(value)} values for {size} names", "give one value per name, in the order of names")
        return None
    return tuple(float(v) for v in value)


def _build(c: FileChecker, data: dict, model: Model) -> Ensemble:
    c.unknown_keys(data, _KEYS, "top level")
    fmt = c.number(data, "format", "format", integer=True, low=1)
    if fmt is not None and fmt != FORMAT:
        c.problem("format", f"format {fmt} is not {FORMAT}, the one this version reads",
                  "run `pathway fit` to write it again")
    name = c.nonempty_text(data, "model", "model")
    if name and name != model.name:
        c.problem("model", f"the ensemble is of the model '{name}', not of '{model.name}'",
                  "run `pathway fit --model FILE` for this model")
    model_file = c.nonempty_text(data, "model_file", "model_file")
    trials = _strings(c, data, "trials")
    method = c.nonempty_text(data, "method", "method")
    replicates = c.number(data, "replicates", "replicates", integer=True, low=1) or 0
    names = _strings(c, data, "names")
    units = _strings(c, data, "units")
    if units and len(units) != len(names):
        c.problem("units", f"{len(units)} units for {len(names)} names", "give one unit per name")
    centre = _numbers(c, data.get("centre"), "centre", len(names)) if "centre" in data else None
    if "centre" not in data:
        c.problem("centre", "missing field 'centre'", "add centre = [...] (the fitted values)")
    members = []
    raw = data.get("members")
    if not isinstance(raw, list) or len(raw) < 2:
        c.problem("members", "expected a list of at least 2 parameter sets",
                  "write members = [[...], [...]], one list of values per member")
        raw = []
    for k, row in enumerate(raw):
        vals = _numbers(c, row, f"members[{k}]", len(names))
        if vals is not None:
            members.append(vals)
    # against the model: the same calibrated parameters, the same units, values in range, the same centre
    from .fit import calibrated_parameters
    calibrated = calibrated_parameters(model)
    for i, n in enumerate(names):
        p = model.parameters.get(n)
        if p is None:
            c.problem(f"names[{i}]", f"the model has no parameter '{n}'", "run `pathway fit` to write it again")
            continue
        if not p.calibrated:
            c.problem(f"names[{i}]", f"'{n}' is not marked calibrated in the model file",
                      "run `pathway fit` to write it again")
        if i < len(units) and units[i] != BASE_UNIT[p.dimension]:
            c.problem(f"units[{i}]", f"'{units[i]}' is not the base unit of {n} ('{BASE_UNIT[p.dimension]}')",
                      "values are written in the base unit; run `pathway fit` to write it again")
        for k, vals in enumerate(members):
            if not p.low <= vals[i] <= p.high:
                c.problem(f"members[{k}][{i}]", f"{n} = {vals[i]:g} is outside its range {p.low:g} to {p.high:g}",
                          "run `pathway fit` to write it again")
        if centre is not None and not math.isclose(centre[i], p.value, rel_tol=CENTRE_RTOL, abs_tol=1e-12):
            c.problem(f"centre[{i}]", f"{n} = {centre[i]:g} here but {p.value:g} in the model, so the "
                      "ensemble belongs to other values (the model file was fitted or edited since, or --set "
                      "changed a calibrated parameter)", "the band needs the fitted values: leave out --set "
                      f"{n}=..., or run `pathway fit` to remake the ensemble with the model file's values")
    left = [n for n in calibrated if n not in names]
    if names and left:
        c.problem("names", f"the calibrated parameter{'s' if len(left) > 1 else ''} {', '.join(left)} "
                  "missing", "run `pathway fit` (every calibrated parameter) to write it again")
    if len(set(names)) != len(names):
        c.problem("names", "a parameter is named twice", "name each parameter once")
    return Ensemble(source=c.source, model=name, model_file=model_file, names=names, units=units,
                    centre=centre or (), members=tuple(members), trials=trials, replicates=int(replicates),
                    method=method)


def load_ensemble(model: Model, path=None) -> Ensemble:
    """Read and check the ensemble file of ``model`` (default :func:`ensemble_path`).

    Raises :class:`~pathway.errors.DataFileError` (a ``UsageError``) listing every problem; a missing file says
    to run ``pathway fit``."""
    path = Path(path) if path is not None else ensemble_path(model)
    data = read_toml(path, ENSEMBLE_FILE)
    c = FileChecker(str(path))
    return run_checks(c, lambda d: _build(c, d, model), data, ENSEMBLE_FILE)


# ---------------------------------------------------------------- the band

def _runs(model: Model, scenario, column: str | None, days, step_min, placebo: bool, ensemble: Ensemble):
    from .scenarios import placebo_arm
    from .simulate import simulate

    def one(m):
        sc = placebo_arm(m, scenario) if placebo else scenario
        tr = simulate(m, sc, days=days, step_min=step_min)
        col = column or tr.primary
        if col not in tr:
            from .errors import suggest
            raise UsageError(f"unknown readout '{col}'\n  hint: {suggest(col, tr.names)}")
        return tr.t_h, tr[col]
    t, centre = one(model)
    rows = [one(m)[1] for m in ensemble.member_models(model)]
    return t, centre, np.array(rows)


def band(model: Model, scenario, readout: str | None = None, *, effect: bool = False, days: float | None = None,
         step_min: float = 15.0, ensemble: Ensemble | None = None, placebo: bool = False) -> Band:
    """The band of ``readout`` (default the primary outcome) after ``scenario``: every member simulated, the
    lowest and highest member at each time, with the central run (``model`` as it is), which the band always
    holds.

    ``effect=True``: the drug effect, each member's arm minus the same member's matched placebo arm (the
    difference the lecture shows). ``placebo=True``: the band of the matched placebo arm itself.
    ``ensemble``: default :func:`load_ensemble` of ``model``."""
    ens = load_ensemble(model) if ensemble is None else ensemble
    if effect and placebo:
        raise UsageError("effect and placebo together: the drug effect already subtracts the placebo arm\n"
                         "  hint: give one of them")
    t, centre, rows = _runs(model, scenario, readout, days, step_min, placebo, ens)
    if effect:
        _, c0, r0 = _runs(model, scenario, readout, days, step_min, True, ens)
        centre, rows = centre - c0, rows - r0
    column = readout or model.primary
    # the envelope holds the fitted model's own curve too: a member set need not lie on both sides of it at
    # every time (a parameter fitted at a range limit has members on one side only)
    return Band(t_h=t, centre=centre, low=np.minimum(rows.min(axis=0), centre),
                high=np.maximum(rows.max(axis=0), centre), members=len(ens),
                readout=column, effect=effect)


def effect_band(model: Model, scenario, readout: str | None = None, **kw) -> Band:
    """:func:`band` of the drug effect (arm minus its matched placebo arm)."""
    return band(model, scenario, readout, effect=True, **kw)
