"""Pictures: the pathway figure and time-course plots.

Both functions draw on a given ``ax`` (or make one) and return it, so they
compose into larger figures and animations.

* :func:`draw_pathway` lays the graph out left to right (drugs, receptors, cells,
  transmitters, signalling, structure, readouts), groups the branches in shaded
  bands, draws activation as arrows and inhibition as flat bars, the evidence
  grade as line style, and colours nodes by activity with a colour-blind-safe
  purple-green map (purple: less active than at rest, green: more). Arms are
  drawn in their drugs' colours, chosen away from those two hues, and edges in
  neutral greys, so every colour has one meaning.
* :func:`plot_timecourse` draws variables against time on a logarithmic axis
  from 10 minutes to weeks, with ticks in human units.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() in ("", "agg") else None
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from .boxgrid import BoxGrid  # noqa: E402
from .errors import UsageError  # noqa: E402
from .evidence import is_rodent  # noqa: E402
from .results import Trajectory  # noqa: E402

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency.
OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000"}

GRADE_STYLE = {"strong": (0, ()), "moderate": (0, (6, 3)), "preliminary": (0, (1.5, 2.5)),
               "contested": (0, (7, 2.5, 1.5, 2.5))}
#: Vertical distance between a readout and the next one stacked beside it.
READOUT_SPACING = 1.45
#: Vertical distance between two boxes stacked in one cell, and in a stack of three or more.
STACK_SPACING, STACK_SPACING_CROWDED = 0.72, 0.6
#: Room a band leaves below, beside and above its boxes (above: for its title), and
#: the least gap between two bands.
BAND_PAD_BELOW, BAND_PAD_SIDE, BAND_PAD_ABOVE, BAND_GAP = 0.1, 0.48, 0.26, 0.12
#: Half the widest box (presenter mode's).
BOX_HALF_WIDTH = 0.45


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str
    band: str
    activate: str
    inhibit: str
    metabolise: str
    cmap: LinearSegmentedColormap
    scale: float = 1.0          # font and line scale
    presenter: bool = False

    def fs(self, size: float) -> float:
        return size * self.scale


#: The activity map's ends (ColorBrewer PRGn, safe for colour-vision deficiencies):
#: purple is less active than at rest, green more. No arm colour and no edge uses
#: these hues (see ARM_CYCLE and tests/test_lecture.py).
ACTIVITY_ENDS = ("#762A83", "#AF8DC3", "#7FBF7B", "#1B7837")
#: Arm colours for drugs without a ``color`` in the model file: Okabe-Ito colours
#: whose hues lie far from the activity map's purple and green.
ARM_CYCLE = (OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["sky"],
             "#7f7f7f")


def _cmap(mid: str) -> LinearSegmentedColormap:
    less, less_light, more_light, more = ACTIVITY_ENDS
    return LinearSegmentedColormap.from_list("activity", [less, less_light, mid, more_light, more])


def relative_luminance(color) -> float:
    """WCAG relative luminance of a colour (0 black .. 1 white)."""
    rgb = np.array(matplotlib.colors.to_rgb(color))
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(a, b) -> float:
    """WCAG contrast ratio of two colours (1 .. 21; 3 is the floor for large text and lines)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def get_theme(theme: str = "light", presenter: bool = False) -> Theme:
    """``"light"`` or ``"dark"``; presenter mode scales type and lines for projection."""
    if theme not in ("light", "dark"):
        raise UsageError(f"unknown theme '{theme}'\n  hint: use light or dark")
    scale = 2.1 if presenter else 1.0      # presenter: 9 pt text becomes ~1/40 of 1080 px
    if theme == "dark":
        return Theme("dark", "#111418", "#f2f2f2", "#a8a8a8", "#222a33", "#e8e8e8",
                     "#b4b4b4", "#8c8c8c", _cmap("#2b2f36"), scale, presenter)
    # edges are neutral greys (inhibition lighter, with a flat bar), never an arm's colour
    return Theme("light", "white", "#111111", "#555555", "#eef2f6", "#222222",
                 "#5c5c5c", "#767676", _cmap("#f4f4f4"), scale, presenter)


# ---------------------------------------------------------------- layout

def _back_edges(graph: nx.DiGraph) -> set[tuple[str, str]]:
    """Edges that close a cycle (found by a depth-first search in node order, the
    successors of each node in sorted order; with a stack of its own, not Python's,
    so a chain of thousands of nodes is walked like a short one)."""
    back, state = set(), {}
    for root in graph.nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(sorted(graph.successors(root))))]
        while stack:
            u, todo = stack[-1]
            for v in todo:
                if state.get(v) == 1:
                    back.add((u, v))
                elif v not in state:
                    state[v] = 1
                    stack.append((v, iter(sorted(graph.successors(v)))))
                    break
            else:
                state[u] = 2
                stack.pop()
    return back


def _branch_rows(graph: nx.DiGraph) -> dict[str, float]:
    """Row of every branch that has one (from the model file's [branches])."""
    rows = {}
    for _, d in graph.nodes(data=True):
        if d.get("branch_row") is not None:
            rows[d["branch"]] = float(d["branch_row"])
    return rows


def _bands(graph: nx.DiGraph) -> dict[str, str]:
    """The band each node sits in: its branch's, if that has a row; a readout sits
    in the band that most of its inputs come from; any other node in the band of
    the first branch (in the model file's order) that it feeds.

    A walk along a cycle stops at a node already on the way (see :func:`_follow_band`).
    """
    rows = _branch_rows(graph)
    order = [b for b in graph.graph.get("branch_order", []) if b in rows] or sorted(rows)
    band: dict[str, str] = {}
    for n in graph.nodes:
        band[n] = _follow_band(graph, n, rows, order, band) or order[0]
    return band


def _follow_band(graph: nx.DiGraph, start: str, rows: dict, order: list, band: dict) -> str | None:
    """The band :func:`_bands` gives ``start`` before its fallback: a depth-first walk
    with a stack of its own (no recursion, so any length of chain). Nodes already on
    the walk's path are passed over (a feedback loop ends there), as are nodes whose
    answer the walk has settled: an answer that no such passing over touched holds
    wherever the node is met again, so each is worked out once (linear time on a
    graph without cycles) and the answers are those of a plain recursive walk."""
    settled: dict[str, str | None] = {}

    def direct(n):
        """(answer, True) when ``n`` needs no walk; else (None, False)."""
        if n in band:
            return band[n], True
        d = graph.nodes[n]
        if d.get("branch") in rows and d.get("kind") != "readout":
            return d["branch"], True
        return None, False

    def combine(n, results):
        d = graph.nodes[n]
        if d.get("kind") == "readout":
            votes = [v for v in results if v]
            return max(order, key=lambda b: (votes.count(b), -order.index(b))) if votes \
                else (d.get("branch") if d.get("branch") in rows else order[0])
        found = set(results)
        return next((b for b in order if b in found), None)

    def neighbours(n):
        kind = graph.nodes[n].get("kind")
        return list(graph.predecessors(n) if kind == "readout" else graph.successors(n))

    value, done = direct(start)
    if done:
        return value
    on_path = {start}
    # each frame: node, its neighbours, the next one to look at, results, whether a
    # neighbour was passed over for being on the path (then the answer is not settled)
    stack = [[start, neighbours(start), 0, [], False]]
    while stack:
        frame = stack[-1]
        n, nbs, i, results, cut = frame
        if i < len(nbs):
            frame[2] += 1
            m = nbs[i]
            if m in on_path:
                frame[4] = True
                continue
            value, done = direct(m)
            if not done and m in settled:
                value, done = settled[m], True
            if done:
                results.append(value)
                continue
            on_path.add(m)
            stack.append([m, neighbours(m), 0, [], False])
            continue
        stack.pop()
        on_path.discard(n)
        value = combine(n, results)
        if not cut:
            settled[n] = value
        if stack:
            stack[-1][3].append(value)
            stack[-1][4] = stack[-1][4] or cut
    return value


@dataclass
class Layout:
    """Where the pathway figure puts things.

    ``pos``: node -> (column, row); ``band``: node -> the branch whose band it is
    drawn in (None for a node outside every band: the readouts stacked beside the
    primary outcome, and a node set beside the readout it feeds); ``rows``: branch
    -> its row, packed from the model file's order (see :func:`layout`); ``height``:
    the tallest a box may be (see :func:`_box_height_bound`); ``title_room``: the
    room above the top boxes of a band with a title.
    """

    pos: dict[str, tuple[float, float]]
    band: dict[str, str | None]
    rows: dict[str, float]
    height: float
    title_room: float = BAND_PAD_ABOVE


def _box_height_bound(pos: dict[str, tuple[float, float]]) -> float:
    """The tallest a box may be: the room between the closest two boxes of one
    column, less a gap (stacked boxes sit 0.6-0.72 apart). Boxes closer than half a
    column sideways count as one column; the boxes are filed in half-column strips,
    so only the boxes of neighbouring strips are compared."""
    strips: dict[int, list[tuple[float, float]]] = {}
    for x, y in pos.values():
        strips.setdefault(int(np.floor(x * 2)), []).append((x, y))
    closest = STACK_SPACING
    for k, here in strips.items():
        near = sorted(here + strips.get(k + 1, []), key=lambda p: p[1])
        xs = [p[0] for p in near]
        if max(xs) - min(xs) < 0.5:       # one column (the usual case): neighbours in y
            gaps = [b[1] - a[1] for a, b in zip(near, near[1:])]
        else:
            gaps = [abs(a[1] - b[1]) for i, a in enumerate(near) for b in near[i + 1:]
                    if abs(a[0] - b[0]) < 0.5]
        closest = min([closest] + gaps)
    return min(0.66, closest - 0.08)


def band_rect(points, height: float, above: float = BAND_PAD_ABOVE) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the band behind boxes centred at ``points``; the room
    ``above`` the top boxes holds the band's title."""
    xs, ys = zip(*points)
    return (min(xs) - BAND_PAD_SIDE, max(xs) + BAND_PAD_SIDE,
            min(ys) - height / 2 - BAND_PAD_BELOW, max(ys) + height / 2 + above)


def pathway_layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Positions (column, row) for every connected node (see :func:`layout`)."""
    return layout(graph).pos


def layout(graph: nx.DiGraph, title_room: float = BAND_PAD_ABOVE) -> Layout:
    """Columns, rows and bands of the pathway figure.

    Columns follow the longest path from the drugs, so every arrow of the main
    chain points right; rows are the branches. The model file's ``[branches]``
    rows set their order: the primary outcome's band keeps its row, and each other
    band, from the nearest out, sits just past the nearer bands that share its
    columns (at its own row if none does), so bands of stacked boxes never overlap.
    A node that joins other bands to a readout (none of its neighbours shares its
    band; it feeds readouts only) sits just left of the first readout it feeds,
    outside its band, if nothing is there.
    """
    g = graph.copy()
    g.remove_nodes_from([n for n in graph.nodes if graph.degree(n) == 0])
    if not g:
        return Layout({}, {}, {}, STACK_SPACING, title_room)
    dag = nx.DiGraph(g)
    dag.remove_edges_from(_back_edges(g))
    col = {}
    for n in nx.topological_sort(dag):
        preds = list(dag.predecessors(n))
        col[n] = max((col[p] + 1 for p in preds), default=0)
    # sources sit just left of their first target; readouts share the last column
    for n in dag.nodes:
        if dag.in_degree(n) == 0 and dag.out_degree(n):
            col[n] = max(0, min(col[t] for t in dag.successors(n)) - 1)
    last = max(col.values())
    readout = {n for n, d in g.nodes(data=True) if d.get("kind") == "readout"}
    for n in readout:
        col[n] = last

    band = _bands(g)
    rows = _branch_rows(g)
    row = {n: rows[band[n]] for n in g.nodes}
    member: dict[str, str | None] = dict(band)
    # readouts share the last column: the primary outcome on its band's row, side
    # effects stacked above it and the other readouts below, all outside the bands
    side = [n for n in graph.graph.get("side_effects", []) if n in g]
    primary = graph.graph.get("primary")
    others = [n for n in g.nodes if n in readout and n != primary and n not in side]
    if primary in g:
        for i, n in enumerate(side):
            row[n], member[n] = row[primary] + READOUT_SPACING * (i + 1), None
        for i, n in enumerate(others):
            row[n], member[n] = row[primary] - READOUT_SPACING * (i + 1), None
    bridges = [n for n in g.nodes if n not in readout and any(g.predecessors(n))
               and all(t in readout for t in g.successors(n)) and any(g.successors(n))
               and all(band[m] != band[n] for m in nx.all_neighbors(g, n))]
    order = [b for b in list(graph.graph.get("branch_order", [])) + sorted(rows) if b in rows]
    anchor = member.get(primary) or next((b for b in order if b in member.values()), None)
    out = None
    while out is None:
        col2, row2, member2 = dict(col), dict(row), dict(member)
        for n in bridges:
            target = next(iter(g.successors(n)))
            col2[n], row2[n], member2[n] = col[target] - 1, row[target], None
        out = _place(g, col2, row2, member2, rows, anchor, title_room)
        # a bridge whose box would touch a band or another box stays in its band
        clash = _clashing(bridges, out)
        if clash:
            bridges = [n for n in bridges if n not in clash]
            out = None
    return out


def _place(g, col, row, member, rows, anchor, title_room) -> Layout:
    """Stack the boxes that share a cell, then move bands apart (see :func:`layout`)."""
    groups: dict[tuple, list[str]] = {}
    for n in g.nodes:
        groups.setdefault((col[n], row[n], member[n]), []).append(n)
    pos = {}
    for (c, y, _), members in groups.items():
        if len(members) == 1:
            pos[members[0]] = (float(c), y)
            continue
        # order by the mean row of the neighbours, to cut crossings
        def bary(n):
            nb = list(g.predecessors(n)) + list(g.successors(n))
            return -np.mean([row[m] for m in nb]) if nb else 0.0
        members.sort(key=lambda n: (bary(n), n))
        # a pair sits 0.72 apart; a larger stack 0.6 apart (boxes get no taller than
        # their nearest neighbour in the column allows, see draw_pathway)
        step = STACK_SPACING if len(members) == 2 else STACK_SPACING_CROWDED
        offsets = (np.arange(len(members)) - (len(members) - 1) / 2) * step
        for n, off in zip(members, offsets):
            pos[n] = (float(c), y - off)

    height = _box_height_bound(pos)
    rows = dict(rows)
    in_band = {b: [n for n in g.nodes if member[n] == b] for b in rows}
    titled = {d["branch"] for _, d in g.nodes(data=True) if d.get("branch_title")}

    def rect(b):
        return band_rect([pos[n] for n in in_band[b]], height, title_room if b in titled else BAND_PAD_ABOVE)

    half = BOX_HALF_WIDTH
    obstacles = [(x - half, x + half, y - height / 2, y + height / 2)      # boxes outside bands
                 for n, (x, y) in pos.items() if member[n] is None]
    if not in_band.get(anchor):
        return Layout(pos, member, rows, height, title_room)
    placed = [rect(anchor)]
    below = sorted((b for b in rows if b != anchor and rows[b] <= rows[anchor]), key=lambda b: -rows[b])
    above = sorted((b for b in rows if rows[b] > rows[anchor]), key=lambda b: rows[b])
    for bands, sign in ((below, -1), (above, 1)):
        for b in bands:
            if not in_band[b]:
                continue
            x0, x1, y0, y1 = rect(b)

            def shares_columns(r):
                return r[0] < x1 + BAND_GAP and r[1] > x0 - BAND_GAP

            def clear_of(r):        # the shift that puts the band just past r, away from the anchor
                return r[2] - BAND_GAP - y1 if sign < 0 else r[3] + BAND_GAP - y0

            # packed against the nearer bands it shares columns with (its own row if none) ...
            near = [clear_of(r) for r in placed if shares_columns(r)]
            shift = (min(near) if sign < 0 else max(near)) if near else 0.0
            # ... and past any box outside the bands in its way
            hit = True
            while hit:
                hit = [r for r in obstacles if shares_columns(r)
                       and r[2] < y1 + shift + BAND_GAP and r[3] > y0 + shift - BAND_GAP]
                if hit:
                    past = min(map(clear_of, hit)) if sign < 0 else max(map(clear_of, hit))
                    if past == shift:   # rounding keeps a box "in the way" of its own clearance
                        break
                    shift = past
            if shift:
                rows[b] += shift
                for n in in_band[b]:
                    pos[n] = (pos[n][0], pos[n][1] + shift)
            placed.append((x0, x1, y0 + shift, y1 + shift))
    return Layout(pos, member, rows, height, title_room)


def _clashing(nodes: list[str], lay: Layout) -> set[str]:
    """Those of ``nodes`` whose box overlaps another box or a band it is not in. The
    bands' rectangles are worked out once, and the boxes filed in columns as wide as
    two boxes, so a node is compared with the boxes of three columns only."""
    half = BOX_HALF_WIDTH
    width = 2 * half
    columns: dict[int, list[tuple[str, float, float]]] = {}
    for n, (u, v) in lay.pos.items():
        columns.setdefault(int(np.floor(u / width)), []).append((n, u, v))
    members: dict[str, list] = {}
    for n, p in lay.pos.items():
        if lay.band[n] is not None:
            members.setdefault(lay.band[n], []).append(p)
    rects = {b: band_rect(points, lay.height, lay.title_room) for b, points in members.items()}
    out = set()
    for node in nodes:
        x, y = lay.pos[node]
        k = int(np.floor(x / width))
        if any(n != node and abs(u - x) < width and abs(v - y) < lay.height + BAND_GAP
               for c in (k - 1, k, k + 1) for n, u, v in columns.get(c, ())):
            out.add(node)
            continue
        for b, (x0, x1, y0, y1) in rects.items():
            if b != lay.band[node] and x0 - half < x < x1 + half \
                    and y0 - lay.height / 2 < y < y1 + lay.height / 2:
                out.add(node)
                break
    return out


# ---------------------------------------------------------------- the pathway figure

@dataclass
class PathwayArtists:
    """What an animation updates: one box and one label per node."""

    boxes: dict[str, FancyBboxPatch]
    labels: dict[str, object]
    theme: Theme
    norm: Normalize
    #: branch -> its band's background, and its title (for a titled branch)
    bands: dict[str, FancyBboxPatch] = field(default_factory=dict)
    band_titles: dict[str, object] = field(default_factory=dict)

    def set_activity(self, activity: dict[str, float]) -> list:
        changed = []
        for node, box in self.boxes.items():
            value = activity.get(node)
            face = self.theme.cmap(self.norm(value)) if value is not None else self.theme.background
            box.set_facecolor(face)
            self.labels[node].set_color(_ink(face, self.theme))
            changed += [box, self.labels[node]]
        return changed


def _ink(face, theme: Theme) -> str:
    r, g, b, *_ = matplotlib.colors.to_rgba(face)
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#f7f7f7"


def _fit_labels(fig, boxes, labels, margin: float = 0.92) -> None:
    """Measure every label against its box (after the colour bar and legend have
    taken their space) and shrink all labels alike if any would spill over."""
    renderer = fig.canvas.get_renderer()
    ratio = 1.0
    for n, text in labels.items():
        lab, box = text.get_window_extent(renderer), boxes[n].get_window_extent(renderer)
        if lab.width > 0 and lab.height > 0:
            ratio = min(ratio, margin * box.width / lab.width, margin * box.height / lab.height)
    if ratio < 1.0:
        for text in labels.values():
            text.set_fontsize(text.get_fontsize() * ratio)


def activity_at(graph: nx.DiGraph, traj: Trajectory, t_h: float) -> dict[str, float]:
    """Each node's activity at ``t_h`` for colouring, in -1..1: the relative change
    from its resting level (readouts: their value; drugs: the fraction of their
    peak plasma level in this simulation)."""
    out = {}
    i = int(np.clip(np.searchsorted(traj.t_h, t_h), 0, len(traj.t_h) - 1))
    for n, d in graph.nodes(data=True):
        if n not in traj:
            continue
        y = traj[n]
        v = float(np.interp(t_h, traj.t_h, y)) if i else float(y[0])
        if d.get("kind") == "drug":
            peak = float(y.max())
            out[n] = v / peak if peak > 0 else 0.0
        elif d.get("baseline", 1.0):
            out[n] = v / d["baseline"] - 1.0
        else:
            out[n] = v
    return {k: float(np.clip(v, -1, 1)) for k, v in out.items()}


@dataclass
class _BoxIndex:
    """The boxes as drawn (window extents, rounded corners and padding included), filed
    in a :class:`~pathway.boxgrid.BoxGrid`, and the channels between their columns:
    worked out once per figure, so that routing an arrow looks only at the boxes near it."""

    names: list[str]
    order: dict[str, int]
    ext: np.ndarray             # N x 4: x0, x1, y0, y1 in pixels
    grid: BoxGrid
    channels: np.ndarray        # x of each channel with room for a line, left to right

    @classmethod
    def of(cls, ax, boxes: dict) -> _BoxIndex:
        renderer = ax.figure.canvas.get_renderer()
        names = list(boxes)
        pts = [boxes[n].get_window_extent(renderer).get_points() for n in names]
        ext = np.array([(p[0][0], p[1][0], p[0][1], p[1][1]) for p in pts], dtype=float).reshape(-1, 4)
        centre = np.round((ext[:, 0] + ext[:, 1]) / 2)
        half: dict[float, float] = {}
        for c, w in zip(centre.tolist(), ((ext[:, 1] - ext[:, 0]) / 2).tolist()):
            half[c] = max(half.get(c, w), w)
        cols = sorted(half)
        channels = [(c + d + half[c] - half[d]) / 2 for c, d in zip(cols, cols[1:])
                    if d - half[d] - (c + half[c]) >= 8]
        return cls(names, {n: i for i, n in enumerate(names)}, ext, BoxGrid(ext),
                   np.array(channels, dtype=float))

    def others_hit(self, points, u: str, v: str) -> int:
        """How many boxes other than ``u``'s and ``v``'s have one of ``points`` inside."""
        own = {self.order[u], self.order[v]}
        return sum(1 for i in self.grid.hits(points).tolist() if i not in own)


#: The dog-legs tried for one arrow of the figure: along the channels that make the
#: shortest ways round (the shipped models' figures have fewer channels than this).
DOGLEG_CHANNELS = 24


def _rad_around_boxes(ax, boxes: dict, u: str, v: str, rad: float,
                      index: _BoxIndex | None = None) -> tuple[float, int]:
    """The bow (arc3 ``rad``) of the edge from ``u`` to ``v`` and how many other boxes
    it passes behind: ``rad`` if none (a box hides the line, so the arrow would seem to
    end there), else the bow nearest to it, on either side, that passes behind none and
    stays in the axes, else the one that passes behind the fewest (arc3 bends in display
    coordinates, so the test is made there). ``index``: the figure's boxes, if already
    filed (:class:`_BoxIndex`)."""
    index = index or _BoxIndex.of(ax, boxes)
    to_px = ax.transData.transform
    (x0, y0), (x1, y1) = (to_px(boxes[n].get_bbox().get_points().mean(axis=0)) for n in (u, v))
    t = np.linspace(0.04, 0.96, 80)[:, None]
    frame = ax.bbox.get_points()
    sizes = (0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8)
    tries = sorted({rad, *sizes, *(-r for r in sizes)}, key=lambda r: (abs(r - rad), -r * np.sign(rad)))
    best = None
    for r in tries:
        cx, cy = (x0 + x1) / 2 + r * (y1 - y0), (y0 + y1) / 2 - r * (x1 - x0)
        curve = ((1 - t) ** 2 * [x0, y0] + 2 * t * (1 - t) * [cx, cy] + t ** 2 * [x1, y1])
        if r != rad and not np.all((curve > frame[0]) & (curve < frame[1])):
            continue
        hits = index.others_hit(curve, u, v)
        if best is None or hits < best[0]:
            best = (hits, r)
        if not hits:
            break
    return best[1], best[0]


def _dogleg_around_boxes(ax, boxes: dict, u: str, v: str, index: _BoxIndex | None = None):
    """Where no bow clears the other boxes: the shortest dog-leg that does, out of the
    side of ``u``'s box, along a channel between two columns of boxes, and in at the
    side of ``v``'s, as a Path in data coordinates (None if there is none). The
    channels are tried shortest way round first (of two as short, the left one), the
    :data:`DOGLEG_CHANNELS` shortest at most."""
    from matplotlib.path import Path as MplPath
    index = index or _BoxIndex.of(ax, boxes)
    a, b = (index.ext[index.order[n]] for n in (u, v))       # x0, x1, y0, y1
    ay, by = (a[2] + a[3]) / 2, (b[2] + b[3]) / 2
    X = index.channels
    if abs(by - ay) < 20 or not len(X):
        return None
    sa = np.where(X > (a[0] + a[1]) / 2, 1, -1)
    sb = np.where(X > (b[0] + b[1]) / 2, 1, -1)
    p0x = np.where(sa > 0, a[1] + 2, a[0] - 2)
    p1x = np.where(sb > 0, b[1] + 3, b[0] - 3)
    clear = ~(((a[0] - 4 < X) & (X < a[1] + 4)) | ((b[0] - 4 < X) & (X < b[1] + 4)))
    length = np.abs(X - p0x) + abs(by - ay) + np.abs(X - p1x)
    ranked = [i for i in np.lexsort((np.arange(len(X)), length)).tolist() if clear[i]]
    t = np.linspace(0, 1, 40)[:, None]
    best = None
    for i in ranked[:DOGLEG_CHANNELS]:
        x, p0, p1 = float(X[i]), (float(p0x[i]), ay), (float(p1x[i]), by)
        legs = [(p0, (x, ay)), ((x, ay), (x, by)), ((x, by), p1)]
        pts = np.vstack([np.array(s0) + t * (np.array(s1) - np.array(s0)) for s0, s1 in legs])
        if not index.others_hit(pts, u, v):
            best = (x, p0, p1)
            break
    if best is None:
        return None
    x, p0, p1 = best
    # (rounded corners that leave a straight end for the arrowhead to point along)
    r = min(8.0, 0.4 * abs(x - p0[0]), 0.4 * abs(x - p1[0]), abs(by - ay) / 3)
    sy = 1 if by > ay else -1
    sa, sb = np.sign(x - p0[0]), np.sign(x - p1[0])
    verts = [p0, (x - sa * r, ay), (x, ay), (x, ay + sy * r), (x, by - sy * r), (x, by),
             (x - sb * r, by), p1]
    codes = [MplPath.MOVETO, MplPath.LINETO, MplPath.CURVE3, MplPath.CURVE3, MplPath.LINETO,
             MplPath.CURVE3, MplPath.CURVE3, MplPath.LINETO]
    return MplPath(ax.transData.inverted().transform(verts), codes)


def draw_pathway(graph: nx.DiGraph, activity: dict[str, float] | None = None, ax=None, *,
                 theme: str | Theme = "light", presenter: bool = False, colorbar: bool = True,
                 legend: bool = True, title: str | None = None, show_inactive: bool = True,
                 short_labels: bool = False, return_artists: bool = False, doglegs: bool = True):
    """Draw the pathway; return the Axes (and the updatable artists if asked).

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`pathway.graph.to_graph`.
    activity : dict, optional
        Node -> activity in -1..1 (see :func:`activity_at`); nodes left out are
        drawn empty.
    ax : matplotlib Axes, optional
    theme : "light" or "dark"
    presenter : bool
        Larger type and thicker lines, for projection.
    show_inactive : bool
        Draw the edges of switched-off hypotheses faintly (else leave them out).
    short_labels : bool
        Use the nodes' short labels (always on in presenter mode), for small panels.
    doglegs : bool
        Where no bow clears the other boxes, let an arrow turn along a channel between
        columns of boxes (leave off if the boxes move after drawing).
    """
    th = theme if isinstance(theme, Theme) else get_theme(theme, presenter)
    if ax is None:
        fig, ax = pathway_figure(th.name, th.presenter)
    fig = ax.figure
    ax.set_facecolor(th.background)
    ax.set_axis_off()
    lay = layout(graph)
    pos = lay.pos
    if not pos:
        raise UsageError("the graph has no connected nodes to draw")
    norm = Normalize(-1, 1)
    # the legend and colour bar first: the bar takes its room from the Axes, and the
    # legend sits under the lowest band, which leaves it enough room
    leg = None
    if legend:
        handles = [Line2D([], [], color=th.text, lw=1.6 * th.scale, linestyle=GRADE_STYLE[g],
                          label=f"{g} evidence") for g in GRADE_STYLE]
        handles += [Line2D([], [], color=th.activate, lw=1.6 * th.scale, marker=">",
                           markersize=6 * th.scale, label="activates"),
                    Line2D([], [], color=th.inhibit, lw=1.6 * th.scale, marker="|",
                           markersize=9 * th.scale, markeredgewidth=2 * th.scale, label="inhibits"),
                    Line2D([], [], color=th.metabolise, lw=1.6 * th.scale, label="metabolised to")]
        rodent = sum(1 for *_, d in graph.edges(data=True) if is_rodent(d.get("species", "")))
        if rodent:      # a key entry, not a line style: which arrows these are, explain names
            handles.append(Line2D([], [], color="none",
                                  label=f"rodent data only: {rodent} of {graph.number_of_edges()} arrows"
                                        "\n(see pathway explain)"))    # two lines: one would push the
                                                                        # colour bar's label off the figure
        if show_inactive and any(not d.get("active", True) for *_, d in graph.edges(data=True)):
            handles.append(Line2D([], [], color=th.muted, lw=1.6 * th.scale, alpha=0.35,
                                  label="hypothesis switched off"))
        if th.presenter:      # in a key strip under the Axes, the colour bar beside it
            leg = ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.005, 0.004),
                            bbox_transform=fig.transFigure, ncol=3, fontsize=th.fs(8), frameon=False,
                            labelcolor=th.text, handlelength=3.2, columnspacing=1.2)
        else:
            leg = ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, -0.02),
                            ncol=5, fontsize=th.fs(8), frameon=False,
                            labelcolor=th.text, handlelength=3.2, columnspacing=1.2)
        leg.set_zorder(5)
    fig_w, fig_h = fig.get_size_inches() * fig.dpi
    renderer = fig.canvas.get_renderer()
    legend_px = leg.get_window_extent(renderer).height + 6 if leg is not None else 0
    if colorbar:
        sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=th.cmap)
        label = "activity: change from resting level\n(drugs: fraction of peak plasma level)"
        if th.presenter:      # horizontal, right of the legend, its label above it
            line = th.fs(8.5) * fig.dpi / 72 / fig_h            # one line of the label or ticks
            strip = 4.6 * line + 0.022
            left = max(leg.get_window_extent(renderer).x1 / fig_w + 0.03 if leg is not None else 0, 0.5)
            cax = fig.add_axes([left, 0.008 + 1.4 * line, 0.985 - left, 0.022])
            cb = fig.colorbar(sm, cax=cax, orientation="horizontal")
            cb.ax.xaxis.set_label_position("top")
            cb.set_label(label, color=th.text, fontsize=th.fs(8.5), linespacing=1.1)
        else:
            cb = fig.colorbar(sm, ax=ax, fraction=0.018, pad=0.01, shrink=0.7)
            cb.set_label(label, color=th.text, fontsize=th.fs(8.5))
        cb.ax.tick_params(colors=th.text, labelsize=th.fs(8))
        cb.outline.set_edgecolor(th.muted)
    if th.presenter and (leg is not None or colorbar):
        # the Axes start above the key strip, which the legend then needs no room in
        box = ax.get_position()
        strip = max(legend_px / fig_h, strip if colorbar else 0) + 0.01
        if box.y0 < strip:
            ax.set_position([box.x0, strip, box.width, box.y1 - strip])
        legend_px = 0

    def frame(lay: Layout) -> float:
        """Set the limits for ``lay``; return the pixels per unit of height."""
        xs, ys = zip(*lay.pos.values())
        ax.set_xlim(min(xs) - (0.55 if th.presenter else 0.75), max(xs) + (0.75 if th.presenter else 0.6))
        # room for the top band's title and the lowest band's bottom, and a margin
        top = max(ys) + lay.height / 2 + lay.title_room + 0.1
        below = lay.height / 2 + BAND_PAD_BELOW + 0.06
        bottom = min(ys) - below
        if legend_px:
            room = legend_px / (ax.get_position().height * fig_h)
            # the legend's share of the Axes height must leave ``below`` clear of it
            bottom = min(bottom, min(ys) - (below + room * (top - min(ys))) / (1 - room))
        ax.set_ylim(bottom, top)
        return ax.get_position().height * fig_h / (top - bottom)

    # a band title's line (large in presenter mode) sits above the band's top boxes: if
    # it needs more room than the layout left, lay out again with that room (a little
    # more, as the taller layout gets a smaller scale)
    title_room = th.fs(8.5) * 1.1 * fig.dpi / 72 / frame(lay) + 0.06
    if title_room > lay.title_room:
        lay = layout(graph, title_room=1.08 * title_room)
        pos = lay.pos
        frame(lay)

    # nodes: in presenter mode, labels are 1/40 of the figure height (readable from the
    # back of a lecture hall), in a condensed face with the short labels
    fig_w_px, fig_h_px = fig.get_size_inches() * fig.dpi
    if th.presenter:
        # about 1/40 of the frame height (1/44: 24.5 px at 1080 p), the most that
        # fits eleven columns of a 16:9 frame with room left for the arrows
        font = fig_h_px / 44 * 72 / fig.dpi
        family, wrap, key, width = "condensed", 9, "short_label", 0.9
    elif short_labels:
        font, family, wrap, key, width = th.fs(10), "condensed", 9, "short_label", 0.9
    else:
        font, family, wrap, key, width = th.fs(8.6), "normal", 13, "label", 0.86
    texts = {n: "\n".join(textwrap.wrap(graph.nodes[n].get(key) or graph.nodes[n].get("label", n),
                                        wrap, break_long_words=False)) for n in pos}
    ax_h_px = ax.get_position().height * fig_h_px
    px_per_unit = ax_h_px / (ax.get_ylim()[1] - ax.get_ylim()[0])
    lines_max = max(t.count("\n") + 1 for t in texts.values())
    height = min(lay.height, max(0.5, (lines_max * 1.18 * font * fig.dpi / 72 + 8) / px_per_unit))
    # branch bands: behind the boxes the layout put in them
    titles = {d["branch"]: d.get("branch_title", "") for _, d in graph.nodes(data=True)}
    bands, band_titles = {}, {}
    for branch in lay.rows:
        members = [p for n, p in pos.items() if lay.band.get(n) == branch]
        if not members:
            continue
        x0, x1, y0, y1 = band_rect(members, height, lay.title_room if titles.get(branch) else BAND_PAD_ABOVE)
        bands[branch] = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0.02,rounding_size=0.12",
                                       facecolor=th.band, edgecolor="none", zorder=0)
        ax.add_patch(bands[branch])
        if titles.get(branch):
            band_titles[branch] = ax.text(x0 + 0.06, y1 - 0.03, titles[branch], ha="left", va="top",
                                          color=th.muted, fontsize=th.fs(8.5), style="italic", zorder=1)

    boxes, labels = {}, {}
    for n, (x, y) in pos.items():
        d = graph.nodes[n]
        value = None if activity is None else activity.get(n)
        face = th.cmap(norm(value)) if value is not None else th.background
        wide = 1.22 if d.get("kind") == "readout" and th.presenter else 1.0
        x = x + (wide - 1) * width / 2
        labels_x = x
        box = FancyBboxPatch((x - wide * width / 2, y - height / 2), wide * width, height,
                             boxstyle="round,pad=0.0,rounding_size=0.08", facecolor=face,
                             edgecolor=th.text, linewidth=1.1 * th.scale,
                             linestyle="-" if d.get("kind") != "drug" else (0, (3, 1.5)), zorder=3)
        ax.add_patch(box)
        boxes[n] = box
        labels[n] = ax.text(labels_x, y, texts[n], ha="center", va="center", fontsize=font,
                            family="DejaVu Sans", fontstretch=family, color=_ink(face, th),
                            zorder=4, linespacing=1.05)

    # edges
    back = _back_edges(graph)
    index = _BoxIndex.of(ax, boxes)
    for u, v, d in graph.edges(data=True):
        if u not in pos or v not in pos:
            continue
        active = d.get("active", True)
        if not active and not show_inactive:
            continue
        effect = d.get("effect", "activates")
        color = {"activates": th.activate, "inhibits": th.inhibit}.get(effect, th.metabolise)
        style = ("-[,widthB=0.55,lengthB=0" if effect == "inhibits" else "-|>,head_length=0.5,head_width=0.3")
        (x0, y0), (x1, y1) = pos[u], pos[v]
        if (u, v) in back or (v, u) in back:
            rad, hits = _rad_around_boxes(ax, boxes, u, v, 0.35, index)
        elif abs(x1 - x0) > 1.5:
            # long edges bow away from the main row, whose boxes they would cross
            # (arc3: a negative rad bows left of the direction of travel)
            hi, lo = max(y0, y1), min(y0, y1)
            if lo < -0.1 and hi <= 0.1:
                up = False
            else:
                up = True
            rad = (0.2 if abs(y1 - y0) < 0.1 else 0.12) * (-1 if up else 1) * np.sign(x1 - x0)
            rad, hits = _rad_around_boxes(ax, boxes, u, v, rad, index)
        else:           # a short edge stays straight unless that runs behind a box
            rad, hits = _rad_around_boxes(ax, boxes, u, v, 0.0, index)
        # a box hides the line behind it, so the arrow would seem to end there
        leg = _dogleg_around_boxes(ax, boxes, u, v, index) if hits and doglegs else None
        look = dict(arrowstyle=style, mutation_scale=11 * th.scale, color=color,
                    linewidth=1.5 * th.scale, linestyle=GRADE_STYLE.get(d.get("grade"), "-"),
                    alpha=1.0 if active else 0.3, zorder=2)
        if leg is not None:
            arrow = FancyArrowPatch(path=leg, **look)
        else:
            arrow = FancyArrowPatch(posA=(x0, y0), posB=(x1, y1), patchA=boxes[u], patchB=boxes[v],
                                    connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=3, **look)
        ax.add_patch(arrow)

    if title:
        ax.set_title(title, color=th.text, fontsize=th.fs(12), loc="left")
    _fit_labels(fig, boxes, labels)
    artists = PathwayArtists(boxes, labels, th, norm, bands, band_titles)
    return (ax, artists) if return_artists else ax


# ---------------------------------------------------------------- time courses

TIME_TICKS_H = [1 / 6, 1, 6, 24, 72, 168, 336, 672, 1344, 2688, 5376]
TIME_LABELS = ["10 min", "1 h", "6 h", "1 d", "3 d", "1 wk", "2 wk", "4 wk", "8 wk", "16 wk", "32 wk"]


def format_time_axis(ax, t_min_h: float = 1 / 6, t_max_h: float = 1344.0, theme: Theme | None = None,
                     label: bool = True, sparse: bool = False):
    """Logarithmic time axis with ticks in human units (10 min ... 8 wk); ``sparse``
    keeps every other tick (1 h, 1 d, 1 wk, 4 wk) for narrow plots."""
    th = theme or get_theme()
    ax.set_xscale("log")
    ax.set_xlim(t_min_h, t_max_h)
    keep = {"10 min", "1 h", "1 d", "1 wk", "8 wk", "32 wk"} if sparse else set(TIME_LABELS)
    ticks = [(t, lab) for t, lab in zip(TIME_TICKS_H, TIME_LABELS)
             if t_min_h <= t <= t_max_h * 1.001 and lab in keep]
    ax.set_xticks([t for t, _ in ticks])
    ax.set_xticklabels([lab for _, lab in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    if label:
        ax.set_xlabel("time since the first dose (log scale)", color=th.text, fontsize=th.fs(10))
    return ax


def _style_axes(ax, th: Theme):
    ax.set_facecolor(th.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(th.muted)
    ax.tick_params(colors=th.text, labelsize=th.fs(9))
    ax.grid(True, axis="y", color=th.muted, alpha=0.25, linewidth=0.6)


def line_color(traj: Trajectory, th: Theme, index: int) -> str:
    """An arm's colour: its drug's colour from the model file (the inert drug's for
    a placebo arm), else one of a colour-blind-safe cycle that keeps clear of the
    activity map's hues."""
    color = traj.roles.get("color_dark" if th.name == "dark" else "color")
    if color:
        return color
    return ARM_CYCLE[index % len(ARM_CYCLE)]


def plot_timecourse(trajectories, variable: str | None = None, ax=None, *, labels=None,
                    styles=None, theme: str | Theme = "light", presenter: bool = False,
                    t_min_h: float = 1 / 6, t_max_h: float | None = None, ylabel: str | None = None,
                    legend: bool = True, bands=None):
    """Plot ``variable`` of one or more trajectories against log time; return the Axes.

    Parameters
    ----------
    trajectories : Trajectory or list of Trajectory
    variable : str, optional
        A column name (``pathway list`` shows them); by default the primary outcome.
    labels, styles : list, optional
        A legend label and a line style per trajectory (default: the scenario name, solid).
    t_min_h, t_max_h : float
        The time window in hours (default 10 minutes to the longest trajectory).
    bands : list, optional
        A :class:`pathway.ensemble.Band` (or None) per trajectory, shaded in the arm's colour behind its curve,
        with one legend entry saying what the band is.
    """
    th = theme if isinstance(theme, Theme) else get_theme(theme, presenter)
    trajs = [trajectories] if isinstance(trajectories, Trajectory) else list(trajectories)
    if not trajs:
        raise UsageError("plot_timecourse needs at least one trajectory")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5), facecolor=th.background)
    labels = labels or [t.scenario for t in trajs]
    styles = styles or ["-"] * len(trajs)
    variable = variable or trajs[0].primary
    t_max_h = t_max_h or max(t.t_h[-1] for t in trajs)
    for i, (traj, lab, ls) in enumerate(zip(trajs, labels, styles)):
        keep = traj.t_h >= t_min_h * 0.999
        behind = traj.is_placebo              # a curve lying on the placebo arm stays visible
        ax.plot(traj.t_h[keep], traj[variable][keep], ls, color=line_color(traj, th, i),
                lw=(3.0 if behind else 2.2) * th.scale, label=lab, zorder=1 if behind else 3,
                alpha=0.6 if behind else 1.0)
    key = _draw_bands(ax, trajs, bands, th, t_min_h) if bands else []
    _style_axes(ax, th)
    format_time_axis(ax, t_min_h, t_max_h, th)
    ax.set_ylabel(ylabel or trajs[0].label(variable), color=th.text, fontsize=th.fs(10))
    if legend:
        handles, texts = ax.get_legend_handles_labels()
        ax.legend(handles + [h for h, _ in key], texts + [t for _, t in key], frameon=False, fontsize=th.fs(9),
                  labelcolor=th.text)
    return ax


#: Opacity of an ensemble band behind its arm's curve.
BAND_ALPHA = 0.22


def _draw_bands(ax, trajs, bands, th: Theme, t_min_h: float) -> list:
    """Each arm's ensemble band (lowest to highest member) in the arm's colour; the legend's (handle, text)."""
    from matplotlib.patches import Patch
    drawn = None
    for i, (traj, b) in enumerate(zip(trajs, bands)):
        if b is None:
            continue
        keep = b.t_h >= t_min_h * 0.999
        ax.fill_between(b.t_h[keep], b.low[keep], b.high[keep], color=line_color(traj, th, i),
                        alpha=BAND_ALPHA, lw=0, zorder=0)
        drawn = b
    if drawn is None:
        return []
    return [(Patch(color=th.muted, alpha=0.45, lw=0), f"shaded: {drawn.label} (lowest to highest, per arm)")]


def timecourse_figure(arms, *, labels=None, styles=None, theme="light", presenter=False,
                      t_max_h=None, figsize=None, bands=None):
    """Relief above; plasma level and dissociation below, on one log time axis.

    ``arms`` is a list of trajectories (e.g. ketamine, SSRI, placebo). Returns the figure.
    """
    th = get_theme(theme, presenter) if isinstance(theme, str) else theme
    fig, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=figsize or ((16, 9) if presenter else (10, 7.5)),
        gridspec_kw={"height_ratios": [2.2, 1]}, facecolor=th.background, layout="constrained")
    labels = labels or [a.scenario for a in arms]
    styles = styles or ["-"] * len(arms)
    plot_timecourse(arms, None, ax=top, labels=labels, styles=styles, theme=th, t_max_h=t_max_h, bands=bands)
    top.set_xlabel("")
    top.set_ylim(0, 1)
    plotted = False
    for i, (traj, lab, ls) in enumerate(zip(arms, labels, styles)):
        color = line_color(traj, th, i)
        for column in traj.roles.get("plasma", []):
            if column in traj and traj[column].max() > 1e-3:
                keep = traj.t_h >= 1 / 6
                bottom.plot(traj.t_h[keep], traj[column][keep], ls, color=color, lw=1.8 * th.scale,
                            label=f"{lab}: {traj.label(column)}")
                plotted = True
                break
    bottom.set_ylabel("plasma (ng/mL)", color=th.text, fontsize=th.fs(10))
    _style_axes(bottom, th)
    if plotted:
        bottom.set_yscale("log")
        bottom.set_ylim(0.3, 600)
    twin = bottom.twinx()
    side = next(iter(arms[0].roles.get("side_effects", [])), None) if arms else None
    for i, (traj, lab, ls) in enumerate(zip(arms, labels, styles)):
        if side and side in traj and traj[side].max() > 1e-3:
            keep = traj.t_h >= 1 / 6
            twin.fill_between(traj.t_h[keep], traj[side][keep], color=line_color(traj, th, i),
                              alpha=0.18, lw=0)
    twin.set_ylim(0, 1)
    if side:
        twin.set_ylabel(f"{arms[0].label(side).lower()} (shaded)", color=th.text,
                        fontsize=th.fs(10))
    twin.tick_params(colors=th.text, labelsize=th.fs(9))
    for side in ("top",):
        twin.spines[side].set_visible(False)
    format_time_axis(bottom, 1 / 6, t_max_h or max(a.t_h[-1] for a in arms), th)
    if plotted:
        bottom.legend(frameon=False, fontsize=th.fs(8), labelcolor=th.text, loc="upper right")
    return fig


def pathway_figure(theme: str = "light", presenter: bool = False):
    """A figure and Axes sized for the pathway: 1920x1080 px in presenter mode."""
    th = get_theme(theme, presenter)
    size = (19.2, 10.8) if presenter else (16, 8.6)
    fig, ax = plt.subplots(figsize=size, facecolor=th.background, dpi=100)
    # the standard figure keeps room on the right for the vertical colour bar's label
    fig.subplots_adjust(left=0.01, right=0.99 if presenter else 0.955, top=0.94, bottom=0.03)
    return fig, ax


def save_pathway_figure(graph: nx.DiGraph, path, *, activity=None, theme: str = "light",
                        presenter: bool = False, title: str | None = None, dpi: int = 100) -> None:
    """Draw the pathway and save it (PNG, SVG or PDF, by suffix)."""
    th = get_theme(theme, presenter)
    fig, ax = pathway_figure(theme, presenter)
    draw_pathway(graph, activity, ax=ax, theme=th,
                 title=title or f"The pathway model: {graph.graph.get('name', '')}")
    # presenter output is exactly 1920x1080; the standard figure is trimmed to its content
    with _target(path) as out:
        fig.savefig(out, dpi=dpi, facecolor=th.background,
                    bbox_inches=None if presenter else "tight")
    plt.close(fig)


def save_timecourse_figure(arms, path, *, labels=None, styles=None, theme: str = "light",
                           presenter: bool = False, dpi: int = 120, title: str | None = None, bands=None):
    """The two-panel time-course figure, saved by suffix (PNG, SVG or PDF); ``bands`` as for
    :func:`plot_timecourse`."""
    fig = timecourse_figure(arms, labels=labels, styles=styles, theme=theme, presenter=presenter, bands=bands)
    th = get_theme(theme, presenter)
    if title:
        fig.suptitle(title, color=th.text, fontsize=th.fs(13), x=0.02, ha="left")
    with _target(path) as out:
        fig.savefig(out, dpi=dpi, facecolor=th.background)
    plt.close(fig)


def _target(path):
    """A file path is written atomically (temporary name, then rename); a file
    object is written as it is."""
    if isinstance(path, (str, os.PathLike)):
        from .atomicio import atomic_path
        return atomic_path(path)
    return contextlib.nullcontext(path)


# ---------------------------------------------------------------- fast redraws

def text_overlay(fig, texts) -> list:
    """Render ``texts`` alone on the figure's cleared Agg buffer and keep each one's
    pixels and alpha, to be blended over later frames with :func:`blend_overlay`.
    Text is the slowest thing to draw, and labels rarely change."""
    canvas = fig.canvas
    renderer = canvas.get_renderer()
    renderer.clear()
    for t in texts:
        fig.draw_artist(t)
    overlay = np.asarray(canvas.buffer_rgba())
    height = canvas.get_width_height()[1]
    patches = []
    for t in texts:
        if not t.get_text():
            continue
        ext = t.get_window_extent(renderer).expanded(1.08, 1.25)
        x0, x1 = max(int(ext.x0), 0), int(np.ceil(ext.x1))
        y0, y1 = max(height - int(np.ceil(ext.y1)), 0), height - int(ext.y0)
        rgba = overlay[y0:y1, x0:x1].astype(np.uint16)
        alpha = rgba[..., 3:4]
        # premultiplied colour and inverse alpha in 1/255 steps: blending is integer math
        patches.append((y0, y1, x0, x1, rgba[..., :3] * alpha, 255 - alpha))
    return patches


def blend_overlay(buf: np.ndarray, patches: list) -> None:
    """Alpha-blend pre-rendered text patches into an RGBA frame buffer, in place."""
    for y0, y1, x0, x1, premultiplied, inverse in patches:
        region = buf[y0:y1, x0:x1, :3]
        region[...] = (premultiplied + region * inverse + 127) // 255
