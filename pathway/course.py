"""The course's checker and the helpers its notebooks use.

A student writes an answer (a number, a choice, a few lines of code, an edited
model) and calls :func:`check`; the checker compares it with what the MODEL
computes (never a stored answer) and replies with one line:

- ``Correct`` when it matches,
- ``Not yet: ...`` with a hint when it does not,
- ``Not answered yet: ...`` while the answer is still blank (``None``, ``...`` or
  an unchanged template); nothing raises.

Exercises are small :class:`Exercise` objects registered with :func:`exercise`
(the course's own bank lives beside the notebooks, in ``notebooks/course_bank.py``).
Each one says how to compute the expected answer from the model, so the checker
follows the model file when it changes.

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
    """The checker's reply: a string that shows as plain text in a notebook."""

    @property
    def correct(self) -> bool:
        return self.startswith(CORRECT)

    @property
    def blank(self) -> bool:
        return self.startswith(BLANK)


@dataclass
class Exercise:
    """One checked question.

    kind: ``number`` (within ``rel`` relative or ``tol`` absolute of the expected
    value), ``choice`` (one of ``choices``, compared case-blind), or ``judge``
    (``judge(answer, model)`` returns ``(ok, message)``: for code, edited models,
    anything a value cannot say). ``expected(model)`` computes the answer from the
    model; ``hint`` is shown with "Not yet".
    """

    name: str
    prompt: str
    kind: str = "number"
    expected: Callable[[Model], Any] | None = None
    judge: Callable[[Any, Model], tuple[bool, str]] | None = None
    choices: tuple[str, ...] = ()
    rel: float = 0.1
    tol: float = 0.0
    hint: str = ""
    unit: str = ""
    template: Any = None         # the answer as handed out (unchanged = not answered yet)

    def check(self, answer: Any, model: Model) -> Reply:
        if is_blank(answer) or (self.template is not None and _same(answer, self.template)):
            return Reply(f"{BLANK}: {self.name} — {self.prompt}")
        try:
            ok, why = self._verdict(answer, model)
        except PathwayError as exc:       # e.g. a typo in a scenario the student named
            ok, why = False, str(exc).splitlines()[0]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            ok, why = False, f"that answer could not be read ({type(exc).__name__}: {exc})"
        if ok:
            return Reply(f"{CORRECT}: {self.name}" + (f" — {why}" if why else ""))
        hint = f" Hint: {self.hint}" if self.hint else ""
        return Reply(f"{NOT_YET}: {self.name} — {why.rstrip('.')}.{hint}")

    def _verdict(self, answer: Any, model: Model) -> tuple[bool, str]:
        if self.kind == "judge":
            return self.judge(answer, model)
        expected = self.expected(model)
        if self.kind == "choice":
            if str(answer).strip().lower() not in {c.lower() for c in self.choices}:
                return False, f"choose one of {', '.join(map(repr, self.choices))}"
            ok = str(answer).strip().lower() == str(expected).strip().lower()
            return ok, f"the model says {expected!r}" if ok else f"{answer!r} is not what the model says"
        value = float(np.asarray(answer, dtype=float).reshape(-1)[0]) \
            if not isinstance(answer, (int, float)) else float(answer)
        if not math.isfinite(value):
            return False, "the answer is not a finite number"
        close = abs(value - expected) <= max(self.tol, self.rel * abs(expected))
        unit = f" {self.unit}" if self.unit else ""
        if close:
            return True, f"the model gives {expected:.3g}{unit}"
        side = "high" if value > expected else "low"
        return False, f"{value:.3g}{unit} is too {side}"


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


_BANK: dict[str, Exercise] = {}
_MODEL: list[Model] = []


def exercise(name: str, prompt: str, **kwargs) -> Exercise:
    """Register an exercise (see :class:`Exercise`) and return it."""
    ex = Exercise(name=name, prompt=prompt, **kwargs)
    _BANK[name] = ex
    return ex


def load_bank(name: str = "course_bank"):
    """Import the course's exercise bank (``course_bank.py``), looked for in the
    working folder and the two above it (notebooks/ and notebooks/instructor/)."""
    import importlib
    import sys
    from pathlib import Path
    here = Path.cwd()
    for folder in (here, here.parent, here.parent.parent, here / "notebooks"):
        if (folder / f"{name}.py").exists():
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
            return importlib.import_module(name)
    raise UsageError(f"no {name}.py beside the notebook\n  hint: open the notebook from the "
                     "project's notebooks/ folder")


def use_model(model: Model) -> Model:
    """The model the checker computes expected answers from (default: the default model)."""
    _MODEL[:] = [model]
    return model


def model() -> Model:
    if not _MODEL:
        _MODEL.append(load_model())
    return _MODEL[0]


def check(name: str, answer: Any, quiet: bool = False) -> Reply:
    """Check ``answer`` to exercise ``name``; print and return the reply."""
    if name not in _BANK:
        from .errors import UnknownNameError, suggest
        raise UnknownNameError(f"no exercise '{name}'", hint=suggest(name, list(_BANK)))
    reply = _BANK[name].check(answer, model())
    if not quiet:
        print(reply)
    return reply


def quiz(answers: dict[str, Any]) -> list[Reply]:
    """Check several answers at once (a self-check quiz): ``{exercise: answer}``."""
    replies = [check(k, v) for k, v in answers.items()]
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


def reveal(name: str, model_value: Any, times_h=None) -> Any:
    """Compare the recorded prediction ``name`` with the model's answer.

    ``model_value`` is a number, a choice, or (for a sketch) a function of time in
    hours or a pandas Series indexed by hours."""
    guess = _PREDICTIONS.get(name)
    if guess is None:
        print(f"You recorded no prediction for {name!r}; the model says {_show(model_value)}.")
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
              f"(off by {guess - float(model_value):+.3g}).")
    else:
        same = str(guess).strip().lower() == str(model_value).strip().lower()
        print(f"You predicted {guess!r}; the model says {_show(model_value)}"
              f"{' — the same.' if same else '.'}")
    return guess


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
    frame = pd.DataFrame({"arm": (arm.outcome >= level).mean(axis=0),
                          "placebo arm": (base.outcome >= level).mean(axis=0)},
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
    ax.set_xlabel("days after the first dose")
    ax.set_ylabel(("drug effect on " if effect else "") + label.lower())
    if log_time:
        ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return ax


def plot_published(m: Model, ids, *, title: str = "", ax=None):
    """Published targets (grey bars: the band the literature allows) beside the
    model's value (dots: green inside the band, red outside), one row per target,
    with the sources printed under the figure. Returns the scorecard rows."""
    import matplotlib.pyplot as plt
    import textwrap
    card = scorecard(m, ids)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.6 * len(card) + 1.3))
    # each row on its own scale: the published band fills the middle half of the row
    for i, (tid, row) in enumerate(card.iloc[::-1].iterrows()):
        lo, hi, v = row["low"], row["high"], row["model"]
        a = lo if math.isfinite(lo) else min(v, hi) - abs(hi - v) - 0.1
        b = hi if math.isfinite(hi) else max(v, lo) + abs(v - lo) + 0.1
        span = (b - a) or 1.0
        x = float(np.clip(0.25 + 0.5 * (v - a) / span, 0.0, 1.0))
        ax.barh(i, 0.5, left=0.25, height=0.5, color="#cfcfcf")
        ax.plot(x, i, "o", ms=8, color="#1a9850" if row["passes"] else "#d73027")
        band = f"{_num(lo)} to {_num(hi)}"
        ax.text(1.03, i, f"published {band}; model {_num(v)}", va="center", fontsize=8,
                transform=ax.get_yaxis_transform())
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    ax.set_yticks(range(len(card)))
    ax.set_yticklabels([textwrap.shorten(f"{tid}: {s}", 64) for tid, s in
                        zip(card.index[::-1], card["published"].iloc[::-1])], fontsize=8)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    keys = [Patch(color="#cfcfcf", label="published band (each row on its own scale)"),
            Line2D([], [], marker="o", ls="", color="#1a9850", label="model, inside"),
            Line2D([], [], marker="o", ls="", color="#d73027", label="model, outside (see known gaps)")]
    ax.legend(handles=keys, fontsize=8, frameon=False, loc="upper center", ncol=3,
              bbox_to_anchor=(0.5, -0.02 - 0.2 / len(card)))
    ax.set_title(title or "Published numbers (grey) and the model (dots)", fontsize=10)
    plt.tight_layout()
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
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 * len(table) + 1))
    for i, (eid, row) in enumerate(table.iloc[::-1].iterrows()):
        rodent = row["species"] == "rodent"
        ax.barh(i, 1, color="#fdb863" if rodent else "#80cdc1")
        ax.text(0.02, i, f"{'RODENT' if rodent else 'HUMAN'} · "
                f"{'reproduced' if row['model reproduces'] else 'NOT reproduced'} · "
                + textwrap.shorten(row["finding"], 70), va="center", fontsize=8)
    ax.set_yticks(range(len(table)))
    ax.set_yticklabels(list(table.index[::-1]), fontsize=8)
    ax.set_xticks([])
    ax.set_title("Experiments the model reproduces: orange = animal experiment "
                 "(behaviour in rodents, not human relief)", fontsize=9)
    plt.tight_layout()
    plt.show()
