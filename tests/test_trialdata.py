"""The trials added for issue 21's three gaps and what they need: a placebo-pill arm at arm level (lepola2003),
relapse after a series of infusions (murrough2013bp) and a randomised-withdrawal trial (daly2019, SUSTAIN-1).
The loader's relapse outcome (among, since), and how pathway.trialsim counts relapse and runs a withdrawal."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pathway.errors import UsageError
from pathway.trials import load_trial, load_trials, petab_tables
from pathway.trialsim import (RELAPSE_READ_EVERY_H, SEED, T_ENTRY_H, ArmResult, _relapse_value, arm_plan,
                              compare_trials, relapse_readings, simulate_arms)

sys.path.insert(0, str(Path(__file__).resolve().parent))      # the neighbouring test module, as pytest runs it
from test_trials import BASE  # noqa: E402

TRIALS = {t.id: t for t in load_trials()}
NEW = ("lepola2003", "murrough2013bp", "daly2019")
FEW = 60
DAY = 24.0


# ----------------------------------------------------------------------------------------- the files

def test_the_new_trials_validate_and_keep_the_calibration_set():
    for tid in NEW:
        assert TRIALS[tid].role == "validate"
    assert sorted(t.id for t in TRIALS.values() if t.role == "calibrate") == [
        "daly2018", "fedgchin2019", "ionescu2021", "ochsross2020", "singh2016", "wade2002", "wilkinson2019"]


def test_the_aspire_twins_split_calibration_and_validation_of_the_population_effect():
    """Rule 6 of the trial folder's README: the population of people not selected for treatment resistance is
    calibrated by ASPIRE II alone; its twin ASPIRE I and the earlier trials of such people validate it."""
    aspire2, aspire1 = TRIALS["ionescu2021"], TRIALS["fu2020"]
    assert (aspire2.role, aspire1.role) == ("calibrate", "validate")
    from pathlib import Path
    readme = " ".join((Path(__file__).resolve().parent.parent / "models" / "trials" / "README.md")
                      .read_text(encoding="utf-8").split())
    assert f"ionescu2021 (ASPIRE II, {sum(a.n for a in aspire2.arms)} people)" in readme
    for t in (aspire2, aspire1):
        assert t.treatment_resistant is False and t.comparator == "placebo-spray"
        assert t.background == "newly-started-oral-antidepressant"
    # the only other calibration trial of such people gives a difference, not an arm's level
    others = sorted(t.id for t in TRIALS.values() if t.treatment_resistant is False and t.role == "calibrate")
    assert others == ["ionescu2021", "wade2002"]
    assert not any(a.outcomes for a in TRIALS["wade2002"].arms) and TRIALS["wade2002"].contrasts
    assert {"canuso2018", "lepola2003", "lii2023", "fu2020"} <= {
        t.id for t in TRIALS.values() if t.treatment_resistant is False and t.role == "validate"}


def test_lepola_gives_the_placebo_pill_arm_its_own_level():
    t = TRIALS["lepola2003"]
    assert t.comparator == "placebo-pill" and t.background == "none"
    (pill,) = t.arm("placebo").outcomes
    assert (pill.measure, pill.time_h, pill.count, pill.n) == ("response", 8 * 168, 68, 140)
    (drug,) = t.arm("escitalopram").outcomes
    assert (drug.count, drug.n) == (93, 146)
    assert t.arm("placebo").doses[0].drug == "placebo" and len(t.arm("placebo").doses[0].times_h) == 56


def test_murrough_relapse_is_counted_among_the_responders_after_the_sixth_infusion():
    t = TRIALS["murrough2013bp"]
    arm = t.arm("ketamine")
    assert arm.doses[0].times_h == tuple(d * DAY for d in (0, 2, 4, 7, 9, 11))
    relapse = next(o for o in arm.outcomes if o.measure == "relapse")
    response = next(o for o in arm.outcomes if o.measure == "response")
    assert relapse.among == "responders" and relapse.since_h == response.time_h == 12 * DAY
    assert relapse.time_h == (11 + 18) * DAY                 # median 18 days after the last infusion
    assert relapse.rate == 0.5 and relapse.n == response.count == 17


def test_sustain1_arms_share_the_induction_and_differ_after_randomisation():
    t = TRIALS["daly2019"]
    assert t.allocation == "randomised-withdrawal" and t.comparator == "placebo-spray"
    drug, ctrl = t.arm("esketamine"), t.arm("placebo")
    assert drug.doses[0] == ctrl.doses[0]                      # the same open-label induction
    rand_h = 16 * 168
    before = lambda arm: sorted(x for d in arm.doses for x in d.times_h if x < rand_h and d.drug == "esketamine")
    assert before(drug) == before(ctrl)
    assert not [x for d in ctrl.doses if d.drug == "esketamine" for x in d.times_h if x >= rand_h]
    assert min(ctrl.doses[-1].times_h) == rand_h and ctrl.doses[-1].drug == "placebo"
    # two groups randomised apart: the stable remitters, and the stable responders without remission
    for arm, counts in ((drug, ((24, 90), (16, 62))), (ctrl, ((39, 86), (34, 59)))):
        got = [(o.measure, o.among, o.since_h, o.count, o.n) for o in arm.outcomes]
        assert got == [("relapse", "remitters", rand_h, *counts[0]),
                       ("relapse", "nonremitting_responders", rand_h, *counts[1])]


def test_petab_names_the_relapse_group_and_its_reference_time():
    m = petab_tables([TRIALS["daly2019"], TRIALS["murrough2013bp"]])["measurement"]
    rel = m[m["observableId"].str.startswith("relapse_rate")]
    assert set(rel["observableId"]) == {"relapse_rate_among_remitters", "relapse_rate_among_responders",
                                        "relapse_rate_among_nonremitting_responders"}
    assert set(rel["relapseSince_h"]) == {16 * 168.0, 12 * DAY}
    assert m[~m["observableId"].str.startswith("relapse_rate")]["relapseSince_h"].isna().all()
    # the trial's own definition travels with its numbers (SUSTAIN-1); murrough2013bp gives none
    sustain = rel[rel["datasetId"] == "daly2019"]
    assert set(sustain["relapseScore"]) == {22.0} and set(sustain["relapseConfirm"]) == {2}
    assert set(sustain["relapseEvery_h"]) == {7 * DAY}
    series = rel[rel["datasetId"] == "murrough2013bp"]
    assert series["relapseScore"].isna().all() and set(series["relapseConfirm"]) == {1}


def test_sustain1_carries_the_trials_relapse_definition():
    """SUSTAIN-1 counted a relapse at a MADRS total of 22 or more on two consecutive assessments 5 to 15 days
    apart (the registry's results for NCT02493868); the file enters that, read weekly."""
    for a in TRIALS["daly2019"].arms:
        assert len(a.outcomes) == 2
        for o in a.outcomes:
            assert (o.relapse_score, o.confirm, o.read_every_h) == (22.0, 2, 7 * DAY)
            reads = relapse_readings(o)
            assert np.allclose(np.diff(reads)[:-1], 7 * DAY) and reads[-1] == o.time_h


def test_responders_not_in_remission_are_a_group_of_their_own():
    """Response level 0.5, remission 0.8: the group is the people between the two at the reference reading."""
    from dataclasses import replace

    o = replace(_outcome(DAY, 3 * DAY), among="nonremitting_responders")
    times = relapse_readings(o)
    fall = np.array([
        [0.9, 0.2, 0.2],            # a remitter who relapses: not in this group
        [0.6, 0.3, 0.6],            # a responder not in remission, relapses
        [0.7, 0.7, 0.7],            # in the group, keeps the response
        [0.3, 0.3, 0.3],            # never a responder
    ])
    res = ArmResult(fall, times, response=0.5, remission=0.8)
    assert _relapse_value(res, o) == pytest.approx(1 / 2)
    assert _relapse_value(res, replace(o, among="responders")) == pytest.approx(2 / 3)
    assert _relapse_value(res, replace(o, among="remitters")) == pytest.approx(1.0)


def test_a_relapse_by_score_needs_the_score_on_consecutive_readings():
    """Baseline 33: a MADRS of 22 or more is a fall of at most 1/3. Readings every 2 days."""
    from dataclasses import replace

    o = replace(_outcome(DAY, 7 * DAY), relapse_score=22.0, confirm=2, read_every_h=2 * DAY)
    times = relapse_readings(o)
    assert times == (DAY, 3 * DAY, 5 * DAY, 7 * DAY)
    fall = np.array([
        [0.6, 0.3, 0.3, 0.6],       # two readings in a row at MADRS 23: relapsed
        [0.6, 0.3, 0.6, 0.3],       # twice, never in a row: not relapsed
        [0.6, 0.4, 0.4, 0.4],       # lost the response (below 0.5) but never at MADRS 22: not relapsed
        [0.6, 0.6, 0.6, 0.2],       # at 22 only at the last reading: not yet confirmed
    ])
    res = ArmResult(fall, times, response=0.5, remission=0.8)
    assert _relapse_value(res, o, baseline=33.0) == pytest.approx(1 / 4)
    assert _relapse_value(res, replace(o, confirm=1), baseline=33.0) == pytest.approx(3 / 4)
    assert _relapse_value(res, replace(o, relapse_score=None, confirm=1), baseline=33.0) == pytest.approx(1.0)
    with pytest.raises(UsageError, match="baseline"):
        _relapse_value(res, o)


# ----------------------------------------------------------------------------------------- hostile relapse lines

RELAPSE = '''[[arms.outcomes]]
time = "7 d"
measure = "relapse"
among = "responders"
since = "24 h"
rate = 0.4
n = 5
source = "Table 3"
'''
BASE_RELAPSE = BASE.replace('[[arms]]\nid = "saline"', RELAPSE + '\n[[arms]]\nid = "saline"', 1)

RELAPSE_MUTATIONS = [
    ("no among", 'among = "responders"\n', '', ["relapse outcome has no 'among'", "responders"]),
    ("no since", 'since = "24 h"\n', '', ["relapse outcome has no 'since'"]),
    ("unknown group", 'among = "responders"', 'among = "responder"', ["key 'among'", "did you mean 'responders'"]),
    ("since after the time", 'since = "24 h"', 'since = "9 d"', ["key 'since'", "not before"]),
    ("since at the first dose", 'since = "24 h"', 'since = "0 h"', ["key 'since'", "nobody has responded"]),
    ("since without a unit", 'since = "24 h"', 'since = 24', ["key 'since'", "no unit"]),
    ("among on a response", 'measure = "response"\ncount = 5', 'measure = "response"\namong = "remitters"\ncount = 5',
     ["a response outcome has no 'among'"]),
    ("score of zero", 'since = "24 h"\n', 'since = "24 h"\nrelapse_score = 0\n',
     ["key 'relapse_score'", "not above 0"]),
    ("score as text", 'since = "24 h"\n', 'since = "24 h"\nrelapse_score = "22"\n',
     ["key 'relapse_score'", "is text", "relapse_score = 22"]),
    ("confirm of zero", 'since = "24 h"\n', 'since = "24 h"\nconfirm = 0\n', ["key 'confirm'", "less than one"]),
    ("confirm as a fraction", 'since = "24 h"\n', 'since = "24 h"\nconfirm = 1.5\n',
     ["key 'confirm'", "consecutive readings"]),
    ("readings without a unit", 'since = "24 h"\n', 'since = "24 h"\nread_every = 7\n',
     ["key 'read_every'", "no unit"]),
    ("readings too far apart", 'since = "24 h"\n', 'since = "24 h"\nconfirm = 2\nread_every = "4 d"\n',
     ["key 'read_every'", "do not fit"]),
    ("readings 0 h apart", 'since = "24 h"\n', 'since = "24 h"\nread_every = "0 h"\n',
     ["key 'read_every'", "0 h apart"]),
    ("a definition on a response", 'measure = "response"\ncount = 5', 'measure = "response"\nconfirm = 2\ncount = 5',
     ["a response outcome has no 'confirm'"]),
]


def test_a_relapse_outcome_loads_with_its_group(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(BASE_RELAPSE, encoding="utf-8")
    o = load_trial(path).arm("ketamine").outcomes[-1]
    assert (o.measure, o.among, o.since_h, o.time_h, o.n, o.rate) == ("relapse", "responders", 24.0, 168.0, 5, 0.4)
    assert (o.relapse_score, o.confirm, o.read_every_h) == (None, 1, None)
    path.write_text(BASE_RELAPSE.replace('since = "24 h"\n', 'since = "24 h"\nrelapse_score = 22\nconfirm = 2\n'
                                         'read_every = "2 d"\n', 1), encoding="utf-8")
    o = load_trial(path).arm("ketamine").outcomes[-1]
    assert (o.relapse_score, o.confirm, o.read_every_h) == (22.0, 2, 48.0)


@pytest.mark.parametrize("what,old,new,words", RELAPSE_MUTATIONS, ids=[m[0] for m in RELAPSE_MUTATIONS])
def test_a_broken_relapse_outcome_gives_one_clear_error(tmp_path, what, old, new, words):
    assert old in BASE_RELAPSE
    path = tmp_path / "mini.toml"
    path.write_text(BASE_RELAPSE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_trial(path)
    message = str(info.value)
    assert str(path) in message and "trial 'mini'" in message and "hint:" in message
    for w in words:
        assert w in message, f"{what}: {w!r} not in\n{message}"


# ----------------------------------------------------------------------------------------- how relapse is counted

def _outcome(since_h, time_h, among="responders"):
    t = TRIALS["murrough2013bp"]
    o = next(o for o in t.arm("ketamine").outcomes if o.measure == "relapse")
    from dataclasses import replace
    return replace(o, since_h=since_h, time_h=time_h, among=among)


def test_relapse_is_read_daily_from_the_reference_reading():
    reads = relapse_readings(_outcome(12 * DAY, 29 * DAY))
    assert reads[0] == 12 * DAY and reads[-1] == 29 * DAY
    assert np.allclose(np.diff(reads), RELAPSE_READ_EVERY_H)
    odd = relapse_readings(_outcome(10.0, 60.0))             # a last step shorter than a day
    assert odd == (10.0, 34.0, 58.0, 60.0)


def test_relapse_counts_a_lost_response_once_among_the_group():
    """Five people read at the reference time and three days after it; response level 0.5, remission 0.8."""
    o = _outcome(DAY, 4 * DAY)
    times = relapse_readings(o)
    fall = np.array([
        [0.9, 0.9, 0.9, 0.9],       # remitter, never relapses
        [0.6, 0.4, 0.7, 0.7],       # responder, dips below 0.5 once: relapsed (and stays counted)
        [0.6, 0.6, 0.6, 0.3],       # responder, relapses at the end
        [0.85, 0.7, 0.6, 0.55],     # remitter, worse but still a responder: not relapsed
        [0.2, 0.1, 0.0, 0.0],       # never a responder: not in either group
    ])
    res = ArmResult(fall, times, response=0.5, remission=0.8)
    assert _relapse_value(res, o) == pytest.approx(2 / 4)
    assert _relapse_value(res, _outcome(DAY, 4 * DAY, "remitters")) == pytest.approx(0 / 2)
    smooth = _relapse_value(res, o, smooth=1e-4)
    assert smooth == pytest.approx(0.5, abs=1e-3)
    blunt = _relapse_value(res, o, smooth=0.2)
    assert 0.0 < blunt < 1.0 and blunt != pytest.approx(0.5, abs=1e-3)
    nobody = ArmResult(fall * 0.1, times, response=0.5, remission=0.8)
    assert _relapse_value(nobody, o) is None


# ----------------------------------------------------------------------------------------- the designs simulated

@pytest.fixture(scope="module")
def new_rows(model):
    return compare_trials(model, [TRIALS[t] for t in NEW], n=FEW)


def test_every_new_number_is_simulated_and_judged(new_rows):
    recorded = sum(1 for t in NEW for a in TRIALS[t].arms for o in a.outcomes if o.time_h > 0)
    arm_rows = [r for r in new_rows if r.kind == "arm"]
    assert len(arm_rows) == recorded
    for r in new_rows:
        assert r.status != "not simulated", (r.trial, r.arm, r.reason)
        if r.low is None:
            assert r.status == "no interval"
        else:
            assert r.status == ("within" if r.low <= r.model <= r.high else "miss")
    relapse = [r for r in arm_rows if r.measure == "relapse"]
    assert {(r.trial, r.arm) for r in relapse} == {("murrough2013bp", "ketamine"), ("daly2019", "esketamine"),
                                                    ("daly2019", "placebo")}
    # murrough2013bp gives no definition: a lost response, read daily; SUSTAIN-1 carries its own
    for r in relapse:
        own = "relapse as the trial defined it: " if r.trial == "daly2019" else "relapse: "
        assert any(n.startswith(own) for n in r.notes), (r.trial, r.notes)
    sustain = [r for r in new_rows if r.trial == "daly2019"]
    assert all(any(n.startswith("randomised withdrawal") for n in r.notes) for r in sustain if r.kind == "arm")
    # the difference of the two relapse rates, with Newcombe's interval
    assert any(r.kind == "difference" and r.measure == "relapse" and r.derived for r in sustain)


def test_the_relapse_number_is_the_simulated_people(model):
    t = TRIALS["murrough2013bp"]
    res = simulate_arms(model, [t], n=FEW)[(t.id, "ketamine")]
    o = next(o for o in t.arm("ketamine").outcomes if o.measure == "relapse")
    reads = relapse_readings(o)
    # each person's course at the readings: the model's fall plus their drift since entry (no interview error)
    course = np.stack([res.column(x) for x in reads], axis=1) + res.rating.paths(FEW, reads, res.seed)
    assert res.rating.spread > 0 and res.rating.paths(FEW, reads, res.seed).std() > 0
    ref = course[:, 0] >= res.response
    expected = np.mean(np.any(course[ref, 1:] < res.response, axis=1))
    row = next(r for r in compare_trials(model, [t], n=FEW, results={(t.id, "ketamine"): res})
               if r.measure == "relapse")
    assert row.model == pytest.approx(expected)
    assert ref.any()


def test_withdrawal_arms_are_the_same_people_until_randomisation(model):
    """More than 100 readings (a daily relapse window) run in several passes of the same people: the joined
    readings match one run read at those times, and the two arms agree until the switch to placebo."""
    from pathway.population import simulate_population

    from dataclasses import replace

    # SUSTAIN-1 read daily (the default rule, without the trial's weekly visits): over 100 readings
    t = TRIALS["daly2019"]
    t = replace(t, arms=tuple(replace(a, outcomes=tuple(replace(o, read_every_h=None) for o in a.outcomes))
                              for a in t.arms))
    out = simulate_arms(model, [t], n=FEW)
    drug, ctrl = out[(t.id, "esketamine")], out[(t.id, "placebo")]
    assert drug.times_h == ctrl.times_h and len(drug.times_h) > 100
    rand_h = 16 * 168.0
    assert np.allclose(drug.column(rand_h), ctrl.column(rand_h))
    late = drug.times_h[-1]
    assert not np.allclose(drug.column(late), ctrl.column(late))
    plan = arm_plan(model, t, t.arm("placebo"), late)
    pick = [ctrl.times_h[5], ctrl.times_h[-2]]                # one from each pass
    raw = simulate_population(plan.model, plan.scenario, n=FEW, seed=SEED, times_h=np.array([T_ENTRY_H, *pick]))
    r = np.clip(raw.outcome, 0.0, None)
    r0 = np.minimum(r[:, :1], 0.999)
    direct = (r[:, 1:] - r0) / (1 - r0)
    assert np.allclose(direct[:, 0], ctrl.column(pick[0]), atol=1e-6)
    assert np.allclose(direct[:, 1], ctrl.column(pick[1]), atol=1e-6)
