"""Published trials run through the model: each trial file's arms as virtual-patient populations.

:func:`arm_plan` turns one arm of a trial (``models/trials/*.toml``, read by :mod:`pathway.trials`) into a
scenario of the model: the study drug by its route, dose and schedule, the comparator mapped to one of the model's
inert drugs, and the background treatment every arm had. :func:`compare_trials` simulates every arm as a
population of virtual patients (:func:`pathway.population.simulate_population`, the same people in every arm) and
sets each number the trial recorded beside the model's, with the trial's own 95% interval:

* **response** and **remission**: the share of virtual patients whose symptoms have fallen by the model's response
  (remission) level, counted from the first study dose, as one interview finds them: each person's course
  drifts from where the model puts them, and each interview adds its error (the population's ``course_spread``,
  ``course_time`` and ``rating_noise``; :class:`pathway.rating.Rating`). The interval is Wilson's score interval
  from the count and n (or the trial's own interval where it gave one).
* **change** and **score** on a rating scale: the model's relief is the fraction by which a rating scale falls
  (its ``[population]`` definitions), so an arm's mean change is ``-(mean fall) x baseline score`` and its score
  ``baseline x (1 - mean fall)``. The baseline is the arm's own score at time 0, else the mean of the trial's other
  arms, else :data:`ASSUMED_BASELINE` (an assumption, said in the row). The interval is mean +- 1.96 se (se from
  the trial's se, interval, or sd and n).
* **relapse** among the people who met a level at a reference time (``among = "responders"``, ``"remitters"`` or
  ``"nonremitting_responders"``, ``since`` in the trial file: the end of a series of infusions, or randomisation in
  a withdrawal trial): of the virtual patients whose course (fall plus drift) met the response (remission) level at
  the ``since`` reading, the share who relapsed at a reading from ``since`` to the outcome's time. By default a
  relapse is a course below the response level at one reading, read every :data:`RELAPSE_READ_EVERY_H` hours (a lost
  response, counted once and kept, as a trial's time to relapse counts it). Where the trial file gives the trial's
  own definition, it is used: ``relapse_score`` (a rating at or above this score on the trial's scale, that is a
  fall of at most ``1 - score / baseline``), ``confirm`` (on that many consecutive readings) and ``read_every`` (the
  visits' spacing). A relapse is read from each person's course without the interview's error. Where no virtual
  patient is in the group the number is ``not simulated``. The interval is Wilson's, from the rate and the group's
  n.
* **differences** between an active arm and its control at the same time: the trial's own contrasts, and every
  pair of arm values that both carry a spread (changes: se added in quadrature; rates: Newcombe's interval from
  the two Wilson intervals).

Where a design cannot be mimicked (a drug or route the model lacks), the row says ``not simulated`` and why. A
number without any spread (no se, sd with n, interval, or n for a rate) is simulated and shown, but it cannot be
judged: its status is ``no interval``.

Which of the model's drugs, routes and interventions stand for the drugs the trial files name is data: the model's
*trial map*, ``trialmap/<model file name>`` beside the model file (:func:`load_trialmap`); a model without one has
every arm ``not simulated``. Background treatment: ``ongoing`` (an antidepressant taken for weeks before the trial)
is the map's ``[background]`` drug from ``ongoing_lead`` before the first study dose, by its ``ongoing_route``
(default: its ``route``; the model's route for a pill that has already failed, which sets up no expectancy);
``newly-started-oral-antidepressant`` is the same drug from the first study dose on, in every arm. A
**randomised-withdrawal** trial is written with each arm's whole course as its doses: the open-label induction
every arm had, then that arm's own continuation (the drug, or its placebo). The virtual people are the same in
every arm, so the group at randomisation is the same people in both arms, and relapse is counted in it as
above. The fall in symptoms is counted from each person's state at the first study dose:
``fall = (r(t) - r(0)) / (1 - r(0))`` for relief ``r``, so a person already helped by the background is judged
against the score they entered the trial with.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import UsageError, suggest
from .modelfile import Dose, Model, Scenario, parse_quantity
from .rating import Rating, rated_share
from .trials import RATE_MEASURES, RELAPSE_READ_EVERY_H, Z95, Arm, Outcome, Trial, load_trials, wilson
from .transforms import scale_parameter

__all__ = ["ArmPlan", "Row", "arm_plan", "simulate_arms", "compare_trials", "wilson", "newcombe",
           "headline", "load_trialmap", "default_trialmap_path", "relapse_readings", "N_PEOPLE", "SEED",
           "ASSUMED_BASELINE", "RELAPSE_READ_EVERY_H", "relapse_note"]

#: Virtual patients per arm and their seed: every arm of every trial draws the same people.
N_PEOPLE = 400
SEED = 20260
#: A rating-scale baseline where the trial file gives none (MADRS): the model's own definitions take "a typical
#: baseline MADRS of about 33". Assumption, used only where a trial reports no baseline.
ASSUMED_BASELINE = {"MADRS": 33.0}
#: Reading just after the first study dose: the state people entered the trial in.
T_ENTRY_H = 1e-4
#: Shown beside a relapse number counted by the default rule: how the model counts it.
RELAPSE_NOTE = ("relapse: of the virtual patients who met the response (remission) level at the reference "
                "reading, the share whose course (their fall from entry, plus the drift of their course since "
                "entry) dropped below the response level at any daily reading up to the outcome's time (once "
                "relapsed, counted as relapsed)")


#: Whom a relapse outcome counts, in words.
_GROUP_WORDS = {"responders": "response level", "remitters": "remission level",
                "nonremitting_responders": "response level but not the remission level"}


def relapse_note(o: Outcome, baseline: float | None = None) -> str:
    """How the model counts one relapse outcome: :data:`RELAPSE_NOTE`, or the trial's own definition."""
    if o.relapse_score is None and o.confirm == 1 and o.read_every_h is None:
        return RELAPSE_NOTE
    every = o.read_every_h if o.read_every_h is not None else RELAPSE_READ_EVERY_H
    if o.relapse_score is not None:
        what = (f"a {o.scale} score of {o.relapse_score:g} or more (a fall of at most "
                f"{1 - o.relapse_score / baseline:.2f} from the baseline {baseline:g})")
    else:
        what = "a course below the response level"
    times = "one reading" if o.confirm == 1 else f"{o.confirm} consecutive readings"
    return (f"relapse as the trial defined it: of the virtual patients who met the {_GROUP_WORDS[o.among]} at "
            f"the reference reading, the share whose course (their fall from entry, plus its drift) showed {what} "
            f"on {times}, read every {every / 24:g} d up to the outcome's time")
#: Shown beside every number of a randomised-withdrawal trial.
WITHDRAWAL_NOTE = ("randomised withdrawal simulated from the first open-label dose: every arm runs the "
                   "induction in its doses, then its own continuation; the same virtual people in every arm, so "
                   "the group at randomisation is the same people in each")


# ---------------------------------------------------------------- intervals

def newcombe(p1: float, ci1, p2: float, ci2) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``p1 - p2`` from the two proportions' intervals."""
    (l1, u1), (l2, u2) = ci1, ci2
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _outcome_interval(o: Outcome, arm: Arm) -> tuple[float, float] | None:
    """The trial's 95% interval of one arm value (:meth:`pathway.trials.Outcome.interval`), or None."""
    return o.interval(arm.n)


def _contrast_interval(c) -> tuple[float, float] | None:
    if c.ci is not None:
        return tuple(c.ci)
    if c.se is not None:
        return c.mean - Z95 * c.se, c.mean + Z95 * c.se
    return None


# ---------------------------------------------------------------- trial design -> scenario

@dataclass(frozen=True)
class ArmPlan:
    """One trial arm as the model runs it: ``model`` (with any intervention applied) and ``scenario``, or
    ``reason`` why it cannot be simulated. ``notes`` say where the mapping is an approximation."""

    trial: str
    arm: str
    model: Model | None
    scenario: Scenario | None
    reason: str = ""
    notes: tuple[str, ...] = ()


def _repeat(dose: Dose, times: tuple[float, ...]) -> list[Dose]:
    """One model dose line per time, or one evenly spaced line."""
    if len(times) > 2:
        steps = np.diff(times)
        if np.allclose(steps, steps[0]):
            return [replace(dose, start_h=times[0], every_h=float(steps[0]), count=len(times))]
    return [replace(dose, start_h=t) for t in times]


@dataclass(frozen=True)
class TrialMap:
    """How the trial files' drug names become the model's doses (``models/trialmap/<model file>``)."""

    drugs: dict
    background: dict | None
    source: str
    populations: dict = field(default_factory=dict)
    hospital: dict | None = None


def default_trialmap_path(model: Model) -> Path:
    """The trial map beside a model file: ``trialmap/<model file name>`` in its folder."""
    return Path(model.source).parent / "trialmap" / Path(model.source).name


def load_trialmap(model: Model, path=None) -> TrialMap | None:
    """The model's trial map, or None where the model has none (every arm is then not simulated)."""
    path = Path(path) if path is not None else default_trialmap_path(model)
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the trial map ({exc})\n"
                         "  hint: it is a TOML file with [drugs.NAME] tables; see models/trialmap") from None
    drugs = data.get("drugs", {})
    if not isinstance(drugs, dict) or not all(isinstance(v, dict) for v in drugs.values()):
        raise UsageError(f"{path}: [drugs] must hold one table per trial drug name\n"
                         "  hint: write [drugs.ketamine] with lines = [...]")
    for name, entry in drugs.items():
        unknown = set(entry) - {"lines", "routes", "infusion", "intervention", "note", "masked_lines", "masked_note"}
        if unknown:
            raise UsageError(f"{path}: [drugs.{name}] has unknown key '{sorted(unknown)[0]}'\n"
                             "  hint: the keys are lines, routes, infusion, intervention, note, masked_lines and "
                             "masked_note")
        if "masked_lines" in entry and "lines" not in entry:
            raise UsageError(f"{path}: [drugs.{name}] has masked_lines but no lines\n"
                             "  hint: masked_lines replace lines only in a trial whose design says masked_by")
        if ("lines" in entry) == ("intervention" in entry):
            raise UsageError(f"{path}: [drugs.{name}] needs either lines or intervention\n"
                             "  hint: lines = [{ drug = \"...\" }] gives doses; intervention = \"...\" "
                             "applies one of the model's interventions")
    background = data.get("background")
    if background is not None:
        where = f"{path}: [background]"
        if not isinstance(background, dict):
            raise UsageError(f"{where} must be a table\n  hint: [background] with drug, route, amount and every")
        unknown = set(background) - {"drug", "route", "amount", "every", "ongoing_lead", "ongoing_route", "note"}
        if unknown:
            raise UsageError(f"{where} has unknown key '{sorted(unknown)[0]}'\n"
                             "  hint: the keys are drug, route, amount, every, ongoing_lead, ongoing_route and note")
        drug = model.drugs.get(background.get("drug", ""))
        for key in ("route", "ongoing_route"):
            name = background.get(key)
            if drug is not None and name is not None and name not in drug.routes:
                raise UsageError(f"{where}: {key} = {name!r} is not a route of the model's drug "
                                 f"'{background['drug']}'\n  hint: {suggest(str(name), drug.routes)}")
    hospital = data.get("hospital")
    if hospital is not None:
        _check_hospital(model, hospital, f"{path}: [hospital]")
    populations = data.get("populations", {})
    if not isinstance(populations, dict) or not all(isinstance(v, dict) for v in populations.values()):
        raise UsageError(f"{path}: [populations] must hold one table per trial population\n"
                         "  hint: write [populations.older-adults] with min_age and scale")
    for name, entry in populations.items():
        where = f"{path}: [populations.{name}]"
        unknown = set(entry) - {"min_age", "treatment_resistant", "scale", "note"}
        if unknown:
            raise UsageError(f"{where} has unknown key '{sorted(unknown)[0]}'\n"
                             "  hint: the keys are min_age, treatment_resistant, scale and note")
        if "min_age" not in entry and "treatment_resistant" not in entry:
            raise UsageError(f"{where} says no trial it applies to\n"
                             "  hint: give min_age (trials of people at least this old) or treatment_resistant "
                             "(true or false: trials whose [population] says the same)")
        age = entry.get("min_age", 18)
        if isinstance(age, bool) or not isinstance(age, (int, float)) or not 0 < age < 120:
            raise UsageError(f"{where}: min_age = {age!r} is not an age in years\n"
                             "  hint: the population applies to trials whose min_age is at least this, "
                             "e.g. min_age = 65")
        if not isinstance(entry.get("treatment_resistant", False), bool):
            raise UsageError(f"{where}: treatment_resistant = {entry['treatment_resistant']!r} is not true or "
                             "false\n  hint: treatment_resistant = false applies the population to trials whose "
                             "[population] says treatment_resistant = false")
        scale = entry.get("scale")
        if not isinstance(scale, dict) or not scale:
            raise UsageError(f"{where}: scale must name at least one parameter\n"
                             "  hint: scale = { relief_half_drive = \"older_adult_factor\" } multiplies the first "
                             "parameter by the value of the second")
        for target, factor in scale.items():
            for pname in (target, factor):
                if not isinstance(pname, str) or pname not in model.parameters:
                    raise UsageError(f"{where}: the model has no parameter {pname!r}\n"
                                     f"  hint: {suggest(str(pname), model.parameters)}")
            if model.parameters[factor].dimension != "number" or not model.parameters[factor].low > 0:
                raise UsageError(f"{where}: '{factor}' must be a plain number above zero (it is a "
                                 f"{model.parameters[factor].dimension} from {model.parameters[factor].low:g})\n"
                                 "  hint: a scale factor is a parameter without a unit whose range is above zero")
    return TrialMap(drugs, background if isinstance(background, dict) else None, str(path), populations, hospital)


def _entry_drug(model: Model, entry: dict) -> str | None:
    """The model drug a trial-map entry (a dose line, or ``[hospital]``) names: the model's inert drug where it
    says ``inert = true``, else its ``drug``."""
    return model.roles.inert if entry.get("inert") else entry.get("drug")


def _check_hospital(model: Model, entry, where: str) -> None:
    """Check the trial map's ``[hospital]``: the model's dose that stands for each day of a stay in a ward."""
    keys = "inert, drug, route, amount, every and note"
    if not isinstance(entry, dict):
        raise UsageError(f"{where} must be a table\n  hint: [hospital] with {keys}")
    unknown = set(entry) - {"inert", "drug", "route", "amount", "every", "note"}
    if unknown:
        raise UsageError(f"{where} has unknown key '{sorted(unknown)[0]}'\n  hint: the keys are {keys}")
    if not entry.get("inert") and "drug" not in entry:
        raise UsageError(f"{where} names no drug\n  hint: inert = true gives the model's inert drug; "
                         "drug = \"...\" names another")
    drug = _entry_drug(model, entry)
    if drug not in model.drugs:
        raise UsageError(f"{where}: the model has no drug {drug!r}\n  hint: {suggest(str(drug), model.drugs)}")
    route = entry.get("route")
    if route not in model.drugs[drug].routes:
        raise UsageError(f"{where}: route = {route!r} is not a route of the model's drug '{drug}'\n"
                         f"  hint: {suggest(str(route), model.drugs[drug].routes)}")
    for key, dim in (("amount", "mass"), ("every", "time")):
        try:
            value = parse_quantity(str(entry.get(key)), dim)[0]
        except UsageError:
            value = None
        if value is None or not value > 0:
            raise UsageError(f"{where}: {key} = {entry.get(key)!r} is not a {dim} above zero\n"
                             f"  hint: e.g. amount = \"1 mg\" and every = \"24 h\"")


def population_applies(trial: Trial, entry: dict) -> bool:
    """Whether a trial map's ``[populations.NAME]`` ``entry`` stands for ``trial``'s people: every selector it
    gives must hold (``min_age``: the trial enrolled no one younger; ``treatment_resistant``: the trial's
    population says the same, so a pooled analysis of both kinds, "mixed", matches neither)."""
    if "min_age" in entry and (trial.min_age is None or trial.min_age < entry["min_age"]):
        return False
    return "treatment_resistant" not in entry or trial.treatment_resistant is entry["treatment_resistant"]


def population_scale(model: Model, trial: Trial, tmap: TrialMap) -> tuple[Model, list[str]]:
    """``model`` as it stands for ``trial``'s population: every ``[populations.NAME]`` of the trial map that
    applies to the trial (:func:`population_applies`) multiplies its parameters by its factors (the factor is a
    parameter of the model, so a fit can estimate it). The parameter's range is scaled with it: the range bounds the
    value (and the spread of the virtual patients around it) for the adults the model stands for."""
    notes: list[str] = []
    for name, entry in tmap.populations.items():
        if not population_applies(trial, entry):
            continue
        for target, factor in entry["scale"].items():
            model = scale_parameter(model, target, model.parameters[factor].value)
        notes.append(entry.get("note") or f"trial population '{name}'")
    return model, notes


def _hours_of(text: str) -> float:
    return parse_quantity(text, "time")[0]


def _map_dose(model: Model, tmap: TrialMap, d, masked_by: str = "") -> tuple[list[Dose], list[str], list[str], str]:
    """(model dose lines, interventions to apply, notes, reason it cannot be mimicked or ''). In a trial whose
    design says something beyond the usual blinding hid the arms from everyone (``masked_by``), a drug with
    ``masked_lines`` in the map is given by those lines instead (saline under general anaesthesia is a placebo
    nobody can recognise)."""
    entry = tmap.drugs.get(d.drug)
    if entry is None:
        return [], [], [], f"the model has no drug '{d.drug}' (its trial map names none)"
    if masked_by and "masked_lines" in entry:
        note = entry.get("masked_note", f"{d.drug} given under {{masked_by}}").replace("{masked_by}", masked_by)
        entry = {**entry, "lines": entry["masked_lines"], "note": note}
    notes = [entry["note"]] if entry.get("note") else []
    if "intervention" in entry:
        if entry["intervention"] not in model.interventions:
            return [], [], [], f"the model has no intervention '{entry['intervention']}' for {d.drug}"
        return [], [entry["intervention"]], notes, ""
    if "routes" in entry and d.route not in entry["routes"]:
        return [], [], [], f"{d.drug} by the route '{d.route}' is not in the model"
    dur = d.duration_h
    if dur is None and "infusion" in entry:
        dur = _hours_of(entry["infusion"])
        notes.append(f"infusion time not given: {entry['infusion']} assumed")
    lines = []
    for line in entry["lines"]:
        drug = _entry_drug(model, line)
        route = line.get("route", d.route)
        if drug is None or drug not in model.drugs:
            return [], [], [], f"the model has no drug '{drug}' to stand for {d.drug}"
        if route not in model.drugs[drug].routes:
            return [], [], [], f"the model has {drug} but not by the route '{route}'"
        absorbed = model.drugs[drug].routes[route].absorption_half_life_h is not None
        if "amount" in line:
            amount, per_kg = parse_quantity(line["amount"], "mass")[0], False
        else:
            amount, per_kg = d.amount * float(line.get("share", 1.0)), d.unit == "mg/kg"
        dose = Dose(drug, route, amount, per_kg, duration_h=0.0 if absorbed else (dur or 0.0))
        lines += _repeat(dose, d.times_h)
    return lines, [], notes, ""


def arm_plan(model: Model, trial: Trial, arm: Arm, until_h: float, tmap: TrialMap | None = None) -> ArmPlan:
    """The scenario that mimics ``arm`` of ``trial`` up to ``until_h`` hours after its first dose."""
    from .scenarios import apply_intervention

    tmap = tmap if tmap is not None else load_trialmap(model)
    if tmap is None:
        return ArmPlan(trial.id, arm.id, None, None, reason="the model has no trial map (trialmap/ beside its "
                       "file) to turn the trial's drugs into its doses")
    doses: list[Dose] = []
    interventions: list[str] = []
    notes: list[str] = []
    for d in arm.doses:
        lines, ivs, more, reason = _map_dose(model, tmap, d, trial.masked_by)
        if reason:
            return ArmPlan(trial.id, arm.id, None, None, reason=reason)
        doses += lines
        interventions += ivs
        notes += more
    if trial.background in ("ongoing", "newly-started-oral-antidepressant"):
        bg = tmap.background
        if not bg or bg.get("drug") not in model.drugs or bg.get("route") not in model.drugs[bg["drug"]].routes:
            return ArmPlan(trial.id, arm.id, None, None, reason="the model has no background antidepressant "
                           "(the trial map's [background])")
        every = _hours_of(bg.get("every", "24 h"))
        lead = _hours_of(bg.get("ongoing_lead", "8 wk"))
        start = -lead if trial.background == "ongoing" else 0.0
        count = int(math.floor((until_h - start) / every)) + 1
        route = bg.get("ongoing_route", bg["route"]) if trial.background == "ongoing" else bg["route"]
        doses.append(Dose(bg["drug"], route, parse_quantity(bg["amount"], "mass")[0], False,
                          start_h=start, every_h=every, count=count))
        notes.append(bg.get("note", "background antidepressant")
                     + (f", from {lead / 168:g} weeks before" if start < 0 else ""))
    elif trial.background == "mixed":
        notes.append("background treatment mixed across the pooled trials: none simulated")
    if trial.hospital_stay_h:
        ward = tmap.hospital
        if ward is None:
            return ArmPlan(trial.id, arm.id, None, None, reason="the model has no stay in hospital (the trial "
                           "map's [hospital])")
        every = _hours_of(ward["every"])
        days = max(1, int(math.ceil(trial.hospital_stay_h / every - 1e-9)))
        doses.append(Dose(_entry_drug(model, ward), ward["route"], parse_quantity(ward["amount"], "mass")[0], False,
                          start_h=0.0, every_h=every, count=days))
        notes.append(ward.get("note", "a stay in hospital") + f": {trial.hospital_stay_h / 24:g} days")
    if trial.allocation == "crossover":
        notes.append("crossover trial simulated as its first period, in parallel arms")
    if trial.allocation == "randomised-withdrawal":
        notes.append(WITHDRAWAL_NOTE)
    if not doses:
        return ArmPlan(trial.id, arm.id, None, None, reason="the arm gives nothing the model can dose")
    variant, more = population_scale(model, trial, tmap)
    notes += more
    for name in interventions:
        variant = apply_intervention(variant, name)
    sc = Scenario(name=f"{trial.id}:{arm.id}", description=f"{trial.name}: {arm.label}",
                  days=max(until_h, 1.0) / 24.0, doses=tuple(doses), label=arm.label)
    return ArmPlan(trial.id, arm.id, variant, sc, notes=tuple(dict.fromkeys(notes)))


# ---------------------------------------------------------------- simulation

@dataclass(frozen=True)
class ArmResult:
    """Per person and time, the fraction by which symptoms fell since the first study dose."""

    fall: np.ndarray             # people x times
    times_h: tuple[float, ...]
    response: float
    remission: float
    notes: tuple[str, ...] = ()
    rating: Rating = Rating()    # how a rating finds each person (the population's rating_noise and course)
    seed: int = SEED             # the people's seed, which also draws their courses

    def column(self, t: float) -> np.ndarray:
        return self.fall[:, self.times_h.index(t)]


def relapse_readings(o: Outcome) -> tuple[float, ...]:
    """The readings a relapse outcome is counted on (hours): its reference reading ``since``, then one every
    ``read_every`` of the trial file (default :data:`RELAPSE_READ_EVERY_H` hours), and the outcome's own time."""
    every = o.read_every_h if o.read_every_h is not None else RELAPSE_READ_EVERY_H
    steps = int(math.ceil((o.time_h - o.since_h) / every - 1e-9))
    inner = [o.since_h + k * every for k in range(1, steps)]
    return (o.since_h, *inner, o.time_h)


def _times(trial: Trial, arm: Arm) -> list[float]:
    ts = {o.time_h for o in arm.outcomes if o.time_h > 0}
    ts |= {c.time_h for c in trial.contrasts if arm.id in c.arms and c.time_h > 0}
    for o in arm.outcomes:
        if o.measure == "relapse":
            ts |= {t for t in relapse_readings(o) if t > 0}
    return sorted(ts)


def simulate_arms(model: Model, trials, *, n: int = N_PEOPLE, seed: int = SEED,
                  transform=None) -> dict:
    """Simulate every arm of ``trials``: ``{(trial id, arm id): ArmResult or ArmPlan (not simulated)}``.

    ``transform`` (model -> model) is applied before each arm's interventions (the fit sets parameters with it).
    """
    from .population import MAX_TIMES, simulate_population

    base = model if transform is None else transform(model)
    tmap = load_trialmap(model)
    out = {}
    for t in trials:
        for a in t.arms:
            times = _times(t, a)
            if not times:
                continue
            plan = arm_plan(base, t, a, max(times), tmap)
            if plan.scenario is None:
                out[(t.id, a.id)] = plan
                continue
            read = np.array([T_ENTRY_H] + times)
            # at most MAX_TIMES readings a run (a relapse window is read daily): longer lists in several runs
            # of the same people (the same seed), joined; an arm with fewer readings is one run as before
            parts = [simulate_population(plan.model, plan.scenario, n=n, seed=seed,
                                         times_h=read[i:i + MAX_TIMES]) for i in range(0, len(read), MAX_TIMES)]
            pop = parts[0]
            r = np.clip(np.concatenate([p.outcome for p in parts], axis=1), 0.0, None)
            r0 = np.minimum(r[:, :1], 0.999)
            fall = (r[:, 1:] - r0) / (1.0 - r0)
            out[(t.id, a.id)] = ArmResult(fall, tuple(times), pop.response, pop.remission, plan.notes,
                                          pop.rating, seed)
    return out


# ---------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Row:
    """One recorded number beside the model's."""

    trial: str
    role: str
    kind: str                    # "arm" or "difference"
    arm: str                     # the arm (for a difference: "drug arm - control arm")
    time_h: float
    measure: str
    observed: float
    low: float | None
    high: float | None
    model: float | None
    status: str                  # "within", "miss", "no interval", "not simulated"
    source: str
    reason: str = ""
    notes: tuple[str, ...] = ()
    se: float | None = None      # the spread the fit weighs the residual by (from the interval)
    derived: bool = False        # a difference computed from two arm values of the file (not recorded itself)
    among: str = ""              # a relapse rate: whom it counts (responders, remitters, ...)

    @property
    def key(self) -> tuple:
        """What tells this number from every other of its trial's: arm, time, measure and group."""
        return (self.trial, self.kind, self.arm, self.time_h, self.measure, self.among)

    @property
    def what(self) -> str:
        """The measure, with the group a relapse rate counts: ``relapse (remitters)``."""
        return f"{self.measure} ({self.among.replace('_', ' ')})" if self.among else self.measure

    @property
    def judged(self) -> bool:
        return self.status in ("within", "miss")

    def to_dict(self) -> dict:
        return {"trial": self.trial, "role": self.role, "kind": self.kind, "arm": self.arm,
                "time_h": self.time_h, "measure": self.measure, "observed": self.observed,
                "interval": None if self.low is None else [self.low, self.high],
                "model": self.model, "status": self.status, "source": self.source,
                "reason": self.reason, "notes": list(self.notes), "derived": self.derived,
                "among": self.among or None}


def _baseline(trial: Trial, arm: Arm) -> tuple[float, str]:
    for o in arm.outcomes:
        if o.measure == "score" and o.time_h == 0:
            return o.mean, ""
    if trial.baseline_mean is not None:
        return trial.baseline_mean, ""
    others = [o.mean for a in trial.arms for o in a.outcomes if o.measure == "score" and o.time_h == 0]
    if others:
        return float(np.mean(others)), "baseline: mean of the trial's other arms"
    if trial.scale in ASSUMED_BASELINE:
        b = ASSUMED_BASELINE[trial.scale]
        return b, f"baseline {trial.scale} {b:g} assumed (the trial file gives none)"
    raise UsageError(f"trial '{trial.id}' gives no baseline {trial.scale} score\n"
                     "  hint: add the arms' scores at time 0 to the trial file")


def _model_value(res: ArmResult, measure: str, t: float, baseline: float, smooth: float = 0.0) -> float:
    """An arm's number as the model gives it. A rate counts people as one rating finds them (the arm's
    ``rating``: its error and the wandering of each course since entry); ``smooth`` > 0 widens the count
    further (for the fit: a rate that moves smoothly with the parameters)."""
    fall = res.column(t)
    if measure in ("response", "remission"):
        level = res.response if measure == "response" else res.remission
        return float(rated_share(fall, level, res.rating.sd(t), smooth))
    if measure == "change":
        return float(-np.mean(fall) * baseline)
    if measure == "score":
        return float(baseline * (1 - np.mean(fall)))
    raise UsageError(f"the model cannot compute a '{measure}' outcome\n  hint: response, remission, "
                     "change and score are computed")


def _relapse_value(res: ArmResult, o: Outcome, smooth: float = 0.0, baseline: float | None = None) -> float | None:
    """The share of the people ``among`` the responders (remitters, or responders who were not remitters) at
    ``since`` who relapsed by the outcome's time: their course went below the response level at a reading,
    or, where the trial file defines a relapse by a score, showed that score (a fall of at most
    ``1 - relapse_score / baseline``) on ``confirm`` consecutive readings. None when nobody is in the group."""
    reads = relapse_readings(o)
    level = res.remission if o.among == "remitters" else res.response
    under = res.remission if o.among == "nonremitting_responders" else None
    below = res.response
    if o.relapse_score is not None:
        if baseline is None:
            raise UsageError(f"the relapse outcome at {o.time_h:g} h gives relapse_score but no baseline score "
                             "is known\n  hint: give the trial's baseline_mean in its [population] table")
        below = 1.0 - o.relapse_score / baseline
    course = np.stack([res.column(t) for t in reads], axis=1)
    return res.rating.relapse_share(course, reads, 1, level, below, seed=res.seed, smooth=smooth,
                                    confirm=o.confirm, under=under)


def _uses_baseline(o: Outcome) -> bool:
    """Whether the model needs the arm's baseline score for this number: points on a scale, or a relapse
    defined by a score."""
    return o.measure in ("change", "score") or o.relapse_score is not None


def _status(value, lo, hi) -> str:
    if value is None:
        return "not simulated"
    if lo is None:
        return "no interval"
    return "within" if lo <= value <= hi else "miss"


def _pair_control(trial: Trial, arm: Arm) -> Arm | None:
    """The control arm an active arm is compared with: the one sharing most words of its id, then its dose times."""
    controls = [a for a in trial.arms if a.kind == "control"]
    if not controls:
        return None
    words = set(arm.id.split("_"))
    times = [d.times_h for d in arm.doses]

    def score(c):
        return (len(words & set(c.id.split("_"))), [d.times_h for d in c.doses] == times)
    return max(controls, key=score)


def compare_trials(model: Model, trials=None, *, n: int = N_PEOPLE, seed: int = SEED, results=None,
                   smooth: float = 0.0) -> list[Row]:
    """Every recorded arm value and difference of ``trials`` (default: all shipped trials) beside the model's."""
    trials = load_trials() if trials is None else tuple(trials)
    results = simulate_arms(model, trials, n=n, seed=seed) if results is None else results
    rows: list[Row] = []
    for t in trials:
        values = {}        # (arm, time, measure, relapse group) -> (model value, observed, interval)
        for a in t.arms:
            res = results.get((t.id, a.id))
            base, base_note = _baseline(t, a) if any(_uses_baseline(o) for o in a.outcomes) \
                or any(a.id in c.arms for c in t.contrasts) else (None, "")
            for o in a.outcomes:
                if o.time_h == 0 and o.measure == "score":
                    continue                 # the baseline: used to convert relief into points
                ci = _outcome_interval(o, a)
                lo, hi = ci if ci else (None, None)
                notes = tuple(x for x in ((base_note,) if _uses_baseline(o) else ()) if x)
                if isinstance(res, ArmResult) and o.measure == "relapse":
                    v = _relapse_value(res, o, smooth, base)
                    notes += tuple(_plan_notes(res)) + (relapse_note(o, base),)
                    reason = "" if v is not None else (f"no virtual patient was among the {o.among} at "
                                                      f"{o.since_h:g} h, whom the relapse rate counts")
                elif isinstance(res, ArmResult):
                    v = _model_value(res, o.measure, o.time_h, base, smooth)
                    notes += tuple(_plan_notes(res))
                    reason = ""
                else:
                    v, reason = None, (res.reason if res is not None else "no time after the first dose")
                values[(a.id, o.time_h, o.measure, o.among)] = (v, o.value, ci)
                se = (hi - lo) / (2 * Z95) if ci else None
                rows.append(Row(t.id, t.role, "arm", a.id, o.time_h, o.measure, o.value, lo, hi, v,
                                _status(v, lo, hi), o.source, reason, notes, se, among=o.among or ""))
        done = set()
        for c in t.contrasts:
            ra, rb = results.get((t.id, c.arms[0])), results.get((t.id, c.arms[1]))
            ci = _contrast_interval(c)
            lo, hi = ci if ci else (None, None)
            if isinstance(ra, ArmResult) and isinstance(rb, ArmResult):
                ba = _baseline(t, t.arm(c.arms[0]))[0]
                bb = _baseline(t, t.arm(c.arms[1]))[0]
                v = _model_value(ra, "change", c.time_h, ba, smooth) - _model_value(rb, "change", c.time_h, bb,
                                                                                  smooth)
                reason = ""
            else:
                bad = ra if not isinstance(ra, ArmResult) else rb
                v, reason = None, getattr(bad, "reason", "not simulated")
            done.add((c.arms[0], c.arms[1], c.time_h, "change"))
            se = (hi - lo) / (2 * Z95) if ci else None
            rows.append(Row(t.id, t.role, "difference", f"{c.arms[0]} - {c.arms[1]}", c.time_h, "change", c.mean,
                            lo, hi, v, _status(v, lo, hi), c.source, reason, (), se))
        for a in t.arms:
            if a.kind != "active":
                continue
            ctrl = _pair_control(t, a)
            if ctrl is None:
                continue
            for o in a.outcomes:
                key_c = (ctrl.id, o.time_h, o.measure, o.among)
                key_a = (a.id, o.time_h, o.measure, o.among)
                if key_c not in values or key_a not in values or (a.id, ctrl.id, o.time_h, o.measure) in done:
                    continue
                va, oa, ca = values[key_a]
                vc, oc, cc = values[key_c]
                obs = oa - oc
                if ca is None or cc is None:
                    lo = hi = None
                elif o.measure in RATE_MEASURES:
                    lo, hi = newcombe(oa, ca, oc, cc)
                else:
                    sa, sc = (ca[1] - ca[0]) / (2 * Z95), (cc[1] - cc[0]) / (2 * Z95)
                    half = Z95 * math.hypot(sa, sc)
                    lo, hi = obs - half, obs + half
                v = None if va is None or vc is None else va - vc
                se = (hi - lo) / (2 * Z95) if lo is not None else None
                rows.append(Row(t.id, t.role, "difference", f"{a.id} - {ctrl.id}", o.time_h, o.measure, obs, lo,
                                hi, v, _status(v, lo, hi), "from the two arm values above",
                                "" if v is not None else "an arm was not simulated", (), se, True,
                                among=o.among or ""))
    return rows


def _plan_notes(res) -> tuple[str, ...]:
    return getattr(res, "notes", ())


def headline(rows, role: str, kind: str = "arm") -> tuple[int, int]:
    """(within, judged) for one role and kind of row."""
    judged = [r for r in rows if r.role == role and r.kind == kind and r.judged]
    return sum(r.status == "within" for r in judged), len(judged)
