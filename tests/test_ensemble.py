"""The calibration ensemble (pathway.ensemble): the file ``pathway fit`` writes, its strict loader, the choice of
members, the band, and ``--band`` on plot, animate and the explorer."""

import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pathway import load_model
from pathway.cli import main
from pathway.ensemble import (MEMBERS, REGION, band, ensemble_path, load_ensemble, select_members)
from pathway.errors import DataFileError, UsageError
from pathway.fit import calibrated_parameters

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "models" / "ensembles" / "ketamine.toml"
#: The calibrated parameters of the default model (the ensemble file's names).
NAMES = calibrated_parameters(load_model())
UNITS_LINE = next(line for line in COMMITTED.read_text(encoding="utf-8").splitlines() if line.startswith("units = ["))


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "models" / "ketamine.toml")


@pytest.fixture(scope="module")
def ensemble(model):
    return load_ensemble(model)


# ---------------------------------------------------------------- the committed file

def test_the_committed_ensemble_fits_the_model_file(model, ensemble):
    assert ensemble_path(model) == COMMITTED
    assert ensemble.names == tuple(calibrated_parameters(model))
    assert len(ensemble) == MEMBERS and ensemble.label == f"calibration ensemble, {MEMBERS} sets"
    assert set(ensemble.trials) and all((ROOT / "models" / "trials" / f"{t}.toml").is_file()
                                        for t in ensemble.trials)
    for i, name in enumerate(ensemble.names):
        p = model.parameters[name]
        assert ensemble.centre[i] == pytest.approx(p.value, rel=1e-3)
        assert all(p.low <= m[i] <= p.high for m in ensemble.members)
    # the members are different parameter sets, not one set repeated
    assert len({m for m in ensemble.members}) == len(ensemble.members)


# ---------------------------------------------------------------- the loader's errors

def cli(*argv) -> int:
    return main([str(a) for a in argv])


def _broken(tmp_path, old, new, count=1):
    text = COMMITTED.read_text()
    assert old in text, old
    path = tmp_path / "ketamine.toml"
    path.write_text(text.replace(old, new, count))
    return path


@pytest.mark.parametrize("old, new, words", [
    ("format = 1", "format = 1\ncolour = \"red\"", r"top level: unknown field 'colour'"),
    ("format = 1", "format = 2", r"format: format 2 is not 1"),
    ('model = "ketamine-pathway"', 'model = "toy"', r"model: the ensemble is of the model 'toy'"),
    ("members = [\n  [", "members = [\n  [\"a\", ", r"members\[0\]: expected a list of finite numbers"),
    ("members = [\n  [", "members = [\n  [1.0, ", rf"members\[0\]: {len(NAMES) + 1} values for {len(NAMES)} names"),
    (f'names = ["{NAMES[0]}"', f'names = ["{NAMES[0]}x"', r"names\[0\]: the model has no parameter"),
    (UNITS_LINE, UNITS_LINE.replace('"L/h"', '"mL/min"'),
     rf"units\[{NAMES.index('expectancy_clearance')}\]: 'mL/min' is not the base unit"),
    ("centre = [", "centre = [9.99, ", rf"centre: {len(NAMES) + 1} values for {len(NAMES)} names"),
])
def test_a_broken_ensemble_file_names_the_file_the_key_and_a_fix(model, tmp_path, old, new, words):
    path = _broken(tmp_path, old, new)
    with pytest.raises(DataFileError) as err:
        load_ensemble(model, path)
    text = str(err.value)
    assert str(path) in text and re.search(words, text), text
    assert "hint:" in text and "Traceback" not in text


def test_an_ensemble_of_other_values_is_stale(model, tmp_path):
    """A model whose calibrated value is not the ensemble's centre (refitted with --only, edited, or set with
    --param) gets no band from it: the error says which value and how to remake the file."""
    from pathway.modelfile import set_parameter
    p = model.parameters["placebo_strength"]
    moved = set_parameter(model, "placebo_strength", (p.low + p.value) / 2)
    with pytest.raises(DataFileError, match=r"centre\[\d+\]: placebo_strength = .* here but .* in the model") as err:
        load_ensemble(moved, COMMITTED)
    assert "run `pathway fit`" in str(err.value)
    # a member outside its parameter's range
    path = tmp_path / "ketamine.toml"
    path.write_text(re.sub(r"(members = \[\n  \[)[^,]+,", r"\g<1>1e9,", COMMITTED.read_text(), count=1))
    with pytest.raises(DataFileError, match=r"members\[0\]\[0\]: \w+ = .* is outside its range"):
        load_ensemble(model, path)


def test_a_stale_ensemble_leaves_the_page_without_its_band_and_says_why(model, tmp_path):
    """The explorer is still written when the ensemble no longer fits the model (a fit through the Python API, or
    an edited value): no band, and a warning that names the file and says how to remake it."""
    from pathway.modelfile import set_parameter
    from pathway.webexport import ensemble_export
    (tmp_path / "ensembles").mkdir()
    shutil.copy(COMMITTED, tmp_path / "ensembles" / "ketamine.toml")
    p = model.parameters["placebo_strength"]
    moved = replace(set_parameter(model, "placebo_strength", (p.low + p.value) / 2),
                    source=str(tmp_path / "ketamine.toml"))
    with pytest.warns(UserWarning, match=r"(?s)without its uncertainty band: .*run `pathway fit`"):
        assert ensemble_export(moved) is None


def test_a_model_without_an_ensemble_file_says_to_run_the_fit(tmp_path):
    toy = load_model(ROOT / "models" / "toy.toml")
    with pytest.raises(DataFileError, match="the model has no ensemble file") as err:
        load_ensemble(toy)
    assert "run `pathway fit`" in str(err.value)
    for path in (tmp_path, tmp_path / "not-toml.toml"):
        if path.suffix:
            path.write_text("members = [[1, 2]")
        with pytest.raises(DataFileError, match="hint:"):
            load_ensemble(toy, path)


# ---------------------------------------------------------------- choosing the members

def test_member_choice_is_deterministic_and_spans_the_region():
    rng = np.random.default_rng(7)
    centre = np.array([1.0, 10.0, 0.1])
    draws = centre + rng.multivariate_normal([0, 0, 0], [[0.04, 0.01, 0], [0.01, 4.0, 0], [0, 0, 1e-4]], 400)
    first = select_members(draws, centre)
    assert np.array_equal(first, select_members(draws.copy(), centre.copy()))
    assert len(first) == MEMBERS == len(set(first.tolist()))
    # Mahalanobis distances of all draws: the members run from near the centre to the region's edge, none beyond
    diff = draws - centre
    prec = np.linalg.inv(np.cov(diff, rowvar=False))
    dist = np.sqrt(np.einsum("ij,jk,ik->i", diff, prec, diff))
    edge = np.sort(dist)[int(REGION * len(dist)) - 1]
    chosen = dist[first]
    assert chosen.max() <= edge + 1e-9
    assert chosen.min() <= np.quantile(dist, 0.05) and chosen.max() >= np.quantile(dist, 0.85)
    # another order of the same draws gives the same members (as rows)
    perm = rng.permutation(len(draws))
    again = select_members(draws[perm], centre)
    assert {tuple(r) for r in draws[perm][again]} <= {tuple(r) for r in draws[dist <= edge + 1e-9]}
    with pytest.raises(UsageError, match="members must be a whole number"):
        select_members(draws, centre, k=1)
    with pytest.raises(UsageError, match="finite"):
        select_members(draws[:, :2], centre)


def test_pathway_fit_writes_the_same_ensemble_twice_and_only_without_only(tmp_path, capsys):
    """The whole route on a copy of the model: a small fit of every calibrated parameter writes the ensemble
    file beside it; running it again gives the same bytes; a fit --only leaves the file and says so."""
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models, ignore=shutil.ignore_patterns("ensembles", "lectures", "site"))
    path = models / "ketamine.toml"
    small = ["--model", str(path), "--n", "20", "--starts", "1", "--max-steps", "1"]
    assert main(["fit", *small]) == 0
    written = models / "ensembles" / "ketamine.toml"
    assert "wrote the calibration ensemble into" in capsys.readouterr().err
    first = written.read_bytes()
    ens = load_ensemble(load_model(path))
    assert len(ens) == MEMBERS and ens.replicates == 400
    assert main(["fit", *small]) == 0
    assert written.read_bytes() == first
    assert main(["fit", *small, "--only", "relief_half_drive"]) == 0
    assert "only a fit of every calibrated parameter writes the ensemble" in capsys.readouterr().err
    assert written.read_bytes() == first


# ---------------------------------------------------------------- the band

@pytest.mark.parametrize("scenario", ["ketamine-iv", "ssri"])
def test_the_band_holds_the_central_curve(model, ensemble, scenario):
    b = band(model, scenario, days=10, ensemble=ensemble)
    assert b.t_h.shape == b.low.shape == b.high.shape == b.centre.shape
    assert np.all(b.low <= b.high)
    assert np.all(b.centre >= b.low - 1e-6) and np.all(b.centre <= b.high + 1e-6)
    assert float(np.max(b.high - b.low)) > 0.01          # the members differ where it matters
    effect = band(model, scenario, days=10, ensemble=ensemble, effect=True)
    placebo = band(model, scenario, days=10, ensemble=ensemble, placebo=True)
    assert np.allclose(effect.centre, b.centre - placebo.centre)
    assert np.all(effect.centre >= effect.low - 1e-6) and np.all(effect.centre <= effect.high + 1e-6)
    with pytest.raises(UsageError, match="unknown readout"):
        band(model, scenario, "relef", days=1, ensemble=ensemble)


def test_plot_band_draws_a_band_per_arm_and_names_it(tmp_path, capsys, monkeypatch):
    from matplotlib.collections import PolyCollection

    import pathway.plotting as plotting
    seen = {}
    real = plotting.timecourse_figure

    def keep(*a, **kw):
        seen["fig"] = real(*a, **kw)
        return seen["fig"]
    monkeypatch.setattr(plotting, "timecourse_figure", keep)
    out = tmp_path / "band.png"
    assert cli("plot", "--scenario", "ketamine-iv", "--compare", "ssri", "--days", "7", "--band",
                 "--out", out) == 0
    assert out.stat().st_size > 10_000
    top = seen["fig"].axes[0]
    assert sum(isinstance(c, PolyCollection) for c in top.collections) == 3     # two arms and the placebo arm
    assert any(t.get_text().startswith(f"shaded: calibration ensemble, {MEMBERS} sets")
               for t in top.get_legend().get_texts())


def test_band_without_an_ensemble_file_is_one_clear_error(tmp_path, capsys):
    toy = ROOT / "models" / "toy.toml"
    scenario = next(iter(load_model(toy).scenarios))
    assert cli("plot", "--model", toy, "--scenario", scenario, "--band", "--out", tmp_path / "x.png") == 2
    err = capsys.readouterr().err
    assert "the model has no ensemble file" in err and "pathway fit" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_animate_band_shades_the_relief_panel(tmp_path, monkeypatch):
    from matplotlib.collections import PolyCollection

    import pathway.animation as animation
    seen = {}
    real = animation.save_animation

    def keep(frame, *a, **kw):
        seen["frame"] = frame
        return real(frame, *a, **kw)
    monkeypatch.setattr(animation, "save_animation", keep)
    out = tmp_path / "a.html"
    assert cli("animate", "--scenario", "ketamine-iv", "--compare", "ssri", "--days", "3", "--frames", "2",
               "--band", "--quiet", "--out", out) == 0
    assert out.stat().st_size > 1000
    frame = seen["frame"]
    relief = [ax for ax in frame.fig.axes if any(isinstance(c, PolyCollection) for c in ax.collections)]
    assert len(relief) == 1                                  # the relief panel, and nothing else
    ax = relief[0]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == len(frame.arms) == 2
    # the frame has no legend: the key is a line of text at the panel's top, as large as every frame text,
    # and above every curve and band
    key = frame.texts["band"]
    assert key.get_text().replace("\n", " ") == f"shaded: calibration ensemble, {MEMBERS} sets" and key.axes is ax
    frame.fig.canvas.draw()
    renderer = frame.fig.canvas.get_renderer()
    assert key.get_fontsize() * frame.fig.dpi / 72 >= animation.TEXT_FLOOR * frame.fig.bbox.height - 0.01
    under = key.get_window_extent(renderer).y0
    for art in [ln for ln in ax.get_lines() if not ln.get_animated() and len(ln.get_ydata())] + \
            [c for c in ax.collections if isinstance(c, PolyCollection)]:
        top = art.get_window_extent(renderer).y1 if isinstance(art, PolyCollection) else \
            ax.transData.transform((0, np.max(art.get_ydata())))[1]
        assert top < under, art
    assert not any(key.get_window_extent(renderer).overlaps(t.get_window_extent(renderer))
                   for t in ax.get_yticklabels() + ax.get_xticklabels() if t.get_text())
    # the bands are of the drug effect (the default), and the panel's range holds them
    effect = band(frame.model, "ketamine-iv", days=3, step_min=5.0, effect=True)
    lo, hi = ax.get_ylim()
    assert lo <= effect.low.min() and hi >= effect.high.max()
    verts = ax.collections[[isinstance(c, PolyCollection) for c in ax.collections].index(True)]
    assert verts.get_paths()[0].vertices[:, 1].max() == pytest.approx(effect.high[effect.t_h >= ax.get_xlim()[0]
                                                                                   * 0.99].max(), abs=1e-9)


# ---------------------------------------------------------------- the explorer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_the_export_carries_the_members_in_the_pages_units(model, ensemble):
    from pathway.webexport import export_model, parameter_table
    data = export_model(model)["ensemble"]
    table = parameter_table(model)
    assert data["names"] == list(ensemble.names) and len(data["members"]) == len(ensemble)
    for values, base in zip(data["members"], ensemble.members):
        for name, v, b in zip(data["names"], values, base):
            assert v * table[name]["factor"] == pytest.approx(b)
            assert table[name]["low"] - 1e-9 <= v <= table[name]["high"] + 1e-9
    assert export_model(load_model(ROOT / "models" / "toy.toml"))["ensemble"] is None


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_explorer_draws_the_band_when_asked(model, tmp_path):
    api = pytest.importorskip("playwright.sync_api")
    from pathway.site import write_site
    write_site(model, tmp_path / "site")
    write_site(load_model(ROOT / "models" / "toy.toml"), tmp_path / "toy")
    with api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((tmp_path / "site" / "index.html").as_uri())
        page.wait_for_function("document.getElementById('app').dataset.ready === '1'", timeout=60_000)
        # off at first: the reader's first view is the curves alone
        assert not page.is_checked("#pw-ensemble") and page.locator(".pw-ensemble-band").count() == 0
        page.check("#pw-ensemble")
        page.wait_for_function("document.querySelectorAll('.pw-ensemble-band').length > 0", timeout=60_000)
        arms = page.evaluate("window.pathway.app.runs.length")
        assert page.locator("#pw-chart .pw-ensemble-band, .pw-ensemble-band").count() == arms == 4
        # each band holds its arm's curve at every time
        inside = page.evaluate("""() => window.pathway.app.runs.every(a => {
            const y = a.run[window.pathway.data.roles.primary];
            return y.every((v, i) => a.band.low[i] <= v + 1e-9 && v <= a.band.high[i] + 1e-9); })""")
        assert inside
        assert page.locator(".pw-ensemble-key").inner_text().startswith(
            f"shaded: calibration ensemble, {MEMBERS} sets")
        assert "band=1" in page.evaluate("location.hash")
        page.uncheck("#pw-ensemble")
        page.wait_for_function("document.querySelectorAll('.pw-ensemble-band').length === 0")
        assert page.locator(".pw-ensemble-key").count() == 0
        # a link turns it on; a model without an ensemble has no such control
        page.goto((tmp_path / "site" / "index.html").as_uri() + "#band=1")
        page.wait_for_function("document.querySelectorAll('.pw-ensemble-band').length > 0", timeout=60_000)
        page.goto((tmp_path / "toy" / "index.html").as_uri())
        page.wait_for_function("document.getElementById('app').dataset.ready === '1'", timeout=60_000)
        assert not page.locator("#pw-ensemble").is_visible()
        assert not errors, errors
        browser.close()
