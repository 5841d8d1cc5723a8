"""SBML export: consistency, traceability, and a cross-check of every built-in
scenario against independent simulators with their default settings
(libroadrunner; COPASI and tellurium if installed)."""

import numpy as np
import pytest

libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")

from pathway import (  # noqa: E402 (after the importorskip above)
    compile_model,
    load_model,
    set_hypothesis,
    simulate,
)
from pathway.cli import main  # noqa: E402
from pathway.dosing import build_events  # noqa: E402
from pathway.sbml import (  # noqa: E402
    MODEL_VERSION_DATES,
    check_sbml,
    edge_key,
    export_omex,
    export_sbml,
    reference_uris,
    rest_offsets,
    run_roadrunner,
    start_time_h,
    unit_warnings,
    write_sbml,
)
from pathway.scenarios import apply_intervention  # noqa: E402

SCENARIOS = list(load_model().scenarios)        # every built-in scenario


def cross_check(model, scenario, days):
    """The largest difference between libroadrunner and `simulate` over every
    column, as (fraction of the column's peak, column, time in hours), on a row
    every 15 minutes. The instants of the doses themselves are left out: there a
    bolus into the blood makes the plasma level jump, and `simulate` reports the
    level just before the dose where libroadrunner reports it just after."""
    text = export_sbml(model, scenario, days=days)
    ours_full = simulate(model, scenario, days=days)
    names = list(ours_full.names)
    offset = start_time_h(model, scenario, days)
    res = run_roadrunner(text, days * 24.0 - offset, int(days * 24 * 4) + 1, names)
    res[:, 0] += offset                       # back to the scenario's clock
    sc = model.scenario(scenario)
    dose_times = build_events(compile_model(model), sc, days * 24.0).t_h
    keep = (res[:, 0] >= 0) & ~np.isin(np.round(res[:, 0], 9), np.round(dose_times, 9))
    t = res[keep, 0]
    ours = simulate(model, scenario, days=days, t_eval=t)
    report = []
    for j, name in enumerate(names):
        theirs = res[keep, j + 1]
        peak = max(np.max(np.abs(theirs)), np.max(np.abs(ours[name])))
        if peak < 1e-9:
            continue
        diff = np.abs(ours[name] - theirs)
        i = int(np.argmax(diff))
        report.append((diff[i] / peak, name, float(t[i])))
    return max(report)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_export_passes_the_consistency_check(model, scenario):
    """libsbml's consistency checks, units included: no error, and no warning either."""
    text = export_sbml(model, scenario, days=7)
    assert check_sbml(text) == [] and unit_warnings(text) == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_roadrunner_agrees_with_our_simulation(model, scenario):
    """libroadrunner with its default settings runs the scenario's whole length,
    and for every variable the largest difference stays below 1e-3 of its peak."""
    worst, name, t_h = cross_check(model, scenario, model.scenarios[scenario].days)
    assert worst < 1e-3, f"{name} diverges by {worst:.2e} of its peak at {t_h:.2f} h"


def test_no_state_rests_at_zero_so_roadrunner_keeps_a_sane_tolerance(model):
    """libroadrunner sets each state's absolute tolerance to 1e-12 times the state's
    value, again at every event; a state decaying toward 0 for weeks used to take it
    to 1e-50 and below (sustain-withdraw failed). Every state that rests at 0 is exported as
    the variable plus an offset, the variable itself as an assignment rule, so after
    the withdrawal and months of placebo sprays no tolerance is below 1e-12 of the
    smallest offset, and every readout is read as before."""
    scenario = "sustain-withdraw"
    days = model.scenarios[scenario].days
    text = export_sbml(model, scenario, days=days)
    offsets = rest_offsets(model, scenario, days)
    m = libsbml.readSBMLFromString(text).getModel()
    assert {"dissociation", model.primary} <= set(offsets)
    # a thousandth of the scale (README): of a readout's maximum, of the largest dose given at once
    assert offsets["dissociation"] == pytest.approx(1e-3 * model.value(model.node("dissociation").maximum))
    system = compile_model(model)
    events = build_events(system, model.scenario(scenario), days * 24.0)
    spray = max(v for v, i in zip(events.value, events.index)
                if system.compartments[i].drug == "esketamine")
    assert offsets["A_esketamine_central"] == pytest.approx(1e-3 * spray)
    for var, off in offsets.items():
        species = m.getSpecies(f"{var}_shifted")
        assert species is not None, var
        assert m.getAssignmentRule(var) is not None, var
        assert off > 0 and species.getInitialAmount() == pytest.approx(off), var
    states = [m.getSpecies(i) for i in range(m.getNumSpecies())]
    assert len(states) == len(system.state_names)
    assert all(sp.getInitialAmount() != 0 for sp in states)            # none starts at 0
    rr = roadrunner.RoadRunner(text)
    res = rr.simulate(0, days * 24.0, int(days * 24) + 1, ["time", "dissociation"])
    assert res[-1, 0] == days * 24.0 and abs(res[-1, 1]) < 1e-6
    assert min(rr.integrator.getAbsoluteToleranceVector()) >= 0.5e-12 * min(offsets.values())


def test_interventions_and_hypotheses_are_exported(model):
    variant = apply_intervention(set_hypothesis(model, "opioid", True), "naltrexone")
    text = export_sbml(variant, "ketamine-iv", days=3)
    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    opioid_edge = next(e for e in model.edges if e.hypothesis == "opioid")
    assert m.getParameter(f"w_{edge_key(opioid_edge)}") is not None
    assert m.getParameter("hyp_opioid").getValue() == 1.0               # switched on
    assert any("naltrexone" in m.getEvent(i).getName() for i in range(m.getNumEvents()))
    assert start_time_h(variant, "ketamine-iv", 3) == pytest.approx(-0.75)
    worst, name, t_h = cross_check(variant, "ketamine-iv", 3)
    assert worst < 1e-3, f"{name} diverges by {worst:.2e} at {t_h:.2f} h"
    # off by default: the hypothesis' edge is there, behind its switch at 0
    plain = libsbml.readSBMLFromString(export_sbml(model, "ketamine-iv", days=3)).getModel()
    assert plain.getParameter("hyp_opioid").getValue() == 0.0
    target = libsbml.formulaToL3String(
        plain.getAssignmentRule(f"target_{opioid_edge.target}").getMath())
    assert f"hyp_opioid * w_{edge_key(opioid_edge)}" in target
    cut = libsbml.readSBMLFromString(export_sbml(apply_intervention(model, "bdnf-knockout"),
                                                 "ketamine-iv", days=3)).getModel()
    glu = next(e for e in model.edges if (e.source, e.target) == ("bdnf", "mtor"))
    assert cut.getParameter(f"w_{edge_key(glu)}").getValue() == 0.0


def test_every_term_carries_its_edge_grade_and_citations(model):
    m = libsbml.readSBMLFromString(export_sbml(model, "ketamine-iv", days=1)).getModel()
    edge = next(e for e in model.edges if (e.source, e.target) == ("ampa", "bdnf"))
    w = m.getParameter(f"w_{edge_key(edge)}")
    notes = w.getNotesString()
    assert "ampa -&gt; bdnf" in notes or "ampa -> bdnf" in notes
    assert edge.grade in notes and "Lepack" in notes
    assert m.getTimeUnits() == "hour"
    # and the citations as MIRIAM annotations (bqbiol:isDescribedBy)
    uris = {w.getCVTerm(i).getResourceURI(j) for i in range(w.getNumCVTerms())
            for j in range(w.getCVTerm(i).getNumResources())}
    assert "https://identifiers.org/doi:10.1093/ijnp/pyu033" in uris         # Lepack 2015
    assert uris == {u for c in edge.citations for u in reference_uris(model.references[c])}


@pytest.fixture
def basico():
    """COPASI's Python interface, with the process's locale put back afterwards:
    importing it sets the C locale, which turns Python's default text encoding to
    ASCII for every later test in the same worker (a model file read without an
    explicit encoding then fails on its first non-ASCII character)."""
    import locale
    saved = locale.setlocale(locale.LC_ALL)
    yield pytest.importorskip("basico")
    locale.setlocale(locale.LC_ALL, saved)


@pytest.mark.parametrize("scenario", ["arketamine-iv", "sustain-withdraw"])
def test_copasi_runs_the_export_with_defaults_and_agrees(model, scenario, tmp_path, basico):
    days = model.scenarios[scenario].days
    path = write_sbml(model, scenario, tmp_path / "k.xml", days=days)
    basico.load_model(str(path))
    tc = basico.run_time_course(duration=days * 24, intervals=int(days * 24 * 2),
                                use_initial_values=True)       # COPASI's own settings
    ours = simulate(model, scenario, days=days, t_eval=tc.index.values)
    for name in model.readouts:
        theirs = tc[f"Values[{model.node(name).label}]"].values
        peak = max(np.abs(ours[name]).max(), np.abs(theirs).max())
        assert np.max(np.abs(theirs - ours[name])) < 1e-3 * max(peak, 1e-9), name


def test_tellurium_runs_the_export_with_defaults(model):
    te = pytest.importorskip("tellurium")
    r = te.loadSBMLModel(export_sbml(model, "ketamine-series", days=56))
    res = r.simulate(0, 56 * 24, 56 * 24 + 1, ["time"] + list(model.readouts))
    ours = simulate(model, "ketamine-series", days=56, t_eval=res[:, 0])
    for j, name in enumerate(model.readouts, start=1):
        peak = max(np.abs(ours[name]).max(), 1e-9)
        assert np.max(np.abs(res[:, j] - ours[name])) < 1e-3 * peak, name


def test_export_command(tmp_path, capsys):
    assert main(["export", "--format", "sbml", "--out", str(tmp_path / "m.xml"),
                 "--scenario", "ssri", "--days", "7"]) == 0
    text = (tmp_path / "m.xml").read_text(encoding="utf-8")
    assert check_sbml(text) == [] and "<sbml" in text
    assert main(["export", "--format", "graphml", "--out", str(tmp_path / "g.graphml")]) == 0
    assert main(["export", "--format", "json", "--out", str(tmp_path / "g.json")]) == 0


@pytest.mark.parametrize("argv, words", [
    (["export", "--format", "sbml", "--out", "/no/such/dir/m.xml"], "does not exist"),
    (["export", "--format", "sbml", "--out", "m.json"], "should end in .xml or .sbml"),
    (["export", "--format", "sbml", "--out", "m.xml", "--scenario", "ketamin-iv"], "did you mean"),
])
def test_export_mistakes_exit_2(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_unknown_export_format_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["export", "--format", "cellml", "--out", "m.xml"])
    assert info.value.code == 2


def test_body_weight_stays_a_parameter_that_scales_the_mg_per_kg_doses(model):
    """Changing the body-weight parameter in libroadrunner changes the mg/kg doses and
    so the plasma levels, as set_parameter does in Python."""
    from pathway import set_parameter
    weight = model.roles.body_weight
    heavier = model.parameters[weight].value * 1.3
    rr = roadrunner.RoadRunner(export_sbml(model, "ketamine-iv", days=2))
    rr[f"par_{weight}"] = heavier
    rr.reset()                  # libroadrunner applies the time-0 doses again
    res = rr.simulate(0, 48, 193, ["time", "esketamine", model.primary])
    ours = simulate(set_parameter(model, weight, heavier), "ketamine-iv", days=2, t_eval=res[:, 0])
    plain = simulate(model, "ketamine-iv", days=2, t_eval=res[:, 0])
    assert ours["esketamine"].max() == pytest.approx(1.3 * plain["esketamine"].max(), rel=1e-6)
    for j, name in enumerate(["esketamine", model.primary], start=1):
        assert np.max(np.abs(res[:, j] - ours[name])) < 1e-3 * ours[name].max(), name



def _ids(text):
    """Every SBML id of a document, with the value of each parameter."""
    m = libsbml.readSBMLFromString(text).getModel()
    out = {}
    every = m.getListOfAllElements()         # read by index: iterating it never ends once
    for el in (every.get(i) for i in range(every.getSize())):     # libsedml is loaded
        if el is not None and el.isSetId() and el.getTypeCode() != libsbml.SBML_UNIT_DEFINITION:
            p = m.getParameter(el.getId())
            out[el.getId()] = p.getValue() if p is not None else None
    return out


def test_every_constant_is_a_named_parameter_with_units_and_an_sbo_term(model):
    """No literal number in the math lacks its unit, every parameter declares its units
    and an SBO term, and every rule has an SBO term: libsbml's unit checks say
    nothing (see the consistency test, which runs them for every scenario)."""
    text = export_sbml(model, "ketamine-iv", days=2)
    m = libsbml.readSBMLFromString(text).getModel()
    for i in range(m.getNumParameters()):
        p = m.getParameter(i)
        assert p.isSetUnits() and p.isSetSBOTerm(), p.getId()
    for i in range(m.getNumRules()):
        assert m.getRule(i).isSetSBOTerm(), m.getRule(i).getVariable()

    def numbers(ast):
        if ast.isNumber():
            yield ast
        for k in range(ast.getNumChildren()):
            yield from numbers(ast.getChild(k))

    maths = [m.getRule(i).getMath() for i in range(m.getNumRules())]
    maths += [m.getReaction(i).getKineticLaw().getMath() for i in range(m.getNumReactions())]
    bare = [libsbml.formulaToL3String(x) for x in maths for n in numbers(x) if not n.isSetUnits()]
    assert bare == []
    # a former inline constant: each node's time constant(s), each Hill form's numbers
    rule = libsbml.formulaToL3String(m.getRateRule("nmda_shifted").getMath())
    assert "tau_nmda" in rule or "tau_rise_nmda" in rule
    assert unit_warnings(text) == []


def test_roadrunner_returns_the_full_jacobian(model):
    """Every state is a species (amounts moved by reactions, activities by rate rules),
    so libroadrunner computes the Jacobian over all of them. Its pharmacokinetic block
    is the compiled rate matrix, and it follows a clearance changed by name."""
    system = compile_model(model)
    text = export_sbml(model, "ketamine-iv", days=1)
    rr = roadrunner.RoadRunner(text)
    jac = rr.getFullJacobian()
    rows, cols = list(jac.rownames), list(jac.colnames)
    assert rows == cols and len(rows) == len(system.state_names)
    pk = [f"A_{c.drug}_{c.kind.replace(':', '_')}_shifted" for c in system.compartments]
    idx = [rows.index(x) for x in pk]
    J = np.asarray(jac)
    K = system.pk_matrix
    np.testing.assert_allclose(J[np.ix_(idx, idx)], K, rtol=1e-6, atol=1e-9 * np.abs(K).max())
    drug = system.drug_ids[0]
    c = rows.index(f"A_{drug}_central_shifted")
    cl, v = rr[f"CL_{drug}"], rr[f"V_{drug}"]
    rr[f"CL_{drug}"] = 2 * cl
    assert np.asarray(rr.getFullJacobian())[c, c] == pytest.approx(K[c, c] - cl / v, rel=1e-6)


def test_copasi_scans_a_hill_coefficient_by_name_and_the_result_changes(model, tmp_path, basico):
    """A number that used to sit inline in the math (the Hill coefficient of the primary
    readout's response) is a parameter that COPASI's parameter scan can vary by name;
    doubling it changes the peak of the readout."""
    path = write_sbml(model, "ketamine-iv", tmp_path / "k.xml", days=2)
    basico.load_model(str(path))
    params = basico.get_parameters()
    name = params.index[params["sbml_id"] == f"hill_{model.primary}"][0]
    n = float(params.loc[name, "initial_value"])
    basico.set_task_settings(basico.T.TIME_COURSE, {"problem": {"Duration": 48, "StepNumber": 96}})
    item = f"Values[{name}].InitialValue"
    label = model.node(model.primary).label
    out = basico.run_scan(scan_items=[{"item": item, "type": "scan", "values": [n, 2 * n]}],
                          output=[item, f"Values[{label}]"],
                          settings={"subtask": basico.T.TIME_COURSE})
    peaks = out.groupby(item)[f"Values[{label}]"].max()
    assert list(peaks.index) == [n, 2 * n]
    # read at COPASI's own 97 times: the readout's peak is sharp, so a finer grid would find a higher one
    ours = simulate(model, "ketamine-iv", days=2, t_eval=np.linspace(0.0, 48.0, 97))[model.primary].max()
    assert peaks[n] == pytest.approx(ours, rel=1e-3)
    assert abs(peaks[2 * n] - peaks[n]) > 0.01 * peaks[n]


def test_moving_an_edge_in_the_model_file_leaves_every_id_unchanged():
    """Ids come from names (node ids, an edge's source, effect and target), never from
    the position of an edge in the file: moving the first edge to the end of the
    edges changes its index and no SBML id or value."""
    from pathway import loads_model
    from pathway.modelfile import default_model_path
    text = default_model_path().read_text(encoding="utf-8")
    starts = [i for i in range(len(text)) if text.startswith("\n[[edges]]\n", i)]
    first = text[starts[0]:starts[1]]
    moved = text[:starts[0]] + text[starts[1]:starts[-1]] + first + text[starts[-1]:]
    assert moved != text and len(moved) == len(text)
    a, b = loads_model(text, source="m.toml"), loads_model(moved, source="m.toml")
    assert a.edges[0].index == 0 and next(e for e in b.edges if e.name == a.edges[0].name).index > 0
    ids_a = _ids(export_sbml(a, "ketamine-iv", days=2))
    ids_b = _ids(export_sbml(b, "ketamine-iv", days=2))
    assert ids_a == ids_b
    assert f"w_{edge_key(a.edges[0])}" in ids_a


def test_every_reference_of_the_model_is_a_miriam_annotation(model):
    """The model is described by (bqmodel:isDescribedBy) every reference of its file
    that states a DOI or a PubMed id, as identifiers.org URIs; the few that state
    neither are marked "not confirmed" in the file and named in the model's notes.
    Each edge's parameters carry the edge's own references (bqbiol:isDescribedBy)."""
    import re
    text = export_sbml(model, "ketamine-iv", days=1)
    m = libsbml.readSBMLFromString(text).getModel()
    at_model = set()
    for i in range(m.getNumCVTerms()):
        cv = m.getCVTerm(i)
        assert cv.getQualifierType() == libsbml.MODEL_QUALIFIER
        assert cv.getModelQualifierType() == libsbml.BQM_IS_DESCRIBED_BY
        at_model |= {cv.getResourceURI(j) for j in range(cv.getNumResources())}
    notes = m.getNotesString()
    without = []
    for key, ref in model.references.items():
        uris = reference_uris(ref)
        if uris:
            assert set(uris) <= at_model, key
        else:
            assert "not confirmed" in ref and key in notes, key
            without.append(key)
    assert len(without) <= 3 and len(at_model) > 50      # nibuya1995, yamaguchi2018, leal2023
    assert all(re.fullmatch(r"https://identifiers\.org/(doi:10\.\d{4,9}/\S+|pubmed:\d+)", u)
               for u in at_model)
    autry = "https://identifiers.org/pubmed:21677641"             # Autry 2011, Nature
    assert reference_uris(model.references["autry2011"]) == [
        "https://identifiers.org/doi:10.1038/nature10130", autry]
    for e in model.edges:
        if e.effect == "metabolised-to":
            continue
        w = m.getParameter(f"w_{edge_key(e)}")
        got = {w.getCVTerm(i).getResourceURI(j) for i in range(w.getNumCVTerms())
               for j in range(w.getCVTerm(i).getNumResources())}
        assert got == {u for c in e.citations for u in reference_uris(model.references[c])}, e.name


def test_the_export_carries_its_creator_dates_and_version(model, tmp_path, monkeypatch):
    """Creator, creation and modification dates (deterministic: the date of the model's
    version, or SOURCE_DATE_EPOCH) and the model version, in the SBML and in the
    COMBINE archive's metadata."""
    import zipfile

    from pathway.sbml import model_version
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    version = model_version(model)
    created = MODEL_VERSION_DATES[version]
    m = libsbml.readSBMLFromString(export_sbml(model, "ketamine-iv", days=1)).getModel()
    h = m.getModelHistory()
    assert h.getNumCreators() == 1 and h.getCreatedDate().getDateAsString() == created
    assert h.getModifiedDate(0).getDateAsString() == created
    assert version in m.getName() and f'modelVersion="{version}"' in m.getAnnotationString()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    path = export_omex(model, "ketamine-iv", tmp_path / "k.omex", days=1)
    with zipfile.ZipFile(path) as z:
        meta = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".rdf"))
        sbml = z.read("model.xml").decode("utf-8")
    assert created in meta and "2026-01-01T00:00:00Z" in meta and "2000-01-01" not in meta
    assert f"model version {version}" in meta and "ketamine-pathway maintainers" in meta
    assert "2026-01-01T00:00:00Z" in sbml


def test_a_hypothesis_switch_set_to_1_in_roadrunner_reproduces_python(model):
    """Every hypothesis is a switch parameter; an export with a hypothesis off, its switch
    set to 1 in libroadrunner, runs as Python's simulate with the hypothesis on."""
    days = 3
    text = export_sbml(model, "ketamine-iv", days=days)
    offset = start_time_h(model, "ketamine-iv", days)
    names = [model.primary, "mtor", "ampa", "bdnf", "spine_consolidation"]
    for hyp in model.hypotheses:
        if not any(e.hypothesis == hyp for e in model.edges):
            continue                        # a hypothesis that only changes an intervention
        rr = roadrunner.RoadRunner(text)
        rr[f"hyp_{hyp.replace('-', '_')}"] = 1.0
        rr.reset()
        res = rr.simulate(0, days * 24.0 - offset, days * 24 * 4 + 1, ["time"] + names)
        t = res[:, 0] + offset
        on = simulate(set_hypothesis(model, hyp, True), "ketamine-iv", days=days, t_eval=t)
        for j, name in enumerate(names, start=1):
            peak = max(np.abs(on[name]).max(), 1e-9)
            assert np.max(np.abs(res[:, j] - on[name])) < 1e-3 * peak, (hyp, name)
        # the switch matters: with it left at 0 the comparison above would fail
        off = simulate(model, "ketamine-iv", days=days, t_eval=t)
        assert max(np.max(np.abs(on[n] - off[n])) / np.abs(on[n]).max() for n in names) > 2e-3, hyp


def test_with_an_intervention_changing_a_parameter_still_acts(model):
    """An intervention that scales an edge whose strength is a parameter keeps the edge
    tied to the parameter (factor * parameter), in the SBML and in Python: after
    bdnf-val-met, changing bdnf_release_gain still changes relief, by the same amount
    in libroadrunner as in simulate."""
    from pathway import set_parameter
    variant = apply_intervention(model, "bdnf-val-met")
    days, name = 3, "bdnf_release_gain"
    p = variant.parameters[name]
    new = min(p.high, 2 * p.value)
    text = export_sbml(variant, "ketamine-iv", days=days)
    m = libsbml.readSBMLFromString(text).getModel()
    edge = next(e for e in model.edges if (e.source, e.target) == ("ampa", "bdnf"))
    rule = libsbml.formulaToL3String(m.getAssignmentRule(f"w_{edge_key(edge)}").getMath())
    assert rule == f"iv_w_{edge_key(edge)} * par_{name}"
    assert m.getParameter(f"iv_w_{edge_key(edge)}").getValue() == pytest.approx(0.7)
    rr = roadrunner.RoadRunner(text)
    rr[f"par_{name}"] = new
    rr.reset()
    res = rr.simulate(0, days * 24.0, days * 24 * 4 + 1, ["time", model.primary])
    before = simulate(variant, "ketamine-iv", days=days, t_eval=res[:, 0])[model.primary]
    after = simulate(set_parameter(variant, name, new), "ketamine-iv", days=days,
                     t_eval=res[:, 0])[model.primary]
    assert np.max(np.abs(after - before)) > 0.01 * before.max()        # it acts in Python
    assert np.max(np.abs(res[:, 1] - after)) < 1e-3 * after.max()     # and in the SBML


def test_set_parameter_warns_when_an_intervention_cut_every_edge_it_acted_on(model):
    """bdnf-knockout cuts bdnf -> relief, the only edge fast_relief_gain acts on: setting
    the parameter afterwards changes nothing, and set_parameter says so."""
    import warnings

    from pathway import set_parameter
    name = "fast_relief_gain"
    p = model.parameters[name]
    new = (p.value + p.high) / 2
    cut = apply_intervention(model, "bdnf-knockout")
    with pytest.warns(UserWarning, match=f"'{name}' no longer acts.*bdnf -> relief"):
        set_parameter(cut, name, new)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        set_parameter(model, name, new)                                  # acts: no warning
        set_parameter(apply_intervention(model, "bdnf-val-met"), "bdnf_release_gain", 1.0)
