"""Validation: the published trials (calibration fit and validation) and the literature targets, by simulation.

The trials part (:func:`trial_rows`, :func:`format_trial_report`, :func:`trial_figure`) sets every number the trial
files in ``models/trials`` recorded beside the model's, each against the trial's own 95% interval, calibration
trials and validation trials apart (:mod:`pathway.trialsim` runs the arms). The rest of this module is the
scorecard of literature targets, which the hand-set parameters were tuned against (calibration targets):

``models/targets/ketamine.toml`` (beside the model it checks) lists every literature target of ``docs/science-targets.md`` as one or
more checks: a statement, its source, the simulation (scenario, days, dose,
hypotheses, interventions), the quantity to read and the band it must fall in.
This module knows a small vocabulary of quantity kinds and nothing about the
model's nodes: the targets file names the columns.

>>> from pathway import load_model
>>> results = run_targets(load_model(), ids=["T1a"])
>>> [(r.id, r.passed) for r in results]
[('T1a', True)]

Quantity kinds (fields in brackets are optional):

* ``value_at``: ``column`` at time ``t``.
* ``peak_value`` / ``peak_time``: the maximum of ``column`` [within ``window``].
* ``frac_of_peak``: the change from the first value at ``t``, as a fraction of the
  largest change.
* ``time_to_below``: hours from ``after`` (default: the peak) until ``column``
  falls below ``level``, or below ``frac`` of its peak change.
* ``half_life``: ln 2 (t2 - t1) / ln(y(t1) / y(t2)).
* ``auc``: the area under ``column`` over [``window``].
* ``ripple``: the largest deviation of ``column`` from a straight line over ``window``.
* ``ratio`` / ``difference``: of two sub-quantities ``a`` and ``b``.
* ``response_rate`` / ``remission_rate``: the share of virtual patients whose
  relief reaches the model's response (remission) level at ``t``.
* ``odds_ratio``: of two rate sub-quantities ``a`` and ``b``.
* ``relapse_rate``: among virtual patients at or above ``level`` at every time
  in ``stable``, the share that falls below it at any time in ``follow``.

Every quantity may set ``effect = true``: the column in the arm minus the same
column in its matched placebo arm (:func:`pathway.scenarios.placebo_arm`).
``placebo_arm = true`` simulates that arm on its own; ``placebo_arm = "DRUG"`` gives
it another inert drug of the model (a comparator that patients can tell apart, say).
Simulation fields (``scenario``, ``days``, ``step_min``, ``dose_scale``,
``hypotheses``, ``interventions``, ``placebo_arm``, ``n``, ``seed``) may sit on the
target or on a sub-quantity, which inherits the target's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import UsageError, suggest
from .modelfile import Model, parse_quantity
from .scenarios import apply_all, inert_drugs, placebo_arm
from .simulate import simulate
from .tomlfile import FileChecker, FileKind, _short, read_toml, run_checks

# numpy 2.0 renamed trapz to trapezoid; numpy 1.26 (the lowest version allowed) has only trapz.
_trapezoid = getattr(np, "trapezoid", None) or np.trapz

__all__ = ["TargetResult", "load_targets", "run_targets", "default_targets_path",
           "format_scorecard"]

_SIM_KEYS = ("scenario", "days", "step_min", "dose_scale", "hypotheses", "interventions",
             "placebo_arm", "n", "seed")


@dataclass(frozen=True)
class TargetResult:
    id: str
    statement: str
    source: str
    band: tuple[float, float]
    value: float
    passed: bool
    known_gap: str = ""          # why the model misses this target, if it is a known gap

    def to_dict(self) -> dict:
        return {"id": self.id, "statement": self.statement, "source": self.source,
                "band": list(self.band), "value": self.value, "passed": self.passed,
                "known_gap": self.known_gap}


def default_targets_path(model: Model) -> Path | None:
    """The scorecard beside a model file: ``targets/<model file name>`` in its folder."""
    path = Path(model.source).parent / "targets" / Path(model.source).name
    return path if path.is_file() else None


#: How a targets file is spoken of in its errors (limits: :mod:`pathway.tomlfile`).
TARGETS_FILE = FileKind(
    name="targets file", noun="any scorecard needs",
    size_hint="a targets file is some 100 kB of [[targets]] tables; check that this is one",
    missing_hint="check the path given to --targets, or leave it out to use the scorecard "
                 "beside the model")
_TARGET_KEYS = {"id", "statement", "source", "band", "quantity", "known_gap", *_SIM_KEYS}
#: the kinds of quantity, each with the fields it needs and the fields it may have
_SERIES = {"column", "effect"}
QUANTITY_KINDS: dict[str, tuple[set[str], set[str]]] = {
    "value_at": ({"t"}, _SERIES),
    "peak_value": (set(), _SERIES | {"window"}),
    "peak_time": (set(), _SERIES | {"window"}),
    "frac_of_peak": ({"t"}, _SERIES),
    "time_to_below": (set(), _SERIES | {"after", "level", "frac"}),
    "half_life": ({"t1", "t2"}, _SERIES),
    "auc": (set(), _SERIES | {"window"}),
    "ripple": (set(), _SERIES | {"window"}),
    "ratio": ({"a", "b"}, set()),
    "difference": ({"a", "b"}, set()),
    "odds_ratio": ({"a", "b"}, set()),
    "response_rate": ({"t"}, set()),
    "remission_rate": ({"t"}, set()),
    "relapse_rate": ({"stable", "follow"}, {"level"}),
}
#: the most virtual patients one target may ask for
MAX_PATIENTS = 100_000


class _TargetsChecker(FileChecker):
    """The targets file's checker: fields, types, units and bands; with a model, also
    every scenario, hypothesis, intervention, column and reference it names."""

    def __init__(self, source: str, model: Model | None):
        super().__init__(source)
        self.model = model

    def build(self, data: dict) -> list[dict]:
        for key in sorted(set(data) - {"targets"}):
            self.problem(key, "unknown table (a targets file has only [[targets]])",
                         "write each target as a [[targets]] table")
        raw = data.get("targets", [])
        if "targets" not in data:
            self.problem("targets", "no [[targets]]", "add at least one [[targets]] table")
        seen: set[str] = set()
        out = []
        for i, t in self.list_of_tables(raw, "targets", "[[targets]] with id, statement, "
                                                         "source, band and quantity"):
            tid = t.get("id")
            place = f"targets.{tid}" if isinstance(tid, str) and tid else f"targets[{i}]"
            self.unknown_keys(t, _TARGET_KEYS, place)
            if self.nonempty_text(t, "id", place):
                if tid in seen:
                    self.problem(place, f"duplicate target id {tid!r}",
                                 "give every target its own id")
                seen.add(tid)
            self.nonempty_text(t, "statement", place)
            source = self.nonempty_text(t, "source", place)
            if source and self.model is not None and source not in self.model.references:
                self.problem(place, f"unknown reference '{source}'",
                             suggest(source, self.model.references))
            self.text(t, "known_gap", place, required=False)
            self.band(t, place)
            sim = self.simulation(t, place, {})
            if "quantity" not in t:
                self.problem(place, "missing field 'quantity'",
                             "add quantity = { kind = \"value_at\", t = \"24 h\" }")
            else:
                self.quantity(t["quantity"], f"{place}.quantity", sim)
            out.append(t)
        return out

    def band(self, t: dict, place: str) -> None:
        band = t.get("band")
        if "band" not in t:
            self.problem(place, "missing field 'band'", "add band = [low, high]")
        elif not isinstance(band, list) or len(band) != 2 or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and not math.isnan(x)
                for x in band):
            self.problem(place, f"band {band!r} must be two numbers [low, high]",
                         "write band = [0.2, 0.5]; inf is allowed as high")
        elif not band[0] <= band[1] or band[0] == math.inf:
            self.problem(place, f"band {band!r}: low is above high",
                         "write the lower bound first")

    def simulation(self, q: dict, place: str, inherited: dict) -> dict:
        """The simulation fields of a target or quantity, merged over what it inherits."""
        from .modelfile import MAX_DAYS
        from .simulate import STEP_MIN_RANGE
        model, sim = self.model, dict(inherited)
        if "scenario" in q:
            choices = model.scenarios if model is not None else [q["scenario"]]
            if self.names(q["scenario"], choices, f"{place}.scenario", "scenario", single=True):
                sim["scenario"] = q["scenario"]
        for key, low, high, integer in (("days", 1e-6, MAX_DAYS, False),
                                        ("step_min", *STEP_MIN_RANGE, False),
                                        ("dose_scale", 1e-6, 1e3, False),
                                        ("n", 1, MAX_PATIENTS, True),
                                        ("seed", 0, 2 ** 32 - 1, True)):
            value = self.number(q, key, place, low=low, high=high, required=False,
                                integer=integer)
            if value is not None:
                sim[key] = value
        for key, table, what in (("hypotheses", model and model.hypotheses, "hypothesis"),
                                 ("interventions", model and model.interventions,
                                  "intervention")):
            if key in q:
                self.sim_names(q[key], table, f"{place}.{key}", what, key == "interventions")
        if "placebo_arm" in q:
            arm = q["placebo_arm"]
            if isinstance(arm, str) and model is not None:
                self.names(arm, inert_drugs(model), f"{place}.placebo_arm", "inert drug",
                           single=True)
            elif not isinstance(arm, (bool, str)):
                self.problem(f"{place}.placebo_arm", f"{arm!r} is neither true, false nor "
                             "the name of an inert drug", "write placebo_arm = true")
        return sim

    def sim_names(self, value, table, place: str, what: str, timed: bool) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(place, f"expected a list of {what} names, got {value!r}",
                         f"write [\"name\"] with {what} names of the model")
            return
        for v in value:
            name, at, when = v.partition("@") if timed else (v, "", "")
            if table is not None and name not in table:
                self.problem(place, f"unknown {what} '{v}'", suggest(name, table))
            elif at:
                self.quantity_of(when, "time", place, nonnegative=True)

    def time(self, q: dict, key: str, place: str) -> float | None:
        if key not in q:
            return None
        if isinstance(q[key], (int, float)) and not isinstance(q[key], bool):
            self.problem(f"{place}.{key}", f"the time {q[key]!r} has no unit",
                         "write a time with its unit, e.g. \"24 h\" or \"7 d\"")
            return None
        return self.quantity_of(q[key], "time", f"{place}.{key}", nonnegative=True)

    def times(self, q: dict, key: str, place: str, pair: bool = False) -> list[float] | None:
        if key not in q:
            return None
        value = q[key]
        if not isinstance(value, list) or not value or (pair and len(value) != 2):
            self.problem(f"{place}.{key}", f"{key} {_short(value)} must be "
                         + ("two times [from, to]" if pair else "a non-empty list of times"),
                         f"write {key} = [\"1 d\", \"7 d\"]")
            return None
        got = [self.time({key: v}, key, place) for v in value]
        if any(x is None for x in got):
            return None
        if pair and got[0] > got[1]:
            self.problem(f"{place}.{key}", f"{key} {value!r} ends before it starts",
                         "write the earlier time first")
            return None
        return got

    def quantity(self, q, place: str, sim: dict) -> None:
        if not isinstance(q, dict):
            self.problem(place, f"expected a table, got {type(q).__name__}",
                         "write quantity = { kind = \"value_at\", t = \"24 h\" }")
            return
        kind = q.get("kind")
        if not isinstance(kind, str) or kind not in QUANTITY_KINDS:
            self.problem(place, "missing field 'kind'" if "kind" not in q else
                         f"kind {_short(kind)} is not a kind of quantity",
                         suggest(str(kind), QUANTITY_KINDS) if isinstance(kind, str) else
                         f"choose one of: {', '.join(QUANTITY_KINDS)}")
            return
        needs, may = QUANTITY_KINDS[kind]
        self.unknown_keys(q, {"kind", "scale", *_SIM_KEYS, *needs, *may}, place)
        for key in sorted(needs - set(q)):
            self.problem(place, f"a {kind} quantity needs '{key}'",
                         "see the kinds of quantity in pathway/validate.py")
        sim = self.simulation(q, place, sim)
        if "scale" in q:
            scale = self.number(q, "scale", place)
            if scale == 0:
                self.problem(place, "'scale' is 0", "leave out scale, or give a factor such as 1/24")
        if kind in ("ratio", "difference", "odds_ratio"):
            for key in ("a", "b"):
                if key in q:
                    self.quantity(q[key], f"{place}.{key}", sim)
            return
        if "scenario" not in sim:
            self.problem(place, "no scenario to simulate",
                         "give scenario = \"...\" on the target or on this quantity")
        for key in ("t", "after"):
            self.time(q, key, place)
        t1, t2 = self.time(q, "t1", place), self.time(q, "t2", place)
        if t1 is not None and t2 is not None and not t1 < t2:
            self.problem(place, "t1 must come before t2", "write the earlier time as t1")
        self.times(q, "window", place, pair=True)
        self.times(q, "stable", place)
        self.times(q, "follow", place)
        self.number(q, "level", place, required=False)
        self.number(q, "frac", place, low=0.0, high=1.0, required=False)
        self.flag(q, "effect", place)
        if kind == "time_to_below" and ("level" in q) == ("frac" in q):
            self.problem(place, "a time_to_below quantity needs either 'level' or 'frac'",
                         "give level = 0.2, or frac = 0.5 of the peak change")
        if "column" in q:
            model = self.model
            columns = [] if model is None else [*model.node_ids, *model.derived]
            if model is None:
                self.nonempty_text(q, "column", place)
            else:
                self.names(q["column"], columns, f"{place}.column", "column", single=True)


def load_targets(path: str | Path, model: Model | None = None) -> list[dict]:
    """Read and check a targets file: every field, type, unit and band; with ``model``,
    also the names it uses (scenarios, hypotheses, interventions, columns, references).

    Returns the targets as tables. Raises :class:`~pathway.errors.DataFileError` (a
    ``UsageError``) listing every problem, each with the file, the place and a hint."""
    shown = str(path)
    data = read_toml(path, TARGETS_FILE)
    checker = _TargetsChecker(shown, model)
    return run_checks(checker, checker.build, data, TARGETS_FILE)


def _hours(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return parse_quantity(value, "time")[0]


class _Runner:
    """Simulations shared between targets (cached by their settings)."""

    def __init__(self, model: Model):
        self.model = model
        self.trajs: dict = {}
        self.pops: dict = {}

    def _variant(self, sim: dict):
        model = apply_all(self.model, tuple(sim.get("interventions", ())),
                          tuple(sim.get("hypotheses", ())))
        sc = model.scenario(sim["scenario"])
        scale = float(sim.get("dose_scale", 1.0))
        if scale != 1.0:           # pretreatments are added at simulate time, unscaled
            sc = replace(sc, doses=tuple(replace(d, amount=d.amount * scale) for d in sc.doses),
                         label="")
        arm = sim.get("placebo_arm")
        if arm:                    # true: the model's inert drug; a drug id: that one
            sc = placebo_arm(model, sc, inert=arm if isinstance(arm, str) else None)
        return model, sc

    def _key(self, sim: dict) -> tuple:
        return tuple((k, tuple(sim[k]) if isinstance(sim.get(k), list) else sim.get(k))
                     for k in _SIM_KEYS)

    def traj(self, sim: dict):
        key = self._key(sim)
        if key not in self.trajs:
            model, sc = self._variant(sim)
            days = float(sim.get("days", sc.days))
            step = float(sim.get("step_min", 5.0 if days <= 21 else 30.0))
            self.trajs[key] = simulate(model, sc, days=days, step_min=step)
        return self.trajs[key]

    def series(self, sim: dict, column: str, effect: bool):
        tr = self.traj(sim)
        y = np.clip(tr[column], 0.0, None)      # readouts are clipped to their range
        if not effect:
            return tr.t_h, y
        pl = self.traj({**sim, "placebo_arm": True})
        return tr.t_h, y - np.interp(tr.t_h, pl.t_h, np.clip(pl[column], 0.0, None))

    def population(self, sim: dict, times_h: tuple[float, ...]):
        from .population import simulate_population
        key = (self._key(sim), times_h)
        if key not in self.pops:
            model, sc = self._variant(sim)
            self.pops[key] = simulate_population(
                model, sc, n=int(sim.get("n", 400)), seed=int(sim.get("seed", 1)),
                times_h=np.array(times_h), days=float(sim.get("days", sc.days)))
        return self.pops[key]


def _window(q, t):
    if "window" not in q:
        return np.ones_like(t, dtype=bool)
    lo, hi = (_hours(x) for x in q["window"])
    return (t >= lo - 1e-9) & (t <= hi + 1e-9)


def _quantity(run: _Runner, q: dict, sim: dict) -> float:
    """One quantity, times its optional ``scale`` (e.g. 1/24 for hours to days)."""
    return _raw_quantity(run, q, {**sim, **{k: q[k] for k in _SIM_KEYS if k in q}}) \
        * float(q.get("scale", 1.0))


def _raw_quantity(run: _Runner, q: dict, sim: dict) -> float:
    kind = q["kind"]
    if kind in ("ratio", "difference", "odds_ratio"):
        a, b = _quantity(run, q["a"], sim), _quantity(run, q["b"], sim)
        if kind == "difference":
            return a - b
        if kind == "odds_ratio":
            a, b = min(max(a, 1e-6), 1 - 1e-6), min(max(b, 1e-6), 1 - 1e-6)
            return (a / (1 - a)) / (b / (1 - b))
        return a / b if abs(b) > 1e-12 else math.inf
    if kind in ("response_rate", "remission_rate"):
        t = _hours(q["t"])
        pop = run.population(sim, (t,))
        return float(pop.rates(pop.response if kind == "response_rate" else pop.remission)[0])
    if kind == "relapse_rate":
        stable = tuple(_hours(x) for x in q["stable"])
        follow = tuple(_hours(x) for x in q["follow"])
        pop = run.population(sim, stable + follow)
        share = pop.relapse(len(stable), float(q.get("level", pop.response)))
        return math.nan if share is None else share
    column = q.get("column", run.model.primary)
    t, y = run.series(sim, column, bool(q.get("effect", False)))
    if kind == "value_at":
        return float(np.interp(_hours(q["t"]), t, y))
    if kind in ("peak_value", "peak_time"):
        m = _window(q, t)
        i = int(np.argmax(np.where(m, y, -np.inf)))
        return float(y[i] if kind == "peak_value" else t[i])
    if kind == "frac_of_peak":
        e = y - y[0]
        peak = e[np.argmax(np.abs(e))]
        return float(np.interp(_hours(q["t"]), t, e) / peak) if peak else 0.0
    if kind == "time_to_below":
        if "after" in q:
            start = _hours(q["after"])
        else:
            start = float(t[np.argmax(y)])
        if "level" in q:
            level = float(q["level"])
        else:
            e0 = y[0]
            level = e0 + float(q["frac"]) * (y.max() - e0)
        idx = np.flatnonzero((t > start) & (y < level))
        return float(t[idx[0]] - start) if idx.size else math.inf
    if kind == "half_life":
        t1, t2 = _hours(q["t1"]), _hours(q["t2"])
        c1, c2 = np.interp(t1, t, y), np.interp(t2, t, y)
        return float(math.log(2) * (t2 - t1) / math.log(c1 / c2)) if c1 > c2 > 0 else math.inf
    if kind == "auc":
        m = _window(q, t)
        return float(_trapezoid(y[m], t[m]))
    if kind == "ripple":
        m = _window(q, t)
        tt, yy = t[m], y[m]
        fit = np.polyval(np.polyfit(tt, yy, 1), tt)
        return float(np.max(np.abs(yy - fit)))
    raise UsageError(f"unknown quantity kind {kind!r}\n  hint: see pathway.validate's docstring")


def run_targets(model: Model, path: str | Path | None = None, ids=None) -> list[TargetResult]:
    """Compute every target of the scorecard (or those whose id is in ``ids``); by
    default the scorecard beside the model file (:func:`default_targets_path`)."""
    path = path or default_targets_path(model)
    if path is None:
        raise UsageError(f"{model.source}: this model has no scorecard\n"
                         "  hint: write one as targets/<model file name> beside it, or pass "
                         "--targets FILE")
    run = _Runner(model)
    results = []
    targets = load_targets(path, model)
    known = {t["id"] for t in targets}
    for i in ids or ():
        if i not in known:
            from .errors import UnknownNameError
            raise UnknownNameError(f"unknown target '{i}'", hint=suggest(i, known))
    for t in targets:
        if ids is not None and t["id"] not in ids:
            continue
        sim = {k: t[k] for k in _SIM_KEYS if k in t}
        value = _quantity(run, t["quantity"], sim)
        lo, hi = (float(x) for x in t["band"])
        passed = bool(np.isfinite(value) or math.isinf(hi) and value > 0) and lo <= value <= hi
        results.append(TargetResult(t["id"], t["statement"], t["source"], (lo, hi),
                                    float(value), passed, str(t.get("known_gap", ""))))
    return results


def format_scorecard(results: list[TargetResult]) -> str:
    lines = [f"{'id':8s} {'band':>19s} {'model':>10s}  verdict  source / statement"]
    for r in results:
        band = f"[{r.band[0]:g}, {r.band[1]:g}]"
        lines.append(f"{r.id:8s} {band:>19s} {r.value:10.4g}  {'pass' if r.passed else 'FAIL':7s}  "
                     f"{r.source}: {r.statement}")
        if r.known_gap and not r.passed:
            lines.append(f"{'':40s}known gap: {r.known_gap}")
    n = sum(r.passed for r in results)
    lines.append(f"{n} of {len(results)} checks pass (calibration targets: the hand-set parameters were tuned "
                 "against them; see the published trials for a validation)")
    return "\n".join(lines)


def scorecard_figure(results: list[TargetResult], path=None, *, theme: str = "light"):
    """Every check on one page: its band from the literature (the grey bar, scaled
    so that every band spans the same width) and the model's value (a dot: filled
    inside the band, open outside it, an arrow when far outside). Saves to ``path``
    (PNG, SVG or PDF) if given; returns the figure."""
    if path is not None:
        from .atomicio import check_suffix
        check_suffix(path, (".png", ".svg", ".pdf"), "the scorecard figure")
    import matplotlib.pyplot as plt

    from .plotting import OKABE_ITO, _style_axes, get_theme

    th = get_theme(theme)
    rows = len(results)
    fig, ax = plt.subplots(figsize=(11, 0.26 * rows + 1.6), facecolor=th.background,
                           layout="constrained")
    for i, r in enumerate(results):
        y = rows - 1 - i
        lo, hi = r.band
        if math.isinf(lo) and math.isinf(hi):
            continue
        # position of the value on a scale where the band is [0, 1]; an open end
        # extends the band to the edge of the plot
        if math.isinf(lo):
            x = 1 - (hi - r.value) / (abs(hi) or 1.0)
            ax.barh(y, 1.0 + 0.6, left=-0.6, color=th.band, height=0.62)
        elif math.isinf(hi):
            x = (r.value - lo) / (abs(lo) or 1.0)
            ax.barh(y, 1.6, left=0.0, color=th.band, height=0.62)
        else:
            x = (r.value - lo) / (hi - lo) if hi > lo else 0.5
            ax.barh(y, 1.0, left=0.0, color=th.band, height=0.62)
        color = OKABE_ITO["blue"] if r.passed else OKABE_ITO["vermillion"]
        shown = min(max(x, -0.55), 1.55) if np.isfinite(x) else (1.55 if r.value > 0 else -0.55)
        marker = "o" if shown == x else (">" if shown > 1 else "<")
        ax.plot(shown, y, marker, ms=6, color=color,
                markerfacecolor=color if r.passed else th.background, markeredgewidth=1.6)
        band = (f"at most {hi:.3g}" if math.isinf(lo) else f"at least {lo:.3g}"
                if math.isinf(hi) else f"{lo:.3g} to {hi:.3g}")
        gap = "  (known gap)" if r.known_gap and not r.passed else ""
        ax.text(1.62, y, f"{r.value:.3g}  [{band}]{gap}", va="center", fontsize=7.5,
                color=th.text)
    ax.set_yticks(range(rows), [f"{r.id}  {r.source}" for r in reversed(results)], fontsize=7.5)
    ax.set_xlim(-0.6, 2.45)
    ax.set_ylim(-0.8, rows - 0.2)
    ax.set_xticks([0, 1], ["band's low end", "high end"])
    ax.axvline(0, color=th.muted, lw=0.6)
    ax.axvline(1, color=th.muted, lw=0.6)
    _style_axes(ax, th)
    ax.grid(False)
    n = sum(r.passed for r in results)
    ax.set_title(f"Calibration targets: {n} of {len(results)} literature checks met by one parameter "
                 "set (grey: the published band; dot: the model; open: missed)",
                 color=th.text, loc="left", fontsize=10)
    if path is not None:
        _save_atomically(fig, path)
        plt.close(fig)
    return fig


# ---------------------------------------------------------------- published trials: calibration and validation

ROLE_TITLES = {"calibrate": "calibration fit", "validate": "validation"}


def trial_rows(model: Model, trials=None, *, n: int | None = None, seed: int | None = None):
    """Every number the trial files recorded beside the model's (:func:`pathway.trialsim.compare_trials`)."""
    from .trialsim import N_PEOPLE, SEED, compare_trials
    return compare_trials(model, trials, n=N_PEOPLE if n is None else n, seed=SEED if seed is None else seed)


def trial_headline(rows) -> dict:
    """Per role: arm values and differences within their trial's 95% interval, out of those that have one; and
    how many numbers could not be judged (no interval) or simulated."""
    out = {}
    for role in ("calibrate", "validate"):
        mine = [r for r in rows if r.role == role]
        entry = {}
        for kind, word in (("arm", "arm values"), ("difference", "differences")):
            judged = [r for r in mine if r.kind == kind and r.judged]
            entry[kind] = {"within": sum(r.status == "within" for r in judged), "judged": len(judged),
                           "no_interval": sum(r.kind == kind and r.status == "no interval" for r in mine),
                           "not_simulated": sum(r.kind == kind and r.status == "not simulated" for r in mine)}
        entry["trials"] = sorted({r.trial for r in mine})
        out[role] = entry
    return out


def headline_text(rows) -> str:
    """Two lines: the calibration fit and the validation, arm values and differences."""
    h = trial_headline(rows)
    lines = []
    for role in ("calibrate", "validate"):
        a, d = h[role]["arm"], h[role]["difference"]
        unjudged = a["no_interval"] + d["no_interval"]
        skipped = a["not_simulated"] + d["not_simulated"]
        extra = [f"{unjudged} without an interval" if unjudged else "",
                 f"{skipped} not simulated" if skipped else ""]
        extra = "; ".join(x for x in extra if x)
        lines.append(f"{ROLE_TITLES[role]}: {a['within']} of {a['judged']} arm values and {d['within']} of "
                     f"{d['judged']} differences within their trial's 95% interval "
                     f"({len(h[role]['trials'])} trials{'; ' + extra if extra else ''})")
    return "\n".join(lines)


def _fmt(x, measure) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.0f}%" if measure in ("response", "remission", "relapse") else f"{x:.1f}"


def _when(hours: float) -> str:
    if hours < 24:
        return f"{hours:g} h"
    return f"day {hours / 24:g}" if hours % 24 == 0 else f"{hours:g} h"


def format_trial_report(rows) -> str:
    """The trials table: calibration fit first, then validation; every miss says MISS."""
    lines = []
    w = max([9] + [len(r.what) for r in rows])
    for role in ("calibrate", "validate"):
        mine = [r for r in rows if r.role == role]
        lines.append(f"== {ROLE_TITLES[role]}: trials with role = \"{role}\" ==")
        lines.append(f"{'trial':15s} {'arm (or difference)':42s} {'time':>8s} {'measure':{w}s} "
                     f"{'trial':>7s} {'95% interval':>17s} {'model':>7s}  verdict")
        for r in mine:
            iv = "" if r.low is None else f"[{_fmt(r.low, r.measure)}, {_fmt(r.high, r.measure)}]"
            verdict = {"within": "within", "miss": "MISS", "no interval": "no interval",
                       "not simulated": f"not simulated: {r.reason}"}[r.status]
            arm = r.arm if r.kind == "arm" else f"diff {r.arm}"
            lines.append(f"{r.trial:15s} {arm[:42]:42s} {_when(r.time_h):>8s} {r.what:{w}s} "
                         f"{_fmt(r.observed, r.measure):>7s} {iv:>17s} {_fmt(r.model, r.measure):>7s}  {verdict}")
        lines.append("")
    notes = sorted({(r.trial, x) for r in rows for x in r.notes})
    if notes:
        lines.append("How the designs were mimicked:")
        seen = set()
        for trial, note in notes:
            if (trial, note) not in seen:
                lines.append(f"  {trial}: {note}")
                seen.add((trial, note))
    lines.append("Changes and scores: the model's relief is the fraction by which the rating scale falls, so a "
                 "change is -(mean fall) x the arm's baseline score; rates count virtual patients over the "
                 "model's response and remission levels.")
    lines.append(headline_text(rows))
    return "\n".join(lines)


def _save_atomically(fig, path) -> None:
    """Write a figure to ``path`` through a temporary file in the same folder,
    renamed into place (pathway.atomicio: an interrupt or a full disk leaves the
    previous file whole)."""
    import matplotlib.pyplot as plt

    from .atomicio import atomic_path
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, facecolor=fig.get_facecolor())
    except BaseException:
        plt.close(fig)
        raise


def trial_figure(rows, path=None, *, theme: str = "light"):
    """Every judged trial number on one page, calibration trials above validation trials: the trial's 95%
    interval (grey bar, each scaled to the same width) and the model's value (a dot: filled inside, open outside,
    an arrow when far outside). Saves atomically to ``path`` (PNG, SVG or PDF) if given; returns the figure."""
    import matplotlib.pyplot as plt

    from .plotting import OKABE_ITO, _style_axes, get_theme

    th = get_theme(theme)
    shown = [r for r in rows if r.judged]
    n = len(shown)
    fig, ax = plt.subplots(figsize=(11, 0.2 * n + 1.8), facecolor=th.background, layout="constrained")
    labels = []
    for i, r in enumerate(shown):
        y = n - 1 - i
        lo, hi = r.low, r.high
        x = (r.model - lo) / (hi - lo) if hi > lo else 0.5
        ax.barh(y, 1.0, left=0.0, color=th.band, height=0.62)
        color = OKABE_ITO["blue"] if r.status == "within" else OKABE_ITO["vermillion"]
        px = min(max(x, -0.55), 1.55)
        marker = "o" if px == x else (">" if px > 1 else "<")
        ax.plot(px, y, marker, ms=5, color=color,
                markerfacecolor=color if r.status == "within" else th.background, markeredgewidth=1.4)
        ax.text(1.62, y, f"model {_fmt(r.model, r.measure)}; trial {_fmt(r.observed, r.measure)} "
                f"[{_fmt(lo, r.measure)}, {_fmt(hi, r.measure)}]", va="center", fontsize=6.5, color=th.text)
        kind = r.arm if r.kind == "arm" else "diff " + r.arm
        labels.append(f"{'C' if r.role == 'calibrate' else 'V'} {r.trial} {kind[:34]} {_when(r.time_h)} "
                      f"{r.what}")
    ax.set_yticks(range(n), list(reversed(labels)), fontsize=6.5)
    ax.set_xlim(-0.6, 2.6)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xticks([0, 1], ["interval's low end", "high end"])
    ax.axvline(0, color=th.muted, lw=0.6)
    ax.axvline(1, color=th.muted, lw=0.6)
    _style_axes(ax, th)
    ax.grid(False)
    ax.set_title("Published trials against the model (C: calibration trial, V: validation trial;\n"
                 "grey: the trial's 95% interval; dot: the model; open: missed)\n"
                 + headline_text(rows).replace(" within", "\n    within"),
                 color=th.text, loc="left", fontsize=8)
    if path is not None:
        _save_atomically(fig, path)
        plt.close(fig)
    return fig


# ---------------------------------------------------------------- the README's headline

TRIALS_START, TRIALS_END = "<!-- trials:start -->", "<!-- trials:end -->"


#: How the page names each measure of a trial row.
_MEASURE_WORDS = {"response": "responders", "remission": "in remission", "relapse": "relapsed",
                  "change": "change in score", "score": "score"}


#: Whom a relapse rate counts, as the page names them.
_GROUP_WORDS = {"responders": "responders", "remitters": "people in remission",
                "nonremitting_responders": "responders not in remission"}


def _pretty_arm(arm_id: str) -> str:
    return arm_id.replace("_", " ")


def trial_sentences(rows) -> dict:
    """The validation and the calibration fit in a sentence each, for readers (the explorer page)."""
    h = trial_headline(rows)
    out = {}
    for role, whose in (("validate", "kept aside to test it"), ("calibrate", "it was fitted to")):
        a, d = h[role]["arm"], h[role]["difference"]
        n = len(h[role]["trials"])
        out[role] = (f"Against the {n} published trial{'s' if n != 1 else ''} {whose}, {a['within']} of "
                     f"{a['judged']} results for single arms and {d['within']} of {d['judged']} differences "
                     "between arms fall inside the trial's 95% interval.")
    return out


def _after(hours: float) -> str:
    """A time after the first dose, in words: "2 h", "1 day", "27 days"."""
    if hours < 24:
        return f"{hours:g} h after the first dose"
    days = hours / 24
    return f"{days:g} day{'' if days == 1 else 's'} after the first dose"


def trial_page_data(rows, trials=None) -> dict:
    """Every trial row as the explorer shows it, ready to print: the trials kept aside (validation) first, then
    those the calibrated parameters were fitted to; each with the trial's result and interval, the model's
    value and whether it falls inside. ``trials`` (default: the shipped ones) name the trials and arms."""
    from .trials import load_trials

    known = {t.id: t for t in (load_trials() if trials is None else trials)}
    out = []
    for role in ("validate", "calibrate"):
        for r in (r for r in rows if r.role == role):
            t = known.get(r.trial)
            if r.kind == "arm":
                arm = next((a.label for a in t.arms if a.id == r.arm), r.arm) if t else r.arm
            else:
                drug, _, control = r.arm.partition(" - ")
                arm = f"difference: {_pretty_arm(drug)} minus {_pretty_arm(control)}"
            measure = _MEASURE_WORDS.get(r.measure, r.measure)
            if r.among:
                measure += f", of the {_GROUP_WORDS.get(r.among, r.among)} when the group was formed"
            if r.measure in ("change", "score") and t is not None:
                measure += f" ({t.scale} points)"
            result = _fmt(r.observed, r.measure)
            if r.low is not None:
                result += f" ({_fmt(r.low, r.measure)} to {_fmt(r.high, r.measure)})"
            verdict = {"within": "inside", "miss": "outside", "no interval": "not judged: the trial gave no spread",
                       "not simulated": f"not simulated: {r.reason}"}[r.status]
            out.append({"trial": t.name if t else r.trial, "role": role, "arm": arm,
                        "what": f"{measure}, {_after(r.time_h)}", "result": result,
                        "model": _fmt(r.model, r.measure) if r.model is not None else "none",
                        "verdict": verdict, "status": r.status})
    return {"sentences": trial_sentences(rows), "rows": out}


def readme_block(rows) -> str:
    """The README's lines between the trial markers: the two headline lines, as a quoted block."""
    return "\n".join(f"> {line}  " if i == 0 else f"> {line}"
                     for i, line in enumerate(headline_text(rows).splitlines()))


def rewrite_readme(path, model: Model | None = None) -> bool:
    """Recompute the trial headline and write it between the markers in ``path`` (atomically); return whether
    it changed."""
    import os
    import re
    import tempfile

    from .modelfile import load_model

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if TRIALS_START not in text or TRIALS_END not in text:
        raise UsageError(f"{path}: no {TRIALS_START} ... {TRIALS_END} markers\n"
                         "  hint: put the two markers where the headline should go")
    block = f"{TRIALS_START}\n{readme_block(trial_rows(model or load_model()))}\n{TRIALS_END}"
    new = re.sub(re.escape(TRIALS_START) + r".*?" + re.escape(TRIALS_END), lambda m: block, text, flags=re.S)
    if new == text:
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new)
    os.replace(tmp, path)
    return True


if __name__ == "__main__":
    import sys
    for arg in sys.argv[1:]:
        print(f"{arg}: {'rewritten' if rewrite_readme(arg) else 'already current'}")
