"""Benchmark the explorer's update path without a browser: from a slider change to
the new image (re-simulate three arms, redraw what changed, encode a JPEG).

    python benchmarks/bench_explorer.py

The bar: under 50 ms median. Redrawing a four-panel matplotlib figure alone costs
about 37 ms on this kind of machine, so the explorer updates its figure in place.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from pathway.widgets import Explorer


def main() -> None:
    ex = Explorer()
    ex.update()
    print(f"machine: {os.cpu_count()} cores; figure {ex.fig.canvas.get_width_height()}")
    rows = []
    for name in ("spine_lifetime", "relief_half_drive", "ketamine_nmda_ic50", "bdnf_expression_time"):
        p = ex.base.parameters[name]
        ex.timings.clear()
        for v in np.linspace(p.low, p.high, 15):
            ex.values[name] = float(v)
            ex.update()
        ex.reset()
        rows.append((name, statistics.median(ex.timings), max(ex.timings)))
    for name, med, worst in rows:
        print(f"slider {name:24s} median {med * 1e3:6.1f} ms   worst {worst * 1e3:6.1f} ms")
    ex.timings.clear()
    for t in np.geomspace(0.5, 1000, 30):
        ex.t_h = float(t)
        ex.update(simulate=False)
    print(f"time slider (recolour only)      median {statistics.median(ex.timings) * 1e3:6.1f} ms")
    all_ = [m for _, m, _ in rows]
    print(f"overall median of slider changes: {statistics.median(all_) * 1e3:.1f} ms (bar: 50 ms)")
    t0 = time.perf_counter()
    for _ in range(10):
        ex.fig.canvas.draw()
    print(f"for comparison, a full redraw of this figure: {(time.perf_counter() - t0) / 10 * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
