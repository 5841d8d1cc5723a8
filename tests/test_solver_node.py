"""The page's solver (pathway/web/solver.js) against Python's, exactly, under Node.

solver.js is a port of the compiled kernel (pathway/_kernel.py), of the arrays
compile_model builds and of the dosing events, so on the same case it must take
the same number of steps to the same states. Every case of
``solver_cases.cases`` (each scenario, placebo arms, a changed dose, each
intervention and its variants, each hypothesis on each scenario and seeded
random parameter corners) runs in Python and, in one Node process, in solver.js
with the model data the site writes. The step counts must be identical and every
column agree within 1e-9 of its peak (round-off agrees to about 1e-11); the
output times must be the same numbers.

Node is Debian's ``nodejs`` (.ci/run installs it); without it the module is
skipped. The page itself is driven in Chromium by tests/test_web.py.
"""

from pathlib import Path

import numpy as np
import pytest

from pathway import load_model
from solver_cases import NODE, NodeError, cases, disagreement, node_simulate, py_simulate

ROOT = Path(__file__).parent.parent
TOLERANCE = 1e-9          # of each column's peak

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed "
                                "(apt-get install -y nodejs; .ci/run does this)")


@pytest.mark.parametrize("which", ["ketamine", "toy"])
def test_node_solver_takes_the_same_steps_to_the_same_values(which, tmp_path):
    model = load_model(ROOT / "models" / f"{which}.toml")
    batch = cases(model)
    node = node_simulate(model, batch, tmp_path)
    problems, worst = [], (0.0, "", "")
    for (case_id, scenario, options), js in zip(batch, node, strict=True):
        traj = py_simulate(model, scenario, options)
        if not np.array_equal(js["time_h"], traj.t_h):
            problems.append(f"{case_id}: the output times differ")
            continue
        found = []
        if js["steps"] != traj.steps:
            found.append(f"solver.js took {js['steps']} steps, Python {traj.steps}")
        d, column = disagreement(js, traj)
        if not d <= TOLERANCE:
            found.append(f"column {column} differs by {d:.2e} of its peak")
        if found:
            problems.append(f"{case_id}: " + "; ".join(found))
        if d >= worst[0]:
            worst = (d, case_id, column)
    print(f"\n{which}: {len(batch)} cases; largest disagreement {worst[0]:.2e} of the peak "
          f"({worst[1]}, column {worst[2]})")
    assert not problems, (f"solver.js and Python differ on {len(problems)} of {len(batch)} "
                          "cases:\n  " + "\n  ".join(problems))


def test_the_harness_reports_a_case_the_solver_refuses(tmp_path):
    model = load_model(ROOT / "models" / "toy.toml")
    good = cases(model)[0]
    with pytest.raises(NodeError, match="no-such-scenario: solver.js refused the case: "
                                        "unknown scenario 'no-such-scenario'"):
        node_simulate(model, [good, ("no-such-scenario", "no-such-scenario", {})], tmp_path)
