"""Writes the course: the instructor's source notebooks (solutions and hidden
tests marked for nbgrader) in course/source/, the student notebooks nbgrader
generates from them in notebooks/, and the instructor's guide, course/INSTRUCTOR.md.

    python course/build.py

Edit the course here, not in the .ipynb files. An exercise cell is written as
what the student starts from (a blank answer), the solution, and the line that
checks it; the solution goes between nbgrader's solution markers, and a hidden
test cell after it grades the answer the student leaves in the notebook.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from pathway import course_bank  # noqa: E402
from pathway.course import exercises  # noqa: E402

SETUP = """\
import matplotlib.pyplot as plt
import pathway
from pathway import course
from pathway.course import (check, quiz, predict, reveal, compare, drug_effect, value_at,
                            summary_table, response_rates, plot_arms, plot_published)
bank = course.load_bank()      # the exercises
model = course.model()         # the default model, models/ketamine.toml"""

NOTE = "*A teaching model, not medical advice.*"


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


def ex(student, key):
    """An exercise cell: the student's blank version and the key. The lines both
    end with (the check) stay outside the solution region."""
    return ("ex", student.strip("\n"), key.strip("\n"))


def qz(answers: dict):
    """A self-check quiz: {exercise: the key's answer, as code}."""
    blank = "answers = {" + ",\n           ".join(f"{k!r}: ..." for k in answers) + "}"
    key = "answers = {" + ",\n           ".join(f"{k!r}: {v}" for k, v in answers.items()) + "}"
    return ("ex", blank + "\nquiz(answers)", key + "\nquiz(answers)")


def guess(name, key_value):
    """A prediction, recorded before the run that answers it."""
    return ("ex", f"my_guess = ...\npredict({name!r}, my_guess)",
            f"my_guess = {key_value}\npredict({name!r}, my_guess)")


def goals(title, items):
    return md(f"# {title}\n\n**Learning goals.** After this notebook you can\n"
              + "\n".join(f"- {i}" for i in items) + f"\n\n{NOTE}")


def summary(items):
    return md("## Summary\n\n" + "\n".join(f"- {i}" for i in items))


#: For the instructor's guide: minutes in class, and what to watch for.
NOTES: dict[str, tuple[int, list[str]]] = {}


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
at** slider picks the moment the pathway shows: purple means less active than at rest, green more
(see the colour key). A grey ghost keeps the curve from before your last change. Click a box or an arrow to
read its description, evidence grade and studies. **Reset everything** puts it all back.

The page needs a browser (JupyterLab or Notebook); run headless, the cell below only stores it."""),
    code(SETUP),
    code("explorer = pathway.explore()\nexplorer"),
    md("""
**Try it.** Open *Parameters* and move *spine lifetime* (how long new spines last) to its longest.
Does ketamine's relief start sooner, last longer, or both? (Click the arrow from the spines to relief: its
evidence is one mouse study, so this is the model's guess for people.) Then tick *nbqx* (AMPA block): which curve
changes, and does dissociation change (pick it under *Also show*)?

Once the page has drawn, `explorer.state` holds the scenario, interventions, hypotheses and parameters
you chose."""),
    md("## Exercise 1\nColour the pathway at 30 minutes and at 24 hours after ketamine. "
       "Which peaks first: `'dissociation'` or `'relief'`?"),
    ex('first = ...      # type "dissociation" or "relief"\ncheck("explorer-first", first)',
       'first = "dissociation"\ncheck("explorer-first", first)'),
    md("## Exercise 2\nChoose the SSRI as the comparison. One week in, is relief after one ketamine "
       "infusion `'higher'` or `'lower'` than after a week of daily SSRI pills?"),
    ex('week = ...\ncheck("explorer-week", week)',
       'week = "higher" if value_at(model, "ketamine-iv", "7 d") > value_at(model, "ssri", "7 d") else "lower"\n'
       'check("explorer-week", week)'),
    md("## Self-check quiz\nTick the matched placebo arm. At 24 h, is most of the ketamine arm's relief "
       "also in its placebo arm (`'yes'` or `'no'`)?"),
    qz({"explorer-placebo": '"yes" if value_at(model, "ketamine-iv", "24 h") - value_at(model, "ketamine-iv", "24 h", '
        'effect=True)\n           > value_at(model, "ketamine-iv", "24 h") / 2 else "no"',
        "explorer-quiz-ssri": '"yes" if value_at(model, "ssri", "24 h", effect=True) > 0.05 else "no"'}),
    md("The numbers behind your answers, from the model (run this after you have answered):"),
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
        "read the equations the package makes of it, term by term;",
        "turn a drug's clearance and volume into a half-life;",
        "predict how a time constant moves a peak, then run the model and explain the difference."]),
    md("""
Before the full pathway, build a small one. A **model file** is plain text (TOML): *nodes* (a drug,
a messenger, a readout), *edges* (who activates or inhibits whom, and how strongly), the drug's
*pharmacokinetics* (clearance, volume, routes) and *scenarios* (what is given, when). The package turns
it into differential equations and solves them; `pathway.explain` prints the equation of any node.
`models/toy.toml` is a 9-node example with comments."""),
    code(SETUP),
    md("""
## Exercise 1: add an edge
The file below has a pill that raises a messenger, but nothing connects the messenger to mood. Replace
the `# EDGE` comment with an `[[edges]]` entry from `messenger` to `mood` that activates it. If the file
does not load, the check shows the loader's whole message, with the line and a suggestion."""),
    ex(f'my_model = """{TINY}"""\npath = course.write_model(my_model, "tiny.toml")\n'
       'check("tiny-edge", my_model)',
       f'my_model = """{TINY_KEY}"""\npath = course.write_model(my_model, "tiny.toml")\n'
       'check("tiny-edge", my_model)'),
    md("Load and run it (this works with the template too; mood just stays flat):"),
    code("tiny = pathway.load_model(path)\ntraj = pathway.simulate(tiny, 'one-pill', step_min=10)\n"
         "fig, axes = plt.subplots(3, 1, figsize=(7, 5.5), sharex=True)\n"
         "for ax, (col, unit) in zip(axes, [('pill', 'pill in plasma (ng/mL)'),\n"
         "                                  ('messenger', 'messenger (1 = rest)'),\n"
         "                                  ('mood', 'mood (0-1)')]):\n"
         "    ax.plot(traj.t_h, traj[col]); ax.set_ylabel(unit, fontsize=8); ax.grid(alpha=0.3)\n"
         "axes[-1].set_xlabel('hours after the pill'); plt.tight_layout(); plt.show()"),
    md("""
## The equations
Every node that is not a drug follows its **target** with a delay: d(node)/dt = (target − node) / tau.
The target is set by the node's inputs, one term per edge. Read the two equations of your model:"""),
    code("print(pathway.explain(tiny, 'messenger'))\nprint()\nprint(pathway.explain(tiny, 'mood'))"),
    md("""
Three things to find in the print-out: which field divides the change per hour (the node's speed),
which number multiplies each input (the edge's strength), and how the pill's concentration becomes an
input (occupancy, with its ec50)."""),
    md("""
## Exercise 2: a half-life of 6 hours
Elimination half-life = ln 2 × volume / clearance. Change the pill's `clearance` in `my_model` above so
its half-life is 6 hours, run the cells again, then check."""),
    code("import math\nd = tiny.drugs['pill']\nprint(f'half-life now: {math.log(2) * tiny.value(d.volume_l) "
         "/ tiny.value(d.clearance_l_h):.2f} h')"),
    ex('check("tiny-half-life", my_model)', 'check("tiny-half-life", my_model)'),
    md("""
## Exercise 3: predict, run, explain
Mood's time constant is `tau = "6 h"`. Suppose it were 2 hours. From the equation, will mood peak
earlier or later, and at what hour? Write your prediction (hours after the pill) **before** you run."""),
    guess("tiny-tau-peak", 9),
    md("Now make a copy of your model with mood's tau set to 2 hours, run it, and read when mood peaks."),
    ex('fast_model = ...    # your model, with mood\'s tau = "2 h"\npeak_hour = ...\n'
       'check("tiny-tau-peak", (peak_hour, my_model))',
       'fast_model = pathway.loads_model(my_model.replace(\'tau = "6 h"\', \'tau = "2 h"\'))\n'
       'peak_hour = pathway.simulate(fast_model, "one-pill", step_min=10).peak("mood")[0]\n'
       'check("tiny-tau-peak", (peak_hour, my_model))'),
    code("reveal('tiny-tau-peak', peak_hour)"),
    md("""
**Explain.** You took four hours off mood's tau. Did the peak move by four hours? In one or two
sentences, say why not: what else, upstream of mood, sets when it peaks?"""),
    md("## Self-check quiz\nWhich node field sets how fast a node follows its inputs: "
       "`'tau'`, `'strength'` or `'ec50'`? And the half-life after doubling the clearance?"),
    qz({"tiny-quiz-tau": '"tau"', "tiny-quiz-clearance": "math.log(2) * 100 / 40"}),
    summary([
        "A model is a graph in a text file; the package compiles it into equations, one per node.",
        "Each node moves toward a target set by its inputs, at a speed set by its tau.",
        "A drug's half-life comes from its volume and clearance; slower clearance, longer exposure.",
        "A node's peak depends on its own tau and on everything upstream, so it moves less than tau."]),
]

# ---------------------------------------------------------------------------- 03
COURSE["03_the_pathway"] = [
    goals("3. The pathway, step by step", [
        "follow ketamine from NMDA block to relief, node by node, and read relief's equation;",
        "find the order of the peaks, and explain it from the equations;",
        "cut an edge (a virtual experiment) and say what falls downstream."]),
    code(SETUP),
    md("""
The full model has two ketamine routes to new synapses. In the **disinhibition route**, ketamine blocks
NMDA receptors on GABA interneurons, the interneurons go quiet, and a glutamate surge drives AMPA
receptors → BDNF → mTOR → synaptic proteins → spines. In the **rest-block route**, blocking NMDA
receptors on pyramidal cells at rest stops eEF2 kinase, so BDNF is made quickly (notebook 10 compares
them). Beside them run a placebo-and-care route and the SSRI route. Relief is a readout: its equation
lists every input it has.

Most steps of both ketamine routes were found in **mice or rats**, not in people: in relief's equation
below, each term whose evidence is from rodents alone says "rodent data only", with the species
(`pathway.explain` does the same for every node). That new spines carry relief
(spines → relief) rests on one mouse study (Moda-Sava 2019), so it is graded preliminary. The grades
follow a written rubric in the model file (`model.evidence`: species, design, replication, size)."""),
    code("print(pathway.explain(model, 'relief'))"),
    md("""
## Exercise 1: the order of the peaks
**Predict** first: in what order do glutamate, synaptic proteins, spines and relief reach their peaks
after one infusion? Then compute the order from the model: `summary_table(model, 'ketamine-iv', days=7)`
gives each node's time of peak (rows are labelled with node labels; `model.node(id).label` gives one)."""),
    guess("pathway-order", '["glutamate", "synaptic_proteins", "spines", "relief"]'),
    ex('order = ...     # a list of the four ids, earliest peak first\ncheck("pathway-order", order)',
       't = summary_table(model, "ketamine-iv", days=7)\n'
       'ids = {model.node(i).label: i for i in ["glutamate", "synaptic_proteins", "spines", "relief"]}\n'
       'order = [ids[label] for label in t.index if label in ids]\ncheck("pathway-order", order)'),
    md("The four nodes over the week, each as a share of its own largest change from rest:"),
    code("import numpy as np\ntr = course.run(model, 'ketamine-iv', days=7, step_min=10)\n"
         "fig, ax = plt.subplots(figsize=(8, 3.6))\n"
         "for col in ['glutamate', 'synaptic_proteins', 'spines', 'relief']:\n"
         "    change = tr[col] - tr[col][0]\n"
         "    ax.plot(tr.t_h, change / np.max(np.abs(change)), label=model.node(col).label)\n"
         "ax.set_xscale('symlog', linthresh=1); ax.set_xlim(0, 168)\n"
         "ax.set_xlabel('hours after the start of the infusion (linear to 1 h, logarithmic after)')\n"
         "ax.set_ylabel('change from rest, share of its largest'); ax.grid(alpha=0.3)\n"
         "ax.legend(fontsize=8, frameon=False); plt.tight_layout(); plt.show()\n"
         "summary_table(model, 'ketamine-iv', days=7)"),
    md("""
**Explain.** Relief peaks before the spines do. Use relief's equation above: which of its inputs rise
early, and which part of relief is not the drug's at all (notebook 6)?"""),
    md("## Exercise 2: a virtual experiment\nApply the `nbqx` intervention (AMPA receptor block, a rodent "
       "experiment: Maeng 2008) and compute ketamine's drug effect on relief at 24 h."),
    ex('from pathway.scenarios import apply_intervention\neffect = ...\ncheck("pathway-nbqx", effect)',
       'from pathway.scenarios import apply_intervention\n'
       'effect = value_at(apply_intervention(model, "nbqx"), "ketamine-iv", "24 h", effect=True)\n'
       'check("pathway-nbqx", effect)'),
    code("print(f\"without the block: {value_at(model, 'ketamine-iv', '24 h', effect=True):.2f}\")"),
    md("## Self-check quiz\nWhat share of their peak gain have the spines made at 3 h? Does the AMPA "
       "block change peak dissociation (`'yes'`/`'no'`)?"),
    qz({"pathway-quiz-spines": '(lambda rest: (value_at(model, "ketamine-iv", "3 h", column="spines") - rest)\n'
        '           / (course.run(model, "ketamine-iv", days=7, step_min=5)["spines"].max() - rest))'
        '(value_at(model, "ketamine-iv", "0 h", column="spines"))',
        "pathway-quiz-dissociation": '"no"'}),
    summary([
        "Each step lags the one before, but relief is fed by several steps, so it can peak before spines.",
        "Cutting an edge silences everything downstream of it: the logic of a knockout experiment.",
        "`pathway.explain(model, node)` prints the equation behind each node, one term per edge."]),
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
         "    ax.set_title(course.arm_label(model, name), fontsize=9)\n"
         "    ax.set_xlabel('hours after the first dose'); ax.set_ylabel(f'plasma {col} (ng/mL)')\n"
         "    ax.grid(alpha=0.3)\n"
         "plt.tight_layout(); plt.show()"),
    md("## Exercise 1\nFind the peak plasma ketamine level after the 40-minute infusion (ng/mL)."),
    ex('peak = ...\ncheck("pk-peak", peak)',
       'peak = course.run(model, "ketamine-iv", days=1, step_min=1)["ketamine_plasma"].max()\n'
       'check("pk-peak", peak)'),
    md("## Exercise 2\nWhen (hours after the spray) does esketamine peak in plasma after nasal dosing?"),
    ex('t_peak = ...\ncheck("pk-nasal-time", t_peak)',
       't_peak = course.run(model, "esketamine-in", days=1, step_min=1).peak("esketamine")[0]\n'
       'check("pk-nasal-time", t_peak)'),
    md("## Exercise 3: steady state\nA daily pill builds up until intake equals elimination. On which day "
       "does the SSRI's trough (the level just before a pill) first reach 90% of its day-28 trough? "
       "**Predict** first, from the rule that 90% of steady state takes a little over three half-lives; "
       "the SSRI's half-life is in the figure's falling slope between pills."),
    guess("pk-steady", 5),
    ex('day = ...\ncheck("pk-steady", day)',
       'tr = course.run(model, "ssri", days=28, step_min=60)\n'
       'troughs = np.interp(np.arange(1, 29) * 24 - 0.01, tr.t_h, tr["ssri"])\n'
       'day = int(np.argmax(troughs >= 0.9 * troughs[-1]) + 1)\ncheck("pk-steady", day)'),
    code("reveal('pk-steady')     # your prediction beside the model, once your check has said Correct"),
    md("**Explain.** If your prediction was off, was it the half-life you assumed or the rule?"),
    md("The published numbers beside the model (peaks, half-lives, bioavailability):"),
    code("plot_published(model, ['T1a', 'T1b', 'T1c', 'T1d', 'T3a', 'T3b', 'T3c'],\n"
         "               title='Pharmacokinetics: published bands (grey) and the model (dots)');"),
    md("## Self-check quiz\nA longer half-life makes a daily pill take `'longer'` or `'shorter'` to "
       "reach steady state? And 24 h after the infusion, what share of its peak is left in plasma?"),
    qz({"pk-quiz-halflife": '"longer"',
        "pk-quiz-gone": 'value_at(model, "ketamine-iv", "24 h", column="ketamine_plasma") / peak'}),
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
    md("The drug effect on relief at 24 h and peak dissociation at four doses around the usual "
       "0.5 mg/kg (relief is 0-1; dissociation is 0-1, its largest possible value 1):"),
    code("import pandas as pd\n\n"
         "def dose_table(doses):\n"
         "    table = pd.DataFrame({d: [value_at(model, 'ketamine-iv', '24 h', effect=True, dose=d),\n"
         "                              course.run(model, 'ketamine-iv', days=1, dose=d, step_min=5)"
         "['dissociation'].max()]\n"
         "                          for d in doses}, index=['drug effect at 24 h', 'peak dissociation']).T\n"
         "    table.index.name = 'dose (mg/kg)'\n    return table.round(3)\n\n"
         "dose_table([0.2, 0.35, 0.5, 0.75])"),
    md("**Predict** the drug effect at 24 h after 1.0 mg/kg from the trend in the table, before you "
       "compute it."),
    guess("dose-effect-1", 0.3),
    md("## Exercise 1\nCompute the drug effect on relief at 24 h after 1.0 mg/kg."),
    ex('effect_1 = ...\ncheck("dose-effect-1", effect_1)',
       'effect_1 = value_at(model, "ketamine-iv", "24 h", effect=True, dose=1.0)\n'
       'check("dose-effect-1", effect_1)'),
    code("reveal('dose-effect-1')     # your prediction beside the model, once your check has said Correct"),
    md("**Explain** in one sentence why doubling the dose does not double the drug effect."),
    md("## Exercise 2\nFrom 0.5 to 1.0 mg/kg: the day-1 drug effect at 1.0 mg/kg divided by that at "
       "0.5 mg/kg. A ratio near 2 means the effect doubles with the dose; near 1, a plateau."),
    ex('ratio = ...\ncheck("dose-plateau", ratio)',
       'ratio = effect_1 / value_at(model, "ketamine-iv", "24 h", effect=True, dose=0.5)\n'
       'check("dose-plateau", ratio)'),
    md("## Self-check quiz\nPeak dissociation at 1.0 over 0.5 mg/kg, and the drug effect at 0.1 mg/kg:"),
    qz({"dose-quiz-dissociation": '(course.run(model, "ketamine-iv", days=1, dose=1.0, step_min=5)'
        '["dissociation"].max()\n           / course.run(model, "ketamine-iv", days=1, dose=0.5, step_min=5)'
        '["dissociation"].max())',
        "dose-quiz-low": 'value_at(model, "ketamine-iv", "24 h", effect=True, dose=0.1)'}),
    md("The whole range, after your answers:"),
    code("dose_table([0.1, 0.2, 0.5, 1.0])"),
    code("plot_published(model, ['T22a', 'T22b', 'T22c', 'T22d', 'T22e'],\n"
         "               title='Dose-response (Fava 2020): published bands (grey) and the model (dots)');"),
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
could tell. Before you read its result (T20 in the figure at the end), decide what
the model predicts for such a trial."""),
    code("plot_arms(model, 'ketamine-iv', days=7); plt.show()\n"
         "drug_effect(model, 'ketamine-iv', days=7).loc[[0, 6, 72, 168]].round(3)   # hours as rows"),
    md("## Exercise 1\nWhat share of the ketamine arm's relief at 24 h is also in its placebo arm?"),
    ex('share = ...\ncheck("placebo-share", share)',
       'd = drug_effect(model, "ketamine-iv", days=2).loc[24]\n'
       'share = d["placebo arm"] / d["arm"]\ncheck("placebo-share", share)'),
    md("## Exercise 2\nSwitch the placebo response off (`placebo_strength` = 0). Relief in the ketamine arm "
       "at 24 h?"),
    ex('no_placebo = ...\nrelief = ...\ncheck("placebo-off", relief)',
       'no_placebo = pathway.set_parameter(model, "placebo_strength", 0)\n'
       'relief = value_at(no_placebo, "ketamine-iv", "24 h")\ncheck("placebo-off", relief)'),
    md("Where the placebo strength comes from: its value and range, what it means and how it was "
       "calibrated (the description says), and the studies behind it:"),
    code("p = model.parameters['placebo_strength']\nprint(p.describe())\nprint(p.description)\n"
         "print(course.sources(model, p.citations))"),
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
    md("## Exercise 3\nKetamine's lead in 24-hour response rate over saline, divided by its lead over the "
       "masked placebo (600 people, seed 0). Which design makes ketamine look better, and by how much?"),
    ex('ratio = ...\ncheck("placebo-saline-ratio", ratio)',
       'ratio = saline.loc[saline.index[0], "difference"] / masked.loc[masked.index[0], "difference"]\n'
       'check("placebo-saline-ratio", ratio)'),
    md("## Self-check quiz\nThe model's matched placebo arm is masked, like Lii 2023's: nobody can tell what they "
       "got. In the model at 24 h, does the placebo arm reach at least half of the ketamine arm's relief "
       "(`'yes'`/`'no'`)? The figure after the quiz shows what the trials found (T20)."),
    md("And by how much does relief in the SSRI's placebo arm rise from week 2 to week 6?"),
    qz({"placebo-quiz-masked": '"yes" if value_at(model, "ketamine-iv", "24 h", effect=True)\n           '
        '< value_at(model, "ketamine-iv", "24 h") / 2 else "no"',
        "placebo-quiz-ssri": '(lambda arm: arm(6) - arm(2))(lambda wk: value_at(model, "ssri", f"{wk} wk", '
        'step_min=240)\n           - value_at(model, "ssri", f"{wk} wk", effect=True, step_min=240))'}),
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
         "compare(model, ['ketamine-iv', 'ssri'], at=('24 h', '7 d', '4 wk'), effect=True, step_min=120)"),
    md("## Exercise 1\nThe SSRI's drug effect on relief at week 6."),
    ex('ssri_6 = ...\ncheck("ssri-week6", ssri_6)',
       'ssri_6 = value_at(model, "ssri", "6 wk", effect=True, step_min=240)\ncheck("ssri-week6", ssri_6)'),
    md("## Exercise 2\nOne infusion's drug effect fades; the daily pill's builds. From which day (a whole "
       "day from 1 to 56) is the SSRI's drug effect larger than ketamine's drug effect on the same day? "
       "Answer 0 if it never is. Compare drug effects, not the raw arms: each arm carries its own "
       "placebo response. **Predict** the day first, from the figure above."),
    guess("ssri-crossover", 14),
    ex('day = ...\ncheck("ssri-crossover", day)',
       'import numpy as np\ndays = np.arange(1, 57)\n'
       'ssri = drug_effect(model, "ssri", days=57, step_min=240)\n'
       'ket = drug_effect(model, "ketamine-iv", days=57, step_min=240)\n'
       'ahead = (np.interp(days * 24, ssri.index, ssri["drug effect"])\n'
       '         > np.interp(days * 24, ket.index, ket["drug effect"]))\n'
       'day = int(days[ahead][0]) if ahead.any() else 0\ncheck("ssri-crossover", day)'),
    code("reveal('ssri-crossover')"),
    md("**Explain.** The raw arms cross much later than the drug effects. Why? (Which arm's placebo "
       "response keeps growing?)"),
    md("Response rates (virtual patients) over the first week, beside the trials:"),
    code("response_rates(model, 'ketamine-iv', at=('40 min', '24 h', '7 d'), n=60)"),
    code("plot_published(model, ['T24a', 'T24b', 'T31a', 'T31b', 'T31c', 'T25a', 'T25b', 'T25d', 'T25e'],\n"
         "               title='Onset, first week and SSRI weeks: published and model');"),
    md("## Self-check quiz\nAt day 1, which has the larger drug effect: `'ketamine'` or the `'ssri'`? "
       "And ketamine's drug effect at week 6, after its one infusion?"),
    qz({"ssri-quiz": '"ketamine"',
        "ssri-quiz-week6": 'value_at(model, "ketamine-iv", "6 wk", effect=True, step_min=240)'}),
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
    md("Mood first: ketamine's drug effect on relief (0-1) over the first week. Exercise 1 asks the same "
       "of the second outcome, ideation relief (0-1)."),
    code("compare(model, ['ketamine-iv'], at=('4 h', '24 h', '7 d'), effect=True)"),
    md("## Exercise 1\nDrug effect on ideation relief at 24 h."),
    ex('ide = ...\ncheck("ideation-24h", ide)',
       'ide = value_at(model, "ketamine-iv", "24 h", column="ideation_relief", effect=True)\n'
       'check("ideation-24h", ide)'),
    md("## Exercise 2\nAt 4 h, what share (0-1) of its day-1 drug effect has ideation relief reached? "
       "Compare it with the same share for mood, from the table above."),
    ex('early = ...\ncheck("ideation-early", early)',
       'early = (value_at(model, "ketamine-iv", "4 h", column="ideation_relief", effect=True)\n'
       '         / value_at(model, "ketamine-iv", "24 h", column="ideation_relief", effect=True))\n'
       'check("ideation-early", early)'),
    code("plot_published(model, ['T27a', 'T27b', 'T27c'], title='Suicidal ideation: published and model');"),
    md("## Self-check quiz\nHow many edges feed ideation relief in the model? And its day-7 drug effect "
       "as a share of its day-1 effect?"),
    qz({"ideation-quiz": 'len([e for e in model.edges if e.target == "ideation_relief"])',
        "ideation-quiz-week": '(value_at(model, "ketamine-iv", "7 d", column="ideation_relief", effect=True)\n'
        '           / value_at(model, "ketamine-iv", "24 h", column="ideation_relief", effect=True))'}),
    code("print(pathway.explain(model, 'ideation_relief'))"),
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
Racemic ketamine is half S, half R, and the two bind NMDA receptors with different affinities
(`model.parameters` holds the EC50 of each). In rodents, R-ketamine gave longer-lasting
antidepressant-like effects with fewer side effects (the arketamine hypothesis); a randomised human
trial has since tested it. The default model follows the human evidence; the hypothesis `arketamine`
adds the rodent route, so you can compare what each predicts."""),
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
    md("## Self-check quiz\nArketamine's drug effect at 24 h in the default model (hypothesis off)? Which "
       "binds NMDA receptors more tightly in the model, `'S'` or `'R'`?"),
    qz({"enantiomer-quiz": 'value_at(model, "arketamine-iv", "24 h", effect=True)',
        "enantiomer-quiz-tighter": '"S"'}),
    md("Both forms side by side, drug effect on relief (0-1), after your answers:"),
    code("compare(model, ['esketamine-iv', 'arketamine-iv'], at=('1 h', '24 h', '7 d'), effect=True)"),
    summary([
        "S-ketamine blocks NMDA receptors more strongly and dissociates more.",
        "The arketamine hypothesis rests on rodent studies; the human trial did not confirm it."]),
]

# ---------------------------------------------------------------------------- 10
COURSE["10_mechanisms_and_animals"] = [
    goals("10. Competing mechanisms and the rodent-to-human gap", [
        "tell which of the model's experiments were done in rodents;",
        "compare two routes to relief: interneuron disinhibition and NMDA block at rest (eEF2K);",
        "name a mechanism the model leaves out (the lateral habenula) and switch hypotheses on;",
        "weigh the opioid question: what the model predicts either way, and how small the human studies are."]),
    code(SETUP),
    md("""
Many findings behind the pathway come from mice and rats: their readout is behaviour (e.g. the
forced-swim test) or synapses, **not human relief**. The model turns them into relief only by
assumption. `bank.ANIMAL_STUDIES` holds the reference keys of the catalogue's rodent studies, and
`model.experiments` the catalogue itself (each entry has a `.reference`)."""),
    md("## Exercise 1\nHow many experiments of the catalogue are rodent studies?"),
    ex('n_rodent = ...\ncheck("animal-count", n_rodent)',
       'n_rodent = sum(e.reference in bank.ANIMAL_STUDIES for e in model.experiments.values())\n'
       'check("animal-count", n_rodent)'),
    md("The catalogue's experiments that run on one average patient (those run on a virtual population "
       "take longer and are left out here), each marked rodent or human on the figure:"),
    code("table = course.experiments_table(model, animal=bank.ANIMAL_STUDIES,\n"
         "                                 ids=[e for e in model.experiments if model.experiments[e].people == 0])\n"
         "course.plot_experiments(table)\ntable"),
    md("""
**Competing mechanisms.** (1) *Disinhibition*: ketamine blocks NMDA receptors on GABA interneurons,
releasing a glutamate surge. (2) *NMDA block at rest*: blocking receptors on pyramidal cells stops
eEF2 kinase, so BDNF is translated quickly (Autry 2011). (3) *Lateral habenula*: ketamine stops burst
firing in this "anti-reward" centre (Yang 2018, rats and mice). Whether a model contains a mechanism
is a question for its file: `model.nodes` lists every node it has."""),
    md("## Exercise 2\nSet `rest_block_gain` to 0 (no fast eEF2K route): ketamine's drug effect at 2 h?"),
    ex('no_rest = ...\neffect_2h = ...\ncheck("mechanism-rest", effect_2h)',
       'no_rest = pathway.set_parameter(model, "rest_block_gain", 0)\n'
       'effect_2h = value_at(no_rest, "ketamine-iv", "2 h", effect=True)\ncheck("mechanism-rest", effect_2h)'),
    code("print(f\"with the route: {value_at(model, 'ketamine-iv', '2 h', effect=True):.3f}\")\n"
         "for name, h in model.hypotheses.items():\n    print(f'{name}: {h.description}')"),
    md("## Self-check quiz\nIs the lateral habenula in the model (`'yes'`/`'no'`)? What share of the 2 h "
       "drug effect is lost without the rest-block route?"),
    qz({"mechanism-habenula": '"no"',
        "mechanism-quiz-rest": '1 - effect_2h / value_at(model, "ketamine-iv", "2 h", effect=True)'}),
    md("""
**The opioid question.** Does ketamine need the opioid system to relieve depression? The human studies
are few and small:

- *Williams 2018*: a randomised, double-blind crossover in treatment-resistant depression. Oral naltrexone
  50 mg (an opioid blocker) or a placebo pill, then IV ketamine 0.5 mg/kg. Planned for 30 people, it was
  stopped at an interim analysis after 12 had completed both conditions, because naltrexone blunted the
  response (dissociation was unchanged).
- *Yoon 2019*: an open-label case series of **5** people with depression and alcohol use disorder, given
  a depot (injected) naltrexone and weekly ketamine infusions. All five responded. No control arm.
- *Yoon 2025*: a randomised trial in that population, which found no block.
- In rodents, blocking opioid receptors removed ketamine's antidepressant-like effect (Klein 2020):
  rodent behaviour, not human relief.

In the model, the opioid step is a switchable hypothesis, **off** by default (the pathway draws it
faint). With it off, naltrexone has nothing to block; with it on, naltrexone blocks in every design."""),
    md("## Exercise 3\nSwitch the opioid hypothesis on: what share of ketamine's 24 h drug effect is left "
       "after naltrexone pretreatment (the `naltrexone` intervention, the Williams 2018 regimen)? "
       "Then look at the same with the hypothesis off."),
    ex('from pathway.scenarios import apply_intervention\nopioid_on = ...\nshare_left = ...\n'
       'check("opioid-share", share_left)',
       'from pathway.scenarios import apply_intervention\n'
       'opioid_on = pathway.set_hypothesis(model, "opioid", True)\n'
       'share_left = (value_at(apply_intervention(opioid_on, "naltrexone"), "ketamine-iv", "24 h", effect=True)\n'
       '              / value_at(opioid_on, "ketamine-iv", "24 h", effect=True))\n'
       'check("opioid-share", share_left)'),
    code("off = (value_at(apply_intervention(model, 'naltrexone'), 'ketamine-iv', '24 h', effect=True)\n"
         "       / value_at(model, 'ketamine-iv', '24 h', effect=True))\n"
         "print(f'share left with the hypothesis off: {off:.2f} (compare your answer with it on)')\n"
         "print(model.hypotheses['opioid'].description)"),
    md("**Explain.** Which study would you trust more, and why? Think of the size of each, whether it had a "
       "control arm, whether it was stopped early, who took part, and how the naltrexone was given (a pill "
       "45 minutes before, or an injection that lasts a month). The model cannot settle the question: it "
       "only shows what each answer predicts."),
    qz({"opioid-quiz-both": '"no"'}),
    summary([
        "Rodent experiments show that a step is needed in rodents; they do not measure human relief.",
        "Several mechanisms fit the same data; the hypotheses let you see what each predicts.",
        "A model contains only what its authors put in: the lateral habenula is a named absence.",
        "The opioid question rests on one stopped-early trial of 12 and a case series of 5 that disagree; "
        "the model shows each answer, it does not choose."]),
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
    md("""
A **response rate** counts people: the share of patients whose relief crosses the response line. It
is not the average relief of the arm, and the two can differ a good deal when relief is spread around
the line. A trial sees each person through one interview, so the model counts them the same way: each
person's course drifts a little from their relief, and each interview adds an error of its own, so a few
people just short of the line are counted past it (and a few just past it are not)."""),
    md("## Exercise 1\nShare of 60 virtual patients responding at 24 h after ketamine (seed 0). "
       "**Predict** it first: compare relief in the ketamine arm at 24 h (notebook 6) with the response "
       "line, `model.population.response`. What share of people do you expect above that line?"),
    guess("patients-24h", 0.5),
    ex('rates = ...\nrate = ...\ncheck("patients-24h", rate)',
       'rates = response_rates(model, "ketamine-iv", at=("24 h",), n=60)\n'
       'rate = rates["arm"].iloc[0]\ncheck("patients-24h", rate)'),
    code("reveal('patients-24h')"),
    md("**Explain.** How can the average patient be above the response line while far fewer (or far "
       "more) than half of the patients are? Sketch relief across the 60 people."),
    md("## Exercise 2\nThe same in the matched placebo arm."),
    ex('placebo_rate = ...\ncheck("patients-placebo", placebo_rate)',
       'placebo_rate = rates["placebo arm"].iloc[0]\ncheck("patients-placebo", placebo_rate)'),
    code("plot_published(model, ['T20b', 'T21a', 'T31a', 'T24c'], title='Response rates: published and model');"),
    md("## Exercise 3\nA week after the infusion, little of the placebo arm's relief is left, yet trials still count "
       "a few responders in such arms. In the model, each person's course drifts a little from where the pathway "
       "puts them (the calibrated `course_spread`). Switch the drift off in a copy of the model "
       "(`pathway.set_parameter(model, 'course_spread', 0.0)`) and count the placebo arm's responders at day 7 "
       "with and without it. Does the drift `'raise'` or `'lower'` the count?"),
    ex('drift = ...\ncheck("patients-drift", drift)',
       'still = pathway.set_parameter(model, "course_spread", 0.0)\n'
       'with_drift = response_rates(model, "ketamine-iv", at=("7 d",), n=60)["placebo arm"].iloc[0]\n'
       'without = response_rates(still, "ketamine-iv", at=("7 d",), n=60)["placebo arm"].iloc[0]\n'
       'drift = "raise" if with_drift > without else "lower"\n'
       'check("patients-drift", drift)'),
    md("Relapse: after six infusions over 12 days (Murrough 2013), how long does relief stay above the "
       "response line? The trial's median time to relapse is in the statements below."),
    code("plot_arms(model, 'ketamine-series', days=42, step_min=60); plt.show()\n"
         "plot_published(model, ['T10a', 'T10b', 'T30'], title='Relapse after a series: published and model');"),
    md("## Self-check quiz\nCan a person respond on placebo in the model (`'yes'`/`'no'`)? And the change "
       "in the ketamine arm's response rate from 24 h to day 7?"),
    qz({"patients-quiz": '"yes"',
        "patients-quiz-week": '(lambda r: r.iloc[1] - r.iloc[0])(response_rates(model, "ketamine-iv", '
        'at=("24 h", "7 d"), n=60)["arm"])'}),
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
    md("The scorecard: one row per published check, with its band (`low`, `high`; an infinite edge "
       "means 'at least' or 'at most'), the model's value and the verdict. The first rows:"),
    code("card = course.scorecard(model)\n"
         "card[['published', 'low', 'high', 'model']].head(8)"),
    md("## Exercise 1\nHow many checks pass?"),
    ex('n_pass = ...\ncheck("score-passing", n_pass)',
       'n_pass = int(card["passes"].sum())\ncheck("score-passing", n_pass)'),
    md("## Exercise 2\nA pass is not always a comfortable one. Among the passing checks with a two-sided "
       "band (both edges finite), list the ids whose model value lies within a tenth of the band's width "
       "of either edge: the verdicts a small change to the model could flip. A band open at one end "
       "('at least 3') has no width, so this rule cannot call it close."),
    ex('close = ...\ncheck("score-close", close)',
       'import numpy as np\n'
       'two_sided = np.isfinite(card["low"]) & np.isfinite(card["high"])\n'
       'width = card["high"] - card["low"]\n'
       'near = ((card["model"] - card["low"]) < 0.1 * width) | ((card["high"] - card["model"]) < 0.1 * width)\n'
       'close = list(card[card["passes"] & two_sided & near].index)\ncheck("score-close", close)'),
    md("Where each passing two-sided check sits in its band (0 = the lower edge, 1 = the upper): the "
       "close calls are the bars in the two outer tenths."),
    code("import numpy as np\n"
         "two = card[np.isfinite(card['low']) & np.isfinite(card['high']) & card['passes']]\n"
         "position = (two['model'] - two['low']) / (two['high'] - two['low'])\n"
         "fig, ax = plt.subplots(figsize=(7, 3))\n"
         "ax.hist(position, bins=np.linspace(0, 1, 21), color='#80cdc1', edgecolor='white')\n"
         "for x in (0.1, 0.9):\n    ax.axvline(x, color='#d73027', ls='--', lw=1)\n"
         "ax.set_xlabel('position of the model value in its published band (0 = lower edge, 1 = upper edge)')\n"
         "ax.set_ylabel('number of checks'); ax.set_title(f'{len(two)} passing checks with a two-sided band',"
         " fontsize=10)\nplt.tight_layout(); plt.show()"),
    md("""
## Calibrated is not validated
The checks above are calibration targets: the model's hand-set parameters were tuned against them. The
stronger test is the published trials in `models/trials`, each marked before any fit as one that
calibrates (`pathway fit` estimates the calibrated parameters from it) or one that validates (never
seen by the fit). Each line counts the trial numbers the model lands inside the trial's own 95% interval,
for single arms (for example the placebo arm's response rate) and for differences between arms."""),
    code("from pathway.validate import trial_rows, headline_text\n"
         "rows = trial_rows(model)\n"
         "print(headline_text(rows))\n"
         "missed = [r for r in rows if r.role == 'validate' and r.status == 'miss']\n"
         "print(f'{len(missed)} validation numbers missed, for example:')\n"
         "def shown(x, measure):\n"
         "    return f'{100 * x:.0f}%' if measure in ('response', 'remission', 'relapse') else f'{x:.1f}'\n"
         "for r in missed[:6]:\n"
         "    print(f'  {r.trial}, {r.arm}, {r.measure} at day {r.time_h / 24:g}: '\n"
         "          f'trial {shown(r.observed, r.measure)}, model {shown(r.model, r.measure)}')"),
    md("""
How sure is a curve? `pathway fit` also keeps a collection of parameter sets that fit the calibration trials
nearly as well as the best one (the calibration ensemble; the legend says how many). Run them all and shade the lowest to the highest at each
time: where the trials say little, the band is wide."""),
    code("from pathway.ensemble import band\n"
         "b = band(model, 'ketamine-iv', effect=True, days=14)\n"
         "fig, ax = plt.subplots(figsize=(7, 3))\n"
         "ax.fill_between(b.t_h / 24, b.low, b.high, color='#fdb863', alpha=0.6,\n"
         "                label=f'{b.members} parameter sets (lowest to highest)')\n"
         "ax.plot(b.t_h / 24, b.centre, color='#b35806', lw=2, label='the fitted model')\n"
         "ax.set_xlabel('days after one ketamine infusion'); ax.set_ylabel('drug effect on relief')\n"
         "ax.set_title('Ketamine minus its matched placebo arm, with the calibration band', fontsize=10)\n"
         "ax.legend(fontsize=9); plt.tight_layout(); plt.show()"),
    md("""
## Limitations on one page
- **A teaching model, not a clinical one.** It gives no dose advice and predicts no single patient.
- **Many parameters are calibrated, not measured**: placebo strength, relief gains and half-drives
  were fitted to trial summaries (`model.parameters[name].description` says what each was calibrated
  on; `describe()` gives its value and range).
- **Rodent data stand in for human biology** for BDNF, mTOR and spines (notebook 10).
- **One brain region, no circuits**: the lateral habenula, the hippocampus and the reward system are
  absent; the mechanisms are lumped into a few nodes.
- **Relief is a number from 0 to 1**, not a rating scale; response is a threshold on it.
- **Safety is absent** beyond dissociation: no blood pressure, no bladder toxicity, no misuse.
- **Known gaps** (above) show where the model and the trials disagree.
- **Validation is partial**: some arm levels of the validation trials fall outside their trials' intervals
  (among them the relapse of the people in remission in both arms of SUSTAIN-1 and the responders to
  esketamine on TRANSFORM's first day); the list above prints them."""),
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
    md("## Self-check quiz\nIs a check that passes proof the mechanism is right (`'yes'`/`'no'`)? How "
       "many checks are marked known gaps?"),
    qz({"score-quiz": '"no"', "score-quiz-gaps": 'int((card["known gap"] != "").sum())'}),
    md("The known gaps, after your answer:"),
    code("gaps = card.query(\"`known gap` != ''\")\n"
         "gaps[['published', 'model', 'known gap']] if len(gaps) else "
         "print('No check is marked a known gap.')"),
    summary([
        "The scorecard makes the fit visible, including where the model fails.",
        "Passing checks is necessary, not sufficient: several hypotheses pass the same checks."]),
]


NOTES.update({
    "01_explorer": (30, [
        "Warm up the solver before class (see above); the page itself runs in the browser.",
        "Ask for the predictions out loud before anyone moves a slider.",
        "Students often read the arm as the drug effect: stop at the self-check quiz and tick the placebo arm."]),
    "02_a_tiny_model": (45, [
        "The first model-file error is part of the lesson: let students read the loader's message "
        "(line, field, suggestion) before helping.",
        "Exercise 3 is predict-run-explain: collect predictions first; a common expectation is that the "
        "peak moves by the full four hours.",
        "The explanation cell is not checked: use it for a two-minute discussion or grade it by hand."]),
    "03_the_pathway": (40, [
        "The common mistake is the order of the arrows instead of the order of the peaks; the check "
        "names it.",
        "Use explain(model, 'relief') to show that relief has fast inputs besides the spines."]),
    "04_pharmacokinetics": (35, [
        "Stress that plasma ketamine is nearly gone when relief peaks: the effect outlasts the drug.",
        "Exercise 3 needs a loop or np.interp over the troughs; pair weaker programmers."]),
    "05_dose_response": (30, [
        "The dose table hides 0.1 and 1.0 mg/kg until the end, so the prediction is made from the trend.",
        "Typical error: doubling the 0.5 mg/kg effect; the check names it."]),
    "06_placebo_and_blinding": (45, [
        "The 600-person response rates take the longest cell of the course; warm up first.",
        "Typical error: the drug's share instead of the placebo arm's share; the check names it."]),
    "07_ketamine_vs_ssri": (35, [
        "Everything here is a drug effect; the raw-arm crossing is a named trap in Exercise 2."]),
    "08_suicidal_ideation": (25, [
        "Mention the limits of the evidence: small trials, ideation items of depression scales.",
        "Typical error: reading the mood column instead of ideation_relief."]),
    "09_enantiomers": (30, [
        "Contrast the rodent and the human evidence on arketamine; the hypothesis switch shows both."]),
    "10_mechanisms_and_animals": (45, [
        "Ask which experiments measure behaviour in rodents and which measure human relief.",
        "The habenula question is about what a model leaves out; discuss why.",
        "The opioid question: weigh a stopped-early trial of 12 against an open case series of 5; typical "
        "error: the share with the hypothesis off (nothing to block), which the check names."]),
    "11_virtual_patients": (35, [
        "The central misconception: the mean relief of an arm is not its response rate. The check names "
        "it; follow up with a sketch of a distribution around the response line."]),
    "12_scorecard_limits_glossary": (40, [
        "The close-call exercise excludes one-sided bands on purpose: ask why.",
        "End with the limitations page: ask each student for the limitation that matters most to them."]),
})


# ---------------------------------------------------------------------------- building
CHECK = re.compile(r"""check\(\s*["']([a-z0-9-]+)["']\s*,\s*(.+)\)\s*$""")
QUIZ = re.compile(r"""['"]([a-z0-9-]+)['"]\s*:\s*\.\.\.""")


def _split(student: str, key: str) -> tuple[str, str, str]:
    """(what the student starts from, the solution, the lines both end with)."""
    a, b = student.splitlines(), key.splitlines()
    quoted = [i for i, line in enumerate(a) if '"""' in line]     # never split inside a long string
    last = len(a) - 1 - quoted[-1] if quoted else len(a)
    n = 0
    while n < min(len(a), len(b), last) and a[-1 - n] == b[-1 - n]:
        n += 1
    after = a[len(a) - n:] if n else []
    return "\n".join(a[:len(a) - n]), "\n".join(b[:len(b) - n]), "\n".join(after)


def _graded(student: str) -> list[tuple[str, str]]:
    """The exercises a cell answers, with the expression holding each answer."""
    found = []
    for line in student.splitlines():
        m = CHECK.search(line)
        if m:
            found.append((m.group(1), m.group(2).strip()))
    if "quiz(answers)" in student:
        found += [(name, f"answers[{name!r}]") for name in QUIZ.findall(student)]
    return found


def _meta(cell, grade_id, *, solution=False, grade=False, points=0):
    cell.metadata["nbgrader"] = {"grade": grade, "grade_id": grade_id, "locked": not solution,
                                 "schema_version": 3, "solution": solution,
                                 **({"points": points} if grade else {})}
    return cell


def source_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The instructor's notebooks: solutions between nbgrader's markers, and a
    hidden test cell after each checked exercise (one point each)."""
    out = {}
    for name, cells in COURSE.items():
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        for i, cell in enumerate(cells):
            if cell[0] == "md":
                nb.cells.append(new_markdown_cell(cell[1]))
                continue
            if cell[0] == "code":
                nb.cells.append(new_code_cell(cell[1]))
                continue
            _, student, key = cell
            before, solution, after = _split(student, key)
            text = "\n".join(x for x in (before, "### BEGIN SOLUTION", solution, "### END SOLUTION", after) if x)
            graded = _graded(student)
            tag = graded[0][0] if graded else f"cell-{i:02d}"
            nb.cells.append(_meta(new_code_cell(text), f"answer-{tag}-{i:02d}", solution=True))
            if graded:
                tests = "\n".join(f"_grade({n!r}, {expr})" for n, expr in graded)
                body = ("# Graded when you hand in the notebook: the answer left above is the one that counts.\n"
                        "### BEGIN HIDDEN TESTS\nfrom pathway.course import _grade\n"
                        f"{tests}\n### END HIDDEN TESTS")
                nb.cells.append(_meta(new_code_cell(body), f"grade-{tag}-{i:02d}", grade=True,
                                      points=len(graded)))
        for j, c in enumerate(nb.cells):
            c.id = f"cell-{j:02d}"          # stable ids: rebuilding changes only what changed
        out[name] = nb
    return out


def nbgrader_config(course_id: str = "ketamine-pathway") -> str:
    """The nbgrader configuration the course uses (also written to course/nbgrader_config.py)."""
    names = ", ".join(f"dict(name={n!r})" for n in COURSE)
    return (f"# nbgrader's settings for this course (written by course/build.py).\n"
            "import os\n"
            "# Autograding runs every submission on one machine: keep the checker's tries per notebook\n"
            "# run, not in a file shared by all submissions.\n"
            "os.environ['PATHWAY_COURSE_STATE'] = ''\n"
            f"c = get_config()\n"
            f"c.CourseDirectory.course_id = {course_id!r}\n"
            f"c.CourseDirectory.db_assignments = [{names}]\n"
            "# The student's blank answer line stays above the solution; nbgrader puts this in its place.\n"
            "c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE'}\n"
            "c.ClearSolutions.text_stub = 'YOUR ANSWER HERE'\n"
            "# A notebook may take a while on a shared machine; a cell gets five minutes.\n"
            "c.ExecutePreprocessor.timeout = 300\n")


def write_course(course_dir: Path, names=None) -> Path:
    """An nbgrader course folder: the config and source/<assignment>/<assignment>.ipynb."""
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / "nbgrader_config.py").write_text(nbgrader_config(), encoding="utf-8")
    for name, nb in source_notebooks().items():
        if names is None or name in names:
            folder = course_dir / "source" / name
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{name}.ipynb")
    return course_dir


def nbgrader_api(course_dir: Path):
    """nbgrader's Python API on a course folder written by :func:`write_course`."""
    import os
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    # the gradebook's migrations run nbgrader's tools, found beside this Python
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    config = Config()
    before = os.environ.get("PATHWAY_COURSE_STATE")
    exec(compile(nbgrader_config(), "nbgrader_config.py", "exec"), {"get_config": lambda: config})
    if before is None:                 # the config's setting is for nbgrader's own runs (see grade)
        os.environ.pop("PATHWAY_COURSE_STATE", None)
    else:
        os.environ["PATHWAY_COURSE_STATE"] = before
    config.CourseDirectory.root = str(course_dir)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _ok(result: dict, what: str) -> None:
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not {what}:\n{result['error']}\n{result['log']}")


def release(names=None, into: Path | None = None) -> dict[str, Path]:
    """Generate the student versions with nbgrader (solutions and hidden tests
    removed) and return where each one is."""
    work = Path(tempfile.mkdtemp(prefix="course-release-"))
    write_course(work, names)
    api = nbgrader_api(work)
    out = {}
    for name in (names or list(COURSE)):
        _ok(api.generate_assignment(name, force=True), f"generate {name}")
        out[name] = work / "release" / name / f"{name}.ipynb"
    if into is not None:
        for name, path in out.items():
            shutil.copy(path, into / f"{name}.ipynb")
    return out


def grade(course_dir: Path, assignment: str, csv_path: Path) -> None:
    """Autograde every submission of ``assignment`` in ``course_dir`` (submitted/<student>/...),
    write each student's feedback page and export every grade as CSV."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    api = nbgrader_api(course_dir)
    students = sorted(p.name for p in (course_dir / "submitted").iterdir() if (p / assignment).is_dir())
    with Gradebook(api.coursedir.db_url, course_id=api.coursedir.course_id) as gb:
        for student in students:
            gb.update_or_create_student(student)
    import os
    before = os.environ.get("PATHWAY_COURSE_STATE")
    os.environ["PATHWAY_COURSE_STATE"] = ""       # tries kept per run, as nbgrader_config.py says
    try:
        for student in students:
            _ok(api.autograde(assignment, student, force=True), f"autograde {student}")
            _ok(api.generate_feedback(assignment, student, force=True), f"write feedback for {student}")
    finally:
        if before is None:
            os.environ.pop("PATHWAY_COURSE_STATE", None)
        else:
            os.environ["PATHWAY_COURSE_STATE"] = before
    with Gradebook(api.coursedir.db_url, course_id=api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(csv_path)).export(gb)


def _kind(e) -> str:
    if e.kind == "choice":
        return f"choice of {len(e.choices)}"
    return {"number": "numeric", "integer": "numeric (a count)", "judge": "written (judged)"}[e.kind]


def guide() -> str:
    """course/INSTRUCTOR.md: the run of the course, time, goals, exercises and notes."""
    table = exercises()              # registered when course_bank was imported
    lines = ["# The course, for the instructor", "",
             "Written by `course/build.py`; edit the course there.", "",
             "## Before class", "",
             "Warm up the solver once on the machine the class uses (it compiles the numerical kernel and "
             "caches it on disk, so the first notebook does not wait for the compiler):", "",
             "```bash", "python -m pathway.course warm-up", "```", "",
             "## Handing out and grading with nbgrader", "",
             "`course/source/` holds the instructor's notebooks: solutions between `### BEGIN SOLUTION` and "
             "`### END SOLUTION`, and after each checked exercise a hidden test cell worth one point. "
             "`notebooks/` holds what students receive, generated from them by nbgrader (solutions and "
             "hidden tests removed). In a course folder with `course/nbgrader_config.py`:", "",
             "```bash",
             "nbgrader generate_assignment 05_dose_response      # release/05_dose_response/",
             "# collect submissions into submitted/<student>/05_dose_response/",
             "nbgrader autograde 05_dose_response                # runs each submission with the hidden tests",
             "nbgrader generate_feedback 05_dose_response        # feedback/<student>/05_dose_response/*.html",
             "nbgrader export --to grades.csv                    # one row per student and assignment",
             "```", "",
             "The grade is the answer a student leaves in the notebook: the hidden test runs the same "
             "check on it, without the limit on tries. In class, `check()` judges a limited number of "
             "different answers per exercise (one less than the options of a choice; four for numbers) "
             "and never says which way a number is off, so answers cannot be found by trying. Tries are "
             "kept in `~/.pathway-course/tries.json` (set `PATHWAY_COURSE_STATE` to move it, or to an "
             "empty string to keep them for one session); delete the file to give a student new tries. "
             "`nbgrader_config.py` sets it empty for nbgrader's runs, so submissions graded on one machine "
             "do not share tries. From Python, `grade(course_dir, assignment, csv_path)` in "
             "`course/build.py` autogrades every submission, writes the feedback and exports the CSV.", "",
             "## The notebooks", ""]
    total = 0
    for name, cells in COURSE.items():
        minutes, notes = NOTES[name]
        total += minutes
        title = cells[0][1].splitlines()[0].lstrip("# ")
        goals_text = cells[0][1].split("**Learning goals.** After this notebook you can\n")[1].split("\n\n")[0]
        lines += [f"### {title}", "", f"`{name}.ipynb` · about {minutes} minutes in class", "",
                  "Learning goals: after this notebook a student can", goals_text, "",
                  "| exercise | type | question |", "|---|---|---|"]
        for e in table.values():
            if e.notebook == name:
                lines.append(f"| `{e.name}` | {_kind(e)} | {e.prompt.replace('|', '/')} |")
        predictions = [c[1].split("predict(")[1].split(",")[0] for c in cells
                       if c[0] == "ex" and "predict(" in c[1]]
        if predictions:
            lines.append(f"| {', '.join(predictions)} | prediction (predict, run, explain; not graded) | "
                         "recorded before the run, compared by reveal() |")
        lines += ["", "Teaching notes:"] + [f"- {n}" for n in notes] + [""]
    lines.insert(lines.index("## The notebooks") + 2,
                 f"Twelve notebooks, about {total / 60:.1f} hours in class in all.\n")
    return "\n".join(lines) + "\n"


def main():
    sources = HERE / "source"
    if sources.exists():
        shutil.rmtree(sources)
    write_course(HERE)
    students = ROOT / "notebooks"
    for old in students.glob("*.ipynb"):
        old.unlink()
    release(into=students)
    (HERE / "INSTRUCTOR.md").write_text(guide(), encoding="utf-8")


if __name__ == "__main__":
    main()
