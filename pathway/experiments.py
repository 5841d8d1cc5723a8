"""The landmark experiments of the field, rerun on the model.

The catalogue is data: each ``[experiments.ID]`` table of the model file names
a test arm and a control arm (scenario, interventions, hypotheses), what to
measure and the band that counts as reproducing the study's finding. This
module only runs the arms and measures; a failed experiment is reported as not
reproduced, never hidden.

>>> from pathway import load_model
>>> model = load_model()
>>> first = next(e for e, spec in model.experiments.items() if not spec.people)
>>> [r.id for r in run_experiments(model, [first])] == [first]
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .dosing import dose_times
from .errors import UnknownNameError, UsageError, suggest
from .modelfile import ArmSpec, Check, ExperimentSpec, Model, format_quantity
from .results import Trajectory
from .scenarios import apply_all, placebo_arm
from .simulate import simulate


@dataclass
class Arm:
    """A scenario simulated under some hypotheses and interventions; its matching
    placebo arm is simulated when a drug effect is asked for."""

    model: Model
    scenario: str
    days: float
    label: str = ""

    @cached_property
    def _step(self) -> float:
        return 5.0 if self.days <= 21 else 30.0

    @cached_property
    def traj(self) -> Trajectory:
        return simulate(self.model, self.scenario, days=self.days, step_min=self._step)

    @cached_property
    def placebo(self) -> Trajectory:
        return simulate(self.model, placebo_arm(self.model, self.scenario), days=self.days,
                        step_min=self._step)

    def at(self, name: str, t_h: float) -> float:
        return float(np.interp(t_h, self.traj.t_h, self.traj[name]))

    def effect(self, t_h: float, name: str | None = None) -> float:
        """Drug effect: this arm minus its placebo arm, at ``t_h``."""
        name = name or self.model.primary
        return self.at(name, t_h) - float(np.interp(t_h, self.placebo.t_h, self.placebo[name]))

    def peak(self, name: str) -> float:
        return float(self.traj[name].max())


def run_arm(model: Model, scenario: str, *, days: float, hypotheses=(), interventions=(),
            label: str = "") -> Arm:
    """Simulate ``scenario`` with ``hypotheses`` on and ``interventions`` applied."""
    return Arm(apply_all(model, interventions, hypotheses), scenario, days, label or scenario)


@dataclass(frozen=True)
class Result:
    id: str
    citation: str
    finding: str
    hypotheses: tuple[str, ...]
    shows: str
    numbers: dict[str, float]
    reproduced: bool

    def to_dict(self) -> dict:
        return {"id": self.id, "citation": self.citation, "finding": self.finding,
                "hypotheses": list(self.hypotheses), "model_shows": self.shows,
                "numbers": {k: round(v, 4) for k, v in self.numbers.items()},
                "reproduced": self.reproduced}


def _ratio(a: float, b: float) -> float:
    return a / b if abs(b) > 1e-12 else math.inf


def _last_dose_end_h(model: Model, scenario: str, t_end_h: float) -> float:
    sc = model.scenario(scenario)
    return max((t + d.duration_h for d in sc.doses for t in dose_times(d, t_end_h)), default=0.0)


def _measure(check: Check, arm: Arm, days: float) -> list[float]:
    """The check's numbers for one simulated arm (one per time in ``at``)."""
    name = check.readout
    if check.measure == "effect":
        return [arm.effect(t, name) for t in check.at_h]
    if check.measure == "value":
        return [arm.at(name, t) for t in check.at_h]
    if check.measure == "change":
        return [arm.at(name, t) - arm.at(name, 0.0) for t in check.at_h]
    if check.measure == "peak":
        return [arm.peak(name)]
    if check.measure == "time_below":
        last = _last_dose_end_h(arm.model, arm.scenario, days * 24)
        below = check.below if check.below is not None else arm.model.population.response
        t, y = arm.traj.t_h, arm.traj[name]
        after = (t > last) & (y < below)
        return [float((t[after][0] - last) / 24) if after.any() else math.inf]
    raise UsageError(f"measure '{check.measure}' needs virtual patients")


def _population_measure(check: Check, model: Model, arm: ArmSpec, spec: ExperimentSpec) -> list[float]:
    from .population import simulate_population

    variant = apply_all(model, arm.interventions, arm.hypotheses)
    times = check.after_h + check.at_h if check.measure == "relapse" else check.at_h
    pop = simulate_population(variant, arm.scenario, n=spec.people, seed=spec.seed,
                              times_h=np.array(times))
    if check.measure == "median":
        return [float(np.median(pop.outcome[:, j])) for j in range(len(times))]
    level = check.below if check.below is not None else pop.response
    share = pop.relapse(len(check.after_h), level)      # well at every `after` time, and below it later
    return [math.nan if share is None else share]


def run_experiment(model: Model, spec: ExperimentSpec) -> Result:
    """Run one experiment of the catalogue and judge it against its bands."""
    def arm(a: ArmSpec | None) -> Arm | None:
        return None if a is None else run_arm(model, a.scenario, days=spec.days,
                                              hypotheses=a.hypotheses,
                                              interventions=a.interventions)

    test, control = arm(spec.test), arm(spec.control)
    numbers, parts, ok = {}, [], True
    for j, check in enumerate(spec.checks):
        def measured(which: str) -> list[float]:
            a_spec, a = (spec.test, test) if which == "test" else (spec.control, control)
            if check.measure in ("relapse", "median"):
                return _population_measure(check, model, a_spec, spec)
            return _measure(check, a, spec.days)

        key = f"check{j + 1}"

        def record(suffix: str, vals: list[float]) -> None:
            for i, v in enumerate(vals):
                numbers[key + suffix + ("" if len(vals) == 1 else f"_{i + 1}")] = v

        if check.compare in ("test", "control"):
            values = measured(check.compare)
        else:
            t_vals, c_vals = measured("test"), measured("control")
            values = [(_ratio(t, c) if check.compare == "ratio" else t - c)
                      for t, c in zip(t_vals, c_vals)]
            record("_test", t_vals)
            record("_control", c_vals)
        passed = all(check.low <= v <= check.high for v in values)
        ok = ok and passed
        record("", values)
        when = ""
        if len(check.at_h) > 1 and check.measure not in ("relapse",):
            when = " at " + ", ".join(format_quantity(t, "time") for t in check.at_h)
        shown = ", ".join(f"{v:.3g}" for v in values)
        parts.append(f"{check.label}{when}: {shown} (band {_band(check)}; "
                     f"{'met' if passed else 'MISSED'})")
    return Result(spec.id, model.references.get(spec.reference, spec.reference), spec.finding,
                  spec.hypotheses, "; ".join(parts), numbers, ok)


def _band(check: Check) -> str:
    if math.isinf(check.low):
        return f"at most {check.high:g}"
    if math.isinf(check.high):
        return f"at least {check.low:g}"
    return f"{check.low:g} to {check.high:g}"


def run_experiments(model: Model, ids=None) -> list[Result]:
    """Run the model file's catalogue (or the experiments whose id is in ``ids``)."""
    for i in ids or ():
        if i not in model.experiments:
            raise UnknownNameError(f"unknown experiment '{i}'", hint=suggest(i, model.experiments))
    return [run_experiment(model, spec) for eid, spec in model.experiments.items()
            if ids is None or eid in ids]


def format_table(results: list[Result]) -> str:
    """A plain-text report, one block per experiment."""
    lines = []
    for r in results:
        mark = "reproduced" if r.reproduced else "NOT reproduced"
        hyp = f"  [hypotheses on: {', '.join(r.hypotheses)}]" if r.hypotheses else ""
        lines += [f"{r.id}: {mark}{hyp}", f"  study:  {r.citation}", f"  found:  {r.finding}",
                  f"  model:  {r.shows}", ""]
    n = sum(r.reproduced for r in results)
    lines.append(f"{n} of {len(results)} experiments reproduced")
    return "\n".join(lines)
