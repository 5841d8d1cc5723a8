"""The literature targets of docs/science-targets.md (T1-T31), enforced through the
validation scorecard: one test per check in models/targets/ketamine.toml, each computed by
pathway.validate from simulations of the default model with one parameter set.

The statement, source, band and quantity of every check live in the targets file;
a failing test prints them with the model's value.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from pathway import load_model
from pathway.compile import compile_model
from pathway.validate import default_targets_path, load_targets, run_targets

TARGETS = load_targets(default_targets_path(load_model()))
TARGETS_DOC = Path(__file__).resolve().parents[1] / "docs" / "science-targets.md"


def documented_targets():
    """The targets the repository documents: one ``## T<n>`` heading each."""
    return re.findall(r"^## (T\d+)\s*$", TARGETS_DOC.read_text(encoding="utf-8"), flags=re.M)


def target_of(check_id):
    """The target a check belongs to: ``T7b`` -> ``T7``."""
    return re.match(r"T\d+", check_id).group(0)


@pytest.fixture(scope="session")
def scorecard(model):
    return {r.id: r for r in run_targets(model)}


def test_every_science_target_has_a_check():
    documented = documented_targets()
    assert documented, f"no targets found in {TARGETS_DOC.name}"
    assert len(documented) == len(set(documented)), "a target is documented twice"
    checked = {target_of(t["id"]) for t in TARGETS}
    assert not set(documented) - checked, f"no check for {sorted(set(documented) - checked)}"
    assert not checked - set(documented), f"checks for undocumented targets {sorted(checked - set(documented))}"


def test_the_targets_document_cites_model_references(model):
    cited = re.findall(r"Sources?:\s+([a-z0-9,\s]+?)\.", TARGETS_DOC.read_text(encoding="utf-8"))
    keys = {k.strip() for line in cited for k in line.split(",")}
    assert keys, "no sources found"
    assert not keys - set(model.references), sorted(keys - set(model.references))


def test_every_target_cites_a_model_reference(model):
    for t in TARGETS:
        assert t["source"] in model.references, t["id"]


#: Checks that the hand-tuned model passed and the model fitted to the calibration trials
#: (`pathway fit`, models/trials) misses. Their statements, bands, comparators and sources are
#: unchanged: these were targets the hand-set parameters were tuned against, and a miss reported
#: honestly is worth more than a band bent. For them the test checks that the number is computed
#: from a simulation and reported as a miss, on the scorecard and in its verdict.
MISSED_AFTER_FIT = frozenset({
    "T6a", "T6c", "T7a", "T8j", "T10b", "T11b", "T11c", "T11d", "T15c", "T18b", "T18e", "T24a", "T24b", "T25a",
    "T25b", "T25d", "T26b", "T26c", "T26d", "T27b", "T27d", "T28a", "T28c", "T29a", "T30",
})


@pytest.mark.parametrize("target_id", [
    pytest.param(t["id"], marks=pytest.mark.xfail(strict=True, reason=t["known_gap"]))
    if t.get("known_gap") else t["id"] for t in TARGETS])
def test_target(scorecard, target_id):
    """A known gap (marked in the targets file, shown on the scorecard) is expected to
    fail: when the model learns to meet it, this test says so and the mark must go. A check
    the fitted model misses (MISSED_AFTER_FIT) must be reported as missed."""
    r = scorecard[target_id]
    if target_id in MISSED_AFTER_FIT:
        from pathway.validate import format_scorecard
        lo, hi = r.band
        assert not math.isnan(r.value)
        assert r.passed == (lo <= r.value <= hi) and not r.passed, (
            f"{r.id} passes again ({r.value:.4g} in [{lo:g}, {hi:g}]): take it out of MISSED_AFTER_FIT")
        line = next(x for x in format_scorecard([r]).splitlines() if x.startswith(r.id))
        assert "FAIL" in line and f"{r.value:.4g}".strip() in line
        return
    assert r.passed, (f"{r.id}: {r.statement}\n  source {r.source}; band [{r.band[0]:g}, "
                      f"{r.band[1]:g}]; model {r.value:.4g}")


# ---------------------------------------------------------------- checks on the equations themselves

def test_T1_pharmacokinetic_parameters_match_perez_ruixo(model):
    """Esketamine: clearance 114 L/h, steady-state volume about 750 L (Perez-Ruixo 2021)."""
    drug = model.drugs["esketamine"]
    v_total = model.value(drug.volume_l) + sum(model.value(v) for v, _ in drug.peripheral)
    assert 700 <= v_total <= 800
    assert model.value(drug.clearance_l_h) == pytest.approx(114)


def test_T1_ketamine_distribution_half_life_is_minutes(model):
    system = compile_model(model)
    idx = [i for i, c in enumerate(system.compartments)
           if c.drug == "esketamine" and not c.kind.startswith("depot")]
    k = system.pk_matrix[np.ix_(idx, idx)]
    half_lives_h = np.sort(np.log(2) / -np.linalg.eigvals(k).real)
    assert 3 / 60 <= half_lives_h[0] <= 15 / 60


def test_T22_nmda_block_is_close_to_hill_1(model):
    for e in model.edges:
        if e.target == "nmda" and e.source in model.drugs:
            assert model.value(e.hill) == 1.0


def test_T23_s_ketamine_binds_3_to_5_times_tighter_than_r(model):
    ec50 = {e.source: model.value(e.ec50_ng_ml) for e in model.edges if e.target == "nmda"}
    assert 3 <= ec50["arketamine"] / ec50["esketamine"] <= 5


def test_every_assumed_or_calibrated_parameter_says_so(model):
    """Every parameter says whether it is an assumption or a calibration (or a
    measured value) in its description (the body weight is the user's)."""
    for name, p in model.parameters.items():
        if name == "body_weight":
            continue
        text = p.description.lower()
        assert any(w in text for w in ("assumption", "calibration", "measured")), name


def test_readouts_stay_in_range(model):
    from pathway import simulate
    for sc in ("ketamine-iv", "esketamine-in-84", "ssri"):
        traj = simulate(model, sc, days=7, step_min=10)
        for r in ("relief", "ideation_relief", "dissociation"):
            assert traj[r].min() >= -1e-6 and traj[r].max() <= 1 + 1e-9
            assert not math.isnan(traj[r].sum())


def test_readme_states_how_many_checks_the_fitted_model_passes(scorecard):
    """The README's count of passed and missed literature checks is the scorecard's."""
    from pathlib import Path
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    passed = sum(r.passed for r in scorecard.values())
    missed = len(scorecard) - passed
    assert f"{passed} pass and {missed} are missed" in readme
    assert missed == len(MISSED_AFTER_FIT)



def test_readme_explains_the_misses_with_the_fitted_values(model):
    """The README's reasons for the misses quote the fit and compute from it: a typical person gaining more
    than an arm's mean (esketamine over four weeks, the SSRI at week 6), spines lasting about 21 days, a single
    dose's effect peaking about an hour after the dose with 16% of it left at day 7, relapse within days after a
    series, relapse in SUSTAIN-1 from the drifting course in both arms, and an SSRI effect too small in week 1."""
    from pathlib import Path
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    from pathway.validate import run_targets
    got = {r.id: r for r in run_targets(model, ids={"T7a", "T10b", "T11b", "T11c", "T25a", "T25b", "T28a"})}
    assert "for four weeks of esketamine against its placebo spray (0.28, where the band is 0.06 to 0.17)" in readme
    assert round(got["T28a"].value, 2) == 0.28 and got["T28a"].band == (0.06, 0.17)
    assert "week 6 (0.25, where the meta-analysis puts 0.05 to 0.14)" in readme
    assert round(got["T25a"].value, 2) == 0.25 and got["T25a"].band == (0.05, 0.14)
    # the same design as T28a, run as TRANSFORM-2's arms of virtual patients: a smaller difference, within
    from pathway.trialsim import compare_trials
    from pathway.trials import load_trials
    popova = [t for t in load_trials() if t.id == "popova2019"]
    row = next(r for r in compare_trials(model, popova) if r.kind == "difference" and r.measure == "change")
    assert row.status == "within" and -row.model / 37.0 < got["T28a"].value / 2
    assert "the new spines last about 21 days" in readme
    assert 20.5 * 24 <= model.parameters["spine_lifetime"].value <= 21.5 * 24
    assert "it peaks about an hour after the dose instead of near day 1" in readme
    from pathway import simulate
    from pathway.scenarios import placebo_arm
    sc = model.scenario("ketamine-iv")
    drug = simulate(model, sc, days=2, step_min=5)
    placebo = simulate(model, placebo_arm(model, sc), days=2, step_min=5)
    effect = np.asarray(drug["relief"]) - np.asarray(placebo["relief"])
    peak_h = float(np.asarray(drug.t_h)[int(np.argmax(effect))])
    assert 0.75 <= peak_h <= 1.25, peak_h
    assert "16% of its peak is left at day 7, not about a third" in readme and round(got["T7a"].value * 100) == 16
    assert "relief falls below response within days, not 18" in readme and got["T10b"].value < 7
    assert ("67% of the virtual patients in stable remission fall out of it on continued esketamine, where the "
            "trial saw 27% relapse, and 73% on the placebo spray, where it saw 45%") in readme
    assert (round(got["T11b"].value * 100), round(got["T11c"].value * 100)) == (67, 73)
    assert "The SSRI's effect over its placebo pill is too small in the first week" in readme
    assert got["T25b"].value < got["T25b"].band[0]
