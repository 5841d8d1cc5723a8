"""A slide deck from a lecture: the same chapters as the animation.

``pathway slides --scenario ketamine-iv --compare ssri --out lecture.pptx`` writes
a 16:9 deck: a title slide, one slide per chapter (the frame the chapter holds
on, the chapter's title as the slide title, its explanation, every arm's
caption and the full citations in the speaker notes) and a summary slide with
each arm's numbers, computed from the simulation.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .animation import Frame, FrameRenderer, chapter_frames
from .errors import UsageError
from .lecture import elapsed

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
        raise UsageError("slides need python-pptx\n  hint: pip install 'ketamine-pathway[lecture]'")
    out = Path(out)
    from .atomicio import check_suffix
    check_suffix(out, (".pptx",), "a slide deck")
    if not out.parent.exists():
        raise UsageError(f"cannot write '{out}': the folder {out.parent} does not exist\n"
                         "  hint: create it first")
    lecture, model, th = frame.lecture, frame.model, frame.theme
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    blank = deck.slide_layouts[6]
    renderer = FrameRenderer(frame)
    margin = 300_000

    def new_slide(title: str):
        slide = deck.slides.add_slide(blank)
        bg = slide.background.fill
        bg.solid()
        bg.fore_color.rgb = RGBColor.from_string(_hex(th.background))
        _text(slide, title, margin, 150_000, SLIDE_W - 2 * margin, 700_000, 32, bold=True,
              color=_hex(th.text))
        return slide

    # title slide
    slide = new_slide(lecture.title)
    lines = [a.description for a in frame.arms]
    for i, (line, arm) in enumerate(zip(lines, frame.arms)):
        _text(slide, line, margin, 1_600_000 + i * 650_000, SLIDE_W - 2 * margin, 600_000, 28,
              bold=True, color=_hex(arm.color))
    _text(slide, f"{len(lecture.chapters)} chapters, simulated with the model "
          f"'{model.name}'. Each arm is compared with its own matched placebo arm.\n"
          "A teaching model, not medical advice.", margin, 3_400_000, SLIDE_W - 2 * margin,
          1_200_000, 20, color=_hex(th.muted))
    slide.notes_slide.notes_text_frame.text = model.description

    # one slide per chapter
    img_top = 900_000
    img_h = SLIDE_H - img_top - 150_000
    img_w = int(img_h * 16 / 9)
    for k, i in enumerate(chapter_frames(frame)):
        chapter = lecture.chapters[k]
        slide = new_slide(f"{k + 1}. {chapter.title}")
        slide.shapes.add_picture(_png(renderer.render(i)), Emu((SLIDE_W - img_w) // 2),
                                 Emu(img_top), Emu(img_w), Emu(img_h))
        notes = [chapter.notes or "", "", f"On the clock: {elapsed(chapter.start_h)} to "
                 f"{elapsed(chapter.end_h)}."]
        refs = []
        for a, line in enumerate(frame.caption_lines(k)):
            if line:
                notes.append(line)
            cap = chapter.arms[a] if a < len(chapter.arms) else None
            refs += [key for key in (cap.cite if cap else ()) if key not in refs]
        if refs:
            notes += ["", "Sources:"] + [f"- {model.references.get(key, key)}" for key in refs]
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
        f"- {model.references.get(key, key)}" for key in every)
    from .atomicio import atomic_path
    with atomic_path(out) as part:          # an interrupted save leaves the old deck
        deck.save(part)
    return {"slides": len(deck.slides), "chapters": len(lecture.chapters),
            "bytes": out.stat().st_size}


def _hex(color) -> str:
    import matplotlib.colors
    return matplotlib.colors.to_hex(color).lstrip("#").upper()
