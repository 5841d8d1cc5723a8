"""The explorer as a static site, driven in headless Chromium by Playwright.

The page's solver (pathway/web/solver.js) is a second implementation of the
model. tests/test_solver_node.py checks it against Python's ``simulate`` on every
case under Node; here a few cases check that in Chromium the page's solver gives
what Node gives, and the page's own options (a hypothesis switched off, a timed
intervention) are checked against Python. Then the page itself: reset, the link,
details on click and Enter, the intervention marks, downloads, the phone layout
and the server.

Chromium comes from Debian's package (.ci/run installs it); nothing downloads a
browser. Skipped, with the reason, where it is absent.
"""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from pathway import load_model, loads_model, set_hypothesis
from pathway.cli import main
from pathway.scenarios import inert_drugs
from pathway.site import MAX_BYTES, write_site
from pathway.webexport import _citation, export_model, list_json, load_site
from solver_cases import NODE, STEP_MIN, cases, disagreement, node_simulate, py_simulate

ROOT = Path(__file__).parent.parent
TOY = ROOT / "models" / "toy.toml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TOLERANCE = 1e-9          # of each column's peak, as under Node (tests/test_solver_node.py)
SAME = 1e-10              # the page in Chromium against solver.js under Node (their Math
                          # functions may differ in the last bit; they agree to ~1e-13)

needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                   "(apt-get install -y chromium; .ci/run does this)")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed "
                                "(apt-get install -y nodejs; .ci/run does this)")


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "models" / "ketamine.toml")


@pytest.fixture(scope="module")
def site(tmp_path_factory, model):
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(model, out)
    return out


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser, site, width=1366, height=900, hash_=""):
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.errors = []
    page.requests = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto((site / "index.html").as_uri() + hash_)
    page.wait_for_function("document.getElementById('app').dataset.ready === '1'", timeout=30_000)
    return page


@pytest.fixture(scope="module")
def page(browser, site):
    p = open_page(browser, site)
    yield p
    p.close()


# ---------------------------------------------------------------- the cross-check

def js_simulate(page, scenario, options):
    return page.evaluate(
        """([scenario, options]) => {
            const run = window.pathway.simulate(scenario, options);
            const out = {steps: run.steps};
            for (const k of window.pathway.columns().concat(["time_h"])) out[k] = Array.from(run[k]);
            return out;
        }""", [scenario, options])


def a_few_cases(model):
    """Two of the cases Node runs: an intervention (with a hypothesis where one has a
    variant) and a parameter corner."""
    every = cases(model)
    interventions = [c for c in every if c[0].startswith("intervention:")]
    with_variant = [c for c in interventions if "+" in c[0]]
    return (with_variant or interventions or every)[:1] + [c for c in every if c[0] == "corner0"]


def page_matches_node(page, model, workdir):
    """The page's solver in Chromium against the same solver.js under Node: the same
    steps and, within SAME of each column's peak, the same values."""
    batch, worst = a_few_cases(model), 0.0
    for (case_id, scenario, options), node in zip(batch, node_simulate(model, batch, workdir),
                                                  strict=True):
        js = js_simulate(page, scenario, dict(options, step_min=STEP_MIN))
        assert js["steps"] == node["steps"], \
            f"{case_id}: {js['steps']} steps in Chromium, {node['steps']} under Node"
        assert js["time_h"] == list(node["time_h"]), f"{case_id}: the output times differ"
        for name, values in node.items():
            if name in ("steps", "time_h"):
                continue
            peak = max(float(np.max(np.abs(values))), 1e-12)
            d = float(np.max(np.abs(np.asarray(js[name]) - values))) / peak
            assert d <= SAME, f"{case_id}: column {name} differs by {d:.2e} of its peak"
            worst = max(worst, d)
    print(f"\n{model.name}: Chromium and Node differ by at most {worst:.2e} of a peak "
          f"on {', '.join(c[0] for c in batch)}")
    return batch


@needs_browser
@needs_node
@pytest.mark.parametrize("which", ["ketamine", "toy"])
def test_browser_solver_gives_what_node_gives(browser, tmp_path, which):
    model = load_model(ROOT / "models" / f"{which}.toml")
    write_site(model, tmp_path / "site")
    page = open_page(browser, tmp_path / "site")
    assert len(page_matches_node(page, model, tmp_path / "node")) == 2
    assert not page.errors
    page.close()


@needs_browser
def test_the_toy_model_has_no_guided_questions(browser, tmp_path):
    write_site(load_model(TOY), tmp_path / "toy")
    page = open_page(browser, tmp_path / "toy")
    assert page.locator(".pw-try").count() == 0          # it has no site file
    assert not page.errors
    page.close()


@needs_browser
def test_a_hypothesis_the_model_switches_on_can_be_switched_off(browser, tmp_path):
    toy = load_model(TOY)
    name = next(iter(toy.hypotheses))
    write_site(set_hypothesis(toy, name, True), tmp_path / "on")
    page = open_page(browser, tmp_path / "on")
    scenario = toy.roles.showcase[0]
    js = js_simulate(page, scenario, {"hypotheses_off": [name], "step_min": STEP_MIN})
    assert disagreement(js, py_simulate(toy, scenario, {}))[0] <= TOLERANCE
    js_on = js_simulate(page, scenario, {"step_min": STEP_MIN})
    on = py_simulate(set_hypothesis(toy, name, True), scenario, {})
    assert disagreement(js_on, on)[0] <= TOLERANCE
    page.uncheck(f"#pw-hypotheses-{name}")
    assert name not in page.evaluate("window.pathway.state()")["hypotheses"]
    assert f"hoff={name}" in page.url
    page.close()


@needs_browser
def test_browser_refuses_bad_options_with_a_hint(page, model):
    name = next(iter(model.parameters))
    p = list_json(model)["parameters"][name]
    for scenario, options, text in [
            ("no-such-scenario", {}, "unknown scenario"),
            (model.roles.showcase[0], {"set": {name: p["high"] * 10 + 1}}, "outside its range"),
            (model.roles.showcase[0], {"interventions": ["no-such"]}, "unknown intervention"),
            (model.roles.showcase[0], {"days": 0}, "days")]:
        message = page.evaluate("""([s, o]) => { try { window.pathway.simulate(s, o); return ""; }
                                     catch (e) { return e.message; } }""", [scenario, options])
        assert text in message


def test_export_carries_what_the_page_needs(model):
    data = export_model(model, load_site(model))
    assert data["format"] == 1
    assert set(data["scenarios"]) == set(model.scenarios)
    assert set(data["interventions"]) == set(model.interventions)
    assert {n["id"] for n in data["nodes"]} == set(model.node_ids)
    # every edge of every hypothesis has a term, and every term an edge
    terms = {t["edge"] for t in data["compiled"]["terms"]}
    assert terms == {e.index for e in model.edges if e.effect != "metabolised-to"}
    # a parameter that enters a kernel array is named there, not copied as a number
    compiled = data["compiled"]
    used = {v for key in ("tau_rise", "tau_fall", "baseline")
            for v in compiled[key] if isinstance(v, str)}
    used |= {v for row in compiled["n_par"] for v in row if isinstance(v, str)}
    assert used and used <= set(model.parameters)
    flat = {"n_par": [v for row in compiled["n_par"] for v in row],
            "e_par": [v for t in compiled["terms"] for v in t["par"]]}
    for name, uses in compiled["param_uses"].items():
        for use in uses:
            if use["array"] in ("tau_rise", "tau_fall", "baseline"):
                assert compiled[use["array"]][use["index"]] == name
            elif use["array"] in flat:
                assert flat[use["array"]][use["index"]] == name
    # reference texts with a DOI give a link
    with_doi = [r for r in data["references"].values() if "doi:" in r["text"].lower()]
    assert all(r["doi"] for r in with_doi)


def test_site_file_is_checked_against_the_model(model, tmp_path):
    good = load_site(model)
    assert good["try"], "the default model's site file has guided questions"
    bad = tmp_path / "bad.toml"
    bad.write_text('[[try]]\nquestion = "?"\nscenario = "nope"\nset = { no_such = 1 }\n'
                   'placebo_drug = "nbqx"\n')
    with pytest.raises(Exception) as err:
        load_site(model, bad)
    assert "nope" in str(err.value) and "no_such" in str(err.value)
    assert "is not an inert drug" in str(err.value) and "nbqx" in str(err.value)
    assert load_site(load_model(TOY)) == {"try": [], "page": {}, "glossary": {}}
    bad.write_text('[page]\nintro = ""\nsafety_sources = ["nobody2020"]\n[glossary]\nAMPA = 3\n')
    with pytest.raises(Exception) as err:
        load_site(model, bad)
    assert "page: 'intro' is empty" in str(err.value)
    assert "'nobody2020' is not among" in str(err.value)
    assert "glossary.AMPA: must be text" in str(err.value)
    page = load_site(model)["page"]
    assert page["intro"] and page["safety"] and page["safety_sources"]


def test_site_folder_is_small_and_self_contained(site):
    files = sorted(p.name for p in site.iterdir())
    assert files == sorted(["LICENSE.txt", "app.css", "app.js", "index.html", "model.js",
                            "solver.js"])
    assert sum(p.stat().st_size for p in site.iterdir()) < MAX_BYTES
    html = (site / "index.html").read_text()
    for text in [html] + [(site / f).read_text() for f in ("app.js", "solver.js", "app.css")]:
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "fetch(" not in text and "import(" not in text
    assert (site / "model.js").read_text().startswith("window.PATHWAY_MODEL = {")


# ---------------------------------------------------------------- the page

@needs_browser
def test_page_loads_from_file_with_no_network(page):
    assert page.requests and all(u.startswith("file://") for u in page.requests), page.requests
    assert not page.errors
    assert page.locator(".pw-pathway svg [data-node]").count() > 5
    assert page.locator(".pw-chart svg path").count() > 3
    assert page.locator(".pw-legend li").count() >= 3


@needs_browser
def test_reset_resets_every_control(browser, site, model):
    page = open_page(browser, site)
    names = list(model.parameters)[:2]
    page.locator(".pw-params summary").click()
    for name in names:
        slider = page.locator(f"#pw-p-{name}")
        slider.focus()
        for _ in range(40):
            slider.press("ArrowRight")
    iv = next(iter(model.interventions))
    page.check(f"#pw-interventions-{iv}")
    state = page.evaluate("window.pathway.state()")
    assert set(names) <= set(state["set"]) and state["interventions"] == [iv]
    assert page.locator(".pw-changed:visible").count() >= 2
    assert "#" in page.url and f"p.{names[0]}" in page.url
    page.get_by_role("button", name="Reset everything").click()
    state = page.evaluate("window.pathway.state()")
    assert state["set"] == {} and state["interventions"] == []
    assert page.locator(".pw-changed:visible").count() == 0
    assert not page.is_checked(f"#pw-interventions-{iv}")
    assert page.evaluate("location.hash") == ""
    page.close()


@needs_browser
def test_the_link_restores_a_setting(browser, site, model):
    p = list_json(model)["parameters"]
    name = next(iter(p))
    value = p[name]["high"]
    iv = next(iter(model.interventions))
    page = open_page(browser, site, hash_=f"#i={iv}&p.{name}={value}&days=21")
    state = page.evaluate("window.pathway.state()")
    assert state["interventions"] == [iv] and state["set"] == {name: value} and state["days"] == 21
    assert page.is_checked(f"#pw-interventions-{iv}")
    assert page.locator(f"#pw-p-{name}-value").inner_text() != ""     # the box opens
    page.close()


@needs_browser
def test_the_placebo_can_be_another_inert_drug(browser, site, model):
    """Where the model file has more than one inert drug (a masked placebo and saline,
    say) the reader picks the placebo arms' one; an arm it cannot mimic (no route for
    its dose) keeps the model's own, and the legend says which each arm got."""
    others = inert_drugs(model)[1:]
    page = open_page(browser, site)
    assert page.locator("#pw-inert").is_visible() == bool(others)
    if not others:
        return
    other = others[0]
    label = model.node(other).label
    page.select_option("#pw-inert", other)
    page.wait_for_function(f"location.hash.indexOf('inert={other}') >= 0")
    legend = page.locator(".pw-legend").inner_text()
    routes = model.drugs[other].routes
    fits = [s for s in (model.roles.showcase or ()) if all(d.route in routes
                                                           for d in model.scenarios[s].doses)]
    assert legend.count(label) == len(fits)
    assert page.locator("#pw-inert-desc").inner_text() == model.node(other).description
    page.uncheck("#pw-placebo")
    assert page.locator("#pw-inert").is_disabled()
    page.close()
    again = open_page(browser, site, hash_=f"#inert={other}")     # the link keeps the choice
    assert again.locator("#pw-inert").input_value() == other
    assert again.evaluate("window.pathway.state()")["inert"] == other
    assert not again.errors
    again.close()


@needs_browser
def test_intervention_is_drawn_on_the_pathway(page, model):
    page.get_by_role("button", name="Reset everything").click()
    cutting = next(name for name, iv in model.interventions.items() if iv.cut)
    before = page.locator(".pw-pathway svg circle").count()
    page.check(f"#pw-interventions-{cutting}")
    assert page.locator(".pw-pathway svg circle").count() > before       # a cross per cut edge
    assert page.locator(".pw-ghost").count() >= 1                       # the previous curve
    page.get_by_role("button", name="Reset everything").click()


@needs_browser
def test_click_and_enter_show_details_with_citations(page, model):
    node = model.primary
    page.locator(f'[data-node="{node}"]').click()
    info = page.locator(".pw-info")
    assert model.node(node).label in info.inner_text()
    edge = next(e for e in model.edges if e.citations and e.source in
                {n.id for n in model.nodes} and e.hypothesis is None)
    page.locator(f'[data-edge="{edge.index}"]').focus()
    page.keyboard.press("Enter")
    text = info.inner_text()
    assert edge.grade in text
    assert model.references[edge.citations[0]][:20] in text


@needs_browser
def test_a_rodent_only_step_says_so_in_its_details_and_the_key(page, model):
    from pathway.evidence import evidence_phrase, is_rodent
    edge = next(e for e in model.edges if (e.source, e.target) == ("spines", "relief"))
    assert is_rodent(edge.species)
    page.get_by_role("button", name="Reset everything").click()
    page.locator(f'[data-edge="{edge.index}"]').focus()
    page.keyboard.press("Enter")
    text = page.locator(".pw-info").inner_text()
    assert f"Evidence: {edge.grade}, {evidence_phrase(edge.species)}." in text
    assert "rodent data only (mouse)" in text
    label = page.locator(f'[data-edge="{edge.index}"]').get_attribute("aria-label")
    assert "rodent data only" in label
    human = next(e for e in model.edges if e.species == "human" and e.hypothesis is None)
    assert "rodent" not in page.locator(f'[data-edge="{human.index}"]').get_attribute("aria-label")
    # the node's details name the rodent evidence of the arrows into it
    page.locator(f'[data-node="{edge.target}"]').click()
    assert "rodent data only (mouse)" in page.locator(".pw-info").inner_text()
    assert page.locator(".pw-rodent-key").count() == 1
    assert "mice or rats" in page.locator(".pw-rodent-key").inner_text()


@needs_browser
def test_things_to_try_set_up_the_page(page, model):
    for i, item in enumerate(load_site(model)["try"]):
        page.locator(".pw-try-list .pw-try-button").nth(i).click()
        # the chart and the pathway come into view together
        for part in (".pw-chart svg", ".pw-pathway svg"):
            top = page.locator(part).first.evaluate("e => e.getBoundingClientRect().top")
            assert 0 <= top < page.viewport_size["height"] - 120, (item["question"], part, top)
        state = page.evaluate("window.pathway.state()")
        if "scenario" in item:
            assert state["scenario"] == item["scenario"]
        assert state["interventions"] == list(item.get("interventions", []))
        assert state["placebo"] == item.get("show_placebo", state["placebo"])
        chosen = item.get("placebo_drug", model.roles.inert)
        assert state["inert"] == ("" if chosen == model.roles.inert else chosen)
        assert page.locator("#pw-inert").input_value() == chosen
        page.get_by_role("button", name="Reset everything").click()
    assert not page.errors


@needs_browser
def test_downloads_png_and_svg(page, tmp_path):
    for kind in ("PNG", "SVG"):
        with page.expect_download() as info:
            page.get_by_role("button", name=f"Download {kind}").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        data = path.read_bytes()
        if kind == "PNG":
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
        else:
            assert data.startswith(b"<svg") and b"<path" in data


@needs_browser
def test_phone_layout_has_no_sideways_scroll(browser, site):
    page = open_page(browser, site, width=390, height=844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    figure = page.locator(".pw-pathway svg").bounding_box()
    controls = page.locator(".pw-controls").bounding_box()
    assert figure["width"] >= 330 and controls["y"] > figure["y"] + figure["height"]
    # text stays readable: no font below 13 px in the page's own text (the figure aside)
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('.pathway-app *')]
        .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => !(e instanceof SVGElement))
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 13
    page.close()


PATHWAY_SHAPES = """() => {
    const svg = document.querySelector('.pw-pathway svg');
    const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
    return {width: +svg.getAttribute('viewBox').split(' ')[2],
            bands: [...svg.querySelectorAll('rect.pw-band')].map(r => [r.dataset.band, box(r)]),
            titles: [...svg.querySelectorAll('text.pw-band-title')].map(t => [t.dataset.band, box(t)]),
            boxes: [...svg.querySelectorAll('.pw-node')].map(g => [g.dataset.node, box(g.querySelector('rect'))]),
            labels: [...svg.querySelectorAll('.pw-node')].map(g => [g.dataset.node, box(g.querySelector('text'))])};
}"""


def gap_between(a, b) -> float:
    """How far apart two rectangles (x0, y0, x1, y1) are; negative where they overlap."""
    return max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3])


@needs_browser
@pytest.mark.parametrize("which", ["ketamine", "toy"])
@pytest.mark.parametrize("width,height", [(1280, 900), (1100, 800), (390, 844)])
def test_pathway_bands_and_boxes_never_overlap(browser, tmp_path, which, width, height):
    """The drawing as the figure draws it: bands apart, each title inside its band at
    the top left and over no box, boxes (stacked ones too) with a clear gap, and no
    arrow running through a box on its way."""
    model = load_model(ROOT / "models" / f"{which}.toml")
    write_site(model, tmp_path / which)
    page = open_page(browser, tmp_path / which, width=width, height=height)
    shapes = page.evaluate(PATHWAY_SHAPES)
    bands, boxes = shapes["bands"], shapes["boxes"]
    titled = {b.name for b in model.branches.values() if b.title}
    assert len(bands) >= 2 and len(boxes) >= 8
    for i, (name, rect) in enumerate(bands):
        for other, rect2 in bands[i + 1:]:
            assert gap_between(rect, rect2) >= 4, f"bands {name} and {other} touch at {width} px"
    for i, (name, rect) in enumerate(boxes):
        assert 0 <= rect[0] and rect[2] <= shapes["width"], f"{name} sticks out of the drawing"
        for other, rect2 in boxes[i + 1:]:
            assert gap_between(rect, rect2) >= 5, f"boxes {name} and {other} touch at {width} px"
    rects = dict(boxes)
    for name, label in shapes["labels"]:
        assert gap_between(label, rects[name]) < 0 and rects[name][0] <= label[0] and label[2] <= rects[name][2] \
            and rects[name][1] <= label[1] and label[3] <= rects[name][3], f"the label of {name} spills out of its box"
    drawn = dict(bands)
    assert {name for name, _ in shapes["titles"]} == titled & set(drawn)
    for name, rect in shapes["titles"]:
        band = drawn[name]
        assert band[0] < rect[0] < band[0] + 12 and band[1] <= rect[1] < band[1] + 8, \
            f"the title of {name} is not at its band's top left"
        assert rect[2] <= band[2] and rect[3] <= band[3], f"the title of {name} spills out of its band"
        assert all(gap_between(rect, b) > 0 for _, b in boxes), f"the title of {name} covers a box"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    crossing = page.evaluate(ARROWS_THROUGH_BOXES)
    assert not crossing, f"arrows run through boxes at {width} px: {crossing}"
    assert not page.errors
    page.close()


# every arrow, sampled along its drawn path, against every box it neither leaves nor enters
ARROWS_THROUGH_BOXES = """() => {
    const svg = document.querySelector('.pw-pathway svg'), rects = {}, out = [];
    svg.querySelectorAll('g.pw-node').forEach(g => {
        const b = g.querySelector('rect').getBBox();
        rects[g.getAttribute('data-node')] = [b.x + 2, b.y + 2, b.x + b.width - 2, b.y + b.height - 2];
    });
    svg.querySelectorAll('g.pw-edge').forEach(g => {
        const path = g.querySelectorAll('path')[1], length = path.getTotalLength(), hit = new Set();
        for (let i = 1; i < 300; i++) {
            const p = path.getPointAtLength(length * i / 300);
            for (const [n, r] of Object.entries(rects))
                if (p.x > r[0] && p.x < r[2] && p.y > r[1] && p.y < r[3]) hit.add(n);
        }
        if (hit.size) out.push(g.getAttribute('aria-label') + ' through ' + [...hit].join(', '));
    });
    return out;
}"""


def cubics(d: str) -> list[np.ndarray]:
    """The cubic segments of SVG path data "M x,y C x,y x,y x,y ...", as 4x2 arrays."""
    tokens = d.replace("M", " ").replace("C", " ").split()
    pts = [tuple(map(float, t.split(","))) for t in tokens]
    assert len(pts) % 3 == 1, d
    return [np.array(pts[i:i + 4]) for i in range(0, len(pts) - 1, 3)]


def along(segments, n=60) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    return np.vstack([(1 - t) ** 3 * q[0] + 3 * (1 - t) ** 2 * t * q[1] + 3 * (1 - t) * t ** 2 * q[2]
                      + t ** 3 * q[3] for q in segments])


@pytest.mark.parametrize("which", ["ketamine", "toy"])
def test_every_drawing_python_makes_for_the_page_keeps_arrows_out_of_boxes(which):
    """Every width the page may be drawn at (each drawing is scaled up by less than an
    eighth): boxes and bands apart, labels of 9 px or more that fit their boxes, titles
    in their bands, everything inside the drawing, each arrow from its source's box to
    its target's and through no other."""
    from pathway.webdrawing import WIDTHS, text_width
    model = load_model(ROOT / "models" / f"{which}.toml")
    data = export_model(model)
    drawings = data["layout"]["drawings"]
    assert [g["width"] for g in drawings] == list(WIDTHS)
    assert all(b / a < 1.125 for a, b in zip(WIDTHS, WIDTHS[1:]))
    placed = {n["id"] for n in data["nodes"] if n["x"] is not None}
    short = {n["id"]: n["short_label"] for n in data["nodes"]}
    kinds = set()
    for g in drawings:
        w, h = g["box"]
        kinds.add(g["vertical"])
        boxes = {n: (x - w / 2, y - h / 2, x + w / 2, y + h / 2) for n, (x, y) in g["nodes"].items()}
        assert set(boxes) == placed and set(g["labels"]) == placed
        for name, label in g["labels"].items():
            size, lines = label["size"], label["lines"]
            assert size >= 9 and len(lines) * size * 1.12 <= h - 2, f"label of {name} at {g['width']} px"
            assert max(text_width(line, size) for line in lines) <= w - 4, f"label of {name} at {g['width']} px"
            assert "".join(lines).replace("-", "").replace(" ", "") == short[name].replace(" ", "").replace("-", "")
        for i, (name, rect) in enumerate(boxes.items()):
            assert 0 <= rect[0] and rect[2] <= g["width"] and 0 <= rect[1] and rect[3] <= g["height"]
            for other, rect2 in list(boxes.items())[i + 1:]:
                assert gap_between(rect, rect2) >= 5, f"boxes {name} and {other} touch at {g['width']} px"
        bands = {b["name"]: (b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]) for b in g["bands"]}
        for i, (name, rect) in enumerate(bands.items()):
            for other, rect2 in list(bands.items())[i + 1:]:
                assert gap_between(rect, rect2) >= 4, f"bands {name} and {other} touch at {g['width']} px"
        for b in g["bands"]:
            if b.get("title"):
                t = b["title"]
                rect = (t["x"], t["y"], t["x"] + t["width"], t["y"] + t["height"])
                assert gap_between(rect, bands[b["name"]]) < 0 and rect[2] <= bands[b["name"]][2] + 1
                assert all(gap_between(rect, r) > 0 for r in boxes.values()), \
                    f"the title of {b['name']} covers a box at {g['width']} px"
        drawn = {e["index"] for e in data["edges"] if e["source"] in placed and e["target"] in placed}
        assert {int(k) for k in g["edges"]} == drawn
        for e in data["edges"]:
            if e["index"] not in drawn:
                continue
            pts = along(cubics(g["edges"][str(e["index"])]["d"]))
            assert np.all((pts >= 0) & (pts <= [g["width"], g["height"]]))
            for end, node in ((pts[0], e["source"]), (pts[-1], e["target"])):
                assert abs(gap_between((*end, *end), boxes[node])) <= 4, \
                    f"arrow {e['source']} -> {e['target']} does not end at {node}'s box"
            for n, (x0, y0, x1, y1) in boxes.items():
                if n in (e["source"], e["target"]):
                    continue
                inside = (pts[:, 0] > x0 + 2) & (pts[:, 0] < x1 - 2) & (pts[:, 1] > y0 + 2) & (pts[:, 1] < y1 - 2)
                assert not inside.any(), f"{e['source']} -> {e['target']} runs through {n} at {g['width']} px"
    assert kinds == ({True, False} if which == "ketamine" else {False})


def test_a_drawing_copes_with_a_loop_and_a_one_letter_label():
    """An arrow from a box to itself leaves and enters that box (no NaN from a zero-length
    line), and a label of one letter gets a size."""
    from pathway.webdrawing import drawing
    nodes = [{"id": "a", "x": 0.0, "y": 0.0, "band": None, "short_label": "A"},
             {"id": "b", "x": 1.0, "y": 0.0, "band": None, "short_label": "Bee"}]
    edges = [{"index": 0, "source": "a", "target": "b"}, {"index": 1, "source": "b", "target": "b"}]
    for width in (300, 840):
        g = drawing(width, nodes, {}, edges, 0.56, 0.26)
        w, h = g["box"]
        x, y = g["nodes"]["b"]
        loop = along(cubics(g["edges"]["1"]["d"]))
        assert np.all(np.isfinite(loop)) and len({tuple(p) for p in loop}) > 10
        for end in (loop[0], loop[-1]):
            assert abs(gap_between((*end, *end), (x - w / 2, y - h / 2, x + w / 2, y + h / 2))) <= 4
        assert g["labels"]["a"] == {"lines": ["A"], "size": 15}


PAGE_DRAWING = """() => {
    const svg = document.querySelector('.pw-pathway svg');
    return {viewBox: svg.getAttribute('viewBox'), room: document.querySelector('.pw-pathway').clientWidth,
            width: +svg.getAttribute('width'),
            edges: [...svg.querySelectorAll('g.pw-edge')].map(g => {
                const p = g.querySelectorAll('path')[1];
                return [g.dataset.edge, p.getAttribute('d'), p.getAttribute('stroke')]; }),
            boxes: [...svg.querySelectorAll('g.pw-node rect')].map(r => [r.parentNode.dataset.node,
                ['x', 'y', 'width', 'height'].map(k => +r.getAttribute(k))]),
            labels: [...svg.querySelectorAll('g.pw-node text')].map(t => [t.parentNode.dataset.node,
                [...t.querySelectorAll('tspan')].map(s => s.textContent), +t.getAttribute('font-size')]),
            bands: [...svg.querySelectorAll('rect.pw-band')].map(r => [r.dataset.band,
                ['x', 'y', 'width', 'height'].map(k => +r.getAttribute(k)), r.getAttribute('fill')])};
}"""


@needs_browser
@pytest.mark.parametrize("which,width,height", [("ketamine", 1280, 900), ("ketamine", 390, 844),
                                                ("toy", 1100, 800)])
def test_the_page_draws_what_python_worked_out(browser, tmp_path, which, width, height):
    """The page takes the drawing made for the widest page that fits its room and
    draws its boxes, labels, bands and arrow paths as they are, in the figure's
    colours: a neutral grey for each effect, none an arm's colour."""
    from pathway.plotting import get_theme
    model = load_model(ROOT / "models" / f"{which}.toml")
    write_site(model, tmp_path / which)
    data = export_model(model)
    page = open_page(browser, tmp_path / which, width=width, height=height)
    shown = page.evaluate(PAGE_DRAWING)
    page.close()
    fits = [g for g in data["layout"]["drawings"] if g["width"] <= shown["room"]]
    g = fits[-1]
    assert shown["viewBox"] == f"0 0 {g['width']} {g['height']}" and shown["width"] == shown["room"]
    assert {k: d for k, d, _ in shown["edges"]} == {k: v["d"] for k, v in g["edges"].items()}
    w, h = g["box"]
    boxes = dict(shown["boxes"])
    assert set(boxes) == set(g["nodes"])
    for n, (x, y) in g["nodes"].items():
        assert boxes[n] == pytest.approx([x - w / 2, y - h / 2, w, h], abs=1e-9), n
    assert {n: r for n, r, _ in shown["bands"]} == {b["name"]: [b["x"], b["y"], b["w"], b["h"]]
                                                   for b in g["bands"]}
    assert {n: lines for n, lines, _ in shown["labels"]} == {n: v["lines"] for n, v in g["labels"].items()}
    for n, _, size in shown["labels"]:
        assert size == pytest.approx(g["labels"][n]["size"], abs=0.01)
    theme = get_theme("light")
    effect = {e["index"]: e["effect"] for e in data["edges"]}
    want = {"activates": theme.activate, "inhibits": theme.inhibit, "metabolised-to": theme.metabolise}
    assert {stroke for _, _, stroke in shown["edges"]} <= set(want.values())
    for k, _, stroke in shown["edges"]:
        assert stroke == want[effect[int(k)]]
    assert {fill for *_, fill in shown["bands"]} == {theme.band}
    arms = {d["color"] for d in data["compiled"]["drugs"].values() if d["color"]}
    arms |= {s["color"] for s in data["scenarios"].values() if s["color"]}
    assert not arms & set(want.values())


# ---------------------------------------------------------------- commands

def test_list_json(capsys, model):
    assert main(["list", "--json", "--model", str(ROOT / "models" / "ketamine.toml")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["scenarios"]) == set(model.scenarios)
    assert set(data["hypotheses"]) == set(model.hypotheses)
    for name, p in model.parameters.items():
        row = data["parameters"][name]
        assert row["low"] <= row["value"] <= row["high"]
        assert abs(row["value"] * row["factor"] - p.value) < 1e-9 * max(1, p.value)


def test_site_command(tmp_path, capsys):
    assert main(["site", "--out", str(tmp_path / "s"), "--model", str(TOY)]) == 0
    assert (tmp_path / "s" / "index.html").is_file()
    assert "static host" in capsys.readouterr().err
    assert main(["site", "--out", str(tmp_path / "missing" / "s"), "--model", str(TOY)]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("args, text", [
    (["--port", "0"], "1 to 65535"), (["--port", "70000"], "1 to 65535"),
    (["--host", ""], "host is empty"), (["--host", "no.such.host.invalid"], "cannot find the host"),
    (["--host", "192.0.2.1"], "cannot listen"),
])
def test_serve_refuses_bad_addresses(args, text, capsys):
    assert main(["serve"] + args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and text in err and "hint:" in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_serves_the_site_and_refuses_a_busy_port(site, capsys):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pathway", "serve", "--dir", str(site),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/model.js", timeout=2) as r:
                    assert r.status == 200 and r.read().startswith(b"window.PATHWAY_MODEL")
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("the server did not start: " + proc.stderr.read().decode())
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            assert b"app.js" in r.read()
        assert main(["serve", "--dir", str(site), "--port", str(port)]) == 2
        assert "in use" in capsys.readouterr().err
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@needs_browser
def test_a_timed_intervention_takes_its_time_from_the_page(page, model):
    timed = next((n for n, iv in model.interventions.items() if iv.reset), None)
    if timed is None:
        pytest.skip("the model has no timed intervention")
    page.get_by_role("button", name="Reset everything").click()
    page.check(f"#pw-interventions-{timed}")
    page.fill(f"#pw-interventions-{timed}-at", "36")
    page.locator(f"#pw-interventions-{timed}-at").dispatch_event("change")
    assert page.evaluate("window.pathway.state()")["interventions"] == [f"{timed}@36h"]
    scenario = model.roles.showcase[0]
    js = js_simulate(page, scenario, {"interventions": [f"{timed}@36h"], "days": 5,
                                      "step_min": STEP_MIN})
    d, _ = disagreement(js, py_simulate(model, scenario, {"interventions": [f"{timed}@36h"],
                                                           "days": 5}))
    assert d <= TOLERANCE
    page.get_by_role("button", name="Reset everything").click()


def test_a_reference_with_a_doi_gets_a_link():
    assert _citation("k", "A B (2020) J 1:2. doi:10.1038/s41586-020-1234-5.")["doi"] == \
        "10.1038/s41586-020-1234-5"
    assert _citation("k", "A B (2020) https://doi.org/10.1016/j.x.2019.01.001)")["doi"] == \
        "10.1016/j.x.2019.01.001"
    assert _citation("k", "A B (2020) J 1:2.")["doi"] is None


@needs_browser
def test_details_link_to_the_doi(browser, tmp_path):
    text = TOY.read_text()
    key, ref = next(line.split(" = ", 1) for line in text.split("[references]")[1].splitlines()
                     if " = " in line)
    text = text.replace(ref, ref[:-1] + ' doi:10.9999/toy.2026.1"')
    toy = loads_model(text, str(tmp_path / "toy.toml"))
    write_site(toy, tmp_path / "doi")
    page = open_page(browser, tmp_path / "doi")
    edge = next(e for e in toy.edges if key in e.citations)
    page.locator(f'[data-edge="{edge.index}"]').focus()
    page.keyboard.press("Enter")
    link = page.locator(".pw-info a")
    assert link.get_attribute("href") == "https://doi.org/10.9999/toy.2026.1"
    page.close()


@needs_browser
def test_an_intervention_scales_a_parameter_with_its_range(browser, site, model):
    """An intervention that scales a parameter takes the parameter's range with it, as in Python
    (pathway.scenarios.apply_intervention): set at the end of its range and then scaled, the combination runs
    without an alert; a value set past the range is still refused (test_browser_refuses_bad_options_with_a_hint)."""
    from pathway.scenarios import apply_intervention
    from pathway.modelfile import set_hypothesis, set_parameter
    name, iv, hyp = next((n, v, h) for n, i in model.interventions.items()
                         for h, v in [(None, i)] + list(i.variants.items()) if v.scale_parameters)
    pname, factor = iv.scale_parameters[0]
    p = list_json(model)["parameters"][pname]
    extreme = p["high"] if factor > 1 else p["low"]
    base = set_hypothesis(model, hyp, True) if hyp else model
    scaled = apply_intervention(set_parameter(base, pname, model.parameters[pname].high if factor > 1
                                              else model.parameters[pname].low), name).parameters[pname]
    assert scaled.value == pytest.approx((scaled.high if factor > 1 else scaled.low))
    link = f"#p.{pname}={extreme}&i={name}" + (f"&h={hyp}" if hyp else "")
    page = open_page(browser, site, hash_=link)
    assert not page.locator(".pw-alert").is_visible()
    assert not page.errors
    page.locator(".pw-node").first.focus()          # the figure still answers
    page.keyboard.press("Enter")
    assert not page.errors
    page.close()


@needs_browser
def test_dose_control_only_where_one_number_sets_every_dose(browser, site, model):
    single = model.roles.showcase[0]
    page = open_page(browser, site)
    assert page.locator("#pw-dose").is_visible()
    def study(s):
        return [d for d in s.doses if not s.study_drugs or d.drug in s.study_drugs]
    mixed = next((n for n, s in model.scenarios.items()
                  if s.dose is None and len({d.amount for d in study(s)}) > 1), None)
    if mixed:
        page.select_option("#pw-scenario", mixed)
        assert not page.locator("#pw-dose").is_visible()
    page.select_option("#pw-scenario", single)
    slider = page.locator("#pw-dose")
    slider.focus()
    for _ in range(30):
        slider.press("ArrowRight")
    dose = page.evaluate("window.pathway.state()")["dose"]
    assert dose and dose > next(iter(model.scenarios[single].doses)).amount
    assert "changed" in page.locator(".pw-field-head .pw-changed").first.inner_text()
    page.close()


@needs_browser
def test_scorecard_box_lists_the_checks(browser, tmp_path, model):
    """`pathway site --scorecard` puts the literature checks on the page: each with its
    source, band, the model's value and a verdict (a known gap says why)."""
    from pathway.validate import run_targets
    results = run_targets(model, ids={"T1a", "T7a", "T31c"})
    out = tmp_path / "site"
    write_site(model, out, scorecard=results)
    page = open_page(browser, out)
    box = page.locator(".pw-score")
    assert box.count() == 1
    box.locator("summary").click()
    rows = box.locator("tbody tr")
    assert rows.count() == 3
    text = box.inner_text()
    # plain words on what the checks are: tuning targets, not an independent validation
    assert "checks are met" not in text and "tuned to" in text
    assert "not an independent" in text or "not that the model is right" in page.locator(".pw-honesty").inner_text()
    gap = next(r for r in results if r.id == "T31c")
    assert ("known gap" in text) == (not gap.passed and bool(gap.known_gap))
    assert f"{results[0].value:.3g}" in text
    assert not page.errors
    page.close()


def test_site_without_scorecard_has_no_box(site):
    assert "scorecard" not in (site / "model.js").read_text()


@pytest.fixture(scope="module")
def trial_rows_few(model):
    """Two trials' rows, few people: one validation trial with misses (SUSTAIN-1), one calibration trial."""
    from pathway.trials import load_trials
    from pathway.trialsim import compare_trials
    trials = [t for t in load_trials() if t.id in ("daly2019", "wilkinson2019")]
    return compare_trials(model, trials, n=60)


@pytest.fixture(scope="module")
def trial_site(tmp_path_factory, model, trial_rows_few):
    out = tmp_path_factory.mktemp("trials") / "site"
    write_site(model, out, trials=trial_rows_few)
    return out


@needs_browser
def test_trials_box_lists_every_result_with_its_verdict(browser, trial_site, trial_rows_few):
    """`pathway site` puts the published trials on the page: the validation in a sentence where the reader
    looks first, then every result (the trials kept aside first) with the trial's interval, the model's
    value and whether it falls inside; a miss says "outside"."""
    from pathway.validate import trial_sentences
    page = open_page(browser, trial_site)
    honesty = " ".join(page.locator(".pw-honesty").inner_text().split())
    sentences = trial_sentences(trial_rows_few)
    assert sentences["validate"] in honesty and "misses included" in honesty
    assert "has not been tested" not in honesty
    box = page.locator(".pw-trials")
    assert box.count() == 1
    box.locator("summary").click()
    rows = box.locator("tbody tr:not(.pw-trial-head)")
    assert rows.count() == len(trial_rows_few)
    heads = box.locator("tr.pw-trial-head").all_inner_texts()    # one group per trial, the kept-aside first
    assert len(heads) == 2 and "Daly 2019" in heads[0] and "kept aside to test the model" in heads[0]
    assert "used to fit the model" in heads[1]
    missed = [r for r in trial_rows_few if r.status == "miss"]
    within = [r for r in trial_rows_few if r.status == "within"]
    assert missed and within
    assert box.locator("tr.pw-miss").count() == len(missed)
    assert box.locator("tr.pw-pass").count() == len(within)
    assert all("outside" in t for t in box.locator("tr.pw-miss").all_inner_texts())
    assert sentences["calibrate"] in " ".join(box.inner_text().split())
    # only the misses, at one click: the rows inside their interval, and a trial without a miss, go
    label = box.locator("label[for=pw-trials-misses]")
    assert f"only the {len(missed)} results outside" in label.inner_text()
    label.click()
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == len(missed) and all("outside" in r.inner_text() for r in visible)
    fitted_misses = [r for r in missed if r.role == "calibrate"]
    assert box.locator("tr.pw-trial-head").nth(1).is_visible() == bool(fitted_misses)
    label.click()
    assert sum(r.is_visible() for r in rows.all()) == len(trial_rows_few)
    assert not page.errors
    page.close()


@needs_browser
def test_a_page_without_trials_still_says_what_was_kept_aside(browser, site):
    page = open_page(browser, site)
    honesty = page.locator(".pw-honesty").inner_text()
    assert "kept aside" in honesty and "has not been tested" not in honesty
    assert page.locator(".pw-trials").count() == 0
    page.close()


def test_trial_rows_read_for_the_page(trial_rows_few):
    """Each row ready to print: validation first, a rate as a percentage with its interval, the verdict in
    words; the sentences count what trial_headline counts."""
    from pathway.validate import trial_headline, trial_page_data
    data = trial_page_data(trial_rows_few)
    roles = [r["role"] for r in data["rows"]]
    assert roles == sorted(roles, key=lambda x: x != "validate") and len(roles) == len(trial_rows_few)
    h = trial_headline(trial_rows_few)["validate"]
    assert (f"{h['arm']['within']} of {h['arm']['judged']} results for single arms"
            in data["sentences"]["validate"])
    relapse = next(r for r in data["rows"] if "relapsed" in r["what"] and "difference" not in r["arm"])
    assert relapse["result"].endswith("%)") and " to " in relapse["result"]
    assert "days after the first dose" in relapse["what"]
    words = {"within": "inside", "miss": "outside"}
    for row, r in zip(data["rows"], sorted(trial_rows_few, key=lambda r: r.role != "validate")):
        assert row["status"] == r.status
        if r.status in words:
            assert row["verdict"] == words[r.status]


def test_page_uses_the_lecture_activity_colours():
    """The page and the lecture pictures share one activity map (purple less active,
    green more), so a student meets the hall's colours on the page."""
    import re

    from pathway.plotting import ACTIVITY_ENDS
    import pathway.site
    js = (Path(pathway.site.__file__).parent / "web" / "app.js").read_text()
    stops = re.search(r"var ACTIVITY = \[([^\]]*)\]", js).group(1)
    colours = [c.strip().strip('"').upper() for c in stops.split(",")]
    assert len(colours) == 5
    assert colours[:2] + colours[3:] == [c.upper() for c in ACTIVITY_ENDS]


# ---------------------------------------------------------------- explorer v2: one screen,
# both arms, hostile links, touch, plain words, honesty, accessibility

AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def open_phone(browser, site, hash_=""):
    """A phone: 390x844 with touch."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto((site / "index.html").as_uri() + hash_)
    page.wait_for_function("document.getElementById('app').dataset.ready === '1'", timeout=30_000)
    return page


def in_view(page, selector, whole=True):
    r = page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }")
    height = page.viewport_size["height"]
    return r[0] >= 0 and (r[1] <= height if whole else r[0] < height - 100)


@needs_browser
def test_question_pathway_and_chart_on_one_screen(browser, site, model):
    """At 1280x800 the 'start here' question, the pathway and the relief chart are in
    view together; the first sentence is plain and short."""
    page = open_page(browser, site, width=1280, height=800)
    assert in_view(page, ".pw-start") and in_view(page, ".pw-chart svg")
    assert in_view(page, ".pw-pathway svg", whole=True)
    intro = page.locator(".pw-intro").inner_text()
    assert len(intro.split(".")[0].split()) <= 25
    assert load_site(model)["try"][0]["question"] in page.locator(".pw-start").inner_text()
    assert not page.errors
    page.close()


@needs_browser
def test_on_a_phone_the_chart_stays_in_view_while_a_control_changes(browser, site):
    page = open_phone(browser, site)
    dose = page.locator("#pw-dose")
    dose.scroll_into_view_if_needed()
    dose.focus()
    for _ in range(30):
        dose.press("ArrowRight")
    assert in_view(page, ".pw-chart svg") and in_view(page, "#pw-dose")
    assert page.evaluate("window.pathway.state()")["dose"] is not None
    # "Set it up" brings the chart and the pathway into view together
    page.locator(".pw-try-list .pw-try-button").nth(1).click()
    assert in_view(page, ".pw-chart svg")
    assert in_view(page, ".pw-pathway svg", whole=False)
    assert not page.errors
    page.context.close()


@needs_browser
def test_every_box_shows_both_arms_and_the_ssri_route_is_active_at_week_4(browser, site, model):
    page = open_page(browser, site, hash_="#t=672")
    assert "left half" in page.locator(".pw-split-key").inner_text()
    halves = page.evaluate("""() => [...document.querySelectorAll('.pw-node')].map(g =>
        [g.dataset.node, [...g.querySelectorAll('.pw-half')].map(h => h.getAttribute('fill')),
         g.getAttribute('aria-label')])""")
    assert all(len(h[1]) == 2 for h in halves)
    ssri_route = [node.id for node in model.nodes if node.branch == "ssri"]
    assert ssri_route
    rest = "rgb(244,244,244)"
    active = [n for n, fills, label in halves if n in ssri_route and fills[1] != rest]
    assert len(active) >= len(ssri_route) // 2, halves
    label = dict((h[0], h[2]) for h in halves)["sert"]
    assert "SSRI" in label and "activity" in label
    assert not page.errors
    page.close()


HOSTILE = [
    ("#c=ssri&i=naltrexone%2", "naltrexone%2"),
    ("#s=constructor", "constructor"),
    ("#s=__proto__", "__proto__"),
    ("#__proto__=1&p.toString=3", "__proto__"),
    ("#p.__proto__=2", "__proto__"),
    ("#s=%", "%"),
    ("#%E0%A4%A=1", "%E0"),
    ("#dose=1000000", "outside what the page allows"),
    ("#dose=0x10", "0x10"),
    ("#dose=1e3", "1e3"),
    ("#days=1e2", "1e2"),
    ("#days=99999", "outside what the page allows"),
    ("#p.spine_lifetime=0x10", "0x10"),
    ("#p.spine_lifetime=100000", "outside what the page allows"),
    ("#t=-5&show=constructor", "constructor"),
    ("#i=hasOwnProperty,nbqx@abch", "hasOwnProperty"),
    ("#h=valueOf&hoff=toString", "valueOf"),
    ("#inert=constructor", "constructor"),
    ("#s=<img src=x onerror=alert(1)>", "<img"),
]


@needs_browser
@pytest.mark.parametrize("link,said", HOSTILE)
def test_a_hostile_link_renders_a_page_with_a_notice(browser, site, link, said):
    page = open_page(browser, site, hash_=link)
    assert not page.errors, page.errors
    assert page.locator(".pw-pathway svg .pw-node").count() > 10       # never a blank page
    notice = page.locator(".pw-notice")
    assert notice.is_visible() and said in notice.inner_text()
    assert page.locator("img").count() == 0                            # text, never markup
    state = page.evaluate("window.pathway.state()")
    r = page.evaluate("window.pathway.app.doseRange()")
    if state["dose"] is not None:
        assert r["lo"] <= state["dose"] <= r["hi"]
        assert float(page.locator("#pw-dose").input_value()) <= 1000
    assert page.evaluate("({}).polluted === undefined && typeof Object.prototype.toString === 'function'")
    page.close()


@needs_browser
def test_downloads_say_what_was_shown_and_fit_a_phone(browser, site, model, tmp_path):
    page = open_phone(browser, site, hash_="#dose=2&placebo=1&inert=saline&i=nbqx&h=hnk")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download SVG").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = path.read_text()
    title = text.split("<g")[0]           # the lines above the pathway
    assert "2 mg/kg" in title and "0.5 mg/kg" not in title
    assert "Saline" in text or "saline" in text
    assert "Interventions:" in text and "NBQX" in text.upper()
    assert "hypotheses on:" in text
    assert "teaching model" in text.lower()
    width = float(path.read_text().split('width="')[1].split('"')[0])
    assert width <= 390
    # every line of text fits the figure's width (letters taken at 0.6 of their size)
    import re
    for size, line in re.findall(r'<text x="10" y="[^"]+" font-size="(\d+)"[^>]*>([^<]*)</text>', text):
        assert len(line) * int(size) * 0.58 <= width - 10, line
    assert not page.errors
    page.context.close()


EDGE_POINTS = """() => {
  const svg = document.querySelector('.pw-pathway svg'), app = window.pathway.app;
  const geom = app.geometry(app.pathSvgBox.clientWidth), m = svg.getScreenCTM();
  return [...svg.querySelectorAll('.pw-edge')].map(g => {
    const i = +g.dataset.edge, [x, y] = geom.edges[i].middle, p = svg.createSVGPoint();
    p.x = x; p.y = y;
    const q = p.matrixTransform(m);
    return {edge: i, x: q.x + scrollX, y: q.y + scrollY,
            hit: +g.querySelector('.pw-hit').getAttribute('stroke-width') * m.a};
  });
}"""


@needs_browser
def test_on_a_phone_every_arrow_opens_where_it_is_tapped(browser, site):
    """Each arrow's middle, tapped on a phone, opens that arrow; arrows take 44 px taps;
    a tap on a box opens it without scrolling the diagram away."""
    page = open_phone(browser, site)
    points = page.evaluate(EDGE_POINTS)
    assert points and all(p["hit"] >= 44 - 1e-6 for p in points)
    wrong = []
    for p in points:
        page.evaluate("window.pathway.app.closeInfo()")
        page.evaluate(f"window.scrollTo(0, {p['y']} - 480)")
        y = page.evaluate("scrollY")
        page.touchscreen.tap(p["x"], p["y"] - y)
        shown = page.locator(".pw-info").get_attribute("data-showing")
        if shown != f"edge:{p['edge']}":
            wrong.append((p["edge"], shown))
    assert not wrong, wrong
    page.evaluate("window.pathway.app.closeInfo()")
    node = page.locator(".pw-node[data-node='ampa']")
    node.scroll_into_view_if_needed()
    before = page.evaluate("scrollY")
    box = node.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator(".pw-info").get_attribute("data-showing") == "node:ampa"
    assert page.evaluate("scrollY") == before and node.is_visible()
    page.keyboard.press("Escape")
    assert page.locator(".pw-info").is_hidden()
    assert not page.errors
    page.context.close()


@needs_browser
def test_on_a_desktop_arrows_take_24_px(browser, site):
    page = open_page(browser, site, width=1280, height=800)
    points = page.evaluate(EDGE_POINTS)
    assert all(p["hit"] >= 24 - 1e-6 for p in points)
    page.close()


READER_TEXT = """() => {
  const out = [];
  const walk = (e) => {
    if (e.closest('svg') || e.closest('.pw-refs') || e.closest('.pw-score')) return;
    for (const n of e.childNodes) if (n.nodeType === 3 && n.textContent.trim()) out.push(n.textContent);
    for (const c of e.children) walk(c);
  };
  walk(document.getElementById('app'));
  document.querySelectorAll('#app details').forEach(d => d.open = true);
  return out.join(' | ');
}"""


@needs_browser
def test_reader_text_has_no_ids_code_marks_or_scientific_notation(browser, site, model):
    page = open_page(browser, site, hash_="#i=nbqx")
    page.locator("#app details").evaluate_all("ds => ds.forEach(d => d.open = true)")
    text = page.evaluate(READER_TEXT)
    import re
    assert "`" not in text
    assert not re.search(r"\d(\.\d+)?e[-+]?\d", text), re.search(r"\S*\d(\.\d+)?e[-+]?\d\S*", text)
    for name in list(model.interventions) + list(model.parameters):
        assert f"({name})" not in text, name
    assert "@" not in text
    # the glossary explains the technical words in the boxes
    glossary = page.locator("#pw-glossary").inner_text()
    for word in ("NMDA", "AMPA", "BDNF", "mTOR", "SSRI", "Placebo"):
        assert word in glossary
    # expectancy is not a drug level
    page.locator(".pw-node[data-node='expectation']").focus()
    page.keyboard.press("Enter")
    assert "ng/mL" not in page.locator(".pw-info").inner_text()
    page.close()


# words of a guided answer that point at a mark, and how to find that mark on the page
MARKS = {
    "cross": "document.querySelectorAll('.pw-pathway svg circle').length > 0",
    "ghost": "document.querySelectorAll('.pw-chart .pw-ghost').length > 0",
    "dashed": "[...document.querySelectorAll('.pw-chart svg path')].some(p => (p.getAttribute('stroke-dasharray') || '').startsWith('6'))",
    "placebo curve": "window.pathway.app.runs.some(a => a.placebo)",
    "Also show": "!!document.querySelector('#pw-side')",
    "time slider": "!!document.querySelector('#pw-time')",
    "Placebo given": "!document.querySelector('#pw-inert').closest('.pw-field').hidden",
}


@needs_browser
def test_every_guided_answer_refers_only_to_marks_that_are_drawn(page, model):
    for i, item in enumerate(load_site(model)["try"]):
        page.locator(".pw-try-list .pw-try-button").nth(i).click()
        answer = item.get("answer", "")
        for h in model.hypotheses:             # hypotheses by the words the page shows
            assert f"'{h}'" not in answer, (item["question"], h)
        for word, check in MARKS.items():
            if word.lower() in answer.lower():
                assert page.evaluate(f"() => {check}"), (item["question"], word)
        page.get_by_role("button", name="Reset everything").click()


@needs_browser
def test_honesty_and_safety_sit_where_the_eye_is(browser, site, model):
    page = open_page(browser, site, width=1280, height=800)
    note = page.locator(".pw-answer .pw-teach:not(.pw-reading)")
    assert in_view(page, ".pw-answer .pw-teach:not(.pw-reading)") and "teaching model" in note.inner_text().lower()
    honesty = page.locator(".pw-honesty").inner_text()
    assert "not an independent" in honesty or "not that the model is right" in honesty
    safety = page.locator(".pw-safety").inner_text()
    for words in ("treatment-resistant", "supervision", "blood pressure", "bladder", "misused"):
        assert words in safety
    for key in load_site(model)["page"]["safety_sources"]:
        assert model.references[key][:20] in honesty
    page.close()


@needs_browser
def test_escape_closes_and_the_controls_are_a_few_tabs_away(browser, site):
    page = open_page(browser, site, width=1280, height=800)
    page.evaluate("document.activeElement.blur()")
    for n in range(1, 6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "pw-scenario":
            break
    assert page.evaluate("document.activeElement.id") == "pw-scenario", n
    page.locator(".pw-node").first.focus()
    page.keyboard.press("Enter")
    assert page.locator(".pw-info").is_visible()
    page.keyboard.press("Escape")
    assert page.locator(".pw-info").is_hidden()
    assert page.evaluate("document.activeElement.dataset.node") is not None
    page.close()


@needs_browser
@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (cd tests/axe && npm ci)")
@pytest.mark.parametrize("phone", [True, False])
@pytest.mark.parametrize("with_trials", [False, True])
def test_axe_finds_no_serious_violation(browser, site, trial_site, phone, with_trials):
    where = trial_site if with_trials else site
    page = open_phone(browser, where) if phone else open_page(browser, where, width=1280, height=800)
    if with_trials:
        page.locator(".pw-trials summary").click()
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("""axe.run(document, {resultTypes: ['violations'],
        rules: {'label-content-name-mismatch': {enabled: true}}})""")
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, bad
    if phone:
        page.context.close()
    else:
        page.close()


@needs_browser
def test_box_labels_read_on_every_fill(browser, site):
    """A box's letters are near-black on a light halo drawn under them, so they keep a
    contrast of at least 4.5:1 whatever the halves' colours (18:1 on the halo)."""
    page = open_page(browser, site, hash_="#t=30")
    texts = page.evaluate("""() => [...document.querySelectorAll('.pw-node text')].map(t => {
        const s = getComputedStyle(t);
        return [t.getAttribute('fill'), s.paintOrder, parseFloat(t.getAttribute('stroke-width')),
                t.getAttribute('stroke')]; })""")
    assert texts
    for fill, order, width, halo in texts:
        assert fill == "#111111" and order.startswith("stroke") and width >= 2
        assert halo.startswith("rgba(255,255,255")
    assert contrast((0x11, 0x11, 0x11), (235, 235, 235)) >= 4.5      # the halo at its faintest
    page.close()


def contrast(a, b) -> float:
    def lum(c):
        c = [x / 255 for x in c]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
