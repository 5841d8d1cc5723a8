"""Which boxes a curve may touch, found without looking at every box.

Arrow routing (:mod:`pathway.webdrawing`, :func:`pathway.plotting.draw_pathway`)
asks, for each candidate curve of each arrow, which boxes its sample points fall
in. Tested against every box, that is boxes x arrows work: quadratic in the size
of the model. A :class:`BoxGrid` files each rectangle under the cells of a uniform
grid that it overlaps; a query looks only at the rectangles filed under the cells
each point falls in, so its work grows with the length of the curve and the boxes
near it, not with the number of boxes in the drawing. Answers are exact: a point strictly inside a
rectangle lies in a cell that rectangle is filed under.

:data:`WORK` counts the point-rectangle comparisons made, a measure of the work
that does not depend on the machine's speed (the size tests compare it across
model sizes).
"""

from __future__ import annotations

import math

import numpy as np

#: Point-rectangle comparisons made by every :meth:`BoxGrid.hits` so far.
WORK = {"comparisons": 0}


def _key(cx, cy):
    """One integer for the cell (cx, cy), or an array of them (unique while a drawing
    has fewer than 2**31 cells a side, as any drawing has)."""
    if isinstance(cx, int):
        return cx * 2 ** 32 + cy
    return cx.astype(np.int64) * 2 ** 32 + cy.astype(np.int64)


class BoxGrid:
    """Rectangles ``(x0, x1, y0, y1)`` (an N x 4 array) filed in square cells of
    side ``cell`` (by default the median of the rectangles' widths and heights)."""

    def __init__(self, rects, cell: float | None = None):
        self.rects = np.asarray(rects, dtype=float).reshape(-1, 4)
        if cell is None:
            sides = np.concatenate([self.rects[:, 1] - self.rects[:, 0],
                                    self.rects[:, 3] - self.rects[:, 2]])
            sides = sides[np.isfinite(sides) & (sides > 0)]
            cell = float(np.median(sides)) if len(sides) else 1.0
        self.cell = cell if cell > 0 and math.isfinite(cell) else 1.0
        self.cells: dict[int, list[int]] = {}       # then arrays, below
        for i, (x0, x1, y0, y1) in enumerate(self.rects):
            if not (math.isfinite(x0) and math.isfinite(x1) and math.isfinite(y0)
                    and math.isfinite(y1)):
                continue
            for cx in range(math.floor(x0 / self.cell), math.floor(x1 / self.cell) + 1):
                for cy in range(math.floor(y0 / self.cell), math.floor(y1 / self.cell) + 1):
                    self.cells.setdefault(_key(cx, cy), []).append(i)

        self.cells = {k: np.array(v, dtype=np.int64) for k, v in self.cells.items()}

    def _cell_keys(self, pts: np.ndarray) -> np.ndarray:
        cell = np.floor(pts / self.cell)
        return _key(cell[:, 0], cell[:, 1])

    def hits(self, points, shrink: dict[int, float] | None = None) -> np.ndarray:
        """Indices (sorted) of the rectangles with one of ``points`` (an M x 2 array)
        strictly inside; the rectangles named in ``shrink`` (index -> margin) first
        shrunk by that margin on every side. Each point is compared only with the
        rectangles filed under its own cell."""
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        if not len(pts):
            return np.zeros(0, dtype=np.int64)
        keys = self._cell_keys(pts)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        ends = np.append(starts[1:], len(keys))
        found: set[int] = set()
        for k, i, j in zip(keys[starts].tolist(), starts.tolist(), ends.tolist()):
            idx = self.cells.get(k)
            if idx is None:
                continue
            p = pts[order[i:j]]
            r = self.rects[idx]
            m = np.array([shrink.get(n, 0.0) for n in idx.tolist()]) if shrink else 0.0
            x, y = p[:, :1], p[:, 1:]
            inside = ((x > r[:, 0] + m) & (x < r[:, 1] - m) & (y > r[:, 2] + m) & (y < r[:, 3] - m))
            WORK["comparisons"] += len(p) * len(idx)
            found.update(idx[inside.any(axis=0)].tolist())
        return np.fromiter(sorted(found), dtype=np.int64, count=len(found))
