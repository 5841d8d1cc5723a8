"""Export a model (with its interventions and hypotheses applied) and a scenario
to SBML Level 3 Version 2, for COPASI, Tellurium and libroadrunner.

What goes where:

* every state is an SBML parameter with a rate rule: the amount (mg) in each
  pharmacokinetic compartment, ``dA/dt = K A + infusion``, and every node,
  ``dx/dt = (target - x) / tau``, with ``tau`` switching between ``tau_rise``
  and ``tau_fall`` (written with ``max`` and ``min``). A state that rests at 0
  (every amount, and a node such as a side-effect readout) is integrated as
  ``<id>_shifted``, the variable plus a small constant offset, and ``<id>`` is
  the assignment rule that takes the offset off again (see ``rest_offsets``);
* each node's target and each drug's plasma level (ng/mL) are assignment rules;
* each edge's strength is its own parameter (``w_<index>``) whose notes carry
  the edge, its evidence grade and its citations, so every term of the equations
  can be traced to the edge it came from;
* the model file's ``[parameters]`` become parameters ``par_<name>`` that the
  expressions use, so a tool can vary them;
* doses are events at exact times (a bolus adds to a compartment, an infusion
  switches a rate on and off); time is in hours.

Needs the optional dependency ``python-libsbml`` (``pip install .[sbml]``).
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from . import equations as eq
from .compile import HILL, OdeSystem, compile_model
from .dosing import BOLUS, RATE, build_events, first_event_h
from .errors import UsageError
from .modelfile import EDGE_FIELD, Model, ParamRef, Scenario

SBML_LEVEL, SBML_VERSION = 3, 2


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


def _pk_id(system: OdeSystem, i: int) -> str:
    c = system.compartments[i]
    return f"A_{c.drug}_{c.kind.replace(':', '_')}"


def _value(model: Model, v, fallback: float) -> str:
    """A field as an SBML expression: the parameter's id if it names one."""
    if isinstance(v, ParamRef):
        return f"par_{v.name}"
    return _num(fallback if v is None else float(v))


def export_sbml(model: Model, scenario: str | Scenario, *, days: float | None = None) -> str:
    """Return the SBML document (a string) for ``model`` given ``scenario``."""
    libsbml = _libsbml()
    sc = model.scenario(scenario) if isinstance(scenario, str) else scenario
    days = sc.days if days is None else days
    system = compile_model(model)
    events = build_events(system, sc, days * 24.0)
    # SBML time starts at 0 at the first event (a pretreatment may come before the
    # scenario's time 0; some simulators mishandle a negative start time)
    offset = first_event_h(events)

    doc = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    m = doc.createModel()
    m.setId("ketamine_pathway")
    m.setName(f"{model.name}: {sc.name}")
    m.setTimeUnits("hour")
    m.setNotes(_notes(f"Exported by ketamine-pathway from {Path(model.source).name}, scenario "
                      f"'{sc.name}' ({sc.description}). Hypotheses on: "
                      f"{', '.join(h for h, v in model.hypotheses.items() if v.enabled) or 'none'}; "
                      f"interventions: {', '.join(n for n, _ in model.applied) or 'none'}. Time in hours, "
                      "amounts in mg, concentrations in ng/mL, node activities relative to rest. "
                      f"SBML time 0 is the scenario's time {offset:g} h (the parameter "
                      "scenario_time_offset_h). A teaching model, not medical advice."))
    _units(m, libsbml)
    comp = m.createCompartment()
    comp.setId("body")
    comp.setConstant(True)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3)
    comp.setUnits("litre")

    def parameter(pid, value, *, constant=True, units=None, notes=None, name=None):
        p = m.createParameter()
        p.setId(pid)
        p.setValue(float(value))
        p.setConstant(constant)
        if units:
            p.setUnits(units)
        if name:
            p.setName(name)
        if notes:
            p.setNotes(_notes(notes))
        return p

    def math(text):
        ast = libsbml.parseL3Formula(text)
        if ast is None:
            raise UsageError(f"internal error: cannot parse SBML formula {text!r}")
        return ast

    units_of = {"time": "hour", "volume": "litre", "flow": "litre_per_hour",
                "concentration": "ng_per_mL", "mass": "mg", "weight": "kg",
                "number": "dimensionless", "dose_per_weight": "mg_per_kg"}
    for p in model.parameters.values():
        parameter(f"par_{p.name}", p.value, units=units_of[p.dimension],
                  notes=f"{p.description} Plausible range {p.describe()}.")
    parameter("scenario_time_offset_h", offset, units="hour",
              notes="The scenario's clock reads SBML time + this offset.")

    # pharmacokinetics: amounts with linear rate rules, infusion rates changed by events.
    # Each drug's clearance, volumes, flows and absorption half-lives are named
    # parameters (following the model file's parameter where it names one), and every
    # entry of the rate matrix is an assignment rule of them, so a tool can vary them.
    K = system.pk_matrix
    index = {(c.drug, c.kind): i for i, c in enumerate(system.compartments)}

    def named(pid, v, dimension, name):
        value = float(model.value(v))
        parameter(pid, value, units=units_of[dimension], name=name,
                  constant=not isinstance(v, ParamRef))
        if isinstance(v, ParamRef):
            rule = m.createAssignmentRule()
            rule.setVariable(pid)
            rule.setMath(math(f"par_{v.name}"))
        return pid

    entries: dict[tuple[int, int], list[str]] = {}

    def add(i, j, term):
        entries.setdefault((i, j), []).append(term)

    for d in system.drug_ids:
        drug = model.drugs[d]
        c = index[(d, "central")]
        cl = named(f"CL_{d}", drug.clearance_l_h, "flow", f"clearance of {d}")
        vc = named(f"V_{d}", drug.volume_l, "volume", f"central volume of {d}")
        add(c, c, f"-{cl} / {vc}")
        for k, (vol, flow) in enumerate(drug.peripheral, start=1):
            p_ = index[(d, f"peripheral{k}")]
            q = named(f"Q_{d}_{k}", flow, "flow", f"flow between {d}'s central and peripheral {k}")
            vp = named(f"V_{d}_{k}", vol, "volume", f"volume of {d}'s peripheral compartment {k}")
            add(c, c, f"-{q} / {vc}")
            add(p_, c, f"{q} / {vc}")
            add(p_, p_, f"-{q} / {vp}")
            add(c, p_, f"{q} / {vp}")
        for route in drug.routes.values():
            if route.absorption_half_life_h is not None:
                dep = index[(d, f"depot:{route.name}")]
                rid = route.name.replace("-", "_")
                th = named(f"t_abs_{d}_{rid}", route.absorption_half_life_h, "time",
                           f"absorption half-life of {d} by the {route.name} route")
                add(dep, dep, f"-ln(2) / {th}")
                add(c, dep, f"ln(2) / {th}")
    for e in system.metabolism:
        fid = named(f"f_{e.index}", e.fraction, "number",
                    f"fraction of {e.source}'s clearance that becomes {e.target} ({e.name})")
        add(index[(e.target, "central")], index[(e.source, "central")],
            f"{fid} * CL_{e.source} / V_{e.source}")
    # every state that rests at 0 is integrated with an offset (see rest_offsets)
    drug_scale, node_offset = _offsets(model, system, events)
    for d in system.drug_ids:
        parameter(f"rest_offset_{d}", drug_scale[d], units="mg",
                  notes=f"Each amount of {d} (mg) is integrated as A_..._shifted = A_... + "
                        f"rest_offset_{d}: {OFFSET_FRACTION:g} of the largest amount of {d} "
                        f"given at once in this scenario. {_OFFSET_WHY}")
    for i in range(system.n_pk):
        pid, drug = _pk_id(system, i), system.compartments[i].drug
        parameter(pid, 0.0, constant=False, units="mg", name=system.compartments[i].name)
        parameter(f"{pid}_shifted", drug_scale[drug], constant=False, units="mg",
                  name=f"{system.compartments[i].name} + rest offset")
        rule = m.createAssignmentRule()
        rule.setVariable(pid)
        rule.setMath(math(f"{pid}_shifted - rest_offset_{drug}"))
        parameter(f"rate_{pid}", 0.0, constant=False, units="mg_per_hour",
                  name=f"infusion into {system.compartments[i].name}")
    for (i, j), terms in entries.items():
        kid = f"k_{_pk_id(system, i)[2:]}__{_pk_id(system, j)[2:]}"
        parameter(kid, K[i, j], constant=False, units="per_hour",
                  name=f"rate matrix entry: into {system.compartments[i].name} "
                       f"from {system.compartments[j].name}")
        rule = m.createAssignmentRule()
        rule.setVariable(kid)
        rule.setMath(math(" + ".join(terms).replace("+ -", "- ")))
    for i in range(system.n_pk):
        terms = [f"k_{_pk_id(system, i)[2:]}__{_pk_id(system, j)[2:]} * {_pk_id(system, j)}"
                 for j in range(system.n_pk) if (i, j) in entries]
        rule = m.createRateRule()
        rule.setVariable(f"{_pk_id(system, i)}_shifted")
        rule.setMath(math(" + ".join(terms + [f"rate_{_pk_id(system, i)}"])))
    for d, drug in enumerate(system.drug_ids):
        parameter(drug, 0.0, constant=False, units="ng_per_mL",
                  name=f"{model.node(drug).label} in plasma")
        central = _pk_id(system, int(system.drug_central[d]))
        rule = m.createAssignmentRule()
        rule.setVariable(drug)
        rule.setMath(math(f"1000 / V_{drug} * {central}"))
    for name, drugs in model.derived.items():
        parameter(name, 0.0, constant=False, units="ng_per_mL", name=f"plasma {' + '.join(drugs)}")
        rule = m.createAssignmentRule()
        rule.setVariable(name)
        rule.setMath(math(" + ".join(drugs)))

    # nodes: one signal per term, combined into the node's target
    kern = system.kernel
    node_obj = {n.id: n for n in model.nodes}
    offsets = node_offset                 # the nodes that rest at 0
    for k, nid in enumerate(system.node_ids):
        state = f"{nid}_shifted" if nid in offsets else nid
        start = f"par_{node_obj[nid].baseline.name}" \
            if isinstance(node_obj[nid].baseline, ParamRef) else None
        parameter(nid, kern.baseline[k], constant=False, units="dimensionless",
                  name=node_obj[nid].label, notes=node_obj[nid].description)
        if nid in offsets:
            # a node resting at 0 is integrated as node + offset (see rest_offsets);
            # the node itself is an assignment rule, so every tool reads it as before
            off = f"rest_offset_{nid}"
            parameter(off, offsets[nid], units="dimensionless",
                      notes=f"{nid} rests at 0; it is integrated as {state} = {nid} + {off}, "
                            f"{OFFSET_FRACTION:g} of the node's scale (its maximum). {_OFFSET_WHY}")
            parameter(state, kern.baseline[k] + offsets[nid], constant=False,
                      units="dimensionless", name=f"{node_obj[nid].label} + rest offset")
            rule = m.createAssignmentRule()
            rule.setVariable(nid)
            rule.setMath(math(f"{state} - {off}"))
            start = start and f"{start} + {off}"
        if start:
            # the node starts at rest, wherever its baseline parameter is set
            ia = m.createInitialAssignment()
            ia.setSymbol(state)
            ia.setMath(math(start))
    signals: dict[str, list] = {nid: [] for nid in system.node_ids}
    for t in system.terms:                # the very terms the solver runs
        e = t.edge
        wid = f"w_{e.index}"
        refs = "; ".join(model.references.get(c, c) for c in e.citations)
        parameter(wid, t.strength, units="dimensionless",
                  constant=not isinstance(e.strength, ParamRef),
                  name=f"strength of {e.name}",
                  notes=f"edge[{e.index}] {e.name} ({e.effect}); evidence: {e.grade}"
                        f"{'; hypothesis ' + e.hypothesis if e.hypothesis else ''}. {e.note} "
                        f"Sources: {refs}")
        if isinstance(e.strength, ParamRef):      # follows its parameter in any tool
            rule = m.createAssignmentRule()
            rule.setVariable(wid)
            rule.setMath(math(f"par_{e.strength.name}"))
        form = eq.signal(t.signal)
        params = {}
        for p in form.params:
            where = (model.node(e.source).baseline if p.source == "source baseline"
                     else getattr(e, EDGE_FIELD[p.source]))
            params[p.symbol] = eq.var(_value(model, where, t.param(p.symbol)))
        # a plasma level that a simulator lets dip below 0 counts as 0, as in the kernel
        x = eq.pos(eq.var(e.source)) if form.source_kind == "drug" else eq.var(e.source)
        signals[e.target].append((t.sign, eq.var(wid), eq.signal_expr(t.signal, x, params)))
    for k, nid in enumerate(system.node_ids):
        node = node_obj[nid]
        base = _value(model, node.baseline, kern.baseline[k])
        form = eq.RESPONSES[int(kern.mode[k])]
        node_params = {p.symbol: eq.var(_value(model, getattr(node, p.source), kern.n_par[k, j]))
                       for j, p in enumerate(form.params)}
        target = eq.to_sbml(eq.target_expr(form.name, eq.var(base), node_params, signals[nid]))
        tid = f"target_{nid}"
        parameter(tid, kern.baseline[k], constant=False, units="dimensionless",
                  name=f"target of {nid}")
        rule = m.createAssignmentRule()
        rule.setVariable(tid)
        rule.setMath(math(target))
        rise = _value(model, node.tau_rise_h, kern.tau_rise[k])
        fall = _value(model, node.tau_fall_h, kern.tau_fall[k])
        rule = m.createRateRule()
        rule.setVariable(f"{nid}_shifted" if nid in offsets else nid)
        if rise == fall:
            rate = f"({tid} - {nid}) / {rise}"
        else:
            # the same as dividing by piecewise(rise, target >= x, fall), written
            # without a condition: libroadrunner hunts for the moment a piecewise
            # condition flips, and stopped at every rounding-level crossing of a
            # node resting on its target (CV_TOO_MUCH_WORK in arketamine-iv)
            rate = f"max({tid} - {nid}, 0) / {rise} + min({tid} - {nid}, 0) / {fall}"
        rule.setMath(math(rate))

    # dosing events at exact times; two doses into one compartment at one moment become
    # one event (SBML events that fire together read the state from before both, so
    # separate "A = A + dose" assignments would lose all but one dose)
    # an amount in proportion to body weight is a formula of the body-weight parameter,
    # so a tool that changes that parameter changes the mg/kg doses
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

    def amount(var, fixed, per_kg):
        parts = [var] if var else []
        if fixed != 0.0 or not per_kg:
            parts.append(_num(fixed))
        if per_kg:
            parts.append(f"{_num(per_kg)} * {weight_id}")
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
        trig.setMath(math(f"time >= {_num(t - offset)}"))
        ea = ev.createEventAssignment()
        if kind == BOLUS:
            var = f"{_pk_id(system, idx)}_shifted"
            ea.setVariable(var)
            ea.setMath(math(amount(var, fixed, per_kg)))
            ev.setName(f"bolus of {value:g} mg into {system.compartments[idx].name} at {t:g} h"
                       + (f" (at {weight:g} kg)" if per_kg else ""))
        elif kind == RATE:
            var = f"rate_{_pk_id(system, idx)}"
            ea.setVariable(var)
            ea.setMath(math(amount(None, fixed, per_kg)))
            ev.setName(f"infusion into {system.compartments[idx].name} at {t:g} h: now "
                       f"{fixed + per_kg * weight:g} mg/h" + (f" (at {weight:g} kg)" if per_kg else ""))
        else:
            # a node reset to its rest: to its baseline parameter, if it has one
            var = system.node_ids[idx]
            rest = node_obj[var].baseline
            level = f"par_{rest.name}" if isinstance(rest, ParamRef) else _num(value)
            ea.setVariable(f"{var}_shifted" if var in offsets else var)
            ea.setMath(math(f"{level} + rest_offset_{var}" if var in offsets else level))
            ev.setName(f"{var} reset to {value:g} at {t:g} h")
    return libsbml.writeSBMLToString(doc)


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
            top = abs(system.node_param(k, "maximum")) if kern.mode[k] == HILL else 0.0
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
    unit_def("litre_per_hour", [(libsbml.UNIT_KIND_LITRE, 1, 0, 1.0),
                                (libsbml.UNIT_KIND_SECOND, -1, 0, 3600.0)])
    unit_def("ng_per_mL", [(libsbml.UNIT_KIND_GRAM, 1, -9, 1.0),
                           (libsbml.UNIT_KIND_LITRE, -1, -3, 1.0)])


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
        desc = libcombine.OmexDescription()
        desc.setAbout(".")
        desc.setDescription(f"{model.name}: scenario {sc.name} ({sc.description}), "
                            f"{days:g} days. A teaching model, not medical advice.")
        archive.addMetadata(".", desc)
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
