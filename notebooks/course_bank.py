"""The course's exercises: each one computes its answer from the model (never a
stored number), so the checks follow the model file when it changes.

Notebooks import this with ``course.load_bank()``; ``course.check(name, answer)``
replies "Correct", "Not yet: ..." (with a hint) or "Not answered yet: ...".
"""

from __future__ import annotations

import math
import re

import numpy as np

import pathway
from pathway import course as c
from pathway.scenarios import apply_intervention
from pathway.simulate import with_dose

ex = c.exercise

#: Reference keys of the catalogue's rodent studies: their results are behaviour
#: and synapses in mice and rats, not human relief.
ANIMAL_STUDIES = {"maeng2008", "autry2011", "liu2012", "li2010", "modasava2019", "zanos2016"}


def _peak_time(m, scenario, column, days=2, step_min=5):
    traj = c.run(m, scenario, days=days, step_min=step_min)
    return float(traj.t_h[int(np.argmax(traj[column]))])


def _peak(m, scenario, column, days=2, step_min=5, dose=None):
    traj = c.run(m, scenario, days=days, step_min=step_min, dose=dose)
    return float(np.max(traj[column]))


def _half_life(m, drug):
    d = m.drugs[drug]
    return math.log(2) * m.value(d.volume_l) / m.value(d.clearance_l_h)


# ---------------------------------------------------------------- 01 the explorer
ex("explorer-first", "Which peaks first after a ketamine infusion: 'dissociation' or 'relief'?",
   kind="choice", choices=("dissociation", "relief"),
   expected=lambda m: "dissociation" if _peak_time(m, "ketamine-iv", m.roles.side_effects[0])
   < _peak_time(m, "ketamine-iv", m.primary) else "relief",
   hint="colour the pathway at 30 minutes, then at 24 hours, and watch both boxes.")
ex("explorer-week", "One week after one infusion, is relief in the ketamine arm 'higher' or 'lower' "
   "than in an SSRI arm one week into daily pills?", kind="choice", choices=("higher", "lower"),
   expected=lambda m: "higher" if c.value_at(m, "ketamine-iv", "7 d")
   > c.value_at(m, "ssri", "7 d") else "lower",
   hint="pick the SSRI as the comparison and read both curves at day 7.")
ex("explorer-placebo", "At 24 h, is most of the ketamine arm's relief also in its placebo arm? "
   "('yes' or 'no')", kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if c.value_at(m, "ketamine-iv", "24 h")
   - c.value_at(m, "ketamine-iv", "24 h", effect=True) > 0.5 * c.value_at(m, "ketamine-iv", "24 h")
   else "no", hint="tick the matched placebo arm and compare the two curves at day 1.")


# ---------------------------------------------------------------- 02 a tiny model
TINY_TEMPLATE = '''
[model]
name = "tiny"
version = "1"
description = "A pill raises a messenger; the messenger lifts mood."

[branches.main]
title = "the only route"
row = 0.0

[roles]
primary = "mood"
inert = "dummy"

[[nodes]]
id = "pill"
label = "Pill"
kind = "drug"
branch = "main"
description = "The drug in the blood, ng/mL."

[[nodes]]
id = "dummy"
label = "Dummy pill"
kind = "drug"
branch = "main"
description = "An inert pill (for a placebo arm)."

[[nodes]]
id = "messenger"
label = "Messenger"
kind = "signal"
branch = "main"
tau = "1 h"
description = "A messenger inside the neuron; 1 is its resting level."

[[nodes]]
id = "mood"
label = "Mood"
kind = "readout"
branch = "main"
tau = "6 h"
baseline = 0.0
response = "hill"
maximum = 1.0
half = 1.0
hill = 1.0
description = "How much better one feels, 0-1."

[[edges]]
source = "pill"
target = "messenger"
effect = "activates"
strength = 2.0
ec50 = "50 ng/mL"
grade = "moderate"
citations = ["made-up"]

# EDGE: the messenger -> mood edge goes here

[drugs.pill]
clearance = "20 L/h"
volume = "100 L"
routes.oral = { bioavailability = 0.8, absorption_half_life = "1 h" }

[drugs.dummy]
clearance = "20 L/h"
volume = "100 L"
routes.oral = {}

[scenarios.one-pill]
description = "One 10 mg pill."
days = 3
doses = [{ drug = "pill", route = "oral", dose = "10 mg", start = "0 h" }]

[references]
made-up = "A made-up reference: this tiny model describes no real drug."
'''


def _tiny(text):
    return pathway.loads_model(text, source="your tiny model")


def _judge_edge(text, m):
    tiny = _tiny(text)
    edges = [e for e in tiny.edges if e.source == "messenger" and e.target == "mood"]
    if not edges:
        return False, "there is no edge from 'messenger' to 'mood' yet"
    if edges[0].effect != "activates":
        return False, f"the edge {edges[0].effect} mood; the messenger should lift it"
    peak = float(np.max(pathway.simulate(tiny, "one-pill", step_min=30)["mood"]))
    if peak < 0.05:
        return False, f"mood peaks at only {peak:.3f}"
    return True, f"mood now peaks at {peak:.2f}"


def _judge_half_life(text, m):
    tiny = _tiny(text)
    hl = _half_life(tiny, "pill")
    if abs(hl - 6) > 0.3:
        return False, f"the pill's half-life is {hl:.2f} h (ln 2 × volume / clearance)"
    return True, f"half-life {hl:.2f} h"


ex("tiny-edge", "Add the edge messenger -> mood so that the pill lifts mood.", kind="judge",
   judge=_judge_edge, template=TINY_TEMPLATE, hint="copy the pill -> messenger edge and change source, target; "
   "no ec50 is needed for a node-to-node edge.")
ex("tiny-half-life", "Change the pill's clearance so its half-life is 6 hours.", kind="judge",
   judge=_judge_half_life, template=TINY_TEMPLATE, hint="half-life = ln 2 × volume / clearance; solve for the clearance.")
ex("tiny-peak-time", "After your changes, at what hour does mood peak? (read it from your run)",
   kind="judge", judge=lambda ans, m: _judge_peak_time(ans), template=TINY_TEMPLATE, hint="use traj.peak('mood').")


def _judge_peak_time(answer):
    hours, text = answer
    tiny = _tiny(text)
    t = pathway.simulate(tiny, "one-pill", step_min=10).peak("mood")[0]
    if abs(float(hours) - t) > max(0.5, 0.1 * t):
        return False, f"{float(hours):.3g} h is not when your model's mood peaks"
    return True, f"mood peaks at {t:.3g} h"


ex("tiny-quiz-tau", "Quiz: which field sets how fast a node follows its inputs? "
   "('tau', 'strength' or 'ec50')", kind="choice", choices=("tau", "strength", "ec50"),
   expected=lambda m: next(f for f in ("tau", "strength", "ec50")
                           if any(k.startswith(f) for k in type(m.nodes[0]).__dataclass_fields__)),
   hint="the model file's header lists what each node field means.")


# ---------------------------------------------------------------- 03 the pathway
def _order(m, columns):
    traj = c.run(m, "ketamine-iv", days=7, step_min=5)
    times = {col: traj.t_h[int(np.argmax(np.abs(traj[col] - traj[col][0])))] for col in columns}
    return ", ".join(sorted(columns, key=times.get))


ex("pathway-order", "Put glutamate, synaptic_proteins, spines and relief in the order of their peaks "
   "(comma-separated ids).", kind="judge",
   judge=lambda a, m: ((lambda want, got: (want == got, f"the model's order is {want}"
                                           if want == got else "not the model's order"))
                       (_order(m, ["glutamate", "synaptic_proteins", "spines", "relief"]),
                        ", ".join(x.strip() for x in str(a).split(",")))),
   hint="summary_table(model, 'ketamine-iv') sorts nodes by the time of their peak; "
   "look where relief and the spines sit in it.")
ex("pathway-nbqx", "With the nbqx intervention (AMPA block), what is ketamine's drug effect on relief at 24 h?",
   expected=lambda m: c.value_at(apply_intervention(m, "nbqx"), "ketamine-iv", "24 h", effect=True),
   tol=0.01, hint="apply_intervention(model, 'nbqx'), then value_at(..., effect=True).")
ex("pathway-quiz-spines", "Quiz: do new spines carry the relief at 3 h? ('yes' or 'no')",
   kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if c.value_at(m, "ketamine-iv", "3 h", column="spines")
   - c.value_at(m, "ketamine-iv", "0 h", column="spines") > 0.5 * (_peak(m, "ketamine-iv", "spines", 3)
   - c.value_at(m, "ketamine-iv", "0 h", column="spines")) else "no",
   hint="compare the spines' gain at 3 h with their peak gain.")


# ---------------------------------------------------------------- 04 pharmacokinetics
ex("pk-peak", "Peak plasma ketamine (ng/mL) after the 40-minute infusion?",
   expected=lambda m: _peak(m, "ketamine-iv", "ketamine_plasma", 1, 1), rel=0.05, unit="ng/mL",
   hint="run(model, 'ketamine-iv', days=1, step_min=1) and take the maximum of 'ketamine_plasma'.")
ex("pk-nasal-time", "When (hours) does esketamine peak in plasma after the nasal spray?",
   expected=lambda m: _peak_time(m, "esketamine-in", "esketamine", 1, 1), tol=0.05, unit="h",
   hint="traj.peak('esketamine') returns (time, value).")
ex("pk-steady", "How many days until the daily SSRI reaches 90% of its day-28 trough level?",
   expected=lambda m: _days_to_90(m), tol=1.0, unit="d",
   hint="read the plasma level just before each daily pill (every 24 h) and find the first day at 90%.")
ex("pk-quiz-halflife", "Quiz: does a longer half-life make a daily pill take 'longer' or 'shorter' "
   "to reach steady state?", kind="choice", choices=("longer", "shorter"),
   expected=lambda m: "longer" if _fraction_after(4, 2 * _half_life(m, "ssri"))
   < _fraction_after(4, _half_life(m, "ssri")) else "shorter",
   hint="steady state takes about 4-5 half-lives.")


def _fraction_after(days, half_life_h):
    """Share of steady state a daily pill reaches after ``days`` (linear kinetics)."""
    return 1 - 0.5 ** (days * 24 / half_life_h)


def _days_to_90(m):
    traj = c.run(m, "ssri", days=28, step_min=60)
    col = [d for d in traj.roles["plasma"]][0]
    troughs = np.interp(np.arange(1, 29) * 24 - 0.01, traj.t_h, traj[col])
    return float(np.argmax(troughs >= 0.9 * troughs[-1]) + 1)


# ---------------------------------------------------------------- 05 dose-response
ex("dose-effect-1", "Drug effect on relief at 24 h after 1.0 mg/kg racemic ketamine?",
   expected=lambda m: c.value_at(m, "ketamine-iv", "24 h", effect=True, dose=1.0), tol=0.01,
   hint="value_at(model, 'ketamine-iv', '24 h', effect=True, dose=1.0).")
ex("dose-plateau", "Doubling 0.5 to 1.0 mg/kg: does the day-1 drug effect roughly double "
   "('doubles') or gain little ('plateau')?", kind="choice", choices=("doubles", "plateau"),
   expected=lambda m: "plateau" if c.value_at(m, "ketamine-iv", "24 h", effect=True, dose=1.0)
   < 1.5 * c.value_at(m, "ketamine-iv", "24 h", effect=True, dose=0.5) else "doubles",
   hint="compute both effects and divide.")
ex("dose-quiz-dissociation", "Quiz: over 0.5 to 1.0 mg/kg, which rises more steeply with dose: "
   "'dissociation' or 'relief'?", kind="choice", choices=("dissociation", "relief"),
   expected=lambda m: "dissociation" if _peak(m, "ketamine-iv", m.roles.side_effects[0], 1, 5, 1.0)
   / _peak(m, "ketamine-iv", m.roles.side_effects[0], 1, 5, 0.5)
   > c.value_at(m, "ketamine-iv", "24 h", effect=True, dose=1.0)
   / c.value_at(m, "ketamine-iv", "24 h", effect=True, dose=0.5) else "relief",
   hint="compare the two ratios (1.0 over 0.5 mg/kg).")


# ---------------------------------------------------------------- 06 placebo and blinding
def _day7_lead(m, inert=None):
    return float(c.response_rates(m, "ketamine-iv", n=600, inert=inert)["difference"].iloc[1])


ex("placebo-saline-ratio", "Ketamine's day-7 lead in response rate over saline, divided by its lead "
   "over the masked placebo (600 people, seed 0)?",
   expected=lambda m: _day7_lead(m, "saline") / _day7_lead(m), tol=0.02,
   hint="response_rates(model, 'ketamine-iv', n=600, inert='saline'); row 1 is day 7; divide the "
   "two 'difference' values.")
ex("placebo-share", "What share of the ketamine arm's relief at 24 h is also in its placebo arm (0-1)?",
   expected=lambda m: 1 - c.value_at(m, "ketamine-iv", "24 h", effect=True)
   / c.value_at(m, "ketamine-iv", "24 h"), tol=0.02,
   hint="placebo arm / ketamine arm, both at 24 h: use drug_effect or compare.")
ex("placebo-off", "Set placebo_strength to 0: what is relief in the ketamine arm at 24 h now?",
   expected=lambda m: c.value_at(pathway.set_parameter(m, "placebo_strength", 0.0), "ketamine-iv", "24 h"),
   tol=0.01, hint="pathway.set_parameter(model, 'placebo_strength', 0), then value_at.")
ex("placebo-quiz-masked", "Quiz: in the masked trial (Lii 2023) nobody could tell what they got. "
   "Did the placebo arm improve about as much as the ketamine arm? ('yes' or 'no')",
   kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if c.value_at(m, "ketamine-iv", "24 h", effect=True)
   < 0.5 * c.value_at(m, "ketamine-iv", "24 h") else "no",
   hint="read the reference of the placebo_strength parameter.")


# ---------------------------------------------------------------- 07 ketamine against an SSRI
ex("ssri-week6", "SSRI drug effect on relief at week 6 (arm minus matched placebo arm)?",
   expected=lambda m: c.value_at(m, "ssri", "6 wk", effect=True, step_min=240), tol=0.01,
   hint="value_at(model, 'ssri', '6 wk', effect=True, step_min=240).")
ex("ssri-crossover", "From which whole day on is relief in the SSRI arm above relief 1 day after "
   "ketamine in its own arm? (answer in days; 'never' if it never is within 8 weeks)",
   kind="judge", judge=lambda a, m: _judge_cross(a, m),
   hint="run the SSRI for 56 days and compare each day with value_at(model, 'ketamine-iv', '24 h').")
ex("ssri-quiz", "Quiz: at day 1, does 'ketamine' or the 'ssri' have the larger drug effect?",
   kind="choice", choices=("ketamine", "ssri"),
   expected=lambda m: "ketamine" if c.value_at(m, "ketamine-iv", "24 h", effect=True)
   > c.value_at(m, "ssri", "24 h", effect=True) else "ssri", hint="compare(..., effect=True).")


def _cross_day(m):
    level = c.value_at(m, "ketamine-iv", "24 h")
    traj = c.run(m, "ssri", days=56, step_min=240)
    days = np.arange(1, 57)
    values = np.interp(days * 24, traj.t_h, traj[m.primary])
    above = np.nonzero(values > level)[0]
    return int(days[above[0]]) if len(above) else "never"


def _judge_cross(answer, m):
    want = _cross_day(m)
    if want == "never":
        return str(answer).strip().lower() == "never", "the model says never"
    if isinstance(answer, str):
        return False, "the model gives a day"
    return abs(float(answer) - want) <= 1, f"the model gives day {want}"


# ---------------------------------------------------------------- 08 suicidal ideation
ex("ideation-24h", "Drug effect on suicidal-ideation relief at 24 h?",
   expected=lambda m: c.value_at(m, "ketamine-iv", "24 h", column="ideation_relief", effect=True),
   tol=0.01, hint="value_at(..., column='ideation_relief', effect=True).")
ex("ideation-early", "At 4 h, which has reached a larger share of its day-1 drug effect: "
   "'ideation' or 'mood' (relief)?", kind="choice", choices=("ideation", "mood"),
   expected=lambda m: "ideation" if _share4(m, "ideation_relief") > _share4(m, m.primary) else "mood",
   hint="divide the effect at 4 h by the effect at 24 h, for both columns.")
ex("ideation-quiz", "Quiz: is ideation relief in the model fed by the fast route as well as by spines? "
   "('yes' or 'no')", kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if len({e.source for e in m.edges if e.target == "ideation_relief"}) > 1
   else "no", hint="list the edges whose target is 'ideation_relief'.")


def _share4(m, column):
    return (c.value_at(m, "ketamine-iv", "4 h", column=column, effect=True)
            / c.value_at(m, "ketamine-iv", "24 h", column=column, effect=True))


# ---------------------------------------------------------------- 09 enantiomers
ex("enantiomer-dissociation", "Peak dissociation after S-ketamine (esketamine-iv) divided by peak "
   "dissociation after R-ketamine (arketamine-iv)?",
   expected=lambda m: _peak(m, "esketamine-iv", m.roles.side_effects[0], 1, 5)
   / max(_peak(m, "arketamine-iv", m.roles.side_effects[0], 1, 5), 1e-9), rel=0.1,
   hint="take the maximum of 'dissociation' in each run and divide.")
ex("enantiomer-hypothesis", "Switch on the 'arketamine' hypothesis: arketamine's drug effect at 24 h?",
   expected=lambda m: c.value_at(pathway.set_hypothesis(m, "arketamine", True), "arketamine-iv", "24 h",
                                 effect=True), tol=0.01,
   hint="pathway.set_hypothesis(model, 'arketamine', True), then value_at(..., effect=True).")
ex("enantiomer-quiz", "Quiz: by default, does arketamine give a clear drug effect at 24 h (over 0.1)? "
   "('yes' or 'no')", kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if c.value_at(m, "arketamine-iv", "24 h", effect=True) > 0.1 else "no",
   hint="the default model follows the 2023 randomised trial, not the rodent studies.")


# ---------------------------------------------------------------- 10 mechanisms and animals
def _rodent_count(m):
    return sum(1 for e in m.experiments.values() if e.reference in ANIMAL_STUDIES)


ex("animal-count", "How many experiments of the model's catalogue are rodent studies?",
   expected=_rodent_count, tol=0.0, hint="count experiments whose reference is in ANIMAL_STUDIES.")
ex("mechanism-rest", "Set rest_block_gain to 0 (no NMDA block at rest / eEF2K route): "
   "drug effect on relief at 2 h?",
   expected=lambda m: c.value_at(pathway.set_parameter(m, "rest_block_gain", 0.0), "ketamine-iv", "2 h",
                                 effect=True), tol=0.01,
   hint="pathway.set_parameter(model, 'rest_block_gain', 0), then value_at(..., '2 h', effect=True).")
ex("mechanism-habenula", "Quiz: does the model contain the lateral habenula? ('yes' or 'no')",
   kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if any("habenula" in (n.id + n.label).lower() for n in m.nodes) else "no",
   hint="search the node ids and labels.")


# ---------------------------------------------------------------- 11 virtual patients
ex("patients-24h", "Share of 60 virtual patients (seed 0) responding at 24 h after ketamine?",
   expected=lambda m: float(c.response_rates(m, "ketamine-iv", at=("24 h",), n=60)["arm"].iloc[0]),
   tol=0.02, hint="response_rates(model, 'ketamine-iv', at=('24 h',), n=60).")
ex("patients-placebo", "... and in its matched placebo arm?",
   expected=lambda m: float(c.response_rates(m, "ketamine-iv", at=("24 h",), n=60)["placebo arm"].iloc[0]),
   tol=0.02, hint="the same table, column 'placebo arm'.")
ex("patients-quiz", "Quiz: can a person 'respond' on placebo in the model? ('yes' or 'no')",
   kind="choice", choices=("yes", "no"),
   expected=lambda m: "yes" if float(c.response_rates(m, "ketamine-iv", at=("24 h",), n=60)
                                     ["placebo arm"].iloc[0]) > 0 else "no",
   hint="look at the placebo arm's response rate.")


# ---------------------------------------------------------------- 12 scorecard and limitations
def _card(m):
    return c.scorecard(m)


ex("score-passing", "How many scorecard checks does the model pass?",
   expected=lambda m: int(_card(m)["passes"].sum()), tol=0.0,
   hint="scorecard(model)['passes'].sum().")
def _close_calls(m):
    card = _card(m)
    width = card["high"] - card["low"]
    near = ((card["model"] - card["low"]) < 0.1 * width) | ((card["high"] - card["model"]) < 0.1 * width)
    return sorted(card[card["passes"] & near].index)


ex("score-close", "List the ids of the passing checks whose model value lies within a tenth of "
   "the band's width of either edge (a list of strings).", kind="judge",
   judge=lambda a, m: (sorted(a) == _close_calls(m), "passing checks near an edge of their band"),
   hint="width = card['high'] - card['low']; compare model - low and high - model with 0.1 * width, "
   "and keep rows that pass.")
ex("score-quiz", "Quiz: is a check that passes proof that the mechanism is right? ('yes' or 'no')",
   kind="choice", choices=("yes", "no"),
   expected=lambda m: "no" if _card(m).loc[["T26a", "T26b", "T26c", "T26d"], "passes"].sum() > 1
   else "yes",
   hint="several hypotheses pass the same checks (T26).")


# ---------------------------------------------------------------- second quiz questions
def _yes(flag):
    return "yes" if flag else "no"


YES_NO = ("yes", "no")
ex("explorer-quiz-ssri", "Quiz: at 24 h, is the SSRI's drug effect above 0.05? ('yes' or 'no')",
   kind="choice", choices=YES_NO, expected=lambda m: _yes(c.value_at(m, "ssri", "24 h", effect=True) > 0.05),
   hint="an SSRI needs weeks.")
ex("tiny-quiz-clearance", "Quiz: doubling a drug's clearance makes its half-life 'half' or 'double'?",
   kind="choice", choices=("half", "double"),
   expected=lambda m: "half" if _half_life(_tiny(TINY_TEMPLATE.replace('clearance = "20 L/h"',
                                                                         'clearance = "40 L/h"', 1)), "pill")
   < _half_life(_tiny(TINY_TEMPLATE), "pill") else "double", hint="half-life = ln 2 × volume / clearance.")
ex("pathway-quiz-dissociation", "Quiz: does the AMPA block (nbqx) change peak dissociation? ('yes' or 'no')",
   kind="choice", choices=YES_NO,
   expected=lambda m: _yes(abs(_peak(apply_intervention(m, "nbqx"), "ketamine-iv", m.roles.side_effects[0], 1)
                               / _peak(m, "ketamine-iv", m.roles.side_effects[0], 1) - 1) > 0.01),
   hint="dissociation follows the NMDA block, upstream of AMPA.")
ex("pk-quiz-gone", "Quiz: when relief peaks (about 24 h), is plasma ketamine below 5% of its peak? "
   "('yes' or 'no')", kind="choice", choices=YES_NO,
   expected=lambda m: _yes(c.value_at(m, "ketamine-iv", "24 h", column="ketamine_plasma")
                           < 0.05 * _peak(m, "ketamine-iv", "ketamine_plasma", 1, 1)),
   hint="compare the plasma level at 24 h with its peak.")
ex("dose-quiz-low", "Quiz: does 0.1 mg/kg give a drug effect above 0.02 at 24 h? ('yes' or 'no')",
   kind="choice", choices=YES_NO,
   expected=lambda m: _yes(c.value_at(m, "ketamine-iv", "24 h", effect=True, dose=0.1) > 0.02),
   hint="look at the dose table.")
ex("placebo-quiz-ssri", "Quiz: does the SSRI's placebo arm keep improving from week 2 to week 6? "
   "('yes' or 'no')", kind="choice", choices=YES_NO,
   expected=lambda m: _yes(c.value_at(m, "ssri", "6 wk", step_min=240) - c.value_at(m, "ssri", "6 wk", effect=True,
                                                                                       step_min=240)
                           > c.value_at(m, "ssri", "2 wk", step_min=240)
                           - c.value_at(m, "ssri", "2 wk", effect=True, step_min=240)),
   hint="placebo arm = arm minus drug effect, at both times.")
ex("ssri-quiz-week6", "Quiz: at week 6, which has the larger drug effect: one ketamine infusion "
   "('ketamine') or daily pills ('ssri')?", kind="choice", choices=("ketamine", "ssri"),
   expected=lambda m: "ketamine" if c.value_at(m, "ketamine-iv", "6 wk", effect=True, step_min=240)
   > c.value_at(m, "ssri", "6 wk", effect=True, step_min=240) else "ssri", hint="read the figure at day 42.")
ex("ideation-quiz-week", "Quiz: is the ideation effect at day 7 more than 35% of its day-1 effect? "
   "('yes' or 'no')", kind="choice", choices=YES_NO,
   expected=lambda m: _yes(c.value_at(m, "ketamine-iv", "7 d", column="ideation_relief", effect=True)
                           > 0.35 * c.value_at(m, "ketamine-iv", "24 h", column="ideation_relief", effect=True)),
   hint="compute both effects.")
ex("enantiomer-quiz-tighter", "Quiz: which binds NMDA receptors more tightly in the model: 'S' or 'R'?",
   kind="choice", choices=("S", "R"),
   expected=lambda m: "S" if m.parameters["esketamine_nmda_ec50"].value
   < m.parameters["arketamine_nmda_ec50"].value else "R",
   hint="a lower EC50 means tighter binding; see model.parameters.")
ex("mechanism-quiz-rest", "Quiz: does removing the rest-block route lower ketamine's 2 h drug effect? "
   "('yes' or 'no')", kind="choice", choices=YES_NO,
   expected=lambda m: _yes(c.value_at(pathway.set_parameter(m, "rest_block_gain", 0.0), "ketamine-iv", "2 h",
                                      effect=True) < c.value_at(m, "ketamine-iv", "2 h", effect=True)),
   hint="compare your Exercise 2 answer with the default.")
ex("patients-quiz-week", "Quiz: do fewer virtual patients respond at day 7 than at 24 h after ketamine? "
   "('yes' or 'no')", kind="choice", choices=YES_NO,
   expected=lambda m: _yes(np.diff(c.response_rates(m, "ketamine-iv", at=("24 h", "7 d"), n=60)["arm"])[0] < 0),
   hint="response_rates(..., at=('24 h', '7 d')).")
ex("score-quiz-gaps", "Quiz: how many checks are marked known gaps?",
   expected=lambda m: int((_card(m)["known gap"] != "").sum()), tol=0.0,
   hint="the table above lists them.")
