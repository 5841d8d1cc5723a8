"""The course's exercises: each one computes its answer from the model (never a
stored number), so the checks follow the model file when it changes.

Notebooks load it with ``course.load_bank()``; ``course.check(name, answer)``
replies "Correct", "Not yet: ..." (the likely confusion, then a hint) or "Not
answered yet: ...". Every exercise names its notebook, gives a hint that is an
idea (``hint``) and a second that names the function to use (``helper``), never
a line of code, and lists the misconceptions it is built to catch (``traps``).
"""

from __future__ import annotations

import math

import numpy as np

import pathway
from pathway import course as c
from pathway.scenarios import apply_intervention

#: Reference keys of the catalogue's rodent studies: their results are behaviour
#: and synapses in mice and rats, not human relief.
ANIMAL_STUDIES = {"maeng2008", "autry2011", "liu2012", "li2010", "modasava2019", "zanos2016"}

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

YES_NO = ("yes", "no")
RAW_ARM = ("that is relief in the drug arm itself, placebo response included; the drug effect is "
           "the arm minus its matched placebo arm")
EDGE_MARK = "# EDGE: the messenger -> mood edge goes here"
ORDER = ["glutamate", "synaptic_proteins", "spines", "relief"]
MEAN_NOT_SHARE = ("that looks like the average relief, not the share of patients whose relief "
                  "crosses the response line: a response rate counts people")


def _define():
    """Register every exercise. The functions that compute the answers are local
    to this call: the checker keeps them, and a notebook that loads the bank
    reaches none of them as an attribute."""
    _NOTEBOOK = [""]


    def ex(name, prompt, **kwargs):
        return c.exercise(name, prompt, notebook=_NOTEBOOK[0], **kwargs)


    def notebook(name):
        _NOTEBOOK[0] = name


    def _peak_time(m, scenario, column, days=2, step_min=5):
        traj = c.run(m, scenario, days=days, step_min=step_min)
        return float(traj.t_h[int(np.argmax(traj[column]))])


    def _peak(m, scenario, column, days=2, step_min=5, dose=None):
        traj = c.run(m, scenario, days=days, step_min=step_min, dose=dose)
        return float(np.max(traj[column]))


    def _half_life(m, drug):
        d = m.drugs[drug]
        return math.log(2) * m.value(d.volume_l) / m.value(d.clearance_l_h)


    def _yes(flag):
        return "yes" if flag else "no"




    # ---------------------------------------------------------------- 01 the explorer
    notebook("01_explorer")
    ex("explorer-first", "Which peaks first after a ketamine infusion: 'dissociation' or 'relief'?",
       kind="choice", choices=("dissociation", "relief"),
       expected=lambda m: "dissociation" if _peak_time(m, "ketamine-iv", m.roles.side_effects[0])
       < _peak_time(m, "ketamine-iv", m.primary) else "relief",
       hint="a side effect that follows the drug in the blood rises and falls with it; relief is built "
       "by slower steps", helper="the 'Colour the pathway at' slider at 30 minutes, then at 24 hours")
    ex("explorer-week", "One week after one infusion, is relief in the ketamine arm 'higher' or 'lower' "
       "than in an SSRI arm one week into daily pills?", kind="choice", choices=("higher", "lower"),
       expected=lambda m: "higher" if c.value_at(m, "ketamine-iv", "7 d")
       > c.value_at(m, "ssri", "7 d") else "lower",
       hint="both arms include a placebo response; compare the two curves themselves at one week",
       helper="the SSRI as the comparison, then both curves at day 7")
    ex("explorer-placebo", "At 24 h, is most of the ketamine arm's relief also in its placebo arm? "
       "('yes' or 'no')", kind="choice", choices=YES_NO,
       expected=lambda m: _yes(c.value_at(m, "ketamine-iv", "24 h")
                               - c.value_at(m, "ketamine-iv", "24 h", effect=True)
                               > 0.5 * c.value_at(m, "ketamine-iv", "24 h")),
       hint="a drug arm's relief is its placebo response plus the drug effect; which part is larger?",
       helper="the matched placebo arm tick box, then the two curves at day 1")
    ex("explorer-quiz-ssri", "Quiz: at 24 h, is the SSRI's drug effect above 0.05? ('yes' or 'no')",
       kind="choice", choices=YES_NO, expected=lambda m: _yes(c.value_at(m, "ssri", "24 h", effect=True) > 0.05),
       hint="what has a daily pill changed in the brain after a single day?",
       helper="the SSRI with its matched placebo arm, at day 1")


    # ---------------------------------------------------------------- 02 a tiny model
    notebook("02_a_tiny_model")




    def _tiny(text):
        return pathway.loads_model(text, source="your tiny model")


    def _judge_edge(text, m):
        if not isinstance(text, str):
            return False, "give the whole model file as text (the my_model string)"
        tiny = _tiny(text)
        edges = [e for e in tiny.edges if e.source == "messenger" and e.target == "mood"]
        if not edges:
            return False, "there is no edge from 'messenger' to 'mood' yet"
        if edges[0].effect != "activates":
            return False, f"the edge {edges[0].effect} mood, so a rising messenger would lower it"
        peak = float(np.max(pathway.simulate(tiny, "one-pill", step_min=30)["mood"]))
        if peak < 0.05:
            return False, f"mood barely moves (peak {peak:.3f}): is the edge's strength zero?"
        return True, f"mood now rises, to {peak:.2f} at its peak"


    def _judge_half_life(text, m):
        if not isinstance(text, str):
            return False, "give the whole model file as text (the my_model string)"
        tiny = _tiny(text)
        hl = _half_life(tiny, "pill")
        if abs(hl - 6) > 0.3:
            side = "volume" if tiny.value(tiny.drugs["pill"].volume_l) != 100 else "clearance"
            return False, (f"the pill's half-life is {hl:.2f} h with this {side}; six hours is the aim"
                           + (" (the exercise changes the clearance and keeps the volume)" if side == "volume" else ""))
        return True, f"half-life {hl:.2f} h"


    ex("tiny-edge", "Add the edge messenger -> mood so that the pill lifts mood.", kind="judge",
       judge=_judge_edge, template=TINY_TEMPLATE, tries=30,
       hint="an edge names a source, a target, an effect and a strength; the pill -> messenger edge "
       "is an example; a node-to-node edge needs no ec50",
       helper="course.write_model, then pathway.load_model: its error message names the line to fix")
    ex("tiny-half-life", "Change the pill's clearance so its half-life is 6 hours.", kind="judge",
       judge=_judge_half_life, template=TINY_TEMPLATE, tries=30,
       hint="half-life = ln 2 × volume / clearance: a longer half-life needs a smaller clearance",
       helper="solve that formula for the clearance, with the volume the file gives")


    def _tiny_tau_peak(text, tau):
        tiny = _tiny(text.replace('tau = "6 h"', f'tau = "{tau}"', 1))
        return pathway.simulate(tiny, "one-pill", step_min=10).peak("mood")[0]


    def _judge_tau(answer, m):
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return False, "give (peak_hour, my_model): the hour you read and your model file"
        hours, text = answer
        if not isinstance(text, str) or 'tau = "6 h"' not in text:
            return False, "the mood node's tau should still read \"6 h\" in my_model; the cell changes it"
        value = c._number(hours)
        want = _tiny_tau_peak(text, "2 h")
        if abs(value - want) > max(0.5, 0.05 * want):
            if abs(value - _tiny_tau_peak(text, "6 h")) <= 0.5:
                return False, "that is when mood peaks with tau = 6 h: run the model with tau = 2 h"
            return False, f"{value:.3g} h is not when mood peaks in your model with tau = 2 h"
        return True, f"with tau = 2 h mood peaks at {want:.3g} h"


    ex("tiny-tau-peak", "Set mood's tau to 2 h: at what hour does mood peak now?", kind="judge",
       judge=_judge_tau, tries=4,
       hint="tau is how long mood takes to follow its input: a shorter tau follows the messenger more "
       "closely, so mood peaks nearer the messenger's peak",
       helper="the traj.peak method of the new run, which returns (hour, value)")
    ex("tiny-quiz-tau", "Quiz: which field sets how fast a node follows its inputs? "
       "('tau', 'strength' or 'ec50')", kind="choice", choices=("tau", "strength", "ec50"),
       expected=lambda m: "tau",
       hint="look at the equation explain printed: which field divides the change per hour?",
       helper="pathway.explain on your model's mood node")
    ex("tiny-quiz-clearance", "Quiz: with the template's pill, double the clearance (20 to 40 L/h): "
       "what is the new half-life, in hours?", unit="h", rel=0.02,
       expected=lambda m: _half_life(_tiny(TINY_TEMPLATE.replace('clearance = "20 L/h"',
                                                                 'clearance = "40 L/h"', 1)), "pill"),
       traps=[(lambda m: 2 * _half_life(_tiny(TINY_TEMPLATE), "pill"),
               "that is twice the old half-life: a faster clearance empties the blood sooner")],
       hint="clearance is volume cleared per hour; clearing twice as fast halves the time to halve",
       helper="half-life = ln 2 × volume / clearance")


    # ---------------------------------------------------------------- 03 the pathway
    notebook("03_the_pathway")


    def _order(m, columns, by="time"):
        traj = c.run(m, "ketamine-iv", days=7, step_min=5)
        moved = {col: np.abs(traj[col] - traj[col][0]) for col in columns}
        if by == "time":
            key = {col: traj.t_h[int(np.argmax(moved[col]))] for col in columns}
        else:
            key = {col: -float(np.max(moved[col])) for col in columns}
        return sorted(columns, key=key.get)


    def _as_ids(answer):
        if isinstance(answer, str):
            items = answer.replace(";", ",").split(",")
        elif isinstance(answer, (list, tuple)):
            items = answer
        else:
            raise c._Unreadable("give the four ids as a list of strings or as one comma-separated string")
        ids = [str(x).strip().strip("'\"").lower() for x in items if str(x).strip()]
        return ids


    def _judge_order(answer, m):
        ids = _as_ids(answer)
        if sorted(ids) != sorted(ORDER):
            missing = [x for x in ORDER if x not in ids]
            extra = [x for x in ids if x not in ORDER]
            raise c._Unreadable("use each of the four ids once: " + ", ".join(ORDER)
                                + (f" (missing {', '.join(missing)})" if missing else "")
                                + (f" (not one of them: {', '.join(extra)})" if extra else ""))
        if ids == _order(m, ORDER):
            return True, "that is the order of the peaks"
        if ids == _order(m, ORDER, by="size") and _order(m, ORDER, by="size") != _order(m, ORDER):
            return False, "that orders the nodes by how high they peak; the question is when they peak"
        if ids == ORDER:
            return False, ("that is the order of the arrows along the pathway; a node fed by several routes "
                           "can peak earlier")
        return False, "that is not the order in which the four nodes peak"


    ex("pathway-order", "Put glutamate, synaptic_proteins, spines and relief in the order of their peaks.",
       kind="judge", judge=_judge_order, tries=3,
       hint="each node lags its inputs by its time constant, but relief has several inputs, some fast",
       helper="summary_table, which lists each node's time of peak")
    ex("pathway-nbqx", "With the nbqx intervention (AMPA block), what is ketamine's drug effect on relief at 24 h?",
       expected=lambda m: c.value_at(apply_intervention(m, "nbqx"), "ketamine-iv", "24 h", effect=True),
       tol=0.005,
       traps=[(lambda m: c.value_at(apply_intervention(m, "nbqx"), "ketamine-iv", "24 h"), RAW_ARM),
              (lambda m: c.value_at(m, "ketamine-iv", "24 h", effect=True),
               "that is the drug effect without the block: apply the intervention to the model first")],
       hint="an intervention returns a changed copy of the model; the drug effect is the arm minus its "
       "matched placebo arm", helper="apply_intervention, then value_at with effect=True")
    ex("pathway-quiz-spines", "Quiz: what share of their peak gain (0-1) have the spines made 3 h after "
       "the infusion?", rel=0.05, tol=0.01,
       expected=lambda m: (c.value_at(m, "ketamine-iv", "3 h", column="spines")
                           - c.value_at(m, "ketamine-iv", "0 h", column="spines"))
       / (_peak(m, "ketamine-iv", "spines", 7) - c.value_at(m, "ketamine-iv", "0 h", column="spines")),
       hint="a gain is measured from the resting level: (value at 3 h − rest) / (peak − rest)",
       helper="value_at with column='spines', and summary_table for the peak")
    ex("pathway-quiz-dissociation", "Quiz: does the AMPA block (nbqx) change peak dissociation? ('yes' or 'no')",
       kind="choice", choices=YES_NO,
       expected=lambda m: _yes(abs(_peak(apply_intervention(m, "nbqx"), "ketamine-iv", m.roles.side_effects[0], 1)
                                   / _peak(m, "ketamine-iv", m.roles.side_effects[0], 1) - 1) > 0.01),
       hint="where does dissociation branch off the pathway: before or after the AMPA step?",
       helper="pathway.explain on the dissociation node, which lists its inputs")


    # ---------------------------------------------------------------- 04 pharmacokinetics
    notebook("04_pharmacokinetics")


    def _fraction_after(days, half_life_h):
        """Share of steady state a daily pill reaches after ``days`` (linear kinetics)."""
        return 1 - 0.5 ** (days * 24 / half_life_h)


    def _days_to_90(m):
        traj = c.run(m, "ssri", days=28, step_min=60)
        col = [d for d in traj.roles["plasma"]][0]
        troughs = np.interp(np.arange(1, 29) * 24 - 0.01, traj.t_h, traj[col])
        return float(np.argmax(troughs >= 0.9 * troughs[-1]) + 1)


    ex("pk-peak", "Peak plasma ketamine (ng/mL) after the 40-minute infusion?",
       expected=lambda m: _peak(m, "ketamine-iv", "ketamine_plasma", 1, 1), rel=0.03, unit="ng/mL",
       hint="an infusion raises the level until it stops; read the highest point, on a fine time grid",
       helper="course.run with step_min=1, then the maximum of the plasma column")
    ex("pk-nasal-time", "When (hours) does esketamine peak in plasma after the nasal spray?",
       expected=lambda m: _peak_time(m, "esketamine-in", "esketamine", 1, 1), tol=0.05, unit="h",
       hint="a spray is absorbed over time: the peak comes when absorption no longer outpaces clearance",
       helper="course.run with a fine step, then the trajectory's peak method")
    ex("pk-steady", "On which day does the daily SSRI's trough first reach 90% of its day-28 trough?",
       kind="integer", expected=_days_to_90, tol=1, unit="d",
       hint="the trough is the level just before the next pill; compare each day's trough with the last one",
       helper="course.run for 28 days, and np.interp at 24 h × day (just before each pill)")
    ex("pk-quiz-halflife", "Quiz: does a longer half-life make a daily pill take 'longer' or 'shorter' "
       "to reach steady state?", kind="choice", choices=("longer", "shorter"),
       expected=lambda m: "longer" if _fraction_after(4, 2 * _half_life(m, "ssri"))
       < _fraction_after(4, _half_life(m, "ssri")) else "shorter",
       hint="each dose is cleared by the half-life; steady state takes a fixed number of half-lives",
       helper="the SSRI's plasma curve in the figure")
    ex("pk-quiz-gone", "Quiz: 24 h after the infusion, when relief is near its peak, plasma ketamine "
       "is what share (0-1) of its peak level?", tol=0.002,
       expected=lambda m: c.value_at(m, "ketamine-iv", "24 h", column="ketamine_plasma")
       / _peak(m, "ketamine-iv", "ketamine_plasma", 1, 1),
       hint="divide the level at 24 h by the peak level of Exercise 1",
       helper="value_at with column='ketamine_plasma'")


    # ---------------------------------------------------------------- 05 dose-response
    notebook("05_dose_response")


    def _effect(dose, t="24 h", column=None):
        return lambda m: c.value_at(m, "ketamine-iv", t, effect=True, dose=dose, column=column)


    ex("dose-effect-1", "Drug effect on relief at 24 h after 1.0 mg/kg racemic ketamine?",
       expected=_effect(1.0), tol=0.005,
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h", dose=1.0), RAW_ARM),
              (_effect(None), "that is the effect at the scenario's own dose; set the dose to 1.0 mg/kg"),
              (lambda m: 2 * _effect(0.5)(m), "that doubles the 0.5 mg/kg effect; a saturating "
               "response does not grow in proportion to the dose")],
       hint="the drug effect is the arm minus its matched placebo arm, here at a dose other than the "
       "scenario's own", helper="value_at with effect=True and dose=1.0")
    ex("dose-plateau", "Drug effect at 24 h after 1.0 mg/kg divided by that after 0.5 mg/kg?", rel=0.02,
       expected=lambda m: _effect(1.0)(m) / _effect(0.5)(m),
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h", dose=1.0)
               / c.value_at(m, "ketamine-iv", "24 h", dose=0.5),
               "that divides the arms themselves; their shared placebo response hides how the drug "
               "effect grows with dose")],
       hint="a ratio of 2 means the effect doubles with the dose; near 1 means a plateau",
       helper="value_at with effect=True at both doses")
    ex("dose-quiz-dissociation", "Quiz: peak dissociation after 1.0 mg/kg divided by that after 0.5 mg/kg?",
       rel=0.02, expected=lambda m: _peak(m, "ketamine-iv", m.roles.side_effects[0], 1, 5, 1.0)
       / _peak(m, "ketamine-iv", m.roles.side_effects[0], 1, 5, 0.5),
       hint="dissociation follows the drug in the blood, not the slow relief route",
       helper="course.run at each dose, then the maximum of the dissociation column")
    ex("dose-quiz-low", "Quiz: the drug effect on relief at 24 h after 0.1 mg/kg?", tol=0.003,
       expected=_effect(0.1), traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h", dose=0.1), RAW_ARM)],
       hint="the same drug effect as Exercise 1, at a tenth of the usual dose",
       helper="value_at with effect=True and dose=0.1")


    # ---------------------------------------------------------------- 06 placebo and blinding
    notebook("06_placebo_and_blinding")


    def _day1_lead(m, inert=None):
        return float(c.response_rates(m, "ketamine-iv", n=600, inert=inert)["difference"].iloc[0])


    ex("placebo-saline-ratio", "Ketamine's 24-hour lead in response rate over saline, divided by its lead "
       "over the masked placebo (600 people, seed 0)?",
       expected=lambda m: _day1_lead(m, "saline") / _day1_lead(m), rel=0.01,
       traps=[(lambda m: _day1_lead(m) / _day1_lead(m, "saline"),
               "that is the ratio upside down: the lead over saline goes on top")],
       hint="a lead is the drug arm's response rate minus its placebo arm's, at 24 h",
       helper="response_rates with n=600, once with inert='saline'; the 'difference' column")
    ex("placebo-share", "What share of the ketamine arm's relief at 24 h is also in its placebo arm (0-1)?",
       expected=lambda m: 1 - c.value_at(m, "ketamine-iv", "24 h", effect=True)
       / c.value_at(m, "ketamine-iv", "24 h"), tol=0.01,
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h", effect=True) / c.value_at(m, "ketamine-iv", "24 h"),
               "that is the drug's share of the arm's relief; the question asks for the placebo arm's share")],
       hint="a share is a part over the whole: the placebo arm's relief over the drug arm's, at the same time",
       helper="drug_effect, which gives the arm and its placebo arm side by side")
    ex("placebo-off", "Set placebo_strength to 0: what is relief in the ketamine arm at 24 h now?",
       expected=lambda m: c.value_at(pathway.set_parameter(m, "placebo_strength", 0.0), "ketamine-iv", "24 h"),
       tol=0.005, traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h"),
                          "that is the arm with the placebo response still on: change the parameter first")],
       hint="setting a parameter returns a changed copy of the model; run the arm on that copy",
       helper="pathway.set_parameter, then value_at")
    ex("placebo-quiz-masked", "Quiz: the model's matched placebo arm is masked, as in Lii 2023 (nobody could tell "
       "what they got). In the model at 24 h, does the placebo arm reach at least half of the ketamine arm's "
       "relief? ('yes' or 'no')",
       kind="choice", choices=YES_NO,
       expected=lambda m: _yes(c.value_at(m, "ketamine-iv", "24 h", effect=True)
                               < 0.5 * c.value_at(m, "ketamine-iv", "24 h")),
       hint="the placebo arm is the drug arm minus the drug effect; set it beside half of the drug arm",
       helper="drug_effect, which gives the arm and its placebo arm side by side")
    ex("placebo-quiz-ssri", "Quiz: by how much does relief in the SSRI's placebo arm rise from week 2 to week 6?",
       tol=0.005,
       expected=lambda m: (c.value_at(m, "ssri", "6 wk", step_min=240) - c.value_at(m, "ssri", "6 wk", effect=True,
                                                                                     step_min=240))
       - (c.value_at(m, "ssri", "2 wk", step_min=240) - c.value_at(m, "ssri", "2 wk", effect=True, step_min=240)),
       hint="the placebo arm is the arm minus the drug effect; take it at both times and subtract",
       helper="drug_effect for the SSRI over 42 days, the 'placebo arm' column")


    # ---------------------------------------------------------------- 07 ketamine against an SSRI
    notebook("07_ketamine_vs_ssri")


    def _cross_day(m, raw=False):
        days = np.arange(1, 57)
        ssri = c.drug_effect(m, "ssri", days=57, step_min=240)
        ket = c.drug_effect(m, "ketamine-iv", days=57, step_min=240)
        col = "arm" if raw else "drug effect"
        a = np.interp(days * 24, ssri.index, ssri[col])
        b = np.interp(days * 24, ket.index, ket[col])
        above = np.nonzero(a > b)[0]
        return float(days[above[0]]) if len(above) else 0.0


    ex("ssri-week6", "SSRI drug effect on relief at week 6 (arm minus matched placebo arm)?",
       expected=lambda m: c.value_at(m, "ssri", "6 wk", effect=True, step_min=240), tol=0.005,
       traps=[(lambda m: c.value_at(m, "ssri", "6 wk", step_min=240), RAW_ARM)],
       hint="the drug effect is what the pill adds over its own placebo arm, at six weeks",
       helper="value_at with effect=True (step_min=240 is fine for weeks)")
    ex("ssri-crossover", "From which day (a whole day, 1 to 56) is the SSRI's drug effect larger than "
       "ketamine's drug effect on the same day? (0 if never)", kind="integer", tol=1, unit="d",
       expected=_cross_day,
       traps=[(lambda m: _cross_day(m, raw=True),
               "that is where the raw arms cross; the goal is the drug effects, each arm minus its placebo arm")],
       hint="one effect fades after one infusion and the other builds with daily pills; compare them day by day",
       helper="drug_effect for both scenarios over 56 days, the 'drug effect' column, read at 24 h × day")
    ex("ssri-quiz", "Quiz: at day 1, does 'ketamine' or the 'ssri' have the larger drug effect?",
       kind="choice", choices=("ketamine", "ssri"),
       expected=lambda m: "ketamine" if c.value_at(m, "ketamine-iv", "24 h", effect=True)
       > c.value_at(m, "ssri", "24 h", effect=True) else "ssri",
       hint="what has each drug done in the brain by day 1?", helper="compare with effect=True")
    ex("ssri-quiz-week6", "Quiz: at week 6, ketamine's drug effect after its one infusion?", tol=0.003,
       expected=lambda m: c.value_at(m, "ketamine-iv", "6 wk", effect=True, step_min=240),
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "6 wk", step_min=240), RAW_ARM)],
       hint="one infusion, six weeks earlier: how long do the new spines last?",
       helper="value_at with effect=True")


    # ---------------------------------------------------------------- 08 suicidal ideation
    notebook("08_suicidal_ideation")


    def _share4(m, column):
        return (c.value_at(m, "ketamine-iv", "4 h", column=column, effect=True)
                / c.value_at(m, "ketamine-iv", "24 h", column=column, effect=True))


    ex("ideation-24h", "Drug effect on suicidal-ideation relief at 24 h?",
       expected=lambda m: c.value_at(m, "ketamine-iv", "24 h", column="ideation_relief", effect=True),
       tol=0.005,
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h", column="ideation_relief"), RAW_ARM),
              (lambda m: c.value_at(m, "ketamine-iv", "24 h", effect=True),
               "that is the drug effect on mood (relief); the question is about ideation_relief")],
       hint="the same arm-minus-placebo difference, on the second outcome",
       helper="value_at with column='ideation_relief' and effect=True")
    ex("ideation-early", "At 4 h, what share (0-1) of its day-1 drug effect has ideation relief reached?",
       rel=0.03, expected=lambda m: _share4(m, "ideation_relief"),
       traps=[(lambda m: _share4(m, m.primary), "that is the share for mood (relief), not for ideation")],
       hint="divide the drug effect at 4 h by the drug effect at 24 h, on ideation_relief",
       helper="value_at with column='ideation_relief' and effect=True, at both times")
    ex("ideation-quiz", "Quiz: how many edges feed ideation_relief in the model?", kind="integer", tol=0,
       expected=lambda m: len([e for e in m.edges if e.target == "ideation_relief"]),
       hint="each arrow into a node is one edge; count those whose target is ideation_relief",
       helper="model.edges, each with a source and a target (or pathway.explain on ideation_relief)")
    ex("ideation-quiz-week", "Quiz: the ideation drug effect at day 7 as a share (0-1) of its day-1 effect?",
       rel=0.03, expected=lambda m: c.value_at(m, "ketamine-iv", "7 d", column="ideation_relief", effect=True)
       / c.value_at(m, "ketamine-iv", "24 h", column="ideation_relief", effect=True),
       hint="day 7 over day 1, both as drug effects", helper="value_at with effect=True at both times")


    # ---------------------------------------------------------------- 09 enantiomers
    notebook("09_enantiomers")
    ex("enantiomer-dissociation", "Peak dissociation after S-ketamine (esketamine-iv) divided by peak "
       "dissociation after R-ketamine (arketamine-iv)?",
       expected=lambda m: _peak(m, "esketamine-iv", m.roles.side_effects[0], 1, 5)
       / max(_peak(m, "arketamine-iv", m.roles.side_effects[0], 1, 5), 1e-9), rel=0.03,
       traps=[(lambda m: max(_peak(m, "arketamine-iv", m.roles.side_effects[0], 1, 5), 1e-9)
               / _peak(m, "esketamine-iv", m.roles.side_effects[0], 1, 5),
               "that is R over S; the question is S over R")],
       hint="dissociation follows NMDA block, and the two forms bind the receptor with different strength",
       helper="course.run for each scenario, then the maximum of the dissociation column")
    ex("enantiomer-hypothesis", "Switch on the 'arketamine' hypothesis: arketamine's drug effect at 24 h?",
       expected=lambda m: c.value_at(pathway.set_hypothesis(m, "arketamine", True), "arketamine-iv", "24 h",
                                     effect=True), tol=0.005,
       traps=[(lambda m: c.value_at(m, "arketamine-iv", "24 h", effect=True),
               "that is the default model, with the hypothesis off"),
              (lambda m: c.value_at(pathway.set_hypothesis(m, "arketamine", True), "arketamine-iv", "24 h"), RAW_ARM)],
       hint="a hypothesis adds a contested edge; the model with it on is a changed copy",
       helper="pathway.set_hypothesis, then value_at with effect=True")
    ex("enantiomer-quiz", "Quiz: in the default model (hypothesis off), arketamine's drug effect on relief at 24 h?",
       tol=0.005, expected=lambda m: c.value_at(m, "arketamine-iv", "24 h", effect=True),
       traps=[(lambda m: c.value_at(pathway.set_hypothesis(m, "arketamine", True), "arketamine-iv", "24 h",
                                    effect=True), "that is the model with the arketamine hypothesis on"),
              (lambda m: c.value_at(m, "arketamine-iv", "24 h"), RAW_ARM)],
       hint="which evidence does the default model follow: the rodent studies or the human trial?",
       helper="value_at with effect=True on the default model")
    ex("enantiomer-quiz-tighter", "Quiz: which binds NMDA receptors more tightly in the model: 'S' or 'R'?",
       kind="choice", choices=("S", "R"),
       expected=lambda m: "S" if m.parameters["esketamine_nmda_ec50"].value
       < m.parameters["arketamine_nmda_ec50"].value else "R",
       hint="a lower EC50 means half the receptors are occupied at a lower level: tighter binding",
       helper="model.parameters, the two *_nmda_ec50 entries")


    # ---------------------------------------------------------------- 10 mechanisms and animals
    notebook("10_mechanisms_and_animals")


    def _rodent_count(m):
        return sum(1 for e in m.experiments.values() if e.reference in ANIMAL_STUDIES)


    ex("animal-count", "How many experiments of the model's catalogue are rodent studies?", kind="integer",
       expected=_rodent_count, tol=0,
       traps=[(lambda m: len(m.experiments), "that counts every experiment, human ones too")],
       hint="an experiment is a rodent study when its reference is one of the rodent studies",
       helper="model.experiments (each has .reference) and bank.ANIMAL_STUDIES")
    ex("mechanism-rest", "Set rest_block_gain to 0 (no NMDA block at rest / eEF2K route): "
       "drug effect on relief at 2 h?",
       expected=lambda m: c.value_at(pathway.set_parameter(m, "rest_block_gain", 0.0), "ketamine-iv", "2 h",
                                     effect=True), tol=0.003,
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "2 h", effect=True),
               "that is the drug effect with the route still on"),
              (lambda m: c.value_at(pathway.set_parameter(m, "rest_block_gain", 0.0), "ketamine-iv", "2 h"), RAW_ARM)],
       hint="switching a route off is setting its gain to zero in a copy of the model",
       helper="pathway.set_parameter, then value_at with effect=True at 2 h")
    ex("mechanism-habenula", "Quiz: does the model contain the lateral habenula? ('yes' or 'no')",
       kind="choice", choices=YES_NO,
       expected=lambda m: _yes(any("habenula" in (n.id + n.label).lower() for n in m.nodes)),
       hint="a model contains only the nodes its file lists", helper="model.nodes, their ids and labels")
    ex("mechanism-quiz-rest", "Quiz: what share (0-1) of ketamine's 2 h drug effect is lost without the "
       "rest-block route?", tol=0.01,
       expected=lambda m: 1 - c.value_at(pathway.set_parameter(m, "rest_block_gain", 0.0), "ketamine-iv", "2 h",
                                         effect=True) / c.value_at(m, "ketamine-iv", "2 h", effect=True),
       traps=[(lambda m: c.value_at(pathway.set_parameter(m, "rest_block_gain", 0.0), "ketamine-iv", "2 h",
                                    effect=True) / c.value_at(m, "ketamine-iv", "2 h", effect=True),
               "that is the share kept; the question asks for the share lost")],
       hint="the share lost is one minus the share kept: the effect without the route over the effect with it",
       helper="your Exercise 2 answer and value_at on the default model")


    def _naltrexone_share(m, opioid=True):
        """Share of ketamine's 24 h drug effect left after naltrexone pretreatment."""
        m = pathway.set_hypothesis(m, "opioid", opioid)
        with_ntx = c.value_at(apply_intervention(m, "naltrexone"), "ketamine-iv", "24 h", effect=True)
        return with_ntx / c.value_at(m, "ketamine-iv", "24 h", effect=True)


    ex("opioid-share", "With the opioid hypothesis on, what share (0-1) of ketamine's 24 h drug effect is "
       "left after naltrexone pretreatment?", tol=0.01, expected=_naltrexone_share,
       traps=[(lambda m: _naltrexone_share(m, opioid=False),
               "that is with the opioid hypothesis off: the model then has no opioid step for naltrexone "
               "to block, so nothing changes"),
              (lambda m: 1 - _naltrexone_share(m), "that is the share lost; the question asks for the share "
               "left"),
              (lambda m: c.value_at(apply_intervention(pathway.set_hypothesis(m, "opioid", True), "naltrexone"),
                                    "ketamine-iv", "24 h", effect=True),
               "that is the drug effect with naltrexone itself; divide it by the effect without naltrexone")],
       hint="switch the hypothesis on in a copy of the model, then compare the drug effect with and without "
       "the naltrexone intervention",
       helper="pathway.set_hypothesis, apply_intervention with the naltrexone intervention, and value_at "
       "with effect=True")
    ex("opioid-quiz-both", "Quiz: with the opioid hypothesis on, does the model agree with both Williams 2018 "
       "(naltrexone blunted the effect) and Yoon 2019 (naltrexone left it whole)? ('yes' or 'no')",
       kind="choice", choices=YES_NO,
       expected=lambda m: _yes(_naltrexone_share(m) <= 0.5 and _naltrexone_share(m) >= 0.9),
       hint="one switch cannot give both a blunted and an intact effect; a model with the switch on sides "
       "with one study", helper="your opioid-share answer, against 0.5 (blunted) and 0.9 (intact)")


    # ---------------------------------------------------------------- 11 virtual patients
    notebook("11_virtual_patients")


    def _rates(m):
        return c.response_rates(m, "ketamine-iv", at=("24 h",), n=60)


    def _mean_relief(m, placebo=False):
        from pathway.population import simulate_population
        from pathway.scenarios import placebo_arm
        sc = placebo_arm(m, "ketamine-iv") if placebo else "ketamine-iv"
        return float(simulate_population(m, sc, n=60, seed=0, at="24h").outcome[:, 0].mean())


    ex("patients-24h", "Share of 60 virtual patients (seed 0) responding at 24 h after ketamine?",
       expected=lambda m: float(_rates(m)["arm"].iloc[0]), tol=0.005,
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h"), MEAN_NOT_SHARE),
              (_mean_relief, MEAN_NOT_SHARE),
              (lambda m: float(_rates(m)["difference"].iloc[0]),
               "that is the difference between the arms; the question asks for the ketamine arm itself")],
       hint="a response rate is a count of people over the response line (as one interview finds them), "
       "divided by all of them",
       helper="response_rates at 24 h with n=60, the 'arm' column")
    ex("patients-placebo", "... and in its matched placebo arm?",
       expected=lambda m: float(_rates(m)["placebo arm"].iloc[0]), tol=0.005,
       traps=[(lambda m: c.value_at(m, "ketamine-iv", "24 h") - c.value_at(m, "ketamine-iv", "24 h", effect=True),
               MEAN_NOT_SHARE), (lambda m: _mean_relief(m, placebo=True), MEAN_NOT_SHARE)],
       hint="the same count, in the placebo arm", helper="the same table, its 'placebo arm' column")
    def _drift_raises(m):
        from pathway.modelfile import set_parameter
        still = set_parameter(m, "course_spread", 0.0)
        week = ("7 d",)
        return float(c.response_rates(m, "ketamine-iv", at=week, n=60)["placebo arm"].iloc[0]) > \
            float(c.response_rates(still, "ketamine-iv", at=week, n=60)["placebo arm"].iloc[0])


    ex("patients-drift", "A week after the infusion, does the drift of each person's course 'raise' or 'lower' "
       "the share of the placebo arm counted as responders? ('raise' or 'lower')",
       kind="choice", choices=("raise", "lower"), expected=lambda m: "raise" if _drift_raises(m) else "lower",
       hint="the drift has mean zero, but a week on most people in the placebo arm sit far below the response "
       "line: spreading them sends some across it, and none of those above it are left to fall back",
       helper="response_rates at 7 d, once with the model and once with course_spread set to 0")
    ex("patients-quiz", "Quiz: can a person 'respond' on placebo in the model? ('yes' or 'no')",
       kind="choice", choices=YES_NO,
       expected=lambda m: _yes(float(_rates(m)["placebo arm"].iloc[0]) > 0),
       hint="response is a line on relief, whatever produced the relief", helper="your Exercise 2 answer")
    ex("patients-quiz-week", "Quiz: the change in the ketamine arm's response rate from 24 h to day 7 "
       "(day 7 minus 24 h; negative if it falls)?", tol=0.005,
       expected=lambda m: float(np.diff(c.response_rates(m, "ketamine-iv", at=("24 h", "7 d"), n=60)["arm"])[0]),
       traps=[(lambda m: -float(np.diff(c.response_rates(m, "ketamine-iv", at=("24 h", "7 d"), n=60)["arm"])[0]),
               "mind the sign: day 7 minus 24 h")],
       hint="the same 60 people, read at two times", helper="response_rates with at=('24 h', '7 d')")


    # ---------------------------------------------------------------- 12 scorecard and limitations
    notebook("12_scorecard_limits_glossary")


    def _card(m):
        return c.scorecard(m)


    def _close_calls(m):
        card = _card(m)
        two_sided = np.isfinite(card["low"]) & np.isfinite(card["high"])
        width = card["high"] - card["low"]
        near = ((card["model"] - card["low"]) < 0.1 * width) | ((card["high"] - card["model"]) < 0.1 * width)
        return sorted(card[card["passes"] & two_sided & near].index)


    def _judge_close(answer, m):
        if isinstance(answer, str) or not hasattr(answer, "__iter__"):
            raise c._Unreadable("give a list of ids, such as ['T1a', 'T3b'] (an empty list if none)")
        ids = sorted(str(x).strip() for x in answer)
        card = _card(m)
        unknown = [i for i in ids if i not in card.index]
        if unknown:
            raise c._Unreadable(f"not scorecard ids: {', '.join(unknown[:5])}")
        want = _close_calls(m)
        if ids == want:
            return True, f"{len(want)} close call{'s' if len(want) != 1 else ''}"
        failing = [i for i in ids if not card.loc[i, "passes"]]
        if failing:
            return False, f"{', '.join(failing)} do{'es' if len(failing) == 1 else ''} not pass: a close call is a pass"
        open_ended = [i for i in ids if not (np.isfinite(card.loc[i, "low"]) and np.isfinite(card.loc[i, "high"]))]
        if open_ended:
            return False, (f"{', '.join(open_ended)} ha{'s' if len(open_ended) == 1 else 've'} a band open at one "
                           "end ('at least', 'at most'): it has no width, so no value is near its edge by this rule")
        return False, "that is not the list of passing two-sided checks within a tenth of the width of an edge"


    ex("score-passing", "How many scorecard checks does the model pass?", kind="integer",
       expected=lambda m: int(_card(m)["passes"].sum()), tol=0,
       traps=[(lambda m: len(_card(m)), "that counts every check, passing or not")],
       hint="a pass is a model value inside its published band; count the passes",
       helper="course.scorecard, its 'passes' column")
    ex("score-close", "List the ids of the passing checks with a two-sided band whose model value lies "
       "within a tenth of the band's width of either edge.", kind="judge", judge=_judge_close, tries=4,
       hint="a band open at one end has no width; of the others, measure the distance to the nearer edge in "
       "units of the width",
       helper="course.scorecard: its 'low', 'high', 'model' and 'passes' columns, and np.isfinite")
    ex("score-quiz", "Quiz: is a check that passes proof that the mechanism is right? ('yes' or 'no')",
       kind="choice", choices=YES_NO,
       # a conceptual question: a met check shows that the numbers agree, not that the
       # mechanism behind them is the right one (T26a-d are two rival mechanisms' checks)
       expected=lambda m: "no",
       hint="can two different mechanisms give the same number?", helper="the checks T26a to T26d")
    ex("score-quiz-gaps", "Quiz: how many checks are marked known gaps?", kind="integer",
       expected=lambda m: int((_card(m)["known gap"] != "").sum()), tol=0,
       hint="a known gap is a miss the authors have explained in the targets file",
       helper="course.scorecard, its 'known gap' column (empty when there is none)")



_define()
