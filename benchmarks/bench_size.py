"""How layout and arrow routing grow with the size of the model.

    python benchmarks/bench_size.py [--sizes 250 500 1000 2000] [--shapes chain tree]
                                    [--timeout 120] [--steps layout page figure]

For each shape and size, a long legal model file from ``tests/bigmodel.py`` (the toy
model with N extra nodes) and, each in a fresh process with a time limit:

``layout``  the figure's columns, rows and bands (:func:`pathway.plotting.layout`);
``page``    one explorer drawing 1100 px wide with every arrow routed
            (:func:`pathway.webdrawing.drawing`; ``pathway site`` makes 14 of them);
``figure``  the matplotlib pathway figure with its arrows routed
            (:func:`pathway.plotting.draw_pathway`, not saved).

Prints seconds (``>T`` where the time limit ran out) and, where the code counts it,
the point-box comparisons the routing made (:data:`pathway.boxgrid.WORK`: the same on
any machine). Set PYTHONPATH to the checkout to measure (another checkout gives the
"before" numbers).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = ("layout", "page", "figure")

# one measurement, run in a child process: prints {"seconds": ..., "work": ...}
CHILD = r"""
import json, sys, time
sys.path.insert(0, {tests!r})
from bigmodel import big_model_text
from pathway.modelfile import loads_model
from pathway.graph import to_graph
import matplotlib
matplotlib.use("Agg")
try:
    from pathway.boxgrid import WORK
except ImportError:
    WORK = None
model = loads_model(big_model_text({n}, {shape!r}), source="big.toml")
graph = to_graph(model)
step = {step!r}
import pathway.plotting, pathway.webdrawing          # (imports are not timed)
t0 = time.perf_counter()
if step == "layout":
    from pathway.plotting import layout
    layout(graph)
elif step == "page":
    from pathway.plotting import BAND_PAD_ABOVE, band_rect, layout
    from pathway.webdrawing import drawing
    lay = layout(graph)
    nodes = [{{"id": n.id, "x": lay.pos.get(n.id, (None, None))[0],
              "y": lay.pos.get(n.id, (None, None))[1], "band": lay.band.get(n.id),
              "label": n.label, "short_label": n.short_label}} for n in model.nodes]
    branches = {{}}
    for b in model.branches.values():
        pts = [lay.pos[m] for m in lay.pos if lay.band.get(m) == b.name]
        rect = list(band_rect(pts, lay.height, lay.title_room if b.title else BAND_PAD_ABOVE)) \
            if pts else None
        branches[b.name] = {{"title": b.title, "row": lay.rows.get(b.name), "rect": rect}}
    edges = [{{"index": e.index, "source": e.source, "target": e.target}} for e in model.edges]
    drawing(1100, nodes, branches, edges, float(lay.height), float(lay.title_room))
else:
    from pathway.plotting import draw_pathway, pathway_figure
    fig, ax = pathway_figure()
    draw_pathway(graph, {{}}, ax=ax)
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "work": WORK["comparisons"] if WORK else None}}))
"""


def measure(shape: str, n: int, step: str, timeout: float) -> str:
    code = CHILD.format(tests=str(HERE.parent / "tests"), n=n, shape=shape, step=step)
    with tempfile.TemporaryDirectory() as folder:
        try:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  timeout=timeout, cwd=folder)
        except subprocess.TimeoutExpired:
            return f">{timeout:g}"
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return "error: " + last[:40]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    work = f" ({out['work'] / 1e6:.1f}M)" if out["work"] is not None and step != "layout" else ""
    return f"{out['seconds']:.2f}{work}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    parser.add_argument("--shapes", nargs="+", default=["chain", "tree"])
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    head = f"{'shape':6s} {'N':>5s}  " + "  ".join(f"{s + ' s (comparisons)':>24s}" for s in args.steps)
    print(head)
    print("-" * len(head))
    for shape in args.shapes:
        for n in args.sizes:
            cells = [measure(shape, n, step, args.timeout) for step in args.steps]
            print(f"{shape:6s} {n:5d}  " + "  ".join(f"{c:>24s}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
