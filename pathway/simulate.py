"""Run a scenario through the compiled model: ``simulate(model, scenario, days=...)``."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from . import _kernel
from ._firstrun import announce
from .compile import OdeSystem, compile_model
from .dosing import build_events, first_event_h
from .errors import SimulationError, UsageError, check_memory, format_number
from .modelfile import MAX_DAYS, Model, Scenario, load_model
from .results import Trajectory

#: The shortest and longest output step, in minutes (one second to one day).
STEP_MIN_RANGE = (1 / 60, 1440.0)
#: The most administrations (doses and intervention doses) one run may hold.
MAX_ADMINISTRATIONS = 100_000
#: Without a ``max_dose`` in the model file, a scenario's dose may be raised to
#: this many times its own largest dose.
DOSE_CEILING_FACTOR = 10.0


def _study_lines(scenario: Scenario):
    return [d for d in scenario.doses
            if not scenario.study_drugs or d.drug in scenario.study_drugs]


def dose_ceiling(scenario: Scenario) -> tuple[float, str]:
    """The largest dose ``with_dose`` accepts for ``scenario``, and its unit: the
    scenario's ``max_dose`` from the model file, else ten times its own dose (its
    nominal ``dose`` if it states one, else its largest study dose)."""
    study = _study_lines(scenario)
    if scenario.dose is not None:
        units, own = ["mg/kg" if scenario.dose[1] else "mg"], scenario.dose[0]
    else:
        units, own = sorted({d.unit for d in study}), max(d.amount for d in study)
    if scenario.max_dose is not None and units == [scenario.max_dose[1]]:
        return scenario.max_dose
    return DOSE_CEILING_FACTOR * own, units[0]


def with_dose(scenario: Scenario, dose: float) -> Scenario:
    """Return ``scenario`` at another dose, in its own unit (mg/kg for weight-based
    doses, mg otherwise), above 0 and at most its ceiling (:func:`dose_ceiling`).
    A scenario that states its nominal ``dose`` (one treatment given as several
    dose lines, such as racemic ketamine as its two enantiomers) has every line of
    its study drugs scaled by dose / nominal; otherwise every study dose line is set
    to ``dose``. Background treatment (drugs not under study) is left alone."""
    study = _study_lines(scenario)
    if not study:
        raise UsageError(f"scenario '{scenario.name}' has no doses to change\n"
                         "  hint: leave out --dose for this scenario")
    units = {d.unit for d in study}
    if scenario.dose is None and len(units) > 1:
        raise UsageError(f"scenario '{scenario.name}' mixes dose units ({', '.join(sorted(units))}),"
                         " so one --dose cannot set them all\n"
                         "  hint: edit the doses in a copy of the model file instead")
    top, unit = dose_ceiling(scenario)
    if isinstance(dose, bool) or not isinstance(dose, (int, float, np.integer, np.floating)) \
            or not math.isfinite(dose) or not 0 < dose <= top:
        raise UsageError(f"dose {format_number(dose)} {unit} is outside the range of scenario "
                         f"'{scenario.name}'\n  hint: give a dose above 0 and at most "
                         f"{format_number(top)} {unit}" + (" (its max_dose in the model file)"
                                                           if scenario.max_dose else ""))
    if scenario.dose is not None:
        factor = float(dose) / scenario.dose[0]
        doses = tuple(replace(d, amount=d.amount * factor) if d in study else d
                      for d in scenario.doses)
    else:
        doses = tuple(replace(d, amount=float(dose)) if d in study else d for d in scenario.doses)
    return replace(scenario, doses=doses, label="")


def _check_days(days) -> float:
    if isinstance(days, bool) or not isinstance(days, (int, float, np.integer, np.floating)) \
            or not math.isfinite(days) or not 0 < days <= MAX_DAYS:
        raise UsageError(f"days = {format_number(days)} is outside the range above 0 to "
                         f"{MAX_DAYS:g} days\n  hint: 14 shows one ketamine dose; 56 shows eight "
                         "weeks of an SSRI")
    return float(days)


def _check_step(step_min) -> float:
    low, high = STEP_MIN_RANGE
    if isinstance(step_min, bool) or not isinstance(step_min, (int, float, np.integer, np.floating)) \
            or not math.isfinite(step_min) or not low <= step_min <= high:
        raise UsageError(f"a step of {format_number(step_min)} minutes is outside the range "
                         f"{low * 60:g} s to {high:g} min\n  hint: 5 minutes shows an infusion; "
                         "60 is plenty for weeks")
    return float(step_min)


def administrations(model: Model, scenario: Scenario, t_end_h: float) -> int:
    """How many times ``scenario`` (with the model's interventions) gives a drug before
    ``t_end_h``, counted without listing them."""
    from .scenarios import intervention_events
    total = 0
    for d in scenario.doses + intervention_events(model, scenario)[0]:
        if d.every_h is None:
            total += 1
            continue
        within = max(0, math.floor((t_end_h - d.start_h) / d.every_h)) + 1
        total += within if d.count is None else min(d.count, within)   # none after the end
    return total


def check_administrations(model: Model, scenario: Scenario, t_end_h: float) -> None:
    """Refuse a run with more than :data:`MAX_ADMINISTRATIONS` doses, before listing them."""
    n = administrations(model, scenario, t_end_h)
    if n > MAX_ADMINISTRATIONS:
        raise UsageError(f"scenario '{scenario.name}' gives {n} doses in "
                         f"{format_number(t_end_h / 24)} days, more than the "
                         f"{MAX_ADMINISTRATIONS} a run may hold\n  hint: shorten the run, or "
                         "lengthen 'every' in the model file (a continuous infusion is one dose "
                         "with a 'duration')")


def memory_needed(model: Model, days: float, step_min: float, text: bool = False) -> int:
    """Bytes a run of ``days`` with rows every ``step_min`` minutes needs at its peak:
    the solver's states and the columns (and, with ``text``, the CSV text)."""
    rows = math.floor(_check_days(days) * 24 * 60 / _check_step(step_min)) + 2
    columns = len(model.nodes) + len(model.derived) + 1
    states = len(model.nodes) + 4 * len(model.drugs)
    per_row = 8 * (states + 3 * columns) + (2 * 14 * columns if text else 0)
    return rows * per_row


def check_run(model: Model, days: float, step_min: float, text: bool = False) -> None:
    """Refuse a run that would need more memory than the budget, before it starts."""
    check_memory(memory_needed(model, days, step_min, text),
                 f"{format_number(days)} days with a row every {format_number(step_min)} min",
                 "lengthen the step (--step) or shorten the run (--days)")


def simulate(model: Model | None = None, scenario: str | Scenario | None = None, *,
             days: float | None = None, dose: float | None = None,
             t_eval: np.ndarray | None = None, step_min: float = 5.0,
             rtol: float = 1e-5, atol: float = 1e-8, max_steps: int = 5_000_000,
             system: OdeSystem | None = None) -> Trajectory:
    """Simulate ``scenario`` with ``model`` and return a :class:`Trajectory`.

    Parameters
    ----------
    model : Model, optional
        The model; the default model if omitted.
    scenario : str or Scenario, optional
        A scenario name from the model file (``pathway list`` shows them) or a
        Scenario object; by default the first of the model's ``showcase``.
    days : float, optional
        Length of the simulation; the scenario's own default if omitted.
    dose : float, optional
        Replace the scenario's dose, in its own unit (mg/kg or mg).
    t_eval : array, optional
        Output times in hours; by default every ``step_min`` minutes.
    rtol, atol : float
        Solver tolerances (relative; absolute in mg or node units).
    system : OdeSystem, optional
        A precompiled system for ``model`` (skips compilation when running many scenarios).

    Examples
    --------
    >>> traj = simulate(load_model(), days=56)
    >>> t_peak, peak = traj.peak(traj.primary)
    >>> bool(0 < t_peak < 56 * 24 and peak > 0)
    True
    """
    model = load_model() if model is None else model
    if scenario is None:
        from .scenarios import showcase_pair
        scenario = showcase_pair(model)[0]
    if isinstance(scenario, str):
        scenario = model.scenario(scenario)
    if dose is not None:
        scenario = with_dose(scenario, dose)
    days = _check_days(scenario.days if days is None else days)
    t_end = days * 24.0
    if t_eval is None:
        check_run(model, days, step_min)
        n = int(math.floor(t_end * 60.0 / step_min + 1e-9))
        t_eval = np.arange(n + 1) * (step_min / 60.0)
        if t_eval[-1] < t_end - 1e-9:
            t_eval = np.append(t_eval, t_end)
    else:
        t_eval = np.asarray(t_eval, dtype=float)
        if t_eval.ndim != 1 or t_eval.size == 0 or not np.all(np.isfinite(t_eval)):
            raise UsageError("t_eval must be a non-empty 1-D array of finite times in hours\n"
                             "  hint: e.g. np.linspace(0, 24, 97)")
        if np.any(np.diff(t_eval) < 0) or t_eval[0] < 0 or t_eval[-1] > t_end + 1e-9:
            raise UsageError(f"values in t_eval must be sorted and lie within 0-{t_end:g} h\n"
                             "  hint: raise `days` or trim t_eval")
    system = compile_model(model) if system is None else system
    check_administrations(model, scenario, t_end)
    ev = build_events(system, scenario, t_end)
    announce(_kernel.integrate)
    states, steps, status = _kernel.integrate(
        system.initial_state(), first_event_h(ev), t_end, np.ascontiguousarray(t_eval), ev.t_h, ev.kind,
        ev.index, ev.value, rtol, atol, 1.0 / 60.0, 24.0, max_steps,
        np.zeros(len(system.node_ids), dtype=np.bool_), tuple(system.kernel))
    if status == 1:
        raise SimulationError(f"the solver took more than {max_steps} steps on scenario "
                              f"'{scenario.name}'\n  hint: loosen rtol, or shorten the simulation")
    if status == 2 or not np.all(np.isfinite(states)):
        raise SimulationError(f"the simulation of '{scenario.name}' produced non-finite values\n"
                              "  hint: check the parameters you changed; a time constant near "
                              "zero or a huge strength can do this")
    return _trajectory(system, scenario, t_eval, states, steps)


def _trajectory(system: OdeSystem, scenario: Scenario, t_eval, states, steps) -> Trajectory:
    model = system.model
    n_pk = system.n_pk
    conc = np.maximum(states[:, :n_pk] @ system.kernel.conc_matrix.T, 0.0)
    columns = {}
    for node in model.nodes:
        if node.kind == "drug":
            columns[node.id] = conc[:, system.drug_ids.index(node.id)]
        else:
            k = system.node_index(node.id)
            # a readout stays in its range: the cubic between the solver's steps may
            # dip a hair below zero or above the ceiling
            columns[node.id] = (np.clip(states[:, n_pk + k], 0.0, system.readout_ceiling(k))
                                if node.kind == "readout" else states[:, n_pk + k])
    units = {n.id: ("ng/mL" if n.kind == "drug" else "") for n in model.nodes}
    labels = {n.id: n.label for n in model.nodes}
    for name, drugs in model.derived.items():
        columns[name] = sum(columns[d] for d in drugs)
        units[name] = "ng/mL"
        labels[name] = "Plasma " + " + ".join(model.node(d).short_label or d for d in drugs)
    names = tuple(columns)
    values = np.column_stack([columns[n] for n in names])
    return Trajectory(t_h=t_eval, names=names, values=values, units=units, labels=labels,
                      scenario=scenario.name, steps=int(steps), roles=display_roles(model, scenario))


def display_roles(model: Model, scenario: Scenario) -> dict:
    """What pictures need to know about a run, from the model file's roles: the
    primary outcome, the side effects, which plasma columns show this scenario's
    drugs, and the colour and label of the arm."""
    inert = model.roles.inert
    study = [d.drug for d in scenario.doses if d.drug != inert]
    plasma = []
    for d in dict.fromkeys(study):
        column = next((name for name, drugs in model.derived.items() if d in drugs), d)
        if column not in plasma:
            plasma.append(column)
    lead = study[0] if study else inert
    drug = model.drugs.get(lead) if lead else None
    label = model.node(lead).short_label or model.node(lead).label if lead else scenario.name
    color = (scenario.color if scenario.color and not scenario.placebo else
             drug.color if drug else "")
    dark = (scenario.color if scenario.color and not scenario.placebo else
            (drug.color_dark or drug.color) if drug else "")
    return {"primary": model.primary, "side_effects": list(model.roles.side_effects),
            "outcomes": list(model.roles.outcomes), "plasma": plasma,
            "is_placebo": scenario.placebo or not study, "drug": lead or "",
            "drug_label": scenario.label if scenario.label and not scenario.placebo else label,
            "color": color, "color_dark": dark}
