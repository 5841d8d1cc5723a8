"""The landmark experiments of the field, rerun on the model.

Each experiment simulates a control arm and an intervention arm (under the
hypothesis it needs), measures what the study measured, and decides from those
numbers whether the model reproduces the finding. Nothing is written by hand: a
failed experiment is reported as not reproduced.

>>> results = run_experiments(load_model())                       # doctest: +SKIP
>>> [(r.id, r.reproduced) for r in results]                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .modelfile import Model, Scenario
from .results import Trajectory
from .scenarios import apply_all, placebo_arm
from .simulate import simulate

H, D = 1.0, 24.0


@dataclass(frozen=True)
class Arm:
    """A scenario simulated under some hypotheses and interventions, with the
    matching placebo arm so that the drug effect can be read off."""

    label: str
    traj: Trajectory
    placebo: Trajectory

    def effect(self, t_h: float) -> float:
        """Drug effect on relief: this arm minus its placebo arm, at ``t_h``."""
        return float(np.interp(t_h, self.traj.t_h, self.traj["relief"])
                     - np.interp(t_h, self.placebo.t_h, self.placebo["relief"]))

    def at(self, name: str, t_h: float) -> float:
        return float(np.interp(t_h, self.traj.t_h, self.traj[name]))

    def peak(self, name: str) -> float:
        return float(self.traj[name].max())


def run_arm(model: Model, scenario: str, *, days: float, hypotheses=(), interventions=(),
            label: str = "") -> Arm:
    variant = apply_all(model, interventions, hypotheses)
    sc: Scenario = variant.scenario(scenario)
    step = 5.0 if days <= 21 else 30.0
    traj = simulate(variant, sc, days=days, step_min=step)
    plac = simulate(variant, placebo_arm(variant, sc), days=days, step_min=step)
    return Arm(label or scenario, traj, plac)


@dataclass(frozen=True)
class Result:
    id: str
    citation: str
    finding: str
    hypotheses: tuple[str, ...]
    shows: str
    numbers: dict[str, float]
    reproduced: bool

    def to_dict(self) -> dict:
        return {"id": self.id, "citation": self.citation, "finding": self.finding,
                "hypotheses": list(self.hypotheses), "model_shows": self.shows,
                "numbers": {k: round(v, 4) for k, v in self.numbers.items()},
                "reproduced": self.reproduced}


@dataclass(frozen=True)
class Experiment:
    id: str
    reference: str                      # key in the model's [references]
    finding: str
    run: Callable[[Model], tuple[str, dict[str, float], bool]]
    hypotheses: tuple[str, ...] = field(default=())

    def __call__(self, model: Model) -> Result:
        shows, numbers, ok = self.run(model)
        return Result(self.id, model.references.get(self.reference, self.reference),
                      self.finding, self.hypotheses, shows, numbers, bool(ok))


def _ratio(a: float, b: float) -> float:
    return a / b if abs(b) > 1e-12 else float("inf")


def _blocks(intervention: str, *, hypotheses=(), days=7):
    """Intervention abolishes ketamine's effect at 24 h (to under 25% of control)."""
    def run(model):
        ctrl = run_arm(model, "ketamine-iv", days=days, hypotheses=hypotheses)
        test = run_arm(model, "ketamine-iv", days=days, hypotheses=hypotheses,
                       interventions=[intervention])
        c, t = ctrl.effect(24 * H), test.effect(24 * H)
        sc, st = ctrl.at("spines", 24 * H) - ctrl.at("spines", 0), \
            test.at("spines", 24 * H) - test.at("spines", 0)
        r = _ratio(t, c)
        shows = (f"drug effect on relief at 24 h {t:.3f} vs {c:.3f} in controls "
                 f"({100 * r:.0f}%); new spines {st:+.3f} vs {sc:+.3f}")
        return shows, {"effect_24h": t, "control_effect_24h": c, "ratio": r,
                       "spine_gain_24h": st, "control_spine_gain_24h": sc}, r < 0.25
    return run


def _met_met(model):
    ctrl = run_arm(model, "ketamine-iv", days=7)
    met = run_arm(model, "ketamine-iv", days=7, interventions=["bdnf-met"])
    b_c, b_m = ctrl.at("spines", 0), met.at("spines", 0)
    g_c = ctrl.at("spines", 24 * H) - b_c
    g_m = met.at("spines", 24 * H) - b_m
    e_c, e_m = ctrl.effect(24 * H), met.effect(24 * H)
    ok = b_m < b_c and g_m < 0.7 * g_c and e_m < 0.7 * e_c
    shows = (f"baseline spines {b_m:.3f} vs {b_c:.3f}; spine gain at 24 h {g_m:+.3f} vs {g_c:+.3f}; "
             f"drug effect at 24 h {e_m:.3f} vs {e_c:.3f}")
    return shows, {"baseline_spines": b_m, "control_baseline_spines": b_c, "spine_gain_24h": g_m,
                   "control_spine_gain_24h": g_c, "effect_24h": e_m, "control_effect_24h": e_c}, ok


def _rapamycin_human(model):
    h = ("rapamycin-human",)
    ctrl = run_arm(model, "ketamine-iv", days=14, hypotheses=h)
    rapa = run_arm(model, "ketamine-iv", days=14, hypotheses=h, interventions=["rapamycin"])
    c24, r24 = ctrl.effect(24 * H), rapa.effect(24 * H)
    c14, r14 = ctrl.effect(14 * D), rapa.effect(14 * D)
    ok = abs(r24 - c24) <= 0.2 * c24 and r14 >= 2 * c14
    shows = (f"drug effect at 24 h {r24:.3f} vs {c24:.3f} (spared); at 2 weeks {r14:.3f} vs "
             f"{c14:.3f} (prolonged x{_ratio(r14, c14):.1f})")
    return shows, {"effect_24h": r24, "control_effect_24h": c24, "effect_2wk": r14,
                   "control_effect_2wk": c14}, ok


def _ablation(model):
    ctrl = run_arm(model, "ketamine-iv", days=7)
    abl = run_arm(model, "ketamine-iv", days=7, interventions=["spine-ablation"])
    early = [abl.effect(t) / ctrl.effect(t) for t in (3 * H, 12 * H)]
    late = [abl.effect(t) / ctrl.effect(t) for t in (2 * D, 3 * D, 4 * D)]
    ok = min(early) >= 0.95 and max(late) <= 0.35
    shows = (f"early relief kept ({100 * min(early):.0f}% of control at 3-12 h); relief from day 2 "
             f"lost (at most {100 * max(late):.0f}% of control on days 2-4)")
    return shows, {"early_ratio_min": min(early), "late_ratio_max": max(late),
                   "effect_day2": abl.effect(2 * D), "control_effect_day2": ctrl.effect(2 * D)}, ok


def _naltrexone(blocked: bool):
    hyps = ("opioid",) if blocked else ()

    def run(model):
        ctrl = run_arm(model, "ketamine-iv", days=7, hypotheses=hyps)
        nal = run_arm(model, "ketamine-iv", days=7, hypotheses=hyps, interventions=["naltrexone"])
        r1 = _ratio(nal.effect(1 * D), ctrl.effect(1 * D))
        r3 = _ratio(nal.effect(3 * D), ctrl.effect(3 * D))
        dr = _ratio(nal.peak("dissociation"), ctrl.peak("dissociation"))
        if blocked:
            ok = r1 <= 0.5 and r3 <= 0.5 and abs(dr - 1) <= 0.1
        else:
            ok = abs(r1 - 1) <= 0.1 and abs(r3 - 1) <= 0.1
        shows = (f"with naltrexone, drug effect at day 1 is {100 * r1:.0f}% and at day 3 "
                 f"{100 * r3:.0f}% of control; peak dissociation {100 * dr:.0f}% of control")
        return shows, {"ratio_day1": r1, "ratio_day3": r3, "dissociation_ratio": dr}, ok
    return run


def _hnk_alone(model):
    hnk = run_arm(model, "hnk", days=7, hypotheses=("hnk",))
    off = run_arm(model, "hnk", days=7)
    e, e_off, diss = hnk.effect(24 * H), off.effect(24 * H), hnk.peak("dissociation")
    ok = e >= 0.1 and diss < 0.05 and abs(e_off) < 0.01
    shows = (f"HNK alone: drug effect at 24 h {e:.3f} (hypothesis off: {e_off:.3f}); "
             f"peak dissociation {diss:.3f}")
    return shows, {"effect_24h": e, "effect_24h_hypothesis_off": e_off,
                   "peak_dissociation": diss}, ok


def _series(model):
    arm = run_arm(model, "ketamine-series", days=56)
    traj = arm.traj
    last = max(t for d in model.scenario("ketamine-series").doses
               for t in _starts(d, 56 * D)) + 40 / 60
    during = [arm.at("relief", t * D) for t in (3, 5, 8, 10, 12)]
    after = (traj.t_h > last) & (traj["relief"] < 0.5)
    relapse = float((traj.t_h[after][0] - last) / D) if after.any() else float("inf")
    ok = min(during) >= 0.5 and 12 <= relapse <= 25
    shows = (f"relief through the series {min(during):.2f}-{max(during):.2f}; response lost "
             f"{relapse:.1f} days after the last infusion")
    return shows, {"relief_min_during": min(during), "days_to_relapse": relapse}, ok


def _starts(dose, t_end):
    from .dosing import dose_times
    return dose_times(dose, t_end)


def _maintenance(model):
    """SUSTAIN-1 in virtual patients, as the trial was designed: 16 weeks of
    esketamine plus a daily antidepressant, then, among people in stable remission
    (weeks 14-16), continued esketamine against a placebo spray at the same weekly
    visits. Relapse: relief below the remission level at any pre-dose visit to
    week 32. Reproduced if maintenance keeps median relief up, relapse on
    maintenance is not near zero, and the relative risk is 0.3-0.75 (the trial:
    26.7% against 45.3%, 0.59)."""
    from .population import simulate_population

    stable = [d - 0.1 for d in (98, 105, 112)]
    follow = [d - 0.1 for d in range(119, 225, 7)]
    times = np.array(stable + follow) * D
    rates, medians = {}, {}
    for arm in ("sustain-continue", "sustain-withdraw"):
        pop = simulate_population(model, arm, n=500, seed=2019, times_h=times)
        level = pop.remission
        ok = (pop.relief[:, :len(stable)] >= level).all(axis=1)
        relapsed = (pop.relief[:, len(stable):] < level).any(axis=1)
        rates[arm] = float(relapsed[ok].mean()) if ok.any() else float("nan")
        medians[arm] = float(np.median(pop.relief[:, -1]))
    keep, stop = rates["sustain-continue"], rates["sustain-withdraw"]
    rr = _ratio(keep, stop)
    ok = medians["sustain-continue"] >= 0.5 and keep >= 0.1 and 0.3 <= rr <= 0.75
    shows = (f"relapse to week 32 among stable remitters at week 16: {100 * keep:.1f}% with "
             f"continued esketamine, {100 * stop:.1f}% on placebo spray (relative risk {rr:.2f}); "
             f"median relief at week 32 {medians['sustain-continue']:.2f} vs "
             f"{medians['sustain-withdraw']:.2f}")
    return shows, {"relapse_maintenance": keep, "relapse_stop": stop, "relative_risk": rr,
                   "median_relief_wk32_maintenance": medians["sustain-continue"],
                   "median_relief_wk32_stop": medians["sustain-withdraw"]}, ok


EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("maeng2008-nbqx", "maeng2008",
               "Blocking AMPA receptors (NBQX) before ketamine abolishes its antidepressant effect.",
               _blocks("nbqx")),
    Experiment("autry2011-bdnf-knockout", "autry2011",
               "Without BDNF, ketamine has no rapid antidepressant effect.",
               _blocks("bdnf-knockout")),
    Experiment("autry2011-translation-block", "autry2011",
               "Blocking BDNF translation also abolishes the effect.",
               _blocks("bdnf-translation-block")),
    Experiment("liu2012-met-met", "liu2012",
               "BDNF Met/Met lowers baseline spine density and blunts ketamine-induced synaptogenesis "
               "and its effect.", _met_met),
    Experiment("li2010-rapamycin", "li2010",
               "mTOR block with rapamycin in the rodent cortex prevents new synapses and the effect.",
               _blocks("rapamycin")),
    Experiment("abdallah2020-rapamycin-human", "abdallah2020",
               "In people, oral rapamycin before ketamine leaves 24 h relief unchanged and prolongs "
               "it.", _rapamycin_human, ("rapamycin-human",)),
    Experiment("modasava2019-spine-ablation", "modasava2019",
               "Removing the newly formed spines leaves the early effect intact but ends the "
               "sustained effect from about day 2.", _ablation),
    Experiment("williams2018-naltrexone", "williams2018",
               "Naltrexone pretreatment blunts ketamine's relief at days 1 and 3 but not its "
               "dissociation.", _naltrexone(blocked=True), ("opioid",)),
    Experiment("yoon2019-naltrexone", "yoon2019",
               "In another group of patients, naltrexone did not block ketamine's relief.",
               _naltrexone(blocked=False)),
    Experiment("zanos2016-hnk", "zanos2016",
               "The metabolite (2R,6R)-HNK alone relieves depression-like behaviour without "
               "dissociation-like effects.", _hnk_alone, ("hnk",)),
    Experiment("murrough2013-series", "murrough2013",
               "Six infusions over 12 days keep relief up; responders relapse a median of about "
               "18 days after the last infusion.", _series),
    Experiment("daly2019-maintenance", "daly2019",
               "In stable remitters after 16 weeks, continuing esketamine roughly halves relapse "
               "compared with a placebo spray at the same visits (26.7% against 45.3%).",
               _maintenance),
)


def run_experiments(model: Model, ids=None) -> list[Result]:
    """Run the catalogue (or the experiments whose id is in ``ids``)."""
    chosen = [e for e in EXPERIMENTS if ids is None or e.id in ids]
    return [e(model) for e in chosen]


def format_table(results: list[Result]) -> str:
    """A plain-text report, one block per experiment."""
    lines = []
    for r in results:
        mark = "reproduced" if r.reproduced else "NOT reproduced"
        hyp = f"  [hypotheses on: {', '.join(r.hypotheses)}]" if r.hypotheses else ""
        lines += [f"{r.id}: {mark}{hyp}", f"  study:  {r.citation}", f"  found:  {r.finding}",
                  f"  model:  {r.shows}", ""]
    n = sum(r.reproduced for r in results)
    lines.append(f"{n} of {len(results)} experiments reproduced")
    return "\n".join(lines)
