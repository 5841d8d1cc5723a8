"""Benchmark the explorer in the browser: the model's solver (pathway/web/solver.js)
and a whole slider update of the page, timed inside headless Chromium.

    python benchmarks/bench_explorer.py [--model FILE]

Writes the site for the model into a temporary folder, opens it from disk
(file://) in Debian's Chromium and reports the median and worst of 20 runs:

* an 8-week run of each showcase scenario, each run with a parameter changed so
  that the page recompiles the model first (as a slider does), once on Python's
  default output grid (every 5 minutes) and once on the page's grid (321 times);
* a slider change on the page: every arm re-simulated, pathway and charts redrawn;
* drawing the pathway at a desktop's, a tablet's and a phone's width (the page
  takes the boxes, bands and arrow paths Python worked out for that width);
* input to paint with the CPU slowed 4x (Chrome's Emulation.setCPUThrottlingRate), at a
  phone's and a desktop's size: from a dose slider's input event to the frame after the
  page redrew (a requestAnimationFrame callback, then a task after that frame);
* in Python, working those drawings out for every width (layout, boxes, bands,
  titles and the arrows' routes around the boxes), as ``pathway site`` does;
* for scale, the same 8-week runs in Python (numba), on the same 5-minute grid.

The bar: an 8-week run under 20 ms, so that a slider redraws within a frame or two.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from pathway import load_model, set_parameter, simulate
from pathway.site import write_site
from pathway.webexport import export_model, list_json

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
RUNS = 20

TIME_RUNS = """([scenario, grid, runs]) => {
  const api = window.pathway, p = Object.entries(api.data.parameters)
    .find(([, q]) => q.dimension === "time");
  const [name, q] = p, times = [];
  const options = (i) => {
    const o = {days: 56, set: {[name]: q.low + (q.high - q.low) * (i % 7 + 1) / 9}};
    if (grid === "page") o.t_eval = Array.from({length: 321}, (_, k) => k ? 56 * 24 * Math.pow(k / 320, 3) : 0);
    return o;
  };
  for (let i = 0; i < 5; i++) api.simulate(scenario, options(100 + i));          // warm up the JIT
  let steps = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const run = api.simulate(scenario, options(i));
    times.push(performance.now() - t);
    steps = run.steps;
  }
  return {times, steps, parameter: name};
}"""

TIME_SLIDER = """(runs) => {
  const app = window.pathway.app, input = document.querySelector(".pw-param input[type=range]");
  const times = [];
  for (let i = 0; i < runs + 3; i++) {
    input.value = String(100 + 37 * i % 800);
    const t = performance.now();
    input.dispatchEvent(new Event("input"));
    if (i >= 3) times.push(performance.now() - t);
  }
  return {times, arms: app.runs.length};
}"""

TIME_PATHWAY = """([width, runs]) => {
  const app = window.pathway.app, times = [];
  for (let i = 0; i < runs + 3; i++) {
    const t = performance.now();
    app.drawPathway(width);
    if (i >= 3) times.push(performance.now() - t);
  }
  return {times, lanes: app.geometry(width).vertical ? "lanes" : "columns"};
}"""


TIME_PAINT = """(runs) => {
  const input = document.querySelector("#pw-dose");
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const times = [];
  return (async () => {
    for (let i = 0; i < runs + 3; i++) {
      await frame();
      input.value = String(200 + 53 * i % 700);
      const t = performance.now();
      input.dispatchEvent(new Event("input", {bubbles: true}));
      await frame();
      if (i >= 3) times.push(performance.now() - t);
    }
    return {times};
  })();
}"""


def time_paint(browser, site: Path, width: int, height: int, mobile: bool) -> list[float]:
    """Input to paint on a dose slider change, the CPU slowed 4x."""
    page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=mobile,
                            has_touch=mobile)
    page.goto((site / "index.html").as_uri())
    page.wait_for_function("document.getElementById('app').dataset.ready === '1'")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    try:
        return page.evaluate(TIME_PAINT, RUNS)["times"]
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        page.close()


def time_drawings(model) -> list[float]:
    """Python working out the page's drawings for every width."""
    import time
    from pathway.webdrawing import WIDTHS, drawing
    data = export_model(model)
    lay = data["layout"]
    times = []
    for i in range(RUNS + 3):
        t = time.perf_counter()
        for width in WIDTHS:        # (drawing itself: drawings keeps what it made)
            drawing(width, data["nodes"], data["branches"], data["edges"], lay["box_height"],
                    lay["title_room"])
        if i >= 3:
            times.append((time.perf_counter() - t) * 1e3)
    return times


def time_python(model, scenario: str, name: str) -> list[float]:
    """The Python run the browser is checked against, with the same parameter varied."""
    import time
    p = list_json(model)["parameters"][name]
    times = []
    for i in range(RUNS + 3):
        value = (p["low"] + (p["high"] - p["low"]) * (i % 7 + 1) / 9) * p["factor"]
        m = set_parameter(model, name, value)
        t = time.perf_counter()
        simulate(m, scenario, days=56)
        if i >= 3:
            times.append((time.perf_counter() - t) * 1e3)
    return times


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):6.2f} ms   worst {max(times):6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a model file (default: the built-in model)")
    args = parser.parse_args()
    model = load_model(args.model)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        info = write_site(model, site)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto((site / "index.html").as_uri())
            page.wait_for_function("document.getElementById('app').dataset.ready === '1'")
            version = browser.version
            print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
                  f"Chromium {version}; site {info['bytes'] / 1e3:.0f} kB")
            show = list(model.roles.showcase) or [next(iter(model.scenarios))]
            for scenario in show:
                for grid in ("5min", "page"):
                    r = page.evaluate(TIME_RUNS, [scenario, grid, RUNS])
                    print(f"8 weeks of {scenario:16s} {grid:>5s} grid, {r['steps']:5d} steps, "
                          f"{r['parameter']} varied: {summary(r['times'])}")
                python = time_python(model, scenario, r["parameter"])
                print(f"8 weeks of {scenario:16s} in Python (numba, compile included), 5min grid: "
                      f"{summary(python)}")
            r = page.evaluate(TIME_SLIDER, RUNS)
            print(f"slider change on the page ({r['arms']} arms simulated, everything "
                  f"redrawn):        {summary(r['times'])}")
            for width in (876, 696, 370):
                r = page.evaluate(TIME_PATHWAY, [width, RUNS])
                print(f"pathway drawn {width:4d} px wide ({r['lanes']:7s}):"
                      f"                        {summary(r['times'])}")
            for label, w, h, mobile in (("phone 390x844", 390, 844, True),
                                        ("desktop 1280x800", 1280, 800, False)):
                print(f"input to paint, CPU slowed 4x, {label:16s}:                 "
                      f"{summary(time_paint(browser, site, w, h, mobile))}")
            print(f"the page's drawings worked out in Python (every width, arrows routed): "
                  f"{summary(time_drawings(model))}")
            browser.close()


if __name__ == "__main__":
    main()
