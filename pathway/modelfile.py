"""Read a model file into frozen objects, checking everything on the way.

``load_model(path=None)`` returns a :class:`Model`, or raises one
:class:`~pathway.errors.ModelFileError` that lists every problem found, each
with the file, the place inside it, what is wrong and a hint.

This module gathers the names of the modules that do the work, so that
``from pathway.modelfile import ...`` keeps working:

* :mod:`pathway.units`: ``parse_quantity``, ``format_quantity``, the units;
* :mod:`pathway.objects`: the frozen classes (``Model``, ``Node``, ``Edge``, ...);
* :mod:`pathway.transforms`: ``set_parameter``, ``set_hypothesis``;
* :mod:`pathway.tomlfile`: the limits and error style shared by every TOML file;
* :mod:`pathway.checking`: the model file's checker;
* :mod:`pathway.loading`: ``load_model``, ``loads_model``, ``default_model_path``.

Internal units: time in hours, volume in L, flow in L/h, concentration in
ng/mL, mass in mg, body weight in kg.
"""

from __future__ import annotations

from .checking import (
    _COLOR,
    _COMPARES,
    _DOSE_KEYS,
    _DRUG_KEYS,
    _EDGE_KEYS,
    _MEASURES,
    _NODE_KEYS,
    _PARAM_KEYS,
    _ROLE_KEYS,
    _ROUTE_KEYS,
    _TOP,
    MAX_DAYS,
    MAX_DOSE,
    MIN_DOSE_INTERVAL_H,
    _Checker,
)
from .errors import ModelFileError, UsageError, suggest
from .loading import MODEL_FILE, default_model_path, load_model, loads_model
from .objects import (
    _ID,
    _NAME,
    EDGE_FIELD,
    EFFECTS,
    GRADES,
    KINDS,
    RESPONSES,
    SIGNALS,
    ArmSpec,
    Branch,
    Check,
    Dose,
    Drug,
    Edge,
    ExperimentSpec,
    Genotype,
    Hypothesis,
    Intervention,
    Model,
    Node,
    Parameter,
    ParamRef,
    PopulationSpec,
    Roles,
    Route,
    Scenario,
    Value,
    Variation,
)
from .tomlfile import CHECKER_STOPPED, MAX_DEPTH, MAX_FILE_BYTES, _depth
from .transforms import set_hypothesis, set_parameter
from .units import _ALIASES, _QUANTITY, BASE_UNIT, UNITS, _example, _short, format_quantity, parse_quantity

__all__ = [
    "ArmSpec", "BASE_UNIT", "Branch", "CHECKER_STOPPED", "Check", "Dose", "Drug", "EDGE_FIELD",
    "EFFECTS", "Edge", "ExperimentSpec", "GRADES", "Genotype", "Hypothesis", "Intervention",
    "KINDS", "MAX_DAYS", "MAX_DEPTH", "MAX_DOSE", "MAX_FILE_BYTES", "MIN_DOSE_INTERVAL_H",
    "MODEL_FILE", "Model", "ModelFileError", "Node", "ParamRef", "Parameter", "PopulationSpec",
    "RESPONSES", "Roles", "Route", "SIGNALS", "Scenario", "UNITS", "UsageError", "Value",
    "Variation", "default_model_path", "format_quantity", "load_model", "loads_model",
    "parse_quantity", "set_hypothesis", "set_parameter", "suggest",
]
# the private names above (_Checker, _depth, _example, ...) are importable too, as before
_PRIVATE = (_COLOR, _COMPARES, _DOSE_KEYS, _DRUG_KEYS, _EDGE_KEYS, _MEASURES, _NODE_KEYS,
            _PARAM_KEYS, _ROLE_KEYS, _ROUTE_KEYS, _TOP, _Checker, _ID, _NAME, _depth, _ALIASES,
            _QUANTITY, _example, _short)
