"""Tests of pathway.graph: the model as a networkx graph, its queries and files."""

from __future__ import annotations

import dataclasses
import itertools
import json
import tomllib

import networkx as nx
import pytest

from pathway.errors import UsageError
from pathway.graph import (
    downstream,
    drug_to_readout_paths,
    paths,
    to_graph,
    upstream,
    write_graph,
)
from pathway.modelfile import (
    KINDS,
    ParamRef,
    load_model,
    parse_quantity,
    set_hypothesis,
    set_parameter,
)

MECHANISM = ["esketamine", "nmda", "gaba_interneuron", "glutamate", "ampa", "bdnf", "mtor",
             "synaptic_proteins", "spines"]
# The fast route (NMDA block at rest, eEF2 kinase, BDNF translation) is the shortest.
FAST = ["esketamine", "nmda", "eef2k", "bdnf", "mtor", "synaptic_proteins", "spines"]
READOUTS = ["relief", "dissociation", "ideation_relief", "spines"]
NODE_ATTRS = {"label", "kind", "branch", "branch_row", "branch_title", "description", "caption",
              "short_label", "response", "baseline", "maximum", "half", "hill", "tau_rise_h",
              "tau_fall_h", "layer"}
EDGE_ATTRS = {"index", "effect", "strength", "ec50_ng_ml", "hill", "fraction", "grade",
              "citations", "references", "hypothesis", "active", "note", "species"}


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def graph(model):
    return to_graph(model)


# ---------------------------------------------------------------- building


def test_graph_attributes(model, graph):
    assert isinstance(graph, nx.DiGraph)
    assert graph.graph["name"] == model.name == "ketamine-pathway"
    assert graph.graph["readouts"] == READOUTS
    assert graph.graph["source"] == model.source


def test_every_node_present_with_attributes(model, graph):
    assert set(graph.nodes) == set(model.node_ids)
    assert graph.number_of_nodes() == len(model.nodes)
    for node in model.nodes:
        data = graph.nodes[node.id]
        assert set(data) == NODE_ATTRS
        assert data["label"] == node.label
        assert data["kind"] == node.kind
        assert data["branch"] == node.branch
        assert data["layer"] == KINDS.index(node.kind)
        for key in ("baseline", "maximum", "half", "hill"):
            assert isinstance(data[key], float), (node.id, key)
        if node.kind == "drug":
            assert data["tau_rise_h"] is None and data["tau_fall_h"] is None
        else:
            assert data["tau_rise_h"] > 0 and data["tau_fall_h"] > 0


def test_layers_run_from_drug_to_readout(graph):
    assert graph.nodes["esketamine"]["layer"] == 0
    assert graph.nodes["nmda"]["layer"] == 1
    assert graph.nodes["gaba_interneuron"]["layer"] == 2
    assert graph.nodes["glutamate"]["layer"] == 3
    # every drug sits in layer 0; the readouts come after the structures that feed them
    assert all(graph.nodes[d]["layer"] == 0 for d in ("ssri", "nbqx", "arketamine"))
    assert graph.nodes["relief"]["layer"] > graph.nodes["spines"]["layer"] > 1


def parameter_value(model, field):
    """The value of a field that names a parameter, read from [parameters]."""
    assert isinstance(field, ParamRef), f"{field!r} should name a parameter"
    return model.parameters[field.name].value


def raw_node(model, node_id):
    """The node's table as written in the model file."""
    with open(model.source, "rb") as f:
        nodes = tomllib.load(f)["nodes"]
    return next(n for n in nodes if n["id"] == node_id)


def test_parameter_references_are_resolved(model, graph):
    # The expected values come from the model's [parameters] (fields that name a
    # parameter) or from the file's own text (plain values), not from literals
    # that go stale when the model is edited.
    spines_node = model.node("spines")
    spines = graph.nodes["spines"]
    assert spines["baseline"] == pytest.approx(parameter_value(model, spines_node.baseline))
    assert spines["tau_fall_h"] == pytest.approx(parameter_value(model, spines_node.tau_fall_h))
    raw_spines = raw_node(model, "spines")
    assert spines["tau_rise_h"] == pytest.approx(parse_quantity(raw_spines["tau_rise"], "time")[0])
    assert spines["maximum"] == pytest.approx(parse_quantity(raw_spines["maximum"], "number")[0])
    assert spines["response"] == "hill"
    assert graph.nodes["nmda"]["tau_rise_h"] == pytest.approx(
        parse_quantity(raw_node(model, "nmda")["tau"], "time")[0])
    assert graph.nodes["relief"]["half"] == pytest.approx(
        parameter_value(model, model.node("relief").half))
    edges = {(e.source, e.target): e for e in model.edges}
    assert graph.edges["esketamine", "nmda"]["ec50_ng_ml"] == pytest.approx(
        parameter_value(model, edges["esketamine", "nmda"].ec50_ng_ml))
    assert graph.edges["nmda", "gaba_interneuron"]["strength"] == pytest.approx(
        parameter_value(model, edges["nmda", "gaba_interneuron"].strength))

    changed = to_graph(set_parameter(model, "esketamine_nmda_ec50", "100 ng/mL"))
    assert changed.edges["esketamine", "nmda"]["ec50_ng_ml"] == pytest.approx(100.0)


def test_every_edge_present_with_attributes(model, graph):
    assert graph.number_of_edges() == len(model.edges)
    for edge in model.edges:
        data = graph.edges[edge.source, edge.target]
        assert set(data) == EDGE_ATTRS
        assert data["index"] == edge.index
        assert data["effect"] == edge.effect
        assert data["grade"] == edge.grade
        assert data["citations"] == list(edge.citations)
        assert data["references"] == [model.references[k] for k in edge.citations]
        assert data["hypothesis"] == edge.hypothesis
        assert data["note"] == edge.note
        assert data["species"] == edge.species
        assert isinstance(data["active"], bool)
        assert isinstance(data["strength"], float)


def test_edge_values(graph):
    block = graph.edges["esketamine", "nmda"]
    assert block["effect"] == "inhibits"
    assert block["hill"] == 1.0                       # open-channel block
    assert block["citations"] == ["zanos2018pr"]
    assert block["references"][0].startswith("Zanos P et al. (2018) Pharmacological Reviews")
    assert block["hypothesis"] is None and block["active"] is True

    metabolism = graph.edges["esketamine", "norketamine"]
    assert metabolism["effect"] == "metabolised-to"
    assert metabolism["fraction"] == pytest.approx(0.8)
    assert metabolism["ec50_ng_ml"] is None

    # Edges between non-drug nodes have no EC50.
    assert graph.edges["glutamate", "ampa"]["ec50_ng_ml"] is None


def hypothesis_edges(model, name):
    """The (source, target) pairs of the edges of hypothesis ``name``, read from the model."""
    pairs = {(e.source, e.target) for e in model.edges if e.hypothesis == name}
    assert pairs, f"the model has no edge of hypothesis '{name}'"
    return pairs


def test_hypothesis_edges_are_kept_but_inactive_by_default(model, graph):
    hnk = graph.edges["hnk", "ampa"]
    assert hnk["hypothesis"] == "hnk"
    assert hnk["active"] is False
    for u, v in hypothesis_edges(model, "opioid"):
        opioid = graph.edges[u, v]
        assert opioid["hypothesis"] == "opioid" and opioid["active"] is False
    inactive = {(u, v) for u, v, a in graph.edges(data="active") if not a}
    assert hypothesis_edges(model, "hnk") | hypothesis_edges(model, "opioid") <= inactive
    # The edges of hypotheses that are off, and only those, are inactive.
    assert inactive == {(e.source, e.target) for e in model.edges
                        if e.hypothesis is not None and not model.hypotheses[e.hypothesis].enabled}


def test_switching_a_hypothesis_on_activates_its_edge(model):
    graph = to_graph(set_hypothesis(model, "hnk", True))
    assert graph.edges["hnk", "ampa"]["active"] is True
    for u, v in hypothesis_edges(model, "hnk"):
        assert graph.edges[u, v]["active"] is True
    for u, v in hypothesis_edges(model, "opioid"):
        assert graph.edges[u, v]["active"] is False


def test_removing_an_edge_removes_it_from_the_graph(model, graph):
    gone = {("nmda", "gaba_interneuron"), ("nmda", "eef2k"), ("nmda", "glutamate")}
    kept = tuple(e for e in model.edges if (e.source, e.target) not in gone)   # every route
    assert len(kept) == len(model.edges) - 3
    smaller = to_graph(dataclasses.replace(model, edges=kept))
    assert not smaller.has_edge("nmda", "eef2k")
    assert smaller.number_of_edges() == graph.number_of_edges() - 3
    assert smaller.number_of_nodes() == graph.number_of_nodes()
    assert paths(smaller, "esketamine", "spines") == []
    assert "esketamine" not in upstream(smaller, "spines")
    assert "ssri" in upstream(smaller, "spines")       # the slow route is untouched


def test_default_model_has_no_pair_joined_twice(model):
    pairs = [(e.source, e.target) for e in model.edges]
    assert len(pairs) == len(set(pairs))


def test_two_effects_between_one_pair_are_refused_by_the_loader():
    """A DiGraph holds one edge per ordered pair, so the loader refuses a second one:
    a file that loads always makes a graph."""
    from pathway import ModelFileError, loads_model
    from pathway.modelfile import default_model_path
    text = default_model_path().read_text() + (
        '\n[[edges]]\nsource = "glutamate"\ntarget = "ampa"\neffect = "inhibits"\n'
        'grade = "strong"\ncitations = ["maeng2008"]\n')
    with pytest.raises(ModelFileError) as info:
        loads_model(text, "m.toml")
    message = str(info.value)
    assert "a second edge from 'glutamate' to 'ampa'" in message and "one edge per ordered pair" in message
    assert "hint:" in message


def test_edge_to_an_unknown_node_is_refused(model):
    original = model.edges[0]
    stray = dataclasses.replace(original, index=len(model.edges), target="ampaa")
    with pytest.raises(UsageError, match=r"unknown node 'ampaa'[\s\S]*did you mean 'ampa'\?"):
        to_graph(dataclasses.replace(model, edges=(*model.edges, stray)))


# ---------------------------------------------------------------- queries


def test_mechanism_chain_is_a_path(graph):
    found = paths(graph, "esketamine", "spines")
    assert MECHANISM in found
    assert found[0] == FAST               # the shortest route is the fast (eEF2 kinase) route
    for path in found:
        assert path[0] == "esketamine" and path[-1] == "spines"
        assert len(path) == len(set(path))
        assert all(graph.has_edge(u, v) for u, v in itertools.pairwise(path))


def test_paths_are_sorted_shortest_first_then_alphabetically(graph):
    found = paths(graph, "ssri", "relief")
    assert found == sorted(found, key=lambda p: (len(p), p))
    assert found[0] == ["ssri", "sert", "serotonin", "emotional_bias", "relief"]
    assert len(found) > 1
    assert paths(graph, "ssri", "relief") == found      # deterministic


def test_paths_to_self_and_unreachable(graph):
    assert paths(graph, "bdnf", "bdnf") == [["bdnf"]]
    assert paths(graph, "relief", "esketamine") == []
    assert paths(graph, "ssri", "dissociation") == []


def test_upstream_of_relief(graph):
    up = upstream(graph, "relief")
    assert {"arketamine", "esketamine", "ssri", "spines", "serotonin"} <= up
    assert "relief" not in up
    # The opioid and HNK edges are off: those routes do not count.
    assert "opioid_receptor" not in up
    assert "hnk" not in up and "norketamine" not in up
    assert "dissociation" not in up


def test_inactive_edges_count_only_without_active_only(graph):
    everything = upstream(graph, "relief", active_only=False)
    assert {"hnk", "norketamine", "opioid_receptor"} <= everything
    assert upstream(graph, "relief") < everything


def test_hnk_reaches_relief_only_when_its_hypothesis_is_on(model, graph):
    assert "hnk" not in upstream(graph, "relief")
    assert paths(graph, "hnk", "relief") == []
    on = to_graph(set_hypothesis(model, "hnk", True))
    assert "hnk" in upstream(on, "relief")
    assert "norketamine" in upstream(on, "relief")
    route = ["hnk", "ampa", "bdnf", "mtor", "synaptic_proteins", "relief"]
    assert route in paths(on, "hnk", "relief")


def test_upstream_excludes_node_on_a_feedback_loop(graph):
    # serotonin and the 5-HT1A autoreceptor inhibit each other.
    up = upstream(graph, "serotonin")
    assert "serotonin" not in up
    assert up == {"ht1a_autoreceptor", "sert", "ssri"}
    assert "serotonin" not in downstream(graph, "serotonin")


def test_downstream(graph):
    down = downstream(graph, "esketamine")
    assert set(MECHANISM[1:]) <= down
    assert {"relief", "dissociation", "norketamine", "hnk", "opioid_receptor"} <= down
    assert "esketamine" not in down
    assert "ssri" not in down and "serotonin" not in down
    assert downstream(graph, "relief") == set()
    assert downstream(graph, "hnk") == set()
    assert downstream(graph, "hnk", active_only=False) >= {"ampa", "relief", "spines"}


def test_drug_to_readout_paths(graph):
    routes = drug_to_readout_paths(graph, "esketamine")
    assert list(routes) == READOUTS
    assert routes["dissociation"][0] == ["esketamine", "nmda", "dissociation"]
    assert MECHANISM in routes["spines"]
    assert routes["relief"] == paths(graph, "esketamine", "relief")

    ssri = drug_to_readout_paths(graph, "ssri")
    assert ssri["dissociation"] == []
    assert ssri["relief"][0] == ["ssri", "sert", "serotonin", "emotional_bias", "relief"]

    assert drug_to_readout_paths(graph, "arketamine", "dissociation") == {
        "dissociation": [["arketamine", "nmda", "dissociation"],
                         ["arketamine", "nmda", "dissociation_tolerance", "dissociation"]]}


def test_drug_to_readout_paths_checks_its_arguments(graph):
    with pytest.raises(UsageError, match="not a drug"):
        drug_to_readout_paths(graph, "nmda")
    with pytest.raises(UsageError, match="not one of the model's readouts"):
        drug_to_readout_paths(graph, "esketamine", "ampa")
    with pytest.raises(UsageError, match="did you mean 'esketamine'"):
        drug_to_readout_paths(graph, "esketamin")


@pytest.mark.parametrize("call", [
    lambda g: upstream(g, "ampaa"),
    lambda g: downstream(g, "ampaa"),
    lambda g: paths(g, "ampaa", "relief"),
    lambda g: paths(g, "esketamine", "ampaa"),
    lambda g: drug_to_readout_paths(g, "esketamine", "ampaa"),
])
def test_unknown_node_suggests_the_closest(graph, call):
    with pytest.raises(UsageError) as info:
        call(graph)
    message = str(info.value)
    assert "unknown node 'ampaa'" in message
    assert "hint: did you mean 'ampa'?" in message


def test_unknown_node_without_a_close_match_lists_choices(graph):
    with pytest.raises(UsageError, match="choose one of"):
        upstream(graph, "zzzz")


# ---------------------------------------------------------------- writing


def test_graphml_round_trip(graph, tmp_path):
    written = write_graph(graph, tmp_path / "pathway.graphml")
    assert written == tmp_path / "pathway.graphml"
    back = nx.read_graphml(written)
    assert back.is_directed()
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert set(back.edges) == set(graph.edges)
    block = back.edges["esketamine", "nmda"]
    assert block["grade"] == "strong"
    assert block["citations"] == "zanos2018pr"
    assert block["ec50_ng_ml"] == pytest.approx(graph.edges["esketamine", "nmda"]["ec50_ng_ml"])
    assert "hypothesis" not in block
    assert back.edges["hnk", "ampa"]["active"] is False
    assert back.nodes["spines"]["layer"] == graph.nodes["spines"]["layer"]
    assert "tau_rise_h" not in back.nodes["esketamine"]
    assert back.nodes["spines"]["tau_fall_h"] == pytest.approx(graph.nodes["spines"]["tau_fall_h"])
    assert back.graph["readouts"] == "; ".join(READOUTS)
    # The original keeps its lists: write_graph flattens a copy.
    assert graph.edges["esketamine", "nmda"]["citations"] == ["zanos2018pr"]
    assert graph.graph["readouts"] == READOUTS
    # Queries still work on the read-back graph.
    assert MECHANISM in paths(back, "esketamine", "spines")
    assert "hnk" not in upstream(back, "relief")
    assert list(drug_to_readout_paths(back, "esketamine")) == READOUTS


def test_json_round_trip(graph, tmp_path):
    written = write_graph(graph, str(tmp_path / "pathway.json"))
    assert written == tmp_path / "pathway.json"
    data = json.loads(written.read_text(encoding="utf-8"))
    assert "edges" in data
    back = nx.node_link_graph(data, edges="edges")
    assert back.is_directed()
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.graph == graph.graph
    for u, v, attrs in graph.edges(data=True):
        assert back.edges[u, v] == attrs
    for n, attrs in graph.nodes(data=True):
        assert back.nodes[n] == attrs
    assert back.edges["glutamate", "ampa"]["citations"] == ["maeng2008", "zanos2016", "zanos2018"]
    assert back.edges["glutamate", "ampa"]["grade"] == "moderate"
    assert back.edges["glutamate", "ampa"]["species"] == "mouse"
    assert back.nodes["esketamine"]["tau_rise_h"] is None


def test_suffix_is_case_insensitive(graph, tmp_path):
    back = nx.read_graphml(write_graph(graph, tmp_path / "pathway.GraphML"))
    assert back.number_of_edges() == graph.number_of_edges()


@pytest.mark.parametrize("name", ["pathway.gif", "pathway.txt", "pathway"])
def test_bad_suffix(graph, tmp_path, name):
    with pytest.raises(UsageError) as info:
        write_graph(graph, tmp_path / name)
    message = str(info.value)
    assert "use .graphml or .json" in message
    assert (name.partition(".")[2] or "no suffix") in message
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("suffix", [".graphml", ".json"])
def test_missing_directory(graph, tmp_path, suffix):
    target = tmp_path / "no" / "such" / f"pathway{suffix}"
    with pytest.raises(UsageError) as info:
        write_graph(graph, target)
    assert str(target) in str(info.value)
    assert "hint:" in str(info.value)
    assert not isinstance(info.value, OSError)
