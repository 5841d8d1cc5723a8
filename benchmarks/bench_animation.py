"""Benchmark the lecture animation.

    python benchmarks/bench_animation.py

Reports, on this machine: rendering alone (frames per second, drawing only what
changes, against a full redraw of every frame), then the whole command at
1280x720 and 1920x1080 (--presenter): simulate, lay out, render the moving
frames and encode (holds are one rendered frame that ffmpeg repeats), for the
model's own lecture and for the same lecture stretched to 90 s of video.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from pathway import load_model
from pathway.animation import FrameRenderer, build_frame, prepare, save_animation
from pathway.lecture import schedule

MODEL = Path(__file__).resolve().parent.parent / "models" / "ketamine.toml"


def stretched(frame, seconds: float):
    """The same frame's lecture with every chapter's run and hold scaled to ``seconds``."""
    lecture = frame.lecture
    k = seconds / lecture.duration_s
    chapters = tuple(dataclasses.replace(c, seconds=c.seconds * k, hold=c.hold * k)
                     for c in lecture.chapters)
    lecture = dataclasses.replace(lecture, chapters=chapters)
    size = frame.fig.canvas.get_width_height()
    return build_frame(frame.model, lecture, frame.arms, schedule(lecture, frame.schedule.fps),
                       presenter=frame.theme.presenter, size_px=size)


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    model = load_model(MODEL)
    t0 = time.perf_counter()
    frame = prepare(model, None, None, presenter=True)
    print(f"simulate the arms and their placebos, lay out the 1080p frame: "
          f"{time.perf_counter() - t0:.2f} s ({len(frame.lecture.chapters)} chapters, "
          f"{frame.schedule.duration_s:.0f} s of video, {len(frame.times_h)} frames to render, "
          f"{frame.schedule.video_frames} in the video)")

    renderer = FrameRenderer(frame)
    n = min(300, len(renderer))
    t0 = time.perf_counter()
    for i in range(n):
        renderer.render(i)
    fast = n / (time.perf_counter() - t0)
    print(f"1080p render only, drawing what changes: {fast:6.1f} frames/s")
    fig = frame.fig
    for a in frame.artists:
        a.set_animated(False)
    t0 = time.perf_counter()
    for i in range(30):
        frame.update(i)
        fig.canvas.draw()
        np.asarray(fig.canvas.buffer_rgba())
    full = 30 / (time.perf_counter() - t0)
    for a in frame.artists:
        a.set_animated(True)
    print(f"1080p render only, full redraw each frame: {full:6.1f} frames/s")

    with tempfile.TemporaryDirectory() as tmp:
        for presenter in (False, True):
            for seconds in (None, 90.0):
                t0 = time.perf_counter()
                f = prepare(model, None, None, presenter=presenter)
                if seconds:
                    f = stretched(f, seconds)
                info = save_animation(f, os.path.join(tmp, "a.mp4"))
                total = time.perf_counter() - t0
                w, h = info["size_px"]
                print(f"{w}x{h} MP4, {info['duration_s']:.0f} s of video: {total:.1f} s in all "
                      f"(render + encode {info['seconds']:.1f} s, {info['frames']} frames rendered "
                      f"at {info['fps_rendered']:.1f} frames/s, {info['bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
