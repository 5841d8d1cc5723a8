"""The model as one JSON-ready structure for the browser (``pathway site``).

:func:`export_model` compiles the model with every hypothesis switched on, so
each edge that can ever act has a term, and writes out what
:func:`~pathway.compile.compile_model` made of it: the kernel's node arrays,
the terms (each tagged with its edge and hypothesis), the compartments and the
pieces of the pharmacokinetic matrix, and, from ``param_uses``, which array
entries a parameter sets. The page's solver (``pathway/web/solver.js``)
rebuilds the kernel arrays from this for any parameter values, hypotheses and
interventions, so the browser and Python run the same equations.

Beside those go what a reader needs: labels, captions, descriptions, evidence
grades, citations with their reference texts, scenarios with their doses,
interventions, hypotheses, parameters (value, range and a human unit), the
pathway layout of the figures, and the guided questions of a site file
(``models/site/<model>.toml``) if the model has one.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

from .compile import compile_model
from .errors import UsageError, suggest
from .modelfile import (BASE_UNIT, UNITS, Dose, Intervention, Model, ParamRef, Value,
                        format_quantity, set_hypothesis)
from .scenarios import inert_drugs

#: Version of the structure; solver.js refuses another.
FORMAT = 1

_DOI = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/[^\s,;]+[^\s,;.)])",
                  re.IGNORECASE)


def display_unit(value: float, dimension: str) -> str:
    """The unit :func:`~pathway.modelfile.format_quantity` shows ``value`` in (the unit
    ``pathway list`` prints): min, h or d for a time, the base unit otherwise."""
    if dimension == "time":
        return "min" if value < 1 else ("h" if value < 48 else "d")
    return BASE_UNIT[dimension]


def parameter_table(model: Model) -> dict[str, dict]:
    """Every parameter with its value, range and description in the unit that
    ``pathway list`` shows it in (``factor`` converts that unit to the base unit)."""
    out = {}
    for p in model.parameters.values():
        unit = display_unit(p.value, p.dimension)
        factor = UNITS[p.dimension][unit]
        out[p.name] = {
            "value": p.value / factor, "unit": unit, "low": p.low / factor, "high": p.high / factor,
            "dimension": p.dimension, "base_unit": BASE_UNIT[p.dimension], "factor": factor,
            "description": p.description, "citations": list(p.citations),
            "text": format_quantity(p.value, p.dimension)}
    return out


def list_json(model: Model) -> dict:
    """What ``pathway list --json`` prints: scenarios, interventions, hypotheses and
    parameters (value, unit and range in the unit ``pathway list`` shows)."""
    from .versions import versions
    return {
        "model": model.name, "source": model.source, "versions": versions(model),
        "scenarios": {s.name: {"description": s.description, "days": s.days,
                               "dose_unit": _dose_unit(s.doses)}
                      for s in model.scenarios.values()},
        "interventions": {iv.name: {"description": iv.description,
                                    "variants": {h: v.description for h, v in iv.variants.items()},
                                    "timed": bool(iv.reset)}
                          for iv in model.interventions.values()},
        "hypotheses": {h.name: {"enabled": h.enabled, "description": h.description}
                       for h in model.hypotheses.values()},
        "parameters": parameter_table(model),
        "readouts": list(model.readouts),
        "nodes": list(model.node_ids),
    }


def _dose_unit(doses) -> str | None:
    units = {d.unit for d in doses}
    return units.pop() if len(units) == 1 else None


def _v(value: Value | None):
    """A number, or the name of the parameter it comes from (a string)."""
    if isinstance(value, ParamRef):
        return value.name
    return None if value is None else float(value)


def _dose(d: Dose) -> dict:
    return {"drug": d.drug, "route": d.route, "amount": d.amount, "per_kg": d.per_kg,
            "start_h": d.start_h, "duration_h": d.duration_h, "every_h": d.every_h,
            "count": d.count}


def _intervention(iv: Intervention) -> dict:
    return {"description": iv.description, "citations": list(iv.citations),
            "cut": [list(k) for k in iv.cut],
            "scale": [[list(k), f] for k, f in iv.scale],
            "scale_parameters": [[p, f] for p, f in iv.scale_parameters],
            "doses": [_dose(d) for d in iv.doses],
            "reset": [[n, t] for n, t in iv.reset],
            "variants": {h: _intervention(v) for h, v in iv.variants.items()}}


def _citation(key: str, text: str) -> dict:
    match = _DOI.search(text)
    return {"key": key, "text": text, "doi": match.group(1) if match else None}


def export_model(model: Model, site: dict | None = None) -> dict:
    """The model as one structure the page's solver and interface read (see the module
    docstring). ``site`` is the checked content of a site file (:func:`load_site`)."""
    from .graph import to_graph
    from .plotting import BAND_PAD_ABOVE, band_rect, layout

    full = model
    for h in model.hypotheses:
        full = set_hypothesis(full, h, True)
    system = compile_model(full)
    k = system.kernel
    refs: dict[str, dict[int, str]] = {}
    for name, uses in system.param_uses.items():
        for use in uses:
            if use.index >= 0:
                refs.setdefault(use.array, {})[use.index] = name

    def node_array(array: str) -> list:
        values = getattr(k, array)
        return [refs.get(array, {}).get(i, float(x)) for i, x in enumerate(values)]

    terms = []
    for j, t in enumerate(system.terms):
        e = t.edge
        terms.append({
            "edge": e.index, "hypothesis": e.hypothesis, "src": int(k.e_src[j]),
            "tgt": int(k.e_tgt[j]), "kind": int(k.e_kind[j]), "sign": float(k.e_sign[j]),
            "strength": refs.get("e_strength", {}).get(j, float(k.e_strength[j])),
            # the signal's parameters, in the order of pathway/equations.py
            "par": [refs.get("e_par", {}).get(j * k.e_par.shape[1] + c, float(x))
                    for c, x in enumerate(k.e_par[j])],
            "key": [e.source, e.target]})
    drugs = {}
    for d in system.drug_ids:
        drug = model.drugs[d]
        node = model.node(d)
        drugs[d] = {
            "label": node.label, "short_label": node.short_label or node.label,
            "color": drug.color, "color_dark": drug.color_dark or drug.color,
            "clearance": _v(drug.clearance_l_h), "volume": _v(drug.volume_l),
            "peripheral": [[_v(vol), _v(flow)] for vol, flow in drug.peripheral],
            "routes": {r.name: {"bioavailability": _v(r.bioavailability),
                                "absorption_half_life_h": _v(r.absorption_half_life_h),
                                "expectancy": _v(r.expectancy)} for r in drug.routes.values()}}
    metabolism = [{"edge": e.index, "hypothesis": e.hypothesis, "source": e.source,
                   "target": e.target, "fraction": _v(e.fraction)}
                  for e in model.edges if e.effect == "metabolised-to"]
    compiled = {
        "drug_ids": list(system.drug_ids), "node_ids": list(system.node_ids),
        "compartments": [{"drug": c.drug, "kind": c.kind} for c in system.compartments],
        "tau_rise": node_array("tau_rise"), "tau_fall": node_array("tau_fall"),
        "baseline": node_array("baseline"), "mode": [int(x) for x in k.mode],
        # each node's response parameters, in the order of pathway/equations.py
        "n_par": [[refs.get("n_par", {}).get(i * k.n_par.shape[1] + c, float(x))
                   for c, x in enumerate(row)] for i, row in enumerate(k.n_par)],
        "clip_par": [system.ceiling_column(i) for i in range(len(system.node_ids))],
        "terms": terms, "metabolism": metabolism, "drugs": drugs,
        # where each parameter enters (compile_model's param_uses; "pk" and "dose" are
        # rebuilt from the drugs above), and the all-hypotheses matrix at the default
        # values, for checking the page's own
        "param_uses": {name: [{"array": u.array, "index": u.index} for u in uses]
                       for name, uses in system.param_uses.items()},
        "pk_matrix": system.pk_matrix.tolist()}

    graph = to_graph(model)
    lay = layout(graph)          # the figure's: bands moved apart, each node's band or None
    pos, bands, rows = lay.pos, lay.band, lay.rows
    nodes = []
    for n in model.nodes:
        x, y = pos.get(n.id, (None, None))
        nodes.append({"id": n.id, "label": n.label, "short_label": n.short_label or n.label,
                      "kind": n.kind, "branch": n.branch, "band": bands.get(n.id),
                      "caption": n.caption, "description": n.description,
                      "x": x, "y": y, "baseline": model.value(n.baseline) if n.kind != "drug"
                      else None})
    # each band's rectangle (x0, x1, y0, y1) as the figure draws it behind boxes of the
    # layout's height; the layout moved the bands apart so these never overlap
    rects = {}
    for b in model.branches.values():
        members = [pos[n] for n in pos if bands.get(n) == b.name]
        if members:
            above = lay.title_room if b.title else BAND_PAD_ABOVE
            rects[b.name] = [float(v) for v in band_rect(members, lay.height, above)]
    edges = [{"index": e.index, "source": e.source, "target": e.target, "effect": e.effect,
              "grade": e.grade, "citations": list(e.citations), "hypothesis": e.hypothesis,
              "note": e.note} for e in model.edges]
    return {
        "format": FORMAT,
        "model": {"name": model.name, "description": model.description,
                  "source": Path(model.source).name},
        "roles": {"primary": model.primary, "side_effects": list(model.roles.side_effects),
                  "outcomes": list(model.roles.outcomes), "body_weight": model.roles.body_weight,
                  "expectancy": model.roles.expectancy, "inert": model.roles.inert,
                  "inert_drugs": inert_drugs(model),
                  "showcase": list(model.roles.showcase) or [next(iter(model.scenarios))]},
        "branches": {b.name: {"title": b.title, "row": rows.get(b.name), "rect": rects.get(b.name)}
                     for b in model.branches.values()},
        # the tallest a box may be and the room a band leaves above its boxes for its
        # title, in the layout's units (one column, one row)
        "layout": {"box_height": float(lay.height), "title_room": float(lay.title_room)},
        "nodes": nodes, "edges": edges,
        "derived": {name: list(ds) for name, ds in model.derived.items()},
        "scenarios": {s.name: {"description": s.description, "days": s.days,
                               "placebo_arm": s.placebo, "doses": [_dose(d) for d in s.doses],
                               "study_drugs": list(s.study_drugs), "label": s.label,
                               "color": s.color,
                               "dose": ({"amount": s.dose[0], "per_kg": s.dose[1]}
                                        if s.dose else None)}
                      for s in model.scenarios.values()},
        "interventions": {name: _intervention(iv) for name, iv in model.interventions.items()},
        "hypotheses": {h.name: {"enabled": h.enabled, "description": h.description,
                                "citations": list(h.citations)}
                       for h in model.hypotheses.values()},
        "parameters": parameter_table(model),
        "references": {key: _citation(key, text) for key, text in model.references.items()},
        "compiled": compiled,
        "things_to_try": (site or {}).get("try", []),
        "time_units": {u: f for u, f in UNITS["time"].items()},
    }


# ---------------------------------------------------------------- the site file

def site_path(model: Model) -> Path | None:
    """``models/site/<name>.toml`` beside a model file ``models/<name>.toml``."""
    src = Path(model.source)
    if not src.suffix:
        return None
    return src.parent / "site" / (src.stem + ".toml")


def load_site(model: Model, path: str | Path | None = None) -> dict:
    """Read and check the site file of ``model`` (guided questions, ``[[try]]``): every
    scenario, intervention, hypothesis and parameter it names must exist in the model,
    and every parameter value must lie in its range. No file: no questions."""
    path = Path(path) if path is not None else site_path(model)
    if path is None or not path.is_file():
        return {"try": []}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the site file: {exc}\n"
                         "  hint: fix the TOML syntax, or delete the file") from None
    problems = []
    items = data.get("try", [])
    unknown = set(data) - {"try"}
    if unknown:
        problems.append(f"unknown table(s) {', '.join(sorted(unknown))} (only [[try]] is read)")
    if not isinstance(items, list):
        items, _ = [], problems.append("'try' must be an array of tables: [[try]]")
    out = []
    for i, item in enumerate(items):
        place = f"try[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{place}: not a table")
            continue
        extra = set(item) - {"question", "answer", "scenario", "compare", "interventions",
                             "hypotheses", "set", "days", "dose", "show_placebo", "placebo_drug"}
        if extra:
            problems.append(f"{place}: unknown key(s) {', '.join(sorted(extra))}")
        if not isinstance(item.get("question"), str) or not item["question"].strip():
            problems.append(f"{place}: needs a 'question' (text)")
        for key, table in (("scenario", model.scenarios), ("compare", model.scenarios)):
            if key in item and item[key] not in table and not (key == "compare" and item[key] == ""):
                problems.append(f"{place}: unknown {key} '{item[key]}' "
                                f"({suggest(str(item[key]), table)})")
        for key, table in (("interventions", model.interventions), ("hypotheses", model.hypotheses)):
            for name in item.get(key, []):
                base = str(name).split("@")[0]
                if base not in table:
                    problems.append(f"{place}: unknown {key[:-1]} '{name}' ({suggest(base, table)})")
        for key in ("days", "dose"):
            if key in item and not (finite(item[key]) and item[key] > 0):
                problems.append(f"{place}: {key} must be a positive number")
        if "show_placebo" in item and not isinstance(item["show_placebo"], bool):
            problems.append(f"{place}: show_placebo must be true or false")
        if "placebo_drug" in item and item["placebo_drug"] not in inert_drugs(model):
            problems.append(f"{place}: placebo_drug '{item['placebo_drug']}' is not an inert drug "
                            f"of the model (one of {', '.join(inert_drugs(model)) or 'none'})")
        params = parameter_table(model)
        for name, value in (item.get("set") or {}).items():
            if name not in params:
                problems.append(f"{place}: unknown parameter '{name}' "
                                f"({suggest(name, model.parameters)})")
                continue
            p = params[name]
            if not isinstance(value, (int, float)) or not p["low"] <= value <= p["high"]:
                problems.append(f"{place}: {name} = {value!r} is outside its range "
                                f"{p['low']:g}-{p['high']:g} {p['unit']} (the unit "
                                "`pathway list` shows)")
        out.append(item)
    if problems:
        raise UsageError(f"{path}: the guided questions do not fit the model {model.name}:\n  "
                         + "\n  ".join(problems)
                         + "\n  hint: update the site file to the model's names and ranges")
    return {"try": out}


def finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
