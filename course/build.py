"""Writes the course's notebooks: each student notebook in notebooks/ and its key
(the same notebook with the solutions filled in) in notebooks/instructor/.

    python notebooks/_build.py

Edit the course here, not in the .ipynb files. An exercise cell is given twice:
what the student sees (a blank answer) and the instructor's solution.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import course_bank  # noqa: E402

SETUP = """\
import matplotlib.pyplot as plt
import pathway
from pathway import course
from pathway.course import (check, quiz, predict, reveal, compare, drug_effect, value_at,
                            summary_table, response_rates, plot_arms, plot_published)
bank = course.load_bank()      # the exercises (notebooks/course_bank.py)
model = course.model()         # the default model, models/ketamine.toml"""

NOTE = "*A teaching model, not medical advice.*"


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


def ex(student, key):
    return ("ex", student.strip("\n"), key.strip("\n"))


def goals(title, items):
    return md(f"# {title}\n\n**Learning goals.** After this notebook you can\n"
              + "\n".join(f"- {i}" for i in items) + f"\n\n{NOTE}")


def summary(items):
    return md("## Summary\n\n" + "\n".join(f"- {i}" for i in items))


COURSE: dict[str, list] = {}

# ---------------------------------------------------------------------------- 01
COURSE["01_explorer"] = [
    goals("1. Explore first", [
        "change a parameter and see at once how the mechanism and the relief curves respond;",
        "switch interventions and contested hypotheses on and off, and compare scenarios;",
        "say which parameters mostly set the *speed* of relief and which set its *size*."]),
    md("""
This is the same page as the web site that `pathway site` writes: the model runs in your browser,
so every change redraws at once. There is no code to write in this notebook: look, click, and answer
three questions by typing a word between the quotes.

On the right (below the figure on a narrow screen): **Things to try** (guided questions),
**Treatment** (what is given, its dose, a comparison and the matched placebo arms), **Interventions**
(virtual experiments, drawn on the pathway), **Contested hypotheses** (off by default) and
**Parameters** (sliders whose ranges and units come from the model file). The **Colour the pathway
at** slider picks the moment the pathway shows: blue means less active than at rest, orange more (see
the colour key). A grey ghost keeps the curve from before your last change. Click a box or an arrow to
read its description, evidence grade and studies. **Reset everything** puts it all back.

The page needs a browser (JupyterLab or Notebook); run headless, the cell below only stores it."""),
    code(SETUP),
    code("explorer = pathway.explore()\nexplorer"),
    md("""
**Try it.** Open *Parameters* and move *spine lifetime* (how long new spines last) to its longest.
Does ketamine's relief start sooner, last longer, or both? Then tick *nbqx* (AMPA block): which curve
changes, and does dissociation change (pick it under *Also show*)?

Once the page has drawn, `explorer.state` holds the scenario, interventions, hypotheses and parameters
you chose."""),
    md("## Exercise 1\nColour the pathway at 30 minutes and at 24 hours after ketamine. "
       "Which peaks first: `'dissociation'` or `'relief'`?"),
    ex('first = ...      # type "dissociation" or "relief"\ncheck("explorer-first", first)',
       'first = "dissociation"\ncheck("explorer-first", first)'),
    md("## Exercise 2\nChoose the SSRI as the comparison. One week in, is relief after one ketamine "
       "infusion `'higher'` or `'lower'` than after a week of daily SSRI pills?"),
    ex('week = ...\ncheck("explorer-week", week)', 'week = "lower"\ncheck("explorer-week", week)'),
    md("## Self-check quiz\nTick the matched placebo arm. At 24 h, is most of the ketamine arm's relief "
       "also in its placebo arm (`'yes'` or `'no'`)?"),
    ex('quiz({"explorer-placebo": ...,\n      "explorer-quiz-ssri": ...})',
       'quiz({"explorer-placebo": "yes",\n      "explorer-quiz-ssri": "no"})'),
    md("The numbers behind your answers, from the model:"),
    code("compare(model, ['ketamine-iv', 'ssri'], at=('30 min', '24 h', '7 d'))"),
    summary([
        "Time constants set the speed of each step; strengths and the relief half-drive set the size.",
        "Interventions cut edges, so whatever lies downstream of the cut goes quiet.",
        "Hypotheses add contested edges; switching them on shows what each idea predicts.",
        "Much of the relief in a drug arm is also in its placebo arm: the drug effect is the difference."]),
]

# ---------------------------------------------------------------------------- 02
TINY = course_bank.TINY_TEMPLATE
TINY_KEY = (TINY.replace("# EDGE: the messenger -> mood edge goes here",
                         '[[edges]]\nsource = "messenger"\ntarget = "mood"\neffect = "activates"\n'
                         'strength = 1.0\ngrade = "moderate"\ncitations = ["made-up"]')
            .replace('[drugs.pill]\nclearance = "20 L/h"', '[drugs.pill]\nclearance = "11.55 L/h"'))
COURSE["02_a_tiny_model"] = [
    goals("2. A tiny model of your own", [
        "read and write a model file: nodes, edges, a drug and a scenario;",
        "turn a drug's clearance and volume into a half-life;",
        "simulate your model and read when its outcome peaks."]),
    md("""
Before the full pathway, build a small one. A **model file** is plain text (TOML): *nodes* (a drug,
a messenger, a readout), *edges* (who activates or inhibits whom, and how strongly), the drug's
*pharmacokinetics* (clearance, volume, routes) and *scenarios* (what is given, when). The package turns
it into equations and solves them. `models/toy.toml` is a 9-node example with comments."""),
    code(SETUP),
    md("""
## Exercise 1: add an edge
The file below has a pill that raises a messenger, but nothing connects the messenger to mood. Replace
the `# EDGE` comment with an `[[edges]]` entry from `messenger` to `mood` that activates it."""),
    ex(f'my_model = """{TINY}"""\npath = course.write_model(my_model, "tiny.toml")\n'
       'check("tiny-edge", my_model)',
       f'my_model = """{TINY_KEY}"""\npath = course.write_model(my_model, "tiny.toml")\n'
       'check("tiny-edge", my_model)'),
    md("Load and run it (this works with the template too; mood just stays flat):"),
    code("tiny = pathway.load_model(path)\ntraj = pathway.simulate(tiny, 'one-pill', step_min=10)\n"
         "traj.to_pandas()[['pill', 'messenger', 'mood']].plot(subplots=True, figsize=(7, 5));\n"
         "plt.xlabel('hours'); plt.show()"),
    md("""
## Exercise 2: a half-life of 6 hours
Elimination half-life = ln 2 × volume / clearance. Change the pill's `clearance` in `my_model` above so
its half-life is 6 hours, run the cells again, then check."""),
    code("import math\nd = tiny.drugs['pill']\nprint(f'half-life now: {math.log(2) * tiny.value(d.volume_l) "
         "/ tiny.value(d.clearance_l_h):.2f} h')"),
    ex('check("tiny-half-life", my_model)', 'check("tiny-half-life", my_model)'),
    md("## Exercise 3: predict, then read the peak\nFirst record when you expect mood to peak (hours)."),
    ex("predict('mood peak', ...)", "predict('mood peak', 8)"),
    ex('peak_hour = ...        # read it from traj\ncheck("tiny-peak-time", (peak_hour, my_model))',
       'peak_hour = traj.peak("mood")[0]\ncheck("tiny-peak-time", (peak_hour, my_model))'),
    code("reveal('mood peak', traj.peak('mood')[0])"),
    md("## Self-check quiz\nWhich node field sets how fast a node follows its inputs: "
       "`'tau'`, `'strength'` or `'ec50'`?"),
    ex('quiz({"tiny-quiz-tau": ...,\n      "tiny-quiz-clearance": ...})',
       'quiz({"tiny-quiz-tau": "tau",\n      "tiny-quiz-clearance": "half"})'),
    summary([
        "A model is a graph in a text file; the package compiles it into equations.",
        "A drug's half-life comes from its volume and clearance; slower clearance, longer exposure.",
        "Each node lags its inputs by its time constant, so the outcome peaks after the drug."]),
]

# ---------------------------------------------------------------------------- 03
COURSE["03_the_pathway"] = [
    goals("3. The pathway, step by step", [
        "follow ketamine from NMDA block to relief, node by node;",
        "read the order of the peaks, and compare when relief and the spines peak;",
        "cut an edge (a virtual experiment) and say what falls downstream."]),
    code(SETUP),
    md("""
The full model has a fast route (NMDA block on interneurons → glutamate surge → AMPA → BDNF → mTOR →
synaptic proteins → spines), a placebo and care route, and an SSRI route. The table lists each node's
peak after one ketamine infusion, ordered by time. The columns are relative to rest (1 = resting
level) except readouts (0-1)."""),
    code("summary_table(model, 'ketamine-iv', days=7)"),
    md("**Predict** the order of the peaks of glutamate, synaptic proteins, spines and relief."),
    ex("predict('order', ...)", "predict('order', 'glutamate, synaptic_proteins, spines, relief')"),
    md("## Exercise 1\nWrite the order the model gives (ids, comma-separated)."),
    ex('order = ...\ncheck("pathway-order", order)',
       'order = "glutamate, synaptic_proteins, relief, spines"\ncheck("pathway-order", order)'),
    code("t = summary_table(model, 'ketamine-iv', days=7)\n"
         "print(f\"relief peaks at {t.loc[model.node('relief').label, 'peak at']}, \"\n"
         "      f\"spines at {t.loc[model.node('spines').label, 'peak at']}: early relief is carried by \"\n"
         "      'proteins and the fast route, and much of it is the placebo response (notebook 6).')"),
    md("## Exercise 2: a virtual experiment\nApply the `nbqx` intervention (AMPA receptor block, a rodent "
       "experiment: Maeng 2008) and compute ketamine's drug effect on relief at 24 h."),
    ex('from pathway.scenarios import apply_intervention\neffect = ...\ncheck("pathway-nbqx", effect)',
       'from pathway.scenarios import apply_intervention\n'
       'effect = value_at(apply_intervention(model, "nbqx"), "ketamine-iv", "24 h", effect=True)\n'
       'check("pathway-nbqx", effect)'),
    code("print(f\"without the block: {value_at(model, 'ketamine-iv', '24 h', effect=True):.2f}\")"),
    md("## Self-check quiz\nAt 3 h, have the spines already made half of their gain (`'yes'`/`'no'`)?"),
    ex('quiz({"pathway-quiz-spines": ...,\n      "pathway-quiz-dissociation": ...})',
       'quiz({"pathway-quiz-spines": "no",\n      "pathway-quiz-dissociation": "no"})'),
    summary([
        "Each step lags the one before, but relief is fed by several steps, so it can peak before spines.",
        "Cutting an edge silences everything downstream of it: the logic of a knockout experiment.",
        "`pathway explain` and `compile_model` show the equations behind each node."]),
]

# ---------------------------------------------------------------------------- 04
COURSE["04_pharmacokinetics"] = [
    goals("4. Pharmacokinetics: how much drug, where, for how long", [
        "compare an IV infusion, a nasal spray and a daily pill;",
        "read peaks and half-lives from a simulated plasma curve;",
        "say how long a daily pill takes to reach steady state, and why."]),
    code(SETUP),
    code("import numpy as np\nfig, axes = plt.subplots(1, 3, figsize=(12, 3.2))\n"
         "for ax, (name, col, days) in zip(axes, [('ketamine-iv', 'ketamine_plasma', 1),\n"
         "                                        ('esketamine-in', 'esketamine', 1), ('ssri', 'ssri', 14)]):\n"
         "    tr = course.run(model, name, days=days, step_min=5)\n"
         "    ax.plot(tr.t_h, tr[col], color=tr.roles['color'])\n"
         "    ax.set_title(course.arm_label(model, name), fontsize=9); ax.set_xlabel('hours')\n"
         "axes[0].set_ylabel('plasma (ng/mL)'); plt.tight_layout(); plt.show()"),
    md("## Exercise 1\nFind the peak plasma ketamine level after the 40-minute infusion (ng/mL)."),
    ex('peak = ...\ncheck("pk-peak", peak)',
       'peak = course.run(model, "ketamine-iv", days=1, step_min=1)["ketamine_plasma"].max()\n'
       'check("pk-peak", peak)'),
    md("## Exercise 2\nWhen (hours after the spray) does esketamine peak in plasma after nasal dosing?"),
    ex('t_peak = ...\ncheck("pk-nasal-time", t_peak)',
       't_peak = course.run(model, "esketamine-in", days=1, step_min=1).peak("esketamine")[0]\n'
       'check("pk-nasal-time", t_peak)'),
    md("## Exercise 3: steady state\nA daily pill builds up until intake equals elimination. On which day "
       "does the SSRI's trough (the level just before a pill) first reach 90% of its day-28 trough?"),
    ex('day = ...\ncheck("pk-steady", day)',
       'tr = course.run(model, "ssri", days=28, step_min=60)\n'
       'troughs = np.interp(np.arange(1, 29) * 24 - 0.01, tr.t_h, tr["ssri"])\n'
       'day = int(np.argmax(troughs >= 0.9 * troughs[-1]) + 1)\ncheck("pk-steady", day)'),
    md("The published numbers beside the model (peaks, half-lives, bioavailability):"),
    code("plot_published(model, ['T1a', 'T1b', 'T1c', 'T1d', 'T3a', 'T3b', 'T3c'],\n"
         "               title='Pharmacokinetics: published (grey) and model (dots)');"),
    md("## Self-check quiz\nA longer half-life makes a daily pill take `'longer'` or `'shorter'` to "
       "reach steady state?"),
    ex('quiz({"pk-quiz-halflife": ...,\n      "pk-quiz-gone": ...})',
       'quiz({"pk-quiz-halflife": "longer",\n      "pk-quiz-gone": "yes"})'),
    summary([
        "An infusion peaks when it ends; a spray peaks within the hour; pills build up over days.",
        "Ketamine has left the blood long before relief peaks: the effect outlasts the drug.",
        "Steady state takes about four to five half-lives."]),
]

# ---------------------------------------------------------------------------- 05
COURSE["05_dose_response"] = [
    goals("5. Dose-response", [
        "run one scenario at several doses;",
        "see the plateau in relief and the steady rise of dissociation;",
        "compare the model's dose-response with a published dose-finding trial."]),
    code(SETUP),
    code("import pandas as pd\ndoses = [0.1, 0.2, 0.5, 1.0]\n"
         "table = pd.DataFrame({d: [value_at(model, 'ketamine-iv', '24 h', effect=True, dose=d),\n"
         "                          course.run(model, 'ketamine-iv', days=1, dose=d, step_min=5)['dissociation'].max()]\n"
         "                      for d in doses}, index=['drug effect at 24 h', 'peak dissociation']).T\n"
         "table.index.name = 'dose (mg/kg)'\ntable.round(3)"),
    md("**Predict** the drug effect at 24 h after 1.0 mg/kg before you compute it."),
    ex("predict('effect at 1 mg/kg', ...)", "predict('effect at 1 mg/kg', 0.3)"),
    md("## Exercise 1\nCompute the drug effect on relief at 24 h after 1.0 mg/kg."),
    ex('effect_1 = ...\ncheck("dose-effect-1", effect_1)',
       'effect_1 = value_at(model, "ketamine-iv", "24 h", effect=True, dose=1.0)\n'
       'check("dose-effect-1", effect_1)'),
    code("reveal('effect at 1 mg/kg', value_at(model, 'ketamine-iv', '24 h', effect=True, dose=1.0))"),
    md("## Exercise 2\nFrom 0.5 to 1.0 mg/kg, does the day-1 effect `'doubles'` or reach a `'plateau'`?"),
    ex('shape = ...\ncheck("dose-plateau", shape)', 'shape = "plateau"\ncheck("dose-plateau", shape)'),
    code("plot_published(model, ['T22a', 'T22b', 'T22c', 'T22d', 'T22e'],\n"
         "               title='Dose-response (Fava 2020): published (grey) and model (dots)');"),
    md("## Self-check quiz"),
    ex('quiz({"dose-quiz-dissociation": ...,\n      "dose-quiz-low": ...})',
       'quiz({"dose-quiz-dissociation": "dissociation",\n      "dose-quiz-low": "yes"})'),
    summary([
        "Relief saturates above the usual 0.5 mg/kg; dissociation keeps rising with dose.",
        "So a higher dose mostly buys side effects: the model's reading of the dose-finding trial."]),
]

# ---------------------------------------------------------------------------- 06
COURSE["06_placebo_and_blinding"] = [
    goals("6. Placebo and blinding", [
        "split relief in a drug arm into the placebo response and the drug effect;",
        "explain an active placebo and why blinding ketamine is hard;",
        "read the masked ketamine trial (Lii 2023) with the model."]),
    code(SETUP),
    md("""
Relief in a **drug arm** includes everything that also happens on placebo: expecting to improve,
being cared for, regression to the mean. A trial's **drug effect** is the arm minus its matched
placebo arm. Ketamine makes people feel strange within minutes, so patients (and raters) often guess
which arm they are in; trials therefore use an **active placebo** (midazolam, which also sedates).
Lii 2023 went further: patients received ketamine or placebo *during surgical anaesthesia*, so no one
could tell, and both arms improved about equally."""),
    code("plot_arms(model, 'ketamine-iv', days=7); plt.show()\n"
         "drug_effect(model, 'ketamine-iv', days=7).loc[[0, 24, 72, 168]].round(3)"),
    md("## Exercise 1\nWhat share of the ketamine arm's relief at 24 h is also in its placebo arm?"),
    ex('share = ...\ncheck("placebo-share", share)',
       'd = drug_effect(model, "ketamine-iv", days=2).loc[24]\n'
       'share = d["placebo arm"] / d["arm"]\ncheck("placebo-share", share)'),
    md("## Exercise 2\nSwitch the placebo response off (`placebo_strength` = 0). Relief in the ketamine arm "
       "at 24 h?"),
    ex('no_placebo = ...\nrelief = ...\ncheck("placebo-off", relief)',
       'no_placebo = pathway.set_parameter(model, "placebo_strength", 0)\n'
       'relief = value_at(no_placebo, "ketamine-iv", "24 h")\ncheck("placebo-off", relief)'),
    code("print(model.parameters['placebo_strength'].describe())"),
    md("""
## Saline: a placebo that patients recognise
A saline infusion feels like nothing, so many patients soon work out that they got the placebo.
Pooling the patient-level data of nine trials, Wilkinson 2019 found about 1% responding a day after
saline and 18% after midazolam, while the ketamine arms did equally well against either. The model's
matched placebo arm is a masked one; `inert="saline"` gives the saline arm instead: the same visit,
but a tenth of its expectancy (a calibration to that 1%)."""),
    code('masked = response_rates(model, "ketamine-iv", n=600)\n'
         'saline = response_rates(model, "ketamine-iv", n=600, inert="saline")\n'
         'masked.assign(**{"saline arm": saline["placebo arm"], "difference from saline": saline["difference"]})'),
    md("## Exercise 3\nKetamine's lead in day-7 response rate over saline, divided by its lead over the "
       "masked placebo (600 people, seed 0). Which design makes ketamine look better, and by how much?"),
    ex('ratio = ...\ncheck("placebo-saline-ratio", ratio)',
       'ratio = saline.loc[saline.index[1], "difference"] / masked.loc[masked.index[1], "difference"]\n'
       'check("placebo-saline-ratio", ratio)'),
    md("## Self-check quiz\nIn the masked trial, did the placebo arm improve about as much as the ketamine "
       "arm (`'yes'`/`'no'`)?"),
    ex('quiz({"placebo-quiz-masked": ...,\n      "placebo-quiz-ssri": ...})',
       'quiz({"placebo-quiz-masked": "yes",\n      "placebo-quiz-ssri": "yes"})'),
    code("plot_published(model, ['T20a', 'T20b', 'T20c', 'T21a', 'T31c'], "
         "title='Placebo arms: published and model');"),
    summary([
        "Relief in a drug arm includes the placebo response; only the difference is the drug's.",
        "Unblinding inflates the drug effect; active placebos and masking reduce it.",
        "A saline arm that patients recognise loses most of the placebo response, so the same drug "
        "leads saline by far more than it leads a masked placebo.",
        "The model's placebo strength is calibrated on placebo-arm response rates, not measured."]),
]

# ---------------------------------------------------------------------------- 07
COURSE["07_ketamine_vs_ssri"] = [
    goals("7. Ketamine against an SSRI", [
        "compare hours against weeks with the drug effect, not the raw arms;",
        "put response rates over the first week beside the trials;",
        "find when a daily SSRI catches up."]),
    code(SETUP),
    code("fig, ax = plt.subplots(figsize=(8, 3.6))\n"
         "plot_arms(model, ['ketamine-iv', 'ssri'], days=56, effect=True, ax=ax, step_min=120); plt.show()\n"
         "compare(model, ['ketamine-iv', 'ssri'], at=('24 h', '7 d', '6 wk'), effect=True, step_min=120)"),
    md("## Exercise 1\nThe SSRI's drug effect on relief at week 6."),
    ex('ssri_6 = ...\ncheck("ssri-week6", ssri_6)',
       'ssri_6 = value_at(model, "ssri", "6 wk", effect=True, step_min=240)\ncheck("ssri-week6", ssri_6)'),
    md("## Exercise 2\nFrom which day is relief in the SSRI arm above relief in the ketamine arm at day 1? "
       "(a whole day, or `'never'`)"),
    ex('day = ...\ncheck("ssri-crossover", day)',
       'import numpy as np\nlevel = value_at(model, "ketamine-iv", "24 h")\n'
       'tr = course.run(model, "ssri", days=56, step_min=240)\n'
       'days = np.arange(1, 57)\nabove = np.interp(days * 24, tr.t_h, tr[model.primary]) > level\n'
       'day = int(days[above][0]) if above.any() else "never"\ncheck("ssri-crossover", day)'),
    md("Response rates (virtual patients) over the first week, beside the trials:"),
    code("response_rates(model, 'ketamine-iv', at=('40 min', '24 h', '7 d'), n=60)"),
    code("plot_published(model, ['T24a', 'T24b', 'T31a', 'T31b', 'T31c', 'T25a', 'T25b', 'T25d', 'T25e'],\n"
         "               title='Onset, first week and SSRI weeks: published and model');"),
    md("## Self-check quiz"),
    ex('quiz({"ssri-quiz": ...,\n      "ssri-quiz-week6": ...})',
       'quiz({"ssri-quiz": "ketamine",\n      "ssri-quiz-week6": "ssri"})'),
    summary([
        "Ketamine's drug effect arrives within hours and fades within weeks (the figure shows how fast).",
        "An SSRI's drug effect is small and grows over weeks; its arm rises mostly with placebo and care.",
        "Where the model misses a published number, the scorecard marks it a known gap (notebook 12)."]),
]

# ---------------------------------------------------------------------------- 08
COURSE["08_suicidal_ideation"] = [
    goals("8. Suicidal ideation", [
        "read a second outcome (`ideation_relief`) beside mood;",
        "see that ideation relief comes earlier in the model than mood relief;",
        "compare both with the trials."]),
    code(SETUP),
    code("compare(model, ['ketamine-iv'], at=('4 h', '24 h', '7 d'), column='ideation_relief', effect=True)"),
    md("## Exercise 1\nDrug effect on ideation relief at 24 h."),
    ex('ide = ...\ncheck("ideation-24h", ide)',
       'ide = value_at(model, "ketamine-iv", "24 h", column="ideation_relief", effect=True)\n'
       'check("ideation-24h", ide)'),
    md("## Exercise 2\nAt 4 h, which has reached a larger share of its day-1 effect: `'ideation'` or `'mood'`?"),
    ex('early = ...\ncheck("ideation-early", early)',
       'def share(col):\n    return (value_at(model, "ketamine-iv", "4 h", column=col, effect=True)\n'
       '            / value_at(model, "ketamine-iv", "24 h", column=col, effect=True))\n'
       'early = "ideation" if share("ideation_relief") > share(model.primary) else "mood"\n'
       'check("ideation-early", early)'),
    code("plot_published(model, ['T27a', 'T27b', 'T27c'], title='Suicidal ideation: published and model');"),
    md("## Self-check quiz\nIs ideation relief fed by more than one route in the model (`'yes'`/`'no'`)?"),
    ex('quiz({"ideation-quiz": ...,\n      "ideation-quiz-week": ...})',
       'quiz({"ideation-quiz": "yes",\n      "ideation-quiz-week": "yes"})'),
    code("[(e.source, e.effect, e.target) for e in model.edges if e.target == 'ideation_relief']"),
    summary([
        "Ketamine lowers suicidal ideation within a day, partly apart from mood.",
        "The model is a teaching model: no dose advice, no clinical decisions."]),
]

# ---------------------------------------------------------------------------- 09
COURSE["09_enantiomers"] = [
    goals("9. S and R: the enantiomers", [
        "compare esketamine (S) and arketamine (R) at equal doses;",
        "switch on the arketamine hypothesis and see what it predicts;",
        "say why the rodent and human results on R-ketamine disagree."]),
    code(SETUP),
    md("""
Racemic ketamine is half S, half R. S binds NMDA receptors several times more tightly. In rodents,
R-ketamine gave longer-lasting antidepressant-like effects with fewer side effects (the arketamine
hypothesis); the first randomised human trial found little effect. The default model follows the
human trial; the hypothesis `arketamine` adds the rodent route."""),
    code("compare(model, ['esketamine-iv', 'arketamine-iv'], at=('1 h', '24 h', '7 d'), effect=True)"),
    md("## Exercise 1\nPeak dissociation after S divided by peak dissociation after R."),
    ex('ratio = ...\ncheck("enantiomer-dissociation", ratio)',
       'ratio = (course.run(model, "esketamine-iv", days=1, step_min=5)["dissociation"].max()\n'
       '         / course.run(model, "arketamine-iv", days=1, step_min=5)["dissociation"].max())\n'
       'check("enantiomer-dissociation", ratio)'),
    md("## Exercise 2\nSwitch on the `arketamine` hypothesis: arketamine's drug effect at 24 h?"),
    ex('with_r = ...\neffect = ...\ncheck("enantiomer-hypothesis", effect)',
       'with_r = pathway.set_hypothesis(model, "arketamine", True)\n'
       'effect = value_at(with_r, "arketamine-iv", "24 h", effect=True)\ncheck("enantiomer-hypothesis", effect)'),
    code("plot_published(model, ['T23d', 'T29a', 'T29b', 'T29c'], title='Enantiomers: published and model');"),
    md("## Self-check quiz"),
    ex('quiz({"enantiomer-quiz": ...,\n      "enantiomer-quiz-tighter": ...})',
       'quiz({"enantiomer-quiz": "no",\n      "enantiomer-quiz-tighter": "S"})'),
    summary([
        "S-ketamine blocks NMDA receptors more strongly and dissociates more.",
        "The arketamine hypothesis rests on rodent studies; the human trial did not confirm it."]),
]

# ---------------------------------------------------------------------------- 10
COURSE["10_mechanisms_and_animals"] = [
    goals("10. Competing mechanisms and the rodent-to-human gap", [
        "tell which of the model's experiments were done in rodents;",
        "compare two routes to relief: interneuron disinhibition and NMDA block at rest (eEF2K);",
        "name a mechanism the model leaves out (the lateral habenula) and switch hypotheses on."]),
    code(SETUP),
    md("""
Many findings behind the pathway come from mice and rats: their readout is behaviour (e.g. the
forced-swim test) or synapses, **not human relief**. The model turns them into relief only by
assumption. The figure marks each experiment as rodent or human."""),
    code("table = course.experiments_table(model, animal=bank.ANIMAL_STUDIES,\n"
         "                                 ids=[e for e in model.experiments if model.experiments[e].people == 0])\n"
         "course.plot_experiments(table)\ntable"),
    md("## Exercise 1\nHow many experiments of the catalogue are rodent studies?"),
    ex('n_rodent = ...\ncheck("animal-count", n_rodent)',
       'n_rodent = sum(e.reference in bank.ANIMAL_STUDIES for e in model.experiments.values())\n'
       'check("animal-count", n_rodent)'),
    md("""
**Competing mechanisms.** (1) *Disinhibition*: ketamine blocks NMDA receptors on GABA interneurons,
releasing a glutamate surge. (2) *NMDA block at rest*: blocking receptors on pyramidal cells stops
eEF2 kinase, so BDNF is translated quickly (Autry 2011). (3) *Lateral habenula*: ketamine stops burst
firing in this "anti-reward" centre (Yang 2018, rats and mice) — the model does not include it."""),
    md("## Exercise 2\nSet `rest_block_gain` to 0 (no fast eEF2K route): ketamine's drug effect at 2 h?"),
    ex('no_rest = ...\neffect_2h = ...\ncheck("mechanism-rest", effect_2h)',
       'no_rest = pathway.set_parameter(model, "rest_block_gain", 0)\n'
       'effect_2h = value_at(no_rest, "ketamine-iv", "2 h", effect=True)\ncheck("mechanism-rest", effect_2h)'),
    code("print(f\"with the route: {value_at(model, 'ketamine-iv', '2 h', effect=True):.3f}\")\n"
         "for name, h in model.hypotheses.items():\n    print(f'{name}: {h.description}')"),
    md("## Self-check quiz"),
    ex('quiz({"mechanism-habenula": ...,\n      "mechanism-quiz-rest": ...})',
       'quiz({"mechanism-habenula": "no",\n      "mechanism-quiz-rest": "yes"})'),
    summary([
        "Rodent experiments show that a step is needed in rodents; they do not measure human relief.",
        "Several mechanisms fit the same data; the hypotheses let you see what each predicts.",
        "A model contains only what its authors put in: the lateral habenula is a named absence."]),
]

# ---------------------------------------------------------------------------- 11
COURSE["11_virtual_patients"] = [
    goals("11. Virtual patients", [
        "draw a population whose parameters vary as the model file says;",
        "compute response rates in a drug arm and its placebo arm;",
        "say why response rates and mean relief tell different stories."]),
    code(SETUP),
    code("for v in model.population.variations:\n    print(f'{v.parameter}: {v.why}')\n"
         "print(model.population.definitions)"),
    md("## Exercise 1\nShare of 60 virtual patients responding at 24 h after ketamine (seed 0)."),
    ex('rates = ...\nrate = ...\ncheck("patients-24h", rate)',
       'rates = response_rates(model, "ketamine-iv", at=("24 h",), n=60)\n'
       'rate = rates["arm"].iloc[0]\ncheck("patients-24h", rate)'),
    md("## Exercise 2\nThe same in the matched placebo arm."),
    ex('placebo_rate = ...\ncheck("patients-placebo", placebo_rate)',
       'placebo_rate = rates["placebo arm"].iloc[0]\ncheck("patients-placebo", placebo_rate)'),
    code("plot_published(model, ['T20b', 'T21a', 'T31a', 'T24c'], title='Response rates: published and model');"),
    md("Relapse: after six infusions over 12 days (Murrough 2013), how long does relief stay above the "
       "response line? The trial's median time to relapse is in the statements below."),
    code("plot_arms(model, 'ketamine-series', days=42, step_min=60); plt.show()\n"
         "plot_published(model, ['T10a', 'T10b', 'T30'], title='Relapse after a series: published and model');"),
    md("## Self-check quiz"),
    ex('quiz({"patients-quiz": ...,\n      "patients-quiz-week": ...})',
       'quiz({"patients-quiz": "yes",\n      "patients-quiz-week": "yes"})'),
    summary([
        "People differ; the model draws that spread from the population section of the model file.",
        "Responding on placebo is common; the drug's share is the difference between arms."]),
]

# ---------------------------------------------------------------------------- 12
COURSE["12_scorecard_limits_glossary"] = [
    goals("12. The scorecard, the limits of the model, a glossary", [
        "read the validation scorecard: what the model gets right and its known gaps;",
        "state the model's limitations on one page;",
        "use the course's terms precisely."]),
    code(SETUP),
    code("card = course.scorecard(model)\n"
         "print(f\"{int(card['passes'].sum())} of {len(card)} checks pass; \"\n"
         "      f\"{int((card['known gap'] != '').sum())} are marked known gaps.\")\n"
         "card[['published', 'model', 'passes']].head(10)"),
    md("## Exercise 1\nHow many checks pass?"),
    ex('n_pass = ...\ncheck("score-passing", n_pass)',
       'n_pass = int(card["passes"].sum())\ncheck("score-passing", n_pass)'),
    md("## Exercise 2\nA pass is not always a comfortable one. List the ids of the passing checks "
       "whose model value lies within a tenth of the band's width of either edge: the verdicts a "
       "small change to the model could flip."),
    ex('close = ...\ncheck("score-close", close)',
       'width = card["high"] - card["low"]\n'
       'near = ((card["model"] - card["low"]) < 0.1 * width) | ((card["high"] - card["model"]) < 0.1 * width)\n'
       'close = list(card[card["passes"] & near].index)\ncheck("score-close", close)'),
    code("gaps = card.query(\"`known gap` != ''\")\n"
         "gaps[['published', 'model', 'known gap']] if len(gaps) else "
         "print('No check is a known gap: every model value lies in its published band.')"),
    md("""
## Limitations on one page
- **A teaching model, not a clinical one.** It gives no dose advice and predicts no single patient.
- **Many parameters are calibrated, not measured**: placebo strength, relief gains and half-drives
  were fitted to trial summaries (`model.parameters[name].describe()` says which).
- **Rodent data stand in for human biology** for BDNF, mTOR and spines (notebook 10).
- **One brain region, no circuits**: the lateral habenula, the hippocampus and the reward system are
  absent; the mechanisms are lumped into a few nodes.
- **Relief is a number from 0 to 1**, not a rating scale; response is a threshold on it.
- **Safety is absent** beyond dissociation: no blood pressure, no bladder toxicity, no misuse.
- **Known gaps** (above) show where the model and the trials disagree."""),
    code("print(f'Parameters: {len(model.parameters)}; nodes: {len(model.nodes)}; edges: {len(model.edges)}; '\n"
         "      f'hypotheses switched off by default: {sum(not h.enabled for h in model.hypotheses.values())}')"),
    md("""
## Glossary
- **Active placebo**: a comparator that mimics a drug's felt effects (e.g. midazolam) to keep blinding.
- **AMPA / NMDA receptors**: glutamate receptors; ketamine blocks NMDA, the effect needs AMPA.
- **BDNF**: brain-derived neurotrophic factor, a growth signal for synapses.
- **Bioavailability**: the share of a dose that reaches the blood.
- **Disinhibition**: less inhibition from GABA interneurons, so more excitation.
- **Drug effect**: arm minus its matched placebo arm.
- **EC50**: the concentration giving half the maximal effect.
- **eEF2 kinase**: an enzyme that, active at rest, slows protein translation; NMDA block stops it.
- **Enantiomers**: mirror-image forms of a molecule (S- and R-ketamine).
- **Half-life**: time for a level to halve.
- **Lateral habenula**: a brain region signalling disappointment; not in this model.
- **mTOR**: a kinase that switches on synaptic protein synthesis.
- **Placebo response**: improvement in the placebo arm (expectation, care, natural course).
- **Response / remission**: thresholds on relief (the model file's population definitions).
- **Scorecard**: published targets the model is checked against.
- **Steady state**: when intake equals elimination for a repeated dose.
- **Spines**: small protrusions where synapses sit."""),
    md("## Self-check quiz\nIs a check that passes proof the mechanism is right (`'yes'`/`'no'`)?"),
    ex('quiz({"score-quiz": ...,\n      "score-quiz-gaps": ...})',
       'quiz({"score-quiz": "no",\n      "score-quiz-gaps": int((card["known gap"] != "").sum())})'),
    summary([
        "The scorecard makes the fit visible, including where the model fails.",
        "Passing checks is necessary, not sufficient: several hypotheses pass the same checks."]),
]


def build(key: bool) -> dict[str, nbformat.NotebookNode]:
    out = {}
    for name, cells in COURSE.items():
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        for cell in cells:
            if cell[0] == "md":
                text = cell[1]
                if key and text.startswith("# "):
                    text = text.replace("\n", "  \n**Instructor key: solutions filled in.**\n", 1)
                nb.cells.append(new_markdown_cell(text))
            elif cell[0] == "code":
                nb.cells.append(new_code_cell(cell[1]))
            else:
                nb.cells.append(new_code_cell(cell[2] if key else cell[1]))
        for i, cell in enumerate(nb.cells):
            cell.id = f"cell-{i:02d}"          # stable ids: rebuilding changes only what changed
        out[name + ".ipynb"] = nb
    return out


def main():
    (HERE / "instructor").mkdir(exist_ok=True)
    for old in list(HERE.glob("*.ipynb")) + list((HERE / "instructor").glob("*.ipynb")):
        old.unlink()
    for name, nb in build(False).items():
        nbformat.write(nb, HERE / name)
    for name, nb in build(True).items():
        nbformat.write(nb, HERE / "instructor" / name)


if __name__ == "__main__":
    main()
