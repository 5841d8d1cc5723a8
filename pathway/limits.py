"""How large a model each command takes: the one place the size limits live.

A model file may be legal and still too large for a command to finish in a
reasonable time (or to give a picture anyone can read): a pathway figure of a
thousand boxes, an explorer page that routes every arrow at fourteen page widths, a
lecture film that redraws the pathway in every frame. Such a command is refused
before it starts, by :func:`check_model_size`, with the size, the limit and what to
do instead. Commands not named here (``list``, ``simulate``, ``graph`` without a
picture, ``plot``, ``population``, ``sensitivity``) run at any size the model file
limits allow (:data:`pathway.tomlfile.MAX_FILE_BYTES`); their cost grows in step
with the model.

``benchmarks/bench_size.py`` measures how layout and arrow routing grow with the
number of nodes; the limits below leave each refused command well inside a minute
or two on a laptop at the limit.
"""

from __future__ import annotations

from .errors import UsageError
from .objects import Model

#: The most boxes a picture of the pathway shows (``graph --out FILE.png``, and the
#: lecture films, slides and storyboards, which redraw it): beyond this the boxes
#: and their labels are too small to read, and drawing takes minutes.
MAX_FIGURE_NODES = 400
#: The most nodes a lecture film, storyboard or slide deck is made for: choosing its
#: chapters reads every node's activity at every sampled moment for every node, which
#: took 45 s for a model of 29 nodes and over 150 s for 49 on the reference machine.
MAX_ANIMATION_NODES = 40
#: The most nodes the explorer web site (``site``, ``serve``) draws: each of its
#: fourteen drawings routes every arrow, and on the narrow (phone) drawings, where the
#: columns run down the page, the arrows of a branching model grow long. On the shared
#: reference machine the site of a 1,009-node chain took 14 s, of a branching model
#: (``tests/bigmodel.py`` tree) of 159 nodes 102 s and of 259 nodes 215 s.
MAX_SITE_NODES = 150
#: The most nodes an SBML export holds (``export --format sbml/omex``): writing and
#: checking the SBML took 7 s for 1,009 nodes and over 150 s for 3,009.
MAX_SBML_NODES = 1000
#: The most inputs one node may have in an SBML export or an equation shown in words
#: (``export --format sbml/omex``, ``explain``): the node's equation nests one level
#: per input, and the SBML tools read deep formulas slowly (or not at all).
MAX_NODE_INPUTS = 200

#: command -> its limits, each (counted: "nodes" or "inputs", the limit, what the
#: command makes, what to do instead)
_PICTURE = "a picture of the pathway"
_LIMITS = {
    "graph": [("nodes", MAX_FIGURE_NODES, _PICTURE,
              "export the graph with --out FILE.graphml (or .json) and open it in a "
              "graph viewer such as Cytoscape or yEd")],
    "animate": [("nodes", MAX_ANIMATION_NODES, "a lecture film, which draws the pathway in "
                "every frame", "use `pathway plot` for the time courses, or `pathway "
                "graph --out FILE.graphml` for the graph")],
    "storyboard": [("nodes", MAX_ANIMATION_NODES, "a storyboard, which draws the pathway in "
                   "every frame", "use `pathway plot` for the time courses")],
    "slides": [("nodes", MAX_ANIMATION_NODES, "slides, which draw the pathway on every slide",
               "use `pathway plot` for the time courses")],
    "site": [("nodes", MAX_SITE_NODES, "the explorer page, which draws the whole pathway",
             "export the graph with `pathway graph --out FILE.graphml` for a graph viewer, "
             "and use `pathway simulate` or `pathway plot` for the time courses")],
    "serve": [("nodes", MAX_SITE_NODES, "the explorer page, which draws the whole pathway",
              "export the graph with `pathway graph --out FILE.graphml` for a graph viewer, "
              "and use `pathway simulate` or `pathway plot` for the time courses")],
    "export": [("inputs", MAX_NODE_INPUTS, "an SBML export",
               "split the node's inputs over intermediate nodes, or export the graph with "
               "--format graphml"),
               ("nodes", MAX_SBML_NODES, "an SBML export",
                "export the graph with --format graphml, and use `pathway simulate` for the "
                "time courses")],
    "explain": [("inputs", MAX_NODE_INPUTS, "an equation in words",
                "split the node's inputs over intermediate nodes")],
}


def _most_inputs(model: Model, node: str | None = None) -> tuple[str, int]:
    """The node with the most incoming edges (of ``node`` alone, if given), and how
    many it has."""
    count: dict[str, int] = {}
    for e in model.edges:
        if node is None or e.target == node:
            count[e.target] = count.get(e.target, 0) + 1
    if not count:
        return "", 0
    node = max(count, key=lambda n: (count[n], n))
    return node, count[node]


def check_model_size(model: Model, command: str, node: str | None = None) -> None:
    """Refuse ``command`` up front (a :class:`~pathway.errors.UsageError` naming the
    command, the model's size, the limit and what to do instead) when ``model`` is
    larger than the command can handle; a command with no limit always passes. A
    limit on inputs looks at ``node`` alone when given (``explain NODE``)."""
    for limit in _LIMITS.get(command, ()):
        _check(model, command, node, *limit)


def _check(model: Model, command: str, node: str | None, kind: str, limit: int, what: str,
           instead: str) -> None:
    if kind == "nodes":
        size = len(model.nodes)
        if size > limit:
            raise UsageError(
                f"{model.source}: `pathway {command}` makes {what}, and this model has "
                f"{size:,} nodes, more than the {limit:,} it takes",
                hint=f"{instead}; the limits are in pathway/limits.py")
    else:
        node, size = _most_inputs(model, node)
        if size > limit:
            raise UsageError(
                f"{model.source}: `pathway {command}` makes {what}, and node '{node}' has "
                f"{size:,} inputs, more than the {limit:,} one equation may hold there",
                hint=f"{instead}; the limits are in pathway/limits.py")


__all__ = ["MAX_ANIMATION_NODES", "MAX_FIGURE_NODES", "MAX_NODE_INPUTS", "MAX_SBML_NODES", "MAX_SITE_NODES", "check_model_size"]
