"""Pure functions that return a changed copy of a :class:`~pathway.objects.Model`."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from .errors import UsageError, suggest
from .objects import Model
from .units import BASE_UNIT, UNITS, format_quantity, parse_quantity

def set_parameter(model: Model, name: str, value: Any) -> Model:
    """Return a copy of ``model`` with parameter ``name`` set to ``value``.

    ``value`` is a number in the parameter's base unit or a string with a unit
    ("8 d"). Values outside the parameter's range are refused.

    >>> from pathway import load_model
    >>> m = load_model()
    >>> name, p = next(iter(m.parameters.items()))
    >>> set_parameter(m, name, p.high).parameters[name].value == p.high
    True
    """
    if name not in model.parameters:
        raise UsageError(f"unknown parameter '{name}'\n  hint: {suggest(name, model.parameters)}"
                         " (`pathway list` shows them all)")
    p = model.parameters[name]
    if isinstance(value, str):
        try:
            number = float(value)
            number_given = True
        except ValueError:
            number_given = False
        if number_given and p.dimension != "number":
            value = number * UNITS[p.dimension][BASE_UNIT[p.dimension]]
        else:
            try:
                value, _ = parse_quantity(value, p.dimension)
            except ValueError as exc:
                raise UsageError(f"parameter '{name}': {exc}\n  hint: its range is "
                                 f"{format_quantity(p.low, p.dimension)} to "
                                 f"{format_quantity(p.high, p.dimension)}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UsageError(f"parameter '{name}': {value!r} is not a finite number\n  hint: give a "
                         f"value from {format_quantity(p.low, p.dimension)} to "
                         f"{format_quantity(p.high, p.dimension)}")
    if not p.low <= value <= p.high:
        raise UsageError(f"parameter '{name}' = {format_quantity(value, p.dimension)} is outside "
                         f"its range {format_quantity(p.low, p.dimension)} to "
                         f"{format_quantity(p.high, p.dimension)}\n"
                         f"  hint: pick a value inside the range, or widen the range in the model file")
    params = dict(model.parameters)
    params[name] = replace(p, value=float(value))
    return replace(model, parameters=params)


def scale_parameter(model: Model, name: str, factor: float) -> Model:
    """Return a copy of ``model`` with parameter ``name`` multiplied by ``factor``, its range with it.

    The range bounds the value for the people the model stands for; a trial population or an intervention
    that scales the parameter stands for other people or other biology, so its range moves along (and the
    spread of virtual patients around the value is not clipped).

    >>> from pathway import load_model
    >>> m = load_model()
    >>> name, p = next(iter(m.parameters.items()))
    >>> q = scale_parameter(m, name, 2.0).parameters[name]
    >>> (q.value, q.low, q.high) == (2 * p.value, 2 * p.low, 2 * p.high)
    True
    """
    p = model.parameters[name]
    params = dict(model.parameters)
    params[name] = replace(p, value=p.value * factor, low=p.low * factor, high=p.high * factor)
    return replace(model, parameters=params)


def set_hypothesis(model: Model, name: str, enabled: bool = True) -> Model:
    """Return a copy of ``model`` with hypothesis ``name`` switched on or off."""
    if name not in model.hypotheses:
        raise UsageError(f"unknown hypothesis '{name}'\n  hint: {suggest(name, model.hypotheses)}")
    hyps = dict(model.hypotheses)
    hyps[name] = replace(hyps[name], enabled=bool(enabled))
    return replace(model, hypotheses=hyps)
