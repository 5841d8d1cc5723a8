"""A slide deck from a lecture: the same chapters as the animation.

``pathway slides --scenario ketamine-iv --compare ssri --out lecture.pptx`` writes
a 16:9 deck a lecturer can edit: a title slide, one slide per chapter and a
summary slide with each arm's numbers, computed from the simulation. A chapter's
slide has its title in the layout's title placeholder, the pathway and relief
panel as a picture (with alt text) at the moment the chapter holds on, and each
arm's caption and source as text boxes in the arm's colour, where the animation
shows them; its explanation, every caption and the full citations are in the
speaker notes. A chapter with no window of its own (the closing comparison)
repeats no picture: its slide gives its captions and numbers as text.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .animation import Frame, FrameRenderer, chapter_frames
from .plotting import blend_overlay
from .errors import UsageError
from .lecture import elapsed
from .evidence import source_line

try:                                       # python-pptx is the 'lecture' extra
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt
except ImportError:                        # pragma: no cover - checked at use
    Presentation = None

SLIDE_W, SLIDE_H = 12_192_000, 6_858_000      # 13.33 x 7.5 in, 16:9, in EMU


def _png(rgb: np.ndarray) -> io.BytesIO:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.array(rgb)).save(buf, format="PNG")
    buf.seek(0)
    return buf


def _text(slide, text, left, top, width, height, size, *, bold=False, color=None):
    box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = line
        para.font.size = Pt(size)
        para.font.bold = bold
        if color:
            para.font.color.rgb = RGBColor.from_string(color.lstrip("#").upper()[:6])
    return box


def _summary(frame: Frame) -> list[tuple[str, str]]:
    """Per arm: its treatment, and its numbers (the primary outcome) in a few lines."""
    from .modelfile import format_quantity
    out = []
    t_end = frame.lecture.end_h
    moments = [t for t in (24.0, 168.0) if t < t_end] + [t_end]
    for arm in frame.arms:
        tr, pl = arm.traj, arm.placebo
        primary = tr.primary
        lines = []
        if pl is not None:
            effect = tr[primary] - np.interp(tr.t_h, pl.t_h, pl[primary])
            i = int(np.argmax(effect))
            lines.append(f"Drug effect (the arm minus its own placebo arm) is largest, "
                         f"{effect[i]:.2f}, at {format_quantity(float(tr.t_h[i]), 'time')}.")
            lines.append("Drug effect at " + ", ".join(
                f"{format_quantity(t, 'time')}: {float(np.interp(t, tr.t_h, effect)):.2f}"
                for t in moments) + ".")
        t_peak, peak = tr.peak(primary)
        lines.append(f"{tr.label(primary)[0].upper() + tr.label(primary)[1:]} peaks at {peak:.2f} "
                     f"at {format_quantity(t_peak, 'time')}.")
        out.append((arm.description, "\n".join(lines)))
    return out


def write_slides(frame: Frame, out: str | Path) -> dict:
    """Write the deck; return the number of slides and the file size."""
    if Presentation is None:
        raise UsageError("slides need python-pptx, which a plain install leaves out\n  hint: "
                         "pip install \".[lecture]\" in the project folder (or pip install "
                         "python-pptx)")
    out = Path(out)
    from .atomicio import check_suffix
    check_suffix(out, (".pptx",), "a slide deck")
    if not out.parent.exists():
        raise UsageError(f"cannot write '{out}': the folder {out.parent} does not exist\n"
                         "  hint: create it first")
    lecture, model, th = frame.lecture, frame.model, frame.theme
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    titled = deck.slide_layouts[5]          # "Title Only": a real title placeholder
    renderer = _PictureRenderer(frame)
    margin = 300_000

    def new_slide(title: str):
        slide = deck.slides.add_slide(titled)
        bg = slide.background.fill
        bg.solid()
        bg.fore_color.rgb = RGBColor.from_string(_hex(th.background))
        place = slide.shapes.title
        place.left, place.top = Emu(margin), Emu(100_000)
        place.width, place.height = Emu(SLIDE_W - 2 * margin), Emu(720_000)
        place.text = title
        for para in place.text_frame.paragraphs:
            para.alignment = 1                     # left
            para.font.size = Pt(32)
            para.font.bold = True
            para.font.color.rgb = RGBColor.from_string(_hex(th.text))
        return slide

    # title slide
    slide = new_slide(lecture.title)
    lines = [a.description for a in frame.arms]
    for i, (line, arm) in enumerate(zip(lines, frame.arms)):
        _text(slide, line, margin, 1_600_000 + i * 650_000, SLIDE_W - 2 * margin, 600_000, 28,
              bold=True, color=_hex(arm.color))
    _text(slide, f"{len(lecture.chapters)} chapters, simulated with the model "
          f"'{model.name}'. The relief panel shows each arm's drug effect: the arm minus its "
          "own matched placebo arm. Arrows show the evidence for each step by their line: solid "
          "strong, dashed moderate, dotted preliminary, dash-dot contested.\nA teaching model, "
          "not medical advice.", margin, 3_400_000,
          SLIDE_W - 2 * margin, 1_200_000, 20, color=_hex(th.muted))
    slide.notes_slide.notes_text_frame.text = model.description

    # one slide per chapter: the picture below the title, cropped of the frame's own
    # title lines, with the captions as text where the animation shows them
    fig_h = frame.fig.bbox.height
    crop = 1 - max(frame.texts["title"].get_window_extent().y0,
                   frame.texts["chapter"].get_window_extent().y0) / fig_h + 0.005
    img_top = 850_000
    img_h = SLIDE_H - img_top - 60_000
    img_w = int(img_h / (1 - crop) * frame.fig.bbox.width / fig_h)
    img_left = (SLIDE_W - img_w) // 2
    shown = None
    for k, i in enumerate(chapter_frames(frame)):
        chapter = lecture.chapters[k]
        slide = new_slide(f"{k + 1}. {chapter.title}")
        lines = frame.caption_lines(k)
        moment = float(frame.times_h[i])
        if chapter.end_h > chapter.start_h or shown != moment:
            pic = slide.shapes.add_picture(_png(renderer.render(i)), Emu(img_left), Emu(img_top),
                                           Emu(img_w), Emu(img_h))
            pic.crop_top = crop
            pic._element.nvPicPr.cNvPr.set("descr", _alt_text(frame, k, moment))
            pic.name = f"Pathway and relief, chapter {k + 1}"
            for a, line in enumerate(lines):
                if not line:
                    continue
                y = 1 - frame.texts[f"caption{a}"].get_position()[1]      # from the top
                top = img_top + int(((y - crop) / (1 - crop)) * img_h) - 230_000
                box = _text(slide, line, img_left + 60_000, top, int(img_w * 0.8), 460_000, 22,
                            bold=True, color=_hex(frame.arms[a].color))
                box.name = f"Caption: {frame.arms[a].name}"
                cite = frame.citation(k, a)
                if cite:
                    c = _text(slide, cite, img_left + int(img_w * 0.8), top, int(img_w * 0.2)
                              - 60_000, 460_000, 16, color=_hex(th.muted))
                    c.text_frame.paragraphs[0].alignment = 3      # right
        else:                       # the same moment as the slide before: words, not a copy
            for a, line in enumerate(lines):
                if line:
                    box = _text(slide, line, margin, 1_400_000 + a * 1_300_000,
                                SLIDE_W - 2 * margin, 1_100_000, 30, bold=True,
                                color=_hex(frame.arms[a].color))
                    box.name = f"Caption: {frame.arms[a].name}"
            _text(slide, "The picture is the one on the slide before; the relief panel there "
                  "shows each arm's drug effect.", margin, 4_300_000, SLIDE_W - 2 * margin,
                  800_000, 20, color=_hex(th.muted))
        shown = moment
        notes = [chapter.notes or "", "", f"On the clock: {elapsed(chapter.start_h)} to "
                 f"{elapsed(chapter.end_h)}."]
        refs = []
        for a, line in enumerate(lines):
            if line:
                notes.append(line)
            cap = chapter.arms[a] if a < len(chapter.arms) else None
            refs += [key for key in (cap.cite if cap else ()) if key not in refs]
        if refs:
            notes += ["", "Sources:"] + [f"- {source_line(model.references.get(key, key), key, model.evidence)}"
                                         for key in refs]
        slide.notes_slide.notes_text_frame.text = "\n".join(notes).strip()

    # summary
    slide = new_slide("Summary")
    for i, ((desc, words), arm) in enumerate(zip(_summary(frame), frame.arms)):
        top = 1_050_000 + i * 2_600_000
        _text(slide, desc, margin, top, SLIDE_W - 2 * margin, 500_000, 26, bold=True,
              color=_hex(arm.color))
        _text(slide, words, margin, top + 550_000, SLIDE_W - 2 * margin, 1_900_000, 20,
              color=_hex(th.text))
    every = []
    for chapter in lecture.chapters:
        for cap in chapter.arms:
            every += [key for key in (cap.cite if cap else ()) if key not in every]
    slide.notes_slide.notes_text_frame.text = "Sources:\n" + "\n".join(
        f"- {source_line(model.references.get(key, key), key, model.evidence)}" for key in every)
    from .atomicio import atomic_path
    with atomic_path(out) as part:          # an interrupted save leaves the old deck
        deck.save(part)
    return {"slides": len(deck.slides), "chapters": len(lecture.chapters),
            "bytes": out.stat().st_size}


class _PictureRenderer(FrameRenderer):
    """Frames for slides: the pathway, keys and relief panel, without the frame's title
    lines and captions (the slide has them as text)."""

    def __init__(self, frame: Frame):
        frame.texts["title"].set_visible(False)
        super().__init__(frame)
        frame.texts["title"].set_visible(True)

    def render(self, i: int) -> np.ndarray:
        fig, canvas = self.frame.fig, self.canvas
        dynamic = self.frame.update(i)
        canvas.restore_region(self.background)
        for artist in dynamic:
            fig.draw_artist(artist)
        buf = np.asarray(canvas.buffer_rgba())
        blend_overlay(buf, self.labels)
        return buf[:, :, :3].copy()


def _alt_text(frame: Frame, k: int, t_h: float) -> str:
    """What the picture shows, for a screen reader: the moment, the most active nodes
    of each arm, and where each arm's curve stands."""
    from .plotting import activity_at
    parts = [f"The pathway {elapsed(t_h)}, chapter {k + 1}: {frame.lecture.chapters[k].title}."]
    for arm in frame.arms:
        act = activity_at(_graph(frame), arm.traj, t_h)
        shown = [n for n in frame.boxes if n in act and abs(act[n]) >= 0.12]
        shown.sort(key=lambda n: -abs(act[n]))
        names = [frame.texts[f"label:{n}"].get_text() for n in shown[:5] if f"label:{n}" in frame.texts]
        parts.append(f"{arm.name}: most changed {', '.join(names) or 'nothing yet'}.")
    parts.append("Below, each arm's drug effect on relief over time, with a cursor at this moment.")
    return " ".join(parts)


def _graph(frame: Frame):
    from .graph import to_graph
    if not hasattr(frame, "_slides_graph"):
        frame._slides_graph = to_graph(frame.model)
    return frame._slides_graph


def _hex(color) -> str:
    import matplotlib.colors
    return matplotlib.colors.to_hex(color).lstrip("#").upper()
