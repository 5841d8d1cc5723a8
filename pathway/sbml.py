"""Export a model (with its interventions and hypotheses applied) and a scenario
to SBML Level 3 Version 2, for COPASI, Tellurium and libroadrunner, in a form
that can be curated and published.

What goes where:

* drug amounts (mg) are **species** in the compartment ``body``, moved by
  **reactions** with first-order kinetic laws (elimination, distribution between
  central and peripheral compartments, absorption from a depot, formation of a
  metabolite) and zeroth-order infusions; doses are events at exact times
  (a bolus adds to a species, an infusion switches a rate on and off). The
  plasma level of each drug (ng/mL) is an assignment rule;
* node activities (dimensionless, relative to rest) are governed by **rate
  rules**, ``dx/dt = (target - x) / tau`` (``tau_rise`` while below the target,
  ``tau_fall`` while above), with each target an assignment rule. The state of
  node ``x`` is the species ``x_shifted = x - baseline + rest_offset_x`` in the
  compartment ``pathway`` (its departure from rest plus a constant, see
  ``NODE_STATES``) and ``x`` is an assignment rule. Every state is a species, so
  libroadrunner's full Jacobian covers all of them;
* every amount is integrated likewise as ``A_..._shifted``, the amount plus a
  small constant offset, and ``A_...`` is the assignment rule that takes it off
  again; a node that rests at 0 (a side-effect readout) has such an offset too
  (see ``rest_offsets``);
* every constant is a named parameter with units and an SBO term: the model
  file's ``[parameters]`` as ``par_<name>``; per edge ``w_<edge>`` (strength),
  ``ec50_<edge>`` and ``n_<edge>`` (occupancy), ``f_<edge>`` (metabolised
  fraction); per node ``baseline_``, ``tau_`` (or ``tau_rise_``/``tau_fall_``),
  ``hill_``, ``half_``, ``max_``; per drug ``CL_``, ``V_``, ``Q_``, ``t_abs_``.
  A node's or drug's field that names a parameter in the model file uses
  ``par_<name>`` itself; an edge's follows it by an assignment rule, so that it
  keeps the edge's id, notes and annotations.
  Ids come from names, never from positions: ``<edge>`` is
  ``<source>_<effect>_<target>`` (``activates``, ``inhibits``, or ``to`` for
  metabolised-to), so moving an edge in the file changes no id;
* every hypothesis is a switch parameter ``hyp_<name>`` (1 on, 0 off) and every
  edge of a hypothesis is exported, its term multiplied by the switch, so a tool
  can flip a hypothesis;
* an intervention changes values and never freezes a parameter: an edge that it
  scaled or cut from a parameter is ``iv_<edge> * par_<name>`` (see
  ``pathway.scenarios.ScaledParameter``);
* the model carries its creator, dates, version, and its references as MIRIAM
  annotations (``bqmodel:isDescribedBy``); each edge's parameters, each node's
  target rule and each parameter carry their own (``bqbiol:isDescribedBy``);
* time is in hours.

libsbml's unit checks pass without a warning (``unit_warnings``). Needs the
optional dependency ``python-libsbml`` (``pip install .[sbml]``).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from . import equations as eq
from .compile import OdeSystem, compile_model
from .dosing import BOLUS, RATE, build_events, first_event_h
from .errors import UsageError
from .modelfile import EDGE_FIELD, Edge, Model, ParamRef, Scenario, set_hypothesis
from .scenarios import ScaledParameter

SBML_LEVEL, SBML_VERSION = 3, 2

#: The date each version of the default model (its ``[model] version``) was set:
#: the exported model's creation date. A model file of another version takes the
#: newest date here. ``SOURCE_DATE_EPOCH``, when set, is the modification date, so
#: that a reproducible build stamps its own date and two runs give the same bytes.
MODEL_VERSION_DATES = {"2.0": "2026-11-26T13:13:18Z"}
CREATOR = "ketamine-pathway maintainers"
ORGANISATION = "ketamine-pathway project"

#: SBO terms (Systems Biology Ontology) used by the export
SBO = {
    "parameter": 2,            # quantitative systems description parameter
    "time": 346,               # temporal measure
    "time_constant": 348,      # exponential time constant
    "half_life": 332,          # half-life of an exponential decay
    "volume": 468,             # volume
    "ec50": 287,               # EC50
    "hill": 190,               # Hill coefficient
    "switch": 390,             # boolean switch
    "offset": 584,             # temporal offset
    "concentration": 196,      # concentration of an entity pool
    "mass": 504,               # mass of an entity pool
    "expression": 64,          # mathematical expression (rules)
    "framework": 293,          # non-spatial continuous framework (the model)
    "physical_compartment": 290,
    "implicit_compartment": 410,
    "degradation": 179,
    "translocation": 185,
    "production": 393,
    "first_order": 49,         # mass action rate law, first order irreversible, continuous
    "zeroth_order": 47,        # mass action rate law, zeroth order irreversible, continuous
    "reactant": 10, "product": 11, "modifier": 19,
}
#: the SBO term of a node's species, by the node's kind. A species' term must be a
#: material entity (SBO:0000240 and below); a "signal" (a kinase activity, a mood
#: bias) or a "readout" (a symptom score) is none, so those species carry no term
#: (their parameters and rules do). A receptor is a macromolecule (SBO:0000245):
#: "receptor" (SBO:0000244) is a functional entity, outside that branch.
SBO_KIND = {"drug": 247, "receptor": 245, "cell": 240, "transmitter": 247,
            "structure": 240}
_EFFECT_WORD = {"activates": "activates", "inhibits": "inhibits", "metabolised-to": "to"}
_UNITS_OF = {"time": "hour", "volume": "litre", "flow": "litre_per_hour",
             "concentration": "ng_per_mL", "mass": "mg", "weight": "kg",
             "number": "dimensionless", "dose_per_weight": "mg_per_kg"}


def _libsbml():
    try:
        import libsbml
    except ImportError:
        raise UsageError("SBML export needs python-libsbml\n"
                         "  hint: pip install 'ketamine-pathway[sbml]'") from None
    return libsbml


def _num(x: float) -> str:
    if not math.isfinite(x):
        raise UsageError(f"cannot export the non-finite value {x!r} to SBML")
    return repr(float(x))


def _sid(text: str) -> str:
    """An SBML id from a name (hyphens and colons become underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _pk_id(system: OdeSystem, i: int) -> str:
    c = system.compartments[i]
    return f"A_{c.drug}_{_sid(c.kind)}"


def edge_key(e: Edge) -> str:
    """The name part of every id an edge gives: ``<source>_<effect>_<target>``
    (``to`` for metabolised-to); the same wherever the edge sits in the file."""
    return f"{e.source}_{_EFFECT_WORD[e.effect]}_{e.target}"


def reference_uris(text: str) -> list[str]:
    """The identifiers.org URIs of a reference entry: its DOI and its PubMed id, each
    if the entry states one (an entry marked "not confirmed" states neither)."""
    uris = []
    doi = re.search(r"\bdoi:(\S+)", text)
    if doi:
        uris.append(f"https://identifiers.org/doi:{doi.group(1).rstrip('.,;)')}")
    pmid = re.search(r"\bPMID (\d+)", text)
    if pmid:
        uris.append(f"https://identifiers.org/pubmed:{pmid.group(1)}")
    return uris


def model_version(model: Model) -> str | None:
    """The ``[model] version`` of the model's file (None if it has none or the model
    was not read from a file)."""
    try:
        with open(model.source, "rb") as fh:
            meta = tomllib.load(fh).get("model", {})
    except (OSError, ValueError):
        return None
    v = meta.get("version")
    return str(v) if v is not None else None


def export_dates(model: Model) -> tuple[str, str]:
    """(created, modified) as W3C dates: deterministic, never the time of the run."""
    version = model_version(model)
    created = MODEL_VERSION_DATES.get(version or "", max(MODEL_VERSION_DATES.values()))
    modified = created
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        modified = datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return created, modified


# ---------------------------------------------------------------- node equations

@dataclass(frozen=True)
class TermIds:
    """One term of a node's equation, as the SBML ids of what it reads."""

    signal: str               # its kind, a name in pathway.equations.SIGNALS
    sign: float               # +1 activates, -1 inhibits
    source: str               # the source's value (plasma level, or node activity)
    strength: str             # w_<edge> (or a parameter)
    params: tuple[tuple[str, str], ...] = ()   # the kind's parameters: (symbol, id)
    switch: str | None = None                  # hyp_<name> for a hypothesis' edge


@dataclass(frozen=True)
class NodeIds:
    """A node's SBML ids: its value, its target, and its parameters."""

    value: str
    target: str
    response: str             # its kind, a name in pathway.equations.RESPONSES
    baseline: str
    tau_rise: str
    tau_fall: str
    params: tuple[tuple[str, str], ...] = ()   # the response's parameters: (symbol, id)


def node_equations(node: NodeIds, terms: list[TermIds]) -> tuple[str, str]:
    """The math (SBML L3 infix) of one node: ``(target, rate)``.

    The target is rendered from the model's equations as pathway/equations.py
    declares them (the same declarations the solver's code is generated from):
    each term's signal of its kind, and the node's response of its kind. A term of
    a hypothesis is multiplied by its switch; every literal number carries its
    unit. The rate is ``(target - x) / tau``, tau the rising or the falling time
    constant.
    """
    zero = "0 dimensionless"
    parts = []
    for t in terms:
        form = eq.signal(t.signal)
        # a plasma level that a solver lets dip below 0 counts as 0, as in the kernel
        x = eq.var(f"max({t.source}, 0 ng_per_mL)" if form.source_kind == "drug" else t.source)
        s = eq.signal_expr(t.signal, x, {sym: eq.var(pid) for sym, pid in t.params})
        w = eq.var(t.strength) if not t.switch else eq.var(t.switch) * eq.var(t.strength)
        parts.append((t.sign, w, s))
    target = eq.to_sbml(eq.target_expr(node.response, eq.var(node.baseline),
                                       {sym: eq.var(pid) for sym, pid in node.params}, parts))
    gap = f"{node.target} - {node.value}"
    if node.tau_rise == node.tau_fall:
        rate = f"({gap}) / {node.tau_rise}"
    else:
        # the same as dividing by piecewise(rise, target >= x, fall), written
        # without a condition: libroadrunner hunts for the moment a piecewise
        # condition flips, and stopped at every rounding-level crossing of a
        # node resting on its target (CV_TOO_MUCH_WORK in arketamine-iv)
        rate = f"max({gap}, {zero}) / {node.tau_rise} + min({gap}, {zero}) / {node.tau_fall}"
    return target, rate


# ---------------------------------------------------------------- the export

class _Builder:
    """Creates the SBML elements, each with its id, units, SBO term, notes and
    MIRIAM annotations."""

    def __init__(self, libsbml, m, model: Model):
        self.libsbml, self.m, self.model = libsbml, m, model

    def math(self, text: str):
        ast = self.libsbml.parseL3FormulaWithModel(text, self.m)
        if ast is None:
            raise UsageError(f"internal error: cannot parse SBML formula {text!r}: "
                             f"{self.libsbml.getLastParseL3Error()}")
        return ast

    def annotate(self, el, citations=(), *, qualifier=None) -> None:
        """Give ``el`` a metaid and one ``isDescribedBy`` term with the identifiers.org
        URI of each reference that states a DOI or PubMed id."""
        uris = [u for key in citations for u in reference_uris(self.model.references.get(key, ""))]
        if not uris:
            return
        libsbml = self.libsbml
        if not el.isSetMetaId():
            el.setMetaId(f"meta_{el.getId()}")
        cv = libsbml.CVTerm(libsbml.MODEL_QUALIFIER if qualifier == "model"
                            else libsbml.BIOLOGICAL_QUALIFIER)
        if qualifier == "model":
            cv.setModelQualifierType(libsbml.BQM_IS_DESCRIBED_BY)
        else:
            cv.setBiologicalQualifierType(libsbml.BQB_IS_DESCRIBED_BY)
        for u in dict.fromkeys(uris):
            cv.addResource(u)
        if el.addCVTerm(cv) != libsbml.LIBSBML_OPERATION_SUCCESS:
            raise UsageError(f"internal error: cannot annotate {el.getId()}")

    def parameter(self, pid, value, *, units, sbo, constant=True, name=None, notes=None,
                  citations=()):
        p = self.m.createParameter()
        p.setId(pid)
        p.setValue(float(value))
        p.setConstant(constant)
        p.setUnits(units)
        p.setSBOTerm(sbo)
        if name:
            p.setName(name)
        if notes:
            p.setNotes(_notes(notes))
        self.annotate(p, citations)
        return p

    def assign(self, var, text, *, citations=(), sbo=SBO["expression"]):
        rule = self.m.createAssignmentRule()
        rule.setVariable(var)
        rule.setMath(self.math(text))
        rule.setSBOTerm(sbo)
        if citations:
            rule.setMetaId(f"meta_rule_{var}")
            self.annotate(rule, citations)
        return rule

    def value(self, pid, v, resolved, *, units, sbo, name, notes=None, citations=(),
              clip_at_one=False, own=False):
        """The id a math expression uses for a model field: ``par_<name>`` where the
        field names a parameter (with ``own``, a parameter ``pid`` that follows it by
        an assignment rule, so that an edge's every number has the edge's id and its
        annotations), else a new parameter ``pid`` (an assignment rule
        ``iv_<pid> * par_<name>`` where an intervention scaled a parameter)."""
        if isinstance(v, ParamRef):
            if not own:
                return f"par_{v.name}"
            self.parameter(pid, resolved, units=units, sbo=sbo, constant=False, name=name,
                           notes=notes, citations=citations)
            self.assign(pid, f"par_{v.name}")
            return pid
        if isinstance(v, ScaledParameter):
            factor = f"iv_{pid}"
            by = sorted(set(v.by))
            self.parameter(factor, v.factor, units="dimensionless", sbo=SBO["parameter"],
                           name=f"intervention factor on {name}",
                           notes=f"Set by the intervention(s) {', '.join(by)}: {name} is this "
                                 f"factor times the parameter par_{v.param}.",
                           citations=[c for iv in by if iv in self.model.interventions
                                      for c in self.model.interventions[iv].citations])
            self.parameter(pid, float(v), units=units, sbo=sbo, constant=False, name=name,
                           notes=notes, citations=citations)
            text = f"{factor} * par_{v.param}"
            self.assign(pid, f"min(1 dimensionless, {text})" if clip_at_one else text)
            return pid
        self.parameter(pid, resolved, units=units, sbo=sbo, name=name, notes=notes,
                       citations=citations)
        return pid


def _all_hypotheses_on(model: Model) -> Model:
    for h in model.hypotheses:
        model = set_hypothesis(model, h, True)
    return model


def export_sbml(model: Model, scenario: str | Scenario, *, days: float | None = None) -> str:
    """Return the SBML document (a string) for ``model`` given ``scenario``."""
    libsbml = _libsbml()
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    days = sc.days if days is None else days
    system = compile_model(model)
    # every edge of every hypothesis is exported (behind its switch): the structure
    # comes from the model with all hypotheses on, the switches from the model itself
    full = compile_model(_all_hypotheses_on(model))
    events = build_events(system, sc, days * 24.0)
    # SBML time starts at 0 at the first event (a pretreatment may come before the
    # scenario's time 0; some simulators mishandle a negative start time)
    offset = first_event_h(events)

    doc = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    m = doc.createModel()
    b = _Builder(libsbml, m, model)
    version = model_version(model)
    m.setId(_sid(model.name) if re.match(r"[A-Za-z_]", model.name) else "model")
    m.setName(f"{model.name}{' ' + version if version else ''}: {sc.name}")
    m.setSBOTerm(SBO["framework"])
    m.setMetaId("meta_model")
    hyp_on = [h for h, v in model.hypotheses.items() if v.enabled]
    unidentified = sorted(k for k, text in model.references.items() if not reference_uris(text))
    m.setNotes(_notes(
        f"{model.description} Exported by ketamine-pathway from {Path(model.source).name}"
        f"{' (model version ' + version + ')' if version else ''}, scenario '{sc.name}' "
        f"({sc.description}). Hypotheses on: {', '.join(hyp_on) or 'none'} (each is the switch "
        f"parameter hyp_<name>, 1 on and 0 off); interventions: "
        f"{', '.join(n for n, _ in model.applied) or 'none'}. Time in hours, amounts in mg, "
        "concentrations in ng/mL, node activities relative to rest (dimensionless). "
        f"SBML time 0 is the scenario's time {offset:g} h (the parameter "
        "scenario_time_offset_h). A teaching model, not medical advice."
        + (" References without a DOI or PubMed id (so without a MIRIAM annotation): "
           + "; ".join(f"{k}: {model.references[k]}" for k in unidentified) if unidentified
           else "")))
    _history(libsbml, m, model)
    b.annotate(m, list(model.references), qualifier="model")
    m.appendAnnotation(
        f'<ketamine-pathway xmlns="urn:ketamine-pathway:sbml-export" '
        f'modelVersion="{escape(version or "")}" scenario="{escape(sc.name)}" '
        f'hypotheses="{escape(" ".join(hyp_on))}" '
        f'interventions="{escape(" ".join(n for n, _ in model.applied))}"/>')
    _units(m, libsbml)
    m.setTimeUnits("hour")
    m.setSubstanceUnits("mg")
    m.setExtentUnits("mg")
    m.setVolumeUnits("litre")
    for cid, units, sbo, name in (
            ("body", "litre", SBO["physical_compartment"],
             "the body (drug amounts are amounts, not concentrations)"),
            ("pathway", "dimensionless", SBO["implicit_compartment"],
             "the pathway's activities (relative to rest)")):
        comp = m.createCompartment()
        comp.setId(cid)
        comp.setName(name)
        comp.setConstant(True)
        comp.setSize(1.0)
        comp.setSpatialDimensions(3)
        comp.setUnits(units)
        comp.setSBOTerm(sbo)

    sbo_of = {"time": SBO["time"], "volume": SBO["volume"]}
    for p in model.parameters.values():
        sbo = SBO["ec50"] if p.dimension == "concentration" and "ec50" in p.name \
            else sbo_of.get(p.dimension, SBO["parameter"])
        b.parameter(f"par_{p.name}", p.value, units=_UNITS_OF[p.dimension], sbo=sbo,
                    name=p.name,
                    notes=f"{p.description} Plausible range {p.describe()}.",
                    citations=p.citations)
    b.parameter("scenario_time_offset_h", offset, units="hour", sbo=SBO["offset"],
                notes="The scenario's clock reads SBML time + this offset.")
    switch = {}
    for h in model.hypotheses.values():
        switch[h.name] = f"hyp_{_sid(h.name)}"
        b.parameter(switch[h.name], 1.0 if h.enabled else 0.0, units="dimensionless",
                    sbo=SBO["switch"], name=f"hypothesis {h.name} (1 on, 0 off)",
                    notes=f"{h.description} Every term of this hypothesis' edges is multiplied "
                          "by this switch. (An intervention that acts differently under a "
                          "hypothesis is exported as it acts under the hypotheses at export: "
                          "the switch flips edges, not interventions.)", citations=h.citations)
    b.parameter("mass_conc_factor", 1000.0, units="ng_per_mL_per_mg_per_L", sbo=SBO["parameter"],
                name="ng/mL per mg/L", notes="1 mg/L is 1000 ng/mL.")

    # ---------------- pharmacokinetics: species and reactions
    index = {(c.drug, c.kind): i for i, c in enumerate(system.compartments)}
    drug_scale, node_offset = _offsets(model, system, events)

    def reaction(rid, name, law, sbo, law_sbo=None, reactants=(), products=(), modifiers=()):
        r = m.createReaction()
        r.setId(rid)
        r.setName(name)
        r.setReversible(False)
        r.setSBOTerm(sbo)
        for sid in reactants:
            ref = r.createReactant()
            ref.setSpecies(sid)
            ref.setStoichiometry(1.0)
            ref.setConstant(True)
            ref.setSBOTerm(SBO["reactant"])
        for sid in products:
            ref = r.createProduct()
            ref.setSpecies(sid)
            ref.setStoichiometry(1.0)
            ref.setConstant(True)
            ref.setSBOTerm(SBO["product"])
        for sid in modifiers:
            ref = r.createModifier()
            ref.setSpecies(sid)
            ref.setSBOTerm(SBO["modifier"])
        kl = r.createKineticLaw()
        kl.setMath(b.math(law))
        if law_sbo:
            kl.setSBOTerm(law_sbo)
        return r

    for d in system.drug_ids:
        b.parameter(f"rest_offset_{d}", drug_scale[d], units="mg", sbo=SBO["parameter"],
                    notes=f"Each amount of {d} (mg) is integrated as A_..._shifted = A_... + "
                          f"rest_offset_{d}: {OFFSET_FRACTION:g} of the largest amount of {d} "
                          f"given at once in this scenario. {_OFFSET_WHY}")
    for i, c in enumerate(system.compartments):
        pid = _pk_id(system, i)
        s = m.createSpecies()
        s.setId(f"{pid}_shifted")
        s.setName(f"{c.name} + rest offset")
        s.setCompartment("body")
        s.setInitialAmount(drug_scale[c.drug])
        s.setHasOnlySubstanceUnits(True)
        s.setSubstanceUnits("mg")
        s.setBoundaryCondition(False)
        s.setConstant(False)
        s.setSBOTerm(SBO_KIND["drug"])
        b.parameter(pid, 0.0, constant=False, units="mg", sbo=SBO["mass"], name=c.name)
        b.assign(pid, f"{pid}_shifted - rest_offset_{c.drug}")
    for d in system.drug_ids:
        drug = model.drugs[d]
        cites = drug.citations
        c = _pk_id(system, index[(d, "central")])
        cl = b.value(f"CL_{d}", drug.clearance_l_h, model.value(drug.clearance_l_h),
                     units="litre_per_hour", sbo=SBO["parameter"], name=f"clearance of {d}",
                     citations=cites, own=True)
        vc = b.value(f"V_{d}", drug.volume_l, model.value(drug.volume_l), units="litre",
                     sbo=SBO["volume"], name=f"central volume of {d}", citations=cites, own=True)
        reaction(f"elimination_{d}", f"clearance of {d}", f"{cl} / {vc} * {c}",
                 SBO["degradation"], SBO["first_order"], reactants=[f"{c}_shifted"])
        for k, (vol, flow) in enumerate(drug.peripheral, start=1):
            p_ = _pk_id(system, index[(d, f"peripheral{k}")])
            q = b.value(f"Q_{d}_{k}", flow, model.value(flow), units="litre_per_hour",
                        sbo=SBO["parameter"], citations=cites, own=True,
                        name=f"flow between {d}'s central and peripheral {k}")
            vp = b.value(f"V_{d}_{k}", vol, model.value(vol), units="litre", sbo=SBO["volume"],
                         name=f"volume of {d}'s peripheral compartment {k}", citations=cites, own=True)
            reaction(f"distribution_{d}_{k}", f"{d}: central to peripheral {k}",
                     f"{q} / {vc} * {c}", SBO["translocation"], SBO["first_order"],
                     reactants=[f"{c}_shifted"], products=[f"{p_}_shifted"])
            reaction(f"redistribution_{d}_{k}", f"{d}: peripheral {k} to central",
                     f"{q} / {vp} * {p_}", SBO["translocation"], SBO["first_order"],
                     reactants=[f"{p_}_shifted"], products=[f"{c}_shifted"])
        for route in drug.routes.values():
            if route.absorption_half_life_h is not None:
                dep = _pk_id(system, index[(d, f"depot:{route.name}")])
                rid = _sid(route.name)
                th = b.value(f"t_abs_{d}_{rid}", route.absorption_half_life_h,
                             model.value(route.absorption_half_life_h), units="hour",
                             sbo=SBO["half_life"], citations=cites, own=True,
                             name=f"absorption half-life of {d} by the {route.name} route")
                reaction(f"absorption_{d}_{rid}", f"absorption of {d} ({route.name})",
                         f"ln(2 dimensionless) / {th} * {dep}", SBO["translocation"], SBO["first_order"],
                         reactants=[f"{dep}_shifted"], products=[f"{c}_shifted"])
    for e in full.metabolism:
        key = edge_key(e)
        fid = b.value(f"f_{key}", e.fraction, model.value(e.fraction), units="dimensionless",
                      sbo=SBO["parameter"], name=f"fraction of {e.source}'s clearance that "
                      f"becomes {e.target} ({e.name})", citations=e.citations,
                      notes=_edge_notes(model, e), clip_at_one=True, own=True)
        src = _pk_id(system, index[(e.source, "central")])
        law = f"{fid} * CL_{e.source} / V_{e.source} * {src}"
        if e.hypothesis:
            law = f"{switch[e.hypothesis]} * {law}"
        r = reaction(f"formation_{key}", f"{e.name}: formation of {e.target}", law,
                     SBO["production"], modifiers=[f"{src}_shifted"],
                     products=[f"{_pk_id(system, index[(e.target, 'central')])}_shifted"])
        r.setMetaId(f"meta_formation_{key}")
        b.annotate(r, e.citations)
    infused = sorted({int(i) for i, k in zip(events.index, events.kind) if k == RATE})
    for i in infused:
        pid = _pk_id(system, i)
        b.parameter(f"rate_{pid}", 0.0, constant=False, units="mg_per_hour", sbo=SBO["parameter"],
                    name=f"infusion into {system.compartments[i].name}")
        reaction(f"infusion_{pid[2:]}", f"infusion into {system.compartments[i].name}",
                 f"rate_{pid}", SBO["translocation"], SBO["zeroth_order"],
                 products=[f"{pid}_shifted"])
    for d in system.drug_ids:
        b.parameter(d, 0.0, constant=False, units="ng_per_mL", sbo=SBO["concentration"],
                    name=f"{model.node(d).label} in plasma")
        central = _pk_id(system, index[(d, "central")])
        b.assign(d, f"mass_conc_factor * {central} / V_{d}")
    for name, drugs in model.derived.items():
        b.parameter(name, 0.0, constant=False, units="ng_per_mL", sbo=SBO["concentration"],
                    name=f"plasma {' + '.join(drugs)}")
        b.assign(name, " + ".join(drugs))

    # ---------------- nodes: species with rate rules; one term per edge
    kern = system.kernel
    node_obj = {n.id: n for n in model.nodes}
    offsets = node_offset                 # the nodes that rest at 0
    ids: dict[str, NodeIds] = {}
    for k, nid in enumerate(system.node_ids):
        node = node_obj[nid]
        state = f"{nid}_shifted"
        base = b.value(f"baseline_{nid}", node.baseline, kern.baseline[k], units="dimensionless",
                       sbo=SBO["parameter"], name=f"rest level of {nid}")
        rv, fv = node.tau_rise_h, node.tau_fall_h
        if isinstance(rv, ParamRef) or isinstance(fv, ParamRef):
            same = rv == fv
        else:
            same = kern.tau_rise[k] == kern.tau_fall[k]
        if same:
            rise = fall = b.value(f"tau_{nid}", node.tau_rise_h, kern.tau_rise[k], units="hour",
                                  sbo=SBO["time_constant"], name=f"time constant of {nid}")
        else:
            rise = b.value(f"tau_rise_{nid}", node.tau_rise_h, kern.tau_rise[k], units="hour",
                           sbo=SBO["time_constant"], name=f"time constant of {nid} while rising")
            fall = b.value(f"tau_fall_{nid}", node.tau_fall_h, kern.tau_fall[k], units="hour",
                           sbo=SBO["time_constant"], name=f"time constant of {nid} while falling")
        form = eq.RESPONSES[int(kern.mode[k])]
        params = tuple(
            (p.symbol, b.value(f"{p.sbml}_{nid}", getattr(node, p.source), kern.n_par[k, j],
                               units=_UNITS_OF[p.dimension], sbo=p.sbo,
                               name=f"{p.source} of {nid}'s {form.name} response"))
            for j, p in enumerate(form.params))
        ids[nid] = NodeIds(value=nid, target=f"target_{nid}", response=form.name,
                           baseline=base, tau_rise=rise, tau_fall=fall, params=params)
        # the state is the node's departure from rest plus a constant offset (see
        # NODE_STATES): it rests at the offset, whatever the baseline is set to
        off = f"rest_offset_{nid}"
        rest = offsets.get(nid, float(kern.baseline[k]))
        b.parameter(off, rest, units="dimensionless", sbo=SBO["parameter"],
                    notes=(f"{nid} rests at 0; it is integrated as {state} = {nid} - {base} + "
                           f"{off}, {off} being {OFFSET_FRACTION:g} of the node's scale (its "
                           f"maximum). {_OFFSET_WHY}" if nid in offsets else
                           f"{nid} is integrated as {state} = {nid} - {base} + {off}, {off} "
                           "being the rest level at export, so the state equals the node "
                           "unless a tool changes the baseline.") + " " + NODE_STATES)
        s = m.createSpecies()
        s.setId(state)
        s.setName(f"{node.label} (state: departure from rest + offset)")
        s.setCompartment("pathway")
        s.setInitialAmount(rest)
        s.setHasOnlySubstanceUnits(True)
        s.setSubstanceUnits("dimensionless")
        s.setBoundaryCondition(False)
        s.setConstant(False)
        if node.kind in SBO_KIND:
            s.setSBOTerm(SBO_KIND[node.kind])
        b.parameter(nid, kern.baseline[k], constant=False, units="dimensionless",
                    sbo=SBO["parameter"], name=node.label, notes=node.description)
        b.assign(nid, f"{state} - {off} + {base}")

    terms: dict[str, list[TermIds]] = {nid: [] for nid in system.node_ids}
    cites_of: dict[str, list[str]] = {nid: [] for nid in system.node_ids}
    for t in full.terms:                # the very terms the solver runs, and those of
        e = t.edge                      # every hypothesis (behind its switch)
        key = edge_key(e)
        cites_of[e.target] += e.citations
        w = b.value(f"w_{key}", e.strength, t.strength, units="dimensionless",
                    sbo=SBO["parameter"], name=f"strength of {e.name}",
                    notes=_edge_notes(model, e), citations=e.citations, own=True)
        params = []
        for p in eq.signal(t.signal).params:
            if p.source == "source baseline":
                params.append((p.symbol, ids[e.source].baseline))
                continue
            field = EDGE_FIELD[p.source]
            params.append((p.symbol, b.value(
                f"{p.sbml}_{key}", getattr(e, field), t.param(p.symbol),
                units=_UNITS_OF[p.dimension], sbo=p.sbo, name=f"{p.source} of {e.name}",
                citations=e.citations, own=True)))
        terms[e.target].append(TermIds(t.signal, t.sign, e.source, w, params=tuple(params),
                                       switch=switch.get(e.hypothesis)))
    for k, nid in enumerate(system.node_ids):
        target, rate = node_equations(ids[nid], terms[nid])
        b.parameter(f"target_{nid}", kern.baseline[k], constant=False, units="dimensionless",
                    sbo=SBO["parameter"], name=f"target of {nid}")
        b.assign(f"target_{nid}", target, citations=list(dict.fromkeys(cites_of[nid])))
        rule = m.createRateRule()
        rule.setVariable(f"{nid}_shifted")
        rule.setMath(b.math(rate))
        rule.setSBOTerm(SBO["expression"])

    _events(b, model, system, events, offset)
    return libsbml.writeSBMLToString(doc)


def _edge_notes(model: Model, e: Edge) -> str:
    refs = "; ".join(model.references.get(c, c) for c in e.citations)
    return (f"{e.name} ({e.effect}); evidence: {e.grade}"
            f"{'; hypothesis ' + e.hypothesis + ' (switch hyp_' + _sid(e.hypothesis) + ')' if e.hypothesis else ''}. "
            f"{e.note} Sources: {refs}")


def _history(libsbml, m, model: Model) -> None:
    created, modified = export_dates(model)
    h = libsbml.ModelHistory()
    c = libsbml.ModelCreator()
    c.setUseSingleName(True)
    c.setName(CREATOR)
    c.setOrganisation(ORGANISATION)
    h.addCreator(c)
    h.setCreatedDate(libsbml.Date(created))
    h.addModifiedDate(libsbml.Date(modified))
    if m.setModelHistory(h) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise UsageError("internal error: cannot set the model's history")


def _events(b: _Builder, model: Model, system: OdeSystem, events, offset: float) -> None:
    """Doses and resets as events at exact times. Two doses into one compartment at one
    moment become one event (SBML events that fire together read the state from before
    both, so separate "A = A + dose" assignments would lose all but one dose). An
    amount in proportion to body weight is a formula of the body-weight parameter, so
    a tool that changes that parameter changes the mg/kg doses."""
    m = b.m
    weight = model.body_weight_kg()
    weight_id = f"par_{model.roles.body_weight}" if model.roles.body_weight else None
    merged: dict[tuple[float, int, int], list[float]] = {}
    for i in range(len(events)):
        key = (float(events.t_h[i]), int(events.kind[i]), int(events.index[i]))
        value = float(events.value[i])
        if key[1] == 2:                         # a reset sets a value: the last one wins
            merged[key] = [value, 0.0]
            continue
        fixed_per_kg = merged.setdefault(key, [0.0, 0.0])
        if events.per_kg[i] and weight_id:
            fixed_per_kg[1] += value / weight
        else:
            fixed_per_kg[0] += value

    def amount(var, fixed, per_kg, unit):
        parts = [var] if var else []
        if fixed != 0.0 or not per_kg:
            parts.append(f"{_num(fixed)} {unit}")
        if per_kg:
            parts.append(f"{_num(per_kg)} {unit}_per_kg * {weight_id}")
        return " + ".join(parts)

    running: dict[int, tuple[float, float]] = {}
    for i, ((t, kind, idx), (fixed, per_kg)) in enumerate(merged.items()):
        value = fixed + per_kg * weight
        if kind != 2 and fixed == 0.0 and per_kg == 0.0:   # an infusion ending as another starts
            continue
        if kind == RATE:
            # an infusion event sets the rate to the sum of the infusions running from
            # then on (not "rate + change"), so it gives the same answer however often a
            # tool fires it (libroadrunner fires the time-0 events again on reset())
            f0, k0 = running.get(idx, (0.0, 0.0))
            running[idx] = (f0 + fixed, k0 + per_kg)
            fixed, per_kg = running[idx]
            if abs(fixed) < 1e-12 * abs(f0 or 1.0):
                fixed = 0.0
            if abs(per_kg) < 1e-12 * abs(k0 or 1.0):
                per_kg = 0.0
        ev = m.createEvent()
        ev.setId(f"event_{i}")
        ev.setUseValuesFromTriggerTime(True)
        trig = ev.createTrigger()
        trig.setInitialValue(False)
        trig.setPersistent(True)
        trig.setMath(b.math(f"time >= {_num(t - offset)} hour"))
        ea = ev.createEventAssignment()
        if kind == BOLUS:
            var = f"{_pk_id(system, idx)}_shifted"
            ea.setVariable(var)
            ea.setMath(b.math(amount(var, fixed, per_kg, "mg")))
            ev.setName(f"bolus of {value:g} mg into {system.compartments[idx].name} at {t:g} h"
                       + (f" (at {weight:g} kg)" if per_kg else ""))
        elif kind == RATE:
            var = f"rate_{_pk_id(system, idx)}"
            ea.setVariable(var)
            ea.setMath(b.math(amount(None, fixed, per_kg, "mg_per_hour")))
            ev.setName(f"infusion into {system.compartments[idx].name} at {t:g} h: now "
                       f"{fixed + per_kg * weight:g} mg/h" + (f" (at {weight:g} kg)" if per_kg else ""))
        else:
            # a node reset to its rest: its state back to its offset (see NODE_STATES)
            var = system.node_ids[idx]
            ea.setVariable(f"{var}_shifted")
            ea.setMath(b.math(f"rest_offset_{var}"))
            ev.setName(f"{var} reset to {value:g} at {t:g} h")


NODE_STATES = (
    "Every node's state is the species <node>_shifted = <node> - baseline + rest_offset_<node>, "
    "its departure from rest plus a constant, and <node> is the assignment rule that takes "
    "it back. The state rests at its offset whatever the baseline parameter is set to, so the "
    "model needs no initial assignment (libroadrunner 2.10 cannot compute the Jacobian of a "
    "model in which a species has one) and a tool that changes a baseline starts the node at "
    "its new rest.")

#: a state that rests at 0 is integrated with this fraction of its scale added
OFFSET_FRACTION = 1e-3
_OFFSET_WHY = ("The same equations in a shifted coordinate, so that no state rests at 0: "
               "libroadrunner's CVODE sets each state's absolute tolerance to 1e-12 times the "
               "state's value, recomputed at every event, and a state decaying toward 0 for weeks "
               "took its tolerance toward 0 (1e-50 and below) and CVODE's step size collapsed.")


def _offsets(model: Model, system: OdeSystem, events) -> tuple[dict[str, float], dict[str, float]]:
    """The offsets of the states that rest at 0: (each drug's amounts in mg, each node
    resting at 0), OFFSET_FRACTION of the state's scale. A drug's scale is the largest
    amount of it given at once (a bolus, or one infusion's total), a metabolite's that
    of its parent times the metabolised fraction; a drug the scenario never reaches
    takes the largest of the others (or 1 mg). A node's scale is its maximum for a
    "hill" node, else 1."""
    given = np.zeros(system.n_pk)
    running = np.zeros(system.n_pk)
    infused = np.zeros(system.n_pk)
    since = np.zeros(system.n_pk)
    for t, kind, i, value in zip(events.t_h, events.kind, events.index, events.value):
        if kind == BOLUS:
            given[i] = max(given[i], value)
        elif kind == RATE:
            infused[i] += running[i] * (t - since[i])
            running[i] += value
            since[i] = t
            if abs(running[i]) <= 1e-9 * abs(value):      # an infusion (or overlapping ones) ends
                running[i] = 0.0
                given[i] = max(given[i], infused[i])
                infused[i] = 0.0
    scale = {d: 0.0 for d in system.drug_ids}
    for i, c in enumerate(system.compartments):
        scale[c.drug] = max(scale[c.drug], float(given[i]))
    for _ in system.drug_ids:                                  # along chains of metabolites
        for e in system.metabolism:
            scale[e.target] = max(scale[e.target], float(model.value(e.fraction)) * scale[e.source])
    fallback = max(scale.values(), default=0.0) or 1.0
    drug_scale = {d: OFFSET_FRACTION * (v if v > 0 else fallback) for d, v in scale.items()}
    kern = system.kernel
    node_offset = {}
    for k, nid in enumerate(system.node_ids):
        if kern.baseline[k] == 0.0:
            top = abs(system.node_param(k, "maximum"))
            top = 0.0 if top != top else top               # nan: its response has no maximum
            node_offset[nid] = OFFSET_FRACTION * (top if top > 0 else 1.0)
    return drug_scale, node_offset


def rest_offsets(model: Model, scenario: str | Scenario, days: float | None = None) -> dict[str, float]:
    """The exported states that carry an offset, by the id of the variable they hold.

    A state that rests at 0 (each drug amount, and each node whose rest is 0, such as
    the readout of a side effect) is exported as ``<id>_shifted = <id> + offset`` with
    the rate rule, and ``<id>`` itself as the assignment rule ``<id>_shifted - offset``:
    the same equations, and every tool reads ``<id>`` as before.

    Why: libroadrunner's CVODE sets each state's absolute tolerance to its
    ``absolute_tolerance`` setting (1e-12) times the state's value (1e-12 itself for a
    state at exactly 0), and recomputes it at every event. A state that decays toward 0
    for weeks took its tolerance with it: in sustain-withdraw, a week after the last
    esketamine spray, the nasal depot held 1e-150 mg and the dissociation readout (made
    of rounding-level departures of NMDA from rest) 1e-38, tolerances of 1e-162 and
    1e-50, and CVODE's step size collapsed (CV_ERR_FAILURE; CV_CONV_FAILURE once the
    depot reached the smallest doubles). A shifted state rests at its offset,
    OFFSET_FRACTION of its scale, so its tolerance stays 1e-12 times that, and the
    error weight near rest is the relative tolerance times the offset: 1e-9 of a dose
    or of a readout's maximum."""
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    system = compile_model(model)
    events = build_events(system, sc, (days or sc.days) * 24.0)
    drug_scale, node_offset = _offsets(model, system, events)
    out = {_pk_id(system, i): drug_scale[c.drug] for i, c in enumerate(system.compartments)}
    out.update(node_offset)
    return out


def start_time_h(model: Model, scenario: str | Scenario, days: float | None = None) -> float:
    """The scenario time at which the exported model's clock reads 0 (before 0 if a
    pretreatment comes first): scenario time = SBML time + this offset."""
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    system = compile_model(model)
    return first_event_h(build_events(system, sc, (days or sc.days) * 24.0))


def check_sbml(text: str) -> list[str]:
    """libsbml's consistency check: the errors (empty if there are none)."""
    libsbml = _libsbml()
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    return [doc.getError(i).getMessage().strip() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def unit_warnings(text: str) -> list[str]:
    """libsbml's unit-consistency check: every message, of any severity (empty for
    the export: every parameter declares its units and every literal number in
    the math carries its own, so nothing is left that "cannot be fully checked")."""
    libsbml = _libsbml()
    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.checkConsistency()
    return [doc.getError(i).getMessage().strip() for i in range(doc.getNumErrors())
            if doc.getError(i).getCategory() == libsbml.LIBSBML_CAT_UNITS_CONSISTENCY]


def write_sbml(model: Model, scenario: str | Scenario, path: str | Path, *, days=None) -> Path:
    text = export_sbml(model, scenario, days=days)
    errors = check_sbml(text)
    if errors:
        raise UsageError("the exported SBML fails libsbml's consistency check:\n  "
                         + "\n  ".join(errors[:5]))
    path = Path(path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write '{path}': {exc.strerror or exc}\n"
                         "  hint: check that the folder exists and is writable") from None
    return path


def run_roadrunner(text: str, t_end_h: float, points: int, selections: list[str]):
    """Simulate an exported model in libroadrunner, with its default integrator
    settings, from SBML time 0 to ``t_end_h``; return the result array (time first)."""
    try:
        import roadrunner
    except ImportError:
        raise UsageError("this needs libroadrunner\n  hint: pip install 'ketamine-pathway[sbml]'") from None
    rr = roadrunner.RoadRunner(text)
    try:
        return rr.simulate(0.0, t_end_h, points, ["time"] + list(selections))
    except RuntimeError as exc:
        raise UsageError(f"libroadrunner could not simulate the exported model: {str(exc)[:200]}") from None


def _notes(text: str) -> str:
    return f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></body>'


def _units(m, libsbml) -> None:
    def unit_def(uid, parts):
        ud = m.createUnitDefinition()
        ud.setId(uid)
        for kind, exponent, scale, multiplier in parts:
            u = ud.createUnit()
            u.setKind(kind)
            u.setExponent(exponent)
            u.setScale(scale)
            u.setMultiplier(multiplier)

    unit_def("hour", [(libsbml.UNIT_KIND_SECOND, 1, 0, 3600.0)])
    unit_def("mg", [(libsbml.UNIT_KIND_GRAM, 1, -3, 1.0)])
    unit_def("kg", [(libsbml.UNIT_KIND_GRAM, 1, 3, 1.0)])
    unit_def("mg_per_hour", [(libsbml.UNIT_KIND_GRAM, 1, -3, 1.0),
                             (libsbml.UNIT_KIND_SECOND, -1, 0, 3600.0)])
    unit_def("per_hour", [(libsbml.UNIT_KIND_SECOND, -1, 0, 3600.0)])
    unit_def("mg_per_kg", [(libsbml.UNIT_KIND_GRAM, 1, -3, 1.0), (libsbml.UNIT_KIND_GRAM, -1, 3, 1.0)])
    unit_def("mg_per_hour_per_kg", [(libsbml.UNIT_KIND_GRAM, 1, -3, 1.0),
                                    (libsbml.UNIT_KIND_SECOND, -1, 0, 3600.0),
                                    (libsbml.UNIT_KIND_GRAM, -1, 3, 1.0)])
    unit_def("litre_per_hour", [(libsbml.UNIT_KIND_LITRE, 1, 0, 1.0),
                                (libsbml.UNIT_KIND_SECOND, -1, 0, 3600.0)])
    unit_def("ng_per_mL", [(libsbml.UNIT_KIND_GRAM, 1, -9, 1.0),
                           (libsbml.UNIT_KIND_LITRE, -1, -3, 1.0)])
    # (ng/mL) / (mg/L): a pure number, 1e-3, written as its parts so that a tool
    # can see that mass_conc_factor (1000 of it) turns mg/L into ng/mL
    unit_def("ng_per_mL_per_mg_per_L", [(libsbml.UNIT_KIND_DIMENSIONLESS, 1, -3, 1.0)])


# ---------------------------------------------------------------- COMBINE archive

def export_omex(model: Model, scenario: str | Scenario, path: str | Path, *,
                days: float | None = None, step_min: float = 30.0) -> Path:
    """Write a COMBINE archive (OMEX) of one run: the SBML export of ``scenario``,
    a SED-ML file that says how to run it (a uniform time course over ``days``
    with a row every ``step_min`` minutes, CVODE) and what to report and plot
    (the model's readouts and the plasma levels of the scenario's drugs), and the
    manifest. Any SED-ML tool (tellurium, COPASI, the BioSimulators) can rerun it."""
    try:
        import libcombine
        import libsedml
    except ImportError:
        raise UsageError("a COMBINE archive needs libsedml and libcombine\n"
                         "  hint: pip install 'ketamine-pathway[sbml]'") from None
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    days = days or sc.days
    if not 0 < step_min <= 24 * 60:
        raise UsageError(f"step {step_min:g} min must lie between 0 and 1440 minutes\n"
                         "  hint: 30 minutes suits a run of weeks")
    sbml_text = export_sbml(model, sc, days=days)
    errors = check_sbml(sbml_text)
    if errors:
        raise UsageError("the exported SBML fails libsbml's consistency check:\n  "
                         + "\n  ".join(errors[:5]))
    t_end = days * 24.0 - start_time_h(model, sc, days)
    points = max(2, int(round(t_end * 60 / step_min)))
    from .simulate import display_roles
    roles = display_roles(model, sc)
    outputs = list(model.readouts) + [c for c in roles["plasma"] if c not in model.readouts]
    sedml = _sedml_text(libsedml, model, sc, t_end, points, outputs)
    path = Path(path)
    archive = libcombine.CombineArchive()
    with _tempdir() as tmp:
        (tmp / "model.xml").write_text(sbml_text, encoding="utf-8")
        (tmp / "simulation.sedml").write_text(sedml, encoding="utf-8")
        archive.addFile(str(tmp / "model.xml"), "./model.xml",
                        libcombine.KnownFormats.lookupFormat("sbml"), False)
        archive.addFile(str(tmp / "simulation.sedml"), "./simulation.sedml",
                        libcombine.KnownFormats.lookupFormat("sedml"), True)
        created, modified = export_dates(model)
        version = model_version(model)
        for about, what in ((".", f"{model.name}"
                             f"{' (model version ' + version + ')' if version else ''}: scenario "
                             f"{sc.name} ({sc.description}), {days:g} days. A teaching model, "
                             "not medical advice."),
                            ("./model.xml", f"The SBML model{' version ' + version if version else ''}"
                             f" of {model.name}, scenario {sc.name}."),
                            ("./simulation.sedml", f"How to run scenario {sc.name} and what to "
                             "report and plot.")):
            desc = libcombine.OmexDescription()
            desc.setAbout(about)
            desc.setDescription(what)
            creator = libcombine.VCard()
            creator.setFamilyName(CREATOR)
            creator.setOrganization(ORGANISATION)
            desc.addCreator(creator)
            desc.setCreated(libcombine.Date(created))
            desc.addModification(libcombine.Date(modified))
            archive.addMetadata(about, desc)
        if path.exists():
            path.unlink()
        if not archive.writeToFile(str(path)):
            raise UsageError(f"cannot write '{path}'\n  hint: check that the folder exists "
                             "and is writable")
    archive.cleanUp()
    return path


def _tempdir():
    import tempfile
    from contextlib import contextmanager

    @contextmanager
    def make():
        with tempfile.TemporaryDirectory() as d:
            yield Path(d)
    return make()


def _sedml_text(libsedml, model: Model, sc: Scenario, t_end_h: float, points: int,
                outputs: list[str]) -> str:
    doc = libsedml.SedDocument(1, 4)
    m = doc.createModel()
    m.setId("model")
    m.setLanguage("urn:sedml:language:sbml.level-3.version-2")
    m.setSource("model.xml")
    sim = doc.createUniformTimeCourse()
    sim.setId("timecourse")
    sim.setInitialTime(0.0)
    sim.setOutputStartTime(0.0)
    sim.setOutputEndTime(float(t_end_h))
    sim.setNumberOfPoints(int(points))
    alg = sim.createAlgorithm()
    alg.setKisaoID("KISAO:0000019")                     # CVODE
    task = doc.createTask()
    task.setId("task")
    task.setModelReference("model")
    task.setSimulationReference("timecourse")

    def generator(gid, target, symbol=None):
        dg = doc.createDataGenerator()
        dg.setId(f"dg_{gid}")
        dg.setName(gid)
        var = dg.createVariable()
        var.setId(f"var_{gid}")
        var.setTaskReference("task")
        if symbol:
            var.setSymbol(symbol)
        else:
            var.setTarget(f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{target}']")
        dg.setMath(libsedml.parseFormula(f"var_{gid}"))
        return dg

    generator("time", None, "urn:sedml:symbol:time")
    for name in outputs:
        generator(name, name)
    report = doc.createReport()
    report.setId("report")
    report.setName(f"{sc.name}: readouts and plasma levels")
    for name in ["time"] + outputs:
        ds = report.createDataSet()
        ds.setId(f"ds_{name}")
        ds.setLabel(name)
        ds.setDataReference(f"dg_{name}")
    plot = doc.createPlot2D()
    plot.setId("plot")
    plot.setName(f"{model.node(model.primary).label} in {sc.name}")
    for name in model.readouts:
        if model.node(name).kind != "readout":
            continue
        curve = plot.createCurve()
        curve.setId(f"curve_{name}")
        curve.setName(model.node(name).label)
        curve.setXDataReference("dg_time")
        curve.setYDataReference(f"dg_{name}")
    return libsedml.writeSedMLToString(doc)
