"""Pictures: the pathway figure, time courses, animations and storyboards.

Layout is checked in pixels (labels inside their own boxes, nothing overlapping),
files by their format, size and frame count, and the animation's content against
the simulation at sampled frames."""

import json
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pathway import simulate  # noqa: E402
from pathway.animation import FrameRenderer, clock, prepare, save_animation, storyboard  # noqa: E402
from pathway.cli import main  # noqa: E402
from pathway.graph import to_graph  # noqa: E402
from pathway.plotting import activity_at, draw_pathway, plot_timecourse  # noqa: E402


def extents(fig, artists):
    renderer = fig.canvas.get_renderer()
    return {n: a.get_window_extent(renderer) for n, a in artists.items()}


@pytest.mark.parametrize("presenter", [False, True])
def test_labels_sit_inside_their_boxes_and_nothing_overlaps(model, presenter):
    from pathway.plotting import pathway_figure
    graph = to_graph(model)
    fig, ax = pathway_figure(presenter=presenter)
    ax, art = draw_pathway(graph, {}, ax=ax, presenter=presenter, return_artists=True)
    fig.canvas.draw()
    boxes, labels = extents(fig, art.boxes), extents(fig, art.labels)
    for n, lab in labels.items():
        box = boxes[n]
        assert box.x0 - 1 <= lab.x0 and lab.x1 <= box.x1 + 1, f"label of {n} wider than its box"
        assert box.y0 - 1 <= lab.y0 and lab.y1 <= box.y1 + 1, f"label of {n} taller than its box"
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not boxes[a].overlaps(boxes[b]), f"boxes of {a} and {b} overlap"
    if presenter:
        assert fig.canvas.get_width_height() == (1920, 1080)
        px = min(t.get_fontsize() for t in art.labels.values()) * fig.dpi / 72
        assert px >= 1080 / 45           # about 1/40 of the frame height
    plt.close(fig)


@pytest.mark.parametrize("which", ["default", "toy"])
@pytest.mark.parametrize("presenter", [False, True])
def test_bands_keep_apart_and_show_their_titles(model, which, presenter):
    """Bands of stacked boxes are taller than one row: each band is moved clear of the
    others, its title shows inside it, and the legend and colour bar cover nothing."""
    from pathlib import Path

    from pathway.modelfile import load_model
    from pathway.plotting import pathway_figure
    m = model if which == "default" else load_model(Path(__file__).parents[1] / "models" / "toy.toml")
    fig, ax = pathway_figure(presenter=presenter)
    ax, art = draw_pathway(to_graph(m), {}, ax=ax, presenter=presenter, return_artists=True)
    fig.canvas.draw()
    bands, titles = extents(fig, art.bands), extents(fig, art.band_titles)
    boxes = extents(fig, art.boxes)
    assert len(bands) >= 3 and titles
    names = list(bands)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not bands[a].overlaps(bands[b]), f"bands {a} and {b} overlap"
    for b, t in titles.items():
        band = bands[b]
        assert band.x0 <= t.x0 and t.x1 <= band.x1 and band.y0 <= t.y0 and t.y1 <= band.y1, b
        assert not any(t.overlaps(box) for box in boxes.values()), f"title of {b} on a box"
    keys = [ax.get_legend().get_window_extent(fig.canvas.get_renderer())] + \
        [a.get_tightbbox(fig.canvas.get_renderer()) for a in fig.axes[1:]]
    w, h = fig.canvas.get_width_height()
    for key in keys:
        # (the standard figure is saved with a tight bounding box; a frame is not)
        assert not presenter or (key.x0 >= -1 and key.y0 >= -1 and key.x1 <= w + 1 and key.y1 <= h + 1)
        assert not any(key.overlaps(x) for x in list(boxes.values()) + list(bands.values()))
    plt.close(fig)


@pytest.mark.parametrize("which", ["default", "toy"])
@pytest.mark.parametrize("presenter", [False, True])
def test_no_arrow_runs_behind_a_box(model, which, presenter):
    """A box hides the line behind it, so an arrow passing behind one would seem to
    end there: every arrow, sampled along the path it is drawn on, stays out of the
    boxes it neither leaves nor enters."""
    from pathlib import Path

    from matplotlib.patches import FancyArrowPatch

    from pathway.modelfile import load_model
    from pathway.plotting import pathway_figure
    m = model if which == "default" else load_model(Path(__file__).parents[1] / "models" / "toy.toml")
    fig, ax = pathway_figure(presenter=presenter)
    ax, art = draw_pathway(to_graph(m), {}, ax=ax, presenter=presenter, return_artists=True)
    fig.canvas.draw()
    boxes = extents(fig, art.boxes)

    def gap(n, pt):         # how far a point is outside box n (negative: inside)
        e = boxes[n]
        return max(e.x0 - pt[0], pt[0] - e.x1, e.y0 - pt[1], pt[1] - e.y1)

    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) >= len(m.edges) // 2
    behind = []
    for arrow in arrows:
        line = arrow._get_path_in_displaycoord()[0][0]
        pts = np.vstack([bez(np.linspace(0, 1, 60)) for bez, _ in line.iter_bezier()])
        ends = {min(boxes, key=lambda n: gap(n, pts[0])), min(boxes, key=lambda n: gap(n, pts[-1]))}
        behind += [(sorted(ends), n) for n in boxes if n not in ends
                   and any(gap(n, pt) < -2 for pt in pts)]
    assert not behind, f"arrows run behind boxes: {behind}"
    plt.close(fig)


def test_a_node_joining_bands_to_a_readout_sits_beside_it(model):
    """The acute-tolerance node (placebo branch; fed from the main band, feeding only
    dissociation) is drawn just left of dissociation, outside every band."""
    from pathway.plotting import layout
    lay = layout(to_graph(model))
    (x, y), (rx, ry) = lay.pos["dissociation_tolerance"], lay.pos["dissociation"]
    assert (x, y) == (rx - 1, ry)
    assert lay.band["dissociation_tolerance"] is None
    assert lay.band["care_response"] == lay.band["expectation"] == "clinic"


def test_pathway_figure_shows_activity_with_a_colour_bar(model):
    graph = to_graph(model)
    traj = simulate(model, "ketamine-iv", days=1)
    act = activity_at(graph, traj, 0.7)
    assert act["nmda"] < -0.3 and act["glutamate"] > 0.3        # blocked, surging
    ax, art = draw_pathway(graph, act, return_artists=True)
    assert len(ax.figure.axes) == 2                              # the pathway and its colour bar
    purple, green = art.boxes["nmda"].get_facecolor(), art.boxes["glutamate"].get_facecolor()
    assert purple[0] > purple[1] and purple[2] > purple[1]      # less active: purple
    assert green[1] > green[0] and green[1] > green[2]          # more active: green
    plt.close(ax.figure)


def test_timecourse_has_a_log_axis_in_human_units(model):
    traj = simulate(model, "ssri", days=56, step_min=60)
    ax = plot_timecourse([traj])
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert {"10 min", "1 h", "1 d", "1 wk", "4 wk"} <= set(labels)
    line = ax.get_lines()[0]
    assert np.allclose(line.get_ydata()[-1], traj["relief"][-1])
    plt.close(ax.figure)


@pytest.fixture(scope="module")
def small_frame(model):
    return prepare(model, "ketamine-iv", "ssri", days=14, frames=12, fps=10)


def test_animation_matches_the_simulation_at_sampled_frames(model, small_frame):
    times = small_frame.times_h
    assert np.all(np.diff(times) >= 0) and times[-1] == pytest.approx(14 * 24.0)
    from pathway.scenarios import placebo_arm
    ket = simulate(model, "ketamine-iv", days=14, step_min=5)
    # the relief panel shows the drug effect by default: the arm minus its matched placebo arm
    pla = simulate(model, placebo_arm(model, "ketamine-iv"), days=14, step_min=5)
    graph = to_graph(model)
    from pathway.lecture import elapsed
    th = small_frame.theme           # the frame's own activity scale (grey at rest)
    for i in (0, len(times) // 2, len(times) - 1):
        dynamic = small_frame.update(i)
        points = [a for a in dynamic if isinstance(a, matplotlib.lines.Line2D)
                  and a.get_marker() == "o"]
        y = points[0].get_ydata()[0]
        effect = np.interp(times[i], ket.t_h, ket["relief"]) - np.interp(times[i], pla.t_h, pla["relief"])
        assert y == pytest.approx(effect, abs=2e-3)
        assert small_frame.texts["clock"].get_text().startswith(elapsed(times[i]))
        # the glutamate box is coloured by ketamine's glutamate activity at that time, on
        # the node's own range (its largest change in either arm over the lecture)
        glut = activity_at(graph, ket, times[i])["glutamate"]
        scale = small_frame.scale["glutamate"]
        assert 0.05 < scale <= 1.0
        expected = th.cmap(small_frame.norm(glut / scale))
        np.testing.assert_allclose(small_frame.boxes["glutamate"].get_facecolor(), expected,
                                   atol=1e-6)


def test_clock_format():
    assert clock(30.0) == "day 2, 06:00"
    assert clock(0.25) == "day 1, 00:15"


def test_mp4_is_h264_yuv420p_with_every_frame(small_frame, tmp_path):
    import subprocess

    import imageio_ffmpeg
    info = save_animation(small_frame, tmp_path / "a.mp4")
    assert info["frames"] == len(small_frame.times_h) and info["size_px"] == (1280, 720)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "a.mp4"))
    assert frames == small_frame.schedule.video_frames
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i",
                            str(tmp_path / "a.mp4")], capture_output=True, text=True).stderr
    assert "h264" in probe and "yuv420p" in probe and "1280x720" in probe


def test_gif_and_self_contained_html(small_frame, tmp_path):
    import base64
    from PIL import Image
    save_animation(small_frame, tmp_path / "a.gif")
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == len(small_frame.times_h) and gif.size == (1280, 720)
    save_animation(small_frame, tmp_path / "a.html")
    html = (tmp_path / "a.html").read_text()
    video = base64.b64decode(re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', html).group(1))
    assert video[4:8] == b"ftyp"                               # the MP4 itself, in the page
    data = json.loads(re.search(r"const DATA = (\{.*?\});", html, re.S).group(1))
    assert len(data["chapters"]) == len(small_frame.lecture.chapters)
    assert not re.search(r"(src|href)=\"(http|//)", html)      # nothing fetched: plays offline


def test_renderer_frames_equal_a_full_redraw(small_frame):
    """The fast path (background + changed artists + label overlays) must show what
    a full redraw shows."""
    renderer = FrameRenderer(small_frame)
    fast = renderer.render(7).astype(int)
    fig = small_frame.fig
    for a in small_frame.artists:
        a.set_animated(False)
    fig.canvas.draw()
    full = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(int)
    for a in small_frame.artists:
        a.set_animated(True)
    differs = np.abs(fast - full).max(axis=2) > 60
    assert differs.mean() < 0.002, f"{100 * differs.mean():.2f}% of pixels differ"


def test_presenter_frame_is_1080p(model, tmp_path):
    frame = prepare(model, "ssri", days=7, frames=3, presenter=True, theme="dark")
    assert frame.fig.canvas.get_width_height() == (1920, 1080)
    rgb = FrameRenderer(frame).render(2)
    assert rgb.shape == (1080, 1920, 3)
    assert rgb.mean() < 80                                     # a dark theme


def test_storyboard_writes_numbered_frames_and_captions(small_frame, tmp_path):
    paths = storyboard(small_frame, tmp_path / "story")
    assert len(paths) == len(small_frame.lecture.chapters)
    assert [p.name[:2] for p in paths] == [f"{i:02d}" for i in range(1, len(paths) + 1)]
    captions = (tmp_path / "story" / "captions.txt").read_text().splitlines()
    assert len(captions) == len(paths) and "after the start" in captions[0]


def test_picture_commands(tmp_path, capsys):
    assert main(["graph", "--out", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["graph", "--out", str(tmp_path / "g.svg"), "--theme", "dark"]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()[:500]
    assert main(["plot", "--scenario", "ketamine-iv", "--compare", "ssri", "--days", "14",
                 "--out", str(tmp_path / "p.png")]) == 0
    assert main(["plot", "--scenario", "ketamine-iv", "--intervention", "nbqx", "--days", "7",
                 "--out", str(tmp_path / "i.svg")]) == 0
    assert main(["animate", "--scenario", "ketamine-iv", "--days", "3", "--frames", "5",
                 "--out", str(tmp_path / "a.gif"), "--quiet"]) == 0
    assert (tmp_path / "a.gif").stat().st_size > 10_000


@pytest.mark.parametrize("argv, words", [
    (["animate", "--scenario", "ketamine-iv", "--out", "a.avi"], "use .mp4, .gif, .html"),
    (["animate", "--scenario", "ketamine-iv", "--out", "/no/such/dir/a.mp4"], "does not exist"),
    (["plot", "--scenario", "ketamine-iv", "--out", "p.txt"], "use .png, .svg, .pdf"),
    (["animate", "--scenario", "ketamin-iv", "--out", "a.mp4", "--frames", "3"], "did you mean"),
    (["animate", "--scenario", "ketamine-iv", "--out", "a.mp4", "--frames", "1"], "from 2 to 20000"),
    (["animate", "--scenario", "ketamine-iv", "--out", "a.mp4", "--chapters", "no-such.toml"],
     "no lecture file"),
    (["slides", "--scenario", "ketamine-iv", "--out", "a.ppt"], "use .pptx"),
])
def test_picture_mistakes_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
