"""Lecture animations: the pathway lights up, chapter by chapter, while the
relief curves unfold.

The story comes from a lecture (:mod:`pathway.lecture`): chapters with a window
of the simulated clock, a hold (the clock pauses while the chapter is
explained) and a caption per arm with its own citation. The frame shows, top to
bottom: the arms (drug, dose and route) and the chapter with an elapsed-time
clock; the pathway (a node both arms reach shows the first arm on its left half
and the second on its right half); a key to the colours; one caption per arm;
and each arm's primary outcome beside its own matched placebo arm (or, with
``effect=True``, the drug effect: arm minus its placebo) on a logarithmic clock.

Colours have one meaning each: purple-green is activity (less or more than at
rest), an arm's colour is its drug's, and edges are neutral greys.

Rendering draws the static parts once and then only what changes; a hold is one
rendered frame that the encoder repeats. MP4 files (H.264, yuv420p) carry
chapter marks; the HTML player embeds that video and a clicker drives it.
"""

from __future__ import annotations

import base64
import dataclasses
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.lines
import matplotlib.ticker
import matplotlib.transforms

matplotlib.use("Agg") if matplotlib.get_backend().lower() in ("", "agg") else None
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from .errors import UsageError  # noqa: E402
from .graph import to_graph  # noqa: E402
from .lecture import (Lecture, Schedule, check_lecture, choose_lecture, describe_doses,  # noqa: E402
                      elapsed, fill_numbers, own_range, schedule, short_citation)
from .modelfile import Model, load_model  # noqa: E402
from .plotting import (GRADE_STYLE, Theme, activity_at, blend_overlay, draw_pathway,  # noqa: E402
                       format_time_axis, get_theme, line_color, text_overlay)
from .results import Trajectory  # noqa: E402
from .scenarios import placebo_arm, showcase_pair  # noqa: E402
from .simulate import simulate  # noqa: E402

FORMATS = (".mp4", ".gif", ".html")
#: Type for a hall. Every text on the frame is measured by its font size (the em
#: height, in pixels) as a share of the frame height, and none is below TEXT_FLOOR:
#: 3.5 %, 25 px of a 720 p frame, 38 px of 1080 p. (A capital letter of DejaVu Sans
#: is 0.73 em, so capitals are 2.6 % of the frame: 16 arc minutes, ISO 9241-3's
#: least, from 5.5 frame heights away.) Keys, ticks, clock, sources, headings and node
#: labels are a hair above the floor; captions and the title larger.
TEXT_FLOOR = 0.035
TEXT_H, LABEL_H, CAPTION_H, TITLE_H = 0.036, 0.036, 0.042, 0.040
#: a caption wraps onto at most this many lines (then ends in an ellipsis)
CAPTION_LINES = 2
#: The frame's layout, in fractions of its width and height: the pathway between the
#: title rows and PATHWAY_TOP's line; below it the keys and captions left of SPLIT_X
#: and the relief panel right of it, whose plotting area is PANEL_H tall (at least a
#: quarter of the frame) from PANEL_BOTTOM up. A key row is KEY_ROW tall.
PATHWAY_TOP, SPLIT_X, PANEL_BOTTOM, PANEL_H, MARGIN_X = 0.872, 0.6, 0.075, 0.27, 0.012
#: the height of a key row and of a caption's sources, and where the captions end
KEY_ROW, CITE_ROW, LEFT_BOTTOM = 0.046, 0.043, 0.018
#: pixels between the relief panel's band key and the highest curve below it
BAND_KEY_GAP_PX = 6
#: The frame's activity scale, purple (less active than at rest) through a neutral
#: grey (at rest) to green (more active). Unlike the figures' scale, whose rest is the
#: page itself, every colour on it stands at least 3:1 from the background and the
#: bands in its theme, so that a small change still reads on a projector; and its
#: purples and greens keep clear of the arm colours under protanopia and deuteranopia
#: (CIEDE2000 at least 10, checked in tests/test_lecture_frames.py).
HALL_ACTIVITY = {"light": ("#3a1550", "#5f3a6e", "#838383", "#2f6b35", "#173d1c"),
                 "dark": ("#9b6fc0", "#8f7fa0", "#7a7a7a", "#7fbf7b", "#a6dba0")}
HTML_LIMIT_BYTES = 20_000_000
#: The animation's logarithmic clock starts 5 minutes after the first dose; the
#: shortest run it shows reaches twice that.
CLOCK_START_H = 5 / 60
MIN_HOURS = 2 * CLOCK_START_H


def clock(t_h: float) -> str:
    """``"day 2, 06:00"``: the day since the first dose (day 1 is the first) and the time."""
    minutes = int(round(t_h * 60))
    day, rest = divmod(minutes, 24 * 60)
    return f"day {day + 1}, {rest // 60:02d}:{rest % 60:02d}"


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
class Arm:
    """One arm of the comparison: its trajectory, matched placebo, words and colour."""

    traj: Trajectory
    placebo: Trajectory | None
    name: str             # the drug's short label, e.g. "Ketamine"
    description: str      # drug, dose and route, e.g. "Ketamine 0.5 mg/kg IV over 40 min"
    color: str


@dataclass
class Frame:
    """A figure with its animated artists and a method to show rendered frame i.

    ``update(i)`` sets every artist for frame i and returns the ones redrawn every
    frame; ``labels`` never change and ``captions`` change only between chapters."""

    fig: object
    update: object
    artists: list
    times_h: np.ndarray
    labels: list = field(default_factory=list)
    captions: list = field(default_factory=list)
    lecture: Lecture | None = None
    schedule: Schedule | None = None
    arms: list = field(default_factory=list)
    texts: dict = field(default_factory=dict)     # named artists, for tests and slides
    boxes: dict = field(default_factory=dict)
    theme: Theme | None = None
    model: Model | None = None
    #: each box's own range: a node's activity is shown divided by its largest change
    scale: dict = field(default_factory=dict)
    #: the activity scale's normalisation (activity -> colour map position)
    norm: object = None
    #: the relief panel's Axes
    panel: object = None

    def caption_lines(self, chapter: int) -> list[str]:
        """The captions of chapter ``chapter``, one per arm, as shown."""
        return [self._caption(chapter, a) for a in range(len(self.arms))]

    def _caption(self, chapter: int, arm: int) -> str:
        cap = self.lecture.chapters[chapter].arms[arm] if arm < len(
            self.lecture.chapters[chapter].arms) else None
        if cap is None:
            return ""
        a = self.arms[arm]
        return f"{a.name}: {fill_numbers(cap.text, a.traj, a.placebo)}"

    def citation(self, chapter: int, arm: int) -> str:
        """The caption's sources as shown: its first two (the frame keeps the first
        alone where two would run into the caption)."""
        cap = self.lecture.chapters[chapter].arms[arm] if arm < len(
            self.lecture.chapters[chapter].arms) else None
        return "; ".join(short_citation(self.model, k) for k in cap.cite[:2]) if cap is not None else ""


def _pt(frac: float, height_px: int, dpi: int) -> float:
    return frac * height_px * 72 / dpi


def _close_empty_rows(ax, boxes, most: float = 0.85, pitch: float = 0.75) -> None:
    """Space the rows for the hall: a gap taller than ``most`` (a branch with no node in
    this picture) closes to it, and two boxes of one column stand at least ``pitch``
    apart, so a stack of boxes has room for type. Boxes, labels, arrows, bands and
    band titles follow one monotone map of heights."""
    from matplotlib.patches import FancyArrowPatch
    centres = [(b.get_x() + b.get_width() / 2, round(b.get_y() + b.get_height() / 2, 6))
               for b in boxes.values()]
    ys = sorted({y for _, y in centres})
    new = [ys[0]]
    for j in range(1, len(ys)):
        y = new[-1] + min(ys[j] - ys[j - 1], most)
        for cx, cy in centres:
            if cy != ys[j]:
                continue
            for ox, oy in centres:               # a box below it in the same column
                if oy < cy and abs(ox - cx) < 0.95:
                    y = max(y, new[ys.index(oy)] + pitch)
        new.append(y)
    if np.allclose(new, ys):
        return
    lo, hi = ys[0] - 5, ys[-1] + 5              # beyond the rows: shift as the nearest row
    src = [lo] + ys + [hi]
    dst = [lo + new[0] - ys[0]] + new + [hi + new[-1] - ys[-1]]
    remap = lambda y: float(np.interp(y, src, dst))  # noqa: E731
    for patch in ax.patches:
        if isinstance(patch, FancyArrowPatch):
            (x0, y0), (x1, y1) = patch._posA_posB
            patch.set_positions((x0, remap(y0)), (x1, remap(y1)))
        elif isinstance(patch, FancyBboxPatch):
            y0, y1 = patch.get_y(), patch.get_y() + patch.get_height()
            if patch in boxes.values():        # a box keeps its height around its new centre
                c = remap((y0 + y1) / 2)
                patch.set_y(c - (y1 - y0) / 2)
            else:                              # a band stretches with its rows
                patch.set_y(remap(y0))
                patch.set_height(remap(y1) - remap(y0))
    for text in ax.texts:
        x, y = text.get_position()
        text.set_position((x, remap(y)))


def _resize_boxes(fig, ax, boxes, labels, *, pad_px, gap=0.065, floor_pt=0.0, vpad_px=None):
    """Grow every box to hold its one-line label at the lecture's type size, within
    its neighbours left and right (columns are 1 unit apart; a box alone in its row
    may take more) and above and below; shrink all labels alike only if one would
    still spill over, and never below ``floor_pt``."""
    renderer = fig.canvas.get_renderer()
    vpad_px = pad_px if vpad_px is None else vpad_px
    to_px = ax.transData.transform
    (x0, y0), (x1, y1) = to_px((0, 0)), to_px((1, 1))
    ppx, ppy = x1 - x0, y1 - y0
    centres = {n: (b.get_x() + b.get_width() / 2, b.get_y() + b.get_height() / 2)
               for n, b in boxes.items()}
    limit_h, limit_w = {}, {}
    xlo, xhi = ax.get_xlim()
    for n, (cx, cy) in centres.items():
        gaps = [abs(cy - oy) for m, (ox, oy) in centres.items()
                if m != n and abs(cx - ox) < 0.95]
        limit_h[n] = min([1.0] + [0.86 * g for g in gaps])
    def measure():
        need = {}
        for n, text in labels.items():
            ext = text.get_window_extent(renderer)
            need[n] = ((ext.width + 2 * pad_px) / ppx, (ext.height + vpad_px) / ppy)
        return need

    beside = {n: [(m, abs(cx - ox)) for m, (ox, oy) in centres.items()
                  if m != n and abs(cy - oy) < (limit_h[n] + limit_h[m]) / 2]
              for n, (cx, cy) in centres.items()}

    def fit(need):
        """The scale all labels need to fit."""
        ratio = 1.0
        for n in labels:
            w, h = need[n]
            # neighbours share the room between them, leaving `gap` for the arrow
            options = [(d - gap) * 2 / (w + need[m][0]) for m, d in beside[n]
                       if w + need[m][0] > 2 * (d - gap)]
            options += [limit_h[n] / h if h > limit_h[n] else 1.0,
                        (2 * (centres[n][0] - xlo) - 0.04) / w,
                        (2 * (xhi - centres[n][0]) - 0.04) / w]
            ratio = min([ratio] + options)
        return ratio

    # a label wider than its column breaks onto two lines, if the box may grow taller
    need = measure()
    for n, text in labels.items():
        words = text.get_text().split(" ")
        if need[n][0] <= 1 - gap or len(words) < 2 or "\n" in text.get_text():
            continue
        one = text.get_text()
        cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(one) / 2))
        text.set_text(" ".join(words[:cut]) + "\n" + " ".join(words[cut:]))
        ext = text.get_window_extent(renderer)
        if (ext.height + vpad_px) / ppy > limit_h[n]:
            text.set_text(one)
    need = measure()
    ratio = fit(need)
    size = min(t.get_fontsize() for t in labels.values()) if labels else 1.0
    ratio = max(ratio, min(1.0, floor_pt / size))     # never below the hall's floor
    if ratio < 1.0:
        for text in labels.values():
            text.set_fontsize(text.get_fontsize() * ratio)
        need = measure()
    for n, (cx, cy) in centres.items():
        limit_w[n] = min([1.7, 2 * (cx - xlo) - 0.04, 2 * (xhi - cx) - 0.04]
                         + [2 * (d - gap) - min(need[m][0], d) for m, d in beside[n]])
    for n, text in labels.items():
        ext = text.get_window_extent(renderer)
        box, (cx, cy) = boxes[n], centres[n]
        # boxes fit their labels (at least 0.62 of a column), leaving room for the arrows
        w = min(max((ext.width + 2 * pad_px) / ppx, 0.62), max(limit_w[n], 0.62))
        h = min(limit_h[n], max(box.get_height(), (ext.height + vpad_px) / ppy))
        box.set_x(cx - w / 2)
        box.set_width(w)
        box.set_y(cy - h / 2)
        box.set_height(h)


def _fit_text(text, width_px: float, renderer, lines: int = 1) -> str:
    """Break ``text``'s words onto at most ``lines`` lines no wider than ``width_px``;
    what still does not fit ends in an ellipsis (a long scenario name, a user's long
    caption). Returns the text as set."""
    words = text.get_text().replace("\n", " ").split()

    def width(s: str) -> float:
        text.set_text(s)
        return text.get_window_extent(renderer).width

    out, i = [], 0
    while i < len(words) and len(out) < lines:
        line = ""
        while i < len(words) and width((line + " " + words[i]).strip()) <= width_px:
            line = (line + " " + words[i]).strip()
            i += 1
        out.append(line)
        if not line:
            break
    if i < len(words):
        last = ((out.pop() if out else "") + " " + " ".join(words[i:])).strip()
        while last and width(last + "\u2026") > width_px:
            last = last[:-1]
        out.append(last.rstrip(" ,;:") + "\u2026")
    text.set_text("\n".join(o for o in out if o))
    return text.get_text()


def _row(fig, x: float, y: float, parts, renderer, *, gap_px: float = 0.0) -> float:
    """Texts placed one after another on a row from ``x`` (figure fraction), each
    ``(words, colour, extra text keywords)``; returns where the row ends."""
    W = fig.bbox.width
    for words, color, kw in parts:
        t = fig.text(x, y, words, color=color, va="center", **kw)
        x = t.get_window_extent(renderer).x1 / W + gap_px / W
    return x


def _spread_columns(ax, boxes, labels, renderer, *, pad_px: float) -> None:
    """Give each pair of neighbouring columns the room their widest labels need side by
    side (two wide labels in one row need more than a narrow pair), sharing what is
    left out evenly, so that labels at the hall's size fit without shrinking. Columns
    stay at least one unit apart; boxes, labels, arrows, bands and band titles follow
    one monotone map of x."""
    from matplotlib.patches import FancyArrowPatch
    axw = ax.get_window_extent(renderer).width
    centre = {n: (b.get_x() + b.get_width() / 2, b.get_y() + b.get_height() / 2)
              for n, b in boxes.items()}
    cols = sorted({round(x, 6) for x, _ in centre.values()})
    if len(cols) < 2:
        return
    width = {n: labels[n].get_window_extent(renderer).width + pad_px for n in boxes}
    col = {n: cols.index(round(x, 6)) for n, (x, _) in centre.items()}
    old_px = axw / (ax.get_xlim()[1] - ax.get_xlim()[0])
    least = 0.55 * old_px
    # the pixel position of each column: a forward pass over "n left of m in one row"
    need = [0.0] * len(cols)
    for c in range(1, len(cols)):
        need[c] = need[c - 1] + least
        for n, (xn, yn) in centre.items():
            if col[n] != c:
                continue
            for m, (xm, ym) in centre.items():
                if col[m] < c and abs(yn - ym) < 0.9:
                    need[c] = max(need[c], need[col[m]] + (width[n] + width[m]) / 2)
    first = max(width[n] / 2 for n in boxes if col[n] == 0) + 4
    last = max(width[n] / 2 for n in boxes if col[n] == len(cols) - 1) + 4
    spare = axw - (first + need[-1] + last)
    if spare >= 0:
        px = [p + spare * c / (len(cols) - 1) for c, p in enumerate(need)]
    else:                   # too little room: each pitch shrinks alike (labels may shrink)
        px = [p * (axw - first - last) / need[-1] for p in need]
    unit = min(b - a for a, b in zip(px, px[1:]))          # one data unit: the closest pitch
    new = [p / unit for p in px]
    remap = lambda x: float(np.interp(x, cols, new, left=new[0] + x - cols[0],  # noqa: E731
                                      right=new[-1] + x - cols[-1]))
    for patch in ax.patches:
        if isinstance(patch, FancyArrowPatch):
            (x0, y0), (x1, y1) = patch._posA_posB
            patch.set_positions((remap(x0), y0), (remap(x1), y1))
        elif isinstance(patch, FancyBboxPatch):
            x0, x1 = patch.get_x(), patch.get_x() + patch.get_width()
            if patch in boxes.values():
                c = remap((x0 + x1) / 2)
                patch.set_x(c - (x1 - x0) / 2)
            else:
                patch.set_x(remap(x0))
                patch.set_width(remap(x1) - remap(x0))
    for text in ax.texts:
        x, y = text.get_position()
        text.set_position((remap(x), y))
    ax.set_xlim(new[0] - first / unit, new[0] - first / unit + axw / unit)


def _fit_bands(bands, boxes, pad: float = 0.08) -> None:
    """Widen each band to hold the boxes inside it, which grew to their labels."""
    for band in bands.values():
        x0, y0 = band.get_x(), band.get_y()
        x1, y1 = x0 + band.get_width(), y0 + band.get_height()
        inside = [b for b in boxes.values() if x0 <= b.get_x() + b.get_width() / 2 <= x1
                  and y0 <= b.get_y() + b.get_height() / 2 <= y1]
        if inside:
            lo = min([x0] + [b.get_x() - pad for b in inside])
            hi = max([x1] + [b.get_x() + b.get_width() + pad for b in inside])
            band.set_x(lo)
            band.set_width(hi - lo)


def _place_band_titles(ax, boxes, labels, titles, bands, renderer) -> None:
    """Keep every band title clear of the boxes: where a box covers it, move it above
    its band, beside it (left), or below it, the first place that is free and inside
    the picture; a title with no free place is hidden."""
    axbox = ax.get_window_extent(renderer)
    taken = [b.get_window_extent(renderer) for b in boxes.values()] + \
        [t.get_window_extent(renderer) for t in labels.values()]
    placed = []
    for branch, text in titles.items():
        band = bands.get(branch)
        if band is None:
            continue
        x0, y0 = band.get_x(), band.get_y()
        y1 = y0 + band.get_height()
        spots = [((x0 + 0.06, y1 - 0.03), "left", "top"), ((x0 + 0.06, y1 + 0.02), "left", "bottom"),
                 ((x0 - 0.05, (y0 + y1) / 2), "right", "center"),
                 ((x0 + 0.06, y0 - 0.02), "left", "top"), ((x0 + 0.06, y0 + 0.03), "left", "bottom")]
        for (x, y), ha, va in spots:
            text.set_position((x, y))
            text.set_ha(ha)
            text.set_va(va)
            ext = text.get_window_extent(renderer)
            inside = axbox.x0 <= ext.x0 and ext.x1 <= axbox.x1 and axbox.y0 <= ext.y0 and ext.y1 <= axbox.y1
            if inside and not any(ext.overlaps(o) for o in taken + placed):
                placed.append(ext)
                text.set_visible(True)
                break
        else:
            text.set_visible(False)


def hall_theme(th: Theme) -> Theme:
    """The theme with the frame's activity scale (:data:`HALL_ACTIVITY`)."""
    from matplotlib.colors import LinearSegmentedColormap
    return dataclasses.replace(th, cmap=LinearSegmentedColormap.from_list(
        "activity-hall", HALL_ACTIVITY[th.name]))


def _part_route_names(fig, names, renderer, avoid=()) -> None:
    """Where two route names would touch, the first leans left of its hump and the next
    right of its own; a name that touches a tick label (``avoid``) leans right, away from
    the axis; any that still touch another text are left out."""
    fig.canvas.draw()
    boxes = [t.get_window_extent(renderer) for t in avoid if t.get_visible() and t.get_text()]
    for a, b in zip(names, names[1:]):
        if a.get_window_extent(renderer).overlaps(b.get_window_extent(renderer)):
            a.set_ha("right")
            b.set_ha("left")
    for a in names:
        if any(a.get_window_extent(renderer).overlaps(e) for e in boxes):
            a.set_ha("left")
    for i, a in enumerate(names):
        ext = a.get_window_extent(renderer)
        if any(ext.overlaps(e) for e in boxes) or any(
                ext.overlaps(b.get_window_extent(renderer)) for b in names[:i] if b.get_visible()):
            a.set_visible(False)


def draw_relief_panel(fig, rect, arms: list[Arm], lecture: Lecture, model: Model, th: Theme, *,
                      effect: bool, renderer) -> dict:
    """The relief panel: each arm's primary outcome (its drug effect, arm minus its own
    placebo arm, or with ``effect=False`` the arm beside its placebo arm) on a
    logarithmic clock, with few large ticks and the fast and slow
    routes named where a curve has two humps. ``rect`` is the plotting area in figure
    fractions. Returns the Axes, the curves, their moving points, the cursor, the
    heading and any route names; everything else on the panel goes here too."""
    H = fig.bbox.height
    pt = lambda frac: _pt(frac, H, fig.dpi)  # noqa: E731
    ax = fig.add_axes(rect)
    primary = arms[0].traj.primary
    t0, t1 = lecture.start_h, lecture.end_h
    curves = []
    for a in arms:
        tr = a.traj
        mask = tr.t_h >= t0 * 0.99
        x = tr.t_h[mask]
        if effect:
            if a.placebo is None:
                raise UsageError("the drug effect needs each arm's placebo\n  hint: drop "
                                 "--no-placebo, or leave out --effect")
            y = tr[primary][mask] - np.interp(x, a.placebo.t_h, a.placebo[primary])
            curves.append((x, y, "-", f"{a.description}: drug effect", a.color, 2.8))
            continue
        curves.append((x, tr[primary][mask], "-", a.description, a.color, 2.8))
        if a.placebo is not None:
            p = a.placebo
            pm = p.t_h >= t0 * 0.99
            curves.append((p.t_h[pm], p[primary][pm], (0, (3, 1.6)), f"its matched placebo ({a.name} arm)", a.color, 2.0))
    lines, points = [], []
    for x, y, ls, lab, color, lw in curves:
        (ln,) = ax.plot(x, y, linestyle=ls, color=color, lw=lw * th.scale, label=lab)
        (pt_,) = ax.plot([], [], "o", color=color, ms=8 * th.scale, animated=True)
        lines.append((ln, x, y))
        points.append((pt_, x, y))
    ax.set_facecolor(th.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(th.text)
    ax.tick_params(colors=th.text, labelsize=pt(TEXT_H), length=5 * th.scale, pad=2)
    format_time_axis(ax, t0, t1, th, label=False, sparse=True)
    label = arms[0].traj.label(primary).lower()
    if effect:
        lo = min(min(float(np.min(y)) for _, y, *_ in curves), 0.0)
        ax.set_ylim(lo - 0.05, max(0.3, max(float(np.max(y)) for _, y, *_ in curves) + 0.05))
        ax.axhline(0, color=th.muted, lw=1.2 * th.scale)
        heading = f"Drug effect on {label}: each arm minus its own placebo arm; log time"
    else:
        ax.set_ylim(0, 1)
        heading = f"{label[:1].upper()}{label[1:]}: each arm (solid), its own placebo arm (dashed); log time"
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=3, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    texts = {}
    top = ax.get_ylim()[1]
    for (x, y, ls, lab, color, lw), a in zip([c for c in curves if c[2] == "-"], arms):
        # one dose only: with repeated doses every dose makes a hump of its own
        sc = model.scenario(a.traj.scenario)
        single = len([d for d in sc.doses if d.drug != model.roles.inert]) >= 1 and all(
            d.every_h is None for d in sc.doses) and len({d.start_h for d in sc.doses}) == 1
        humps = _humps(x, y) if single else []
        if len(humps) >= 2:
            top = max(top, float(max(y[i] for i in humps)) * 1.45)
            for i, words in ((humps[0], "fast route"), (humps[-1], "slow route")):
                texts[f"route:{a.traj.scenario}:{words}"] = ax.annotate(
                    words, (x[i], y[i]), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", color=color, fontsize=pt(TEXT_H), weight="bold",
                    fontstretch="condensed")
    ax.set_ylim(ax.get_ylim()[0], top)
    lo, hi = ax.get_ylim()
    ax.set_yticks([v for v in ax.get_yticks() if lo <= v <= hi])
    _part_route_names(fig, [t for k, t in texts.items() if k.startswith("route:")], renderer,
                      avoid=ax.get_yticklabels())
    # fewer, larger ticks: from the last (the end of the lecture) leftwards, a time tick
    # is kept only where its label stands clear of the one kept right of it
    fig.canvas.draw()
    ticks = list(zip(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()],
                     [t.get_window_extent(renderer) for t in ax.get_xticklabels()]))
    kept = [ticks[-1]]
    for tick in ticks[-2::-1]:
        if tick[2].x1 + 0.012 * fig.bbox.width < kept[-1][2].x0:
            kept.append(tick)
    kept.reverse()
    ax.set_xticks([t for t, *_ in kept])
    ax.set_xticklabels([lab for _, lab, _ in kept])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    cursor = ax.axvline(t0, color=th.text, lw=1.6 * th.scale, animated=True)
    return {"ax": ax, "lines": lines, "points": points, "cursor": cursor, "heading": heading,
            "texts": texts}


def build_frame(model: Model, lecture: Lecture, arms: list[Arm], sched: Schedule, *,
                presenter: bool = False, theme: str = "light", size_px=(1280, 720),
                dpi: int = 100, reveal: bool = False, effect: bool = False) -> Frame:
    """Lay out the frame for a hall: title rows on top, the pathway, and below it the
    keys and captions (left) beside the relief panel (right). Every text is at least
    :data:`TEXT_FLOOR` of the frame height; what would not fit is wrapped or ends in
    an ellipsis, never made smaller."""
    th: Theme = hall_theme(get_theme(theme, presenter))
    W, H = size_px
    pt = lambda frac: _pt(frac, H, dpi)  # noqa: E731
    graph = to_graph(model)
    per_arm = [_reachable(model, graph, a.traj) for a in arms]
    keep = set().union(*per_arm) - set(lecture.hide)
    per_arm = [p - set(lecture.hide) for p in per_arm]
    sub = graph.edge_subgraph([(u, v) for u, v, d in graph.edges(data=True)
                               if u in keep and v in keep and d.get("active", True)]).copy()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(W / dpi, H / dpi), dpi=dpi, facecolor=th.background)
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    texts = {}
    left_w = (SPLIT_X - 2 * MARGIN_X) * W          # the keys' and captions' column, in pixels

    # ---- the bottom right: the relief panel (drawn first: its height is fixed)
    right_x = SPLIT_X + 0.01
    panel = draw_relief_panel(fig, [right_x + 0.06, PANEL_BOTTOM, 1 - MARGIN_X - right_x - 0.085,
                                    PANEL_H], arms, lecture, model, th, effect=effect,
                              renderer=renderer)
    ax_time = panel["ax"]
    texts.update(panel["texts"])
    fig.canvas.draw()
    # the plotting area starts right of its tick labels
    yticks = [t.get_window_extent(renderer) for t in ax_time.get_yticklabels() if t.get_text()]
    pos = ax_time.get_position()
    x0 = max([right_x * W] + [pos.x0 * W - e.x0 + right_x * W for e in yticks]) / W
    ax_time.set_position([x0, pos.y0, pos.x1 - x0, pos.height])
    # no legend: each arm's colour is named by its caption and by the split-box key,
    # and the heading says what solid and dashed mean
    right_w = (1 - MARGIN_X - right_x) * W
    fig.canvas.draw()
    heading_y = max([PANEL_BOTTOM + PANEL_H] + [t.get_window_extent(renderer).y1 / H for t in
                                                 ax_time.get_yticklabels() if t.get_text()]) + 0.012
    texts["timecourse"] = fig.text(right_x, heading_y, panel["heading"], color=th.text,
                                   fontsize=pt(TEXT_H), va="bottom", fontstretch="condensed")
    _fit_text(texts["timecourse"], right_w, renderer, lines=2)
    right_top = texts["timecourse"].get_window_extent(renderer).y1 / H

    # ---- the bottom left: keys, then one caption (and its sources) per arm
    caption_lines = []
    probe = fig.text(0, 0, "", fontsize=pt(CAPTION_H), weight="bold", fontstretch="condensed")
    shown = {}
    for k in range(len(lecture.chapters)):
        for i, a in enumerate(arms):
            cap = lecture.chapters[k].arms[i] if i < len(lecture.chapters[k].arms) else None
            line = f"{a.name}: {fill_numbers(cap.text, a.traj, a.placebo)}" if cap else ""
            probe.set_text(line)
            shown[k, i] = _fit_text(probe, left_w, renderer, lines=CAPTION_LINES) if line else ""
            caption_lines.append(shown[k, i].count("\n") + 1)
    probe.remove()
    n_lines = max(caption_lines + [1])
    row = KEY_ROW
    cap_h = n_lines * CAPTION_H * 1.22 + 0.006
    halves_wanted = len(arms) > 1 and bool(per_arm[0] & per_arm[1])
    grades = sorted({d.get("grade") for *_, d in sub.edges(data=True) if d.get("grade") in GRADE_STYLE},
                    key=list(GRADE_STYLE).index)
    rows = 1 + halves_wanted + bool(grades)
    left_top = LEFT_BOTTOM + len(arms) * (cap_h + CITE_ROW) + rows * row
    top = max(left_top, right_top) + 0.012

    # ---- the pathway, with one-line labels for the hall
    # (no dog-legs: the frame moves rows and grows boxes after the arrows are routed)
    ax_path = fig.add_axes([0.005, top, 0.99, PATHWAY_TOP - top])
    _, art = draw_pathway(sub, {}, ax=ax_path, theme=th, colorbar=False, legend=False,
                          show_inactive=False, return_artists=True, short_labels=True,
                          doglegs=False)
    for n, text in art.labels.items():
        d = sub.nodes[n]
        text.set_text(lecture.labels.get(n) or d.get("short_label") or d.get("label") or n)
        text.set_fontsize(pt(LABEL_H))
        text.set_fontstretch("condensed")
        text.set_color(th.text)
        text.set_path_effects([patheffects.withStroke(linewidth=3.5 * th.scale,
                                                      foreground=th.background)])
    for band in art.bands.values():      # a band reads by its outline (the fill is faint)
        band.set_edgecolor(th.muted)
        band.set_linewidth(1.0 * th.scale)
    for text in art.band_titles.values():
        text.set_fontsize(pt(TEXT_H))
        text.set_color(th.muted)
    _close_empty_rows(ax_path, art.boxes)
    # the projected pathway uses the whole width: half a column of margin each side
    xs = [b.get_x() + b.get_width() / 2 for b in art.boxes.values()]
    ys = [b.get_y() + b.get_height() / 2 for b in art.boxes.values()]
    ax_path.set_xlim(min(xs) - 0.5, max(xs) + 0.6)
    ppx = ax_path.transData.transform((1, 0))[0] - ax_path.transData.transform((0, 0))[0]
    half = {n: art.labels[n].get_window_extent(renderer).width / ppx / 2 + 0.03 for n in art.labels}
    left = max([0.5] + [half[n] + 0.02 for n, x in zip(art.boxes, xs) if x == min(xs)])
    right = max([0.6] + [half[n] + 0.02 for n, x in zip(art.boxes, xs) if x == max(xs)])
    ax_path.set_xlim(min(xs) - min(left, 0.9), max(xs) + min(right, 0.9))
    ax_path.set_ylim(min(ys) - 0.45, max(ys) + 0.4)
    _spread_columns(ax_path, art.boxes, art.labels, renderer, pad_px=0.004 * H + 0.006 * W)
    _resize_boxes(fig, ax_path, art.boxes, art.labels, pad_px=0.004 * H,
                  floor_pt=pt(TEXT_FLOOR), vpad_px=0.012 * H)
    _fit_bands(art.bands, art.boxes)
    _place_band_titles(ax_path, art.boxes, art.labels, art.band_titles, art.bands, renderer)
    halves = {}
    if len(arms) > 1:
        for n in per_arm[0] & per_arm[1]:
            box = art.boxes.get(n)
            if box is None:
                continue
            half = Rectangle((box.get_x() + box.get_width() / 2, box.get_y()), box.get_width() / 2,
                             box.get_height(), facecolor=th.background, edgecolor="none", zorder=3.5)
            ax_path.add_patch(half)
            half.set_clip_path(box)
            halves[n] = half

    # ---- title, chapter, clock
    title = fig.text(MARGIN_X, 0.962, "", color=th.text, fontsize=pt(TITLE_H), weight="bold",
                     va="center", fontstretch="condensed")
    texts["title"] = title
    _fit_pair(title, [a.description for a in arms], "  vs  ", (1 - 2 * MARGIN_X) * W, renderer)
    texts["chapter"] = fig.text(MARGIN_X, 0.902, "", color=th.text, fontsize=pt(TITLE_H),
                                va="center", weight="bold", fontstretch="condensed")
    texts["clock"] = fig.text(1 - MARGIN_X, 0.902, "", color=th.text, fontsize=pt(TEXT_H),
                              ha="right", va="center", fontstretch="condensed")
    clocks = {_clock_text(t, held) for t, held in zip(sched.times_h, sched.held)}
    clock_w = 0.0
    for words in sorted(clocks, key=len)[-8:]:
        texts["clock"].set_text(words)
        clock_w = max(clock_w, texts["clock"].get_window_extent(renderer).width)
    chapter_w = (1 - 2 * MARGIN_X) * W - clock_w - 0.025 * W

    # ---- keys: activity, the split boxes of a comparison, evidence grades
    y = top - 0.012 - row / 2
    kw = dict(fontsize=pt(TEXT_H), fontstretch="condensed")
    texts["key:less"] = fig.text(MARGIN_X, y, "less active", color=th.text, va="center", **kw)
    x = texts["key:less"].get_window_extent(renderer).x1 / W + 0.008
    bar = fig.add_axes([x, y - 0.014, 0.11, 0.028])
    bar.imshow(np.linspace(-1, 1, 256)[None, :], aspect="auto", cmap=th.cmap, vmin=-1, vmax=1)
    bar.set_axis_off()
    texts["key:more"] = fig.text(x + 0.118, y, "more active than at rest (grey)", color=th.text,
                                 va="center", **kw)
    _fit_text(texts["key:more"], (MARGIN_X + SPLIT_X - 0.02 - x - 0.118) * W, renderer)
    if halves:
        y -= row
        icon = fig.add_axes([MARGIN_X, y - 0.018, 0.045, 0.036])
        icon.set_axis_off()
        icon.set_xlim(0, 1)
        icon.set_ylim(0, 1)
        icon.add_patch(FancyBboxPatch((0.02, 0.05), 0.96, 0.9, boxstyle="round,pad=0,rounding_size=0.2",
                                      facecolor=th.background, edgecolor=th.text, lw=1.2 * th.scale))
        icon.plot([0.5, 0.5], [0.05, 0.95], color=th.text, lw=1.2 * th.scale)
        x = MARGIN_X + 0.055
        room = (SPLIT_X - MARGIN_X - x) * W / 2 - 0.01 * W
        for i, (word, a) in enumerate(((f"left half {arms[0].name},", arms[0]),
                                       (f"right half {arms[1].name}", arms[1]))):
            t = fig.text(x, y, word, color=a.color, va="center", weight="bold", **kw)
            texts[f"key:split{i}"] = t
            _fit_text(t, room, renderer)
            x = t.get_window_extent(renderer).x1 / W + 0.012
    if grades:
        y -= row
        parts = [("evidence:", th.text)] + [(g, th.text) for g in grades]
        x = MARGIN_X
        for i, (word, color) in enumerate(parts):
            if i:
                sample = matplotlib.lines.Line2D([x, x + 0.04], [y, y], transform=fig.transFigure,
                                                 color=th.text, lw=1.8 * th.scale,
                                                 linestyle=GRADE_STYLE[word])
                fig.add_artist(sample)
                x += 0.046
            t = fig.text(x, y, word, color=color, va="center", **kw)
            texts[f"key:grade:{word}" if i else "key:evidence"] = t
            x = t.get_window_extent(renderer).x1 / W + 0.018
    # ---- captions: one per arm, in the arm's colour, its sources on the line below
    captions, cites = [], []
    y -= row / 2 + 0.008
    for i, a in enumerate(arms):
        captions.append(fig.text(MARGIN_X, y, "", color=a.color, fontsize=pt(CAPTION_H), va="top",
                                 ha="left", weight="bold", fontstretch="condensed",
                                 linespacing=1.1))
        y -= cap_h
        cites.append(fig.text(MARGIN_X, y, "", color=th.muted, fontsize=pt(TEXT_H),
                              va="top", ha="left", style="italic", fontstretch="condensed"))
        y -= CITE_ROW

    # ---- what changes
    times = sched.times_h
    t0, t1 = lecture.start_h, lecture.end_h
    act = [[activity_at(sub, a.traj, t) for t in times] for a in arms]
    # each node on its own range (its largest change in any arm over the lecture), so
    # that a small but real change shows: a few per cent more spines fill their box
    window = np.geomspace(max(t0, 1e-3), t1, 300)
    scale = {n: own_range(sub, [a.traj for a in arms], n, window) for n in art.boxes}
    act = [[{n: v / scale[n] if scale.get(n, 0) > 1e-3 else 0.0 for n, v in moment.items()}
            for moment in arm_act] for arm_act in act]
    owner = {n: 0 if n in per_arm[0] else 1 for n in art.boxes}

    def colours(n, arm):
        """Face colours of node n in every frame (the background where the arm has no value)."""
        values = np.array([act[arm][i].get(n, np.nan) for i in range(len(times))])
        rgba = th.cmap(art.norm(np.nan_to_num(values)))
        rgba[np.isnan(values)] = matplotlib.colors.to_rgba(th.background)
        return [tuple(c) for c in rgba]
    face = {n: colours(n, owner[n]) for n in art.boxes}
    half_face = {n: colours(n, 1) for n in halves}
    lines, points, cursor = panel["lines"], panel["points"], panel["cursor"]
    dynamic = list(art.boxes.values()) + list(halves.values()) + [texts["clock"], cursor] \
        + [p for p, *_ in points]
    if reveal:
        dynamic += [ln for ln, *_ in lines]
    chapter_texts = [texts["chapter"]] + captions + cites
    # the route names sit over the moving clock line (an overlay, like the node labels), ringed with the
    # background as the node labels are, so a chapter that pauses at a hump's time does not draw the line
    # through its name
    route_names = [t for k, t in texts.items() if k.startswith("route:") and t.get_visible()]
    for t in route_names:
        t.set_path_effects([patheffects.withStroke(linewidth=3.5 * th.scale, foreground=th.background)])
    label_texts = list(art.labels.values()) + route_names
    for a in dynamic + label_texts + chapter_texts:
        a.set_animated(True)
    n_chapters = len(lecture.chapters)
    frame = Frame(fig, None, dynamic + label_texts + chapter_texts, times, label_texts,
                  chapter_texts, lecture, sched, arms, texts, art.boxes, th, model, scale, art.norm)
    frame.panel = ax_time
    texts.update({f"caption{i}": c for i, c in enumerate(captions)})
    texts.update({f"cite{i}": c for i, c in enumerate(cites)})
    texts.update({f"label:{n}": t for n, t in art.labels.items()})
    texts.update({f"band:{b}": t for b, t in art.band_titles.items()})
    caption_cache = {k: [shown[k, i] for i in range(len(arms))] for k in range(n_chapters)}
    # the sources that fit on their line (the second left for the notes where both do not)
    cite_cache = {k: [frame.citation(k, i) for i in range(len(arms))] for k in range(n_chapters)}
    chapter_cache, cite_y = {}, {}
    # each caption's sources sit right under its last line
    probe = captions[0]
    heights = []
    for words in ("Ag", "Ag\nAg"):
        probe.set_text(words)
        heights.append(probe.get_window_extent(renderer).height / H)
    for k in range(n_chapters):
        for i, cap in enumerate(captions):
            lines_k = caption_cache[k][i].count("\n") + 1
            cite_y[k, i] = cap.get_position()[1] - heights[0] - (lines_k - 1) * (
                heights[1] - heights[0]) - 0.002
    for k in range(n_chapters):
        for i, cite in enumerate(cites):
            cite.set_text(cite_cache[k][i])
            if cite.get_window_extent(renderer).width > left_w and "; " in cite.get_text():
                cite.set_text(cite.get_text().split("; ")[0])
            cite_cache[k][i] = _fit_text(cite, left_w, renderer)
        texts["chapter"].set_text(f"{k + 1}/{n_chapters}  {lecture.chapters[k].title}")
        chapter_cache[k] = _fit_text(texts["chapter"], chapter_w, renderer)

    def update(i: int) -> list:
        t, k = times[i], int(sched.chapter[i])
        for n, box in art.boxes.items():
            box.set_facecolor(face[n][i])
        for n, half in halves.items():
            half.set_facecolor(half_face[n][i])
        texts["clock"].set_text(_clock_text(t, sched.held[i]))
        texts["chapter"].set_text(chapter_cache[k])
        for j, (cap, cite, line, ref) in enumerate(zip(captions, cites, caption_cache[k],
                                                       cite_cache[k])):
            cap.set_text(line)
            cite.set_text(ref)
            cite.set_y(cite_y[k, j])
        cursor.set_xdata([t, t])
        for pt_, x, y in points:
            pt_.set_data([t], [float(np.interp(t, x, y))])
        if reveal:
            for ln, x, y in lines:
                upto = int(np.searchsorted(x, t, side="right"))
                ln.set_data(np.append(x[:upto], t), np.append(y[:upto], np.interp(t, x, y)))
        return dynamic

    frame.update = update
    update(0)
    return frame


def _clock_text(t_h: float, held: bool) -> str:
    return elapsed(t_h) + (", clock paused" if held else "")


def _fit_pair(text, parts: list[str], sep: str, width_px: float, renderer) -> str:
    """Set ``text`` to ``parts`` joined by ``sep``, each shortened with an ellipsis (the
    longest first) until the whole fits ``width_px``: both arms stay named."""
    parts = list(parts)

    def width() -> float:
        text.set_text(sep.join(parts))
        return text.get_window_extent(renderer).width
    while width() > width_px:
        i = max(range(len(parts)), key=lambda j: len(parts[j]))
        words = parts[i].rstrip("\u2026").split()
        if len(words) <= 1:
            parts[i] = parts[i].rstrip("\u2026")[:-1] + "\u2026"
            if len(parts[i]) <= 2:
                break
        else:
            parts[i] = " ".join(words[:-1]).rstrip(" ,;:") + "\u2026"
    return text.get_text()



#: Two maxima this far apart in time (the later at least this many times the earlier, on the
#: panel's logarithmic clock) are two humps even where the dip between them is shallow.
HUMP_TIME_RATIO = 8.0


def _humps(x: np.ndarray, y: np.ndarray) -> list[int]:
    """Indices of the local maxima of ``y`` that stand out: each at least a fifth of the
    largest value and separated from the next by a dip of at least 5% of it, or by a
    stretch of time (:data:`HUMP_TIME_RATIO`) that the logarithmic clock shows as far apart."""
    if len(y) < 3 or float(np.max(y)) <= 0:
        return []
    big = float(np.max(y))
    peaks = [i for i in range(1, len(y) - 1) if y[i] >= y[i - 1] and y[i] > y[i + 1]
             and y[i] >= 0.2 * big]
    keep = []
    for i in peaks:
        far = keep and x[keep[-1]] > 0 and x[i] >= HUMP_TIME_RATIO * x[keep[-1]]
        if keep and not far and float(np.min(y[keep[-1]:i + 1])) > min(y[keep[-1]], y[i]) - 0.05 * big:
            if y[i] > y[keep[-1]]:
                keep[-1] = i          # no real dip between them: one hump, the higher
            continue
        keep.append(i)
    return keep


def _arm(model: Model, name: str, days: float, placebo: bool, index: int, th: Theme) -> Arm:
    step = 5.0 if days <= 14 else 15.0
    traj = simulate(model, name, days=days, step_min=step)
    plac = simulate(model, placebo_arm(model, name), days=days, step_min=step) if placebo else None
    sc = model.scenario(name)
    # the drug under study names the arm (not a background treatment given alongside)
    lead = sc.study_drugs[0] if sc.study_drugs else traj.roles.get("drug")
    node = model.node(lead) if lead else None
    short = (node.short_label or node.label) if node else name
    drugs = {d.drug for d in sc.doses if d.drug != model.roles.inert}
    if sc.label and len(drugs) > 1:
        # several drugs given as one treatment (racemic ketamine: two enantiomers): the
        # scenario's label names it, up to its first number ("Ketamine 0.5 mg/kg ...")
        words = []
        for word in sc.label.split():
            if any(ch.isdigit() for ch in word):
                break
            words.append(word)
        short = " ".join(words) or short
    color = line_color(traj, th, index)
    drug = model.drugs.get(lead) if sc.study_drugs and not sc.color else None
    if drug is not None and drug.color:          # the study drug's colour, as its name
        color = (drug.color_dark or drug.color) if th.name == "dark" else drug.color
    return Arm(traj, plac, short, describe_doses(model, name), color)


def _hue_gap(a, b) -> float:
    import colorsys
    ha = colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(a))[0] * 360
    hb = colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(b))[0] * 360
    return min(abs(ha - hb), 360 - abs(ha - hb))


def _distinct_colours(arms: list[Arm], th: Theme, say) -> None:
    """One meaning per colour: an arm whose drug colour shares a hue with the
    activity map (or with an earlier arm) is drawn in the next colour of a cycle
    chosen to keep clear of it, and the change is reported."""
    from .plotting import ACTIVITY_ENDS, ARM_CYCLE, OKABE_ITO
    # on a dark ground the deep blue sinks towards the activity scale's purples for a
    # viewer with protanopia; the sky blue keeps clear (tests/test_lecture_frames.py)
    cycle = [OKABE_ITO["sky"] if th.name == "dark" and c == OKABE_ITO["blue"] else c
             for c in ARM_CYCLE]
    used = []
    for arm in arms:
        ok = lambda c: all(_hue_gap(c, e) >= 45 for e in (ACTIVITY_ENDS[0], ACTIVITY_ENDS[-1])) \
            and all(_hue_gap(c, u) >= 30 for u in used)  # noqa: E731
        if not ok(arm.color):
            new = next((c for c in cycle if ok(c)), arm.color)
            say(f"{arm.name}'s colour {arm.color} is too close to the activity colours or another "
                f"arm's; drawing it in {new}")
            arm.color = new
        used.append(arm.color)


def prepare(model: Model | None, scenario: str | None, compare: str | None = None, *,
            days: float | None = None, chapters: str | Path | None = None,
            frames: int | None = None, fps: int = 30, placebo: bool = True,
            presenter: bool = False, theme: str = "light", size_px=None, dpi: int = 100,
            reveal: bool = False, effect: bool = True, note=None) -> Frame:
    """Simulate the arms and their placebos, choose the lecture (the model's lecture
    file, ``chapters``, or chapters built from the mechanism) and lay out the frame
    (nothing rendered yet). ``frames`` caps the moving frames, for quick previews.
    The relief panel shows the drug effect (each arm minus its matched placebo arm)
    unless ``effect=False`` or ``placebo=False``, which draw the arms themselves.
    ``note`` receives progress messages."""
    effect = effect and placebo
    model = load_model() if model is None else model
    scenario, compare = showcase_pair(model, scenario, compare)
    if frames is not None and (not isinstance(frames, (int, np.integer)) or isinstance(frames, bool)
                               or not 2 <= frames <= 20_000):
        raise UsageError(f"frames = {frames!r} must be a whole number from 2 to 20000")
    if not isinstance(fps, (int, np.integer)) or not 1 <= fps <= 120:
        raise UsageError(f"fps = {fps} must lie between 1 and 120")
    names = [scenario] + ([compare] if compare else [])
    for n in names:
        model.scenario(n)                        # unknown names fail here, with a hint
    say = note or (lambda text: None)
    th = get_theme(theme, presenter)
    if chapters is None and days is None:
        from .lecture import lecture_path_for, load_lecture
        path = lecture_path_for(model)
        told = load_lecture(model, path) if path else None
        if told is not None and list(told.scenarios[:len(names)]) == names:
            days = told.end_h / 24
    if chapters is not None and days is None:
        from .lecture import load_lecture
        days = load_lecture(model, chapters).end_h / 24
    days = days or 56.0
    if days * 24 < MIN_HOURS:
        raise UsageError(f"days = {days:g} ({days * 1440:.1f} minutes) is too short for an "
                         f"animation, whose clock starts {CLOCK_START_H * 60:g} minutes after the "
                         f"first dose\n  hint: give at least {MIN_HOURS / 24:.3f} days "
                         f"({MIN_HOURS * 60:g} minutes); 1 shows an infusion's first day")
    say(f"simulating {len(names)} arm(s) and their placebo arms over {days:g} days "
        "(the first run compiles the solver: a few seconds)")
    arms = [_arm(model, n, days, placebo, i, th) for i, n in enumerate(names)]
    _distinct_colours(arms, th, say)
    graph = to_graph(model)
    lecture = choose_lecture(model, names, chapters=chapters, days=days, graph=graph,
                             trajs=[a.traj for a in arms], placebos=[a.placebo for a in arms],
                             note=say)
    problems = check_lecture(lecture, graph, [a.traj for a in arms])
    if problems and chapters is None and not lecture.automatic:
        # the model's own lecture does not fit this run (a --set, an intervention):
        # captions must not contradict the picture, so the mechanism tells the story
        say(f"{Path(lecture.source).name}: {len(problems)} caption(s) would contradict this run "
            f"(first: {problems[0]}); building chapters automatically")
        from .lecture import _with_labels, auto_lecture
        lecture = _with_labels(auto_lecture(model, graph, [a.traj for a in arms],
                                            [a.placebo for a in arms], t_end_h=days * 24), lecture)
        problems = check_lecture(lecture, graph, [a.traj for a in arms])
    for problem in problems:
        say(f"warning: a caption contradicts the simulation: {problem}")
    sched = schedule(lecture, fps, frames)
    say(f"{len(lecture.chapters)} chapters ({'built from the mechanism' if lecture.automatic else lecture.source}), "
        f"{sched.duration_s:.0f} s of video; laying out the frame")
    size_px = size_px or ((1920, 1080) if presenter else (1280, 720))
    return build_frame(model, lecture, arms, sched, presenter=presenter, theme=theme,
                       size_px=size_px, dpi=dpi, reveal=reveal, effect=effect)


def draw_bands(frame: Frame, bands) -> None:
    """Shade each arm's ensemble band (a :class:`pathway.ensemble.Band` or None per arm, of what the relief
    panel shows: the drug effect or the arm) behind its curve on the relief panel, with a key line at the
    panel's top saying what the shading is (``frame.texts["band"]``; the frame has no legend). Call it
    before rendering: the band is part of the static background."""
    ax = frame.panel
    th, drawn = frame.theme, None
    for a, b in zip(frame.arms, bands):
        if b is not None:
            keep = b.t_h >= ax.get_xlim()[0] * 0.99
            ax.fill_between(b.t_h[keep], b.low[keep], b.high[keep], color=a.color, alpha=0.22, lw=0, zorder=0)
            lo, hi = ax.get_ylim()
            ax.set_ylim(min(lo, float(b.low[keep].min()) - 0.02), max(hi, float(b.high[keep].max()) + 0.02))
            drawn = b
    if drawn is None:
        return
    fig = frame.fig
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    # from the heading's left edge (above the tick labels, which stay below the key) to the margin
    left = frame.texts["timecourse"].get_window_extent(renderer).x0
    key = ax.text(left / fig.bbox.width, 0.99, f"shaded: {drawn.label}", ha="left", va="top",
                  transform=matplotlib.transforms.blended_transform_factory(fig.transFigure, ax.transAxes),
                  color=th.text, fontsize=_pt(TEXT_H, fig.bbox.height, fig.dpi), fontstretch="condensed",
                  zorder=5)
    _fit_text(key, (1 - MARGIN_X) * fig.bbox.width - left, renderer, lines=2)
    frame.texts["band"] = key
    # the key takes the top of the panel: the curves, bands and route names, which
    # filled the panel's range, now fill the part of it below the key
    share = (key.get_window_extent(renderer).height + BAND_KEY_GAP_PX) / box.height
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, lo + (hi - lo) / (1 - share))
    ax.set_yticks([v for v in ax.get_yticks() if lo <= v <= hi])


def animate(model: Model | None = None, scenario: str | None = None, compare: str | None = None,
            **kwargs) -> FuncAnimation:
    """A :class:`matplotlib.animation.FuncAnimation` (blitted) for notebooks; the
    scenarios default to the model file's showcase pair.

    In a notebook (the doctests skip it: it renders every frame to show them):

    >>> from IPython.display import HTML                                     # doctest: +SKIP
    >>> anim = animate(frames=120)          # the model's showcase pair   # doctest: +SKIP
    >>> HTML(anim.to_jshtml())                                               # doctest: +SKIP
    """
    frame = prepare(model, scenario, compare, **kwargs)

    def step(i):
        return frame.update(i) + frame.labels + frame.captions

    return FuncAnimation(frame.fig, step, frames=len(frame.times_h), blit=True,
                         interval=1000 / frame.schedule.fps)


class FrameRenderer:
    """Render frames fast: the static background is drawn once; each frame restores
    it, redraws the coloured boxes, the cursor and the clock, and blends in the
    node labels and the chapter's captions from pre-rendered overlays (rendered
    once per chapter)."""

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

    def render_rgba(self, i: int) -> memoryview:
        """Frame i as the canvas's own RGBA buffer (no copy; valid until the next call)."""
        self.render(i)
        return memoryview(self.canvas.buffer_rgba())

    def __len__(self) -> int:
        return len(self.frame.times_h)


# ---------------------------------------------------------------- writing files

def _ffmeta_escape(text: str) -> str:
    for ch in "\\=;#\n":
        text = text.replace(ch, "\\" + ch)
    return text


def ffmetadata(frame: Frame) -> str:
    """An FFMETADATA file: the title and one chapter mark per lecture chapter."""
    sched, lecture = frame.schedule, frame.lecture
    starts = sched.chapter_starts_s() + [sched.duration_s]
    out = [";FFMETADATA1", f"title={_ffmeta_escape(lecture.title)}"]
    for k, c in enumerate(lecture.chapters):
        out += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(round(starts[k] * 1000))}",
                f"END={int(round(starts[k + 1] * 1000))}",
                f"title={_ffmeta_escape(f'{k + 1}. {c.title}')}"]
    return "\n".join(out) + "\n"


#: The most frames whose start ffmpeg is told by a ``setpts`` expression; every other
#: frame shown longer than one video frame is sent as often as it is shown. (A
#: longer expression fails in ffmpeg's parser: "Cannot allocate memory".)
MAX_STAMPED = 24


@dataclass
class SendPlan:
    """How the rendered frames reach ffmpeg: ``copies[i]`` times each (1, or its
    repeats), ``close`` whether the last frame is sent once more to end the final
    hold, and ``filters``: a ``setpts`` that moves each frame sent once to where it
    starts in the video, then ``fps`` to repeat it until the next."""

    copies: list[int]
    close: bool
    filters: str


def _send_plan(sched: Schedule) -> SendPlan:
    """Frame timing for the encoder. The longest spans (the holds, first) are stamped
    with their start in the video, so a hold costs one rendered and one sent frame;
    at most :data:`MAX_STAMPED` are, and shorter spans beyond those are sent as many
    times as they are shown."""
    reps = [int(r) for r in sched.repeats]
    long = sorted((i for i, r in enumerate(reps) if r > 1), key=lambda i: (-reps[i], i))
    stamped = set(long[:MAX_STAMPED])
    copies = [1 if i in stamped else r for i, r in enumerate(reps)]
    # the video frame each sent frame starts on
    starts, at = [], 0
    for i, r in enumerate(reps):
        starts += [at] if i in stamped else list(range(at, at + r))
        at += r
    close = starts[-1] < sched.video_frames - 1
    if close:
        starts.append(sched.video_frames - 1)
    terms = [f"{starts[j] - starts[j - 1] - 1}*gte(N\\,{j})" for j in range(1, len(starts))
             if starts[j] - starts[j - 1] > 1]
    expr = "N" + "".join(f"+{t}" for t in terms)
    return SendPlan(copies, close, f"setpts='({expr})/({sched.fps}*TB)',fps={sched.fps}")


def _ffmpeg_failed(out: Path, err: str) -> UsageError:
    if "No space left on device" in err or "Disk quota exceeded" in err:
        from .atomicio import disk_full
        return disk_full(out)
    return UsageError(f"ffmpeg could not write '{out}': {err.strip()[-400:]}\n"
                      "  hint: check the path and free space")


def _encode_mp4(frame: Frame, renderer: FrameRenderer, out: Path, tick, *, crf: int = 23) -> None:
    """Encode every rendered frame into ``out`` (written where it is named: callers
    pass a temporary name). ffmpeg runs in its own session, so Ctrl+C reaches this
    process, which stops ffmpeg and leaves no half-written file behind it."""
    import imageio_ffmpeg
    width, height = frame.fig.canvas.get_width_height()
    sched = frame.schedule
    plan = _send_plan(sched)
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "chapters.txt"
        meta.write_text(ffmetadata(frame), encoding="utf-8")
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error",
               "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}",
               "-framerate", str(sched.fps), "-i", "-", "-i", str(meta),
               "-map", "0:v", "-map_metadata", "1", "-map_chapters", "1",
               "-vf", plan.filters, "-c:v", "libx264", "-preset", "ultrafast",
               "-tune", "stillimage", "-crf", str(crf), "-pix_fmt", "yuv420p",
               "-r", str(sched.fps), "-movflags", "+faststart", "-f", "mp4", str(out)]
        errfile = Path(tmp) / "ffmpeg.log"
        with open(errfile, "wb") as errlog:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=errlog,
                                    start_new_session=True)
        finished = False
        try:
            try:
                for i in range(len(renderer)):
                    frame_bytes = renderer.render_rgba(i)
                    for _ in range(plan.copies[i]):
                        proc.stdin.write(frame_bytes)
                    tick(i)
                if plan.close:                           # close the final hold
                    proc.stdin.write(frame_bytes)
                proc.stdin.close()
            except BrokenPipeError:
                pass
            code = proc.wait()
            finished = True
        finally:
            if not finished:                             # interrupted, or a failed render
                proc.kill()
                proc.wait()
        if code != 0:
            raise _ffmpeg_failed(out, errfile.read_text(errors="replace"))


def save_animation(frame: Frame, out: str | Path, *, fps: int | None = None,
                   progress: bool = False) -> dict:
    """Render every frame to ``out`` (.mp4 with chapter marks, .gif, or .html with
    the video and a clicker-driven player); return size and timing. The frame rate
    is the schedule's (``fps``, if given, must match it). The file is written under
    a temporary name and renamed when complete, so an interrupted run leaves an
    earlier file of the same name as it was."""
    from .atomicio import atomic_path
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{out}: cannot write an animation as '{suffix or out.name}'\n"
                         f"  hint: use {', '.join(FORMATS)}")
    if not out.parent.exists():
        raise UsageError(f"cannot write '{out}': the folder {out.parent} does not exist\n"
                         "  hint: create it first")
    sched = frame.schedule
    if fps is not None and fps != sched.fps:
        raise UsageError(f"fps = {fps} differs from the frame's schedule ({sched.fps})\n"
                         "  hint: pass fps to prepare()")
    renderer = FrameRenderer(frame)
    started = time.perf_counter()
    n = len(renderer)
    bar = tqdm(total=n, unit=" frames", desc=f"rendering {suffix[1:].upper()} frame",
               disable=not progress, file=sys.stderr, leave=False)

    def tick(i):
        bar.update(1)

    width, height = frame.fig.canvas.get_width_height()
    try:
        with atomic_path(out) as part:
            if suffix == ".mp4":
                _encode_mp4(frame, renderer, part, tick)
            elif suffix == ".gif":
                from PIL import Image
                images = []
                for i in range(n):
                    images.append(Image.fromarray(np.array(renderer.render(i))).quantize(
                        colors=128, method=2))
                    tick(i)
                durations = [int(round(1000 * r / sched.fps)) for r in sched.repeats]
                images[0].save(part, format="GIF", save_all=True, append_images=images[1:],
                               duration=durations, optimize=False)   # no loop: a lecture ends on its result
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    video = Path(tmp) / "video.mp4"
                    _encode_mp4(frame, renderer, video, tick, crf=26)
                    _write_page(part, player_page(frame, video.read_bytes()))
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    return {"path": str(out), "frames": n, "video_frames": sched.video_frames,
            "duration_s": sched.duration_s, "seconds": seconds, "fps_rendered": n / seconds,
            "size_px": (width, height), "bytes": out.stat().st_size,
            "chapters": len(frame.lecture.chapters)}


_PLAYER = Path(__file__).with_name("player.html")


def player_page(frame: Frame, mp4: bytes) -> str:
    """The HTML player as text: the H.264 video inside the page, a chapter list, and
    keys a clicker sends (Space, PageDown/PageUp, arrows, F, Home). Titles and
    captions enter the page as text only: JSON escaped for the script it sits in,
    and the page title escaped as markup."""
    import re

    from .htmlsafe import html_text, script_json
    sched = frame.schedule
    chapters = [{"title": c.title, "start": s, "hold": h, "captions": frame.caption_lines(k)}
                for k, (c, s, h) in enumerate(zip(frame.lecture.chapters, sched.chapter_starts_s(),
                                                  sched.hold_starts_s()))]
    data = {"title": frame.lecture.title, "duration": sched.duration_s, "chapters": chapters}
    values = {"/*DATA*/null": script_json(data), "__TITLE__": html_text(frame.lecture.title),
              "/*VIDEO*/": base64.b64encode(mp4).decode("ascii")}
    template = _PLAYER.read_text(encoding="utf-8")
    # one pass, so that no value is searched for the next placeholder
    page = re.sub("|".join(re.escape(k) for k in values), lambda m: values[m.group(0)], template)
    if len(page.encode()) > HTML_LIMIT_BYTES:
        raise UsageError(f"the page would be {len(page) / 1e6:.0f} MB, over the 20 MB a laptop "
                         "opens quickly\n  hint: write an .mp4 instead, or leave out --presenter")
    return page


def _write_page(path: Path, page: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


def write_player(frame: Frame, mp4: bytes, out: Path) -> None:
    """Write the HTML player (:func:`player_page`) to ``out``, atomically."""
    from .atomicio import write_text
    write_text(out, player_page(frame, mp4))


def storyboard(frame: Frame, out_dir: str | Path) -> list[Path]:
    """One PNG per chapter (the frame its hold shows) and a ``captions.txt`` beside
    them, for slides."""
    from PIL import Image
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create '{out_dir}': {exc.strerror}") from None
    from .atomicio import atomic_path, write_text
    renderer = FrameRenderer(frame)
    paths, lines = [], []
    for k, i in enumerate(chapter_frames(frame), start=1):
        rgb = renderer.render(i)
        chapter = frame.lecture.chapters[k - 1]
        slug = "".join(ch if ch.isalnum() else "-" for ch in chapter.title.lower()).strip("-")
        path = out_dir / f"{k:02d}_{'-'.join(filter(None, slug.split('-')))[:40]}.png"
        with atomic_path(path) as part:
            Image.fromarray(np.array(rgb)).save(part, format="PNG")
        caps = [f"{k}. {chapter.title}", elapsed(frame.times_h[i])] + \
            [c for c in frame.caption_lines(k - 1) if c]
        lines.append(f"{path.name}\t{' | '.join(caps)}")
        paths.append(path)
    write_text(out_dir / "captions.txt", "\n".join(lines) + "\n")
    return paths


def chapter_frames(frame: Frame) -> list[int]:
    """The rendered frame each chapter holds on (its end), in chapter order."""
    sched = frame.schedule
    return [int(np.flatnonzero((sched.chapter == k) & sched.held)[0])
            for k in range(len(frame.lecture.chapters))]


def render_png(frame: Frame, i: int, path: str | Path) -> Path:
    from PIL import Image
    from .atomicio import atomic_path
    with atomic_path(path) as part:
        Image.fromarray(np.array(FrameRenderer(frame).render(i))).save(part)
    return Path(path)

