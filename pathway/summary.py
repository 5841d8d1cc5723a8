"""The headline numbers of the model's showcase comparison, computed, never typed.

``summary_table(model)`` simulates the model file's showcase pair (for the default
model: one ketamine infusion against a daily SSRI), each with its own matched
placebo arm, and returns a Markdown table of what a reader should take away:
plasma levels, the side effect, the primary outcome in each arm and its placebo
arm, the drug effect over time, the other outcomes and the share of virtual
patients who respond. The README carries this table between two markers, and a
test checks that it is still what the model computes
(``python -m pathway.summary README.md`` rewrites it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from .lecture import describe_doses
from .modelfile import Model, load_model
from .scenarios import placebo_arm, showcase_pair
from .simulate import simulate

START, END = "<!-- summary:start -->", "<!-- summary:end -->"
#: A drug effect smaller than this is "not detectable" (a relief of 0.02 is under one
#: MADRS point on a typical baseline).
DETECTABLE = 0.02


def _when(t_h: float) -> str:
    if t_h < 1:
        return f"{t_h * 60:.0f} min"
    if t_h < 48:
        return f"{t_h:.0f} h" if t_h >= 10 else f"{t_h:.1f} h"
    if t_h < 24 * 14:
        return f"day {t_h / 24:.0f}"
    return f"week {t_h / 168:.0f}"


def _arm(model: Model, name: str, days: float):
    step = 5.0 if days <= 21 else 30.0
    arm = simulate(model, name, days=days, step_min=step)
    plac = simulate(model, placebo_arm(model, name), days=days, step_min=step)
    return arm, plac


def _fast(model: Model, name: str) -> list[str]:
    """The column of a scenario that lasts days: onset, peak, decay of its effect."""
    arm, plac = _arm(model, name, 21)
    p = model.primary
    t = arm.t_h
    effect = arm[p] - np.interp(t, plac.t_h, plac[p])
    i_peak = int(np.argmax(effect))
    seen = np.flatnonzero(effect > DETECTABLE)
    gone = np.flatnonzero((t > t[i_peak]) & (effect < DETECTABLE))
    plasma = arm.roles["plasma"][0] if arm.roles["plasma"] else None
    cells = []
    if plasma:
        tp, cp = arm.peak(plasma)
        cells.append(f"{cp:.0f} ng/mL at {_when(tp)}")
    side = model.roles.side_effects[0] if model.roles.side_effects else None
    if side:
        ts, vs = arm.peak(side)
        below = np.flatnonzero((t > ts) & (arm[side] < 0.05 * vs))
        cells.append(f"peak {vs:.2f} at {_when(ts)}, under 5% of it by "
                     f"{_when(t[below[0]]) if below.size else 'the end'}" if vs > 0.01 else "none")
    cells.append(f"{np.interp(24, t, arm[p]):.2f} at 24 h (placebo arm: "
                 f"{np.interp(24, plac.t_h, plac[p]):.2f})")
    cells.append(f"detectable from {_when(t[seen[0]]) if seen.size else 'never'}, peak "
                 f"{effect[i_peak]:.2f} at {_when(t[i_peak])}, "
                 f"{100 * np.interp(168, t, effect) / effect[i_peak]:.0f}% of it left at day 7, "
                 f"under {DETECTABLE} from {_when(t[gone[0]]) if gone.size else 'never'}")
    for other in model.roles.outcomes:
        if model.node(other).kind == "readout":
            e = arm[other] - np.interp(t, plac.t_h, plac[other])
            cells.append(f"{np.interp(24, t, e):.2f} at 24 h, {np.interp(168, t, e):.2f} at day 7")
    return cells


def _slow(model: Model, name: str) -> list[str]:
    """The column of a scenario that builds over weeks."""
    arm, plac = _arm(model, name, 56)
    p = model.primary
    t = arm.t_h
    effect = arm[p] - np.interp(t, plac.t_h, plac[p])
    cells = []
    plasma = arm.roles["plasma"][0] if arm.roles["plasma"] else None
    if plasma:
        # the level just before each day's dose (the trough), against the last one
        days = np.arange(1, int(t[-1] // 24))
        troughs = np.interp(days * 24.0 - 0.01, t, arm[plasma])
        near = np.flatnonzero(troughs >= 0.9 * troughs[-1])
        cells.append(f"troughs within 10% of steady state by {_when(days[near[0]] * 24.0)}"
                     if near.size and troughs[-1] > 0 else "no steady level")
    side = model.roles.side_effects[0] if model.roles.side_effects else None
    if side:
        vs = float(arm[side].max())
        cells.append("none" if vs <= 0.01 else f"peak {vs:.2f}")
    cells.append(f"{np.interp(672, t, arm[p]):.2f} at week 4, {np.interp(1344, t, arm[p]):.2f} at "
                 f"week 8 (placebo arm: {np.interp(1344, plac.t_h, plac[p]):.2f})")
    cells.append(", ".join(f"{np.interp(h, t, effect):.2f} at {_when(h)}"
                           for h in (24.0, 168.0, 672.0, 1344.0)))
    for other in model.roles.outcomes:
        if model.node(other).kind == "readout":
            e = arm[other] - np.interp(t, plac.t_h, plac[other])
            cells.append(f"{np.interp(168, t, e):.2f} at week 1, {np.interp(1344, t, e):.2f} at "
                         "week 8")
    return cells


def summary_table(model: Model | None = None) -> str:
    """The Markdown table of the showcase comparison (see the module docstring)."""
    model = load_model() if model is None else model
    a, b = showcase_pair(model)
    names = [a] + ([b] if b else [])
    columns = []
    for name in names:
        days = model.scenario(name).days
        columns.append(_fast(model, name) if days <= 21 else _slow(model, name))
    p = model.node(model.primary).label.lower()
    rows = []
    if columns and len(columns[0]) >= 4:
        rows.append("plasma level")
    if model.roles.side_effects:
        rows.append(model.node(model.roles.side_effects[0]).label.lower())
    rows += [f"{p} (arm)", f"drug effect on {p} (arm minus its placebo arm)"]
    rows += [f"drug effect on {model.node(o).label.lower()}" for o in model.roles.outcomes
             if model.node(o).kind == "readout"]
    head = "| | " + " | ".join(describe_doses(model, n) for n in names) + " |"
    lines = [head, "|---" * (len(names) + 1) + "|"]
    for i, row in enumerate(rows):
        lines.append(f"| {row} | " + " | ".join(c[i] if i < len(c) else "" for c in columns) + " |")
    return "\n".join(lines)


def rewrite(path: str | Path, model: Model | None = None) -> bool:
    """Replace the table between the markers in ``path``; return whether it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    block = f"{START}\n{summary_table(model)}\n{END}"
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda m: block, text, flags=re.S)
    if new != text:
        from .atomicio import write_text
        write_text(path, new)
    return new != text


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(summary_table())
        return 0
    for path in args:
        print(f"{path}: {'rewritten' if rewrite(path) else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
