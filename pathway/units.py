"""Units and quantities: ``parse_quantity("5 min", "time")`` and back.

Internal units: time in hours, volume in L, flow in L/h, concentration in
ng/mL, mass in mg, body weight in kg.
"""

from __future__ import annotations

import math
import re
from typing import Any

UNITS: dict[str, dict[str, float]] = {
    "time": {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0},
    "volume": {"L": 1.0, "mL": 1e-3},
    "flow": {"L/h": 1.0, "L/min": 60.0, "mL/min": 0.06},
    "concentration": {"ng/mL": 1.0, "ug/L": 1.0, "ug/mL": 1000.0, "mg/L": 1000.0},
    "mass": {"mg": 1.0, "g": 1000.0, "ug": 1e-3},
    "dose_per_weight": {"mg/kg": 1.0},
    "weight": {"kg": 1.0},
    "number": {"": 1.0},
}
#: The unit each dimension is stored in.
BASE_UNIT = {"time": "h", "volume": "L", "flow": "L/h", "concentration": "ng/mL",
             "mass": "mg", "dose_per_weight": "mg/kg", "weight": "kg", "number": ""}
_ALIASES = {"hr": "h", "hour": "h", "hours": "h", "day": "d", "days": "d", "week": "wk",
            "weeks": "wk", "sec": "s", "minutes": "min", "l": "L", "ml": "mL", "µg/L": "ug/L",
            "ng/ml": "ng/mL", "l/h": "L/h"}
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*?)?\s*$")


def parse_quantity(text: Any, dimension: str | tuple[str, ...]) -> tuple[float, str]:
    """Parse ``"5 min"`` (or a bare number for dimensionless fields).

    Returns ``(value_in_base_unit, dimension)``. Raises ``ValueError`` with a
    message that suggests the expected units.
    """
    dims = (dimension,) if isinstance(dimension, str) else dimension
    if isinstance(text, bool):
        raise ValueError(f"expected a quantity, got {text!r}")
    if isinstance(text, (int, float)):
        if "number" in dims:
            try:
                value = float(text)
            except OverflowError:
                raise ValueError(f"{_short(text)} is far too large") from None
            if not math.isfinite(value):
                raise ValueError(f"{text!r} is not a finite number")
            return value, "number"
        raise ValueError(f"{text!r} has no unit; write it like {_example(dims[0])}")
    if not isinstance(text, str):
        raise ValueError(f"expected a quantity such as {_example(dims[0])}, got {text!r}")
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as a quantity; write it like {_example(dims[0])}")
    number, unit = float(match.group(1)), (match.group(2) or "")
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite quantity")
    unit = _ALIASES.get(unit, unit)
    for dim in dims:
        if unit in UNITS[dim]:
            return number * UNITS[dim][unit], dim
    known = [u for d in dims for u in UNITS[d] if u]
    raise ValueError(f"unit '{unit}' in {text!r} is not a unit of {' or '.join(dims)} "
                     f"(use one of: {', '.join(known) or 'a plain number'})")


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 5] + "...'"[: 4 if text[0] == "'" else 3]


def _example(dim: str) -> str:
    return {"time": "'5 min', '2 h' or '3 d'", "volume": "'70 L'", "flow": "'80 L/h'",
            "concentration": "'150 ng/mL'", "mass": "'10 mg'", "dose_per_weight": "'0.5 mg/kg'",
            "weight": "'70 kg'", "number": "1.5"}[dim]


def format_quantity(value: float, dimension: str) -> str:
    """Format a base-unit value for people (hours become min/h/d as fits)."""
    if dimension == "time":
        if value < 1:
            return f"{value * 60:.3g} min"
        if value < 48:
            return f"{value:.3g} h"
        return f"{value / 24:.3g} d"
    unit = BASE_UNIT[dimension]
    return f"{value:.4g} {unit}".strip()
