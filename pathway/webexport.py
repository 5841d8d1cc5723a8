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
pathway layout of the figures with the page's drawings of it (one per page
width, see :mod:`pathway.webdrawing`), and the guided questions of a site file
(``models/site/<model>.toml``) if the model has one.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .compile import compile_model
from .errors import suggest
from .evidence import evidence_phrase, is_rodent
from .modelfile import (BASE_UNIT, UNITS, Dose, Intervention, Model, ParamRef, Value,
                        format_quantity, set_hypothesis)
from .scenarios import inert_drugs
from .tomlfile import FileChecker, FileKind, read_toml, run_checks

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
    from .webdrawing import drawings, edge_colors

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
              "note": e.note, "species": e.species, "evidence": evidence_phrase(e.species),
              "rodent": is_rodent(e.species)} for e in model.edges]
    branches = {b.name: {"title": b.title, "row": rows.get(b.name), "rect": rects.get(b.name)}
                for b in model.branches.values()}
    return {
        "format": FORMAT,
        "model": {"name": model.name, "description": model.description,
                  "source": Path(model.source).name},
        "roles": {"primary": model.primary, "side_effects": list(model.roles.side_effects),
                  "outcomes": list(model.roles.outcomes), "body_weight": model.roles.body_weight,
                  "expectancy": model.roles.expectancy, "inert": model.roles.inert,
                  "inert_drugs": inert_drugs(model),
                  "showcase": list(model.roles.showcase) or [next(iter(model.scenarios))]},
        "branches": branches,
        # the tallest a box may be and the room a band leaves above its boxes for its
        # title, in the layout's units (one column, one row); the page draws one of the
        # drawings (boxes, bands and arrow paths in pixels, one per page width) in the
        # figure's colours (see pathway.webdrawing)
        "layout": {"box_height": float(lay.height), "title_room": float(lay.title_room),
                   "colors": edge_colors(),
                   "drawings": drawings(nodes, branches, edges, float(lay.height),
                                        float(lay.title_room))},
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
        # the site file's words for readers: a plain first sentence, a safety note with
        # its sources (keys of the model's references) and a glossary of technical terms
        "page": (site or {}).get("page", {}),
        "glossary": (site or {}).get("glossary", {}),
        "time_units": {u: f for u, f in UNITS["time"].items()},
        "ensemble": ensemble_export(model),
    }


def ensemble_export(model: Model) -> dict | None:
    """The calibration ensemble for the page's band (None when the model has no ensemble file): each member's
    values in the unit the page's parameters use (:func:`parameter_table`), in the order of ``names``. A file
    that is there but broken or stale (:func:`pathway.ensemble.load_ensemble` says why) leaves the page without
    its band, with a warning that says why and how to remake it: the reader still gets the page."""
    import warnings

    from .ensemble import BAND_KIND, ensemble_path, load_ensemble
    from .errors import UsageError
    if not ensemble_path(model).is_file():
        return None
    try:
        ens = load_ensemble(model)
    except UsageError as exc:
        warnings.warn(f"the page is written without its uncertainty band: {exc}", UserWarning, stacklevel=2)
        return None
    table = parameter_table(model)
    factors = [table[n]["factor"] for n in ens.names]
    return {"label": ens.label, "band": BAND_KIND, "names": list(ens.names), "trials": list(ens.trials),
            "members": [[v / f for v, f in zip(values, factors)] for values in ens.members]}


# ---------------------------------------------------------------- the site file

def site_path(model: Model) -> Path | None:
    """``models/site/<name>.toml`` beside a model file ``models/<name>.toml``."""
    src = Path(model.source)
    if not src.suffix:
        return None
    return src.parent / "site" / (src.stem + ".toml")


#: How a site file is spoken of in its errors (limits: :mod:`pathway.tomlfile`).
SITE_FILE = FileKind(
    name="site file", noun="any set of guided questions needs",
    size_hint="a site file is a few kB of [[try]] tables; check that this is a site file",
    missing_hint="check the path given to --site-file, or leave it out to use the site "
                 "file beside the model")
_TRY_KEYS = {"question", "answer", "scenario", "compare", "interventions", "hypotheses", "set",
             "days", "dose", "show_placebo", "placebo_drug"}


class _SiteChecker(FileChecker):
    """The site file's checker: names and values must fit the model."""

    def __init__(self, model: Model, source: str):
        super().__init__(source)
        self.model = model

    def build(self, data: dict) -> dict:
        from .modelfile import MAX_DAYS, MAX_DOSE
        model = self.model
        for key in sorted(set(data) - {"try", "page", "glossary"}):
            self.problem(key, "unknown table (only [[try]], [page] and [glossary] are read)",
                         "write each guided question as a [[try]] table")
        page = self.page(data.get("page", {}))
        glossary = self.glossary(data.get("glossary", {}))
        params, inert = parameter_table(model), inert_drugs(model)
        out = []
        for i, item in self.list_of_tables(data.get("try", []), "try",
                                           "[[try]] with a question"):
            place = f"try[{i}]"
            self.unknown_keys(item, _TRY_KEYS, place)
            self.nonempty_text(item, "question", place)
            self.text(item, "answer", place, required=False)
            if "scenario" in item:
                self.names(item["scenario"], model.scenarios, place, "scenario", single=True)
            if "compare" in item and item["compare"] != "":
                self.names(item["compare"], model.scenarios, place, "scenario", single=True)
            self.interventions(item.get("interventions", []), f"{place}.interventions")
            self.names(item.get("hypotheses", []), model.hypotheses, place, "hypothesis")
            self.number(item, "days", place, low=1e-9, high=MAX_DAYS, required=False,
                        hint=f"days is a number of days above 0, at most {MAX_DAYS:g}")
            self.number(item, "dose", place, low=1e-9, high=MAX_DOSE["mg"], required=False,
                        hint="dose is a number in the scenario's dose unit, above 0")
            self.flag(item, "show_placebo", place)
            if "placebo_drug" in item and item["placebo_drug"] not in inert:
                self.problem(place, f"placebo_drug {_quoted(item['placebo_drug'])} is not an "
                             f"inert drug of the model (one of {', '.join(inert) or 'none'})",
                             "choose a drug that acts on nothing, or leave out placebo_drug")
            for name, value in self.table(item.get("set", {}), f"{place}.set").items():
                if name not in params:
                    self.problem(f"{place}.set", f"unknown parameter '{name}'",
                                 suggest(name, model.parameters))
                    continue
                p = params[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) \
                        or not p["low"] <= value <= p["high"]:
                    self.problem(f"{place}.set", f"{name} = {value!r} is outside its range "
                                 f"{p['low']:g}-{p['high']:g} {p['unit']}",
                                 "give a number in the unit that `pathway list` shows")
            out.append(item)
        return {"try": out, "page": page, "glossary": glossary}

    def page(self, raw) -> dict:
        """The page's own words: its introduction, how to read the chart, and a safety
        note with its sources (keys of the model's references)."""
        page = self.table(raw, "page")
        self.unknown_keys(page, {"intro", "reading", "safety", "safety_sources"}, "page")
        for key in ("intro", "reading", "safety"):
            if key in page:
                self.nonempty_text(page, key, "page")
        sources = page.get("safety_sources", [])
        if not isinstance(sources, list) or not all(isinstance(k, str) for k in sources):
            self.problem("page", "safety_sources must be a list of reference keys",
                         "write safety_sources = [\"key\", ...] with keys of the model's references")
        else:
            for key in sources:
                if key not in self.model.references:
                    self.problem("page", f"safety source '{key}' is not among the model's "
                                 "references", suggest(key, self.model.references))
        return page

    def glossary(self, raw) -> dict:
        """Plain words for technical terms: term = "plain words"."""
        glossary = self.table(raw, "glossary")
        for term, text in glossary.items():
            if not isinstance(text, str) or not text.strip():
                self.problem(f"glossary.{term}", "must be text in plain words",
                             f"write {term} = \"what it means in a sentence\"")
        return {k: v for k, v in glossary.items() if isinstance(v, str)}


    def interventions(self, value, place: str) -> None:
        """Intervention names, each alone or with a time after '@' ("nbqx@2h")."""
        if not isinstance(value, list):
            self.problem(place, f"expected a list of interventions, got {type(value).__name__}",
                         "write interventions = [\"name\"] or [\"name@2h\"]")
            return
        for entry in value:
            if not isinstance(entry, str):
                self.problem(place, f"{entry!r} is not the name of an intervention",
                             "write names in double quotes, e.g. [\"name@2h\"]")
                continue
            base, at, when = entry.partition("@")
            if base not in self.model.interventions:
                self.problem(place, f"unknown intervention '{entry}'",
                             suggest(base, self.model.interventions))
            elif at:
                self.quantity_of(when, "time", place, nonnegative=True)


def _quoted(value) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def load_site(model: Model, path: str | Path | None = None) -> dict:
    """Read and check the site file of ``model`` (guided questions, ``[[try]]``): every
    scenario, intervention, hypothesis and parameter it names must exist in the model,
    and every parameter value must lie in its range. No site file beside the model: no
    questions; a ``path`` given that does not exist is an error.

    Raises :class:`~pathway.errors.DataFileError` (a ``UsageError``) listing every
    problem, each with the file, the place and a hint."""
    if path is None:
        path = site_path(model)
        if path is None or not path.exists():
            return {"try": [], "page": {}, "glossary": {}}
    shown = str(path)
    data = read_toml(path, SITE_FILE)
    checker = _SiteChecker(model, shown)
    return run_checks(checker, checker.build, data, SITE_FILE)


def finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
