"""The parameter explorer: its update path, extreme slider values, and the widget."""


import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from pathway.widgets import Explorer, explore  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return Explorer()


def relief_a(ex):
    return ex.trajs["a"]["relief"].copy()


def test_slider_change_updates_curves_and_image(explorer):
    ex = explorer
    ex.reset()
    ex.update()
    before, image_before = relief_a(ex), ex.image_bytes()
    ex.values["relief_half_drive"] = ex.base.parameters["relief_half_drive"].high
    image_after = ex.update()
    assert image_after[:2] == b"\xff\xd8"                       # a JPEG
    assert relief_a(ex).max() < before.max() - 0.1                 # harder to relieve
    assert image_after != image_before
    ex.reset()
    ex.update()
    np.testing.assert_allclose(relief_a(ex), before)


def test_time_slider_recolours_without_simulating(explorer):
    ex = explorer
    ex.reset()
    ex.update()
    trajs = ex.trajs
    ex.t_h = 0.7
    early = ex.image_bytes()
    ex.t_h = 500.0
    late = ex.update(simulate=False)
    assert ex.trajs is trajs and early != late


def test_interventions_and_hypotheses_apply(explorer):
    ex = explorer
    ex.reset()
    ex.update()
    control = relief_a(ex)
    ex.interventions = {"nbqx"}
    ex.update()
    assert relief_a(ex).max() < control.max() - 0.15
    ex.reset()
    ex.scenario, ex.compare = "hnk", None
    ex.hypotheses = {"hnk"}
    ex.update()
    assert relief_a(ex).max() > 0.5
    ex.scenario, ex.compare = "ketamine-iv", "ssri"
    ex.reset()
    ex.update()


def corners(ex, n_random=24):
    names = list(ex.base.parameters)
    p = ex.base.parameters
    yield {k: p[k].low for k in names}
    yield {k: p[k].high for k in names}
    for k in names:
        for end in ("low", "high"):
            yield {k: getattr(p[k], end)}
    rng = np.random.default_rng(0)
    for _ in range(n_random):
        yield {k: (p[k].low if bit else p[k].high) for k, bit in zip(names, rng.integers(0, 2, len(names)))}


def test_extreme_sliders_give_finite_curves_or_a_clear_message(explorer):
    """Each end of each range, all lows, all highs and random corners: never an exception,
    always finite curves or a visible message."""
    ex = explorer
    outcomes = {"ok": 0, "message": 0}
    for combo in corners(ex):
        ex.reset()
        ex.values.update(combo)
        ok = ex.simulate()
        ex.image_bytes()
        if ok:
            for traj in ex.trajs.values():
                assert np.all(np.isfinite(traj.values)), combo
            outcomes["ok"] += 1
        else:
            assert ex.message, combo
            outcomes["message"] += 1
    assert outcomes["ok"] > 0
    ex.reset()
    ex.update()


def test_all_switches_at_once(explorer):
    ex = explorer
    ex.reset()
    ex.interventions = set(ex.base.interventions)
    ex.hypotheses = set(ex.base.hypotheses)
    ok = ex.simulate()
    assert ok or ex.message
    ex.reset()
    ex.update()


def test_update_path_is_fast(explorer):
    """A loose guard (the benchmark script measures properly): the median update of a
    slider change stays well under a tenth of a second."""
    ex = explorer
    ex.reset()
    ex.timings.clear()
    for v in np.linspace(72, 400, 8):
        ex.values["spine_lifetime"] = float(v)
        ex.update()
    assert np.median(ex.timings) < 0.1


def test_widget_controls_drive_the_explorer():
    ui = explore()
    c = ui.controls
    ex = ui.explorer
    first = c["image"].value
    c["sliders"]["relief_half_drive"].value = c["sliders"]["relief_half_drive"].max
    assert c["image"].value != first
    c["interventions"]["nbqx"].value = True
    assert ex.interventions == {"nbqx"}
    c["compare"].value = "(none)"
    assert ex.compare is None
    c["reset"].click()
    assert ex.values["relief_half_drive"] == ex.base.parameters["relief_half_drive"].value
    assert not ex.interventions and c["sliders"]["relief_half_drive"].value == ex.values["relief_half_drive"]
    assert c["message"].value == ""
