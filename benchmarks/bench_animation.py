"""Benchmark the lecture animation: render a 300-frame 1280x720 MP4.

    python benchmarks/bench_animation.py

Redrawing the whole figure for every frame renders roughly 17 frames per second
on this kind of machine; pathway.animation draws the static background once and
updates only what changes. The script reports both, on the same frame.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from pathway.animation import FrameRenderer, prepare, save_animation


def main() -> None:
    print(f"machine: {os.cpu_count()} cores")
    t0 = time.perf_counter()
    frame = prepare(None, "ketamine-iv", "ssri", frames=300)
    print(f"simulate and lay out ketamine-iv vs ssri, 300 frames: {time.perf_counter() - t0:.2f} s")

    renderer = FrameRenderer(frame)
    t0 = time.perf_counter()
    for i in range(len(renderer)):
        renderer.render(i)
    fast = len(renderer) / (time.perf_counter() - t0)
    print(f"render only, updating what changes:     {fast:6.1f} frames/s")

    fig = frame.fig
    for a in frame.artists:
        a.set_animated(False)
    t0 = time.perf_counter()
    for i in range(60):
        frame.update(i)
        fig.canvas.draw()
        np.asarray(fig.canvas.buffer_rgba())
    full = 60 / (time.perf_counter() - t0)
    for a in frame.artists:
        a.set_animated(True)
    print(f"render only, full redraw every frame:   {full:6.1f} frames/s")

    with tempfile.TemporaryDirectory() as tmp:
        frame = prepare(None, "ketamine-iv", "ssri", frames=300)
        info = save_animation(frame, os.path.join(tmp, "a.mp4"))
        print(f"300-frame 1280x720 MP4 (H.264, yuv420p), render + encode: {info['seconds']:.1f} s, "
              f"{info['fps_rendered']:.1f} frames/s, {info['bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
