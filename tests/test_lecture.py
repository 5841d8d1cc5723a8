"""Lecture mode: chapters as data, captions true to the picture, honest comparison,
one meaning per colour, projector-sized type, chapter marks, the clicker-driven
player and the slide deck.

The lecture file sits beside the model file, so these tests load the model from
this checkout's models/ folder."""

import re
import subprocess
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from pathway import load_model, simulate  # noqa: E402
from pathway.animation import (FrameRenderer, chapter_frames, ffmetadata, prepare,  # noqa: E402
                               save_animation)
from pathway.cli import main  # noqa: E402
from pathway.graph import to_graph  # noqa: E402
from pathway.lecture import (MIN_CAPTION_S, check_lecture, describe_doses,  # noqa: E402
                             elapsed, lecture_path_for, load_lecture, resolve_lecture, schedule,
                             short_citation)
from pathway.plotting import ACTIVITY_ENDS, contrast_ratio, get_theme  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "ketamine.toml"
TOY = ROOT / "models" / "toy.toml"


@pytest.fixture(scope="module")
def lmodel():
    return load_model(MODEL)


@pytest.fixture(scope="module")
def raw_lecture(lmodel):
    return load_lecture(lmodel, lecture_path_for(lmodel))


@pytest.fixture(scope="module")
def lecture(lmodel, raw_lecture, arms):
    """The lecture with its chapter windows taken from this run's simulation."""
    return resolve_lecture(raw_lecture, to_graph(lmodel), arms[0])


@pytest.fixture(scope="module")
def arms(lmodel, raw_lecture):
    from pathway.scenarios import placebo_arm
    lecture = raw_lecture
    days = lecture.end_h / 24
    trajs = [simulate(lmodel, s, days=days, step_min=15) for s in lecture.scenarios]
    placebos = [simulate(lmodel, placebo_arm(lmodel, s), days=days, step_min=15)
                for s in lecture.scenarios]
    return trajs, placebos


@pytest.fixture(scope="module")
def presenter(lmodel):
    return prepare(lmodel, None, None, presenter=True, frames=40)


@pytest.fixture(scope="module")
def small(lmodel):
    return prepare(lmodel, None, None, frames=30, fps=10)


# ---------------------------------------------------------------- the story as data

def test_the_lecture_file_is_found_beside_the_model(lmodel, lecture):
    assert lecture_path_for(lmodel) == (ROOT / "models" / "lectures" / "ketamine.toml")
    assert list(lecture.scenarios) == list(lmodel.roles.showcase)
    assert 6 <= len(lecture.chapters) <= 12
    starts = [c.start_h for c in lecture.chapters]
    assert starts == sorted(starts)
    assert all(c.start_h == p.end_h for p, c in zip(lecture.chapters, lecture.chapters[1:]))


def _on_screen(sched, lines_by_chapter, arm):
    """Seconds each distinct caption of one arm stays on screen, in order."""
    spans, current, since, t = [], None, 0.0, 0.0
    for k, reps in zip(sched.chapter, sched.repeats):
        text = lines_by_chapter[int(k)][arm]
        if text != current:
            if current:
                spans.append((current, t - since))
            current, since = text, t
        t += reps / sched.fps
    spans.append((current, t - since))
    return spans


def test_timing_is_for_people(small):
    """60-90 s in all; every caption at least 3 s; the clock pauses in every chapter;
    the closing chapter holds on the result."""
    lecture, sched = small.lecture, small.schedule
    assert 60 <= lecture.duration_s <= 90
    assert sched.duration_s == pytest.approx(lecture.duration_s, abs=0.2)
    lines = {k: small.caption_lines(k) for k in range(len(lecture.chapters))}
    for arm in range(len(small.arms)):
        for text, seconds in _on_screen(sched, lines, arm):
            assert seconds >= MIN_CAPTION_S - 1e-9, (text, seconds)
    assert all(c.hold > 0 for c in lecture.chapters)
    last = lecture.chapters[-1]
    assert last.end_h == lecture.end_h and last.hold >= 5


def test_holds_cost_no_rendering(lecture):
    sched = schedule(lecture, fps=30)
    moving = sum(max(1, round(c.seconds * 30)) for c in lecture.chapters if c.end_h > c.start_h)
    assert len(sched) <= moving + len(lecture.chapters)          # one frame per hold
    assert sched.video_frames == pytest.approx(lecture.duration_s * 30, abs=len(lecture.chapters))
    assert sched.held.sum() == len(lecture.chapters)


def test_captions_agree_with_the_simulation(lmodel, lecture, arms):
    assert check_lecture(lecture, to_graph(lmodel), arms[0]) == []


def test_a_caption_that_contradicts_the_picture_is_caught(lmodel, lecture, arms, tmp_path):
    text = (ROOT / "models" / "lectures" / "ketamine.toml").read_text()
    first = lecture.scenarios[0]
    last = text.rfind(f"arms.{first} = {{")
    end = text.index("\n", last)
    text = text[:last] + f'arms.{first} = {{ caption = "New spines form", rising = ["spines"] }}' \
        + text[end:]
    path = tmp_path / "wrong.lecture.toml"
    path.write_text(text)
    wrong = resolve_lecture(load_lecture(lmodel, path), to_graph(lmodel), arms[0])
    problems = check_lecture(wrong, to_graph(lmodel), arms[0])
    assert len(problems) == 1 and "'spines' is not rising" in problems[0]


def test_chapter_windows_follow_the_simulation(lmodel, lecture, arms):
    """Chapters that end at a simulated moment end there in this run: BDNF's chapter
    holds on its peak (the picture does not run ahead of the caption), chapters
    before it end before BDNF has risen to half, and the spines chapter ends with
    the spines half grown."""
    from pathway.lecture import event_time
    graph = to_graph(lmodel)
    ketamine = arms[0][0]
    by_title = {c.title: c for c in lecture.chapters}
    ends = {c.until: c.end_h for c in lecture.chapters if c.until}
    assert ("peak", "bdnf", ketamine.scenario) in ends
    bdnf_peak = event_time(graph, ketamine, "peak", "bdnf", lecture.start_h, lecture.end_h)
    bdnf_half = event_time(graph, ketamine, "rise", "bdnf", lecture.start_h, lecture.end_h)
    assert ends[("peak", "bdnf", ketamine.scenario)] == pytest.approx(bdnf_peak)
    k = next(i for i, c in enumerate(lecture.chapters) if c.until == ("peak", "bdnf", ketamine.scenario))
    assert all(c.end_h <= bdnf_half + 1e-9 for c in lecture.chapters[:k])
    assert len(by_title) == len(lecture.chapters)


def test_a_run_the_lecture_does_not_fit_tells_the_mechanism_instead(lmodel):
    """With AMPA receptors blocked, "glutamate surges and AMPA receptors fire" would be
    false: the model's own lecture gives way to chapters built from this run."""
    from pathway.scenarios import apply_all
    iv = next(n for n, i in lmodel.interventions.items()
              if any(e[1] in {"ampa"} for e in i.cut) or n == "nbqx")
    notes = []
    frame = prepare(apply_all(lmodel, [iv]), None, None, frames=12, note=notes.append)
    assert frame.lecture.automatic
    assert any("would contradict this run" in n or "do not fit this run" in n for n in notes)
    assert check_lecture(frame.lecture, to_graph(frame.model), [a.traj for a in frame.arms]) == []


def test_each_arm_cites_its_own_papers(lmodel, lecture):
    """An arm's captions cite no paper that only the other arm's mechanism cites."""
    graph = to_graph(lmodel)
    trajs = [simulate(lmodel, s, days=2, step_min=30) for s in lecture.scenarios]
    from pathway.animation import _reachable
    reach = [_reachable(lmodel, graph, t) for t in trajs]
    own = []
    for nodes in reach:
        refs = set()
        for e in lmodel.edges:
            if e.source in nodes and e.target in nodes:
                refs |= set(e.citations)
        own.append(refs)
    for a in range(len(lecture.scenarios)):
        others = set().union(*(own[b] for b in range(len(own)) if b != a)) - own[a]
        cited = {k for c in lecture.chapters for k in (c.arms[a].cite if c.arms[a] else ())}
        assert cited and not cited & others, (lecture.scenarios[a], cited & others)


@pytest.mark.parametrize("edit, words", [
    (('nmda = "NMDA"', 'nmdaa = "NMDA"'), "unknown node 'nmdaa'"),
    (('cite = ["rao2007"]', 'cite = ["rao2070"]'), "unknown reference 'rao2070'"),
    (('scenarios = ["ketamine-iv", "ssri"]', 'scenarios = ["ketamine-iv", "srri"]'),
     "did you mean 'ssri'"),
    (('until = "rise:glutamate"\nseconds = 3\nhold = 4',
      'until = "rise:glutamate"\nseconds = 1\nhold = 1'), "a caption needs at least 3 s"),
    (('until = "14 d"', 'until = "10 min"'), "ends before the previous chapter"),
    (('until = "14 d"', 'until = "1 hour later"'), "is not a unit of time"),
    (('until = "peak:bdnf"', 'until = "peak:bdnff"'), "unknown node 'bdnff'"),
    (('until = "peak:bdnf"', 'until = "peak:bdnf@ssrii"'), "is not in lecture.scenarios"),
])
def test_lecture_file_mistakes_exit_2_with_a_hint(edit, words, tmp_path, capsys):
    text = (ROOT / "models" / "lectures" / "ketamine.toml").read_text()
    assert edit[0] in text
    path = tmp_path / "bad.lecture.toml"
    path.write_text(text.replace(edit[0], edit[1], 1))
    code = main(["animate", "--model", str(MODEL), "--chapters", str(path), "--frames", "5",
                 "--out", str(tmp_path / "a.gif"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err


def test_a_model_without_a_lecture_file_gets_chapters_from_its_mechanism(tmp_path):
    toy = load_model(TOY)
    assert lecture_path_for(toy) is None
    frame = prepare(toy, None, None, frames=20)
    lecture = frame.lecture
    assert lecture.automatic and len(lecture.chapters) >= 3
    assert 50 <= lecture.duration_s <= 90
    assert all(c.on_screen_s >= MIN_CAPTION_S for c in lecture.chapters)
    # the closing chapter holds on each arm's result, with the numbers filled in
    closing = frame.caption_lines(len(lecture.chapters) - 1)
    assert all(re.search(r"\d\.\d\d at the end", line) for line in closing)
    assert check_lecture(lecture, to_graph(toy), [a.traj for a in frame.arms]) == []


def test_words_for_people(lmodel):
    assert elapsed(24 + 5 / 60) == "1 day 0 h 05 min after the start"
    assert elapsed(0.5) == "30 min after the start"
    assert elapsed(2 * 24 + 3.5) == "2 days 3 h 30 min after the start"
    assert elapsed(56 * 24) == "8 weeks after the start"
    first, second = lmodel.roles.showcase
    # a scenario with a label (racemic ketamine: two enantiomer dose lines) is named by it
    assert lmodel.scenario(first).label
    assert describe_doses(lmodel, first) == lmodel.scenario(first).label
    # one without a label gets the wording composed from its dose lines
    name = next(n for n, s in lmodel.scenarios.items() if not s.label and len(s.doses) == 1
                and s.doses[0].duration_h and s.doses[0].every_h is None)
    one = lmodel.scenario(name).doses[0]
    text = describe_doses(lmodel, name)
    label = lmodel.node(one.drug).short_label or lmodel.node(one.drug).label
    assert text.startswith(label) and f"{one.amount:g} {one.unit}" in text
    assert f"over {one.duration_h * 60:g} min" in text
    assert "daily" in describe_doses(lmodel, second)
    key = next(k for k, v in lmodel.references.items() if v.startswith("Le Poul"))
    assert short_citation(lmodel, key) == "Le Poul 1995"


# ---------------------------------------------------------------- the honest comparison

def test_with_arms_each_arm_is_drawn_with_its_own_placebo_and_labelled(lmodel):
    from pathway.scenarios import placebo_arm
    small = prepare(lmodel, None, None, frames=12, effect=False)          # --arms
    ax = next(a for a in small.fig.axes if a.get_xscale() == "log")
    lines = [ln for ln in ax.get_lines() if ln.get_label() and not ln.get_label().startswith("_")]
    for arm in small.arms:
        assert arm.placebo is not None
        assert arm.placebo.scenario == placebo_arm(small.model, arm.traj.scenario).name
        solid = [ln for ln in lines if ln.get_label() == arm.description]
        dashed = [ln for ln in lines if arm.name in ln.get_label() and "placebo" in ln.get_label()]
        assert len(solid) == 1 and len(dashed) == 1
        assert solid[0].get_color() == dashed[0].get_color() == arm.color
        np.testing.assert_allclose(dashed[0].get_ydata()[-1], arm.placebo[arm.traj.primary][-1])
    assert all(a.description in small.texts["title"].get_text() for a in small.arms)
    heading = small.texts["timecourse"].get_text().replace("\n", " ")
    assert "solid" in heading and "dashed" in heading and "log time" in heading


def test_the_default_plots_the_drug_effect_arm_minus_its_placebo(small):
    """The default shows the thesis: drug effect, fast and large for ketamine within the
    first week, where the SSRI's is still small (its pill's placebo response is not
    counted as the drug's)."""
    frame = small
    ax = next(a for a in frame.fig.axes if a.get_xscale() == "log")
    effects = []
    for arm in frame.arms:
        (ln,) = [ln for ln in ax.get_lines() if ln.get_label() == f"{arm.description}: drug effect"]
        x, y = ln.get_xdata(), ln.get_ydata()
        p = arm.placebo
        expected = arm.traj[arm.traj.primary] - np.interp(arm.traj.t_h, p.t_h, p[p.primary])
        np.testing.assert_allclose(y, np.interp(x, arm.traj.t_h, expected), atol=1e-9)
        effects.append((x, y))
    assert "minus its own placebo" in frame.texts["timecourse"].get_text().replace("\n", " ")
    week = [float(np.max(y[x <= 7 * 24])) for x, y in effects]
    assert week[0] > 2 * week[1]


def test_the_clock_line_does_not_cross_a_route_name(lmodel):
    """Where a single dose's drug effect has a fast and a slow hump, the two routes are named, and each name
    is drawn over the moving clock line (an overlay with the node labels, blended after the cursor), ringed
    with the background, so a chapter paused at a hump's time keeps the name legible. The fitted model's
    effect has one hump, so the picture is of a model with a stronger sustained route (as before the fit)."""
    from matplotlib import patheffects
    from pathway.modelfile import set_parameter
    two_humps = set_parameter(set_parameter(lmodel, "fast_relief_gain", 3.0), "spine_relief_gain", 17.0)
    frame = prepare(two_humps, None, None, frames=30, fps=10)
    names = [t for k, t in frame.texts.items() if k.startswith("route:") and t.get_visible()]
    assert {t.get_text() for t in names} == {"fast route", "slow route"}
    for t in names:
        assert t in frame.labels and t.get_animated()
        assert any(isinstance(e, patheffects.withStroke) for e in t.get_path_effects())


def test_reveal_draws_curves_only_up_to_the_clock(lmodel):
    frame = prepare(lmodel, None, None, frames=12, reveal=True)
    ax = next(a for a in frame.fig.axes if a.get_xscale() == "log")
    i = 5
    frame.update(i)
    t = frame.times_h[i]
    for ln in ax.get_lines():
        if ln.get_label().startswith("_") or len(ln.get_xdata()) < 2:
            continue
        assert ln.get_xdata().max() == pytest.approx(t)


# ---------------------------------------------------------------- colour and type

def _hue(color):
    import colorsys
    r, g, b = matplotlib.colors.to_rgb(color)
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return h * 360, s


def test_one_meaning_per_colour(small):
    """Arm colours keep clear of the activity map's hues; edges use no arm colour."""
    activity_hues = [_hue(c)[0] for c in ACTIVITY_ENDS]
    arm_colors = [a.color for a in small.arms]
    for color in arm_colors:
        hue, sat = _hue(color)
        assert sat > 0.3
        assert min(min(abs(hue - h), 360 - abs(hue - h)) for h in activity_hues) >= 45, color
    from matplotlib.patches import FancyArrowPatch
    ax = next(a for a in small.fig.axes if any(isinstance(p, FancyArrowPatch) for p in a.patches))
    for p in ax.patches:
        if isinstance(p, FancyArrowPatch):
            edge = matplotlib.colors.to_hex(p.get_edgecolor())
            assert _hue(edge)[1] < 0.1, edge                     # neutral grey
            assert edge not in [matplotlib.colors.to_hex(c) for c in arm_colors]
    legend = small.texts["title"].figure.texts
    split = [t for t in legend if "left half" in t.get_text() or "right half" in t.get_text()]
    assert len(split) == 2
    h = small.fig.canvas.get_width_height()[1]
    assert all(t.get_fontsize() * small.fig.dpi / 72 >= h / 36 for t in split)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_line_and_text_stands_out_from_its_background(lmodel, theme):
    frame = prepare(lmodel, None, None, frames=12, theme=theme)
    th = get_theme(theme)
    fig = frame.fig
    grounds = [th.background, th.band]
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += list(ax.texts)
        if ax.axison:
            texts += ax.get_xticklabels() + ax.get_yticklabels()
        if ax.get_legend():
            texts += ax.get_legend().get_texts()
        for ln in ax.get_lines():
            if ln.get_visible() and ln.get_label() != "_nolegend_":
                assert contrast_ratio(ln.get_color(), th.background) >= 3, ln.get_color()
        for p in ax.patches:
            if isinstance(p, matplotlib.patches.FancyArrowPatch) and p.get_alpha() in (None, 1.0):
                for g in grounds:
                    assert contrast_ratio(p.get_edgecolor(), g) >= 3, p.get_edgecolor()
    for t in texts:
        if not t.get_visible() or not t.get_text().strip():
            continue
        effects = t.get_path_effects()
        ground = effects[0]._gc.get("foreground") if effects else th.background
        if t in frame.labels:        # node labels sit on a halo of the background colour
            ground = th.background
        assert contrast_ratio(t.get_color(), ground) >= 3, (t.get_text(), t.get_color())
    for arm in frame.arms:
        assert contrast_ratio(arm.color, th.background) >= 3


def _px(text, dpi):
    return text.get_fontsize() * dpi / 72


@pytest.mark.parametrize("which, label_frac, caption_frac", [("presenter", 30, 25),
                                                             ("small", 30, 25)])
def test_type_is_readable_from_the_back_row(which, label_frac, caption_frac, request):
    frame = request.getfixturevalue(which)
    fig = frame.fig
    w, h = fig.canvas.get_width_height()
    assert (w, h) == ((1920, 1080) if which == "presenter" else (1280, 720))
    renderer = fig.canvas.get_renderer()
    frame.update(chapter_frames(frame)[2])
    for t in frame.labels:
        lines = t.get_text().count("\n") + 1
        assert _px(t, fig.dpi) >= h / label_frac - 1e-6, t.get_text()
        assert t.get_window_extent(renderer).height / lines >= h / label_frac, t.get_text()
    for i in range(len(frame.arms)):
        cap = frame.texts[f"caption{i}"]
        assert _px(cap, fig.dpi) >= h / caption_frac
        assert cap.get_window_extent(renderer).height >= h / caption_frac
    # nothing spills out of the frame, and captions, citations, title and clock never collide
    for k in range(len(frame.lecture.chapters)):
        frame.update(chapter_frames(frame)[k])
        shown = [frame.texts[n] for n in ("title", "chapter", "clock", "timecourse")] + \
            [frame.texts[f"{kind}{i}"] for kind in ("caption", "cite") for i in range(len(frame.arms))]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in shown if t.get_text()]
        for name, b in boxes:
            assert b.x0 >= 0 and b.x1 <= w and b.y0 >= 0 and b.y1 <= h, name
        for i, (a, ba) in enumerate(boxes):
            for b, bb in boxes[i + 1:]:
                assert not ba.overlaps(bb), (a, b)


@pytest.fixture(scope="module")
def other_pair(lmodel):
    """A pair the lecture file does not tell: chapters from the mechanism, and drug
    colours (pink, green) too close to the activity map's purple and green."""
    notes = []
    frame = prepare(lmodel, "esketamine-in", "hnk", frames=20, note=notes.append)
    return frame, notes


@pytest.mark.parametrize("which", ["presenter", "other", "toy"])
def test_labels_sit_inside_their_boxes_and_boxes_do_not_touch(which, presenter, other_pair):
    frame = {"presenter": presenter, "other": other_pair[0]}.get(which) or \
        prepare(load_model(TOY), None, None, frames=20)
    fig = frame.fig
    renderer = fig.canvas.get_renderer()
    h = fig.canvas.get_width_height()[1]
    names = [n[6:] for n in frame.texts if n.startswith("label:")]
    boxes = {n: frame.boxes[n].get_window_extent(renderer) for n in names}
    for n in names:
        text = frame.texts[f"label:{n}"]
        lab = text.get_window_extent(renderer)
        box = boxes[n]
        assert box.x0 - 1 <= lab.x0 and lab.x1 <= box.x1 + 1, n
        assert box.y0 - 1 <= lab.y0 and lab.y1 <= box.y1 + 1, n
        # the lecture file's short labels reach 1/30; the model's own labels at least 1/40
        assert _px(text, fig.dpi) >= h / (30 if which == "presenter" else 40), n
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not boxes[a].overlaps(boxes[b]), (a, b)


def test_a_drug_colour_that_clashes_with_activity_is_replaced(lmodel, other_pair):
    frame, notes = other_pair
    for arm in frame.arms:
        hue = _hue(arm.color)[0]
        assert all(min(abs(hue - _hue(c)[0]), 360 - abs(hue - _hue(c)[0])) >= 45
                   for c in (ACTIVITY_ENDS[0], ACTIVITY_ENDS[-1]))
    drugs = [lmodel.drugs[a.traj.roles["drug"]].color for a in frame.arms]
    assert [a.color for a in frame.arms] != drugs
    assert sum("too close to the activity colours" in n for n in notes) == 2
    assert len({a.color for a in frame.arms}) == 2


# ---------------------------------------------------------------- files

def test_mp4_has_a_chapter_mark_per_chapter(small, tmp_path):
    import imageio_ffmpeg
    out = tmp_path / "lecture.mp4"
    info = save_animation(small, out)
    assert info["chapters"] == len(small.lecture.chapters)
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    meta = subprocess.run([exe, "-hide_banner", "-i", str(out), "-f", "ffmetadata", "-"],
                          capture_output=True, text=True)
    text = meta.stdout
    assert text.count("[CHAPTER]") == len(small.lecture.chapters)
    starts = [int(s) / 1000 for s in re.findall(r"^START=(\d+)", text, re.MULTILINE)]
    np.testing.assert_allclose(starts, small.schedule.chapter_starts_s(), atol=0.11)
    titles = re.findall(r"^title=\d+\. (.*)$", text, re.MULTILINE)
    assert titles == [c.title for c in small.lecture.chapters]
    assert "h264" in meta.stderr and "yuv420p" in meta.stderr
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == small.schedule.video_frames
    assert seconds == pytest.approx(small.schedule.duration_s, abs=0.2)
    assert ffmetadata(small).startswith(";FFMETADATA1")


def test_every_video_frame_shows_its_rendered_frame(small, tmp_path):
    """Holds repeat the right frame: decoded frame by frame, the video shows each
    rendered frame (a moving one, or a chapter's held one) for exactly its span."""
    import imageio_ffmpeg
    out = tmp_path / "lecture.mp4"
    save_animation(small, out)
    sched = small.schedule
    renderer = FrameRenderer(small)
    def luma(rgb):
        return rgb[..., :3].astype(float) @ [0.299, 0.587, 0.114]

    def far(a, b):            # pixels whose brightness differs a lot: text, cursor, boxes
        return int((np.abs(a - b) > 60).sum())

    rendered = [luma(renderer.render(i)) for i in range(len(sched))]
    owner = np.repeat(np.arange(len(sched)), sched.repeats)
    reader = imageio_ffmpeg.read_frames(str(out))
    w, h = next(reader)["size"]
    for n, raw in enumerate(reader):
        video = luma(np.frombuffer(raw, np.uint8).reshape(h, w, 3))
        own = rendered[owner[n]]
        assert far(video, own) < 10, (n, owner[n])
        for m in (owner[n] - 1, owner[n] + 1):     # e.g. the same moment without "(clock paused)"
            if 0 <= m < len(rendered) and far(rendered[m], own) > 50:
                assert far(video, rendered[m]) > 50, (n, m)
    assert n + 1 == sched.video_frames


def test_gif_holds_by_frame_duration(small, tmp_path):
    from PIL import Image
    save_animation(small, tmp_path / "a.gif")
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == len(small.schedule)
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert sum(durations) / 1000 == pytest.approx(small.schedule.duration_s, abs=0.5)
    assert max(durations) >= 3000


def test_slides_are_an_editable_deck(lmodel, tmp_path, capsys):
    """Real title placeholders, captions as text boxes in the arms' colours, the
    pathway as a picture with alt text (never the same picture twice, never a second
    copy of the slide title inside it), and the speaker notes with every source."""
    import hashlib

    from pptx import Presentation
    from pptx.enum.shapes import PP_PLACEHOLDER
    out = tmp_path / "lecture.pptx"
    assert main(["slides", "--model", str(MODEL), "--frames", "12", "--out", str(out),
                 "--quiet"]) == 0
    lecture = load_lecture(lmodel, lecture_path_for(lmodel))
    deck = Presentation(str(out))
    slides = list(deck.slides)
    assert len(slides) == len(lecture.chapters) + 2
    pictures = []
    for slide, chapter in zip(slides[1:-1], lecture.chapters):
        title = slide.shapes.title
        assert title is not None and title.placeholder_format.type == PP_PLACEHOLDER.TITLE
        assert chapter.title in title.text_frame.text
        captions = [s.text_frame.text for s in slide.shapes
                    if s.has_text_frame and s.name.startswith("Caption")]
        assert len(captions) == sum(1 for c in chapter.arms if c is not None)
        pics = [s for s in slide.shapes if s.shape_type == 13]
        for pic in pics:
            alt = pic._element.nvPicPr.cNvPr.get("descr")
            assert alt and "image" not in alt.lower() and chapter.title in alt
            pictures.append(hashlib.sha256(pic.image.blob).hexdigest())
        notes = slide.notes_slide.notes_text_frame.text
        for cap in chapter.arms:
            for key in cap.cite:
                assert lmodel.references[key] in notes
                # a study in mice or rats says so where the notes list it
                rodent = key in lmodel.evidence.rodent_studies
                assert (f"{lmodel.references[key]} [rodent study]" in notes) == rodent, key
    assert len(pictures) == len(set(pictures)) >= len(lecture.chapters) - 1
    assert "Summary" in slides[-1].shapes.title.text_frame.text
    every = slides[-1].notes_slide.notes_text_frame.text
    cited = {k for c in lecture.chapters for cap in c.arms if cap for k in cap.cite}
    assert cited & set(lmodel.evidence.rodent_studies), "the lecture cites no rodent study to label"
    for key in cited & set(lmodel.evidence.rodent_studies):
        assert f"{lmodel.references[key]} [rodent study]" in every


def test_storyboard_uses_the_same_chapters(lmodel, tmp_path):
    assert main(["storyboard", "--model", str(MODEL), "--frames", "12", "--out",
                 str(tmp_path / "sb"), "--quiet"]) == 0
    lecture = load_lecture(lmodel, lecture_path_for(lmodel))
    pngs = sorted((tmp_path / "sb").glob("*.png"))
    assert len(pngs) == len(lecture.chapters)
    lines = (tmp_path / "sb" / "captions.txt").read_text().splitlines()
    assert [ln.split("\t")[1].split(" | ")[0] for ln in lines] == \
        [f"{k}. {c.title}" for k, c in enumerate(lecture.chapters, 1)]


def test_lecture_init_makes_a_copy_that_every_command_reads(lmodel, tmp_path, capsys):
    """`pathway lecture init DIR` copies the model and its lecture; an edited caption
    and a retimed chapter in the copy reach the output, and the command names the
    file it read on stderr (even with --quiet)."""
    folder = tmp_path / "my-lecture"
    assert main(["lecture", "init", str(folder), "--model", str(MODEL)]) == 0
    copy = folder / "lectures" / "ketamine.toml"
    assert copy.read_text() == (ROOT / "models" / "lectures" / "ketamine.toml").read_text()
    assert (folder / "ketamine.toml").read_text() == MODEL.read_text()
    assert main(["lecture", "init", str(folder)]) == 2               # never over your edits
    assert "--force" in capsys.readouterr().err
    text = copy.read_text()
    first = text.index("[[chapters]]")
    until = re.search(r'until = "([^"]+)"', text[first:])
    caption = re.search(r'caption = "([^"]+)"', text[first:])
    text = text[:first] + text[first:].replace(until.group(0), 'until = "rise:eef2k"', 1) \
        .replace(caption.group(0), 'caption = "My own words for the first chapter"', 1)
    copy.write_text(text)
    out = tmp_path / "sb"
    assert main(["storyboard", "--model", str(folder / "ketamine.toml"), "--frames", "12",
                 "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"chapters: {copy}" in err and f"model: {folder / 'ketamine.toml'}" in err
    line = (out / "captions.txt").read_text().splitlines()[0]
    from pathway.lecture import event_time
    ketamine = simulate(lmodel, "ketamine-iv", days=56, step_min=15)
    when = event_time(to_graph(lmodel), ketamine, "rise", "eef2k", 5 / 60, 56 * 24)
    assert "My own words for the first chapter" in line and elapsed(when) in line


def test_the_readme_command_makes_the_chaptered_video(tmp_path, capsys):
    out = tmp_path / "ketamine-vs-ssri.mp4"
    assert main(["animate", "--scenario", "ketamine-iv", "--compare", "ssri", "--out", str(out),
                 "--model", str(MODEL), "--frames", "20"]) == 0
    err = capsys.readouterr().err
    assert "chapters" in err and "simulating" in err
    import imageio_ffmpeg
    meta = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out), "-f", "ffmetadata",
                           "-"], capture_output=True, text=True).stdout
    assert meta.count("[CHAPTER]") >= 6


# ---------------------------------------------------------------- the player, in Chromium

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def player(small, tmp_path_factory):
    out = tmp_path_factory.mktemp("player") / "lecture.html"
    save_animation(small, out)
    return out


def test_player_is_self_contained_and_small(player):
    html = player.read_text()
    assert player.stat().st_size < 20_000_000
    assert not re.search(r"(src|href)=[\"'](http|//)", html)
    assert "data:" not in html or "base64" in html


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian Chromium")
def test_a_clicker_drives_the_player(player, small):
    from playwright.sync_api import sync_playwright
    starts = small.schedule.chapter_starts_s()
    n = len(starts)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(player.as_uri())
        can = page.evaluate("document.createElement('video').canPlayType("
                            "'video/mp4; codecs=\"avc1.42E01E\"')")
        assert can in ("probably", "maybe")             # Debian's Chromium decodes H.264
        page.wait_for_function("document.getElementById('video').readyState >= 1")
        duration = page.evaluate("document.getElementById('video').duration")
        assert duration == pytest.approx(small.schedule.duration_s, abs=0.2)

        def state():
            return page.evaluate("({t: document.getElementById('video').currentTime, "
                                 "paused: document.getElementById('video').paused, "
                                 "chapter: +document.body.dataset.chapter})")

        assert page.locator("#list li").count() == n
        holds = small.schedule.hold_starts_s()
        # (test speed only: the video plays 4 times faster; every key is a clicker's)
        page.evaluate("document.getElementById('video').playbackRate = 4")
        s = state()
        assert s["chapter"] == 0 and s["t"] < 0.05 and s["paused"]

        def parked_on(k):
            page.wait_for_function("document.body.dataset.parked === '1'", timeout=20000)
            s = state()
            assert s["paused"] and s["chapter"] == k, s
            assert holds[k] - 0.05 <= s["t"] < (starts[k + 1] if k + 1 < n else duration + 0.01)

        # the first click plays chapter 1 and parks on its held frame
        page.keyboard.press("PageDown")
        s = state()
        assert s["chapter"] == 0 and not s["paused"]
        parked_on(0)
        page.keyboard.press("ArrowRight")                # the next click plays chapter 2
        s = state()
        assert s["chapter"] == 1 and not s["paused"] and starts[1] <= s["t"] < starts[1] + 0.5
        parked_on(1)
        page.keyboard.press("PageUp")                    # back: chapter 1's held frame
        parked_on(0)
        page.keyboard.press("PageUp")                    # and back to the very start
        s = state()
        assert s["chapter"] == 0 and s["t"] < 0.05 and s["paused"]
        page.keyboard.press("Home")                      # Home then Right plays chapter 1 too
        page.keyboard.press("ArrowRight")
        s = state()
        assert s["chapter"] == 0 and not s["paused"]
        parked_on(0)
        # the clicker's blank keys: B and "."
        page.keyboard.press("b")
        assert page.locator("#blank").is_visible()
        page.keyboard.press("b")
        assert not page.locator("#blank").is_visible()
        page.keyboard.press(".")
        assert page.locator("#blank").is_visible()
        page.keyboard.press(".")
        assert not page.locator("#blank").is_visible()
        assert state()["chapter"] == 0 and state()["paused"]
        # the end holds on the last frame (no loop back), and PageUp from it goes to the
        # chapter before the last, on its held frame
        page.evaluate(f"document.getElementById('video').currentTime = {starts[n - 1] + 0.01}")
        page.evaluate("document.getElementById('video').play()")
        page.wait_for_function("document.getElementById('video').ended", timeout=20000)
        page.wait_for_timeout(300)
        s = state()
        assert s["chapter"] == n - 1 and s["t"] == pytest.approx(duration, abs=0.1)
        page.keyboard.press("PageDown")                  # nothing after the last chapter
        assert state()["chapter"] == n - 1
        page.keyboard.press("PageUp")
        parked_on(n - 2)
        # F toggles full screen; the video fills the page
        page.keyboard.press("f")
        page.wait_for_timeout(300)
        assert page.evaluate("!!document.fullscreenElement")
        box = page.locator("#video").bounding_box()
        assert box["height"] >= 0.95 * page.evaluate("window.innerHeight")
        assert box["width"] >= 0.95 * page.evaluate("window.innerWidth")   # the list steps aside
        page.keyboard.press("c")
        assert page.locator("#side").is_visible()
        browser.close()


def test_the_readme_tells_the_truth_about_the_lecture(lecture, lmodel):
    readme = (ROOT / "README.md").read_text()
    assert f"{lecture.duration_s:.0f} s in {len(lecture.chapters)} chapters" in readme
    for a, scenario in enumerate(lecture.scenarios):
        cited = [short_citation(lmodel, k) for c in lecture.chapters if c.arms[a] for k in c.arms[a].cite]
        quoted = re.findall(r'"([A-Z][\w-]+ \d{4})" for (?:the )?' + re.escape(scenario.split("-")[0]),
                            readme, re.IGNORECASE)
        assert len(quoted) == 1 and quoted[0] in cited
    assert all(f"*{c.title[0].lower() + c.title[1:]}*" in readme.replace("\n", " ")
               or c.title.lower() in readme.lower().replace("\n", " ") for c in lecture.chapters)


@pytest.mark.parametrize("pair", [("esketamine-in", "ssri"), ("ketamine-series", "ssri"),
                                  ("esketamine-induction", "ssri")])
def test_automatic_stories_for_the_built_in_pairs(lmodel, pair):
    """No two chapters share a title; no caption is about a node the frame does not
    draw for that arm; the drug's own target gets a chapter; a series of doses gets
    one chapter."""
    from pathway.animation import _reachable
    from pathway.lecture import auto_lecture
    from pathway.scenarios import placebo_arm
    graph = to_graph(lmodel)
    trajs = [simulate(lmodel, s, days=56, step_min=30) for s in pair]
    placebos = [simulate(lmodel, placebo_arm(lmodel, s), days=56, step_min=30) for s in pair]
    lec = auto_lecture(lmodel, graph, trajs, placebos, t_end_h=56 * 24)
    titles = [c.title for c in lec.chapters]
    assert len(titles) == len(set(titles)), titles
    about = {}
    for n, d in graph.nodes(data=True):
        if d.get("caption"):
            about[d["caption"][0].upper() + d["caption"][1:]] = n
    for c in lec.chapters:
        for cap, tr in zip(c.arms, trajs):
            if cap is not None and cap.text in about:
                assert about[cap.text] in _reachable(lmodel, graph, tr), (c.title, cap.text)
    first = lec.chapters[0].arms[0]
    targets = {e.target for e in lmodel.edges if e.source in trajs[0]
               and graph.nodes[e.source].get("kind") == "drug"}
    assert first is not None and about.get(first.text) in targets
    starts = {d.start_h for d in lmodel.scenario(pair[0]).doses if d.every_h is None
              and d.drug != lmodel.roles.inert}
    series = [t for t in titles if re.match(r"\d+ (infusions|doses), the last on day", t)]
    assert len(series) == (1 if len(starts) >= 3 else len(series))
    assert check_lecture(lec, graph, trajs) == []


def test_two_routes_are_two_humps_when_far_apart_on_the_log_clock():
    """A fast peak at 1 h and a slow one near day 1 are named as two routes even when the dip between them is
    shallow (a shoulder); two maxima close in time with a shallow dip are one hump; a deep dip always splits."""
    from pathway.animation import HUMP_TIME_RATIO, _humps
    x = np.geomspace(0.1, 24 * 56, 2000)
    bump = lambda at, width, h: h * np.exp(-0.5 * (np.log(x / at) / width) ** 2)   # noqa: E731
    shoulder = bump(1.0, 1.5, 0.38) + bump(28.0, 0.5, 0.08)     # a dip of about 1.5% of the peak
    found = _humps(x, shoulder)
    assert len(found) == 2 and x[found[0]] < 2 < 12 < x[found[1]]
    dip = float(np.min(shoulder[found[0]:found[1]]))
    assert min(shoulder[found]) - dip < 0.05 * shoulder.max()      # the dip alone would not have split them
    close = bump(1.0, 0.44, 0.38) + bump(HUMP_TIME_RATIO / 3, 0.44, 0.37)   # two maxima, a dip of about 2%
    assert len([i for i in range(1, len(x) - 1) if close[i - 1] <= close[i] > close[i + 1]]) == 2
    assert len(_humps(x, close)) == 1
    deep = bump(1.0, 0.2, 0.38) + bump(3.0, 0.2, 0.3)
    assert len(_humps(x, deep)) == 2


def test_the_lecture_notes_say_how_relief_moves_after_one_infusion(model):
    """Chapter 'Relief at 24 hours': relief 'stays far above the placebo arm's (in the model it peaked in the
    first hours and has eased since)'; chapter 'The SSRI's slow weeks': after one infusion 'relief is back at
    baseline' by week 8."""
    import tomllib
    from pathway.scenarios import placebo_arm
    text = (Path(__file__).resolve().parent.parent / "models" / "lectures" / "ketamine.toml").read_text()
    lecture = tomllib.loads(text)
    notes = " ".join(c.get("notes", "") for c in lecture["chapters"])
    captions = " ".join(str(c.get("arms", {})) for c in lecture["chapters"])
    assert "relief stays far above the placebo arm's (in the model it peaked in the first hours" in notes
    assert "relief is back at baseline" in captions
    sc = model.scenario("ketamine-iv")
    drug = simulate(model, sc, days=56, step_min=10)
    placebo = simulate(model, placebo_arm(model, sc), days=2, step_min=10)
    t, r = np.asarray(drug.t_h), np.asarray(drug["relief"])
    at24 = float(np.interp(24, t, r))
    assert at24 > 2 * float(np.interp(24, placebo.t_h, placebo["relief"]))
    assert t[int(np.argmax(r))] <= 6 and at24 < r.max()
    assert float(np.interp(56 * 24, t, r)) < 0.01
