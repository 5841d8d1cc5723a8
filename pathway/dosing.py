"""Dosing regimens as exact events for the solver.

A dose becomes events at exact times: a bolus adds an amount to a compartment
(the depot for an absorbed route, the central compartment otherwise), and an
infusion switches a constant rate on at its start and off at its end. The
solver steps to each event time exactly, so a 40-minute infusion is never
smeared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compile import OdeSystem
from .modelfile import Dose, Scenario

BOLUS, RATE, SET = 0, 1, 2


@dataclass(frozen=True)
class Events:
    """Time-sorted events: ``kind`` BOLUS adds ``value`` mg to state ``index``,
    RATE adds ``value`` mg/h to its infusion rate, SET sets the state to ``value``."""

    t_h: np.ndarray
    kind: np.ndarray
    index: np.ndarray
    value: np.ndarray
    per_kg: np.ndarray           # True where ``value`` is in proportion to body weight

    def __len__(self) -> int:
        return len(self.t_h)


def dose_times(dose: Dose, t_end_h: float) -> np.ndarray:
    """Start times of every administration of ``dose`` before ``t_end_h``."""
    if dose.every_h is None:
        times = np.array([dose.start_h])
    else:
        within = int(np.floor((t_end_h - dose.start_h) / dose.every_h + 1e-9)) + 1
        n = within if dose.count is None else min(dose.count, within)   # none after the end
        times = dose.start_h + dose.every_h * np.arange(max(n, 0))
    return times[times < t_end_h]


def first_event_h(events: Events) -> float:
    """The earliest event time, or 0 (a pretreatment may come before time 0)."""
    return min(0.0, float(events.t_h.min())) if len(events) else 0.0


def expectancy_store(system: OdeSystem, route: str) -> int | None:
    """The compartment an administration by ``route`` adds its expectancy to: the expectancy
    store's own route of that name if it has one that builds up (a pill's expectancy, with its own
    onset), else its ``visit`` route if that builds up, else the store itself;
    None for a model without an expectancy store."""
    model = system.model
    if model.expectancy is None:
        return None
    routes = model.drugs[model.expectancy].routes
    for name in (route, "visit"):
        r = routes.get(name)
        if r is not None and r.absorption_half_life_h is not None:
            return system.compartment_index(model.expectancy, f"depot:{name}")
    return system.compartment_index(model.expectancy, "central")


def build_events(system: OdeSystem, scenario: Scenario, t_end_h: float) -> Events:
    """All events of ``scenario`` up to ``t_end_h``, sorted by time: its doses, and
    the doses and node resets of the interventions applied to the model."""
    from .scenarios import intervention_events

    model = system.model
    weight = model.body_weight_kg()
    extra_doses, resets = intervention_events(model, scenario)
    rows: list[tuple[float, int, int, float, bool]] = []
    for node, t in resets:
        i = system.node_ids.index(node)
        rows.append((t, SET, i, float(system.baseline[i]), False))
    for dose in scenario.doses + extra_doses:
        route = model.drugs[dose.drug].routes[dose.route]
        f = model.value(route.bioavailability)
        expect = model.value(route.expectancy)
        store = expectancy_store(system, dose.route)
        if store is not None and expect > 0:
            # being treated raises expectations, whatever the drug (the placebo response)
            rows.extend((t, BOLUS, store, expect, False) for t in dose_times(dose, t_end_h))
        mg = dose.amount * (weight if dose.per_kg else 1.0) * f
        if route.absorption_half_life_h is not None:
            target = system.compartment_index(dose.drug, f"depot:{route.name}")
        else:
            target = system.compartment_index(dose.drug, "central")
        for t in dose_times(dose, t_end_h):
            if dose.duration_h > 0:
                rate = mg / dose.duration_h
                rows.append((t, RATE, target, rate, dose.per_kg))
                rows.append((t + dose.duration_h, RATE, target, -rate, dose.per_kg))
            else:
                rows.append((t, BOLUS, target, mg, dose.per_kg))
    rows.sort(key=lambda r: (r[0], r[1]))
    if not rows:
        return Events(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                      np.zeros(0, bool))
    t, kind, index, value, per_kg = zip(*rows)
    return Events(np.array(t, float), np.array(kind, np.int64), np.array(index, np.int64),
                  np.array(value, float), np.array(per_kg, bool))
