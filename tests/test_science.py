"""The literature targets of ../shared/science.md (T1-T9, T18-T19), each computed
from a simulation of the default model with one parameter set.

Bands are stated in the test names and docstrings. Helper names: `excess(x)` is
a node's change from its untreated baseline, `frac(x, t)` the excess at time t
as a fraction of its peak excess.

Relief in a drug arm includes the placebo response (the expectancy of being
treated). Where the literature reports a drug's effect against its control
(Kishimoto 2016, Taylor 2006), the test uses the drug effect: relief in the drug
arm minus relief in the matching placebo arm (same visits, inert drug).
"""

import numpy as np

from pathway.compile import compile_model

H = 1.0
D = 24.0
WK = 168.0


def at(traj, name, t_h):
    return float(np.interp(t_h, traj.t_h, traj[name]))


def excess(traj, name):
    y = traj[name]
    return y - y[0]


def frac(traj, name, t_h):
    """Excess at t_h over the largest excess (sign-aware: a fall counts for a falling node)."""
    e = excess(traj, name)
    peak = e[np.argmax(np.abs(e))]
    return float(np.interp(t_h, traj.t_h, e)) / peak


def peak_time(traj, name):
    e = np.abs(excess(traj, name))
    return float(traj.t_h[np.argmax(e)])


class Effect:
    """Drug effect on relief: drug arm minus its matching placebo arm."""

    def __init__(self, drug, placebo):
        self.t_h = drug.t_h
        self.y = drug["relief"] - np.interp(drug.t_h, placebo.t_h, placebo["relief"])

    def __call__(self, t_h):
        return float(np.interp(t_h, self.t_h, self.y))

    @property
    def peak(self):
        i = int(np.argmax(self.y))
        return float(self.t_h[i]), float(self.y[i])


def auc(traj, name):
    return float(np.trapezoid(traj[name], traj.t_h))


# ---------------------------------------------------------------- pharmacokinetics

def test_T1_ketamine_peaks_at_end_of_infusion_at_150_to_250_ng_ml(ketamine):
    t_max, c_max = ketamine.peak("ketamine_plasma")
    assert 35 / 60 <= t_max <= 45 / 60          # the infusion ends at 40 min
    assert 150 <= c_max <= 250


def test_T1_ketamine_distribution_10_15_min_elimination_2_4_h_volume_250_l(model):
    system = compile_model(model)
    idx = [i for i, c in enumerate(system.compartments) if c.drug == "ketamine"]
    k = system.pk_matrix[np.ix_(idx, idx)]
    half_lives_h = np.sort(np.log(2) / -np.linalg.eigvals(k).real)
    assert 10 / 60 <= half_lives_h[0] <= 15 / 60
    assert 2 <= half_lives_h[-1] <= 4
    drug = model.drugs["ketamine"]
    v_total = model.value(drug.volume_l) + sum(model.value(v) for v, _ in drug.peripheral)
    assert 200 <= v_total <= 300
    assert 60 <= model.value(drug.clearance_l_h) <= 100


def test_T1_plasma_decline_follows_the_two_half_lives(ketamine):
    """From the simulation itself: fast fall just after the infusion, slow after 3 h."""
    c = lambda t: at(ketamine, "ketamine_plasma", t)  # noqa: E731
    early = np.log(2) * (15 / 60) / np.log(c(40 / 60) / c(55 / 60))
    late = np.log(2) * 4 / np.log(c(4) / c(8))
    assert early < 0.75          # hours: well under the terminal half-life
    assert 2 <= late <= 4


def test_T2_hnk_exposure_1_7_to_3_times_ketamine_and_longer_lasting(ketamine):
    ratio = auc(ketamine, "hnk") / auc(ketamine, "ketamine")
    assert 1.7 <= ratio <= 3.0
    # lasts longer: time above 10% of its own peak
    def duration(name):
        y = ketamine[name]
        return np.ptp(ketamine.t_h[y >= 0.1 * y.max()])
    assert duration("hnk") > 2 * duration("ketamine")


def test_T2_hnk_alone_causes_no_dissociation(hnk_alone):
    assert hnk_alone.peak("hnk")[1] > 100               # a real exposure ...
    assert hnk_alone.peak("dissociation")[1] < 0.01     # ... and no dissociation


def test_T3_esketamine_peak_20_to_40_min_half_life_7_to_12_h(esketamine):
    t_max, _ = esketamine.peak("esketamine")
    assert 20 / 60 <= t_max <= 40 / 60
    c12, c36 = at(esketamine, "esketamine", 12), at(esketamine, "esketamine", 36)
    t_half = np.log(2) * 24 / np.log(c12 / c36)
    assert 7 <= t_half <= 12


def test_T3_esketamine_bioavailability_about_half(model):
    from dataclasses import replace

    from pathway import simulate
    nasal = model.scenario("esketamine-in")
    iv = replace(nasal, name="esketamine-iv-bolus",
                 doses=(replace(nasal.doses[0], route="iv"),))
    a_nasal = auc(simulate(model, nasal, days=7), "esketamine")
    a_iv = auc(simulate(model, iv, days=7), "esketamine")
    assert 0.45 <= a_nasal / a_iv <= 0.55


# ---------------------------------------------------------------- ketamine, one dose

def test_T4_dissociation_peaks_near_end_of_infusion_and_is_gone_by_2h(ketamine):
    t_peak, peak = ketamine.peak("dissociation")
    assert 30 / 60 <= t_peak <= 60 / 60
    assert peak >= 0.3                                   # a real, felt effect
    assert at(ketamine, "dissociation", 2 * H) < 0.2 * peak
    assert t_peak < ketamine.peak("relief")[0] / 10      # long before relief peaks


def test_T5_relief_detectable_by_2h_and_clear_by_4h(ketamine, placebo_iv):
    """Drug effect: >= 10% of its peak at 2 h (detectable), >= 40% at 4 h (clear)."""
    effect = Effect(ketamine, placebo_iv)
    _, peak = effect.peak
    assert effect(2 * H) >= 0.10 * peak
    assert effect(4 * H) >= 0.40 * peak


def test_T6_relief_peaks_around_day_1_when_drug_is_almost_gone(ketamine, placebo_iv):
    """Drug effect peaks between 12 and 36 h; plasma ketamine there below 5% of its peak;
    the ketamine arm's relief at 24 h is 0.5-0.7 (a typical responder)."""
    t_peak, peak = Effect(ketamine, placebo_iv).peak
    assert 12 <= t_peak <= 36
    assert 0.15 <= peak <= 0.5
    assert 0.5 <= at(ketamine, "relief", 24 * H) <= 0.7
    assert at(ketamine, "ketamine_plasma", t_peak) < 0.05 * ketamine.peak("ketamine_plasma")[1]


def test_T7_relief_a_third_left_at_day_7_gone_by_day_14(ketamine, placebo_iv):
    """Drug effect at day 7: 20-45% of its peak; day 10: below 25%; day 14: below 10%."""
    effect = Effect(ketamine, placebo_iv)
    _, peak = effect.peak
    assert 0.20 * peak <= effect(7 * D) <= 0.45 * peak
    assert effect(10 * D) < 0.25 * peak
    assert effect(14 * D) < 0.10 * peak


def test_T8_glutamate_surges_within_minutes_and_is_back_within_2h(ketamine):
    """>= 25% of the peak surge by 20 min (microdialysis samples in 20-min bins),
    peak within the hour, < 25% left at 2 h."""
    assert frac(ketamine, "glutamate", 20 / 60) >= 0.25
    assert peak_time(ketamine, "glutamate") <= 1.0
    assert frac(ketamine, "glutamate", 2 * H) < 0.25


def test_T8_bdnf_up_within_30_min(ketamine):
    assert frac(ketamine, "bdnf", 0.5) >= 0.25
    assert peak_time(ketamine, "bdnf") <= 1.25


def test_T8_mtor_pulses_at_30_to_75_min_and_is_back_by_2_to_3h(ketamine):
    assert 0.5 <= peak_time(ketamine, "mtor") <= 1.25
    assert frac(ketamine, "mtor", 2 * H) < 0.35
    assert frac(ketamine, "mtor", 3 * H) < 0.2


def test_T8_synaptic_proteins_up_from_2h_to_about_3_days(ketamine):
    """>= 50% of the peak at 2 h; still detectable (>= 4% of peak) at 3 days. The
    protein lifetime (24 h) is a compromise: Li 2010 saw raised levels at 72 h,
    while Moda-Sava 2019 needs the early drive gone by day 2 (see T14)."""
    assert frac(ketamine, "synaptic_proteins", 2 * H) >= 0.5
    assert frac(ketamine, "synaptic_proteins", 3 * D) >= 0.04
    assert frac(ketamine, "synaptic_proteins", 7 * D) < 0.05


def test_T8_new_spines_by_12_24h_persisting_up_to_2_weeks(ketamine):
    assert frac(ketamine, "spines", 12 * H) >= 0.5
    assert 12 <= peak_time(ketamine, "spines") <= 48
    assert frac(ketamine, "spines", 14 * D) >= 0.1
    assert frac(ketamine, "spines", 21 * D) < 0.1


def test_T8_order_of_events(ketamine):
    order = [peak_time(ketamine, n) for n in
             ("nmda", "glutamate", "bdnf", "mtor", "synaptic_proteins", "spines")]
    assert order == sorted(order)
    assert peak_time(ketamine, "relief") > peak_time(ketamine, "synaptic_proteins")


def test_T9_relief_at_3h_comes_before_the_spines(model, ketamine, placebo_iv):
    """At 3 h the drug effect is >= 30% of its peak while spines have < 30% of their
    gain; cutting every route from spines to relief leaves the 3 h effect nearly
    intact (>= 80%) but halves the day-2 effect: spines sustain, they do not start."""
    from dataclasses import replace

    from pathway import simulate
    effect = Effect(ketamine, placebo_iv)
    assert effect(3 * H) >= 0.3 * effect.peak[1]
    assert frac(ketamine, "spines", 3 * H) < 0.3
    spine_routes = {("spines", "relief"), ("spine_consolidation", "relief")}
    cut_model = replace(model, edges=tuple(
        replace(e, strength=0.0) if (e.source, e.target) in spine_routes else e
        for e in model.edges))
    cut = Effect(simulate(cut_model, "ketamine-iv", days=3, step_min=5), placebo_iv)
    assert cut(3 * H) >= 0.8 * effect(3 * H)
    assert cut(2 * D) < 0.5 * effect(2 * D)


# ---------------------------------------------------------------- SSRI

def test_T18_ssri_little_on_day_1_separates_by_week_1(ssri, ssri_placebo):
    """Drug effect: below 0.03 on day 1, at least 0.03 by week 1 (Taylor 2006)."""
    effect = Effect(ssri, ssri_placebo)
    assert effect(1 * D) < 0.03
    assert effect(7 * D) >= 0.03


def test_T18_ssri_still_rising_at_weeks_6_to_8_and_decelerating(ssri, ssri_placebo):
    """Drug effect rises by >= 0.02 from week 6 to 8, by less than from week 4 to 6;
    the SSRI arm's relief at week 8 is 0.4-0.65."""
    effect = Effect(ssri, ssri_placebo)
    e = {w: effect(w * WK) for w in (2, 4, 6, 8, 14)}
    assert e[8] - e[6] >= 0.02
    assert (e[6] - e[4]) > (e[8] - e[6]) > 0
    assert e[14] > e[8]
    assert 0.4 <= at(ssri, "relief", 8 * WK) <= 0.65


def test_T18_ssri_relief_far_slower_than_ketamine(ssri, ssri_placebo, ketamine, placebo_iv):
    assert Effect(ssri, ssri_placebo)(1 * D) < 0.2 * Effect(ketamine, placebo_iv)(1 * D)


def test_T19_ssri_plasma_at_steady_state_within_a_week(ssri):
    trough = lambda day: at(ssri, "ssri", day * D - 0.5)  # noqa: E731
    assert trough(7) >= 0.9 * trough(28)
    assert trough(2) < 0.8 * trough(28)


def test_T19_benefit_keeps_rising_long_after_plasma_steady_state(ssri, ssri_placebo):
    effect = Effect(ssri, ssri_placebo)
    assert effect(7 * D) < 0.3 * effect(56 * D)


def test_T19_autoreceptors_desensitise_from_day_3_mostly_by_week_3(ssri):
    loss = lambda day: 1 - at(ssri, "ht1a_autoreceptor", day * D)  # noqa: E731
    final = loss(56)
    assert 0.3 <= final <= 0.8                   # partial desensitisation
    assert loss(3) < 0.25 * final                # only beginning at day 3
    assert loss(21) >= 0.6 * final               # most of it by three weeks


def test_T19_bdnf_rises_only_after_chronic_treatment(ssri):
    assert frac(ssri, "bdnf_expression", 3 * D) < 0.1
    assert frac(ssri, "bdnf_expression", 42 * D) > 0.5
