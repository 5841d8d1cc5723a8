"""The solver against exact mathematics: closed-form pharmacokinetics, the whole
nonlinear system against scipy's Radau at tight tolerances, its order of
convergence, and its steps against a record of them.

    python tests/test_solver.py --write-reference

rewrites that record (tests/data/solver_reference.json) from the installed solver."""

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pathway import SimulationError, UsageError, compile_model, load_model, simulate
from pathway import _kernel
from pathway.dosing import build_events
from pathway.modelfile import default_model_path, loads_model

REFERENCE = Path(__file__).parent / "data" / "solver_reference.json"
MODELS = default_model_path().parent


def one_dose(scenario):
    return replace(scenario, doses=(replace(scenario.doses[0], every_h=None, count=None),))


def test_oral_single_dose_matches_bateman_function(model):
    """C(t) = F D ka / (V (ka - k)) (exp(-k t) - exp(-ka t))."""
    drug = model.drugs["ssri"]
    route = drug.routes["oral"]
    v, cl = model.value(drug.volume_l), model.value(drug.clearance_l_h)
    ka = np.log(2) / model.value(route.absorption_half_life_h)
    k = cl / v
    f, dose_mg = model.value(route.bioavailability), 10.0
    traj = simulate(model, one_dose(model.scenario("ssri")), days=10, step_min=17)
    t = traj.t_h
    exact = 1000 * f * dose_mg * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))
    np.testing.assert_allclose(traj["ssri"], exact, rtol=1e-8, atol=1e-9)


def test_repeated_oral_doses_superpose(model):
    """Daily doses: the sum of shifted single-dose curves."""
    single = simulate(model, one_dose(model.scenario("ssri")), days=8, step_min=10)
    daily = simulate(model, "ssri", days=8, step_min=10)
    shifted = sum(np.interp(single.t_h - 24 * n, single.t_h, single["ssri"], left=0.0)
                  for n in range(8))
    np.testing.assert_allclose(daily["ssri"], shifted, rtol=1e-7, atol=1e-9)


def test_three_compartment_infusion_matches_closed_form(model):
    """Esketamine 0.25 mg/kg over 40 min into its three-compartment model, against the
    exact solution of the linear system (matrix exponential of the augmented system)."""
    from scipy.linalg import expm
    drug = model.drugs["esketamine"]
    v1, cl = model.value(drug.volume_l), model.value(drug.clearance_l_h)
    periph = [(model.value(a), model.value(b)) for a, b in drug.peripheral]
    n = 1 + len(periph)
    k = np.zeros((n, n))
    k[0, 0] = -cl / v1
    for i, (vp, q) in enumerate(periph, start=1):
        k[0, 0] -= q / v1
        k[i, 0] += q / v1
        k[i, i] -= q / vp
        k[0, i] += q / vp
    T, rate = 40 / 60, 0.25 * 70 / (40 / 60)          # h, mg/h
    aug = np.zeros((n + 1, n + 1))
    aug[:n, :n] = k
    aug[0, n] = rate

    def exact(t):
        out = []
        for ti in t:
            x = expm(aug * min(ti, T))[:n, n]          # amounts at min(t, T), infusion on
            if ti > T:
                x = expm(k * (ti - T)) @ x
            out.append(1000 * x[0] / v1)
        return np.array(out)

    traj = simulate(model, "esketamine-iv", days=1, step_min=5)
    np.testing.assert_allclose(traj["esketamine"], exact(traj.t_h), rtol=1e-7, atol=1e-9)
    # the infusion is exact in time: the peak is exactly at its end
    assert traj.peak("esketamine")[0] == pytest.approx(T, abs=1e-12)


def test_weight_based_dose_scales_with_body_weight(model):
    from pathway import set_parameter
    light = simulate(set_parameter(model, "body_weight", "35 kg"), "esketamine-iv", days=1)
    normal = simulate(model, "esketamine-iv", days=1)
    np.testing.assert_allclose(light["esketamine"], normal["esketamine"] / 2, rtol=1e-9,
                               atol=1e-12)


@pytest.mark.parametrize("scenario", ["ketamine-iv", "esketamine-in", "ssri"])
def test_nonlinear_system_matches_scipy_radau(model, scenario):
    """The exponential integrator agrees with Radau (rtol 1e-10) on the same
    right-hand side, restarted at every dosing event, to 1e-3 of each peak
    (the default rtol of 1e-5 gives 2-4e-4 here)."""
    days = 3 if scenario != "ssri" else 10
    system = compile_model(model)
    sc = model.scenario(scenario)
    ev = build_events(system, sc, days * 24.0)
    n = system.initial_state().size
    work = [np.empty(n), np.empty(n), np.empty(len(system.drug_ids) + len(system.node_ids)),
            np.empty(len(system.node_ids))]
    t_eval = np.linspace(0, days * 24.0, 400)
    y, rate_in = system.initial_state(), np.zeros(n)
    bounds = sorted(set(ev.t_h.tolist()) | {0.0, days * 24.0})
    pieces = []
    for t0, t1 in zip(bounds[:-1], bounds[1:]):
        for i in np.flatnonzero(ev.t_h == t0):
            col = system.kernel.pk_vinv[:, ev.index[i]] * ev.value[i]
            if ev.kind[i] == 0:
                y[:system.n_pk] += col
            else:
                rate_in[:system.n_pk] += col

        def f(t, yy, rate_in=rate_in.copy()):  # noqa: B008 (binds this piece's rates)
            _kernel.rates(yy, rate_in, tuple(system.kernel), *work)
            return work[0] - work[1] * yy

        sel = t_eval[(t_eval >= t0) & (t_eval < t1)]
        sol = solve_ivp(f, (t0, t1), y, method="Radau", t_eval=sel, rtol=1e-10, atol=1e-12)
        assert sol.success
        pieces.append(sol.y.T)
        y = solve_ivp(f, (t0, t1), y, method="Radau", rtol=1e-10, atol=1e-12).y[:, -1]
    reference = np.vstack(pieces)
    ours = simulate(model, sc, days=days, t_eval=t_eval[:len(reference)])
    ref_nodes = reference[:, system.n_pk:]
    for j, name in enumerate(system.node_ids):
        peak = max(np.max(np.abs(ref_nodes[:, j])), 1e-9)
        err = np.max(np.abs(ours[name] - ref_nodes[:, j])) / peak
        assert err < 1e-3, f"{name} differs by {err:.2e} of its peak"


@pytest.mark.parametrize("scenario", ["ketamine-iv", "sustain-continue"])
def test_recording_a_table_leaves_the_steps_alone(model, scenario):
    """The step loop writing a table of nodes (the batch's shared nodes) takes the
    same steps to the same states as a single run, and its rows are the states at
    the start, at every event and at the end of every step."""
    system = compile_model(model)
    ev = build_events(system, model.scenario(scenario), 28 * 24.0)
    t_eval = np.linspace(0.0, 28 * 24.0, 200)
    n_node, kernel = len(system.node_ids), tuple(system.kernel)
    args = (system.initial_state(), float(ev.t_h[0]), 28 * 24.0)
    rest = (ev.t_h, ev.kind, ev.index, ev.value, 1e-4, 1e-7, 1 / 60, 24.0, 1_000_000,
            np.zeros(n_node, bool))
    single, steps, status = _kernel.integrate(*args, t_eval, *rest, kernel)
    size = 2 * steps + len(ev.t_h) + 1
    tab_t, tab_y, tab_f = np.empty(size), np.empty((size, n_node)), np.empty((size, n_node))
    batch, batch_steps, batch_status, rows = _kernel.solve(
        *args, t_eval, *rest, np.arange(n_node), tab_t, tab_y, tab_f, True, kernel)
    assert status == batch_status == 0 and steps == batch_steps
    np.testing.assert_array_equal(single, batch)
    tab_t, tab_y = tab_t[:rows], tab_y[:rows]
    assert tab_t[0] == ev.t_h[0] and tab_t[-1] == 28 * 24.0 and np.all(np.diff(tab_t) >= 0)
    assert set(ev.t_h[ev.t_h < 28 * 24.0]) <= set(tab_t)
    assert rows > 100 + len(set(ev.t_h))            # the steps' rows, not only the events'
    # the single run's states at the rows' times: the step ends (at an event, the
    # state before it, which is the first of the two rows there)
    at_rows, _, _ = _kernel.integrate(*args, tab_t, *rest, kernel)
    first = np.r_[True, np.diff(tab_t) > 0]
    np.testing.assert_allclose(tab_y[first], at_rows[first, system.n_pk:], rtol=1e-12, atol=1e-12)


def test_the_loops_read_the_arrays_they_name():
    """The step loop takes the model as a tuple in KernelArrays order and picks a
    few arrays out of it by position: those positions hold the arrays meant."""
    from pathway.compile import KernelArrays
    names = tuple(KernelArrays._fields[i] for i in _kernel.LOOP_FIELDS)
    assert names == ("pk_lam", "conc_matrix", "pk_vinv", "baseline", "e_src", "e_tgt")


def smooth_toy():
    """The toy model with every node's time constant the same rising and falling,
    and a constant infusion of the quick drug: a smooth problem (the drug level
    rises steadily, and every node moves one way)."""
    text = (MODELS / "toy.toml").read_text(encoding="utf-8")
    assert text.count('tau_rise = "2 h"\ntau_fall = "12 h"') == 1
    text = text.replace('tau_rise = "2 h"\ntau_fall = "12 h"', 'tau = "2 h"')
    text += """
[scenarios.steady]
description = "The quick drug at a constant rate for two days."
days = 1
doses = [{ drug = "quickdrug", route = "iv", dose = "1000 mg", duration = "2 d", start = "0 h" }]
"""
    return loads_model(text)


def test_the_integrator_converges_at_second_order():
    """With fixed steps (h_init = h_max = h, tolerances too wide to reject any
    step) the error against Radau (rtol 1e-12) falls as h^2: the slope of log
    error against log h is 2. The exponential step makes the pharmacokinetics
    exact, so the error is the nodes'."""
    model = smooth_toy()
    system = compile_model(model)
    kernel = tuple(system.kernel)
    ev = build_events(system, model.scenario("steady"), 24.0)
    assert np.all(ev.t_h[ev.t_h < 24.0] == 0.0)    # the events are all at the start
    n, n_pk = system.initial_state().size, system.n_pk
    y0, rate_in = system.initial_state(), np.zeros(n)
    for i in np.flatnonzero(ev.t_h == 0.0):
        col = system.kernel.pk_vinv[:, ev.index[i]] * ev.value[i]
        if ev.kind[i] == 0:
            y0[:n_pk] += col
        else:
            rate_in[:n_pk] += col
    work = [np.empty(n), np.empty(n), np.empty(len(system.drug_ids) + len(system.node_ids)),
            np.empty(len(system.node_ids))]

    def f(t, y):
        _kernel.rates(y, rate_in, kernel, *work)
        return work[0] - work[1] * y

    t_out = np.array([3.0, 6.0, 12.0, 24.0])        # on the steps of every h below
    exact = solve_ivp(f, (0.0, 24.0), y0, method="Radau", t_eval=t_out, rtol=1e-12,
                      atol=1e-14).y.T
    moving = np.ptp(exact[:, n_pk:], axis=0) > 0.01
    assert moving.sum() >= 4                        # the drug moves most of the nodes
    hs = 2.0 ** -np.arange(3, 8)                    # 7.5 min down to 28 s
    errors = []
    for h in hs:
        out, steps, status = _kernel.integrate(
            system.initial_state(), 0.0, 24.0, t_out, ev.t_h, ev.kind, ev.index, ev.value, 1e10,
            1e10, h, h, 10**6, np.zeros(len(system.node_ids), bool), kernel)
        assert status == 0 and steps == round(24.0 / h)
        errors.append(np.max(np.abs(out[:, n_pk:] - exact[:, n_pk:])))
    order = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert 1.8 <= order <= 2.3, f"order {order:.2f}; errors {errors}"


def reference_runs() -> dict:
    """Steps and states of the solver on every scenario of the built-in model
    files (single runs), and the outcomes of small populations (each person
    integrated whole, and groups sharing a table)."""
    runs = {}
    for name in ("ketamine.toml", "toy.toml"):
        model = load_model(MODELS / name)
        system = compile_model(model)
        for scenario in model.scenarios:
            days = model.scenario(scenario).days
            traj = simulate(model, scenario, system=system, t_eval=np.linspace(0, days * 24.0, 5))
            runs[f"{name}/{scenario}"] = {"steps": traj.steps, "names": list(traj.names),
                                          "values": traj.values.tolist()}
    from pathway.population import simulate_population
    model = load_model()
    for scenario in ("ketamine-iv", "ssri"):
        for n in (8, 64):
            r = simulate_population(model, scenario, n=n, seed=1, at="24h,7d,28d")
            runs[f"population/{scenario}/{n}"] = {"outcome": np.asarray(r.outcome).tolist()}
    return runs


def model_digests() -> dict:
    return {name: hashlib.sha256((MODELS / name).read_bytes()).hexdigest()
            for name in ("ketamine.toml", "toy.toml")}


def test_steps_and_states_are_those_on_record():
    """The solver takes the steps on record to the states on record (to
    round-off) for every built-in scenario and for small populations: a change to
    the step loop that should change no result is checked against this record."""
    record = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert record["models"] == model_digests(), (
        "the model files changed since the record was written; if the solver did not "
        "change too, rewrite it: python tests/test_solver.py --write-reference")
    runs = reference_runs()
    assert runs.keys() == record["runs"].keys()
    for key, run in runs.items():
        ref = record["runs"][key]
        if "steps" in ref:
            assert run["steps"] == ref["steps"], key
            assert run["names"] == ref["names"], key
            np.testing.assert_allclose(run["values"], ref["values"], rtol=1e-10, atol=1e-13,
                                       err_msg=key)
        else:
            np.testing.assert_allclose(run["outcome"], ref["outcome"], rtol=1e-10, atol=1e-13,
                                       err_msg=key)


def test_solver_failure_raises_with_a_hint(model):
    with pytest.raises(SimulationError, match="loosen rtol"):
        simulate(model, "ssri", days=56, max_steps=10)


@pytest.mark.parametrize("days", [0, -3, float("nan"), float("inf"), 1e9, "7"])
def test_absurd_durations_are_refused(model, days):
    with pytest.raises(UsageError, match="days"):
        simulate(model, "ketamine-iv", days=days)


@pytest.mark.parametrize("dose", [0, -0.5, float("nan"), float("inf")])
def test_absurd_doses_are_refused(model, dose):
    with pytest.raises(UsageError, match="dose"):
        simulate(model, "ketamine-iv", dose=dose)


def test_unknown_scenario_suggests_the_right_one(model):
    with pytest.raises(UsageError, match="did you mean 'ketamine-iv'"):
        simulate(model, "ketamine-i")


def test_t_eval_outside_span_is_refused(model):
    with pytest.raises(UsageError, match="within 0-24 h"):
        simulate(model, "ketamine-iv", days=1, t_eval=np.array([0.0, 30.0]))


def test_rows_are_at_most_5_minutes_apart_by_default(model):
    traj = simulate(model, "ketamine-iv", days=2)
    assert np.max(np.diff(traj.t_h)) <= 5 / 60 + 1e-12
    assert traj.t_h[0] == 0 and traj.t_h[-1] == pytest.approx(48)


def test_dose_changes_the_exposure_proportionally(model):
    half = simulate(model, "esketamine-iv", days=1, dose=0.125)
    full = simulate(model, "esketamine-iv", days=1)
    np.testing.assert_allclose(half["ketamine_plasma"], full["ketamine_plasma"] / 2,
                               rtol=1e-9, atol=1e-12)
    assert half.peak("dissociation")[1] < full.peak("dissociation")[1]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-reference"]:
        sys.exit(__doc__)
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(json.dumps({"models": model_digests(), "runs": reference_runs()},
                                    indent=1) + "\n", encoding="utf-8")
