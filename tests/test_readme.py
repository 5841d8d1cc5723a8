"""The README's numbers and lists are the model's: each is computed or checked here."""

import re
from pathlib import Path

import numpy as np
import pytest

from pathway import load_model
from pathway.summary import END, START, summary_table
from pathway.validate import default_targets_path, load_targets

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_summary_table_is_what_the_model_computes(model):
    block = README[README.index(START) + len(START):README.index(END)].strip()
    assert block == summary_table(model), "run: python -m pathway.summary README.md"


def test_scorecard_counts_in_the_readme(model):
    targets = load_targets(default_targets_path(model))
    gaps = [t for t in targets if t.get("known_gap")]
    assert f"T1-T31, {len(targets)} checks" in README
    words = {0: "No", 1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six"}
    count = words.get(len(gaps), len(gaps))
    assert (f"{count} check is a known gap" if len(gaps) <= 1
            else f"{count} checks are known gaps") in README


def test_experiment_count_in_the_readme(model):
    assert f"reruns the {len(model.experiments)} experiments" in README


def test_every_scenario_is_named_in_the_readme():
    for name in load_model().scenarios:
        assert re.search(rf"`{re.escape(name)}`", README), name


@pytest.fixture(scope="module")
def rows(model):
    from pathway.validate import trial_rows
    return trial_rows(model)


def test_trial_headline_in_the_readme_is_what_the_model_computes(rows):
    """The calibration and validation headline is recomputed from every trial arm of the current model."""
    from pathway.validate import TRIALS_END, TRIALS_START, readme_block
    block = README[README.index(TRIALS_START) + len(TRIALS_START):README.index(TRIALS_END)].strip()
    assert block == readme_block(rows), "run: python -m pathway.validate README.md"


def test_the_readme_says_where_the_validation_misses_and_why(rows, model):
    """The paragraph on the validation misses: SUSTAIN-1 as the trial defined relapse, how little the switch
    to the placebo spray lowers the arm's mean fall, TRANSFORM's first day and Abdallah 2020's rapamycin arm,
    each computed from the model; each is a miss."""
    from pathway.trials import load_trials
    from pathway.trialsim import simulate_arms

    text = " ".join(README.split())
    row = {(r.trial, r.arm, r.measure, r.time_h, r.among): r for r in rows if r.kind == "arm"}

    def pct(x):
        return f"{100 * x:.0f}%"
    keep = next(r for k, r in row.items() if k[:3] == ("daly2019", "esketamine", "relapse") and k[4] == "remitters")
    stop = next(r for k, r in row.items() if k[:3] == ("daly2019", "placebo", "relapse") and k[4] == "remitters")
    assert (f"in the model {pct(keep.model)} of the people in stable remission relapse that way on continued "
            f"esketamine and {pct(stop.model)} after the switch to the placebo spray, where the trial saw "
            f"{pct(keep.observed)} and {pct(stop.observed)}") in text
    part = {arm: next(r for k, r in row.items() if k[:3] == ("daly2019", arm, "relapse")
                      and k[4] == "nonremitting_responders") for arm in ("esketamine", "placebo")}
    assert (f"the model's {pct(part['esketamine'].model)} and {pct(part['placebo'].model)} fall inside the trial's "
            f"intervals around {pct(part['esketamine'].observed)} and {pct(part['placebo'].observed)}") in text
    assert all(r.status == "within" for r in part.values())
    diff = next(r for r in rows if r.trial == "daly2019" and r.kind == "difference"
                and r.among == "nonremitting_responders")
    assert diff.status == "miss" and round(3 * diff.model / diff.observed) == 1     # "a third of the trial's"
    assert "the difference between the arms is a third of the trial's" in text
    sustain = next(t for t in load_trials() if t.id == "daly2019")
    res = simulate_arms(model, [sustain])
    drug, ctrl = res[("daly2019", "esketamine")], res[("daly2019", "placebo")]
    end = drug.times_h[-1]
    drop = float(np.mean(drug.column(end)) - np.mean(ctrl.column(end)))
    assert f"lowered the arm's mean fall in symptoms by only {drop:.2f}" in text
    day1 = row[("turkoz2021", "esketamine", "response", 24.0, "")]
    assert (f"{pct(day1.model)} of TRANSFORM's esketamine arms respond in the model, against "
            f"{pct(day1.observed)}") in text
    placebo = row[("takahashi2021", "placebo", "change", 27 * 24.0, "")]
    diffs = [r for r in rows if r.trial == "takahashi2021" and r.kind == "difference"]
    assert len(diffs) == 3 and all(r.status == "miss" and abs(r.observed) < 1.05 for r in diffs)
    assert placebo.status == "miss"
    drugs = [r for r in rows if r.trial == "takahashi2021" and r.kind == "arm" and r.arm != "placebo"]
    assert len(drugs) == 3 and all(abs(r.observed - placebo.observed) < 1.0 for r in drugs)   # "as much as"
    sizes = sorted(round(-r.model) for r in diffs)
    low, high = sizes[0], sizes[-1]
    assert (f"the placebo spray's arm improved by {-placebo.observed:.1f} points on the MADRS by day 28, as much as "
            f"the three esketamine arms; the model's placebo arm improves by {-placebo.model:.1f}, so each "
            f"difference from placebo, near 0 in the trial, is {low} to {high} points in the model") in text
    rapa = row[("abdallah2020", "ketamine_rapamycin", "response", 14 * 24.0, "")]
    assert f"so {pct(rapa.model)} respond two weeks after ketamine, against {pct(rapa.observed)}" in text
    assert all(r.status == "miss" for r in (keep, stop, day1, rapa))


def test_the_course_names_validation_misses_that_are_misses(rows):
    """Notebook 12's limitations name SUSTAIN-1's relapse among the remitters (both arms) and TRANSFORM's
    esketamine responders on day 1 as validation arm values outside their trials' intervals."""
    text = " ".join((ROOT / "course" / "build.py").read_text(encoding="utf-8").split())
    assert ("the relapse of the people in remission in both arms of SUSTAIN-1 and the responders to esketamine on "
            "TRANSFORM's first day") in text
    missed = {(r.trial, r.arm, r.measure, r.time_h, r.among) for r in rows
              if r.role == "validate" and r.kind == "arm" and r.status == "miss"}
    assert {("daly2019", "esketamine", "relapse", "remitters"), ("daly2019", "placebo", "relapse", "remitters")} \
        <= {m[:3] + m[4:] for m in missed}
    assert ("turkoz2021", "esketamine", "response", 24.0, "") in missed


def test_the_readme_counts_the_calibrated_parameters(model):
    from pathway.fit import calibrated_parameters
    words = {10: "Ten", 11: "Eleven", 12: "Twelve", 13: "Thirteen", 14: "Fourteen", 15: "Fifteen", 16: "Sixteen",
             17: "Seventeen", 18: "Eighteen", 19: "Nineteen", 20: "Twenty", 21: "Twenty-one"}
    n = len(calibrated_parameters(model))
    assert f"{words.get(n, n)} parameters are calibrated" in " ".join(README.split())


def test_the_readme_states_the_ensembles_sizes():
    from pathway.ensemble import MEMBERS
    from pathway.fit import BOOTSTRAP
    text = " ".join(README.split())
    assert f"{MEMBERS} parameter sets consistent with the calibration trials" in text
    assert f"bootstrap ({BOOTSTRAP} replicates)" in text
    assert f"a min-max envelope of the {MEMBERS} sets" in text


def test_the_readme_says_how_each_placebo_arm_moves(model):
    """'the infusion's placebo fades within two weeks, the daily pill's keeps rising to week 8': the masked
    infusion's placebo arm keeps under a tenth of its peak relief at day 14; the placebo pill's arm is higher at
    each of weeks 1, 2, 4 and 8 than at the one before."""
    from pathway import simulate
    from pathway.scenarios import placebo_arm
    assert "the infusion's placebo fades within two weeks, the daily pill's keeps rising to week 8" in (
        " ".join(README.split()))
    infusion = simulate(model, placebo_arm(model, model.scenario("ketamine-iv")), days=15, step_min=30)
    relief = np.asarray(infusion[infusion.primary])
    assert np.interp(14 * 24, infusion.t_h, relief) < 0.1 * relief.max()
    pill = simulate(model, placebo_arm(model, model.scenario("ssri")), days=56, step_min=60)
    at = lambda wk: float(np.interp(wk * 168, pill.t_h, pill[pill.primary]))  # noqa: E731
    assert at(1) < at(2) < at(4) < at(8)
