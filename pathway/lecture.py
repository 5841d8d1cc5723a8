"""Lecture chapters: the story an animation tells, as data.

A lecture is a sequence of chapters. Each chapter covers a window of the
simulated clock (from the previous chapter's end to its own ``until``), plays it
in ``seconds`` of video, then pauses the clock for ``hold`` seconds while the
lecturer explains. Every arm of the comparison has its own caption in each
chapter, in that arm's own mechanism order, with that arm's own citations.

Chapters live in a file beside the model, found by the model's name in a
``lectures`` folder next to it (for ``models/ketamine.toml``:
``models/lectures/ketamine.toml``; a folder of its own, so that nothing mistakes
a lecture for a model file), so a lecturer can reword or reorder them without
touching code or the model. A model without such
a file still animates: :func:`auto_lecture` builds chapters from the order in
which the mechanism's nodes respond.

A caption may say what the picture must show while it is on screen
(``active``, ``rising``, ``falling``, ``resting`` node lists and ``plasma =
"present"`` or ``"gone"``); :func:`check_lecture` tests those claims against the
simulation, so a caption never contradicts the picture. Numbers in captions are
computed, never typed: ``{value@24h}`` (the arm's primary outcome at 24 h),
``{placebo@24h}`` (its matched placebo arm's), ``{effect@24h}`` (the
difference), ``{peak_effect}`` and ``{peak_effect_time}``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import UsageError, suggest
from .modelfile import MAX_DAYS, Model, parse_quantity
from .scenarios import inert_drugs
from .tomlfile import FileChecker, FileKind, read_toml, run_checks

#: the shortest time a caption may stay on screen, in seconds of video
MIN_CAPTION_S = 3.0
CONDITIONS = ("active", "rising", "falling", "resting")
PLASMA_STATES = ("present", "gone")
ACTIVE = 0.12          # |activity| above this counts as active
RESTING = 0.05         # and below this as at rest
#: as the pathway shows activity (on each node's own range, 0..1 of its largest change):
#: a node a caption calls active shows at least a third of its colour; one at rest under 10%
ACTIVE_SHOWN, RESTING_SHOWN = 1 / 3, 0.1
#: the drug is "gone" under 5% of its peak plasma level (its box as pale as white),
#: "present" over 10%
GONE, PRESENT = 0.05, 0.1


@dataclass(frozen=True)
class ArmCaption:
    """What one arm's caption says in one chapter, and what the picture must show."""

    text: str
    cite: tuple[str, ...] = ()
    active: tuple[str, ...] = ()
    rising: tuple[str, ...] = ()
    falling: tuple[str, ...] = ()
    resting: tuple[str, ...] = ()
    plasma: str = ""


@dataclass(frozen=True)
class Chapter:
    title: str
    start_h: float
    end_h: float
    seconds: float            # video seconds for the window start_h..end_h
    hold: float               # video seconds the clock pauses at end_h
    notes: str = ""
    arms: tuple[ArmCaption | None, ...] = ()
    until: tuple[str, str, str] | None = None   # (event, node, scenario): ends at a simulated moment

    @property
    def on_screen_s(self) -> float:
        return self.seconds + self.hold


@dataclass(frozen=True)
class Lecture:
    title: str
    scenarios: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    labels: dict[str, str] = field(default_factory=dict)
    source: str = "automatic"
    hide: tuple[str, ...] = ()        # nodes left out of the projected pathway

    @property
    def automatic(self) -> bool:
        return self.source == "automatic"

    @property
    def start_h(self) -> float:
        return self.chapters[0].start_h

    @property
    def end_h(self) -> float:
        return self.chapters[-1].end_h

    @property
    def duration_s(self) -> float:
        return sum(c.on_screen_s for c in self.chapters)


# ---------------------------------------------------------------- words for people

def short_citation(model: Model, key: str) -> str:
    """``"Le Poul 1995"`` from ``"Le Poul E et al. (1995) ..."``: the first author's
    surname (the words before the initials) and the year."""
    ref = model.references.get(key, key)
    year = re.search(r"\((\d{4})\)", ref)
    if not year:                           # not a paper: the reference's key
        return key
    names = re.match(r"^(.*?)\s+[A-Z]{1,3}\b", ref.split(",")[0].split("(")[0].strip() + " X")
    author = names.group(1) if names else ref.split(" ")[0]
    return f"{author} {year.group(1)}"


def elapsed(t_h: float) -> str:
    """``"1 day 0 h 05 min after the start"``: time since the first dose, in words."""
    minutes = int(round(t_h * 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days == 0:
        text = f"{hours} h {mins:02d} min" if hours else f"{mins} min"
    elif days < 14:
        text = f"{days} day{'s' if days > 1 else ''} {hours} h {mins:02d} min"
    else:
        weeks, days = divmod(days, 7)
        text = f"{weeks} weeks" + (f" {days} day{'s' if days > 1 else ''}" if days else "") \
            + (f" {hours} h" if hours else "")
    return f"{text} after the start"


def _time_words(hours: float) -> str:
    if hours % 168 == 0 and hours >= 168:
        n = int(hours // 168)
        return "weekly" if n == 1 else f"every {n} weeks"
    if hours % 24 == 0:
        n = int(hours // 24)
        return "daily" if n == 1 else f"every {n} days"
    return f"every {hours:g} h"


def _amount(x: float) -> str:
    return f"{x:g}"


def _duration(hours: float) -> str:
    return f"{hours * 60:g} min" if hours < 2 else f"{hours:g} h"


def drug_name(model: Model, drug: str) -> str:
    """A drug as a person names it: the short label, with the drug the model says it
    stands for when the label gives one in brackets (``"SSRI (escitalopram)"``)."""
    node = model.node(drug)
    short = node.short_label or node.label
    m = re.fullmatch(re.escape(short) + r" \(([A-Za-z-]+)\)", node.label or "")
    return node.label if m and drug != model.roles.inert else short


def describe_doses(model: Model, scenario: str) -> str:
    """``"Ketamine 0.5 mg/kg IV over 40 min"``, ``"SSRI (escitalopram) 10 mg oral daily"``: a
    scenario's treatment in words, from its dose lines and the drugs' node labels."""
    sc = model.scenario(scenario)
    if sc.label:
        return sc.label
    inert = model.roles.inert
    doses = [d for d in sc.doses if d.drug != inert] or list(sc.doses)
    if not doses:
        return sc.name
    # dose lines given together (same route, start pattern and duration) read as one
    groups: dict[tuple, list] = {}
    for d in doses:
        groups.setdefault((d.route, d.duration_h, d.every_h, d.count), []).append(d)
    # lines that repeat one treatment at other start times (a series) merge
    merged: dict[tuple, list] = {}
    for key, lines in groups.items():
        what = tuple(sorted((d.drug, d.amount, d.per_kg) for d in lines))
        merged.setdefault((what, key[0], key[1]), []).append((key, lines))
    parts = []
    for (what, route, duration), entries in merged.items():
        names = []
        for drug, amount, per_kg in dict.fromkeys(what):
            names.append(f"{drug_name(model, drug)} {_amount(amount)} "
                         f"{'mg/kg' if per_kg else 'mg'}")
        text = " + ".join(names) + f" {route.upper() if len(route) <= 3 else route}"
        if duration:
            text += f" over {_duration(duration)}"
        starts, open_ended, every = set(), False, None
        for (r, dur, every_h, count), lines in entries:
            for line in lines:
                if every_h is None:
                    starts.add(line.start_h)
                elif count is None:
                    open_ended, every = True, every_h
                else:
                    starts |= {line.start_h + i * every_h for i in range(count)}
        if open_ended:
            text += f" {_time_words(every)}"
        elif len(starts) > 1:
            span = (max(starts) - min(starts)) / 24
            text += f", {len(starts)} doses over {span:g} days"
        parts.append(text)
    if sc.study_drugs:        # the drug under study first, then the background treatment
        study = [drug_name(model, d) for d in sc.study_drugs]
        parts.sort(key=lambda part: not any(part.lower().startswith(n.lower()) for n in study))
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def fill_numbers(text: str, arm, placebo) -> str:
    """Replace ``{value@24h}``, ``{placebo@24h}``, ``{effect@24h}``, ``{peak_effect}``
    and ``{peak_effect_time}`` with numbers from the arm's and its placebo's
    trajectories (the primary outcome)."""
    from .modelfile import format_quantity

    def at(traj, when):
        t = parse_quantity(when, "time")[0]
        return float(np.interp(t, traj.t_h, traj[traj.primary]))

    def effect_series():
        if placebo is None:
            raise UsageError("a caption asks for a drug effect, but the animation has no placebo "
                             "arm\n  hint: drop --no-placebo")
        return arm.t_h, arm[arm.primary] - np.interp(arm.t_h, placebo.t_h, placebo[placebo.primary])

    def replace(match):
        what, when = match.group("what"), match.group("when")
        try:
            if what == "value":
                return f"{at(arm, when):.2f}"
            if match.group("matched"):          # {placebo@...}: the arm's matched placebo
                if placebo is None:
                    raise UsageError("a caption asks for the placebo arm, but there is none\n"
                                     "  hint: drop --no-placebo")
                return f"{at(placebo, when):.2f}"
            if what == "effect":
                t, e = effect_series()
                return f"{float(np.interp(parse_quantity(when, 'time')[0], t, e)):.2f}"
            t, e = effect_series()
            i = int(np.argmax(e))
            return f"{e[i]:.2f}" if what == "peak_effect" else format_quantity(float(t[i]), "time")
        except ValueError as exc:
            raise UsageError(f"caption {text!r}: {exc}") from None

    return re.sub(r"\{(?P<what>value|(?P<matched>placebo)|effect|peak_effect_time|peak_effect)"
                  r"(?:@(?P<when>[^}]+))?\}", replace, text)


# ---------------------------------------------------------------- the lecture file

def init_lecture(model: Model, folder: str | Path, *, force: bool = False) -> tuple[Path, Path]:
    """Copy ``model``'s file and its lecture file into ``folder`` (as ``<stem>.toml``
    and ``lectures/<stem>.toml``), so that a lecturer edits files they can see.
    Commands given ``--model folder/<stem>.toml`` read the lecture beside it.
    Returns (model copy, lecture copy); refuses to overwrite unless ``force``."""
    from .atomicio import write_text
    src = Path(str(model.source))
    if not src.is_file():
        raise UsageError(f"the model '{model.source}' is not a file, so there is nothing to "
                         "copy\n  hint: give --model FILE")
    lecture = lecture_path_for(model)
    if lecture is None:
        raise UsageError(f"the model file {src.name} has no lecture file beside it (lectures/"
                         f"{src.stem}.toml)\n  hint: its chapters are built from the mechanism; "
                         "start from the built-in model's lecture (leave out --model)")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"'{folder}' is a file, not a folder\n  hint: name a new folder, "
                         "e.g. my-lecture")
    targets = (folder / src.name, folder / "lectures" / lecture.name)
    there = [t for t in targets if t.exists()]
    if there and not force:
        raise UsageError(f"{there[0]} already exists; it may hold your edits\n  hint: name "
                         "another folder, or add --force to replace it")
    try:
        (folder / "lectures").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the folder '{folder / 'lectures'}': {exc.strerror}\n"
                         "  hint: check the path and that you may write there") from None
    write_text(targets[0], src.read_text(encoding="utf-8"))
    write_text(targets[1], lecture.read_text(encoding="utf-8"))
    return targets


def lecture_path_for(model: Model) -> Path | None:
    """``lectures/<model stem>.toml`` beside the model file, if there is one."""
    src = Path(str(model.source))
    if not src.suffix or not src.exists():
        return None
    path = src.parent / "lectures" / (src.stem + ".toml")
    return path if path.is_file() else None


#: How a lecture file is spoken of in its errors (limits: :mod:`pathway.tomlfile`).
LECTURE_FILE = FileKind(
    name="lecture file", noun="any lecture needs",
    size_hint="a lecture file is a few kB of chapters; check that this is a lecture file",
    missing_hint="check the path given to --chapters", missing_what="no lecture file there")
_LECTURE_TABLES = {"lecture", "labels", "chapters"}
_HEAD_KEYS = {"title", "scenarios", "start", "hide"}
_CHAPTER_KEYS = {"title", "until", "seconds", "hold", "notes", "arms"}
_ARM_KEYS = {"caption", "cite", "plasma", *CONDITIONS}
#: the longest a chapter may run on screen, in seconds of video
MAX_CHAPTER_S = 600.0


class _Reader(FileChecker):
    """The lecture file's checker: every name it uses must exist in the model."""

    def __init__(self, model: Model, source: str):
        super().__init__(source)
        self.model = model

    def time(self, place, text, *, positive=False) -> float | None:
        value = self.quantity_of(text, "time", place, positive=positive, nonnegative=True)
        if value is not None and value > MAX_DAYS * 24:
            self.problem(place, f"{text!r} is later than the {MAX_DAYS:g} days a simulation "
                         "may run", "give a time within the lecture's scenarios")
            return None
        return value

    def seconds(self, place, data, key, default, minimum=0.0) -> float:
        value = self.number(data, key, place, low=minimum, high=MAX_CHAPTER_S, required=False,
                            default=None, hint=f"give {key} as a number of seconds of video, "
                            f"from {minimum:g} to {MAX_CHAPTER_S:g}")
        return float(default) if value is None else value

    def build(self, data: dict) -> Lecture:
        model = self.model
        for key in sorted(set(data) - _LECTURE_TABLES):
            self.problem(key, "unknown table", "a lecture file has [lecture], [labels] and "
                         "[[chapters]]")
        head = self.table(data.get("lecture", {}), "[lecture]")
        self.unknown_keys(head, _HEAD_KEYS, "[lecture]")
        title = self.nonempty_text(head, "title", "[lecture]", required=False)
        scenarios = self.names(head.get("scenarios", []), model.scenarios, "lecture.scenarios",
                               "scenario")
        if not head.get("scenarios"):
            self.problem("lecture.scenarios", "no scenarios: name the scenarios this lecture "
                         "tells", "write scenarios = [\"A\", \"B\"] with scenarios of the model")
        start = self.time("lecture.start", head.get("start", "5 min"), positive=True)
        hide = self.names(head.get("hide", []), model.node_ids, "lecture.hide", "node")
        labels = {}
        for node, text in self.table(data.get("labels", {}), "[labels]").items():
            if node not in model.node_ids:
                self.problem(f"labels.{node}", f"unknown node '{node}'",
                             suggest(node, model.node_ids))
            elif not isinstance(text, str) or not text.strip():
                self.problem(f"labels.{node}", "a label must be a non-empty string",
                             f"write {node} = \"Short name\"")
            else:
                labels[node] = text
        chapters, previous = [], start
        raw = data.get("chapters", [])
        if not raw:
            self.problem("chapters", "no [[chapters]]",
                         "add at least one chapter with title and until")
        for i, ch in self.list_of_tables(raw, "chapters", "[[chapters]] with title and until"):
            chapter = self.chapter(i + 1, ch, previous, scenarios,
                                   last=isinstance(raw, list) and i == len(raw) - 1)
            if chapter is not None:
                chapters.append(chapter)
                previous = chapter.end_h
        return Lecture(title or " vs ".join(scenarios), scenarios, tuple(chapters), labels,
                       self.source, hide)

    def chapter(self, i: int, ch: dict, previous: float | None, scenarios,
                last: bool = False) -> Chapter | None:
        model, place = self.model, f"chapters[{i}]"
        for key in sorted(set(ch) - _CHAPTER_KEYS):
            self.problem(f"{place}.{key}", "unknown field",
                         "a chapter has title, until, seconds, hold, notes and arms")
        title = ch.get("title")
        if not isinstance(title, str) or not title.strip():
            self.problem(f"{place}.title", "every chapter needs a title (a non-empty string)",
                         "write title = \"What happens now\"")
            title = f"Chapter {i}"
        event = None
        raw_until = ch.get("until")
        m = re.fullmatch(r"\s*(peak|rise|fall)\s*:\s*([A-Za-z0-9_]+)\s*(?:@\s*([\w.-]+))?\s*",
                         raw_until) if isinstance(raw_until, str) else None
        if m:
            what, node, arm = m.group(1), m.group(2), m.group(3) or (scenarios[0] if scenarios else "")
            if node not in model.node_ids:
                self.problem(f"{place}.until", f"unknown node '{node}'", suggest(node, model.node_ids))
            elif arm not in scenarios:
                self.problem(f"{place}.until", f"'{arm}' is not in lecture.scenarios",
                             f"use one of {', '.join(scenarios) or 'the lecture scenarios'}")
            elif last:
                self.problem(f"{place}.until", "the last chapter ends at a fixed time (it sets how "
                             "long the run is)", "e.g. until = \"56 d\"")
            else:
                event = (what, node, arm)
        end = previous if event else (self.time(f"{place}.until", ch["until"]) if "until" in ch
                                      else None)
        if end is None:
            if "until" not in ch:
                self.problem(f"{place}.until", "missing: when on the simulated clock this "
                             "chapter ends", "e.g. until = \"1 h\"")
            end = previous
        if previous is not None and end is not None and end < previous and not event:
            self.problem(f"{place}.until", f"ends before the previous chapter ({ch.get('until')!r})",
                         "chapters follow the clock: each ends at or after the one before")
        seconds = self.seconds(f"{place}.seconds", ch, "seconds",
                               0 if end == previous and not event else 4)
        hold = self.seconds(f"{place}.hold", ch, "hold", 3)
        if seconds + hold < MIN_CAPTION_S:
            self.problem(place, f"on screen for {seconds + hold:g} s: a caption needs at least "
                         f"{MIN_CAPTION_S:g} s", "raise seconds or hold")
        arms_raw = self.table(ch.get("arms", {}), f"{place}.arms")
        for name in arms_raw:
            if name not in model.scenarios:
                self.problem(f"{place}.arms.{name}", f"unknown scenario '{name}'",
                             suggest(name, model.scenarios))
            elif name not in scenarios:
                self.problem(f"{place}.arms.{name}", f"'{name}' is not in lecture.scenarios",
                             "add it to lecture.scenarios, or leave out its caption")
        arms = [self.arm(f"{place}.arms.{name}", arms_raw.get(name)) for name in scenarios]
        notes = self.text(ch, "notes", place, required=False)
        if previous is None or end is None:
            return None
        return Chapter(title.strip(), previous, end, seconds, hold, notes.strip(), tuple(arms), event)

    def arm(self, ap: str, arm) -> ArmCaption | None:
        model = self.model
        if arm is None:
            return None
        if isinstance(arm, str):
            arm = {"caption": arm}
        if not isinstance(arm, dict):
            self.problem(ap, f"expected a caption or a table, got {type(arm).__name__}",
                         "write name = { caption = \"...\", cite = [\"key\"] }")
            return None
        for key in sorted(set(arm) - _ARM_KEYS):
            self.problem(f"{ap}.{key}", "unknown field",
                         f"an arm caption has caption, cite, plasma, {', '.join(CONDITIONS)}")
        text = arm.get("caption")
        if not isinstance(text, str) or not text.strip():
            self.problem(f"{ap}.caption", "missing or empty",
                         "write caption = \"what this arm shows now\"")
            text = ""
        cite = self.names(arm.get("cite", []), model.references, f"{ap}.cite", "reference")
        conds = {c: self.names(arm.get(c, []), model.node_ids, f"{ap}.{c}", "node")
                 for c in CONDITIONS}
        plasma = arm.get("plasma", "")
        if plasma != "" and plasma not in PLASMA_STATES:
            self.problem(f"{ap}.plasma", f"{plasma!r} is not a plasma state",
                         f"use {' or '.join(repr(p) for p in PLASMA_STATES)}")
            plasma = ""
        return ArmCaption(text.strip(), cite, plasma=plasma, **conds)


def load_lecture(model: Model, path: str | Path) -> Lecture:
    """Read and check a lecture file against ``model``: every scenario, node and
    reference it names must exist in the model.

    Raises :class:`~pathway.errors.DataFileError` (a ``UsageError``) listing every
    problem, each with the file, the place and a hint."""
    shown = str(path)
    data = read_toml(path, LECTURE_FILE)
    reader = _Reader(model, shown)
    return run_checks(reader, reader.build, data, LECTURE_FILE)


def activity_series(graph, traj, node: str, times_h) -> np.ndarray:
    """A node's activity (as the pathway colours it, -1..1) at ``times_h``."""
    from .plotting import activity_at
    return np.array([activity_at(graph, traj, t).get(node, 0.0) for t in times_h])


def own_range(graph, trajs, node: str, times_h) -> float:
    """The largest change of ``node`` from rest in any of ``trajs`` over ``times_h``: the
    scale on which the pathway shows it, so that a small but real change (new spines
    after one infusion) is as visible as a large one."""
    return max([float(np.max(np.abs(activity_series(graph, t, node, times_h)))) for t in trajs
                if node in t] + [0.0])


def event_time(graph, traj, what: str, node: str, start_h: float, end_h: float) -> float:
    """When ``node`` peaks (``peak``), first reaches half its largest change (``rise``)
    or falls back below half of it after the peak (``fall``) in ``traj``, between
    ``start_h`` and ``end_h``."""
    times = np.geomspace(max(start_h, 1e-3), end_h, 600)
    a = np.abs(activity_series(graph, traj, node, times))
    top = float(a.max())
    if top < 1e-3:
        raise UsageError(f"'{node}' does not move in {traj.scenario}, so a chapter cannot end at "
                         f"its {what}\n  hint: give until a time, e.g. \"1 h\"")
    i = int(np.argmax(a))
    if what == "peak":
        return float(times[i])
    if what == "rise":
        return float(times[int(np.argmax(a >= 0.5 * top))])
    below = np.flatnonzero(a[i:] < 0.5 * top)
    return float(times[i + below[0]]) if len(below) else float(times[-1])


def resolve_lecture(lecture: Lecture, graph, trajs) -> Lecture:
    """Chapters whose ``until`` names a simulated moment (``"peak:bdnf"``) get their
    times from this run: the chapters follow the model, whatever its parameters."""
    if not any(c.until for c in lecture.chapters):
        return lecture
    by_name = {t.scenario: t for t in trajs}
    chapters, previous = [], lecture.start_h
    for k, c in enumerate(lecture.chapters, start=1):
        end = c.end_h
        if c.until:
            what, node, arm = c.until
            if arm not in by_name:
                raise UsageError(f"{lecture.source}: chapter {k} ends at the {what} of '{node}' "
                                 f"in {arm}, which this run does not simulate\n  hint: tell "
                                 f"{' vs '.join(lecture.scenarios)}")
            end = event_time(graph, by_name[arm], what, node, lecture.start_h, lecture.end_h)
        if end < previous - 1e-9:
            raise UsageError(f"{lecture.source}: chapter {k} '{c.title}' would end at "
                             f"{end * 60:.0f} min, before the chapter before it ends "
                             f"({previous * 60:.0f} min)\n  hint: in this run the moments come "
                             "in another order; reorder the chapters or give until a time")
        chapters.append(Chapter(c.title, previous, end, c.seconds, c.hold, c.notes, c.arms, c.until))
        previous = end
    return Lecture(lecture.title, lecture.scenarios, tuple(chapters), lecture.labels,
                   lecture.source, lecture.hide)


def choose_lecture(model: Model, scenarios: list[str], *, chapters: str | Path | None = None,
                   days: float | None = None, graph=None, trajs=None, placebos=None,
                   note=None) -> Lecture:
    """The lecture to tell for ``scenarios``: the ``--chapters`` file if given (it must
    tell these scenarios), else the model's own lecture file if it tells them and
    fits in ``days``, else chapters built automatically."""
    path = Path(chapters) if chapters else lecture_path_for(model)
    if path is not None:
        lecture = load_lecture(model, path)
        fits = list(lecture.scenarios[:len(scenarios)]) == list(scenarios)
        long_enough = days is None or days * 24 >= lecture.end_h - 1e-9
        if fits and long_enough:
            if trajs is None:
                return lecture
            try:
                return resolve_lecture(lecture, graph, trajs)
            except UsageError as exc:
                if chapters:
                    raise
                # the model's own lecture does not fit this run (an intervention that
                # stops a step): the mechanism tells the story instead
                if note:
                    note(f"{path.name}: its chapters do not fit this run ("
                         f"{str(exc).splitlines()[0]}); building chapters automatically")
                return _with_labels(auto_lecture(model, graph, trajs, placebos,
                                                 t_end_h=(days or 56) * 24), lecture)
        why = (f"it tells {' vs '.join(lecture.scenarios)}" if not fits else
               f"it runs to {lecture.end_h / 24:g} days, longer than --days {days:g}")
        if chapters:
            raise UsageError(f"the lecture file {path} cannot be used here: {why}\n"
                             "  hint: pick its scenarios (or a longer --days), or leave out "
                             "--chapters to build chapters automatically")
        if note:
            note(f"{path.name}: {why}; building chapters automatically")
    if trajs is None:
        raise UsageError("automatic chapters need the simulated arms")
    auto = auto_lecture(model, graph, trajs, placebos, t_end_h=(days or 56) * 24)
    return _with_labels(auto, lecture) if path is not None else auto


def _with_labels(auto: Lecture, told: Lecture) -> Lecture:
    """Automatic chapters keep the lecture file's projection: its labels name the
    model's nodes for the hall whichever pair is told, and the details it leaves out
    of the picture stay out, unless a caption of these chapters is about one."""
    told_about = {n for c in auto.chapters for cap in c.arms if cap is not None
                  for n in (*cap.active, *cap.rising, *cap.falling, *cap.resting)}
    hide = tuple(dict.fromkeys([*auto.hide, *(n for n in told.hide if n not in told_about)]))
    return dataclasses.replace(auto, labels={**told.labels, **auto.labels}, hide=hide)


# ---------------------------------------------------------------- automatic chapters

def _drug_words(model: Model, drug: str) -> set[str]:
    node = model.node(drug)
    text = f"{node.label} {node.short_label or ''}".lower()
    return {w for w in re.findall(r"[a-z]{3,}", text)} - _NOT_A_DRUG_NAME


#: words in an inert drug's label that name no drug (English words, not node ids)
_NOT_A_DRUG_NAME = frozenset("inert recognised active placebo".split())


def _about_this_arm(model: Model, key: str, drugs: set[str]) -> bool:
    """Whether a reference may stand beside one arm's caption: a paper that names
    another drug of the model (ketamine, for an SSRI arm) and none of this arm's is
    about that other drug, whatever the node it supports."""
    ref = model.references.get(key, key).lower()
    drugs = {d for d in drugs if d not in (model.roles.inert, model.roles.expectancy)}
    own = set().union(*(_drug_words(model, d) for d in drugs)) if drugs else set()
    inert = set(inert_drugs(model))
    others = set().union(*(_drug_words(model, n.id) for n in model.nodes
                           if n.kind == "drug" and n.id not in drugs
                           and n.id not in (model.roles.inert, model.roles.expectancy)
                           and n.id not in inert)) - own
    names = lambda words: any(re.search(rf"\b{re.escape(w)}\b", ref) for w in words)  # noqa: E731
    return not names(others) or names(own)


def _arrivals(model: Model, graph, traj, times_h, placebo=None):
    """(time, node, caption, citation keys) for each captioned node of one arm, when it
    first reaches half its largest change. Only nodes the frame draws for this arm
    count (a node off every path from the arm's drug to a readout is not on screen),
    and, with the arm's placebo arm, only nodes the drug moves more than its placebo
    does (expectancy and care belong to both arms: the drug effect leaves them out)."""
    from .animation import _reachable
    from .plotting import activity_at
    nodes = list(graph.nodes)
    drawn = _reachable(model, graph, traj)
    if placebo is not None:
        both = []
        for n in drawn:
            if n in traj and n in placebo and graph.nodes[n].get("kind") != "drug":
                arm = np.abs(activity_series(graph, traj, n, times_h)).max()
                plac = np.abs(activity_series(graph, placebo, n, times_h)).max()
                if arm > 0 and plac >= 0.5 * arm:
                    both.append(n)
        drawn -= (set(both) | {model.roles.expectancy}) - set(model.readouts)
    drugs = {n for n, d in graph.nodes(data=True) if d.get("kind") == "drug" and n in traj
             and float(np.max(traj[n])) > 1e-6}
    acts = np.array([[activity_at(graph, traj, t).get(n, 0.0) for n in nodes] for t in times_h])
    out = []
    for j, n in enumerate(nodes):
        caption = graph.nodes[n].get("caption")
        series = np.abs(acts[:, j])
        if not caption or series.max() < 0.05 or n not in drawn:
            continue
        i = int(np.argmax(series >= 0.5 * series.max()))
        incoming = [e for e in model.edges if e.target == n and e.citations
                    and (e.hypothesis is None or model.hypotheses[e.hypothesis].enabled)]
        moved = {e.source: np.abs(acts[:, nodes.index(e.source)]).max() if e.source in nodes else 0
                 for e in incoming}
        incoming.sort(key=lambda e: -moved[e.source])
        unseen = {graph.nodes[m].get("short_label") or graph.nodes[m].get("label") or m
                  for m in nodes if m not in drawn}
        acronyms = {w for text in unseen for w in re.findall(r"\b[A-Z][A-Z0-9]{2,}\b", text or "")}
        cites = [k for e in incoming for k in e.citations if _about_this_arm(model, k, drugs)
                 and not any(re.search(rf"\b{re.escape(w)}\b", model.references.get(k, ""))
                             for w in acronyms)]
        cite = tuple(cites[:1])
        out.append((float(times_h[i]), n, caption[0].upper() + caption[1:], cite))
    out.sort(key=lambda a: a[0])
    return out


def _dose_series(model: Model, trajs, t_end_h: float):
    """(the end of a chapter for a series of doses, its title) for the first arm given
    repeated doses of a drug at set times (an infusion series), or None."""
    inert = model.roles.inert
    for index, tr in enumerate(trajs):
        sc = model.scenario(tr.scenario)
        starts = set()
        for d in sc.doses:
            if d.drug == inert:
                continue
            if d.every_h is None:
                starts.add(d.start_h)
            elif d.count is not None:
                starts |= {d.start_h + i * d.every_h for i in range(d.count)}
        if len(starts) >= 3 and max(starts) + 24 < t_end_h * 0.9:
            infused = all(d.duration_h for d in sc.doses if d.drug != inert)
            what = "infusions" if infused else "doses"
            last_day = int(max(starts) // 24) + 1          # day 1 is the first day
            return max(starts) + 24.0, f"{len(starts)} {what}, the last on day {last_day}", index
    return None


def auto_lecture(model: Model, graph, trajs, placebos=None, *, t_start_h: float = 5 / 60,
                 t_end_h: float = 56 * 24.0, run_s: float = 42.0) -> Lecture:
    """Chapters from the mechanism itself: a new chapter wherever a node of either arm
    arrives (reaches half its largest change), each arm captioned by its latest
    arrival, and a closing chapter that holds on where every arm stands."""
    times = np.geomspace(t_start_h, t_end_h, 400)
    plac = list(placebos or [None] * len(trajs))
    per_arm = [_arrivals(model, graph, t, times, p) for t, p in zip(trajs, plac)]
    stamps = sorted({a[0] for arm in per_arm for a in arm if t_start_h < a[0] < t_end_h * 0.9})
    # the drugs' own targets (NMDA receptors for ketamine) always get a chapter, and so
    # does a series of doses: one chapter ending a day after its last dose
    targets = {e.target for e in model.edges for t in trajs
               if e.source in t and graph.nodes.get(e.source, {}).get("kind") == "drug"
               and float(np.max(t[e.source])) > 1e-6}
    keep = sorted({a[0] for arm in per_arm for a in arm if a[1] in targets
                   and t_start_h < a[0] < t_end_h * 0.9})
    # at one moment, a drug's target is the step its chapter's caption tells
    per_arm = [sorted(arm, key=lambda a: (a[0], a[1] in targets)) for arm in per_arm]
    series = _dose_series(model, trajs, t_end_h)
    if series:
        keep = sorted(set(keep) | {series[0]})
    # merge arrivals close in log-time, and keep at most eight chapters before the close
    ratio = 1.6
    while True:
        bounds = []
        for s in sorted(set(stamps) | set(keep)):
            if not bounds or s > bounds[-1] * ratio or s in keep:
                if bounds and s in keep and bounds[-1] not in keep and s <= bounds[-1] * ratio:
                    bounds[-1] = s            # a kept moment replaces one merged into it
                else:
                    bounds.append(s)
        if len(bounds) <= 8 or ratio > 1e6:
            break
        ratio *= 1.4
    bounds = [b for b in bounds if b > t_start_h] or [math.sqrt(t_start_h * t_end_h)]
    edges = [t_start_h] + bounds + [t_end_h]
    spans = np.log(np.array(edges[1:]) / np.array(edges[:-1]))
    seconds = np.maximum(1.5, run_s * spans / spans.sum())
    chapters = []
    for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        closing = k == len(edges) - 2
        arms, titles = [], []
        used = {c.title for c in chapters}
        for a_index, arm in enumerate(per_arm):
            latest = [x for x in arm if x[0] <= b * 1.0001]
            fresh = [x for x in latest if x[0] > a * 0.9999 or k == 0]
            if closing or not latest:
                arms.append(None)
                continue
            *_, caption, cite = latest[-1]
            arms.append(ArmCaption(caption, cite))
            titles += [(x[2], trajs[a_index]) for x in fresh[-1:]]   # the step its caption shows
        if closing:
            arms = []
            for i, tr in enumerate(trajs):
                what = tr.labels.get(tr.primary, tr.primary.replace("_", " ")).lower()
                text = f"{what} {{value@{t_end_h:g}h}} at the end"
                if placebos and placebos[i] is not None:
                    text += f" (its placebo arm: {{placebo@{t_end_h:g}h}})"
                arms.append(ArmCaption(text[0].upper() + text[1:]))
            title = "Where each arm ends"
        elif series and abs(b - series[0]) < 1e-9:
            title = series[1][0].upper() + series[1][1:]
            i = series[2]
            what = trajs[i].labels.get(trajs[i].primary, trajs[i].primary.replace("_", " "))
            arms = list(arms)
            arms[i] = ArmCaption(f"{series[1][0].upper() + series[1][1:]}: {what.lower()} "
                                 f"{{value@{b:g}h}} a day after the last")
        else:
            named = [t for t, _ in titles if t not in used] + \
                [cap.text for cap in arms if cap is not None and cap.text not in used]
            title = next((t for t in named if t not in used), None)
            if title is None and chapters:
                # nothing new to call it: the chapter before runs on to here instead
                p = chapters.pop()
                chapters.append(Chapter(p.title, p.start_h, b, p.seconds + float(seconds[k]),
                                        p.hold, p.notes, tuple(arms)))
                continue
            title = title or f"Part {k + 1}"
        notes = " ".join(graph.nodes[x[1]].get("description", "") for arm in per_arm
                         for x in arm if a < x[0] <= b)
        chapters.append(Chapter(title, a, b, float(seconds[k]), 6.0 if closing else 3.0,
                                notes, tuple(arms)))
    return Lecture(" vs ".join(t.scenario for t in trajs), tuple(t.scenario for t in trajs),
                   tuple(chapters), {}, "automatic")


# ---------------------------------------------------------------- captions against the picture

def check_lecture(lecture: Lecture, graph, trajs) -> list[str]:
    """Claims of the captions that the simulation does not bear out (empty: none).

    A caption must be true from the middle of its chapter's window (in log time)
    through the hold: at both moments ``active`` nodes show at least a third of their
    largest change (the pathway colours each node on its own range) and
    ``resting`` ones under 10%, and ``plasma = "gone"`` means
    under 5% of the arm's peak plasma level, ``"present"`` over 10%; over the
    window ``rising`` nodes go up and ``falling`` ones down, and still do at its
    end."""
    from .plotting import activity_at
    problems = []
    window = np.geomspace(max(lecture.start_h, 1e-3), lecture.end_h, 400)
    ranges: dict[str, float] = {}

    def shown(n, act):
        """Activity as the picture shows it: on the node's own range."""
        if n not in ranges:
            ranges[n] = own_range(graph, trajs, n, window)
        return abs(act.get(n, 0.0)) / ranges[n] if ranges[n] > 1e-3 else 0.0

    for c in lecture.chapters:
        moments = [("middle", math.sqrt(max(c.start_h, 1e-6) * c.end_h)), ("end", c.end_h)]
        for arm, traj in zip(c.arms, trajs):
            if arm is None:
                continue
            where = f"chapter '{c.title}', {traj.scenario}"
            for when, t in moments:
                act = activity_at(graph, traj, t)
                for n in arm.active:
                    if shown(n, act) < ACTIVE_SHOWN:
                        problems.append(f"{where}: '{n}' is at rest at the chapter's {when} "
                                        f"({100 * shown(n, act):.0f}% of its largest change), "
                                        "but the caption says it is active")
                for n in arm.resting:
                    if shown(n, act) > RESTING_SHOWN:
                        problems.append(f"{where}: '{n}' is not at rest at the chapter's {when} "
                                        f"({100 * shown(n, act):.0f}% of its largest change)")
            for n, sign in [(n, 1) for n in arm.rising] + [(n, -1) for n in arm.falling]:
                # the trend over the window, and still at its end: the mean over its last
                # tenth (in log time, which smooths out daily doses) against the tenth before
                y = traj[n]
                a, b = (np.interp(t, traj.t_h, y) for t in (c.start_h, c.end_h))
                ratio = (c.end_h / max(c.start_h, 1e-6)) ** 0.1 if c.end_h > c.start_h else 1.0
                last = np.interp(np.geomspace(c.end_h / ratio, c.end_h, 20), traj.t_h, y).mean()
                before = np.interp(np.geomspace(c.end_h / ratio ** 2, c.end_h / ratio, 20),
                                   traj.t_h, y).mean()
                scale = max(abs(float(np.max(y) - np.min(y))), 1e-9)
                if sign * (b - a) < 0.02 * scale or sign * (last - before) <= 0:
                    word = "rising" if sign > 0 else "falling"
                    problems.append(f"{where}: '{n}' is not {word} in this chapter")
            cols = [p for p in traj.roles.get("plasma", []) if p in traj]
            if arm.plasma and cols:
                y = traj[cols[0]]
                for when, t in moments:
                    frac = float(np.interp(t, traj.t_h, y)) / max(float(y.max()), 1e-12)
                    if arm.plasma == "gone" and frac > GONE or arm.plasma == "present" and frac < PRESENT:
                        problems.append(f"{where}: the drug is not {arm.plasma} at the chapter's "
                                        f"{when} ({100 * frac:.0f}% of its peak plasma level)")
    return problems


# ---------------------------------------------------------------- the playback schedule

@dataclass(frozen=True)
class Schedule:
    """Which moments to render and how long each is shown.

    ``times_h[i]`` is the simulated time of rendered frame i, ``chapter[i]`` its
    chapter, ``held[i]`` whether the clock is paused on it, and ``repeats[i]``
    how many video frames show it (a hold is one rendered frame, repeated by the
    encoder)."""

    times_h: np.ndarray
    chapter: np.ndarray
    held: np.ndarray
    repeats: np.ndarray
    fps: int

    def __len__(self) -> int:
        return len(self.times_h)

    @property
    def video_frames(self) -> int:
        return int(self.repeats.sum())

    @property
    def duration_s(self) -> float:
        return self.video_frames / self.fps

    def chapter_starts_s(self) -> list[float]:
        """Video time at which each chapter begins."""
        first = np.concatenate([[0], np.cumsum(self.repeats)[:-1]])
        out = []
        for c in range(int(self.chapter.max()) + 1):
            out.append(float(first[np.argmax(self.chapter == c)]) / self.fps)
        return out

    def hold_starts_s(self) -> list[float]:
        """Video time at which each chapter's hold (paused clock) begins."""
        first = np.concatenate([[0], np.cumsum(self.repeats)[:-1]])
        return [float(first[np.flatnonzero((self.chapter == c) & self.held)[0]]) / self.fps
                for c in range(int(self.chapter.max()) + 1)]


def schedule(lecture: Lecture, fps: int = 30, frames: int | None = None) -> Schedule:
    """Frames for ``lecture`` at ``fps``: each chapter's window log-spaced over its
    seconds, then one held frame repeated for the hold. ``frames`` caps the number
    of moving frames (a preview: the same timing, each frame shown longer);
    chapters keep their share and at least one."""
    full = np.array([max(1, int(round(c.seconds * fps))) if c.end_h > c.start_h else 0
                     for c in lecture.chapters])
    runs = full.astype(float)
    if frames is not None and runs.sum() > frames:
        runs = runs * frames / runs.sum()
    times, chap, held, reps = [], [], [], []
    for k, (c, n, total) in enumerate(zip(lecture.chapters, runs, full)):
        if c.end_h > c.start_h:
            n = min(max(int(round(n)), 1), int(total))
            ts = np.geomspace(c.start_h, c.end_h, n + 1)[1:] if k else \
                np.geomspace(c.start_h, c.end_h, n)
            times += list(ts)
            chap += [k] * len(ts)
            held += [False] * len(ts)
            reps += list(np.diff(np.round(np.linspace(0, total, n + 1))).astype(int))
        times.append(c.end_h)
        chap.append(k)
        held.append(True)
        reps.append(max(1, int(round(c.hold * fps))))
    return Schedule(np.array(times), np.array(chap), np.array(held), np.array(reps), fps)
