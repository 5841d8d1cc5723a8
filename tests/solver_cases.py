"""The cases on which the page's solver (pathway/web/solver.js) is checked against
Python, and the two sides that run them: Python's ``simulate`` and the same
solver.js under Node (one process for a whole batch, see tests/node/run_solver.js).

tests/test_solver_node.py compares every case; tests/test_web.py checks that the
page in Chromium gives what Node gives.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np

from pathway import set_parameter, simulate
from pathway.scenarios import apply_all, inert_drugs, placebo_arm
from pathway.site import model_script, web_file
from pathway.webexport import list_json

HARNESS = Path(__file__).parent / "node" / "run_solver.js"
NODE = shutil.which("node") or shutil.which("nodejs")
STEP_MIN = 20.0


def cases(model) -> list[tuple[str, str, dict]]:
    """(id, scenario, options): every scenario, placebo arms (with each other inert drug
    that has the routes), a doubled dose, each intervention and its variants, each
    hypothesis on each scenario and a few seeded random parameter corners. The options
    are those of the page's ``simulate`` (parameter values in the unit `pathway list`
    shows)."""
    show = list(model.roles.showcase) or [next(iter(model.scenarios))]
    out = [(f"scenario:{s}", s, {}) for s in model.scenarios]
    out += [(f"placebo:{s}", s, {"placebo": True}) for s in show]
    for inert in inert_drugs(model)[1:]:           # another placebo, where it has the routes
        routes = model.drugs[inert].routes
        out += [(f"placebo-{inert}:{s}", s, {"placebo": inert}) for s in model.scenarios
                if all(d.route in routes for d in model.scenarios[s].doses)]
    for s in show:
        dose = next(iter(model.scenarios[s].doses)).amount
        out.append((f"dose:{s}", s, {"dose": dose * 2}))
    for name, iv in model.interventions.items():
        out.append((f"intervention:{name}", show[0], {"interventions": [name], "days": 14}))
        for h in iv.variants:
            out.append((f"intervention:{name}+{h}", show[0],
                        {"interventions": [name], "hypotheses": [h], "days": 14}))
    for h in model.hypotheses:
        for s in model.scenarios:
            out.append((f"hypothesis:{h}:{s}", s, {"hypotheses": [h], "days": 14}))
    rng = np.random.default_rng(12)
    params = list_json(model)["parameters"]
    for i in range(6):
        chosen = rng.choice(sorted(params), size=min(5, len(params)), replace=False)
        values = {}
        for name in chosen:
            p = params[name]
            values[str(name)] = float(rng.choice([p["low"], p["high"],
                                                  rng.uniform(p["low"], p["high"])]))
        out.append((f"corner{i}", show[i % len(show)], {"set": values}))
    return out


def py_simulate(model, scenario, options):
    """Python's run of a case: the page's options turned into the model edits that
    ``pathway simulate`` makes."""
    params = list_json(model)["parameters"]
    for name, value in options.get("set", {}).items():
        model = set_parameter(model, name, value * params[name]["factor"])
    model = apply_all(model, options.get("interventions", ()), options.get("hypotheses", ()))
    arm = options.get("placebo")
    sc = placebo_arm(model, scenario, arm if isinstance(arm, str) else None) if arm else scenario
    return simulate(model, sc, days=options.get("days"), dose=options.get("dose"),
                    step_min=options.get("step_min", STEP_MIN))


def disagreement(js: dict, traj, floor: float = 1e-12) -> tuple[float, str]:
    """The largest difference between a page run (``{column: values}``) and a
    Trajectory over every column, as a share of that column's peak, and its column.
    A column that stays at zero (a drug not given) is measured against ``floor`` of
    its unit instead."""
    np.testing.assert_allclose(js["time_h"], traj.t_h, rtol=0, atol=1e-9)
    missing = set(traj.names) - set(js)
    assert not missing, f"the page's run has no column(s) {', '.join(sorted(missing))}"
    worst, where = 0.0, ""
    for name in traj.names:
        py = traj[name]
        peak = max(float(np.max(np.abs(py))), floor)
        d = float(np.max(np.abs(np.asarray(js[name]) - py))) / peak
        if np.isnan(d):               # a NaN on either side is as far off as can be
            d = math.inf
        if d > worst:
            worst, where = d, name
    return worst, where


class NodeError(RuntimeError):
    """Node could not run the harness, or solver.js refused a case."""


def node_simulate(model, batch, workdir: Path) -> list[dict]:
    """Run ``batch`` (a list of (id, scenario, options)) through the page's solver.js
    under Node, in one process, with the model data exactly as the site writes it
    (model.js). Return, for each case in order, ``{"steps": int, column: array, ...,
    "time_h": array}``."""
    if NODE is None:
        raise NodeError("node is not installed")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "solver.js").write_text(web_file("solver.js"), encoding="utf-8")
    (workdir / "model.js").write_text(model_script(model), encoding="utf-8")
    data = workdir / "columns.bin"
    request = json.dumps([{"id": i, "scenario": s, "options": dict(o, step_min=STEP_MIN)}
                          for i, s, o in batch])
    proc = subprocess.run([NODE, str(HARNESS), str(workdir / "solver.js"),
                           str(workdir / "model.js"), str(data)],
                          input=request, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise NodeError(f"the Node harness failed (exit {proc.returncode}):\n{proc.stderr}")
    index = json.loads(proc.stdout)
    values = np.fromfile(data, dtype="<f8")
    names = index["columns"]
    out = []
    for (case_id, _, _), row in zip(batch, index["cases"], strict=True):
        if row["id"] != case_id:
            raise NodeError(f"the harness answered case {row['id']!r} for {case_id!r}")
        if "error" in row:
            raise NodeError(f"{case_id}: solver.js refused the case: {row['error']}")
        n = row["rows"]
        block = values[row["offset"]:row["offset"] + n * len(names)].reshape(len(names), n)
        run = {name: block[j] for j, name in enumerate(names)}
        run["steps"] = row["steps"]
        out.append(run)
    return out
