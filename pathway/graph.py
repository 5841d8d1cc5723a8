"""The model as a directed graph: who acts on whom, and by which route.

``to_graph(model)`` turns a :class:`~pathway.modelfile.Model` into a
:class:`networkx.DiGraph` with one node per model node and one edge per model
edge, each carrying every attribute of the model object (parameter references
resolved to floats). The queries here answer the questions a student asks of a
pathway diagram: what lies upstream of relief (:func:`upstream`), what a drug
reaches (:func:`downstream`), and by which routes (:func:`paths`,
:func:`drug_to_readout_paths`). :func:`write_graph` saves the graph as GraphML
(for Cytoscape, Gephi or yEd) or as node-link JSON.

Units follow :mod:`pathway.modelfile`: time constants in hours, EC50 in ng/mL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from .errors import UnknownNameError, UsageError, suggest
from .modelfile import KINDS, Model

__all__ = ["downstream", "drug_to_readout_paths", "paths", "to_graph", "upstream", "write_graph"]


# ---------------------------------------------------------------- building


def to_graph(model: Model) -> nx.DiGraph:
    """Return the model's pathway as a directed graph.

    Parameters
    ----------
    model : Model
        A loaded model, for example from :func:`pathway.load_model`.

    Returns
    -------
    networkx.DiGraph
        Graph attributes ``name``, ``readouts`` (list of node ids), ``primary``
        and ``side_effects`` (the model file's roles), ``branch_order`` and
        ``source`` (the model file). One graph node per model node with
        ``label``, ``short_label``, ``kind``, ``branch``, ``branch_row`` and
        ``branch_title`` (its band in the figure; row ``None``: the band of the
        branch it feeds), ``description``, ``caption``,
        ``response``, ``baseline``, ``maximum``, ``half``, ``hill`` (floats),
        ``tau_rise_h`` and ``tau_fall_h`` (hours; ``None`` for drugs) and
        ``layer`` (the position of ``kind`` in
        :data:`pathway.modelfile.KINDS`, drug = 0 ... readout = 6). One graph
        edge per model edge, including the edges of hypotheses that are
        switched off, with ``index``, ``effect``, ``strength``,
        ``ec50_ng_ml``, ``hill``, ``fraction`` (floats or ``None``),
        ``grade``, ``citations`` (reference keys), ``references`` (the full
        reference texts), ``hypothesis`` (name or ``None``), ``active``
        (``False`` when its hypothesis is off), ``note`` and ``species`` (what the
        evidence is from, :data:`pathway.evidence.SPECIES`; "" without a rubric).

    Raises
    ------
    UsageError
        If two edges join the same ordered pair of nodes with different
        effects (a DiGraph holds one edge per pair), if an edge names a node
        the model lacks, or if an edge cites a key missing from
        ``[references]``.

    Examples
    --------
    >>> from pathway import load_model
    >>> g = to_graph(load_model())
    >>> g.nodes[g.graph["primary"]]["kind"]
    'readout'
    >>> sorted({grade for _, _, grade in g.edges(data="grade")})
    ['contested', 'moderate', 'preliminary', 'strong']
    """
    value = model.value
    from .versions import versions
    made_by = versions(model)
    graph = nx.DiGraph(name=model.name, readouts=list(model.readouts), source=model.source,
                       package_version=made_by["package"], model_version=made_by["model_version"] or "",
                       primary=model.primary, side_effects=list(model.roles.side_effects),
                       branch_order=list(model.branches))
    for node in model.nodes:
        branch = model.branches.get(node.branch)
        graph.add_node(
            node.id, label=node.label, kind=node.kind, branch=node.branch,
            branch_row=branch.row if branch else None,
            branch_title=branch.title if branch else "",
            description=node.description, caption=node.caption,
            short_label=node.short_label or node.label, response=node.response,
            baseline=value(node.baseline), maximum=value(node.maximum), half=value(node.half),
            hill=value(node.hill), tau_rise_h=value(node.tau_rise_h),
            tau_fall_h=value(node.tau_fall_h), layer=KINDS.index(node.kind))

    active = set(model.active_edges())
    for edge in model.edges:
        place = f"{model.source}: edge[{edge.index}] ({edge.name})"
        for end in (edge.source, edge.target):
            if end not in graph:
                raise UsageError(f"{place}: unknown node '{end}'\n"
                                 f"  hint: {suggest(end, model.node_ids)}")
        missing = [key for key in edge.citations if key not in model.references]
        if missing:
            raise UsageError(f"{place}: unknown reference '{missing[0]}'\n"
                             f"  hint: {suggest(missing[0], model.references)}")
        graph.add_edge(
            edge.source, edge.target, index=edge.index, effect=edge.effect,
            strength=value(edge.strength), ec50_ng_ml=value(edge.ec50_ng_ml),
            hill=value(edge.hill), fraction=value(edge.fraction), grade=edge.grade,
            citations=list(edge.citations),
            references=[model.references[key] for key in edge.citations],
            hypothesis=edge.hypothesis, active=edge in active, note=edge.note,
            species=edge.species)
    return graph


# ---------------------------------------------------------------- queries


def _check_node(graph: nx.DiGraph, node: str) -> None:
    """Raise a UsageError with a suggestion when ``node`` is not in ``graph``."""
    if node not in graph:
        where = graph.graph.get("source")
        prefix = f"{where}: " if where else ""
        raise UnknownNameError(f"{prefix}unknown node '{node}'\n"
                         f"  hint: {suggest(str(node), map(str, graph.nodes))}")


def _view(graph: nx.DiGraph, active_only: bool) -> nx.DiGraph:
    """The graph itself, or a read-only view without the inactive edges."""
    if not active_only:
        return graph
    # An edge without an ``active`` attribute (a graph built elsewhere) counts as active.
    def is_active(u: str, v: str) -> bool:
        return bool(graph.edges[u, v].get("active", True))

    return nx.subgraph_view(graph, filter_edge=is_active)


def upstream(graph: nx.DiGraph, node: str, active_only: bool = True) -> set[str]:
    """Return every node from which ``node`` can be reached.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`to_graph`.
    node : str
        A node id.
    active_only : bool, default True
        Follow only edges whose ``active`` attribute is true, so that edges of
        hypotheses that are switched off do not count.

    Returns
    -------
    set of str
        The ancestors of ``node``, not including ``node`` itself (even when
        it lies on a feedback loop).

    Raises
    ------
    UsageError
        If ``node`` is not in the graph; the hint suggests the closest id.

    Examples
    --------
    >>> from pathway import load_model
    >>> g = to_graph(load_model())
    >>> drugs = {n for n, kind in g.nodes(data="kind") if kind == "drug"}
    >>> len(drugs & upstream(g, g.graph["primary"])) > 1      # several drugs reach it
    True
    """
    _check_node(graph, node)
    return set(nx.ancestors(_view(graph, active_only), node)) - {node}


def downstream(graph: nx.DiGraph, node: str, active_only: bool = True) -> set[str]:
    """Return every node that ``node`` can reach.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`to_graph`.
    node : str
        A node id.
    active_only : bool, default True
        Follow only edges whose ``active`` attribute is true.

    Returns
    -------
    set of str
        The descendants of ``node``, not including ``node`` itself.

    Raises
    ------
    UsageError
        If ``node`` is not in the graph; the hint suggests the closest id.

    Examples
    --------
    >>> from pathway import load_model
    >>> g = to_graph(load_model())
    >>> drug = next(n for n, kind in g.nodes(data="kind") if kind == "drug")
    >>> g.graph["primary"] in downstream(g, drug)
    True
    """
    _check_node(graph, node)
    return set(nx.descendants(_view(graph, active_only), node)) - {node}


def paths(graph: nx.DiGraph, source: str, target: str,
          active_only: bool = True) -> list[list[str]]:
    """Return every simple path from ``source`` to ``target``.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`to_graph`.
    source, target : str
        Node ids.
    active_only : bool, default True
        Follow only edges whose ``active`` attribute is true.

    Returns
    -------
    list of list of str
        Each path as a list of node ids from ``source`` to ``target``, the
        shortest first and paths of equal length in alphabetical order. An
        empty list when ``target`` cannot be reached; ``[[source]]`` when
        ``source == target``.

    Raises
    ------
    UsageError
        If either node is not in the graph.

    Examples
    --------
    >>> from pathway import load_model
    >>> g = to_graph(load_model())
    >>> u, v = next(iter(g.edges))
    >>> [u, v] in paths(g, u, v)
    True
    """
    _check_node(graph, source)
    _check_node(graph, target)
    if source == target:
        # networkx versions disagree about this case; a path of one node is simple.
        return [[source]]
    found = nx.all_simple_paths(_view(graph, active_only), source, target)
    return sorted((list(p) for p in found), key=lambda p: (len(p), p))


def _readouts(graph: nx.DiGraph) -> list[str]:
    """The graph's readouts, also when read back from GraphML as one joined string."""
    readouts = graph.graph.get("readouts", [])
    if isinstance(readouts, str):
        readouts = [r for r in readouts.split("; ") if r]
    return list(readouts)


def drug_to_readout_paths(graph: nx.DiGraph, drug: str, readout: str | None = None,
                          active_only: bool = True) -> dict[str, list[list[str]]]:
    """Return the routes from a drug to each readout.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`to_graph`.
    drug : str
        The id of a drug node.
    readout : str, optional
        One readout; by default every readout in ``graph.graph["readouts"]``.
    active_only : bool, default True
        Follow only edges whose ``active`` attribute is true.

    Returns
    -------
    dict of str to list of list of str
        For each readout, in the model's order, the simple paths from
        ``drug`` as :func:`paths` returns them (an empty list when the drug
        does not reach it).

    Raises
    ------
    UsageError
        If ``drug`` is not a drug node, or ``readout`` is not a readout.

    Examples
    --------
    >>> from pathway import load_model
    >>> g = to_graph(load_model())
    >>> drug = next(n for n, kind in g.nodes(data="kind") if kind == "drug")
    >>> routes = drug_to_readout_paths(g, drug)
    >>> list(routes) == g.graph["readouts"]
    True
    """
    _check_node(graph, drug)
    kind = graph.nodes[drug].get("kind")
    if kind is not None and kind != "drug":
        drugs = [n for n, k in graph.nodes(data="kind") if k == "drug"]
        raise UsageError(f"'{drug}' is a {kind} node, not a drug\n"
                         f"  hint: {suggest(drug, drugs)}, or use paths() for any two nodes")
    readouts = _readouts(graph)
    if readout is not None:
        _check_node(graph, readout)
        if readouts and readout not in readouts:
            raise UsageError(f"'{readout}' is not one of the model's readouts\n"
                             f"  hint: {suggest(readout, readouts)}, or use paths() for any "
                             "two nodes")
        readouts = [readout]
    return {r: paths(graph, drug, r, active_only=active_only) for r in readouts}


# ---------------------------------------------------------------- writing


def _graphml_safe(attrs: dict) -> dict:
    """GraphML holds no lists and no None: join lists, leave out missing values
    (an empty string would give the key a second type, which other tools reject)."""
    return {k: "; ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else v
            for k, v in attrs.items() if v is not None}


def _write_graphml(graph: nx.DiGraph, path: Path) -> None:
    flat = nx.DiGraph()
    flat.graph.update(_graphml_safe(graph.graph))
    flat.add_nodes_from((n, _graphml_safe(d)) for n, d in graph.nodes(data=True))
    flat.add_edges_from((u, v, _graphml_safe(d)) for u, v, d in graph.edges(data=True))
    nx.write_graphml(flat, path)


def _write_json(graph: nx.DiGraph, path: Path) -> None:
    data = nx.node_link_data(graph, edges="edges")
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


#: Writers by lower-case file suffix; add an entry to support another format.
#: (Pictures of the graph: :func:`pathway.plotting.save_pathway_figure`.)
_WRITERS: dict[str, Callable[[nx.DiGraph, Path], None]] = {
    ".graphml": _write_graphml,
    ".json": _write_json,
}


def write_graph(graph: nx.DiGraph, path: str | Path) -> Path:
    """Save the graph in the format its file suffix names.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`to_graph`.
    path : str or Path
        ``*.graphml`` writes GraphML (:func:`networkx.write_graphml`) from a
        copy in which lists become ``"; "``-joined strings and ``None``
        values are left out, so every GraphML key keeps one type. ``*.json`` writes networkx node-link data
        (``nx.node_link_data(graph, edges="edges")``), in which lists stay
        lists; read it back with ``nx.node_link_graph(data, edges="edges")``.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    UsageError
        If the suffix names no known format, or the file cannot be written
        (for example, its directory does not exist).

    Examples
    --------
    >>> import tempfile
    >>> from pathway import load_model
    >>> folder = tempfile.mkdtemp()
    >>> write_graph(to_graph(load_model()), Path(folder) / "pathway.graphml").name
    'pathway.graphml'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        known = list(_WRITERS)
        shown = f"'{path.suffix}'" if path.suffix else "no suffix"
        raise UsageError(f"{path}: cannot write a graph to a file with {shown}\n"
                         f"  hint: use {' or '.join(known)}; a picture of the graph is "
                         "pathway.plotting.save_pathway_figure")
    from .atomicio import atomic_path
    try:
        with atomic_path(path) as tmp:
            _WRITERS[suffix](graph, tmp)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = ("create the directory first, or choose another path"
                if not path.parent.is_dir() else "check the path and its permissions")
        raise UsageError(f"{path}: cannot write the graph ({reason})\n  hint: {hint}") from None
    return path
