"""The course's checker and the helpers its notebooks use.

A student writes an answer (a number, a choice, a few lines of code, an edited
model) and calls :func:`check`; the checker compares it with what the MODEL
computes (never a stored answer) and replies once, in one line:

- ``Correct`` when it matches,
- ``Not yet: ...`` when it does not: the misconception it matches, if the
  exercise names one, then an idea to think about and, from the second try, the
  function to use; never the answer and never which way a number is off,
- ``Not answered yet: ...`` while the answer is still blank (``None``, ``...`` or
  an unchanged template); nothing raises.

Each exercise judges a limited number of different answers (kept across kernel
restarts, see :func:`_state_path`), so answers cannot be found by trying; an
answer that is not a value of the kind asked for costs no try. The graded answer
is the one left in the notebook: nbgrader's hidden tests call :func:`_grade`.

Exercises are small :class:`Exercise` objects registered with :func:`exercise`
(the course's own bank is ``pathway/course_bank.py``). The functions that
compute the expected answers, and the misconceptions, are held by the checker
(:func:`_registry`), not as attributes of the exercises, so the checker follows
the model file when it changes and a notebook does not hand out the answers.

The helpers remove code noise from the notebooks: :func:`compare` (outcome per
arm and time, a pandas DataFrame), :func:`drug_effect` (arm minus its matched
placebo arm), :func:`summary_table`, :func:`response_rates`, :func:`scorecard`,
and standard figures (:func:`plot_arms`, :func:`plot_published`) that draw the
published numbers of the validation scorecard beside the model and print the
source under each figure. :func:`predict` records a prediction before a run and
:func:`reveal` compares it with the model's answer afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from .errors import PathwayError, UsageError
from .modelfile import Model, load_model, parse_quantity
from .scenarios import placebo_arm
from .simulate import simulate

CORRECT = "Correct"
NOT_YET = "Not yet"
BLANK = "Not answered yet"


# ---------------------------------------------------------------- answers
def is_blank(answer: Any) -> bool:
    """True while an answer is still the template: None, ``...``, an empty or
    placeholder string, or a container holding only blanks."""
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, str):
        return answer.strip() in ("", "...", "?", "TODO")
    if isinstance(answer, (list, tuple)) and answer:
        return any(is_blank(a) for a in answer)
    if isinstance(answer, (list, tuple, dict)) and not answer:
        return True
    return False


class Reply(str):
    """The checker's reply: a string that shows as plain text in a notebook.

    :func:`check` prints it; as the last line of a cell it is then not shown a
    second time."""

    printed = False

    @property
    def correct(self) -> bool:
        return self.startswith(CORRECT)

    @property
    def blank(self) -> bool:
        return self.startswith(BLANK)

    def _ipython_display_(self):
        if not self.printed:
            print(self)


class Replies(list):
    """The replies of a :func:`quiz`, already printed: a cell ending in one shows nothing more."""

    def _ipython_display_(self):
        pass


@dataclass
class Exercise:
    """One checked question, as a student may see it.

    kind: ``number`` (within ``tol`` absolute or ``rel`` relative of the expected
    value; ``tol=0`` means exactly), ``integer`` (a whole number, exactly),
    ``choice`` (one of ``choices``, compared case-blind) or ``judge`` (an edited
    model file, a list, code: anything a single value cannot say).

    ``hint`` is the idea to think about (shown after the first wrong try) and
    ``helper`` names the function that does the work (added from the second);
    neither is a line of code. ``tries`` is how many different answers the
    checker will judge (default: one less than the choices of a choice; four
    otherwise), so an answer cannot be found by going through the options.

    How to compute the expected answer, and the wrong answers the exercise is
    built to catch (its traps), are kept by the checker where the student's
    namespace does not reach them as attributes.
    """

    name: str
    prompt: str
    kind: str = "number"
    choices: tuple[str, ...] = ()
    rel: float | None = None
    tol: float | None = None
    hint: str = ""
    helper: str = ""
    unit: str = ""
    tries: int | None = None
    template: Any = None         # the answer as handed out (unchanged = not answered yet)
    notebook: str = ""           # which notebook asks it (for the instructor's table)

    @property
    def allowed(self) -> int:
        if self.tries is not None:
            return self.tries
        if self.kind == "choice":
            return max(1, len(self.choices) - 1)
        return 4

    def tolerance(self, expected: float) -> float:
        if self.kind == "integer":
            return float(self.tol or 0.0)
        if self.tol is None and self.rel is None:
            return 0.02 * abs(expected)
        return max(self.tol or 0.0, (self.rel or 0.0) * abs(expected))


def _registry():
    """The checker's private store: how each exercise computes its answer and
    which misconceptions it catches. Reached only through the functions below."""
    rules: dict[str, tuple] = {}

    def register(ex: Exercise, expected, judge, traps):
        rules[ex.name] = (expected, judge, tuple(traps))

    def verdict(ex: Exercise, answer: Any, model: Model) -> tuple[bool, str]:
        expected, judge, traps = rules[ex.name]
        if ex.kind == "judge":
            return judge(answer, model)
        if ex.kind == "choice":
            want = str(expected(model)).strip().lower()
            return str(answer).strip().lower() == want, ""
        value = _number(answer, ex.kind == "integer")
        want = float(expected(model))
        tol = ex.tolerance(want)
        seen = []
        for wrong, message in traps:
            other = float(wrong(model))
            gap = abs(other - want)
            if gap > 0 and math.isfinite(other):
                tol = min(tol, 0.45 * gap)         # a misconception is never inside the tolerance
                seen.append((other, gap, message))
        if abs(value - want) <= tol:
            unit = f" {ex.unit}" if ex.unit else ""
            return True, f"the model gives {want:.4g}{unit}"
        for other, gap, message in seen:
            if abs(value - other) <= 0.45 * gap:
                return False, message
        return False, ("that is not the number the model gives" if ex.kind == "integer"
                       else "that is not within the tolerance of what the model gives")

    def revealed(ex: Exercise, model: Model):
        """The expected value, once the exercise is solved or its tries are used up."""
        if ex.name not in _SOLVED and len(_tries().get(ex.name, [])) < ex.allowed:
            return None
        expected = rules[ex.name][0]
        return None if expected is None else expected(model)

    return register, verdict, revealed


_register, _verdict, _revealed = _registry()
_SOLVED: set[str] = set()


class _Unreadable(Exception):
    """An answer that is not a value of the kind asked for; the message says why."""


def _number(answer: Any, whole: bool = False) -> float:
    """The one number an answer holds, or :class:`_Unreadable` saying why not."""
    if isinstance(answer, (bool, np.bool_)):
        raise _Unreadable("True/False is not a number: give the value itself")
    if isinstance(answer, str):
        try:
            answer = float(answer.strip())
        except ValueError:
            raise _Unreadable(f"{_short(answer)} is text; give a number, without quotes") from None
    if isinstance(answer, (int, np.integer)):
        try:
            value = float(answer)
        except OverflowError:
            raise _Unreadable("that whole number is too large to be any value of this model") from None
    elif isinstance(answer, (float, np.floating)):
        value = float(answer)
    else:
        try:
            arr = np.asarray(answer, dtype=float).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            raise _Unreadable(f"a {type(answer).__name__} is not a number; give one number") from None
        if arr.size == 0:
            raise _Unreadable("that is empty: it holds no number (did a filter keep no rows?)")
        if arr.size > 1:
            raise _Unreadable(f"that holds {arr.size} numbers; the question asks for one "
                              "(pick the row or time it asks about)")
        value = float(arr[0])
    if math.isnan(value):
        raise _Unreadable("that is NaN, 'not a number': usually a value read outside the "
                          "simulated times or a division of zero by zero; look at the cell that computed it")
    if math.isinf(value):
        raise _Unreadable("that is infinite: usually a division by zero")
    if whole and not float(value).is_integer():
        raise _Unreadable(f"the question asks for a whole number (a count), not {value:g}")
    return value


def _short(text: str, n: int = 40) -> str:
    text = str(text)
    return repr(text if len(text) <= n else text[:n] + "...")


def _key(answer: Any) -> str:
    """What makes two answers the same try (running a cell again costs nothing)."""
    import hashlib
    if isinstance(answer, str):
        text = answer.strip().lower()
    else:
        try:
            text = f"{_number(answer):.12g}"
        except _Unreadable:
            text = repr(answer)
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]


# ---------------------------------------------------------------- tries, kept across restarts
def _state_path():
    """Where the tries are kept: ``$PATHWAY_COURSE_STATE``, or a file in the home
    folder; ``PATHWAY_COURSE_STATE=""`` keeps them for this session only."""
    import os
    from pathlib import Path
    value = os.environ.get("PATHWAY_COURSE_STATE")
    if value is None:
        return Path.home() / ".pathway-course" / "tries.json"
    return Path(value) if value.strip() else None


_TRIES: dict[str, list[str]] = {}
_LOADED: list[str] = []


def _tries() -> dict[str, list[str]]:
    import json
    path = _state_path()
    where = str(path)
    if _LOADED != [where]:
        _TRIES.clear()
        if path is not None and path.exists():
            try:
                _TRIES.update({k: list(v) for k, v in json.loads(path.read_text()).items()})
            except (OSError, ValueError, AttributeError):
                pass
        _LOADED[:] = [where]
    return _TRIES


def _save_tries() -> None:
    import json
    path = _state_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_TRIES, indent=0), encoding="utf-8")
    except OSError:
        pass                    # a read-only home: the tries last for this session


def _judge(ex: Exercise, answer: Any, model: Model) -> tuple[str, str]:
    """``(status, why)`` with status "blank", "right", "wrong" or "unreadable"."""
    if is_blank(answer) or (ex.template is not None and _same(answer, ex.template)):
        return "blank", ""
    if ex.kind == "choice":
        if not isinstance(answer, str):
            return "unreadable", f"give one word, as text in quotes: one of {', '.join(map(repr, ex.choices))}"
        if answer.strip().lower() not in {c.lower() for c in ex.choices}:
            return "unreadable", f"choose one of {', '.join(map(repr, ex.choices))}"
    try:
        ok, why = _verdict(ex, answer, model)
    except _Unreadable as exc:
        return "unreadable", str(exc)
    except PathwayError as exc:       # a model file that does not load: the whole message, hints too
        return "wrong", "the model did not load or run:\n" + _indent(str(exc))
    except Exception as exc:          # noqa: BLE001 - a student's answer never gives a traceback
        return "unreadable", f"that answer could not be read ({type(exc).__name__}: {exc})"
    return ("right" if ok else "wrong"), why


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _reply(ex: Exercise, answer: Any, model: Model, store: dict | None = None) -> Reply:
    """The reply to one answer. Tries are counted in ``store`` (default: the
    student's file of tries, saved after each new try)."""
    saved = store is None
    store = _tries() if saved else store
    status, why = _judge(ex, answer, model)
    if status == "blank":
        return Reply(f"{BLANK}: {ex.name} — {ex.prompt}")
    if status == "unreadable":
        return Reply(f"{NOT_YET}: {ex.name} — {why.rstrip('.')}. (This try does not count.)")
    tried = store.setdefault(ex.name, [])
    key = _key(answer)
    if key not in tried:
        if len(tried) >= ex.allowed:
            return Reply(f"{NOT_YET}: {ex.name} — you have used the {ex.allowed} "
                         f"{'try' if ex.allowed == 1 else 'tries'} this exercise allows, so the checker "
                         "judges no new answer. Work it out with the hints; the answer left in your "
                         "notebook is the one that is graded.")
        tried.append(key)
        if saved:
            _save_tries()
    if status == "right":
        if saved:
            _SOLVED.add(ex.name)
        return Reply(f"{CORRECT}: {ex.name}" + (f" — {why}" if why else ""))
    n = tried.index(key) + 1 if key in tried else 1
    left = ex.allowed - len(tried)
    text = f"{NOT_YET}: {ex.name} — {why.rstrip('.')}."
    if ex.hint:
        text += f" Think: {ex.hint.rstrip('.')}."
    if ex.helper and n >= 2:
        text += f" Use: {ex.helper.rstrip('.')}."
    text += (f" ({left} {'try' if left == 1 else 'tries'} left.)" if left > 0
             else " (That was the last try the checker judges.)")
    return Reply(text)


def _same(answer: Any, template: Any) -> bool:
    if isinstance(answer, str) and isinstance(template, str):
        return answer.strip() == template.strip()
    if isinstance(answer, tuple) and answer and isinstance(template, str):
        return any(_same(a, template) for a in answer)
    return False


def write_model(text: str, name: str = "model.toml") -> str:
    """Write a model file the student typed to a temporary folder; return its path
    (load it with ``pathway.load_model(path)``)."""
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="pathway-course-"))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


_EXERCISES: dict[str, Exercise] = {}
_MODEL: list[Model] = []


def exercise(name: str, prompt: str, *, expected: Callable[[Model], Any] | None = None,
             judge: Callable[[Any, Model], tuple[bool, str]] | None = None,
             traps=(), **kwargs) -> Exercise:
    """Register an exercise (see :class:`Exercise`) and return it.

    ``expected(model)`` computes the answer; ``judge(answer, model)`` returns
    ``(ok, why)`` for a ``judge`` exercise (``why`` must not give the answer away);
    ``traps`` are ``(wrong(model), message)`` pairs: the value a named
    misconception gives and what to say when an answer matches it."""
    ex = Exercise(name=name, prompt=prompt, **kwargs)
    if ex.kind == "judge" and judge is None or ex.kind != "judge" and expected is None:
        raise UsageError(f"exercise '{name}' of kind {ex.kind!r} needs "
                         f"{'a judge' if ex.kind == 'judge' else 'an expected function'}")
    _register(ex, expected, judge, traps)
    _EXERCISES[name] = ex
    return ex


def exercises() -> dict[str, Exercise]:
    """The registered exercises, as students may see them (prompt, kind, hints)."""
    return dict(_EXERCISES)


def load_bank():
    """The course's exercise bank (``pathway.course_bank``), imported once."""
    import importlib
    return importlib.import_module("pathway.course_bank")


def use_model(model: Model) -> Model:
    """The model the checker computes expected answers from (default: the default model)."""
    _MODEL[:] = [model]
    return model


def model() -> Model:
    if not _MODEL:
        _MODEL.append(load_model())
    return _MODEL[0]


def _exercise(name: str) -> Exercise:
    if name not in _EXERCISES:
        from .errors import UnknownNameError, suggest
        raise UnknownNameError(f"no exercise '{name}'", hint=suggest(name, list(_EXERCISES)))
    return _EXERCISES[name]


def check(name: str, answer: Any, quiet: bool = False) -> Reply:
    """Check ``answer`` to exercise ``name``; print the reply once and return it.

    Each different answer uses one of the exercise's tries; running the same
    answer again costs nothing."""
    reply = _reply(_exercise(name), answer, model())
    if not quiet:
        print(reply)
        reply.printed = True
    return reply


_GRADED: dict[str, list[str]] = {}


def _grade(name: str, answer: Any) -> None:
    """For the instructor's hidden tests: raise AssertionError (with the reply as
    feedback) unless ``answer`` is right.

    The grade is the answer left in the notebook, whatever tries the student's
    own file records: tries here are counted in this kernel only, with the same
    limit, so an autograded notebook (one answer per exercise) is always judged
    and a student calling this instead of :func:`check` gains nothing."""
    reply = _reply(_exercise(name), answer, model(), store=_GRADED)
    if not reply.correct:
        raise AssertionError(str(reply))


def quiz(answers: dict[str, Any]) -> Replies:
    """Check several answers at once (a self-check quiz): ``{exercise: answer}``."""
    replies = Replies(check(k, v) for k, v in answers.items())
    right = sum(r.correct for r in replies)
    blank = sum(r.blank for r in replies)
    print(f"Quiz: {right} of {len(replies)} correct" + (f", {blank} not answered yet" if blank else ""))
    return replies


# ---------------------------------------------------------------- predictions
_PREDICTIONS: dict[str, Any] = {}


def predict(name: str, value: Any) -> None:
    """Record a prediction before running: a number, a choice, or a sketch as a
    few ``(time_h, value)`` points."""
    if is_blank(value):
        print(f"No prediction recorded for {name!r} yet: write one before you run the next cell.")
        return
    _PREDICTIONS[name] = value
    print(f"Prediction recorded for {name!r}: {value!r}")


def reveal(name: str, model_value: Any = None, times_h=None) -> Any:
    """Compare the recorded prediction ``name`` with the model's answer.

    For an exercise's prediction (``name`` is the exercise), the model's answer
    is shown only after the check has said Correct or the tries are used up, so a
    reveal never stands in for working it out. Otherwise ``model_value`` is a
    number, a choice, or (for a sketch) a function of time in hours or a pandas
    Series indexed by hours, computed by the student."""
    guess = _PREDICTIONS.get(name)
    if guess is None:
        print(f"Record a prediction first: predict({name!r}, your guess), then run this cell again. "
              "The model's answer is shown beside your prediction, not instead of it.")
        return None
    if model_value is not None and is_blank(model_value):
        print(f"Nothing to compare yet: the cell above has no value for {name!r} (it still holds ...).")
        return None
    if model_value is None:
        if name not in _EXERCISES:
            print(f"reveal({name!r}) needs the model's value beside it: reveal({name!r}, value).")
            return None
        ex = _EXERCISES[name]
        model_value = _revealed(ex, model())
        if model_value is None:
            print(f"Check your answer to {name!r} first: the model's value is shown once your check "
                  "says Correct or your tries are used up.")
            return None
    if isinstance(guess, (list, tuple)) and guess and isinstance(guess[0], (list, tuple)):
        import pandas as pd
        rows = []
        for t, v in guess:
            m = _value_at(model_value, float(t))
            rows.append({"time_h": float(t), "you": float(v), "model": m, "off by": float(v) - m})
        frame = pd.DataFrame(rows).set_index("time_h").round(3)
        print(f"Your sketch of {name!r} against the model (largest miss "
              f"{frame['off by'].abs().max():.2f}):")
        return frame
    if isinstance(guess, (int, float)) and isinstance(model_value, (int, float, np.floating)):
        print(f"You predicted {guess:.3g}; the model gives {float(model_value):.3g} "
              f"(off by {guess - float(model_value):+.3g}). Now explain the difference in one sentence.")
    else:
        same = str(guess).strip().lower() == str(model_value).strip().lower()
        print(f"You predicted {guess!r}; the model says {_show(model_value)}"
              f"{' — the same.' if same else '.'}")
    return None


def _value_at(curve, t_h: float) -> float:
    if callable(curve):
        return float(curve(t_h))
    index = np.asarray(curve.index, dtype=float)
    return float(np.interp(t_h, index, np.asarray(curve, dtype=float)))


def _show(value) -> str:
    return f"{float(value):.3g}" if isinstance(value, (int, float, np.floating)) else repr(value)


# ---------------------------------------------------------------- running the model
def hours(value) -> float:
    """A time as hours: a number of hours, or text such as ``"40 min"``, ``"7 d"``."""
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
        return float(value)
    return parse_quantity(value, "time")[0]


def time_label(t_h: float) -> str:
    """``"40 min"``, ``"24 h"``, ``"7 d"``, ``"6 wk"``: the shortest honest name of a time."""
    if t_h < 1:
        return f"{t_h * 60:.0f} min"
    if t_h < 48 or t_h % 24:
        return f"{t_h:.3g} h"
    days = t_h / 24
    return f"{days / 7:.3g} wk" if days >= 14 and days % 7 == 0 else f"{days:.3g} d"


def run(m: Model, scenario, *, days: float | None = None, placebo: bool = False,
        dose: float | None = None, step_min: float = 20.0):
    """Simulate one arm (or its matched placebo arm, ``placebo=True``)."""
    sc = m.scenario(scenario) if isinstance(scenario, str) else scenario
    if placebo:
        sc = placebo_arm(m, sc)
    return simulate(m, sc, days=days, dose=dose, step_min=step_min)


def _label(m: Model, column: str) -> str:
    for n in m.nodes:
        if n.id == column:
            return n.label
    return column.replace("_", " ")


def arm_label(m: Model, scenario: str) -> str:
    import textwrap
    sc = m.scenario(scenario)
    return sc.label or textwrap.shorten(sc.description, 48) or sc.name


def compare(m: Model, scenarios, at=("2 h", "24 h", "7 d"), *, column: str | None = None,
            effect: bool = False, placebo: bool = True, days: float | None = None,
            step_min: float = 20.0):
    """Outcome per arm and time as a DataFrame (rows: arms; columns: times).

    ``column`` defaults to the model's primary outcome. ``effect=True`` gives each
    arm minus its matched placebo arm (the drug effect); otherwise the placebo arm of
    the first scenario is added as a row (``placebo=False`` leaves it out)."""
    import pandas as pd
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    times = [hours(t) for t in at]
    days = days or max(times) / 24 + 0.5
    column = column or m.primary
    rows = {}
    for name in scenarios:
        traj = run(m, name, days=days, step_min=step_min)
        values = np.interp(times, traj.t_h, traj[column])
        if effect:
            base = run(m, name, days=days, placebo=True, step_min=step_min)
            values = values - np.interp(times, base.t_h, base[column])
        rows[arm_label(m, name) + (" − placebo" if effect else "")] = values
    if placebo and not effect and scenarios:
        base = run(m, scenarios[0], days=days, placebo=True, step_min=step_min)
        rows[f"placebo arm of {arm_label(m, scenarios[0])}"] = np.interp(times, base.t_h, base[column])
    frame = pd.DataFrame(rows, index=[time_label(t) for t in times]).T
    frame.columns.name = _label(m, column)
    return frame.round(3)


def value_at(m: Model, scenario: str, t, *, column: str | None = None, effect: bool = False,
             dose: float | None = None, step_min: float = 20.0) -> float:
    """One number: ``column`` (default the primary outcome) at time ``t`` of ``scenario``
    (minus its matched placebo arm with ``effect=True``)."""
    t_h = hours(t)
    column = column or m.primary
    traj = run(m, scenario, days=t_h / 24 + 0.2, dose=dose, step_min=step_min)
    value = float(np.interp(t_h, traj.t_h, traj[column]))
    if effect:
        base = run(m, scenario, days=t_h / 24 + 0.2, placebo=True, dose=dose, step_min=step_min)
        value -= float(np.interp(t_h, base.t_h, base[column]))
    return value


def drug_effect(m: Model, scenario: str, *, column: str | None = None, days: float | None = None,
                dose: float | None = None, step_min: float = 20.0):
    """The arm, its matched placebo arm and their difference (the drug effect) over
    time, as a DataFrame indexed by hours."""
    import pandas as pd
    column = column or m.primary
    arm = run(m, scenario, days=days, dose=dose, step_min=step_min)
    base = run(m, scenario, days=days, placebo=True, dose=dose, step_min=step_min)
    frame = pd.DataFrame({"arm": arm[column], "placebo arm": base[column]},
                         index=pd.Index(arm.t_h, name="time_h"))
    frame["drug effect"] = frame["arm"] - frame["placebo arm"]
    return frame


def summary_table(m: Model, scenario: str, columns=None, *, days: float | None = None,
                  step_min: float = 10.0):
    """Peak, time of peak and final value of each column (default: every node and
    readout) after ``scenario``, as a DataFrame ordered by the time of the peak."""
    import pandas as pd
    traj = run(m, scenario, days=days, step_min=step_min)
    kinds = {n.id: n.kind for n in m.nodes}
    columns = columns or [n for n in traj.names if kinds.get(n, "drug") != "drug"]
    rows = []
    for c in columns:
        x = traj[c]
        start = x[0]
        if np.max(np.abs(x - start)) < 1e-3:        # this scenario leaves it at rest
            continue
        i = int(np.argmax(np.abs(x - start)))
        rows.append({"node": _label(m, c),
                     "start": start, "peak": x[i], "peak at": time_label(traj.t_h[i]),
                     "peak_h": traj.t_h[i], "end": x[-1]})
    return pd.DataFrame(rows).sort_values("peak_h").set_index("node").round(3)


def response_rates(m: Model, scenario: str, at=("24 h", "7 d"), *, n: int = 60, seed: int = 0,
                   inert: str | None = None):
    """Share of ``n`` virtual patients who respond (the model's population
    definition), in the arm and its matched placebo arm, at each time. ``inert``
    picks another inert drug of the model for the placebo arm."""
    import pandas as pd
    from .population import simulate_population
    times = ",".join(str(t).replace(" ", "") for t in at)
    arm = simulate_population(m, scenario, n=n, seed=seed, at=times)
    base = simulate_population(m, placebo_arm(m, scenario, inert), n=n, seed=seed, at=times)
    level = m.population.response
    frame = pd.DataFrame({"arm": arm.rates(level), "placebo arm": base.rates(level)},
                         index=[time_label(t) for t in arm.times_h])
    frame["difference"] = frame["arm"] - frame["placebo arm"]
    frame.index.name = f"responders of {n} ({arm_label(m, scenario)})"
    return frame.round(3)


@lru_cache(maxsize=8)
def _targets(path_key: str, ids: tuple[str, ...], model_id: int):
    from .validate import run_targets
    return run_targets(_MODELS_BY_ID[model_id], ids=list(ids) if ids else None)


_MODELS_BY_ID: dict[int, Model] = {}


def scorecard(m: Model, ids=None):
    """The validation scorecard (published target against the model) as a DataFrame."""
    import pandas as pd
    _MODELS_BY_ID[id(m)] = m
    results = _targets(str(m.source), tuple(ids or ()), id(m))
    rows = [{"id": r.id, "published": r.statement, "low": r.band[0], "high": r.band[1],
             "model": r.value, "passes": r.passed, "source": r.source,
             "known gap": r.known_gap} for r in results]
    return pd.DataFrame(rows).set_index("id")


def sources(m: Model, keys) -> str:
    """The references behind ``keys`` (keys of the model file's [references]), one a line."""
    seen = list(dict.fromkeys(keys))
    return "\n".join(f"  {k}: {m.references.get(k, k)}" for k in seen)


# ---------------------------------------------------------------- figures
def plot_arms(m: Model, scenarios, *, column: str | None = None, days: float | None = None,
              effect: bool = False, placebo: bool = True, ax=None, step_min: float = 20.0,
              log_time: bool = False):
    """Each arm over time in its drug's colour (its matched placebo arm dashed, or
    the drug effect with ``effect=True``). Returns the Axes."""
    import matplotlib.pyplot as plt
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    column = column or m.primary
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    for name in scenarios:
        traj = run(m, name, days=days, step_min=step_min)
        color = traj.roles.get("color") or None
        x = traj.t_h / 24
        y = traj[column]
        if effect:
            y = y - run(m, name, days=days, placebo=True, step_min=step_min)[column]
        ax.plot(x, y, color=color, lw=2, label=arm_label(m, name) + (" − placebo" if effect else ""))
        if placebo and not effect:
            base = run(m, name, days=days, placebo=True, step_min=step_min)
            ax.plot(base.t_h / 24, base[column], color=color, lw=1.3, ls="--",
                    label="its placebo arm")
    label = _label(m, column)
    kind = {n.id: n.kind for n in m.nodes}.get(column, "")
    unit = {"readout": " (0-1)", "drug": " (ng/mL)"}.get(kind, " (1 = rest)" if kind else "")
    ax.set_xlabel("days after the first dose")
    ax.set_ylabel(("drug effect on " if effect else "") + label.lower() + unit)
    if log_time:
        ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return ax


def _target_unit(m: Model, q: dict) -> str:
    """The unit of a scorecard quantity, in words, from its kind and column."""
    kind = q.get("kind", "")
    if kind in ("peak_time", "half_life", "time_to_below"):
        return "hours"
    if kind in ("response_rate", "remission_rate", "relapse_rate"):
        return "share of patients (0-1)"
    if kind in ("ratio", "odds_ratio", "frac_of_peak"):
        return "ratio (no unit)"
    if kind == "difference":
        inner = _target_unit(m, q.get("a", {}))
        return f"difference, {inner}"
    kinds = {n.id: n.kind for n in m.nodes}
    column = q.get("column", m.primary)
    what = kinds.get(column, "")
    if what == "drug" or (not what and ("plasma" in column or column in m.drugs)):
        return "ng·h/mL" if kind == "auc" else "ng/mL"
    if what == "readout":
        base = ("drug effect on " if q.get("effect") else "") + _label(m, column).lower()
        return f"{base} (0-1)" + (" × hours" if kind == "auc" else "")
    return ("level relative to rest (1 = rest)" if kind != "auc" else "level × hours")


def plot_published(m: Model, ids, *, title: str = "", ax=None):
    """Published targets beside the model: one panel per target, each with its
    statement in full, an axis in the target's own unit, the band the literature
    allows (grey, its edges numbered) and the model's value (a dot: green inside
    the band, red outside), with the sources printed under the figure. Returns the
    scorecard rows."""
    import matplotlib.pyplot as plt
    import textwrap
    from .validate import default_targets_path, load_targets
    card = scorecard(m, ids)
    quantities = {t["id"]: t["quantity"] for t in load_targets(default_targets_path(m))}
    wrapped = {tid: textwrap.fill(f"{tid}: {s}", 95) for tid, s in card["published"].items()}
    heights = [1.15 + 0.16 * wrapped[tid].count("\n") for tid in card.index]
    fig, axes = plt.subplots(len(card), 1, figsize=(9, sum(heights) + 0.9), layout="constrained",
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for a, (tid, row) in zip(axes[:, 0], card.iterrows()):
        lo, hi, v = row["low"], row["high"], row["model"]
        finite = [x for x in (lo, hi, v) if math.isfinite(x)]
        left, right = min(finite), max(finite)
        pad = 0.25 * (right - left) or 0.25 * abs(right) or 0.5
        left, right = left - pad, right + pad
        a.axvspan(lo if math.isfinite(lo) else left, hi if math.isfinite(hi) else right,
                  color="#cfcfcf", label="published band")
        for edge in (lo, hi):
            if math.isfinite(edge):
                a.axvline(edge, color="#7f7f7f", lw=1)
        a.plot([v], [0.5], "o", ms=9, color="#1a9850" if row["passes"] else "#d73027",
               label="model" + ("" if row["passes"] else " (outside the band)"))
        a.set_xlim(left, right)
        a.set_ylim(0, 1)
        a.set_yticks([])
        a.tick_params(axis="x", labelsize=8)
        a.set_xlabel(f"{_target_unit(m, quantities.get(tid, {}))}:  published {_num(lo)} to "
                     f"{_num(hi)}, model {_num(v)}", fontsize=8, labelpad=1)
        a.set_title(wrapped[tid], fontsize=8, loc="left")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    keys = [Patch(color="#cfcfcf", label="published band (the range the sources allow)"),
            Line2D([], [], marker="o", ls="", color="#1a9850", label="model, inside the band"),
            Line2D([], [], marker="o", ls="", color="#d73027", label="model, outside (see known gaps)")]
    fig.legend(handles=keys, fontsize=8, frameon=False, loc="outside lower center", ncol=3)
    fig.suptitle(title or "Published numbers and the model", fontsize=10)
    plt.show()
    print("Sources:")
    print(sources(m, card["source"]))
    return card[["published", "low", "high", "model", "passes"]]


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.3g}"


def experiments_table(m: Model, animal=(), ids=None):
    """The experiment catalogue run on the model, as a DataFrame, with a column
    saying which results come from animal experiments (``animal``: reference keys
    of rodent studies) — those measure behaviour in rodents, not human relief."""
    import pandas as pd
    from .experiments import run_experiments
    rows = []
    for r in run_experiments(m, ids=ids):
        ref = m.experiments[r.id].reference
        rows.append({"experiment": r.id, "species": "rodent" if ref in animal else "human",
                     "finding": r.finding, "model reproduces": r.reproduced})
    return pd.DataFrame(rows).set_index("experiment")


def plot_experiments(table, *, ax=None):
    """The experiments table as a figure: one row per experiment, marked rodent or
    human on the figure itself."""
    import matplotlib.pyplot as plt
    import textwrap
    texts = [textwrap.fill(f"{'RODENT' if row['species'] == 'rodent' else 'HUMAN'} · "
                           f"{'reproduced' if row['model reproduces'] else 'NOT reproduced'} · {row['finding']}",
                           100) for _, row in table.iloc[::-1].iterrows()]
    heights = [0.32 + 0.16 * t.count("\n") for t in texts]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, sum(heights) + 1))
    y = np.cumsum([0.0] + heights[:-1]) + np.array(heights) / 2
    for i, ((eid, row), text) in enumerate(zip(table.iloc[::-1].iterrows(), texts)):
        rodent = row["species"] == "rodent"
        ax.barh(y[i], 1, height=heights[i] * 0.92, color="#fdb863" if rodent else "#80cdc1")
        ax.text(0.01, y[i], text, va="center", fontsize=7.5)
    ax.set_ylim(0, sum(heights))
    ax.set_yticks(y)
    ax.set_yticklabels(list(table.index[::-1]), fontsize=8)
    ax.set_xticks([])
    ax.set_xlim(0, 1)
    ax.set_title("Experiments the model reproduces: orange = animal experiment "
                 "(behaviour in rodents, not human relief)", fontsize=9)
    plt.tight_layout()
    plt.show()


# ---------------------------------------------------------------- before class
def warm_up(m: Model | None = None) -> float:
    """Compile and cache the solver before class, on the paths the notebooks take:
    one run and its placebo arm, a small virtual population in an arm and its
    placebo arm, and one scorecard check of each kind (when the model has a
    scorecard). The compiled code is cached on disk, so the first notebook does
    not wait for the compiler. Returns the seconds it took."""
    import time
    from .validate import default_targets_path, load_targets
    start = time.perf_counter()
    m = m or model()
    scenario = m.roles.showcase[0] if m.roles.showcase else next(iter(m.scenarios))
    value_at(m, scenario, "24 h", effect=True)
    response_rates(m, scenario, at=("24 h",), n=8)
    path = default_targets_path(m)
    if path is not None:
        one_of_each = {}
        for t in load_targets(path):
            one_of_each.setdefault(t["quantity"]["kind"], t["id"])
        scorecard(m, sorted(one_of_each.values()))
    return time.perf_counter() - start


def main(argv=None) -> int:
    """``python -m pathway.course warm-up``: compile the solver before class."""
    import sys
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["warm-up"]:
        print("usage: python -m pathway.course warm-up\n  compiles and caches the solver before class",
              file=sys.stderr)
        return 2
    seconds = warm_up()
    print(f"The solver is compiled and cached ({seconds:.0f} s); the notebooks will start quickly.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
