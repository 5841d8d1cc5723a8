"""``pathway export --format petab``: the published trials and the model's parameters as PEtab-style tables.

PEtab describes a parameter-estimation problem as tab-separated tables beside an SBML model. This export writes
the calibration problem of :mod:`pathway.fit` in that layout, into a folder:

- ``measurements.tsv``, ``conditions.tsv``, ``observables.tsv`` and ``contrasts.tsv``: every number of every trial
  file, one condition per arm (:func:`pathway.trials.petab_tables`; its docstring names the columns);
- ``parameters.tsv``: every parameter of the model file under the id the SBML export gives it (``par_<name>``),
  in the base unit of its dimension, with its range as the bounds, ``estimate`` 1 for those ``pathway fit``
  estimates, the trials they were fitted to and, where the calibration ensemble matches the model, the lowest
  and highest value among its members;
- ``README.md``: what the folder holds and what it is not.

It is not a complete PEtab problem that a PEtab tool can simulate on its own: each number is a summary over an arm
of virtual patients (a share of responders, a mean change on a rating scale), and an arm is a dosing schedule with
its comparator's expectancy, neither of which a PEtab condition on one SBML model can express. ``pathway fit``
simulates them (:mod:`pathway.trialsim`); the tables are for reading the data and the estimates in other tools.

>>> from pathway.modelfile import load_model
>>> table = parameter_table(load_model())
>>> int(table["estimate"].sum()) == sum(p.calibrated for p in load_model().parameters.values())
True
"""

from __future__ import annotations

from pathlib import Path

from .atomicio import check_folder, write_text
from .errors import UsageError
from .modelfile import BASE_UNIT, Model

__all__ = ["FILES", "parameter_table", "observable_descriptions", "write_petab"]

#: The files the export writes, in the folder given.
FILES = ("measurements.tsv", "conditions.tsv", "observables.tsv", "contrasts.tsv", "parameters.tsv", "README.md")

_PARAMETER_COLUMNS = ["parameterId", "parameterName", "parameterScale", "lowerBound", "upperBound", "nominalValue",
                      "estimate", "unit", "fittedFrom", "ensembleLow", "ensembleHigh", "description"]


def parameter_table(model: Model, ensemble=None):
    """Every parameter of ``model`` as a row of a PEtab parameter table (pandas DataFrame), in file order.

    ``ensemble`` (a :class:`pathway.ensemble.Ensemble`) adds each calibrated parameter's lowest and highest value
    among the members; without it those cells are empty."""
    import pandas as pd

    spread = {}
    if ensemble is not None:
        for i, name in enumerate(ensemble.names):
            values = [m[i] for m in ensemble.members]
            spread[name] = (min(values), max(values))
    rows = []
    for name, p in model.parameters.items():
        low, high = spread.get(name, (None, None))
        rows.append({
            "parameterId": f"par_{name}", "parameterName": name, "parameterScale": "lin",
            "lowerBound": p.low, "upperBound": p.high, "nominalValue": p.value, "estimate": int(p.calibrated),
            "unit": BASE_UNIT[p.dimension], "fittedFrom": ";".join(p.fitted_from),
            "ensembleLow": low, "ensembleHigh": high, "description": " ".join(p.description.split()),
        })
    return pd.DataFrame(rows, columns=_PARAMETER_COLUMNS)


def observable_descriptions(observables) -> list[str]:
    """How the model computes each observable of the observable table (a DataFrame with ``measure``)."""
    said = {
        "change": "mean change from baseline on the scale over the arm's virtual patients: minus the trial's "
                  "baseline mean times the fraction by which the scale falls (the model's relief)",
        "score": "mean score on the scale over the arm's virtual patients: the trial's baseline mean times one "
                 "minus the model's relief",
        "response": "share of the arm's virtual patients rated as responders at one interview (a fall of at "
                    "least half; pathway.rating adds the interview's error and each person's drift)",
        "remission": "share of the arm's virtual patients rated in remission at one interview (pathway.rating)",
        "relapse": "share of the group named in the id (responders, remitters or responders not in remission at "
                   "the reading in relapseSince_h) who relapsed by the time, by the rule in the measurement row",
    }
    return [said[m] for m in observables["measure"]]


def _readme(model: Model, counts: dict[str, int], ensemble_note: str) -> str:
    import textwrap

    source = Path(model.source).name if model.source and not model.source.startswith("<") else model.name
    items = [
        f"`measurements.tsv` ({counts['measurement']} rows): every number of every trial file. observableId, "
        "simulationConditionId, time (hours), measurement, noiseParameters (the number's standard error; a name "
        "`sigma_<observable>` where the trial gave no spread: such numbers are shown but not judged, and "
        "`pathway fit` leaves them out), datasetId (the trial), the source of each number, and for a relapse rate "
        "the rule it counts by.",
        f"`conditions.tsv` ({counts['condition']} rows): one row per arm with its design: drugs, routes, doses, "
        "dose times, comparator, background treatment, masking, the trial's role (calibrate or validate), "
        "population and n.",
        f"`observables.tsv` ({counts['observable']} rows): each observable's scale, measure and how the model "
        "computes it.",
        f"`contrasts.tsv` ({counts['contrast']} rows): differences between arms as the trials reported them, with "
        "their standard errors.",
        f"`parameters.tsv` ({counts['parameter']} rows, {counts['estimated']} with estimate 1): every parameter "
        "of the model file under its SBML id (`par_<name>`, as `pathway export --format sbml` writes it), in the "
        "unit given (the base unit of its dimension), with its range as the bounds. estimate 1 marks the "
        "parameters `pathway fit` estimates from the trials whose role is calibrate; fittedFrom lists them. "
        + ensemble_note,
    ]
    closing = ("This is the calibration problem in PEtab's table layout, not a problem a PEtab tool can simulate "
               "alone: each number summarises an arm of virtual patients, and an arm is a dosing schedule with "
               "its comparator's expectancy, which a PEtab condition on one SBML model cannot express. "
               "`pathway fit` simulates the arms; `pathway validate` sets each number beside the model's.")
    wrap = textwrap.TextWrapper(width=100, break_on_hyphens=False, break_long_words=False)
    lines = ["# PEtab-style tables of ketamine-pathway", ""]
    lines += wrap.wrap(f"Written by `pathway export --format petab` from the model file {source} and the trial "
                       "files of the package. Tab-separated, one header line.")
    lines.append("")
    for item in items:
        lines += textwrap.fill(item, width=100, initial_indent="- ", subsequent_indent="  ",
                               break_on_hyphens=False, break_long_words=False).splitlines()
    lines.append("")
    lines += wrap.wrap(closing)
    return "\n".join(lines) + "\n"


def write_petab(model: Model, out, trials=None) -> list[Path]:
    """Write the tables (:data:`FILES`) into the folder ``out`` (created if missing; other files are left alone),
    each file atomically. ``trials`` defaults to the shipped trials. Return the paths written."""
    from .ensemble import load_ensemble
    from .trials import load_trials, petab_tables

    out = check_folder(out, "the PEtab tables", "petab/")
    trials = load_trials() if trials is None else tuple(trials)
    tables = petab_tables(trials)
    tables["observable"] = tables["observable"].assign(
        description=observable_descriptions(tables["observable"]))
    try:
        ensemble = load_ensemble(model)
        ensemble_note = (f"ensembleLow and ensembleHigh are the lowest and highest value among the "
                         f"{len(ensemble.members)} members of the calibration ensemble.")
    except UsageError:
        ensemble, ensemble_note = None, ("The calibration ensemble does not match this model file, so "
                                         "ensembleLow and ensembleHigh are empty.")
    tables["parameter"] = parameter_table(model, ensemble)
    counts = {k: len(v) for k, v in tables.items()}
    counts["estimated"] = int(tables["parameter"]["estimate"].sum())
    texts = {name: tables[key].to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.10g")
             for name, key in zip(FILES, ("measurement", "condition", "observable", "contrast", "parameter"))}
    texts["README.md"] = _readme(model, counts, ensemble_note)
    try:
        out.mkdir(exist_ok=True)
        for name in FILES:
            write_text(out / name, texts[name])
    except OSError as exc:
        raise UsageError(f"cannot write the PEtab tables to '{out}': {exc.strerror or exc}\n"
                         "  hint: check that the folder is writable and the disk has room") from None
    return [out / name for name in FILES]
