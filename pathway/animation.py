"""Lecture animations: the pathway lights up while the relief curves unfold.

The frame shows, top to bottom: a title with a clock ("day 2, 06:00"), the
pathway (the part of the graph the scenarios reach; a node shared by two
scenarios shows the first on its left half and the second on its right half),
one caption per scenario naming the step of the mechanism that is happening
(taken from the model file's node captions, with a citation), and the relief
time courses with a moving cursor. Time runs on a logarithmic clock, so the
first hour and the eighth week both get screen time.

Rendering draws the static parts once and then only what changes (the node
colours, the cursor, the clock and the captions), and pipes raw frames to
ffmpeg (MP4, H.264, yuv420p), Pillow (GIF) or a self-contained HTML player.
"""

from __future__ import annotations

import base64
import io
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() in ("", "agg") else None
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from .errors import UsageError  # noqa: E402
from .graph import to_graph  # noqa: E402
from .modelfile import Model, load_model  # noqa: E402
from .plotting import (Theme, _style_axes, activity_at, blend_overlay, draw_pathway,  # noqa: E402
                       format_time_axis, get_theme, line_color, text_overlay)
from .results import Trajectory  # noqa: E402
from .scenarios import placebo_arm, showcase_pair  # noqa: E402
from .simulate import simulate  # noqa: E402

FORMATS = (".mp4", ".gif", ".html")


def frame_times(n_frames: int, t_end_h: float, t_start_h: float = 5 / 60) -> np.ndarray:
    """Logarithmically spaced frame times from ``t_start_h`` to ``t_end_h``."""
    if n_frames < 2:
        raise UsageError(f"an animation needs at least 2 frames, not {n_frames}")
    return np.geomspace(t_start_h, t_end_h, n_frames)


def clock(t_h: float) -> str:
    """``"day 2, 06:00"``: the day since the first dose (day 1 is the first) and the time."""
    minutes = int(round(t_h * 60))
    day, rest = divmod(minutes, 24 * 60)
    return f"day {day + 1}, {rest // 60:02d}:{rest % 60:02d}"


def _short_citation(model: Model, key: str) -> str:
    """``"Le Poul 1995"`` from ``"Le Poul E et al. (1995) ..."``: the first author's
    surname (the words before the initials) and the year."""
    ref = model.references.get(key, key)
    year = re.search(r"\((\d{4})\)", ref)
    names = re.match(r"^(.*?)\s+[A-Z]{1,3}\b", ref.split(",")[0].split("(")[0].strip() + " X")
    author = names.group(1) if names else ref.split(" ")[0]
    return f"{author} {year.group(1) if year else ''}".strip()


@dataclass
class Story:
    """When each node of one scenario 'arrives' (reaches half its largest change),
    and the caption to show from then on."""

    scenario: str
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)   # (t_h, node, caption)

    def caption_at(self, t_h: float) -> str:
        text = ""
        for t, _, caption in self.arrivals:
            if t <= t_h:
                text = caption
        return text


def build_story(model: Model, graph: nx.DiGraph, traj: Trajectory, times_h: np.ndarray,
                nodes) -> Story:
    story = Story(traj.scenario)
    acts = np.array([[activity_at(graph, traj, t).get(n, 0.0) for n in nodes] for t in times_h])
    try:
        order = {n: i for i, n in enumerate(nx.topological_sort(graph))}
    except nx.NetworkXUnfeasible:          # a feedback loop: fall back to the node order
        order = {n: i for i, n in enumerate(nodes)}
    for j, n in enumerate(nodes):
        caption = graph.nodes[n].get("caption")
        series = np.abs(acts[:, j])
        if not caption or series.max() < 0.05:
            continue
        i = int(np.argmax(series >= 0.5 * series.max()))
        # cite the incoming edge whose source moved most in this scenario
        incoming = [e for e in model.edges if e.target == n and e.citations
                    and (e.hypothesis is None or model.hypotheses[e.hypothesis].enabled)]
        moved = {e.source: np.abs(acts[:, nodes.index(e.source)]).max() if e.source in nodes else 0
                 for e in incoming}
        incoming.sort(key=lambda e: -moved[e.source])
        cite = f" ({_short_citation(model, incoming[0].citations[0])})" if incoming else ""
        first = caption.split(" ")[0]
        if first.islower():                 # "glutamate surges" -> "Glutamate surges"; keep "mTOR"
            caption = caption[0].upper() + caption[1:]
        story.arrivals.append((float(times_h[i]), n, caption + cite))
    # a step that arrives within a frame or two of its own cause is part of that step:
    # keep the cause's caption (BDNF expression, not the BDNF it immediately releases)
    arrived = {n: t for t, n, _ in story.arrivals}
    step = float(times_h[1] / times_h[0]) if len(times_h) > 1 else 1.0
    story.arrivals = [a for a in story.arrivals
                      if graph.nodes[a[1]].get("kind") == "readout" or not any(
                          p in arrived and arrived[p] <= a[0] <= arrived[p] * step ** 2.5
                          for p in graph.predecessors(a[1]))]
    story.arrivals.sort(key=lambda a: (a[0], -order.get(a[1], 0)))
    return story


def _reachable(model: Model, graph: nx.DiGraph, traj: Trajectory) -> set[str]:
    """Nodes on an active path from one of this scenario's drugs to a readout (so a
    metabolite or a receptor whose role is switched off is left out)."""
    dosed = {n for n, d in graph.nodes(data=True) if d.get("kind") == "drug" and n in traj
             and traj[n].max() > 1e-6}
    active = nx.DiGraph([(u, v) for u, v, d in graph.edges(data=True) if d.get("active", True)
                         and d.get("strength", 1.0) != 0.0])
    readouts = [r for r in model.readouts if r in active]
    to_readout = set(readouts)
    for r in readouts:
        to_readout |= nx.ancestors(active, r)
    nodes = set()
    for d in dosed & set(active.nodes):
        nodes |= ({d} | nx.descendants(active, d)) & to_readout
    return nodes | set(readouts)


@dataclass
class Frame:
    """A figure with its animated artists and a method to show time t.

    ``update(i)`` sets every artist for frame i and returns the ones that change
    every frame; ``labels`` never change and ``captions`` change only at new
    steps of the story."""

    fig: object
    update: object
    artists: list
    times_h: np.ndarray
    labels: list = field(default_factory=list)
    captions: list = field(default_factory=list)


def build_frame(model: Model, trajs: list[Trajectory], placebo: Trajectory | None,
                times_h: np.ndarray, *, presenter: bool = False, theme: str = "light",
                size_px=(1280, 720), dpi: int = 100, labels=None) -> Frame:
    th: Theme = get_theme(theme, presenter)
    labels = labels or [t.scenario for t in trajs]
    graph = to_graph(model)
    keep = set()
    per_scenario = [_reachable(model, graph, t) for t in trajs]
    for s in per_scenario:
        keep |= s
    sub = graph.edge_subgraph([(u, v) for u, v, d in graph.edges(data=True)
                               if u in keep and v in keep and d.get("active", True)]).copy()
    w, h = size_px[0] / dpi, size_px[1] / dpi
    # an Agg canvas of its own (not pyplot's): the renderer blits, which the inline
    # backend of a notebook cannot, and nothing is shown twice
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(w, h), dpi=dpi, facecolor=th.background)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(3, 1, height_ratios=[7.4, 0.95, 3.0],
                            left=0.075 if presenter else 0.055, right=0.985,
                            top=0.91, bottom=0.085, hspace=0.05)
    ax_path = fig.add_subplot(grid[0])
    ax_cap = fig.add_subplot(grid[1])
    ax_time = fig.add_subplot(grid[2])
    ax_cap.set_axis_off()

    _, art = draw_pathway(sub, {}, ax=ax_path, theme=th, colorbar=False, legend=False,
                          show_inactive=False, return_artists=True)
    for text in art.labels.values():
        text.set_color(th.text if th.name == "dark" else "#111111")
        text.set_path_effects([patheffects.withStroke(
            linewidth=2.6 * th.scale, foreground=th.background)])
    halves = {}
    if len(trajs) > 1:
        shared = per_scenario[0] & per_scenario[1]
        for n in shared:
            if n in art.boxes:
                box = art.boxes[n]
                x, y = box.get_x(), box.get_y()
                half = Rectangle((x + box.get_width() / 2, y), box.get_width() / 2, box.get_height(),
                                 facecolor=th.background, edgecolor="none", zorder=3.5)
                ax_path.add_patch(half)
                half.set_clip_path(box)
                halves[n] = half
    # who is who: a small key of line colours
    title = " vs ".join(labels)
    fig.text(0.05, 0.955, title, color=th.text, fontsize=th.fs(13), weight="bold", va="center")
    clock_text = fig.text(0.985, 0.955, "", color=th.text, fontsize=th.fs(14), ha="right",
                          va="center", family="DejaVu Sans Mono")
    if halves:
        fig.text(0.05, 0.918, f"shared nodes: left half {labels[0]}, right half {labels[1]}",
                 color=th.muted, fontsize=th.fs(9), va="center")
    # a small colour key under the clock
    key = fig.add_axes([0.74, 0.905, 0.2, 0.014])
    key.imshow(np.linspace(-1, 1, 256)[None, :], aspect="auto", cmap=th.cmap, vmin=-1, vmax=1)
    key.set_yticks([])
    key.set_xticks([0, 127.5, 255], ["less active", "at rest", "more active"])
    key.tick_params(colors=th.text, labelsize=th.fs(8), length=0, pad=2)
    for spine in key.spines.values():
        spine.set_visible(False)
    caps = []
    for i, (traj, lab) in enumerate(zip(trajs, labels)):
        caps.append(ax_cap.text(0.0, 0.78 - 0.55 * i, "", transform=ax_cap.transAxes,
                                color=line_color(traj, th, i), fontsize=th.fs(11) if not presenter
                                else size_px[1] / 42 * 72 / dpi, va="center", ha="left",
                                weight="bold"))

    # time course
    t_end = times_h[-1]
    cursor_pts = []
    primary = trajs[0].primary
    arms = list(zip(trajs, labels)) + ([(placebo, f"{labels[0]}: placebo arm")]
                                       if placebo is not None else [])
    for i, (traj, lab) in enumerate(arms):
        mask = traj.t_h >= times_h[0] * 0.99
        color = line_color(traj, th, i)
        ax_time.plot(traj.t_h[mask], traj[primary][mask], color=color, lw=2.4 * th.scale,
                     label=lab, alpha=0.35 if traj.is_placebo else 1.0)
        (pt,) = ax_time.plot([], [], "o", color=color, ms=8 * th.scale, animated=True,
                             alpha=0.5 if traj.is_placebo else 1.0)
        cursor_pts.append((pt, traj))
    _style_axes(ax_time, th)
    format_time_axis(ax_time, times_h[0], t_end, th, label=False)
    ax_time.set_ylim(0, 1)
    ax_time.set_ylabel(trajs[0].label(primary).lower(), color=th.text, fontsize=th.fs(10))
    ax_time.legend(frameon=False, fontsize=th.fs(9), labelcolor=th.text, loc="upper left",
                   ncol=3)
    cursor = ax_time.axvline(times_h[0], color=th.text, lw=1.4 * th.scale, alpha=0.7, animated=True)

    stories = [build_story(model, sub, t, times_h, list(sub.nodes)) for t in trajs]
    activities = [[activity_at(sub, t, th_) for th_ in times_h] for t in trajs]

    dynamic = list(art.boxes.values()) + list(halves.values()) + [clock_text, cursor] \
        + [p for p, _ in cursor_pts]
    labels_ = list(art.labels.values())
    for a in dynamic + labels_ + caps:
        a.set_animated(True)

    def update(i: int) -> list:
        t = times_h[i]
        for n, box in art.boxes.items():
            src = 0 if n in per_scenario[0] else 1
            value = activities[src][i].get(n)
            box.set_facecolor(th.cmap(art.norm(value)) if value is not None else th.background)
        for n, half in halves.items():
            value = activities[1][i].get(n)
            half.set_facecolor(th.cmap(art.norm(value)) if value is not None else th.background)
        clock_text.set_text(f"{clock(t)}   (+{_elapsed(t)})")
        for cap, story, lab in zip(caps, stories, labels):
            cap.set_text(f"{lab}: {story.caption_at(t)}" if story.caption_at(t) else lab)
        cursor.set_xdata([t, t])
        for pt, traj in cursor_pts:
            pt.set_data([t], [float(np.interp(t, traj.t_h, traj[primary]))])
        return dynamic

    return Frame(fig, update, dynamic + labels_ + caps, times_h, labels_, caps)


def _elapsed(t_h: float) -> str:
    if t_h < 1:
        return f"{t_h * 60:.0f} min"
    if t_h < 48:
        return f"{t_h:.1f} h"
    if t_h < 24 * 14:
        return f"{t_h / 24:.1f} days"
    return f"{t_h / 168:.1f} weeks"


def prepare(model: Model | None, scenario: str | None, compare: str | None = None, *,
            days: float = 56,
            frames: int = 300, placebo: bool = True, presenter: bool = False,
            theme: str = "light", size_px=None, dpi: int = 100) -> Frame:
    """Simulate the scenarios and build the animation frame (nothing rendered yet)."""
    model = load_model() if model is None else model
    scenario, compare = showcase_pair(model, scenario, compare)
    if not isinstance(frames, (int, np.integer)) or isinstance(frames, bool) or not 2 <= frames <= 20_000:
        raise UsageError(f"frames = {frames!r} must be a whole number from 2 to 20000")
    names = [scenario] + ([compare] if compare else [])
    step = 5.0 if days <= 14 else 15.0
    trajs = [simulate(model, s, days=days, step_min=step) for s in names]
    plac = simulate(model, placebo_arm(model, names[0]), days=days, step_min=step) if placebo else None
    size_px = size_px or ((1920, 1080) if presenter else (1280, 720))
    return build_frame(model, trajs, plac, frame_times(frames, days * 24.0), presenter=presenter,
                       theme=theme, size_px=size_px, dpi=dpi)


def animate(model: Model | None = None, scenario: str | None = None, compare: str | None = None,
            **kwargs) -> FuncAnimation:
    """A :class:`matplotlib.animation.FuncAnimation` (blitted) for notebooks; the
    scenario defaults to the model file's first.

    >>> anim = animate(frames=60)          # the model's showcase pair   # doctest: +SKIP
    >>> HTML(anim.to_jshtml())                                               # doctest: +SKIP
    """
    frame = prepare(model, scenario, compare, **kwargs)

    def step(i):
        return frame.update(i) + frame.labels + frame.captions

    return FuncAnimation(frame.fig, step, frames=len(frame.times_h), blit=True, interval=1000 / 30)


class FrameRenderer:
    """Render frames fast: the static background is drawn once; each frame restores
    it, redraws the coloured boxes, the cursor and the clock, and blends in the
    node labels and the captions from pre-rendered overlays (a caption is
    rendered once per distinct text)."""

    def __init__(self, frame: Frame):
        self.frame = frame
        fig = frame.fig
        self.canvas = fig.canvas
        self.canvas.draw()                       # animated artists are left out
        self.background = self.canvas.copy_from_bbox(fig.bbox)
        self.labels = self._overlay(frame.labels)
        self.caption_cache: dict[tuple, list] = {}

    def _overlay(self, texts) -> list:
        return text_overlay(self.frame.fig, texts)

    def render(self, i: int) -> np.ndarray:
        fig, canvas = self.frame.fig, self.canvas
        dynamic = self.frame.update(i)
        key = tuple(c.get_text() for c in self.frame.captions)
        if key not in self.caption_cache:
            self.caption_cache[key] = self._overlay(self.frame.captions)
        canvas.restore_region(self.background)
        for artist in dynamic:
            fig.draw_artist(artist)
        buf = np.asarray(canvas.buffer_rgba())
        blend_overlay(buf, self.labels + self.caption_cache[key])
        return buf[:, :, :3]

    def __len__(self) -> int:
        return len(self.frame.times_h)


def save_animation(frame: Frame, out: str | Path, *, fps: int = 30, progress: bool = False) -> dict:
    """Render every frame to ``out`` (.mp4, .gif or .html); return size and timing."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{out}: cannot write an animation as '{suffix or out.name}'\n"
                         f"  hint: use {', '.join(FORMATS)}")
    if not out.parent.exists():
        raise UsageError(f"cannot write '{out}': the folder {out.parent} does not exist\n"
                         "  hint: create it first")
    if not 1 <= fps <= 120:
        raise UsageError(f"fps = {fps} must lie between 1 and 120")
    renderer = FrameRenderer(frame)
    started = time.perf_counter()
    n = len(renderer)
    frames_iter = (renderer.render(i) for i in range(n))
    bar = tqdm(total=n, unit=" frames", desc=f"rendering {out.suffix[1:].upper()}",
               disable=not progress, file=sys.stderr, leave=False)

    def tick(i):
        bar.update(1)

    width, height = frame.fig.canvas.get_width_height()
    try:
        if suffix == ".mp4":
            import imageio_ffmpeg
            writer = imageio_ffmpeg.write_frames(
                str(out), (width, height), fps=fps, codec="libx264", pix_fmt_in="rgb24",
                pix_fmt_out="yuv420p", quality=None, bitrate=None,
                output_params=["-preset", "ultrafast", "-crf", "23", "-movflags", "+faststart"],
                macro_block_size=2)
            writer.send(None)
            for i, rgb in enumerate(frames_iter):
                writer.send(np.ascontiguousarray(rgb))
                tick(i)
            writer.close()
        elif suffix == ".gif":
            from PIL import Image
            images = []
            for i, rgb in enumerate(frames_iter):
                images.append(Image.fromarray(np.array(rgb)).quantize(colors=128, method=2))
                tick(i)
            images[0].save(out, save_all=True, append_images=images[1:], duration=int(1000 / fps),
                           loop=0, optimize=False)
        else:
            _write_html(out, frames_iter, fps, tick, width, height)
    except OSError as exc:
        raise UsageError(f"cannot write '{out}': {exc}\n  hint: check the path and free space") from None
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    return {"path": str(out), "frames": n, "seconds": seconds, "fps_rendered": n / seconds,
            "size_px": (width, height), "bytes": out.stat().st_size}


_PLAYER = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><style>
body{{margin:0;background:#111;color:#eee;font:16px sans-serif;display:flex;flex-direction:column;
align-items:center}} img{{max-width:100vw;max-height:88vh}} .bar{{display:flex;gap:12px;
align-items:center;padding:8px}} input[type=range]{{width:60vw}} button{{font-size:16px}}
</style></head><body><img id="f" alt="animation frame"><div class="bar">
<button id="p">pause</button><input id="s" type="range" min="0" value="0">
<span id="n"></span></div><script>
const F={frames};const img=document.getElementById('f'),s=document.getElementById('s'),
n=document.getElementById('n'),p=document.getElementById('p');s.max=F.length-1;let i=0,run=true;
function show(k){{i=k;img.src='data:image/jpeg;base64,'+F[k];s.value=k;n.textContent=(k+1)+'/'+F.length;}}
p.onclick=()=>{{run=!run;p.textContent=run?'pause':'play';}};s.oninput=()=>show(+s.value);
setInterval(()=>{{if(run)show((i+1)%F.length);}},{interval});show(0);
</script></body></html>"""


def _write_html(out: Path, frames_iter, fps, tick, width, height) -> None:
    import json

    from PIL import Image
    encoded = []
    for i, rgb in enumerate(frames_iter):
        buf = io.BytesIO()
        Image.fromarray(np.array(rgb)).save(buf, format="JPEG", quality=82)
        encoded.append(base64.b64encode(buf.getvalue()).decode("ascii"))
        tick(i)
    out.write_text(_PLAYER.format(title=out.stem, frames=json.dumps(encoded),
                                  interval=int(1000 / fps)), encoding="utf-8")


def storyboard(frame: Frame, out_dir: str | Path, *, extra_times_h=(1.0, 24.0, 168.0, 672.0)) -> list[Path]:
    """Key frames as numbered PNGs (one per new caption, plus a few fixed times) and a
    ``captions.txt`` beside them, for slides."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create '{out_dir}': {exc.strerror}") from None
    times = frame.times_h
    renderer = FrameRenderer(frame)
    captions_seen, keys = None, []
    for i in range(len(times)):
        frame.update(i)
        caps = tuple(c.get_text() for c in frame.captions)
        if caps != captions_seen:
            keys.append(i)
            captions_seen = caps
    for t in extra_times_h:
        if times[0] <= t <= times[-1]:
            keys.append(int(np.argmin(np.abs(times - t))))
    keys = sorted(set(keys))
    paths, lines = [], []
    for k, i in enumerate(keys, start=1):
        rgb = renderer.render(i)
        from PIL import Image
        stamp = clock(times[i]).replace("day ", "day").replace(", ", "_").replace(":", "")
        path = out_dir / f"{k:02d}_{stamp}.png"
        Image.fromarray(np.array(rgb)).save(path)
        caps = [clock(times[i])] + [c.get_text() for c in frame.captions]
        lines.append(f"{path.name}\t{' | '.join(caps)}")
        paths.append(path)
    (out_dir / "captions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths
