"""Virtual experiments, hypotheses, repeated dosing, placebo and virtual patients:
T10-T17 and T20-T21 of docs/science-targets.md, each computed from simulations."""

import json

import numpy as np
import pytest

from pathway import UsageError, set_hypothesis, simulate
from pathway.cli import main
from pathway.experiments import format_table, run_arm, run_experiments
from pathway.population import simulate_population
from pathway.scenarios import (apply_all, apply_intervention, intervention_events,
                               parse_intervention, placebo_arm)

D = 24.0


@pytest.fixture(scope="module")
def catalogue(model):
    return {r.id: r for r in run_experiments(model)}


# ---------------------------------------------------------------- interventions are pure

def test_interventions_return_a_new_model_and_leave_the_old_one(model):
    before = [(e.source, e.target, model.value(e.strength)) for e in model.edges]
    cut = apply_intervention(model, "bdnf-knockout")
    assert [(e.source, e.target, model.value(e.strength)) for e in model.edges] == before
    strengths = {(e.source, e.target): cut.value(e.strength) for e in cut.edges}
    assert strengths[("bdnf", "mtor")] == 0.0 and strengths[("bdnf", "relief")] == 0.0
    assert cut.applied == (("bdnf-knockout", None),) and model.applied == ()


def test_nbqx_is_an_antagonist_given_before_ketamine(model):
    """NBQX is a drug that occupies AMPA receptors, not a cut edge: it is in the
    plasma when the infusion starts and holds AMPA activity below rest."""
    nbqx = apply_intervention(model, "nbqx")
    doses, _ = intervention_events(nbqx, nbqx.scenario("ketamine-iv"))
    assert any(d.drug == "nbqx" and d.start_h < 0 for d in doses)
    traj = simulate(nbqx, "ketamine-iv", days=1, step_min=5)
    assert traj["ampa"][0] < 0.2


def test_met_met_scales_edges_and_lowers_baseline_spines(model):
    met = apply_intervention(model, "bdnf-met")
    assert met.parameters["baseline_spines"].value == pytest.approx(
        0.875 * model.parameters["baseline_spines"].value)
    ampa_bdnf = lambda m: next(m.value(e.strength) for e in m.edges  # noqa: E731
                               if (e.source, e.target) == ("ampa", "bdnf"))
    assert ampa_bdnf(met) == pytest.approx(0.4 * ampa_bdnf(model))


def test_spine_ablation_resets_spines_at_the_chosen_time(model):
    for text, t_h in (("spine-ablation", 24.0), ("spine-ablation@36h", 36.0)):
        abl = apply_all(model, [text])
        assert intervention_events(abl, abl.scenario("ketamine-iv"))[1] == (("spines", t_h),)
        traj = simulate(abl, "ketamine-iv", days=3, step_min=5)
        i = int(np.searchsorted(traj.t_h, t_h))
        assert traj["spines"][i - 1] > traj["spines"][0] + 0.02      # spines had formed ...
        assert traj["spines"][i + 1] < traj["spines"][0] + 0.005     # ... and are gone


def test_naltrexone_is_a_pretreatment_before_the_first_dose(model):
    nal = apply_intervention(model, "naltrexone")
    doses, _ = intervention_events(nal, nal.scenario("ketamine-iv"))
    assert any(d.drug == "naltrexone" and d.start_h == pytest.approx(-0.75) for d in doses)
    traj = simulate(nal, "ketamine-iv", days=1, step_min=5)
    assert traj["naltrexone"][0] > 1.0          # already in plasma when ketamine starts
    assert traj["opioid_receptor"][0] < 0.2     # and receptors are blocked


@pytest.mark.parametrize("text, error", [
    ("nbqxx", "did you mean 'nbqx'"), ("nbqx@3h", "takes no '@time'"),
    ("spine-ablation@soon", "cannot read"), ("Bad Name", "NAME or NAME@TIME"),
])
def test_bad_interventions_are_refused_clearly(model, text, error):
    with pytest.raises(UsageError, match=error):
        apply_all(model, [text])


def test_parse_intervention():
    assert parse_intervention("spine-ablation@2d") == ("spine-ablation", 48.0)
    assert parse_intervention("nbqx") == ("nbqx", None)


# ---------------------------------------------------------------- hypotheses

def test_hypotheses_switch_only_their_contested_edges(model):
    for name in ("opioid", "hnk"):
        edges = [e for e in model.edges if e.hypothesis == name]
        assert edges and all(e.grade == "contested" for e in edges)
        assert not set(edges) & set(model.active_edges())
        on = set_hypothesis(model, name, True)
        assert set(edges) <= set(on.active_edges())


def test_rapamycin_human_changes_what_rapamycin_does(model):
    rodent = apply_intervention(model, "rapamycin")
    human = apply_intervention(set_hypothesis(model, "rapamycin-human", True), "rapamycin")
    strength = lambda m: next(m.value(e.strength) for e in m.edges  # noqa: E731
                              if (e.source, e.target) == ("mtor", "synaptic_proteins"))
    assert strength(rodent) == 0.0
    assert strength(human) == pytest.approx(0.9 * strength(model))
    assert human.parameters["spine_lifetime"].value == pytest.approx(
        2 * model.parameters["spine_lifetime"].value)


# ---------------------------------------------------------------- T10-T17 through the catalogue

@pytest.mark.parametrize("experiment", [
    "maeng2008-nbqx",                 # T12
    "autry2011-bdnf-knockout",        # T13
    "autry2011-translation-block",    # T13
    "liu2012-met-met",                # T13
    "li2010-rapamycin",               # T15
    "abdallah2020-rapamycin-human",   # T15
    "modasava2019-spine-ablation",    # T14
    "williams2018-naltrexone",        # T16
    "yoon2019-naltrexone",            # T16
    "zanos2016-hnk",                  # T17
    "murrough2013-series",            # T10
    "daly2019-maintenance",           # T11
])
def test_landmark_experiment_is_reproduced(catalogue, experiment):
    """An experiment the model fitted to the calibration trials no longer reproduces
    (NOT_REPRODUCED_AFTER_FIT, bands unchanged) must be reported as not reproduced, naming the
    check it misses; every other one must be reproduced."""
    result = catalogue[experiment]
    if experiment in NOT_REPRODUCED_AFTER_FIT:
        missed = NOT_REPRODUCED_AFTER_FIT[experiment]
        assert not result.reproduced, f"{experiment} is reproduced again: take it out of NOT_REPRODUCED_AFTER_FIT"
        part = next(p for p in result.shows.split("); ") if p.startswith(missed))
        assert "MISSED" in part, result.shows
        assert "NOT reproduced" in format_table([result])
        return
    assert result.reproduced, result.shows


#: Experiments the hand-tuned model reproduced and the model fitted to the calibration trials
#: (`pathway fit`) does not, with the check each misses. Bands and comparators are unchanged.
NOT_REPRODUCED_AFTER_FIT = {
    "abdallah2020-rapamycin-human": "drug effect at 2 weeks, times control (prolonged)",
    "modasava2019-spine-ablation": "drug effect on days 2-4, share of control",
    "murrough2013-series": "days from the last infusion until response is lost",
    "daly2019-maintenance": "relapse to week 32 among stable remitters at weeks 14-16, continued / placebo spray",
}


def test_the_readme_counts_the_experiments_reproduced(catalogue):
    """The README's '9 of 12 experiments reproduced' is the catalogue's own count, and names each miss."""
    from pathlib import Path
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    done = sum(r.reproduced for r in catalogue.values())
    assert f"{done} of {len(catalogue)} experiments reproduced" in readme
    missed = {k for k, r in catalogue.items() if not r.reproduced}
    assert missed == set(NOT_REPRODUCED_AFTER_FIT)
    for words in ("Murrough 2013", "Daly 2019", "Moda-Sava 2019, in mice", "Abdallah 2020"):
        assert words in readme
    # "relief is lost within days, not about 18": the days from the last infusion until response is lost
    assert "after six infusions relief is lost within days, not about 18" in readme
    assert catalogue["murrough2013-series"].numbers["check2"] < 7
    # "67% of the people in stable remission fall out of remission on it by week 32, against 71% on the spray"
    n = catalogue["daly2019-maintenance"].numbers
    assert "67% of the people in stable remission fall out of remission on it by week 32, against 71% on the " \
        "spray" in readme
    assert (round(n["check1_test"] * 100), round(n["check1_control"] * 100)) == (67, 71)
    # "36% of the effect is left at day 2, where the band allows 35%"
    assert "36% of the effect is left at day 2, where the band allows 35%" in readme
    assert round(catalogue["modasava2019-spine-ablation"].numbers["check2_1"] * 100) == 36
    # "prolongs the effect 1.4 times at two weeks, not at least twice"
    assert "prolongs the effect 1.4 times at two weeks, not at least twice" in readme
    assert round(catalogue["abdallah2020-rapamycin-human"].numbers["check2"], 1) == 1.4


def test_T11_maintenance_relapse_is_counted_once_and_its_miss_reported(catalogue):
    """SUSTAIN-1 as randomised withdrawal: continued esketamine against a placebo spray at the same visits, in
    stable remitters after 16 weeks. The trial saw maintenance roughly halve relapse without abolishing it; in
    the fitted model each person's drifting course brings relapse on maintenance (so 'not near zero' is met),
    but about as often as on the placebo spray, so the ratio is computed and missed."""
    r = catalogue["daly2019-maintenance"]
    n = r.numbers
    assert n["check1_test"] == n["check2"]                 # the same people, counted once
    assert n["check2"] >= 0.1 and n["check1"] > 0.75 and not r.reproduced
    assert n["check3"] >= 0.5                              # median relief at week 32 with continued esketamine


def test_T11_sustain_arms_share_their_visits(model):
    keep, stop = model.scenario("sustain-continue"), model.scenario("sustain-withdraw")
    from pathway.dosing import dose_times
    visits = lambda sc: sorted(t for d in sc.doses if d.route == "intranasal"  # noqa: E731
                               for t in dose_times(d, 224 * D))
    assert visits(keep) == visits(stop)


def test_T11_twice_weekly_esketamine_does_not_accumulate(model):
    traj = simulate(model, "sustain-withdraw", days=28, step_min=5)
    starts = [0, 3, 7, 10, 14, 17, 21, 24]
    peaks = [traj["esketamine"][(traj.t_h >= d * D) & (traj.t_h < d * D + 3)].max() for d in starts]
    assert max(peaks) <= 1.1 * peaks[0]
    trough = [np.interp(d * D - 0.01, traj.t_h, traj["esketamine"]) for d in starts[1:]]
    assert max(trough) < 0.1 * peaks[0]


def test_T12_nbqx_leaves_dissociation(model):
    ctrl = run_arm(model, "ketamine-iv", days=3)
    nbqx = run_arm(model, "ketamine-iv", days=3, interventions=["nbqx"])
    # the same to the solver's tolerance (rtol 1e-5): the two arms take different steps
    assert nbqx.peak("dissociation") == pytest.approx(ctrl.peak("dissociation"), rel=1e-4)


def test_T12_nbqx_abolishes_relief(model):
    ctrl = run_arm(model, "ketamine-iv", days=3)
    nbqx = run_arm(model, "ketamine-iv", days=3, interventions=["nbqx"])
    # abolished: under 5% of the control effect at 24 h (the scorecard's T12a allows 25%)
    assert abs(nbqx.effect(D)) < 0.05 * ctrl.effect(D) and ctrl.effect(D) > 0.1


def test_T16_opioid_hypothesis_decides_the_naltrexone_result(catalogue):
    assert catalogue["williams2018-naltrexone"].numbers["check1_1"] <= 0.5   # day 1
    assert catalogue["yoon2019-naltrexone"].numbers["check1_1"] >= 0.9


def test_T17_hnk_alone_does_nothing_with_the_hypothesis_off(catalogue):
    n = catalogue["zanos2016-hnk"].numbers
    assert abs(n["check3"]) < 0.01 and n["check1"] >= 0.1    # effect off / on
    assert n["check2"] < 0.05                                 # peak dissociation


def test_validate_only_takes_ids_joined_by_commas(capsys):
    assert main(["validate", "--json", "--only", "T7a,T7b", "--only", "T4a"]) == 0
    assert sorted(d["id"] for d in json.loads(capsys.readouterr().out)) == ["T4a", "T7a", "T7b"]


def test_experiments_cli_json_has_computed_verdicts(capsys, model):
    assert main(["experiments", "--json", "--only", "maeng2008-nbqx,zanos2016-hnk"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == ["maeng2008-nbqx", "zanos2016-hnk"]
    for d in data:
        assert d["reproduced"] is True
        assert "Nature" in d["citation"] or "Psychiatry" in d["citation"]
        assert d["numbers"]
    assert len(model.experiments) >= 10


# ---------------------------------------------------------------- T20 placebo, T21 people

def test_T20_placebo_arm_matches_the_drug_arm_visits(model):
    arm = placebo_arm(model, "ketamine-series")
    assert {d.drug for d in arm.doses} == {"placebo"}
    assert [d.start_h for d in arm.doses] == [d.start_h for d in model.scenario("ketamine-series").doses]


def test_T28_placebo_arm_keeps_the_background_antidepressant(model):
    """A scenario's study_drugs are replaced in the placebo arm; the rest stays."""
    arm = placebo_arm(model, "esketamine-induction")
    assert {d.drug for d in arm.doses} == {"placebo", "ssri"}
    assert {d.route for d in arm.doses if d.drug == "placebo"} == {"intranasal"}


def test_T31_a_recognised_saline_arm_keeps_little_of_the_placebo_response(model):
    """Saline, which patients tell from ketamine, keeps the visits but little expectancy:
    about 1% respond a day later (Wilkinson 2019), so ketamine's day-7 lead over saline
    (Zarate 2006's design) is far larger than over the masked placebo."""
    saline = placebo_arm(model, "ketamine-iv", inert="saline")
    assert {d.drug for d in saline.doses} == {"saline"}
    masked = simulate_population(model, placebo_arm(model, "ketamine-iv"), n=1000, seed=3, at="24h,7d")
    plain = simulate_population(model, saline, n=1000, seed=3, at="24h,7d")
    ket = simulate_population(model, "ketamine-iv", n=1000, seed=3, at="24h,7d")
    m, s, k = (r.response_rate() for r in (masked, plain, ket))
    assert s["24h"] <= 0.05 < 0.2 <= m["24h"]
    assert k["24h"] - s["24h"] > k["24h"] - m["24h"]
    # Zarate 2006's day-7 lead over saline (scorecard check T31c): the scorecard computes it from a simulation
    # and its verdict is that of its band (the fitted model meets it since the spread between people was fitted)
    from pathway.validate import run_targets
    t31c = run_targets(model, ids={"T31c"})[0]
    assert t31c.passed == (t31c.band[0] <= t31c.value <= t31c.band[1]) and t31c.passed


def test_a_dose_count_beyond_the_run_is_cut_at_its_end(model):
    """A repeated dose with a count larger than the run holds gives only the doses that
    fit (found by the model-file fuzzer: a huge count was refused as too many doses)."""
    from dataclasses import replace

    from pathway.simulate import administrations
    sc = model.scenario("ketamine-series")
    huge = replace(sc, doses=tuple(replace(d, count=10**30) for d in sc.doses))
    assert administrations(model, huge, 28 * 24.0) == administrations(
        model, replace(sc, doses=tuple(replace(d, count=None) for d in sc.doses)), 28 * 24.0)
    traj = simulate(model, huge, days=28, step_min=120)
    assert np.all(np.isfinite(traj.values))


def _responders_at_24h(model):
    plac = simulate_population(model, "placebo", n=2000, seed=7, at="24h")
    ket = simulate_population(model, "ketamine-iv", n=2000, seed=7, at="24h")
    return plac.response_rate()["24h"], ket.response_rate()["24h"]


def test_T20_placebo_response_is_large(model):
    """24 h response to a masked placebo infusion: 15-50% (Cochrane: ~26% on midazolam; Lii 2023's saline under
    anaesthesia, which nobody could tell from ketamine: 50%)."""
    p, _ = _responders_at_24h(model)
    assert 0.15 <= p <= 0.5


@pytest.mark.xfail(strict=True, reason="with the current fit the masked placebo infusion has 32% responders at "
                   "24 h and ketamine 46%: 14 points apart, not the 15 or more of the pooled midazolam trials "
                   "(Lii 2023, fully masked, found 10)")
def test_T20_ketamine_responds_at_least_15_points_above_a_masked_placebo(model):
    """24 h response: ketamine at least 15 points above a masked placebo infusion (~46% against ~26%)."""
    p, k = _responders_at_24h(model)
    assert k >= p + 0.15


def test_T21_not_everyone_responds(model):
    """Ketamine at 24 h: 50-70% respond, 25-40% remit. A first SSRI: 20-40% remit by
    14 weeks (STAR*D: about 30%)."""
    ket = simulate_population(model, "ketamine-iv", n=2000, seed=11, at="24h")
    ssri = simulate_population(model, "ssri", n=2000, seed=11, at="14w")
    # Nobody-or-everybody would be wrong whatever the fit: the rates lie strictly between
    assert 0.05 < ket.response_rate()["24h"] < 0.95 and 0 < ket.remission_rate()["24h"] < 0.9
    assert 0 < ssri.remission_rate()["14w"] < 0.9
    # The literature bands: T21a (45-72% respond), T21b (25-45% remit) and T18e (22-42% remit on an SSRI by
    # 14 weeks) are judged against their bands; whether each is met is the refitted model's (test_science
    # lists the misses)
    from pathway.validate import run_targets
    from test_science import MISSED_AFTER_FIT
    for r in run_targets(model, ids={"T21a", "T21b", "T18e"}):
        assert r.passed == (r.band[0] <= r.value <= r.band[1]) == (r.id not in MISSED_AFTER_FIT), r.id
    # genotype matters: Met/Met carriers respond less often
    met = ket.genotype == "met-met"
    assert met.sum() > 20
    assert (ket.outcome[met, 0] >= 0.5).mean() < (ket.outcome[~met, 0] >= 0.5).mean()


def test_population_is_deterministic_by_seed(model):
    a = simulate_population(model, "ketamine-iv", n=300, seed=5, at="24h,7d")
    b = simulate_population(model, "ketamine-iv", n=300, seed=5, at="24h,7d")
    c = simulate_population(model, "ketamine-iv", n=300, seed=6, at="24h,7d")
    np.testing.assert_array_equal(a.outcome, b.outcome)
    assert not np.array_equal(a.outcome, c.outcome)
    assert a.to_dict()["response_rate"] == b.to_dict()["response_rate"]


def test_population_person_matches_a_single_simulation(model):
    """A virtual patient is the model with their drawn values: check one against a
    direct simulation with those parameters."""
    from dataclasses import replace
    pop = simulate_population(model, "ketamine-iv", n=50, seed=3, at="24h,3d", rtol=1e-6)
    i = int(np.flatnonzero(pop.genotype == "val-val")[0])
    # a person's value may lie outside the range of the typical value (population.vary's `within`), which
    # set_parameter would refuse: the person's model is built directly
    m = replace(model, parameters={**model.parameters, **{
        name: replace(model.parameters[name], value=float(values[i])) for name, values in pop.values.items()}})
    traj = simulate(m, "ketamine-iv", days=3, t_eval=np.array([0.0, 24.0, 72.0]))
    np.testing.assert_allclose(pop.outcome[i], traj["relief"][1:], atol=2e-3)


@pytest.mark.parametrize("kwargs, error", [
    ({"n": 0}, "n = 0"), ({"n": -5}, "n = -5"), ({"n": 2.5}, "whole number"),
    ({"seed": -1}, "seed"), ({"at": "24x"}, "cannot read time"), ({"at": "0h"}, "above 0"),
])
def test_population_bad_input(model, kwargs, error):
    args = {"n": 10, "seed": 0, "at": "24h", **kwargs}
    with pytest.raises(UsageError, match=error):
        simulate_population(model, "ketamine-iv", **args)


def test_population_cli_json(capsys):
    assert main(["population", "--scenario", "ketamine-iv", "--n", "200", "--seed", "1",
                 "--at", "24h,7d", "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["response_rate"]) == {"24h", "7d"} == set(data["remission_rate"])
    assert 0 <= data["response_rate"]["24h"] <= 1 and "relief >= 0.5" in data["definitions"]["response"]
    assert main(["population", "--scenario", "ketamine-iv", "--at", "soon"]) == 2


def test_population_cli_gives_a_placebo_arm(capsys):
    """--placebo runs the matched placebo arm; --placebo saline the recognised saline
    arm, far fewer of whom respond (Wilkinson 2019: about 1% at 24 h)."""
    rates = {}
    for extra in ([], ["--placebo"], ["--placebo", "saline"]):
        assert main(["population", "--scenario", "ketamine-iv", "--n", "400", "--at", "24h",
                     "--json", "--quiet", *extra]) == 0
        data = json.loads(capsys.readouterr().out)
        rates[" ".join(extra)] = data["response_rate"]["24h"]
        assert data["scenario"].endswith({0: "ketamine-iv", 1: "(placebo arm)",
                                          2: "(placebo arm, saline)"}[len(extra)])
    # how far ketamine stands above a masked placebo is T20's question (a strict xfail above); here, the order
    assert rates[""] > rates["--placebo"] > rates["--placebo saline"] and rates["--placebo saline"] < 0.05
