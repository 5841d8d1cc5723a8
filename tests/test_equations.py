"""The model's maths is written once (pathway/equations.py) and everything else
follows it: the kernel's and the browser's term functions are generated from it,
and the SBML math and explain() are rendered from it.

The proof is a kind of term that none of the built-in models uses, the
"saturating" signal ((x/b)^n - 1) / ((x/b)^n + 1), switched on for one edge of
the toy model: the kernel's rates, the browser's solver under Node, the SBML
export under libroadrunner and explain() must all show that term.
"""

from pathlib import Path

import numpy as np
import pytest

from pathway import equations as eq
from pathway import loads_model, simulate
from pathway import _kernel
from pathway.compile import compile_model, explain

ROOT = Path(__file__).parent.parent
TOY = (ROOT / "models" / "toy.toml").read_text(encoding="utf-8")
EDGE = '''source = "messenger"
target = "wellbeing"
effect = "activates"
strength = 1.5
'''


def saturating_toy():
    assert EDGE in TOY
    return loads_model(TOY.replace(EDGE, EDGE + 'signal = "saturating"\nhill = 2\n'), "toy+saturating")


def test_generated_files_match_the_equations():
    for path, text in eq.generated_files().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date with pathway/equations.py: run python pathway/_generate.py")


def test_every_kind_has_distinct_parameter_symbols_and_known_keys():
    for kind in eq.SIGNALS + eq.RESPONSES:
        symbols = [p.symbol for p in kind.params]
        assert len(symbols) == len(set(symbols)), kind.name
        free = kind.expr().variables() - set(symbols) - {"x", "acc", "base"}
        assert not free, f"{kind.name} uses undeclared symbols {free}"


def test_the_model_file_takes_a_new_signal_by_name():
    model = saturating_toy()
    edge = next(e for e in model.edges if (e.source, e.target) == ("messenger", "wellbeing"))
    assert edge.signal == "saturating" and edge.hill == 2.0
    plain = loads_model(TOY)
    assert next(e for e in plain.edges if e.target == "wellbeing").signal == "relative"


@pytest.mark.parametrize("change, words", [
    ('signal = "occupancy"\n', "needs a drug source"),
    ('signal = "sigmoid"\n', "signal"),
    ('ec50 = "3 ng/mL"\n', "applies only to an edge from a drug"),
])
def test_a_wrong_signal_gets_a_clear_error(change, words):
    from pathway.errors import ModelFileError
    with pytest.raises(ModelFileError) as err:
        loads_model(TOY.replace(EDGE, EDGE + change))
    assert words in str(err.value)


def test_the_kernel_computes_the_declared_term():
    """The generated numba code gives the target that a plain reading of the
    expression tree gives, at a state away from rest."""
    model = saturating_toy()
    system = compile_model(model)
    k = system.kernel
    rng = np.random.default_rng(3)
    y = system.initial_state() * rng.uniform(0.5, 1.8, system.initial_state().size)
    n, n_node = y.size, len(system.node_ids)
    a, b = np.empty(n), np.empty(n)
    _kernel.rates(y, np.zeros(n), tuple(k), a, b, np.empty(len(system.drug_ids) + n_node),
                  np.empty(n_node))
    i = system.node_ids.index("wellbeing")
    target = a[system.n_pk + i] / b[system.n_pk + i]
    values = {nid: y[system.n_pk + j] for j, nid in enumerate(system.node_ids)}
    conc = np.maximum(k.conc_matrix @ y[:system.n_pk], 0.0)
    values.update({d: conc[j] for j, d in enumerate(system.drug_ids)})
    terms = []
    for t in system.terms:
        if t.edge.target == "wellbeing":
            x = eq.var(t.edge.source)
            s = eq.signal_expr(t.signal, x, {p: eq.num(v) for p, v in t.params})
            terms.append((t.sign, eq.num(t.strength), s))
    form = eq.RESPONSES[int(k.mode[i])]
    expected = eq.evaluate(eq.target_expr(
        form.name, eq.num(k.baseline[i]),
        {p.symbol: eq.num(k.n_par[i, j]) for j, p in enumerate(form.params)}, terms), values)
    assert target == pytest.approx(expected, rel=1e-12)
    assert any(t.signal == "saturating" for t in system.terms)


def test_the_new_term_changes_the_outcome():
    model, plain = saturating_toy(), loads_model(TOY)
    sc = model.roles.showcase[0]
    a = simulate(model, sc, days=3)["wellbeing"]
    b = simulate(plain, sc, days=3)["wellbeing"]
    assert np.max(np.abs(a - b)) > 1e-3


def test_explain_prints_the_new_term():
    text = explain(saturating_toy(), "wellbeing")
    assert "s[messenger] = (messenger^2 - 1) / (messenger^2 + 1)   (saturating" in text


def test_the_browser_solver_follows_under_node(tmp_path):
    solver_cases = pytest.importorskip("solver_cases")
    if solver_cases.NODE is None:
        pytest.skip("node is not installed (apt-get install -y nodejs)")
    model = saturating_toy()
    batch = [(f"scenario:{s}", s, {"days": 5}) for s in model.scenarios]
    for (case_id, scenario, options), js in zip(batch, solver_cases.node_simulate(model, batch, tmp_path)):
        traj = solver_cases.py_simulate(model, scenario, options)
        assert js["steps"] == traj.steps, case_id
        worst, column = solver_cases.disagreement(js, traj)
        assert worst <= 1e-9, f"{case_id}: {column} differs by {worst:.2e} of its peak"


def test_the_sbml_export_follows_under_roadrunner():
    pytest.importorskip("libsbml")
    pytest.importorskip("roadrunner")
    from test_sbml import cross_check
    model = saturating_toy()
    worst, column, t = cross_check(model, model.roles.showcase[0], 3)
    assert worst < 2e-3, f"{column} differs by {worst:.2e} of its peak at {t:g} h"
