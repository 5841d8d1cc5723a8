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

import math
from pathlib import Path

import numpy as np
import pytest

from pathway import load_model, loads_model
from pathway.compile import compile_model
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


def test_two_equal_rates_in_one_chain_are_nudged_apart_alike(tmp_path):
    """An absorption as fast as the elimination makes the pharmacokinetic matrix
    defective; both sides nudge it apart the same way (compile._modes) and take the
    same steps. The nudged modes are nearly parallel, so each side's round-off in
    them grows about a hundred million times: the levels agree to ~2e-8, not 1e-9."""
    text = (ROOT / "models" / "toy.toml").read_text()
    elimination = 20 / 800            # the slow pill's clearance over its volume, 1/h
    fast = 'absorption_half_life = "1 h", expectancy = "0.2 mg"'
    assert fast in text, "the toy model's slow pill has changed; update this test"
    model = loads_model(text.replace(fast, f'absorption_half_life = "{math.log(2) / elimination!r} h", '
                                           'expectancy = "0.2 mg"'), str(tmp_path / "toy.toml"))
    lam = np.sort(compile_model(model).kernel.pk_lam)
    assert np.min(np.diff(lam)) < 1e-6 * elimination, "the two rates are not (nearly) equal"
    batch = [c for c in cases(model) if c[0] in ("scenario:slow-course", "dose:slow-course")]
    assert len(batch) == 2
    for (case_id, scenario, options), js in zip(batch, node_simulate(model, batch, tmp_path),
                                                strict=True):
        traj = py_simulate(model, scenario, options)
        assert js["steps"] == traj.steps, f"{case_id}: {js['steps']} steps, Python {traj.steps}"
        d, column = disagreement(js, traj)
        assert d <= 1e-6, f"{case_id}: column {column} differs by {d:.2e} of its peak"
