"""The parameter explorer: ``pathway.explore()`` in a notebook or a Voila page.

A scenario and a comparison, intervention check boxes, hypothesis switches,
sliders for the model file's parameters (with their ranges), a time slider that
colours the pathway at that moment, a reset button, and the time course.

The figure is built once. A change re-simulates (a few milliseconds), updates the
curves and the node colours, and sends a new JPEG to an ``ipywidgets.Image``:
nothing flickers, nothing piles up, and it works with no special matplotlib
backend (so also in Voila). A combination the model cannot run shows a message
instead of a traceback. This is the only module that imports ipywidgets.
"""

from __future__ import annotations

import io
import time
from dataclasses import replace

import numpy as np

from .errors import PathwayError
from .modelfile import Model, format_quantity, load_model, set_hypothesis, set_parameter
from .scenarios import apply_intervention, placebo_arm, showcase_pair
from .simulate import simulate

TIMES = np.geomspace(1 / 6, 56 * 24.0, 240)           # 10 min to 8 weeks, log-spaced


class Explorer:
    """The explorer's state, figure and update path (usable without a browser)."""

    def __init__(self, model: Model | None = None, scenario: str | None = None,
                 compare: str | None = None, theme: str = "light", size_px=(1280, 700)):
        from .graph import to_graph
        from .plotting import (_style_axes, draw_pathway, format_time_axis, get_theme,
                               line_color)

        self.base = load_model() if model is None else model
        self.scenario, self.compare = showcase_pair(self.base, scenario, compare)
        self.values = {p.name: p.value for p in self.base.parameters.values()}
        self.interventions: set[str] = set()
        self.hypotheses = {h.name for h in self.base.hypotheses.values() if h.enabled}
        self.t_h = 24.0
        self.message = ""
        self.theme = get_theme(theme)
        th = self.theme
        self._line_color = line_color

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        dpi = 100
        # an Agg canvas of its own, not pyplot's: in a notebook the inline backend's canvas
        # cannot blit, and a pyplot figure would also be shown a second time
        self.fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi,
                          facecolor=th.background)
        FigureCanvasAgg(self.fig)
        grid = self.fig.add_gridspec(2, 2, width_ratios=[1.55, 1], height_ratios=[2, 1],
                                     left=0.01, right=0.985, top=0.97, bottom=0.08,
                                     wspace=0.12, hspace=0.1)
        ax_path = self.fig.add_subplot(grid[:, 0])
        self.ax_relief = self.fig.add_subplot(grid[0, 1])
        self.ax_plasma = self.fig.add_subplot(grid[1, 1], sharex=self.ax_relief)
        self.graph = to_graph(self.base)
        _, self.art = draw_pathway(self.graph, {}, ax=ax_path, theme=th, colorbar=False,
                                   legend=False, short_labels=True, return_artists=True)
        for ax in (self.ax_relief, self.ax_plasma):
            _style_axes(ax, th)
        format_time_axis(self.ax_relief, TIMES[0], TIMES[-1], th, label=False, sparse=True)
        format_time_axis(self.ax_plasma, TIMES[0], TIMES[-1], th, label=False, sparse=True)
        self.ax_relief.set_ylim(0, 1)
        self.ax_relief.set_ylabel(self.base.node(self.base.primary).label.lower(), color=th.text)
        self.ax_plasma.set_yscale("log")
        self.ax_plasma.set_ylim(0.3, 600)
        self.ax_plasma.set_ylabel("plasma (ng/mL)", color=th.text)
        self.ax_relief.tick_params(labelbottom=False)
        self.lines = {}
        for key in ("a", "b", "c"):
            (self.lines[key],) = self.ax_relief.plot([], [], lw=2.2, animated=True)
            (self.lines[key + "_plasma"],) = self.ax_plasma.plot([], [], lw=1.8, animated=True)
        self.cursor = [ax.axvline(self.t_h, color=th.text, lw=1.2, alpha=0.6, animated=True)
                       for ax in (self.ax_relief, self.ax_plasma)]
        self.legend_text = self.ax_relief.text(0.02, 0.97, "", transform=self.ax_relief.transAxes,
                                               va="top", fontsize=9, color=th.text, animated=True)
        for box in self.art.boxes.values():
            box.set_animated(True)
        for label in self.art.labels.values():
            label.set_animated(True)
        self.canvas = self.fig.canvas
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._label_overlay = self._render_labels()
        self.trajs: dict[str, object] = {}
        self.timings: list[float] = []
        self.simulate()

    # ---------------------------------------------------------------- model and simulation

    def model(self) -> Model:
        """The base model with the current sliders, switches and check boxes applied."""
        m = self.base
        for name, value in self.values.items():
            if value != m.parameters[name].value:
                m = set_parameter(m, name, value)
        for name in self.base.hypotheses:
            m = set_hypothesis(m, name, name in self.hypotheses)
        for name in sorted(self.interventions):
            m = apply_intervention(m, name)
        return m

    def simulate(self) -> bool:
        """Re-simulate every arm; on a model error keep the old curves and set a message."""
        try:
            m = self.model()
            arms = {"a": m.scenario(self.scenario)}
            if self.compare:
                arms["b"] = m.scenario(self.compare)
            arms["c"] = placebo_arm(m, self.scenario)
            trajs = {k: simulate(m, sc, days=56, t_eval=TIMES, rtol=1e-4) for k, sc in arms.items()}
            for k, traj in trajs.items():
                if not np.all(np.isfinite(traj.values)):
                    raise PathwayError(f"the {k} arm produced non-finite values")
        except PathwayError as exc:
            self.message = str(exc).splitlines()[0]
            return False
        self.trajs = {k: replace(v, scenario=arms[k].name) for k, v in trajs.items()}
        self.model_now = m
        self.message = ""
        return True

    # ---------------------------------------------------------------- drawing

    def _render_labels(self):
        from .plotting import text_overlay
        patches = text_overlay(self.fig, list(self.art.labels.values()))
        self.canvas.restore_region(self.background)
        return patches

    def render(self) -> np.ndarray:
        """Draw the current state into the canvas; return the RGB pixels."""
        from .plotting import activity_at
        th = self.theme
        names = {"a": self.scenario, "b": self.compare or "", "c": "placebo arm"}
        text = []
        for i, key in enumerate(("a", "b", "c")):     # c: the placebo arm of a
            line, pl = self.lines[key], self.lines[key + "_plasma"]
            traj = self.trajs.get(key)
            if traj is None:
                line.set_data([], [])
                pl.set_data([], [])
                continue
            color = self._line_color(traj, th, i)
            primary = traj.primary
            line.set_data(traj.t_h, traj[primary])
            line.set_color(color)
            line.set_alpha(0.55 if traj.is_placebo else 1.0)
            plasma = traj.roles.get("plasma") or []
            shown = max(plasma, key=lambda c: traj[c].max()) if plasma else None
            if shown:
                pl.set_data(traj.t_h, np.maximum(traj[shown], 1e-3))
            pl.set_color(color)
            pl.set_visible(bool(shown) and not traj.is_placebo)
            text.append(f"{names[key]}: {traj.label(primary).lower()} "
                        f"{np.interp(self.t_h, traj.t_h, traj[primary]):.2f}")
        self.legend_text.set_text("\n".join(text))
        act = activity_at(self.graph, self.trajs["a"], self.t_h) if "a" in self.trajs else {}
        for n, box in self.art.boxes.items():
            value = act.get(n)
            box.set_facecolor(th.cmap(self.art.norm(value)) if value is not None else th.background)
        for c in self.cursor:
            c.set_xdata([self.t_h, self.t_h])
        self.canvas.restore_region(self.background)
        for artist in (list(self.art.boxes.values()) + [self.lines[k] for k in self.lines]
                       + self.cursor + [self.legend_text]):
            self.fig.draw_artist(artist)
        buf = np.asarray(self.canvas.buffer_rgba())
        from .plotting import blend_overlay
        blend_overlay(buf, self._label_overlay)
        return buf[:, :, :3]

    def image_bytes(self) -> bytes:
        from PIL import Image
        out = io.BytesIO()
        Image.fromarray(np.array(self.render())).save(out, format="JPEG", quality=88)
        return out.getvalue()

    def update(self, *, simulate: bool = True) -> bytes:
        """The whole update path: (re-simulate,) redraw, encode. Records the time taken."""
        t0 = time.perf_counter()
        if simulate:
            self.simulate()
        data = self.image_bytes()
        self.timings.append(time.perf_counter() - t0)
        return data

    def reset(self) -> None:
        self.values = {p.name: p.value for p in self.base.parameters.values()}
        self.interventions = set()
        self.hypotheses = {h.name for h in self.base.hypotheses.values() if h.enabled}
        self.t_h = 24.0


def _time_label(t_h: float) -> str:
    return format_quantity(t_h, "time") if t_h < 24 * 14 else f"{t_h / 168:.1f} wk"


def explore(model: Model | None = None, scenario: str | None = None, compare: str | None = None):
    """The explorer widget: try it in a notebook with ``pathway.explore()``."""
    import ipywidgets as w

    ex = Explorer(model, scenario, compare)
    base = ex.base
    scenario, compare = ex.scenario, ex.compare
    image = w.Image(value=ex.update(), format="jpeg", layout=w.Layout(width="100%"))
    message = w.HTML(value="")
    names = list(base.scenarios)
    pick_a = w.Dropdown(options=names, value=scenario, description="Scenario")
    pick_b = w.Dropdown(options=["(none)"] + names, value=compare or "(none)", description="Compare")
    boxes = {n: w.Checkbox(value=False, description=n, indent=False) for n in base.interventions}
    switches = {n: w.ToggleButton(value=h.enabled, description=f"hypothesis: {n}",
                                  tooltip=h.description)
                for n, h in base.hypotheses.items()}
    sliders = {}
    for p in base.parameters.values():
        step = (p.high - p.low) / 200 or 0.01
        sliders[p.name] = w.FloatSlider(value=p.value, min=p.low, max=p.high, step=step,
                                        description=p.name.replace("_", " "),
                                        continuous_update=False, readout_format=".3g",
                                        style={"description_width": "210px"},
                                        layout=w.Layout(width="460px"),
                                        tooltip=f"{p.description} ({p.describe()})")
    when = w.SelectionSlider(options=[(_time_label(t), float(t)) for t in TIMES[::4]],
                             value=float(TIMES[::4][np.argmin(np.abs(TIMES[::4] - 24))]),
                             description="Show time", continuous_update=True,
                             layout=w.Layout(width="95%"))
    reset = w.Button(description="Reset", icon="undo")
    busy = {"on": False}

    def refresh(simulate=True):
        if busy["on"]:
            return
        try:
            image.value = ex.update(simulate=simulate)
        except Exception as exc:           # a reader sees a message, never a traceback
            message.value = (f'<span style="color:#D55E00"><b>Something went wrong:</b> '
                             f'{type(exc).__name__}: {exc}</span>')
            return
        message.value = (f'<span style="color:#D55E00"><b>Cannot run this combination:</b> '
                         f'{ex.message} (the curves show the last one that ran)</span>'
                         if ex.message else "")

    def on_change(change=None):
        ex.scenario = pick_a.value
        ex.compare = None if pick_b.value == "(none)" else pick_b.value
        ex.interventions = {n for n, b in boxes.items() if b.value}
        ex.hypotheses = {n for n, b in switches.items() if b.value}
        ex.values = {n: s.value for n, s in sliders.items()}
        refresh()

    def on_time(change):
        ex.t_h = when.value
        refresh(simulate=False)

    def on_reset(_):
        busy["on"] = True
        ex.reset()
        for n, s in sliders.items():
            s.value = ex.values[n]
        for b in boxes.values():
            b.value = False
        for n, b in switches.items():
            b.value = n in ex.hypotheses
        busy["on"] = False
        on_change()

    for widget in [pick_a, pick_b, *boxes.values(), *switches.values(), *sliders.values()]:
        widget.observe(on_change, names="value")
    when.observe(on_time, names="value")
    reset.on_click(on_reset)
    controls = w.Accordion(children=[
        w.VBox([pick_a, pick_b, reset]),
        w.VBox(list(boxes.values())),
        w.VBox(list(switches.values())),
        w.VBox(list(sliders.values())),
    ], titles=("Scenarios", "Interventions", "Hypotheses", "Parameters"))
    controls.selected_index = 0
    ui = w.VBox([w.HTML("<b>ketamine-pathway explorer</b> — a teaching model, not medical advice"),
                 w.HBox([controls, w.VBox([image, when, message], layout=w.Layout(width="100%"))])])
    ui.explorer = ex            # for tests and curious users
    ui.controls = {"scenario": pick_a, "compare": pick_b, "interventions": boxes,
                   "hypotheses": switches, "sliders": sliders, "time": when, "reset": reset,
                   "image": image, "message": message}
    return ui
