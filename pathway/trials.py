"""Published trials as data: ``models/trials/*.toml``, one file per trial.

Each file gives a trial's design (population, drug, route, dose and schedule, comparator, background treatment,
allocation and masking, n per arm) and the outcomes it reported, arm by arm and time by time, each number with the
place it came from. A trial is marked ``role = "calibrate"`` or ``role = "validate"`` before any fit; the rule is in
``models/trials/README.md``.

>>> trials = load_trials()
>>> tables = petab_tables(trials)
>>> len(tables["measurement"]) > 0
True

The loader is strict: an unknown key, a wrong type, a time or dose without a unit, a rate outside [0, 1], an n that
is not a positive whole number or an outcome without a source is refused with a message that names the file, the
trial, the arm and the key, and a hint. Times come back in hours.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import DataFileError, PathwayError, UsageError, format_number, suggest
from .tomlfile import CHECKER_STOPPED, UNFORESEEN, FileKind, read_toml

__all__ = ["Dose", "Outcome", "Arm", "Contrast", "Trial", "load_trial", "load_trials", "default_trials_dir",
           "petab_tables", "TIME_UNITS", "MEASURES", "RELAPSE_GROUPS", "COMPARATORS", "BACKGROUNDS"]

#: z for a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(rate: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval of a proportion ``rate`` out of ``n``."""
    if n <= 0:
        raise UsageError(f"a rate needs n >= 1, not {n}\n  hint: give the arm's n in the trial file")
    denom = 1 + z * z / n
    centre = (rate + z * z / (2 * n)) / denom
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


#: Hours in one of each time unit a trial file may use.
TIME_UNITS = {"min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0}
#: Dose units a trial file may use.
DOSE_UNITS = ("mg/kg", "mg")
ROUTES = ("iv", "intranasal", "oral", "im")
ROLES = ("calibrate", "validate")
KINDS = ("rct", "open-label", "case-series", "pooled-analysis")
RESULTS = ("positive", "null", "mixed")
ALLOCATIONS = ("parallel", "crossover", "single-arm", "randomised-withdrawal", "pooled")
MASKINGS = ("open-label", "single-blind", "double-blind", "triple-blind", "quadruple-blind")
#: What the control arm received in place of the study drug.
COMPARATORS = ("saline", "midazolam", "placebo-spray", "placebo-pill", "none", "mixed")
#: Treatment that every arm had beside the study drug.
BACKGROUNDS = ("none", "ongoing", "newly-started-oral-antidepressant", "mixed", "not-reported")
ARM_KINDS = ("active", "control")
#: Outcome measures: changes and scores are points on a rating scale; the rest are fractions of the arm.
MEASURES = ("change", "score", "response", "remission", "relapse")
RATE_MEASURES = ("response", "remission", "relapse")
#: Whom a relapse rate counts: the people who met this level at the outcome's ``since`` time (responders who
#: were not remitters: ``nonremitting_responders``).
RELAPSE_GROUPS = ("responders", "remitters", "nonremitting_responders")
#: Where a relapse outcome gives no ``read_every``, people are read this often (hours).
RELAPSE_READ_EVERY_H = 24.0
SCALES = ("MADRS", "HAM-D-17", "HAM-D-6", "HAM-D-21", "HAM-D-24")
CONTRAST_MEASURES = ("difference",)

_TRIAL_KEYS = {"trial", "population", "design", "arms", "contrasts"}
_HEAD_KEYS = {"id": str, "name": str, "title": str, "first_author": str, "journal": str, "year": int, "doi": str,
              "pmid": str, "role": str, "kind": str, "result": str, "notes": str, "not_verified": list,
              "registration": str}
_HEAD_REQUIRED = ("id", "name", "title", "journal", "year", "role", "kind", "result")
_POP_KEYS = {"treatment_resistant": (bool, str), "diagnosis": str, "scale": str, "baseline_mean": (int, float),
             "age": str, "min_age": (int, float), "note": str}
_POP_REQUIRED = ("treatment_resistant", "diagnosis", "scale")
_DESIGN_KEYS = {"allocation": str, "masking": str, "randomised": bool, "comparator": str, "background": str,
                "masked_by": str, "hospital_stay": str, "note": str}
_DESIGN_REQUIRED = ("allocation", "masking", "randomised", "comparator", "background")
_ARM_KEYS = {"id": str, "label": str, "kind": str, "n": int, "doses": list, "outcomes": list, "note": str}
_ARM_REQUIRED = ("id", "label", "kind", "doses")
_DOSE_KEYS = {"drug": str, "route": str, "amount": str, "duration": str, "times": list, "start": str,
              "every": str, "count": int, "note": str}
_DOSE_REQUIRED = ("drug", "route", "amount")
_OUTCOME_KEYS = {"time": str, "measure": str, "scale": str, "mean": (int, float), "sd": (int, float),
                 "se": (int, float), "ci": list, "rate": (int, float), "count": int, "n": int, "source": str,
                 "note": str, "among": str, "since": str, "relapse_score": (int, float), "confirm": int,
                 "read_every": str}
_OUTCOME_REQUIRED = ("time", "measure", "source")
_CONTRAST_KEYS = {"arms": list, "time": str, "measure": str, "scale": str, "mean": (int, float),
                  "sd": (int, float), "se": (int, float), "ci": list, "source": str, "note": str}
_CONTRAST_REQUIRED = ("arms", "time", "measure", "mean", "source")
_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
               dict: "a table"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z/]+)\s*$")


@dataclass(frozen=True)
class Dose:
    """One drug given to an arm: ``amount`` in ``unit`` (mg/kg or mg) at each of ``times_h``."""
    drug: str
    route: str
    amount: float
    unit: str
    times_h: tuple[float, ...]
    duration_h: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """One reported number: a ``change`` or ``score`` on ``scale`` (``mean`` with ``sd``, ``se`` or ``ci``), or
    the fraction ``rate`` of ``n`` people who met ``measure`` (response, remission, relapse), at ``time_h``.

    A ``relapse`` rate counts only the people who were ``among`` the responders (or remitters) at ``since_h``
    (the end of a series, or randomisation in a withdrawal trial): ``n`` is their number, and ``rate`` the
    fraction of them who had relapsed by ``time_h``. Where the trial defined a relapse by a score, the outcome
    says so: ``relapse_score`` (a rating at or above it counts), ``confirm`` (on that many consecutive
    readings) and ``read_every_h`` (the readings' spacing); without them a relapse is a lost response on one
    reading, read daily."""
    time_h: float
    measure: str
    scale: str
    source: str
    mean: float | None = None
    sd: float | None = None
    se: float | None = None
    ci: tuple[float, float] | None = None
    rate: float | None = None
    count: int | None = None
    n: int | None = None
    note: str = ""
    among: str | None = None
    since_h: float | None = None
    relapse_score: float | None = None
    confirm: int = 1
    read_every_h: float | None = None

    @property
    def value(self) -> float:
        """The number itself: ``rate`` for a rate, ``mean`` otherwise."""
        return self.rate if self.measure in RATE_MEASURES else self.mean

    def interval(self, arm_n: int | None = None) -> tuple[float, float] | None:
        """The trial's 95% interval of :attr:`value`, or None when nothing gives a spread. A rate without its own
        interval gets Wilson's from its n (or ``arm_n``, the arm's); a mean gets its ci, or mean +- z se, with se
        from sd and n where only those are given. :mod:`pathway.trialsim` judges by it, :mod:`pathway.fit`
        weighs by it and the PEtab table's noise is its half-width in standard errors."""
        n = self.n or arm_n
        if self.measure in RATE_MEASURES:
            if self.ci is not None:
                return tuple(self.ci)
            return wilson(self.rate, n) if n else None
        if self.ci is not None:
            return tuple(self.ci)
        se = self.se
        if se is None and self.sd is not None and n:
            se = self.sd / math.sqrt(n)
        return (self.mean - Z95 * se, self.mean + Z95 * se) if se is not None else None

    def spread(self, arm_n: int | None = None) -> float | None:
        """The standard error of :attr:`value`: the half-width of :meth:`interval` over z; ``None`` without one."""
        ci = self.interval(arm_n)
        return (ci[1] - ci[0]) / (2 * Z95) if ci is not None else None


@dataclass(frozen=True)
class Arm:
    id: str
    label: str
    kind: str
    n: int | None
    doses: tuple[Dose, ...]
    outcomes: tuple[Outcome, ...]
    note: str = ""


@dataclass(frozen=True)
class Contrast:
    """A difference between two arms (``arms[0]`` minus ``arms[1]``) that a trial reported instead of, or beside,
    the arms' own numbers."""
    arms: tuple[str, str]
    time_h: float
    measure: str
    scale: str
    mean: float
    source: str
    sd: float | None = None
    se: float | None = None
    ci: tuple[float, float] | None = None
    note: str = ""


@dataclass(frozen=True)
class Trial:
    id: str
    name: str
    title: str
    journal: str
    year: int
    role: str
    kind: str
    result: str
    doi: str | None
    pmid: str | None
    treatment_resistant: bool | str  # True, False or "mixed" (a pooled analysis of both kinds of trial)
    diagnosis: str
    scale: str
    baseline_mean: float | None
    allocation: str
    masking: str
    randomised: bool
    comparator: str
    background: str
    arms: tuple[Arm, ...]
    contrasts: tuple[Contrast, ...]
    source_file: str
    first_author: str = ""
    registration: str = ""
    notes: str = ""
    not_verified: tuple[str, ...] = ()
    min_age: float | None = None     # the youngest age (years) the trial enrolled, when it limited age
    masked_by: str = ""              # what hid the arms from everyone beyond the usual blinding ("general anaesthesia")
    hospital_stay_h: float | None = None  # a stay in a psychiatric ward from the first dose, every arm alike (hours)

    def arm(self, arm_id: str) -> Arm:
        for a in self.arms:
            if a.id == arm_id:
                return a
        hint = suggest(arm_id, [a.id for a in self.arms])
        raise UsageError(f"trial '{self.id}' has no arm '{arm_id}'\n  hint: {hint}")


def default_trials_dir() -> Path:
    """The trials shipped with the package (``models/trials``).

    A source checkout uses the folder beside the package; an installed package carries it as ``pathway.models``.
    """
    beside = Path(__file__).resolve().parent.parent / "models" / "trials"
    if beside.is_dir():
        return beside
    try:
        path = Path(str(resources.files("pathway.models").joinpath("trials")))
        if path.is_dir():
            return path
    except ModuleNotFoundError:
        pass
    return beside


class _Problems:
    """Collects problems in one file, each as ``file: trial 'x', arm 'y', key 'z': what`` plus a hint line."""

    def __init__(self, path: str):
        self.path = path
        self.trial = "?"
        self.lines: list[str] = []

    def add(self, where: str, what: str, hint: str) -> None:
        place = f"trial '{self.trial}'" + (f", {where}" if where else "")
        self.lines.append(f"{self.path}: {place}: {what}\n  hint: {hint}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise DataFileError(self.path, self.lines, "trial file")


def _check_table(table, keys: dict, required, where: str, probs: _Problems, what: str) -> bool:
    """Unknown keys, missing keys and wrong types of one table; True if the table can be read further."""
    if not isinstance(table, dict):
        probs.add(where, f"{what} must be a table, not {type(table).__name__}",
                  f"write it as [{what}] with key = value lines")
        return False
    ok = True
    for key in table:
        if key not in keys:
            probs.add(where, f"unknown key '{key}'", suggest(key, keys))
            ok = False
    for key in required:
        if key not in table:
            probs.add(where, f"key '{key}' is missing", f"every {what} needs '{key}'")
            ok = False
    for key, value in table.items():
        want = keys.get(key)
        if want is None:
            continue
        wants = want if isinstance(want, tuple) else (want,)
        if isinstance(value, bool) and bool not in wants:
            bad = True
        elif want is float or want == (int, float):
            bad = not isinstance(value, (int, float)) or isinstance(value, bool)
        else:
            bad = not isinstance(value, wants)
        if bad and key in ("time", "start", "every", "duration", "amount", "since", "read_every") \
                and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            what = "time" if key != "amount" else "dose"
            probs.add(where + (", " if where else "") + f"key '{key}'",
                      f"the {what} {format_number(value)} has no unit", _type_hint(key, wants))
            ok = False
            continue
        if bad:
            names = " or ".join(dict.fromkeys(_TYPE_NAMES.get(t, t.__name__) for t in wants))
            shown = format_number(value) if isinstance(value, (int, float)) else repr(value)
            probs.add(where + (", " if where else "") + f"key '{key}'",
                      f"{shown} is {_TYPE_NAMES.get(type(value), type(value).__name__)}, not {names}",
                      _type_hint(key, wants))
            ok = False
    return ok


def _type_hint(key: str, wants) -> str:
    if key in ("time", "start", "every", "duration", "since", "read_every"):
        return "write a time as a string with its unit, e.g. \"24 h\", \"40 min\", \"7 d\", \"6 wk\""
    if key == "amount":
        return "write a dose as a string with its unit, e.g. \"0.5 mg/kg\" or \"56 mg\""
    if key in ("n", "count"):
        return "a count of people is a whole number, e.g. 18"
    if key == "relapse_score":
        return "write the score as a number on the trial's scale, e.g. relapse_score = 22"
    if key == "confirm":
        return "confirm is how many consecutive readings a relapse needs, a whole number such as 2"
    if key in ("pmid", "doi"):
        return "write identifiers as strings, e.g. pmid = \"16894061\""
    if bool in wants:
        return "write true or false"
    if list in wants:
        return "write a list in square brackets"
    return "see models/trials/README.md for the form of each key"


def _where(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def _parse_choice(value, choices, key: str, where: str, probs: _Problems) -> str | None:
    if value not in choices:
        probs.add(_where(where, f"key '{key}'"), f"'{value}' is not a known {key}", suggest(str(value), choices))
        return None
    return value


def _parse_time(text, key: str, where: str, probs: _Problems) -> float | None:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        probs.add(_where(where, f"key '{key}'"), f"the time {format_number(text)} has no unit",
                  "write a time as a string with its unit, e.g. \"24 h\", \"40 min\", \"7 d\", \"6 wk\"")
        return None
    if not isinstance(text, str):
        probs.add(_where(where, f"key '{key}'"), f"{text!r} is not a time",
                  "write a time as a string with its unit, e.g. \"24 h\"")
        return None
    m = _QUANTITY.match(text)
    if not m:
        hint = ("write a time as a string with its unit, e.g. \"24 h\", \"40 min\", \"7 d\", \"6 wk\"")
        what = (f"the time '{text}' has no unit" if re.fullmatch(r"\s*[-+]?[\d.]+\s*", text)
                else f"'{text}' is not a time")
        probs.add(_where(where, f"key '{key}'"), what, hint)
        return None
    number, unit = float(m.group(1)), m.group(2)
    if unit not in TIME_UNITS:
        probs.add(_where(where, f"key '{key}'"), f"'{unit}' is not a time unit", suggest(unit, TIME_UNITS))
        return None
    hours = number * TIME_UNITS[unit]
    if not math.isfinite(hours) or hours < 0:
        probs.add(_where(where, f"key '{key}'"), f"the time '{text}' is negative or not finite",
                  "times count from the first dose, so they are 0 or more")
        return None
    return hours


def _parse_amount(text, where: str, probs: _Problems) -> tuple[float, str] | None:
    if not isinstance(text, str):
        probs.add(_where(where, "key 'amount'"), f"the dose {text!r} has no unit",
                  "write a dose as a string with its unit, e.g. \"0.5 mg/kg\" or \"56 mg\"")
        return None
    m = _QUANTITY.match(text)
    if not m or m.group(2) not in DOSE_UNITS:
        unit = m.group(2) if m else ""
        probs.add(_where(where, "key 'amount'"),
                  f"'{text}' is not a dose with a unit" if not unit else f"'{unit}' is not a dose unit",
                  f"write a dose as a number and one of {', '.join(DOSE_UNITS)}, e.g. \"0.5 mg/kg\"")
        return None
    value = float(m.group(1))
    if not math.isfinite(value) or value < 0:
        probs.add(_where(where, "key 'amount'"), f"the dose '{text}' is negative", "a dose is 0 or more")
        return None
    return value, m.group(2)


def _positive_int(value, key: str, where: str, probs: _Problems) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        probs.add(_where(where, f"key '{key}'"), f"{value!r} is not a positive whole number",
                  "a count of people is a whole number of at least 1, e.g. 18")
        return None
    return value


def _number(value, key: str, where: str, probs: _Problems) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        probs.add(_where(where, f"key '{key}'"), f"{value!r} is not a finite number", "write a plain number")
        return None
    return float(value)


def _ci(value, where: str, probs: _Problems) -> tuple[float, float] | None:
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
            or value[0] > value[1]):
        probs.add(_where(where, "key 'ci'"), f"{value!r} is not a confidence interval",
                  "write the 95% interval as [low, high] with low <= high")
        return None
    return float(value[0]), float(value[1])


def _spread(table: dict, where: str, probs: _Problems) -> tuple:
    sd = _number(table.get("sd"), "sd", where, probs)
    se = _number(table.get("se"), "se", where, probs)
    for key, v in (("sd", sd), ("se", se)):
        if v is not None and v < 0:
            probs.add(_where(where, f"key '{key}'"), f"a spread of {format_number(v)} is negative",
                      "a standard deviation or error is 0 or more")
    return sd, se, _ci(table.get("ci"), where, probs)


def _parse_dose(table, where: str, probs: _Problems) -> Dose | None:
    if not _check_table(table, _DOSE_KEYS, _DOSE_REQUIRED, where, probs, "dose"):
        return None
    route = _parse_choice(table["route"], ROUTES, "route", where, probs)
    amount = _parse_amount(table["amount"], where, probs)
    duration = _parse_time(table["duration"], "duration", where, probs) if "duration" in table else None
    times: list[float] = []
    if "times" in table:
        if any(k in table for k in ("start", "every", "count")):
            probs.add(where, "both 'times' and 'start'/'every'/'count' are given",
                      "give the dose times either as a list or as start, every and count")
            return None
        if not table["times"]:
            probs.add(_where(where, "key 'times'"), "the list of dose times is empty",
                      "list at least one time, e.g. times = [\"0 h\"]")
            return None
        for i, t in enumerate(table["times"]):
            h = _parse_time(t, f"times[{i}]", where, probs)
            if h is not None:
                times.append(h)
    elif all(k in table for k in ("every", "count")):
        start = _parse_time(table.get("start", "0 h"), "start", where, probs)
        every = _parse_time(table["every"], "every", where, probs)
        count = _positive_int(table["count"], "count", where, probs)
        if None not in (start, every, count):
            times = [start + i * every for i in range(count)]
    else:
        probs.add(where, "the dose has no times",
                  "give times = [\"0 h\", ...] or start, every and count (e.g. every = \"1 d\", count = 56)")
        return None
    if route is None or amount is None:
        return None
    return Dose(drug=table["drug"], route=route, amount=amount[0], unit=amount[1], times_h=tuple(sorted(times)),
                duration_h=duration, note=table.get("note", ""))


def _parse_outcome(table, where: str, default_scale: str, arm_n, probs: _Problems) -> Outcome | None:
    if not _check_table(table, _OUTCOME_KEYS, _OUTCOME_REQUIRED, where, probs, "outcome"):
        return None
    if not table["source"].strip():
        probs.add(_where(where, "key 'source'"), "the source is empty",
                  "say where the number came from: the DOI or PMID and the table or figure")
        return None
    time_h = _parse_time(table["time"], "time", where, probs)
    measure = _parse_choice(table["measure"], MEASURES, "measure", where, probs)
    scale = _parse_choice(table.get("scale", default_scale), SCALES, "scale", where, probs)
    n = _positive_int(table.get("n"), "n", where, probs)
    sd, se, ci = _spread(table, where, probs)
    mean = _number(table.get("mean"), "mean", where, probs)
    rate = _number(table.get("rate"), "rate", where, probs)
    count = table.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        probs.add(_where(where, "key 'count'"), f"{count!r} is not a count of people",
                  "a count is a whole number of 0 or more")
        count = None
    if measure is None or time_h is None or scale is None:
        return None
    among, since_h = _relapse_group(table, measure, time_h, where, probs)
    if measure == "relapse" and (among is None or since_h is None):
        return None
    rule = _relapse_rule(table, measure, time_h, since_h, where, probs)
    if rule is None:
        return None
    if measure in RATE_MEASURES:
        for key in ("mean", "sd", "se"):
            if key in table:
                probs.add(_where(where, f"key '{key}'"), f"a {measure} rate has no '{key}'",
                          "give rate (a fraction), and count and n where the trial gave them")
                return None
        if rate is None and count is not None and (n or arm_n):
            rate = count / (n or arm_n)
        if rate is None:
            probs.add(where, f"the {measure} outcome has no rate",
                      "give rate as a fraction (0.36 for 36%), or count and n")
            return None
        if not 0.0 <= rate <= 1.0:
            probs.add(_where(where, "key 'rate'"), f"the rate {format_number(rate)} is outside [0, 1]",
                      "write a rate as a fraction: 0.36 for 36%")
            return None
        if ci is not None and not (0.0 <= ci[0] <= ci[1] <= 1.0):
            probs.add(_where(where, "key 'ci'"), "the interval of a rate must lie in [0, 1]",
                      "write the interval as fractions, e.g. [0.34, 0.56]")
            return None
        denominator = n or arm_n
        if count is not None and denominator:
            if count > denominator:
                probs.add(_where(where, "key 'count'"), f"{count} people is more than n = {denominator}",
                          "count is the number who met the measure, out of n")
                return None
            if abs(count / denominator - rate) > 0.006:
                probs.add(_where(where, "key 'rate'"),
                          f"rate {format_number(rate)} does not match count/n = {count}/{denominator}",
                          "check both numbers against the source")
                return None
    else:
        for key in ("rate", "count"):
            if key in table:
                probs.add(_where(where, f"key '{key}'"), f"a {measure} on a scale has no '{key}'",
                          "give mean, with sd, se or ci where the trial gave them")
                return None
        if mean is None:
            probs.add(where, f"the {measure} outcome has no mean", "give mean (points on the scale)")
            return None
    return Outcome(time_h=time_h, measure=measure, scale=scale, source=table["source"], mean=mean, sd=sd, se=se,
                   ci=ci, rate=rate, count=count, n=n, note=table.get("note", ""), among=among, since_h=since_h,
                   **rule)


def _relapse_group(table, measure: str, time_h: float, where: str, probs: _Problems):
    """(among, since in hours) of a relapse outcome; (None, None) for any other measure (which may not give them)."""
    if measure != "relapse":
        for key in ("among", "since"):
            if key in table:
                probs.add(_where(where, f"key '{key}'"), f"a {measure} outcome has no '{key}'",
                          "'among' and 'since' say whom a relapse rate counts; leave them out here")
        return None, None
    missing = [k for k in ("among", "since") if k not in table]
    if missing:
        probs.add(where, f"the relapse outcome has no '{missing[0]}'",
                  "a relapse rate counts the people who were responders (or remitters) at a time: give "
                  "among = \"responders\", \"remitters\" or \"nonremitting_responders\" and since = the time "
                  "of that reading, e.g. \"12 d\"")
        return None, None
    among = _parse_choice(table["among"], RELAPSE_GROUPS, "among", where, probs)
    since_h = _parse_time(table["since"], "since", where, probs)
    if since_h == 0:
        probs.add(_where(where, "key 'since'"), "since is the first dose, when nobody has responded yet",
                  "give the time of the reading that defined the group, e.g. the end of the series")
        return None, None
    if since_h is not None and since_h >= time_h:
        probs.add(_where(where, "key 'since'"), f"since ({table['since']}) is not before the outcome's time "
                  f"({table['time']})", "relapse is counted after the reading that defines the group")
        return None, None
    return among, since_h


def _relapse_rule(table, measure: str, time_h: float, since_h: float | None, where: str, probs: _Problems):
    """The trial's own definition of a relapse (``relapse_score``, ``confirm``, ``read_every``) as Outcome
    fields; {} when the outcome gives none; None (with a problem added) when it is wrong."""
    keys = [k for k in ("relapse_score", "confirm", "read_every") if k in table]
    if not keys:
        return {}
    if measure != "relapse":
        probs.add(_where(where, f"key '{keys[0]}'"), f"a {measure} outcome has no '{keys[0]}'",
                  "relapse_score, confirm and read_every say how the trial defined a relapse; leave them out here")
        return None
    rule = {}
    if "relapse_score" in table:
        score = table["relapse_score"]
        if not score > 0:
            probs.add(_where(where, "key 'relapse_score'"), f"the score {format_number(score)} is not above 0",
                      "give the rating at or above which a reading counts as relapse, e.g. 22 on the MADRS")
            return None
        rule["relapse_score"] = float(score)
    if "confirm" in table:
        confirm = table["confirm"]
        if confirm < 1:
            probs.add(_where(where, "key 'confirm'"), f"confirm = {confirm} is less than one reading",
                      "confirm is how many consecutive readings a relapse needs: 1, or 2 for a confirmed one")
            return None
        rule["confirm"] = confirm
    if "read_every" in table:
        every = _parse_time(table["read_every"], "read_every", where, probs)
        if every is None:
            return None
        if every <= 0:
            probs.add(_where(where, "key 'read_every'"), "the readings are 0 h apart",
                      "give the spacing of the trial's visits, e.g. \"7 d\"")
            return None
        if since_h is not None and every * rule.get("confirm", 1) > time_h - since_h + 1e-9:
            probs.add(_where(where, "key 'read_every'"), f"{rule.get('confirm', 1)} readings {table['read_every']} "
                      "apart do not fit between since and the outcome's time",
                      "read_every is the spacing of the visits; check it and the times")
            return None
        rule["read_every_h"] = every
    return rule


def _parse_contrast(table, where: str, default_scale: str, arm_ids, probs: _Problems) -> Contrast | None:
    if not _check_table(table, _CONTRAST_KEYS, _CONTRAST_REQUIRED, where, probs, "contrast"):
        return None
    arms = table["arms"]
    if len(arms) != 2 or not all(isinstance(a, str) for a in arms):
        probs.add(_where(where, "key 'arms'"), f"{arms!r} is not a pair of arm ids",
                  "write arms = [\"drug arm\", \"control arm\"]: the difference is the first minus the second")
        return None
    for a in arms:
        if a not in arm_ids:
            probs.add(_where(where, "key 'arms'"), f"there is no arm '{a}'", suggest(a, arm_ids))
            return None
    time_h = _parse_time(table["time"], "time", where, probs)
    measure = _parse_choice(table["measure"], CONTRAST_MEASURES, "measure", where, probs)
    scale = _parse_choice(table.get("scale", default_scale), SCALES, "scale", where, probs)
    sd, se, ci = _spread(table, where, probs)
    mean = _number(table["mean"], "mean", where, probs)
    if not table["source"].strip():
        probs.add(_where(where, "key 'source'"), "the source is empty",
                  "say where the number came from: the DOI or PMID and the table or figure")
        return None
    if None in (time_h, measure, scale, mean):
        return None
    return Contrast(arms=(arms[0], arms[1]), time_h=time_h, measure=measure, scale=scale, mean=mean,
                    source=table["source"], sd=sd, se=se, ci=ci, note=table.get("note", ""))


def _parse(data: dict, path: str) -> Trial:
    probs = _Problems(path)
    head = data.get("trial")
    if isinstance(head, dict) and isinstance(head.get("id"), str):
        probs.trial = head["id"]
    for key in data:
        if key not in _TRIAL_KEYS:
            probs.add("", f"unknown table '{key}'", suggest(key, _TRIAL_KEYS))
    for key in ("trial", "population", "design", "arms"):
        if key not in data:
            probs.add("", f"the [{key}] table is missing", "see models/trials/README.md for the layout")
    probs.raise_if_any()
    head_ok = _check_table(data["trial"], _HEAD_KEYS, _HEAD_REQUIRED, "[trial]", probs, "trial")
    pop_ok = _check_table(data["population"], _POP_KEYS, _POP_REQUIRED, "[population]", probs, "population")
    design_ok = _check_table(data["design"], _DESIGN_KEYS, _DESIGN_REQUIRED, "[design]", probs, "design")
    probs.raise_if_any()
    head, pop, design = data["trial"], data["population"], data["design"]
    if isinstance(pop.get("treatment_resistant"), str) and pop["treatment_resistant"] != "mixed":
        probs.add("[population], key 'treatment_resistant'",
                  f"{pop['treatment_resistant']!r} is not true, false or \"mixed\"",
                  "write true or false; \"mixed\" for a pooled analysis of trials of both kinds")
    if head_ok:
        if not _ID.match(head["id"]):
            probs.add("[trial], key 'id'", f"'{head['id']}' is not a valid id",
                      "use lower-case letters, digits and _, starting with a letter (e.g. singh2016)")
        elif Path(path).suffix == ".toml" and Path(path).stem != head["id"]:
            probs.add("[trial], key 'id'", f"the id '{head['id']}' differs from the file name '{Path(path).name}'",
                      f"name the file {head['id']}.toml")
        _parse_choice(head["role"], ROLES, "role", "[trial]", probs)
        _parse_choice(head["kind"], KINDS, "kind", "[trial]", probs)
        _parse_choice(head["result"], RESULTS, "result", "[trial]", probs)
        if not head.get("doi") and not head.get("pmid"):
            probs.add("[trial]", "neither 'doi' nor 'pmid' is given",
                      "give the DOI or PMID seen with the exact title in a public record")
        if head.get("pmid") is not None and not re.fullmatch(r"\d{5,9}", head["pmid"]):
            probs.add("[trial], key 'pmid'", f"'{head['pmid']}' is not a PMID", "a PMID is digits only")
        if head.get("doi") is not None and not re.fullmatch(r"10\.\d{4,9}/\S+", head["doi"]):
            probs.add("[trial], key 'doi'", f"'{head['doi']}' is not a DOI", "a DOI looks like 10.1001/abc.123")
        if not all(isinstance(x, str) for x in head.get("not_verified", [])):
            probs.add("[trial], key 'not_verified'", "every entry must be a string", "write one sentence each")
    scale = None
    if pop_ok:
        scale = _parse_choice(pop["scale"], SCALES, "scale", "[population]", probs)
        age = pop.get("min_age")
        if age is not None and (isinstance(age, bool) or not 0 < age < 120):
            probs.add("[population], key 'min_age'", f"{age!r} is not an age in years",
                      "give the youngest age the trial enrolled, e.g. min_age = 65")
    stay = None
    if design_ok:
        _parse_choice(design["allocation"], ALLOCATIONS, "allocation", "[design]", probs)
        _parse_choice(design["masking"], MASKINGS, "masking", "[design]", probs)
        _parse_choice(design["comparator"], COMPARATORS, "comparator", "[design]", probs)
        _parse_choice(design["background"], BACKGROUNDS, "background", "[design]", probs)
        if "hospital_stay" in design:
            stay = _parse_time(design["hospital_stay"], "hospital_stay", "[design]", probs)
            if stay is not None and stay <= 0:
                probs.add("[design], key 'hospital_stay'", "a stay in hospital must last some time",
                          "give the length of the stay from the first dose, e.g. hospital_stay = \"5 d\"; leave the "
                          "key out for a trial of outpatients")
                stay = None
    arms_data = data["arms"]
    if not isinstance(arms_data, list) or not arms_data:
        probs.add("", "there are no [[arms]]", "give each arm as an [[arms]] table")
        probs.raise_if_any()
    arms: list[Arm] = []
    seen: set[str] = set()
    for i, arm in enumerate(arms_data):
        arm_name = arm.get("id") if isinstance(arm, dict) and isinstance(arm.get("id"), str) else f"#{i + 1}"
        where = f"arm '{arm_name}'"
        if not _check_table(arm, _ARM_KEYS, _ARM_REQUIRED, where, probs, "arm"):
            continue
        if arm["id"] in seen:
            probs.add(_where(where, "key 'id'"), "two arms have this id", "give every arm its own id")
        seen.add(arm["id"])
        if not _ID.match(arm["id"]):
            probs.add(_where(where, "key 'id'"), f"'{arm['id']}' is not a valid id",
                      "use lower-case letters, digits and _, starting with a letter")
        kind = _parse_choice(arm["kind"], ARM_KINDS, "kind", where, probs)
        n = _positive_int(arm.get("n"), "n", where, probs)
        doses = []
        for j, d in enumerate(arm["doses"]):
            dose = _parse_dose(d, _where(where, f"dose {j + 1}"), probs)
            if dose is not None:
                doses.append(dose)
        outcomes = []
        for j, o in enumerate(arm.get("outcomes", [])):
            out = _parse_outcome(o, _where(where, f"outcome {j + 1}"), scale or "MADRS", n, probs)
            if out is not None:
                outcomes.append(out)
        if kind is not None:
            arms.append(Arm(id=arm["id"], label=arm["label"], kind=kind, n=n, doses=tuple(doses),
                            outcomes=tuple(outcomes), note=arm.get("note", "")))
    contrasts = []
    for j, c in enumerate(data.get("contrasts", [])):
        con = _parse_contrast(c, f"contrast {j + 1}", scale or "MADRS", sorted(seen), probs)
        if con is not None:
            contrasts.append(con)
    if not any(a.outcomes for a in arms) and not contrasts:
        probs.add("", "the trial reports no outcome", "give at least one [[arms.outcomes]] or [[contrasts]] entry")
    probs.raise_if_any()
    return Trial(
        id=head["id"], name=head["name"], title=head["title"], journal=head["journal"], year=head["year"],
        role=head["role"], kind=head["kind"], result=head["result"], doi=head.get("doi"), pmid=head.get("pmid"),
        treatment_resistant=pop["treatment_resistant"], diagnosis=pop["diagnosis"], scale=pop["scale"],
        baseline_mean=None if pop.get("baseline_mean") is None else float(pop["baseline_mean"]),
        allocation=design["allocation"], masking=design["masking"], randomised=design["randomised"],
        comparator=design["comparator"], background=design["background"], arms=tuple(arms),
        contrasts=tuple(contrasts), source_file=path, first_author=head.get("first_author", ""),
        registration=head.get("registration", ""), notes=head.get("notes", ""),
        not_verified=tuple(head.get("not_verified", ())),
        min_age=None if pop.get("min_age") is None else float(pop["min_age"]),
        masked_by=design.get("masked_by", ""), hospital_stay_h=stay)


#: How a trial file is spoken of in its errors (limits: :mod:`pathway.tomlfile`).
TRIAL_FILE = FileKind(
    name="trial file", noun="any trial needs",
    size_hint="a trial file is a few kB; check that this is a trial file from models/trials",
    missing_hint="a trial file is a UTF-8 TOML file in models/trials; check the path",
    missing_what="cannot read the trial file: there is no such file")


def load_trial(path: str | Path) -> Trial:
    """Read and check one trial file.

    Raises :class:`~pathway.errors.DataFileError` (a ``UsageError``) listing every
    problem, each with the file, the trial, the place and a hint."""
    shown = str(path)
    data = read_toml(path, TRIAL_FILE)
    try:
        return _parse(data, shown)
    except PathwayError:
        raise                   # the project's own error (a UsageError is a ValueError too)
    except UNFORESEEN as exc:
        # a value of a shape no check expected: still one readable error, never a traceback
        raise DataFileError(shown, [f"{shown}: {CHECKER_STOPPED} ({type(exc).__name__}: {exc})\n"
                                    "  hint: compare the file with models/trials/README.md; if it "
                                    "matches, please report this file"], TRIAL_FILE.name) from exc


def load_trials(folder: str | Path | None = None) -> tuple[Trial, ...]:
    """Every ``*.toml`` in ``folder`` (default: the shipped ``models/trials``), sorted by id."""
    folder = Path(folder) if folder is not None else default_trials_dir()
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder of trials\n  hint: pass the folder that holds the *.toml files")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise UsageError(f"{folder}: the folder has no trial files\n  hint: each trial is one <id>.toml file")
    trials = [load_trial(f) for f in files]
    ids = [t.id for t in trials]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise UsageError(f"{folder}: trial ids appear twice: {', '.join(dup)}\n  hint: give every trial its own id")
    return tuple(sorted(trials, key=lambda t: t.id))


def _observable_id(scale: str, measure: str) -> str:
    if measure in RATE_MEASURES:
        return f"{measure}_rate"
    return f"{scale.lower().replace('-', '')}_{measure}"


def petab_tables(trials, role: str | None = None) -> dict:
    """PEtab-style tables of ``trials`` (optionally only those of one ``role``), as pandas DataFrames.

    - ``measurement``: observableId, simulationConditionId (``<trial>__<arm>``), time (hours), measurement,
      noiseParameters (the standard error of the number; a parameter name ``sigma_<observable>`` where the trial
      gave no spread), datasetId (the trial), and the source of each number; for a relapse rate
      (observableId ``relapse_rate_among_<group>``: responders, remitters or nonremitting_responders)
      relapseSince_h, the time (hours) of
      the reading that defined the group it counts, and the rule a relapse is counted by: relapseScore (the
      trial's score at or above which a reading counts; empty: below the response level), relapseConfirm
      (consecutive readings) and relapseEvery_h (the readings' spacing, 24 h where the trial gives none).
    - ``condition``: one row per arm with its design (drug, route, dose, dose times, comparator, background, n ...).
    - ``observable``: one row per observableId with its scale and measure.
    - ``contrast``: differences between arms that trials reported (not part of PEtab; kept beside it).
    """
    import pandas as pd

    trials = [t for t in trials if role is None or t.role == role]
    m_rows, c_rows, k_rows = [], [], []
    observables: dict[str, dict] = {}
    for t in trials:
        for a in t.arms:
            cond = f"{t.id}__{a.id}"
            first = a.doses[0] if a.doses else None
            c_rows.append({
                "conditionId": cond, "conditionName": f"{t.name}: {a.label}", "trialId": t.id, "armId": a.id,
                "role": t.role, "armKind": a.kind,
                "drugs": ";".join(d.drug for d in a.doses),
                "routes": ";".join(d.route for d in a.doses),
                "doses": ";".join(f"{format_number(d.amount)} {d.unit}" for d in a.doses),
                "doseTimes_h": "|".join(",".join(format_number(x) for x in d.times_h) for d in a.doses),
                "doseCount": sum(len(d.times_h) for d in a.doses),
                "infusion_h": first.duration_h if first is not None and first.duration_h is not None else 0.0,
                "comparator": t.comparator, "background": t.background, "allocation": t.allocation,
                "masking": t.masking, "maskedBy": t.masked_by, "hospitalStay_h": t.hospital_stay_h,
                "randomised": t.randomised,
                "treatmentResistant": t.treatment_resistant,
                "scale": t.scale, "baselineMean": t.baseline_mean, "minAge": t.min_age, "n": a.n,
            })
            for o in a.outcomes:
                obs = _observable_id(o.scale, o.measure) + (f"_among_{o.among}" if o.among else "")
                observables.setdefault(obs, {"observableId": obs, "scale": o.scale if o.measure not in
                                             RATE_MEASURES else "", "measure": o.measure})
                spread = o.spread(a.n)
                m_rows.append({
                    "observableId": obs, "simulationConditionId": cond, "time": o.time_h,
                    "measurement": o.value,
                    "noiseParameters": spread if spread is not None else f"sigma_{obs}",
                    "datasetId": t.id, "scale": o.scale, "n": o.n or a.n, "source": o.source,
                    "relapseSince_h": o.since_h,
                    "relapseScore": o.relapse_score,
                    "relapseConfirm": o.confirm if o.measure == "relapse" else None,
                    "relapseEvery_h": (o.read_every_h if o.read_every_h is not None else RELAPSE_READ_EVERY_H)
                    if o.measure == "relapse" else None,
                })
        for c in t.contrasts:
            k_rows.append({"trialId": t.id, "conditionA": f"{t.id}__{c.arms[0]}",
                           "conditionB": f"{t.id}__{c.arms[1]}", "observableId": _observable_id(c.scale, "change"),
                           "time": c.time_h, "difference": c.mean,
                           "se": c.se if c.se is not None else (
                               (c.ci[1] - c.ci[0]) / (2 * 1.96) if c.ci is not None else None),
                           "source": c.source})
    m_cols = ["observableId", "simulationConditionId", "time", "measurement", "noiseParameters", "datasetId",
              "scale", "n", "source", "relapseSince_h", "relapseScore", "relapseConfirm", "relapseEvery_h"]
    c_cols = ["conditionId", "conditionName", "trialId", "armId", "role", "armKind", "drugs", "routes", "doses",
              "doseTimes_h", "doseCount", "infusion_h", "comparator", "background", "allocation", "masking",
              "maskedBy", "hospitalStay_h", "randomised", "treatmentResistant", "scale", "baselineMean", "minAge", "n"]
    k_cols = ["trialId", "conditionA", "conditionB", "observableId", "time", "difference", "se", "source"]
    return {
        "measurement": pd.DataFrame(m_rows, columns=m_cols),
        "condition": pd.DataFrame(c_rows, columns=c_cols),
        "observable": pd.DataFrame(list(observables.values()), columns=["observableId", "scale", "measure"]),
        "contrast": pd.DataFrame(k_rows, columns=k_cols),
    }
