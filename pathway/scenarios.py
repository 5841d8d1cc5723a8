"""Interventions, hypotheses and placebo arms as pure functions: model -> model.

Interventions are declared in the model file (``[interventions.NAME]``) as data:
edges to cut or scale, parameters to scale, extra doses (a pretreatment) and
nodes to reset to their baseline at a time after the first dose. Applying one
returns a new model; the original is never changed.

>>> from pathway import load_model, simulate
>>> model = load_model()
>>> name = next(iter(model.interventions))
>>> changed = apply_intervention(model, name)
>>> changed.applied[-1][0] == name and not model.applied
True
>>> traj = simulate(changed, days=1)
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

from .errors import UnknownNameError, UsageError, suggest
from .modelfile import Dose, Intervention, Model, ParamRef, Scenario, parse_quantity, set_hypothesis
from .modelfile import set_parameter as _set_parameter
from .transforms import scale_parameter

__all__ = ["ScaledParameter", "apply_intervention", "apply_all", "intervention_events",
           "intervention_for", "parse_intervention", "placebo_arm", "set_parameter",
           "showcase_pair"]


class ScaledParameter(float):
    """An edge's strength or fraction that an intervention scaled (or cut) from a
    parameter: the number the solver uses (the parameter's value times ``factor``),
    remembering the parameter (``param``), the factor and the interventions (``by``).

    It is a float, so everything that reads the edge reads the scaled number; the
    SBML export writes it as ``factor * parameter``, and :func:`set_parameter`
    rescales it when the parameter changes, so an intervention changes a value but
    never freezes the parameter behind it.
    """

    def __new__(cls, value: float, param: str, factor: float, by: tuple[str, ...] = ()):
        self = super().__new__(cls, value)
        self.param, self.factor, self.by = param, float(factor), tuple(by)
        return self

    def __getnewargs__(self):            # pickling (worker processes) keeps the provenance
        return float(self), self.param, self.factor, self.by


def _scaled(old, new_value: float, factor: float, name: str):
    """The new value of an edge field that intervention ``name`` scales by ``factor``."""
    if isinstance(old, ScaledParameter):
        return ScaledParameter(new_value, old.param, old.factor * factor, old.by + (name,))
    if isinstance(old, ParamRef):
        return ScaledParameter(new_value, old.name, factor, (name,))
    return new_value


def set_parameter(model: Model, name: str, value) -> Model:
    """Return a copy of ``model`` with parameter ``name`` set to ``value`` (a number in
    the parameter's base unit, or a string with a unit such as ``"8 d"``; values
    outside the parameter's range are refused).

    An edge that an applied intervention scaled from this parameter follows it (it
    keeps the intervention's factor). If an intervention cut every edge the parameter
    acted on and it acts nowhere else, setting it changes nothing: a ``UserWarning``
    says so.
    """
    model = _set_parameter(model, name, value)
    value = model.parameters[name].value
    edges, cut = [], []
    for e in model.edges:
        for field_name in ("strength", "fraction"):
            v = getattr(e, field_name)
            if isinstance(v, ScaledParameter) and v.param == name:
                new = value * v.factor
                if field_name == "fraction":
                    new = min(1.0, new)
                e = replace(e, **{field_name: ScaledParameter(new, v.param, v.factor, v.by)})
                if v.factor == 0.0:
                    cut.append((e, v.by))
        edges.append(e)
    model = replace(model, edges=tuple(edges))
    if cut:
        from .compile import compile_model
        if name not in compile_model(model).param_uses:
            where = "; ".join(f"{e.name} (cut by {', '.join(by)})" for e, by in cut)
            warnings.warn(f"parameter '{name}' no longer acts: the interventions in force cut "
                          f"every edge it acted on ({where}), so setting it changes nothing",
                          UserWarning, stacklevel=2)
    return model


def intervention_for(model: Model, name: str) -> Intervention:
    """The intervention ``name`` as it acts under the model's current hypotheses."""
    if name not in model.interventions:
        raise UnknownNameError(f"unknown intervention '{name}'",
                               hint=f"{suggest(name, model.interventions)} (`pathway list` shows them)")
    iv = model.interventions[name]
    for hyp, variant in iv.variants.items():
        if model.hypotheses[hyp].enabled:
            return variant
    return iv


def apply_intervention(model: Model, name: str, at_h: float | None = None) -> Model:
    """Return ``model`` with intervention ``name`` applied.

    Parameters
    ----------
    model : Model
    name : str
        An intervention declared in the model file (``pathway list`` shows them).
    at_h : float, optional
        For an intervention that resets nodes (``spine-ablation``): hours after the
        first dose at which to reset, instead of the model file's default.
    """
    iv = intervention_for(model, name)
    if at_h is not None:
        if not iv.reset:
            raise UsageError(f"intervention '{name}' happens at no particular time, so it takes "
                             "no '@time'\n  hint: only interventions that reset a node take one")
        if not 0 <= at_h <= 24 * 3650:
            raise UsageError(f"time {at_h:g} h for '{name}' must lie between 0 and ten years\n"
                             f"  hint: count from the first dose, e.g. {name}@36h")
    edges = []
    scale = dict(iv.scale)
    for e in model.edges:
        key = (e.source, e.target)
        # a value that came from a parameter stays tied to it (see ScaledParameter)
        if key in iv.cut:
            if e.effect == "metabolised-to":
                e = replace(e, fraction=_scaled(e.fraction, 0.0, 0.0, name))
            else:
                e = replace(e, strength=_scaled(e.strength, 0.0, 0.0, name))
        elif key in scale:
            if e.effect == "metabolised-to":
                e = replace(e, fraction=_scaled(e.fraction, min(1.0, model.value(e.fraction)
                                                               * scale[key]), scale[key], name))
            else:
                e = replace(e, strength=_scaled(e.strength, model.value(e.strength) * scale[key],
                                                scale[key], name))
        edges.append(e)
    model = replace(model, edges=tuple(edges), applied=model.applied + ((name, at_h),))
    # a scaled parameter carries its range with it (the browser solver does the same)
    for pname, factor in iv.scale_parameters:
        model = scale_parameter(model, pname, factor)
    return model


def intervention_events(model: Model, scenario: Scenario) -> tuple[tuple[Dose, ...],
                                                                    tuple[tuple[str, float], ...]]:
    """The doses and node resets that the model's applied interventions add to
    ``scenario``, with times counted from its first dose."""
    first = scenario.first_dose_h
    doses, resets = [], []
    for name, at_h in model.applied:
        iv = intervention_for(model, name)
        doses.extend(replace(d, start_h=first + d.start_h) for d in iv.doses)
        resets.extend((node, first + (t if at_h is None else at_h)) for node, t in iv.reset)
    return tuple(doses), tuple(resets)


_AT = re.compile(r"^([a-z][a-z0-9-]*)(?:@(.+))?$")


def intervention_example(model: Model | None) -> str:
    """How to write an intervention, with names from ``model`` (``NAME or NAME@36h``)."""
    names = list(model.interventions.values()) if model is not None else []
    if not names:
        return "NAME or NAME@TIME, e.g. NAME@36h"
    timed = next((iv.name for iv in names if iv.reset), None)
    plain = next((iv.name for iv in names if not iv.reset), names[0].name)
    return f"NAME or NAME@TIME, e.g. {plain}" + (f" or {timed}@36h" if timed else "")


def parse_intervention(text: str, model: Model | None = None) -> tuple[str, float | None]:
    """Split ``"NAME@36h"`` into ``("NAME", 36.0)`` (``model``, if given, supplies the
    names of the hint when the text cannot be read).

    >>> parse_intervention("anything@36h")
    ('anything', 36.0)
    """
    match = _AT.match(text.strip())
    if not match:
        raise UsageError(f"cannot read intervention {text!r}",
                         hint="write " + intervention_example(model))
    name, at = match.group(1), match.group(2)
    if at is None:
        return name, None
    try:
        return name, parse_quantity(at, "time")[0]
    except ValueError as exc:
        raise UsageError(f"intervention {text!r}: {exc}\n"
                         "  hint: write the time like 36h or 2d after the first dose") from None


def apply_all(model: Model, interventions=(), hypotheses=()) -> Model:
    """Switch ``hypotheses`` on, then apply ``interventions`` (names or NAME@TIME)."""
    for h in hypotheses:
        model = set_hypothesis(model, h, True)
    for text in interventions:
        name, at_h = parse_intervention(text, model)
        model = apply_intervention(model, name, at_h)
    return model


def inert_drugs(model: Model) -> list[str]:
    """The drugs that can stand in for a study drug in a placebo arm: those that act on
    nothing and have routes (the model's ``inert`` role first)."""
    acting = {e.source for e in model.edges}
    found = [d for d in model.drugs if d not in acting and model.drugs[d].routes]
    return sorted(found, key=lambda d: d != model.roles.inert)


def placebo_arm(model: Model, scenario: str | Scenario, inert: str | None = None) -> Scenario:
    """The matching placebo arm of ``scenario``: the same visits, routes and times,
    with every drug under study replaced by the model's inert drug (its ``inert``
    role, or ``inert``: another drug that acts on nothing), so only the expectancy of
    being treated remains. A scenario that declares
    ``study_drugs`` keeps its other drugs (background treatment) in both arms, and
    pretreatments added by the model's interventions stay in both arms."""
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    chosen = inert is not None and inert != model.roles.inert
    if inert is not None:
        choices = inert_drugs(model)
        if inert not in choices:
            raise UsageError(f"'{inert}' is not an inert drug of the model, so it cannot stand in "
                             "for the study drug\n  hint: the inert drugs are "
                             f"{', '.join(choices) or 'none'}")
    inert = inert or model.roles.inert
    if inert is None or inert not in model.drugs:
        raise UsageError(f"the model has no inert drug{f' {inert!r}' if inert else ''} for a "
                         "placebo arm\n  hint: name one in [roles] inert = \"...\" and declare its "
                         "routes in [drugs]")
    doses = []
    for d in sc.doses:
        if d.drug == inert or (sc.study_drugs and d.drug not in sc.study_drugs):
            doses.append(d)
            continue
        if d.route not in model.drugs[inert].routes:
            hint = (f"'{inert}' stands in only for the routes {', '.join(model.drugs[inert].routes)}; "
                    "leave out its name to give the model's own inert drug" if chosen
                    else f"add routes.{d.route} to [drugs.{inert}]")
            raise UsageError(f"the inert drug '{inert}' has no route '{d.route}' to mimic "
                             f"'{d.drug}'\n  hint: {hint}")
        doses.append(replace(d, drug=inert, amount=1.0, per_kg=False))
    other = inert != model.roles.inert        # named where it is not the model's own
    return replace(sc, name=f"{sc.name} (placebo arm{', ' + inert if other else ''})",
                   doses=tuple(doses), placebo=True,
                   description=f"Placebo arm of {sc.name}: same visits, inert drug"
                               f"{' ' + inert if other else ''}.")


def showcase_pair(model: Model, scenario: str | None = None,
                  compare: str | None = None) -> tuple[str, str | None]:
    """The scenarios to show when none are named: the model file's ``showcase``
    role (else its first scenario); a named scenario is kept as given."""
    if scenario is not None:
        return scenario, compare
    pair = model.roles.showcase or (next(iter(model.scenarios)),)
    return pair[0], compare if compare is not None else (pair[1] if len(pair) > 1 else None)
