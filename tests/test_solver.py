"""The solver against exact mathematics: closed-form pharmacokinetics, and the
whole nonlinear system against scipy's Radau at tight tolerances."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pathway import SimulationError, UsageError, compile_model, simulate
from pathway import _kernel
from pathway.dosing import build_events


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
            _kernel.rates(yy, rate_in, *system.kernel[:2], *system.kernel[3:], *work)
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
def test_batch_loop_without_a_table_is_the_single_run_loop(model, scenario):
    """_kernel.solve (the batch's loop) keeps a copy of integrate's steps; with no
    table to read or write it must take the same steps to the same states."""
    system = compile_model(model)
    sc = model.scenario(scenario)
    ev = build_events(system, sc, 28 * 24.0)
    t_eval = np.linspace(0.0, 28 * 24.0, 200)
    args = (system.initial_state(), float(ev.t_h[0]), 28 * 24.0, t_eval, ev.t_h, ev.kind, ev.index,
            ev.value, 1e-4, 1e-7, 1 / 60, 24.0, 1_000_000, np.zeros(len(system.node_ids), bool))
    single, steps, status = _kernel.integrate(*args, *system.kernel)
    no_table = (np.full(len(system.node_ids), -1), np.empty(0), np.empty((0, 0)), np.empty((0, 0)))
    batch, batch_steps, batch_status, _ = _kernel.solve(*args, *no_table, False, *system.kernel)
    assert status == batch_status == 0 and steps == batch_steps
    np.testing.assert_array_equal(single, batch)


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
