"""The explorer in a notebook: ``pathway.explore()`` shows the page of ``pathway site``.

One front end: the widget carries the same app (``pathway/web/app.js``) and the
same solver (``pathway/web/solver.js``) as the static site, with the model
exported by :func:`pathway.webexport.export_model`. The model runs in the
notebook's browser tab, so moving a slider costs no round trip to the kernel.
The page's state (scenario, interventions, hypotheses, parameters, ...) is
mirrored to the widget's ``state`` for code that wants to read it.

This is the only module that imports anywidget.
"""

from __future__ import annotations

import json

from .modelfile import Model, load_model
from .scenarios import showcase_pair
from .webexport import export_model, load_site

_RENDER = """
function render({ model, el }) {
  const data = JSON.parse(model.get("data"));
  const app = window.PathwayApp.mount(el, data, {
    hash: false, global: false, initial: model.get("initial"),
    onchange: (state) => { model.set("state", state); model.save_changes(); },
  });
  return () => { el.innerHTML = ""; };
}
export default { render };
"""


def _asset(name: str) -> str:
    from .site import web_file
    return web_file(name)


def widget_class():
    """The anywidget class (built on first use, so importing pathway needs no anywidget)."""
    global _Widget
    if _Widget is None:
        try:
            import anywidget
            import traitlets
        except ImportError:
            from .errors import UsageError
            raise UsageError("the notebook explorer needs anywidget\n"
                             "  hint: pip install 'ketamine-pathway[explorer]'") from None

        class ExplorerWidget(anywidget.AnyWidget):
            """The explorer page as a notebook widget."""

            _esm = _asset("solver.js") + "\n" + _asset("app.js") + "\n" + _RENDER
            _css = _asset("app.css")
            data = traitlets.Unicode("").tag(sync=True)
            initial = traitlets.Dict().tag(sync=True)
            state = traitlets.Dict().tag(sync=True)

        _Widget = ExplorerWidget
    return _Widget


_Widget = None


def explore(model: Model | None = None, scenario: str | None = None,
            compare: str | None = None):
    """Show the explorer for ``model`` (the default model if omitted), starting from
    ``scenario`` and ``compare`` (the model's showcase pair if omitted).

    In a notebook with the ``[explorer]`` extra (the doctests skip it: it shows a widget):

    >>> import pathway
    >>> pathway.explore()                          # doctest: +SKIP
    """
    model = load_model() if model is None else model
    first, second = showcase_pair(model, scenario, compare)
    for name in (first, second):
        if name:
            model.scenario(name)                   # a clear error for an unknown name
    data = export_model(model, load_site(model))
    return widget_class()(data=json.dumps(data, allow_nan=False),
                          initial={"scenario": first, "compare": second or ""})
