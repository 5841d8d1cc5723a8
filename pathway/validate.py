"""The validation scorecard: literature targets as data, checked by simulation.

``models/targets/ketamine.toml`` (beside the model it checks) lists every target of ``docs/science-targets.md`` as one or
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
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import UsageError
from .modelfile import Model, parse_quantity
from .scenarios import apply_all, placebo_arm
from .simulate import simulate

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


def load_targets(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the targets ({exc})\n"
                         "  hint: a targets file is TOML with [[targets]] tables") from None
    targets = data.get("targets", [])
    seen = set()
    for t in targets:
        for key in ("id", "statement", "source", "band", "quantity"):
            if key not in t:
                raise UsageError(f"{path}: target {t.get('id', '?')!r} has no '{key}'")
        if t["id"] in seen:
            raise UsageError(f"{path}: duplicate target id {t['id']!r}")
        seen.add(t["id"])
    return targets


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
        level = pop.response if kind == "response_rate" else pop.remission
        return float(np.mean(pop.outcome[:, 0] >= level))
    if kind == "relapse_rate":
        stable = tuple(_hours(x) for x in q["stable"])
        follow = tuple(_hours(x) for x in q["follow"])
        pop = run.population(sim, stable + follow)
        level = float(q.get("level", pop.response))
        ok = (pop.outcome[:, :len(stable)] >= level).all(axis=1)
        lost = (pop.outcome[:, len(stable):] < level).any(axis=1)
        return float(lost[ok].mean()) if ok.any() else math.nan
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
    targets = load_targets(path)
    known = {t["id"] for t in targets}
    for i in ids or ():
        if i not in known:
            from .errors import UnknownNameError, suggest
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
    lines.append(f"{n} of {len(results)} checks pass")
    return "\n".join(lines)


def scorecard_figure(results: list[TargetResult], path=None, *, theme: str = "light"):
    """Every check on one page: its band from the literature (the grey bar, scaled
    so that every band spans the same width) and the model's value (a dot: filled
    inside the band, open outside it, an arrow when far outside). Saves to ``path``
    (PNG, SVG or PDF) if given; returns the figure."""
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
    ax.set_title(f"The scorecard: {n} of {len(results)} literature checks met by one parameter "
                 "set (grey: the published band; dot: the model; open: missed)",
                 color=th.text, loc="left", fontsize=10)
    if path is not None:
        fig.savefig(path, dpi=110, facecolor=th.background)
        plt.close(fig)
    return fig
