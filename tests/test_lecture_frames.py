"""The lecture frame as a hall sees it, measured on rendered frames.

Type: every text's font size (its em height in pixels) is at least 3.5% of the
frame height, the measure pathway.animation.TEXT_FLOOR documents; node labels, captions,
title, clock, keys, band titles and tick labels included. Layout: no text runs into
another or out of the frame, and the relief panel is at least a quarter of the frame.
Colour: every tint of the activity scale stands 3:1 from the background and the bands,
bands have an outline that does, and the arm colours stay apart from the activity
scale and from each other under protanopia and deuteranopia (simulated with the
Machado, Oliveira and Fernandes 2009 matrices, compared by CIEDE2000). The frames are
laid out and drawn by the Agg renderer, and the text extents come from it."""

import dataclasses
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from pathway import load_model  # noqa: E402
from pathway.animation import (TEXT_FLOOR, FrameRenderer, build_frame,  # noqa: E402
                               chapter_frames, prepare)
from pathway.plotting import GRADE_STYLE, contrast_ratio  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "ketamine.toml"

#: the least CIEDE2000 difference between an arm colour and any colour of the activity
#: scale, and between two arms, as a viewer with protanopia or deuteranopia sees them
MIN_ARM_SCALE_DE, MIN_ARM_ARM_DE = 10.0, 20.0


# ---------------------------------------------------------------- colour science helpers

#: Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB
MACHADO_2009 = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
}


def _linear(rgb):
    rgb = np.asarray(rgb, float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def seen(color, deficiency=None):
    """CIELAB (D65) of ``color`` as a viewer with ``deficiency`` (or normal vision) sees it."""
    lin = _linear(matplotlib.colors.to_rgb(color))
    if deficiency:
        lin = np.clip(MACHADO_2009[deficiency] @ lin, 0, 1)
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    """The CIEDE2000 colour difference (Sharma, Wu & Dalal 2005's formulation)."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    cbar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = L2 - L1, c2 - c1
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    dhh = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    lbar, cbarp = (L1 + L2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        hbar = h1 + h2
    elif abs(h1 - h2) <= 180:
        hbar = (h1 + h2) / 2
    else:
        hbar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    rc = 2 * np.sqrt(cbarp ** 7 / (cbarp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    rt = -np.sin(np.radians(60 * np.exp(-((hbar - 275) / 25) ** 2))) * rc
    return float(np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2
                         + rt * (dc / sc) * (dhh / sh)))


def test_the_colour_helpers_match_published_values():
    # Sharma, Wu & Dalal (2005), table 1, pairs 1, 2 and 17
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 3.1571, -77.2803), (50, 0, -82.7485)) == pytest.approx(2.8615, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
    assert np.allclose(seen("white"), (100, 0, 0), atol=0.01)
    # each simulation keeps white white and greys grey, and merges red with green
    for kind in MACHADO_2009:
        assert np.allclose(seen("white", kind), (100, 0, 0), atol=0.5)
        assert abs(seen("#808080", kind)[1]) < 1 and abs(seen("#808080", kind)[2]) < 1
        assert ciede2000(seen("#d62728", kind), seen("#2ca02c", kind)) < \
            ciede2000(seen("#d62728"), seen("#2ca02c")) / 2


# ---------------------------------------------------------------- frames

@pytest.fixture(scope="module")
def lmodel():
    return load_model(MODEL)


FRAMES = {}


def _frame(lmodel, pair, theme):
    key = (pair, theme)
    if key not in FRAMES:
        FRAMES[key] = prepare(lmodel, *pair, frames=24, fps=10, theme=theme)
    return FRAMES[key]


CASES = [((None, None), "light"), ((None, None), "dark"), (("esketamine-induction", "ssri"), "light"),
         (("esketamine-induction", "ssri"), "dark")]


def shown_texts(frame):
    """Every text the frame draws, with the Agg renderer's extent of each."""
    fig = frame.fig
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = [t for t in fig.texts]
    for ax in fig.axes:
        out += list(ax.texts)
        if ax.axison:                     # the ticks drawn: those in view
            out += [tick.label1 for axis in (ax.xaxis, ax.yaxis) for tick in axis._update_ticks()]
        if ax.get_legend():
            out += ax.get_legend().get_texts()
    return [(t, t.get_window_extent(renderer)) for t in out
            if t.get_visible() and t.get_text().strip()]


def _measure(frame, i):
    frame.update(i)
    w, h = frame.fig.canvas.get_width_height()
    return w, h, shown_texts(frame)


@pytest.mark.parametrize("pair, theme", CASES + [(("esketamine-in", "hnk"), "light")])
def test_type_reads_from_the_back_row_and_nothing_collides(lmodel, pair, theme):
    frame = _frame(lmodel, pair, theme)
    dpi = frame.fig.dpi
    marks = chapter_frames(frame)
    smallest = 1.0
    for i in (0, marks[len(marks) // 2], marks[-1], len(frame.times_h) - 1):
        w, h, texts = _measure(frame, i)
        names = {t.get_text() for t, _ in texts}
        # the labels, captions, clock, keys and ticks are all among the measured texts
        assert frame.texts["clock"].get_text() in names
        assert all(t.get_text() in names for t in frame.labels)
        assert sum(1 for t, _ in texts if t in frame.panel.xaxis.get_majorticklabels()) >= 3
        assert sum(1 for t, _ in texts if t in frame.panel.yaxis.get_majorticklabels()) >= 2
        for t, ext in texts:
            size = t.get_fontsize() * dpi / 72 / h
            smallest = min(smallest, size)
            assert size >= TEXT_FLOOR - 1e-9, (t.get_text(), f"{size:.2%}")
            assert ext.x0 >= 0 and ext.x1 <= w and ext.y0 >= 0 and ext.y1 <= h, \
                ("clipped by the frame", t.get_text(), ext)
        for j, (a, ea) in enumerate(texts):
            for b, eb in texts[j + 1:]:
                assert not ea.overlaps(eb), ("overlap", a.get_text(), b.get_text())
    assert smallest >= TEXT_FLOOR
    # the relief panel's plotting area takes a quarter of the frame
    panel = frame.panel.get_window_extent(frame.fig.canvas.get_renderer())
    assert panel.height / h >= 0.25


@pytest.mark.parametrize("pair, theme", CASES)
def test_labels_sit_in_their_boxes_and_band_titles_are_clear(lmodel, pair, theme):
    frame = _frame(lmodel, pair, theme)
    renderer = frame.fig.canvas.get_renderer()
    boxes = {n: b.get_window_extent(renderer) for n, b in frame.boxes.items()}
    for n, box in boxes.items():
        lab = frame.texts[f"label:{n}"].get_window_extent(renderer)
        assert box.x0 - 1 <= lab.x0 and lab.x1 <= box.x1 + 1 and box.y0 - 1 <= lab.y0 \
            and lab.y1 <= box.y1 + 1, n
        for m, other in boxes.items():
            assert m == n or not box.overlaps(other), (n, m)
    titles = {k: t for k, t in frame.texts.items() if k.startswith("band:")}
    assert titles
    for name, t in titles.items():
        assert t.get_visible(), name                 # every band keeps its title ...
        ext = t.get_window_extent(renderer)
        assert not any(ext.overlaps(b) for b in boxes.values()), name   # ... clear of the boxes


def test_the_dark_placebo_band_title_is_not_covered(lmodel):
    frame = _frame(lmodel, (None, None), "dark")
    title = frame.texts["band:clinic"]
    assert title.get_text() == "placebo" and title.get_visible()
    renderer = frame.fig.canvas.get_renderer()
    ext = title.get_window_extent(renderer)
    assert not any(ext.overlaps(b.get_window_extent(renderer)) for b in frame.boxes.values())


def test_long_names_are_shortened_not_clipped(lmodel):
    """A user's long scenario names end in an ellipsis in the title and the keys, and
    long captions wrap; nothing leaves the frame or runs into another text."""
    base = _frame(lmodel, ("esketamine-induction", "ssri"), "light")
    long = [dataclasses.replace(a, name=f"{a.name} as described in my own very long model file",
                                description=f"{a.description}, titrated slowly over many weeks "
                                            "by a patient and careful clinician")
            for a in base.arms]
    frame = build_frame(base.model, base.lecture, long, base.schedule, theme="light")
    title = frame.texts["title"].get_text()
    assert "\u2026" in title and " vs " in title
    assert title.split(" vs ")[1].strip().startswith(long[1].description.split()[0])  # both named
    assert "\u2026" in frame.texts["key:split0"].get_text()
    for i in (0, chapter_frames(frame)[-1]):
        w, h, texts = _measure(frame, i)
        for t, ext in texts:
            assert ext.x0 >= 0 and ext.x1 <= w and ext.y0 >= 0 and ext.y1 <= h, t.get_text()
        for j, (a, ea) in enumerate(texts):
            for b, eb in texts[j + 1:]:
                assert not ea.overlaps(eb), (a.get_text(), b.get_text())


def test_a_rendered_frame_shows_the_measured_layout(lmodel, tmp_path):
    """The fast renderer (background once, overlays for labels and captions) draws the
    same frame: its caption pixels sit where the caption's extent says, in the arm's colour."""
    frame = _frame(lmodel, (None, None), "light")
    i = chapter_frames(frame)[5]
    rgb = FrameRenderer(frame).render(i).astype(int)
    h = rgb.shape[0]
    cap = frame.texts["caption0"]
    ext = cap.get_window_extent(frame.fig.canvas.get_renderer())
    patch = rgb[h - int(ext.y1):h - int(ext.y0), int(ext.x0):int(ext.x1)]
    target = np.array(matplotlib.colors.to_rgb(frame.arms[0].color)) * 255
    close = np.abs(patch - target).sum(axis=2) < 40
    assert close.mean() > 0.1          # the caption's letters are there, in the arm's colour
    outside = rgb[h - int(ext.y1):h - int(ext.y0), int(ext.x1) + 5:int(ext.x1) + 60]
    assert (np.abs(outside - target).sum(axis=2) < 40).mean() < 0.01


# ---------------------------------------------------------------- colour

@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_tint_and_band_stands_out_from_its_background(lmodel, theme):
    frame = _frame(lmodel, (None, None), theme)
    th = frame.theme
    grounds = [th.background, th.band]
    scale = [frame.theme.cmap(x) for x in np.linspace(0, 1, 129)]
    worst = min(contrast_ratio(c[:3], g) for c in scale for g in grounds)
    assert worst >= 3.0, worst
    # the boxes' actual fills over the lecture, at every chapter's held frame
    for i in chapter_frames(frame):
        frame.update(i)
        for n, box in frame.boxes.items():
            assert min(contrast_ratio(box.get_facecolor()[:3], g) for g in grounds) >= 3.0, n
    ax = frame.boxes["nmda"].axes
    bands = [p for p in ax.patches if isinstance(p, FancyBboxPatch)
             and p not in frame.boxes.values() and p.get_facecolor()[:3] ==
             matplotlib.colors.to_rgb(th.band)]
    assert bands
    for band in bands:
        assert contrast_ratio(band.get_edgecolor()[:3], th.background) >= 3.0


@pytest.mark.parametrize("pair, theme", CASES + [(("esketamine-in", "hnk"), "light"),
                                                 (("esketamine-in", "hnk"), "dark")])
def test_arm_colours_stay_apart_from_activity_under_colour_blindness(lmodel, pair, theme):
    frame = _frame(lmodel, pair, theme)
    scale = [frame.theme.cmap(x)[:3] for x in np.linspace(0, 1, 129)]
    arms = [a.color for a in frame.arms]
    for kind in (None, *MACHADO_2009):
        scale_lab = [seen(c, kind) for c in scale]
        for arm in arms:
            gap = min(ciede2000(seen(arm, kind), s) for s in scale_lab)
            assert gap >= MIN_ARM_SCALE_DE, (arm, kind, gap)
        if len(arms) > 1:
            assert ciede2000(seen(arms[0], kind), seen(arms[1], kind)) >= MIN_ARM_ARM_DE, kind


def test_evidence_grades_have_a_key_on_the_frame(lmodel):
    frame = _frame(lmodel, (None, None), "light")
    ax = frame.boxes["nmda"].axes
    used = {tuple(p._unscaled_dash_pattern[1] or ()) for p in ax.patches
            if isinstance(p, FancyArrowPatch)}
    assert len(used) >= 2
    keyed = [k.split(":")[-1] for k in frame.texts if k.startswith("key:grade:")]
    samples = [a for a in frame.fig.artists if isinstance(a, matplotlib.lines.Line2D)]
    assert len(samples) == len(keyed) >= 2
    h = frame.fig.canvas.get_width_height()[1]
    for grade, sample in zip(keyed, samples):
        assert grade in GRADE_STYLE
        assert frame.texts[f"key:grade:{grade}"].get_fontsize() * frame.fig.dpi / 72 / h >= TEXT_FLOOR
        # the sample is drawn as the pathway draws that grade's arrows, and each grade
        # drawn on the pathway has its sample
        assert sample._unscaled_dash_pattern == GRADE_STYLE[grade]
    assert used == {tuple(GRADE_STYLE[g][1]) for g in keyed}
