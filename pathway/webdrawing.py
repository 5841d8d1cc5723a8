"""The explorer's pathway drawing, worked out in Python for the page to draw.

The figure's layout (:func:`pathway.plotting.layout`: columns, rows, bands) is
turned into pixels for a page of a given width, and every arrow is routed
around the boxes there. The page (``pathway/web/app.js``) recomputes none of
this: it draws boxes, labels, bands, titles and arrow paths as a drawing says.

A drawing is made for each of :data:`WIDTHS`. The page takes the widest that
fits the room it has and scales it up to fill that room (by less than an
eighth); a scaled drawing keeps every property checked here, such as no arrow
running through a box. Where each column of the figure would get fewer than
:data:`MIN_COLUMN` pixels, the drawing turns: columns run top to bottom and
each band takes a lane of its own (as on a phone).

Arrows: a straight line or, if that crosses a box or a band's title, the
gentlest curve that does not (a bow, or a side-step that leaves its box
sideways), staying in the drawing; where no single curve clears the boxes, a
dog-leg along a channel between columns of boxes, out of and into the sides of
boxes that no arrow to a neighbour in the same row uses. An arrow whose level
end would run on from another arrow's at another box (the two would read as one
arrow between those boxes) counts as blocked, unless the two share a node. Where
nothing clears everything, a band's title is crossed rather than a box. Of an
arrow and its partner running back, the second curves apart. Each path is SVG
path data (cubic Béziers), in the drawing's pixels.

Labels and band titles are measured in DejaVu Sans, which is at least as wide
as the page's usual system fonts, so text fits the room kept for it.
"""

from __future__ import annotations

import functools
import json
import math
import re

import numpy as np

from .boxgrid import BoxGrid

#: The widths (pixels) a drawing is made for; the page draws the widest that fits.
WIDTHS = (300, 335, 370, 410, 455, 505, 560, 620, 685, 760, 840, 930, 1020, 1100)
#: A band title's type size (pixels), and the least a long one shrinks to.
TITLE_FONT, TITLE_FONT_MIN = 11.5, 8.5
#: Gap between stacked boxes in a lane; the least room a figure column may get.
NODE_GAP, MIN_COLUMN = 20, 62
#: Boxes stand this much shorter than the layout's tallest, so stacked boxes keep a clear gap.
STACK_GAP = 6
#: Margin around the drawing.
PAD = 8
#: The smallest type a box's label is set in before its long words are hyphenated.
LABEL_MIN = 9


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, italic: bool = False) -> float:
    """Width in pixels of ``text`` set in DejaVu Sans at ``size`` pixels."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    prop = FontProperties(family="DejaVu Sans", style="italic" if italic else "normal", size=size)
    return float(TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0])


def band_title(text: str, room: float, wrap_lines: bool) -> dict:
    """A band's title: one line shrunk to fit ``room``, or (``wrap_lines``) wrapped
    into lines that fit it, shrunk only if one word is wider."""
    size, lines = TITLE_FONT, [text]
    if wrap_lines:
        lines, line = [], ""
        for w in text.split(" "):
            if line and text_width(line + " " + w, size, True) > room:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        lines.append(line)
    widest = max(text_width(line, size, True) for line in lines)
    if widest > room:
        size = max(TITLE_FONT_MIN, size * room / widest)
        widest = widest * size / TITLE_FONT
    return {"lines": lines, "size": size, "width": widest, "height": len(lines) * size * 1.2 + 3}


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters where possible, broken at spaces and
    after hyphens (not after a prefix of one or two characters, as in S-ketamine)."""
    lines, line, glue = [], "", ""
    for w in re.findall(r"(?:[^\s-]{1,2}-)?[^\s-]+-?|-", str(text)):
        joined = line + glue + w
        if line and len(joined) > width:
            lines.append(line)
            line = w
        else:
            line = joined
        glue = "" if w.endswith("-") else " "
    return lines + [line] if line else lines


def _hyphenate(text: str) -> str:
    """``text`` with each word of more than seven letters broken in two by a hyphen,
    at the syllable break nearest its middle: between two consonants, or after a
    vowel that a consonant and a vowel follow."""
    def vowel(c):
        return c.lower() in "aeiouy"

    def cut(m):
        w = m.group(0)
        breaks = [k for k in range(3, len(w) - 2)
                  if not vowel(w[k - 1]) and not vowel(w[k])
                  or vowel(w[k - 1]) and not vowel(w[k]) and vowel(w[k + 1])]
        k = min(breaks, key=lambda k: (abs(k - len(w) / 2), k)) if breaks else (len(w) + 1) // 2
        return w[:k] + "-" + w[k:]
    return re.sub(r"[^\W\d_]{8,}", cut, text)


def fit_label(text: str, box_w: float, box_h: float) -> dict:
    """A box's label: the lines and type size (pixels) that fit it, at most 15 px (in a
    narrow box 11.5 px). The wrapping that allows the largest type wins, a further line
    only for type at least a pixel larger; where that is under :data:`LABEL_MIN`, the
    long words are hyphenated if that gives larger type."""
    base = max(11.5, min(15, box_w / 6.6))
    room_w, room_h = box_w - 6, box_h - 4

    def best_of(label):
        best = None
        for width in range(max(len(label), 1), 0, -1):      # from one line to many
            lines = wrap(label, width)
            per_px = max(text_width(line, 10) for line in lines) / 10
            size = min(base, room_w / per_px, room_h / (len(lines) * 1.12))
            if best is None or size > best["size"] + (1 if len(lines) > len(best["lines"]) else 0):
                best = {"lines": lines, "size": size}
        return best

    best = best_of(text)
    if best["size"] < LABEL_MIN and _hyphenate(text) != text:
        best = max(best, best_of(_hyphenate(text)), key=lambda b: b["size"])
    return {"lines": best["lines"], "size": round(best["size"], 2)}


# ---------------------------------------------------------------- geometry

def _figure_geometry(width, placed, branches, box_height, title_room) -> dict:
    """Columns left to right, as in the figure; each band the layout's rectangle with
    its title inside at the top left, in the room the layout leaves above its boxes."""
    named = [b for b in branches if branches[b]["rect"]]
    xs, ys = [], []
    for n in placed:
        xs += [n["x"] - 0.5, n["x"] + 0.5]
        ys += [n["y"] - box_height / 2, n["y"] + box_height / 2]
    for b in named:
        r = branches[b]["rect"]
        xs += [r[0], r[1]]
        ys += [r[2], r[3]]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    col = (width - 2 * PAD) / (x1 - x0)
    # rows far enough apart for a title line above a band's top boxes, and for boxes of two lines
    row = max((TITLE_FONT * 1.2 + 4) / title_room, (32 + STACK_GAP) / box_height, min(90, col * 0.75))

    def X(x):
        return PAD + (x - x0) * col

    def Y(y):
        return PAD + (y1 - y) * row

    g = {"vertical": False, "W": width, "H": math.ceil(Y(y0) + PAD), "pos": {}, "bands": [],
         "boxW": col * 0.86, "boxH": min(box_height * row - STACK_GAP, 56)}
    for n in placed:
        g["pos"][n["id"]] = (X(n["x"]), Y(n["y"]))
    for b in named:
        r = branches[b]["rect"]
        band = {"name": b, "x": X(r[0]), "y": Y(r[3]), "w": (r[1] - r[0]) * col, "h": (r[3] - r[2]) * row,
                "title": None}
        if branches[b]["title"]:
            band["title"] = band_title(branches[b]["title"], band["w"] - 10, False)
        g["bands"].append(band)
    return g


def _lane_geometry(width, placed, branches) -> dict:
    """Columns top to bottom: the boxes stacked in one cell of a band follow each
    other down, and each band (in row order) takes the leftmost lane free over its
    whole length, title included, so bands never overlap."""
    gap, side, box_h = 6, 3, 42
    step = box_h + NODE_GAP
    groups, cells, columns = {}, {}, []
    for n in placed:
        b = n["band"]
        key = ("b", b) if b and b in branches and branches[b]["rect"] else ("n", n["id"])
        if key not in groups:
            groups[key] = {"key": key, "band": b if key[0] == "b" else None, "nodes": [],
                           "row": branches[b]["row"] if key[0] == "b" else n["y"]}
        groups[key]["nodes"].append(n)
        cells.setdefault((n["x"], key), []).append(n)
        columns.append(n["x"])
    columns = sorted(set(columns))
    by_column: dict[float, list] = {}
    for (x, _), stack in cells.items():
        by_column.setdefault(x, []).append(stack)
    # each column takes as many slots down the page as its tallest stack
    k, slot = 0, {}
    for c in columns:
        mine = by_column[c]
        most = max([1] + [len(s) for s in mine])
        for stack in mine:
            for i, n in enumerate(sorted(stack, key=lambda n: -n["y"])):
                slot[n["id"]] = k + (most - len(stack)) / 2 + i
        k += most
    items = sorted(groups.values(), key=lambda grp: (grp["row"], " ".join(grp["key"])))

    # a box leaves wide lanes room on both sides for the arrows that pass it
    def box_for(lane_w):
        return min(lane_w - gap - 2 * side, max(60, lane_w * 0.8), 120)

    def band_side(lane_w):
        return min(8, (lane_w - gap - box_for(lane_w)) / 2)

    lane_w, lanes = width - 2 * PAD, 0
    for _ in range(4):
        box_w = box_for(lane_w)
        for grp in items:
            slots = [slot[n["id"]] for n in grp["nodes"]]
            title = branches[grp["band"]]["title"] if grp["band"] else None
            grp["title"] = band_title(title, box_w + 2 * band_side(lane_w) - 8, True) if title else None
            grp["top"] = min(slots) * step - box_h / 2 - (
                5 + (grp["title"]["height"] if grp["title"] else 0) if grp["band"] else 0)
            grp["bottom"] = max(slots) * step + box_h / 2 + (5 if grp["band"] else 0)
        done = []
        for grp in items:
            grp["lane"] = 0
            for o in done:
                if o["top"] < grp["bottom"] + gap and grp["top"] < o["bottom"] + gap:
                    grp["lane"] = max(grp["lane"], o["lane"] + 1)
            done.append(grp)
        count = 1 + max(grp["lane"] for grp in items)
        new_w = min((width - 2 * PAD) / count, 150)
        if count == lanes and abs(new_w - lane_w) < 0.5:
            break
        lanes, lane_w = count, new_w
    left = (width - lanes * lane_w) / 2
    top = PAD - min(grp["top"] for grp in items)
    g = {"vertical": True, "W": width, "pos": {}, "bands": [], "boxW": box_for(lane_w), "boxH": box_h,
         "H": math.ceil(top + max(grp["bottom"] for grp in items) + PAD)}
    for grp in items:
        x = left + (grp["lane"] + 0.5) * lane_w
        for n in grp["nodes"]:
            g["pos"][n["id"]] = (x, top + slot[n["id"]] * step)
        if grp["band"]:
            g["bands"].append({"name": grp["band"], "x": x - g["boxW"] / 2 - band_side(lane_w),
                               "y": top + grp["top"], "w": g["boxW"] + 2 * band_side(lane_w),
                               "h": grp["bottom"] - grp["top"], "title": grp["title"]})
    # the nodes in the model's order (the order the page draws them in)
    g["pos"] = {n["id"]: g["pos"][n["id"]] for n in placed}
    return g


# ---------------------------------------------------------------- arrows

def _shapes(g, hw, tracks, busy):
    """Candidate shapes of an arrow, cheapest first (see :func:`_route_edges`). A dog-leg
    leaves no box and enters none at a side in ``busy`` ((box centre, +1 or -1) for the
    right or left side), where an arrow to the next box in its row already runs."""
    pos = g["pos"]

    def clip(p, q):                 # leave a box at its edge, heading for the point q
        sx, sy = q[0] - p[0], q[1] - p[1]
        length = math.hypot(sx, sy) or 1
        sx, sy = sx / length, sy / length
        t = min(math.inf if sx == 0 else (g["boxW"] / 2 + 2) / abs(sx),
                math.inf if sy == 0 else (g["boxH"] / 2 + 2) / abs(sy))
        return (p[0] + sx * t, p[1] + sy * t)

    shapes = []

    def bow_shape(bow):
        # a quadratic bow through c, written as a cubic from the box edges
        def controls(a, b, nx, ny, length):
            c = ((a[0] + b[0]) / 2 + bow * length * nx, (a[1] + b[1]) / 2 + bow * length * ny)
            p0, p1 = clip(a, c), clip(b, c)
            return [p0, (p0[0] + 2 / 3 * (c[0] - p0[0]), p0[1] + 2 / 3 * (c[1] - p0[1])),
                    (p1[0] + 2 / 3 * (c[0] - p1[0]), p1[1] + 2 / 3 * (c[1] - p1[1])), p1]
        return {"kind": "bow", "mid": lambda length: bow * length / 2, "cost": abs(bow),
                "controls": controls}

    f = 0.0
    while f < 0.95:
        shapes.append(bow_shape(f))
        if f:
            shapes.append(bow_shape(-f))
        f += 0.06

    def step_shape(h, side, lead):
        # a side-step: leave sideways (and a little ahead), arrive the same way
        # (lead -1: the control points beside the box centres, a tighter turn)
        def controls(a, b, nx, ny, length):
            k = max(lead, 0)
            o1 = (side * nx + k * (b[0] - a[0]), side * ny + k * (b[1] - a[1]))
            o2 = (side * nx - k * (b[0] - a[0]), side * ny - k * (b[1] - a[1]))
            p0, p1 = clip(a, (a[0] + o1[0], a[1] + o1[1])), clip(b, (b[0] + o2[0], b[1] + o2[1]))
            s0, s1 = (a, b) if lead < 0 else (p0, p1)
            return [p0, (s0[0] + o1[0], s0[1] + o1[1]), (s1[0] + o2[0], s1[1] + o2[1]), p1]
        return {"kind": "step", "mid": lambda length: 0.75 * side,
                "cost": 0.3 + h / 150 + abs(lead) / 5, "controls": controls}

    for h in (20, 30, 40, 50, 62, 75):
        for side in (h, -h):
            for lead in (0, 0.2, -1):
                shapes.append(step_shape(h, side, lead))

    # a dog-leg: out of the side of its box into a channel between columns of boxes,
    # along the channel, and in at the side of the target (where no single curve clears
    # the boxes stacked in a column, as on a phone); the arrows sharing a channel take
    # tracks side by side where it is wide enough
    xs = sorted({math.floor(p[0] + 0.5) for p in pos.values()})
    channels = [(xs[0] - hw - 8, 6), (xs[-1] + hw + 8, 6)]
    for left, right in zip(xs, xs[1:]):
        room = right - left - 2 * hw
        if room >= 2:          # (room between the boxes' 3 px margins: 8 px between boxes)
            channels.append(((left + right) / 2, room / 2 - 1))

    def dogleg_shape(cx, half):
        def controls(a, b):
            lo, hi = min(a[1], b[1]) - 6, max(a[1], b[1]) + 6
            used = tracks.get(cx, [])
            # the first free track: the middle, then alternately either side, 4 px apart
            free = [o for o in (0, 4, -4, 8, -8, 12, -12, 16, -16)
                    if abs(o) <= half and not any(abs(u[0] - o) < 3 and u[1] < hi and u[2] > lo for u in used)]
            off = free[0] if free else None
            X = cx + (off or 0)
            sa, sb, sy = (1 if X > a[0] else -1), (1 if X > b[0] else -1), (1 if b[1] > a[1] else -1)
            if abs(X - a[0]) < hw or abs(X - b[0]) < hw or (a, sa) in busy or (b, sb) in busy:
                return None
            p0, p1 = (a[0] + sa * (g["boxW"] / 2 + 2), a[1]), (b[0] + sb * (g["boxW"] / 2 + 2), b[1])
            # (rounded corners, and a straight end for the arrowhead to point along)
            r = min(10, abs(X - p0[0]), 0.75 * abs(X - p1[0]), abs(b[1] - a[1]) / 3)
            if r < 1.5:
                return None
            ends = [(a[1], min(p0[0], X), max(p0[0], X), a), (b[1], min(p1[0], X), max(p1[0], X), b)]
            q1, q2, q3, q4 = (X - sa * r, a[1]), (X, a[1] + sy * r), (X, b[1] - sy * r), (X - sb * r, b[1])

            def line(u, v):
                return [u, (u[0] + (v[0] - u[0]) / 3, u[1] + (v[1] - u[1]) / 3),
                        (u[0] + 2 * (v[0] - u[0]) / 3, u[1] + 2 * (v[1] - u[1]) / 3), v]
            segs = [line(p0, q1), [q1, (q1[0] + sa * 0.55 * r, a[1]), (X, q2[1] - sy * 0.55 * r), q2],
                    line(q2, q3), [q3, (X, q3[1] + sy * 0.55 * r), (q4[0] + sb * 0.55 * r, b[1]), q4],
                    line(q4, p1)]
            # a longer way round costs more: the shortest dog-leg that clears everything wins
            detour = (abs(X - p0[0]) + abs(b[1] - a[1]) + abs(X - p1[0])) / (
                math.hypot(b[0] - a[0], b[1] - a[1]) or 1)
            return {"segs": segs, "cost": 1.2 + detour / 4, "ends": ends,
                    "track": None if off is None else (cx, off, lo, hi)}
        return {"kind": "dogleg", "mid": lambda length: 1e4 + cx, "cost": 1.2, "controls": controls,
                "channel": cx}

    for cx, half in channels:
        if 4 < cx < g["W"] - 4:
            shapes.append(dogleg_shape(cx, half))
    return sorted(shapes, key=lambda s: s["cost"])


def _level_ends(segs, a, b) -> list:
    """The ends of a curve that leave or enter their box level (a side-step's), as
    (y, x0, x1, box centre) over the stretch to the nearest control point."""
    out = []
    for (p, c), box in (((segs[0][0], segs[0][1]), a), ((segs[-1][3], segs[-1][2]), b)):
        if abs(c[1] - p[1]) < 1 and abs(c[0] - p[0]) >= 1:
            out.append((p[1], min(p[0], c[0]), max(p[0], c[0]), box))
    return out


#: The dog-legs tried for one arrow: those along the channels nearest its ends (a
#: drawing of the shipped models has fewer channels than this, so all are tried).
DOGLEG_CHANNELS = 24


def _samples(q, least: int) -> np.ndarray:
    """Points along the cubic segment ``q``, every 2 px or closer (the control polygon is
    at least as long as the curve), so that no corner of a box slips between two."""
    q = np.asarray(q, dtype=float)
    span = float(np.hypot(*np.diff(q, axis=0).T).sum())
    samples = max(least, math.ceil(span / 2))
    t = (np.arange(samples + 1) / samples)[:, None]
    u = 1 - t
    return u ** 3 * q[0] + 3 * u * u * t * q[1] + 3 * u * t * t * q[2] + t ** 3 * q[3]


def _in_turn(plain: list, doglegs: list, a, b, reach: float, length: float, best):
    """The shapes an arrow tries, in order: the curves (cheapest first), then the
    dog-legs along the :data:`DOGLEG_CHANNELS` channels nearest its ends, the shortest
    way round first, until no further one could score better than ``best()`` (a
    dog-leg's score is at least its cost, which grows with its detour)."""
    yield from plain
    def bound(shape):       # the least cost the channel's dog-leg can have
        cx = shape["channel"]
        # (a track runs at most 16 px beside the channel's middle)
        least = abs(cx - a[0]) + abs(cx - b[0]) - 2 * (reach + 16) + abs(b[1] - a[1])
        return 1.2 + max(least, 0.0) / length / 4
    ranked = sorted(doglegs, key=bound)[:DOGLEG_CHANNELS]
    for shape in ranked:
        found = best()
        if found is not None and bound(shape) > found["score"]:
            return
        yield shape


def _route_edges(g: dict, edges: list) -> dict:
    """Each arrow's route: ``{edge index: (segments, middle)}`` (see the module docstring)."""
    pos = g["pos"]
    hw, hh = g["boxW"] / 2 + 3, g["boxH"] / 2 + 3
    names = list(pos) + ["title " + b["name"] for b in g["bands"] if b["title"]]
    rects = [(p[0] - hw, p[0] + hw, p[1] - hh, p[1] + hh) for p in pos.values()]
    for b in g["bands"]:
        if b["title"]:
            t = b["title"]
            t["x"], t["y"] = b["x"] + 5, b["y"] + 2
            rects.append((t["x"] - 2, t["x"] + t["width"] + 2, t["y"], t["y"] + t["height"]))
    rects = np.array(rects, dtype=float)
    grid = BoxGrid(rects)
    index = {n: i for i, n in enumerate(names)}
    n_boxes = len(pos)          # the boxes come first in ``names``, the titles after
    tracks: dict[float, list] = {}
    busy = set()
    for e in edges:
        if e["source"] in pos and e["target"] in pos:
            a, b = pos[e["source"]], pos[e["target"]]
            if abs(a[1] - b[1]) < 1 and a[0] != b[0]:
                side = 1 if b[0] > a[0] else -1
                busy |= {(a, side), (b, -side)}
    # the level ends of the arrows routed so far, (y, x0, x1, box centre, the arrow's
    # nodes): an arrow whose level end runs along another's at another box would read as
    # one arrow between those boxes (unless the two share a node: a fork, or a merge)
    # (filed by y in steps of 4 px, so that a check looks only at level ends nearby)
    legs: dict[int, list[tuple]] = {}
    shapes = _shapes(g, hw, tracks, busy)
    plain = [s for s in shapes if s["kind"] != "dogleg"]
    doglegs = [s for s in shapes if s["kind"] == "dogleg"]
    rank = {id(s): i for i, s in enumerate(shapes)}
    chosen, routes = {}, {}
    for e in edges:
        if e["source"] not in pos or e["target"] not in pos:
            continue
        a, b = pos[e["source"]], pos[e["target"]]
        if e["source"] == e["target"]:
            # a loop: out of the top (the bottom, near the drawing's top), round, and in
            # at the right (the left, near the drawing's right edge)
            sx = 1 if a[0] + g["boxW"] / 2 + 16 < g["W"] else -1
            sy = -1 if a[1] - g["boxH"] / 2 - 16 > 0 else 1
            top, side = a[1] + sy * (g["boxH"] / 2 + 2), a[0] + sx * (g["boxW"] / 2 + 2)
            routes[e["index"]] = [[(a[0] + sx * g["boxW"] / 4, top), (a[0] + sx * g["boxW"] / 4, top + sy * 14),
                                   (side + sx * 14, a[1]), (side, a[1])]]
            continue
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1
        nx, ny = dy / length, -dx / length
        # the curve's side in the frame of the pair's sorted ends, to compare with a partner's
        flip = 1 if e["source"] < e["target"] else -1
        pair = (e["source"], e["target"]) if flip > 0 else (e["target"], e["source"])
        # (the arrow's own boxes count only where it runs back into them)
        own = {index[e["source"]]: 4.0, index[e["target"]]: 4.0}
        mine = {e["source"], e["target"]}
        best = None
        for shape in _in_turn(plain, doglegs, a, b, g["boxW"] / 2 + 2, length, lambda: best):
            mid = shape["mid"](length)
            if pair in chosen and abs(mid * flip - chosen[pair]) < 10:
                continue
            leg = shape["controls"](a, b) if shape["kind"] == "dogleg" else None
            if shape["kind"] == "dogleg" and leg is None:
                continue
            cost = leg["cost"] if leg else shape["cost"]
            segs = leg["segs"] if leg else [shape["controls"](a, b, nx, ny, length)]
            pts = np.concatenate([_samples(q, 4 if leg else 16) for q in segs])
            x, y = pts[:, 0], pts[:, 1]
            out = bool(np.any((x < 2) | (x > g["W"] - 2) | (y < 2) | (y > g["H"] - 2)))
            hit = grid.hits(pts, own)
            boxes = int((hit < n_boxes).sum())
            titles = len(hit) - boxes
            ends = leg["ends"] if leg else _level_ends(segs, a, b)
            joins = sum(abs(y - v) < 4 and x0 < u1 + 4 and u0 < x1 + 4 and box != other and not mine & nodes
                        for y, x0, x1, box in ends
                        for k in (math.floor(y / 4) - 1, math.floor(y / 4), math.floor(y / 4) + 1)
                        for v, u0, u1, other, nodes in legs.get(k, ()))
            # running over a band's title is bad, through a box worse: it reads as a link; a
            # side-step or dog-leg only where it misses everything (a bow reads better
            # otherwise), unless it misses every box and nothing else does
            score = (100 * out + 30 * boxes + 10 * joins + 4 * titles
                     + (20 if (boxes or joins or titles) and shape["kind"] != "bow" else 0) + cost)
            if best is None or (score, rank[id(shape)]) < (best["score"], best["rank"]):
                best = {"score": score, "segs": segs, "mid": mid, "track": leg and leg["track"],
                        "ends": ends, "rank": rank[id(shape)]}
            # clear of everything, titles too: no later (costlier) shape does better, except
            # a shorter dog-leg than the first one that clears (their costs are known only here)
            if not (out or boxes or joins or titles) and shape["kind"] != "dogleg":
                break
        if best["track"]:
            tracks.setdefault(best["track"][0], []).append(best["track"][1:])
        for end in best["ends"]:
            legs.setdefault(math.floor(end[0] / 4), []).append((*end, frozenset(mine)))
        chosen[pair] = best["mid"] * flip
        routes[e["index"]] = best["segs"]
    return routes


# ---------------------------------------------------------------- export

def _n(v: float) -> float:
    return round(float(v), 1) + 0.0     # (no -0.0)


def _path(segs) -> str:
    """SVG path data of cubic segments, to 0.1 px."""
    pt = lambda p: f"{_n(p[0]):g},{_n(p[1]):g}"     # noqa: E731
    return "M" + pt(segs[0][0]) + "".join(f" C{pt(q[1])} {pt(q[2])} {pt(q[3])}" for q in segs)


def _middle(segs) -> tuple[float, float]:
    """The middle of the middle segment: where the page marks a cut or weakened arrow."""
    p0, c1, c2, p1 = segs[len(segs) // 2]
    return tuple(_n((p0[i] + p1[i]) / 8 + 3 * (c1[i] + c2[i]) / 8) for i in range(2))


def drawing(width: float, nodes: list, branches: dict, edges: list, box_height: float,
            title_room: float) -> dict:
    """The drawing for a page ``width`` pixels wide, from the exported nodes (with the
    layout's ``x``, ``y`` and ``band``), branches (``row``, ``rect``, ``title``) and edges
    (``index``, ``source``, ``target``): the size, each box's centre and label (its
    short label fitted, :func:`fit_label`) and the boxes' size, each band's rectangle
    and title, and each arrow's path and middle."""
    placed = [n for n in nodes if n["x"] is not None]
    xs = [v for n in placed for v in (n["x"] - 0.5, n["x"] + 0.5)]
    xs += [v for b in branches.values() if b["rect"] for v in b["rect"][:2]]
    span = max(xs) - min(xs)
    if (width - 2 * PAD) / span < MIN_COLUMN:
        g = _lane_geometry(width, placed, branches)
    else:
        g = _figure_geometry(width, placed, branches, box_height, title_room)
    routes = _route_edges(g, edges)
    bands = []
    for b in g["bands"]:
        band = {"name": b["name"], "x": _n(b["x"]), "y": _n(b["y"]), "w": _n(b["w"]), "h": _n(b["h"])}
        if b["title"]:
            t = b["title"]
            band["title"] = {"lines": t["lines"], "size": round(t["size"], 2), "x": _n(t["x"]),
                             "y": _n(t["y"]), "width": _n(t["width"]), "height": _n(t["height"])}
        bands.append(band)
    short = {n["id"]: n.get("short_label") or n.get("label") or n["id"] for n in placed}
    return {"width": width, "height": g["H"], "vertical": g["vertical"],
            "box": [_n(g["boxW"]), _n(g["boxH"])],
            "nodes": {n: [_n(x), _n(y)] for n, (x, y) in g["pos"].items()},
            "labels": {n: fit_label(short[n], g["boxW"], g["boxH"]) for n in g["pos"]},
            "bands": bands,
            "edges": {str(i): {"d": _path(segs), "middle": list(_middle(segs))}
                      for i, segs in routes.items()}}


def drawings(nodes: list, branches: dict, edges: list, box_height: float, title_room: float) -> list:
    """One :func:`drawing` for each of :data:`WIDTHS`, narrowest first (kept for the
    same input: routing every arrow at every width takes about a second)."""
    key = json.dumps([[{k: n.get(k) for k in ("id", "x", "y", "band", "label", "short_label")}
                       for n in nodes], branches,
                      [{k: e[k] for k in ("index", "source", "target")} for e in edges],
                      box_height, title_room], sort_keys=True)
    if key not in _DRAWINGS:
        if len(_DRAWINGS) > 16:
            _DRAWINGS.clear()
        _DRAWINGS[key] = json.dumps([drawing(w, nodes, branches, edges, box_height, title_room)
                                     for w in WIDTHS])
    return json.loads(_DRAWINGS[key])


_DRAWINGS: dict[str, str] = {}


def edge_colors(theme: str = "light") -> dict:
    """The colours of the pathway's lines and bands, the figure's (one scheme for both
    pictures): an edge's colour by its effect, the bands' fill and the titles' ink."""
    from .plotting import get_theme
    th = get_theme(theme)
    return {"activates": th.activate, "inhibits": th.inhibit, "metabolised-to": th.metabolise,
            "band": th.band, "muted": th.muted, "text": th.text}
