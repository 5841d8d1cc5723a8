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
    check_sbml,
    export_sbml,
    rest_offsets,
    run_roadrunner,
    start_time_h,
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
    assert check_sbml(export_sbml(model, scenario, days=7)) == []


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
        assert m.getRateRule(f"{var}_shifted") is not None, var
        assert m.getAssignmentRule(var) is not None, var
        assert off > 0 and m.getParameter(f"{var}_shifted").getValue() == pytest.approx(off), var
    states = [m.getRule(i).getVariable() for i in range(m.getNumRules()) if m.getRule(i).isRate()]
    assert len(states) == len(system.state_names)
    assert all(m.getParameter(v).getValue() != 0 for v in states)        # none starts at 0
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
    assert m.getParameter(f"w_{opioid_edge.index}") is not None       # hypothesis on: its term exists
    assert any("naltrexone" in m.getEvent(i).getName() for i in range(m.getNumEvents()))
    assert start_time_h(variant, "ketamine-iv", 3) == pytest.approx(-0.75)
    worst, name, t_h = cross_check(variant, "ketamine-iv", 3)
    assert worst < 1e-3, f"{name} diverges by {worst:.2e} at {t_h:.2f} h"
    # off by default: the hypothesis edge leaves no term behind
    plain = libsbml.readSBMLFromString(export_sbml(model, "ketamine-iv", days=3)).getModel()
    assert plain.getParameter(f"w_{opioid_edge.index}") is None
    cut = libsbml.readSBMLFromString(export_sbml(apply_intervention(model, "bdnf-knockout"),
                                                 "ketamine-iv", days=3)).getModel()
    glu = next(e for e in model.edges if (e.source, e.target) == ("bdnf", "mtor"))
    assert cut.getParameter(f"w_{glu.index}").getValue() == 0.0


def test_every_term_carries_its_edge_grade_and_citations(model):
    m = libsbml.readSBMLFromString(export_sbml(model, "ketamine-iv", days=1)).getModel()
    edge = next(e for e in model.edges if (e.source, e.target) == ("ampa", "bdnf"))
    notes = m.getParameter(f"w_{edge.index}").getNotesString()
    assert "ampa -&gt; bdnf" in notes or "ampa -> bdnf" in notes
    assert edge.grade in notes and "Lepack" in notes
    assert m.getTimeUnits() == "hour"


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


def test_clearances_and_volumes_are_named_parameters_behind_the_rate_matrix(model):
    """Every entry of the pharmacokinetic rate matrix is an assignment rule of named
    clearances, volumes, flows and half-lives, and evaluates to the compiled matrix;
    a tool that changes a clearance changes the plasma levels."""
    from pathway import compile_model
    system = compile_model(model)
    text = export_sbml(model, "ketamine-iv", days=1)
    rr = roadrunner.RoadRunner(text)
    ids = [c.drug + "_" + c.kind.replace(":", "_") for c in system.compartments]
    K = system.pk_matrix
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if K[i, j] != 0:
                assert rr[f"k_{a}__{b}"] == pytest.approx(K[i, j], rel=1e-12), (a, b)
    drug = system.drug_ids[0]
    m = libsbml.readSBMLFromString(text).getModel()
    assert m.getParameter(f"CL_{drug}").getConstant() or m.getAssignmentRule(f"CL_{drug}")
    base = rr.simulate(0, 24, 97, ["time", drug])[:, 1]
    faster = roadrunner.RoadRunner(text)
    faster[f"CL_{drug}"] = 2 * faster[f"CL_{drug}"]
    faster.reset()
    assert faster.simulate(0, 24, 97, ["time", drug])[-1, 1] < 0.5 * base[-1]
