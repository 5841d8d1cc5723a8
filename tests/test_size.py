"""Long legal model files neither break nor hang the tool (issue 26, "Size").

Models come from ``tests/bigmodel.py``: the toy model grown by a chain or a tree of
N extra nodes. A command either runs on a 3,000-node model or is refused up front
(exit code 2, a message naming the command, the size and the limit, with a hint);
never a traceback. The commands that run and take long on such a model (simulate,
plot, population, sensitivity) run at 3,000 nodes only with PATHWAY_SIZE_FULL=1, and
otherwise on a 300-node model, so the file stays quick.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bigmodel import big_model_text, write_big_model  # noqa: E402

from pathway import limits  # noqa: E402
from pathway.boxgrid import WORK  # noqa: E402
from pathway.cli import main  # noqa: E402
from pathway.graph import to_graph  # noqa: E402
from pathway.modelfile import loads_model  # noqa: E402
from pathway.plotting import _back_edges, _bands, layout  # noqa: E402

FULL = os.environ.get("PATHWAY_SIZE_FULL") == "1"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    return {(shape, n): write_big_model(folder / f"{shape}{n}.toml", n, shape)
            for shape in ("chain", "tree") for n in (300, 1000, 3000)}


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "RecursionError" not in err, err
    return code, out, err


def test_a_chain_longer_than_pythons_recursion_limit_lays_out():
    """The figure's layout walks the graph with stacks of its own: a chain of 3,000
    nodes (three times Python's default recursion limit) lays out, one column each."""
    graph = to_graph(loads_model(big_model_text(3000, "chain"), source="chain.toml"))
    assert sys.getrecursionlimit() < 3000
    lay = layout(graph)
    steps = [lay.pos[f"step{k}"][0] for k in range(1, 3001)]
    assert steps == sorted(steps) and len(set(steps)) == 3000
    assert not _back_edges(graph)
    assert set(_bands(graph).values()) <= {"fast", "slow", "context"}


def test_back_edges_and_bands_on_a_loop_match_a_plain_walk():
    """The iterative walks give the answers of the recursive ones they replace, on a
    graph with feedback loops: a loop's closing edge is the back edge found."""
    graph = to_graph(loads_model(big_model_text(5, "chain"), source="chain.toml"))
    graph.add_edge("step5", "step2", effect="inhibits", active=True)
    graph.add_edge("wellbeing", "messenger", effect="inhibits", active=True)
    assert _back_edges(graph) == {("step5", "step2"), ("wellbeing", "messenger")}
    bands = _bands(graph)
    assert bands["step3"] == "fast" and bands["wellbeing"] == "fast"


def test_the_1000_node_chain_runs_graph_and_reaches_site_without_recursion(files, capsys, tmp_path):
    chain = files["chain", 1000]
    code, out, _ = run(["graph", "--model", chain], capsys)
    assert code == 0 and out.startswith("1009 nodes, 1009 edges")
    code, _, _ = run(["graph", "--model", chain, "--out", tmp_path / "g.json"], capsys)
    assert code == 0 and (tmp_path / "g.json").stat().st_size > 100_000
    # the site and the picture: refused up front, with the limit and a way out
    code, _, err = run(["site", "--model", chain, "--out", tmp_path / "site"], capsys)
    assert code == 2 and "1,009 nodes" in err and f"{limits.MAX_SITE_NODES:,}" in err
    assert "hint:" in err and not (tmp_path / "site").exists()


def _command(name: str, model: Path, tmp: Path) -> list:
    """The command line for ``name`` (a command, or a command and its output kind)."""
    return [name.split()[0], "--model", model] + _command_rest(name, tmp)


def _command_rest(name, tmp):
    rest = {
        "list": [], "graph": [], "explain": ["step5"],
        "simulate": ["--scenario", "quick-dose", "--days", "1", "--out", tmp / "s.csv"],
        "graph --out": ["--out", tmp / "g.png"],
        "export sbml": ["--format", "sbml", "--out", tmp / "m.xml"],
        "site": ["--out", tmp / "site"],
        "animate": ["--frames", "10", "--out", tmp / "a.gif"],
        "plot": ["--scenario", "quick-dose", "--days", "2", "--out", tmp / "p.png"],
        "population": ["--scenario", "quick-dose", "--n", "20", "--at", "6h"],
        "sensitivity": ["--scenario", "quick-dose", "--method", "morris", "--n", "4",
                        "--at", "6h", "--quiet"],
    }
    return rest[name]


#: Commands refused on a 3,000-node model, and the limit each names.
REFUSED = {"graph --out": limits.MAX_FIGURE_NODES, "export sbml": limits.MAX_NODE_INPUTS,
           "site": limits.MAX_SITE_NODES, "animate": limits.MAX_ANIMATION_NODES}
#: Commands that run on it (the slow ones on a smaller model unless PATHWAY_SIZE_FULL=1).
RUN_QUICK = ("list", "graph", "explain")
RUN_SLOW = ("simulate", "plot", "population", "sensitivity")


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_3000_node_tree_is_refused_up_front_by_commands_that_cannot_finish(name, files, capsys,
                                                                           tmp_path):
    code, out, err = run(_command(name, files["tree", 3000], tmp_path), capsys)
    assert code == 2
    command = name.split()[0]
    assert err.startswith("error: ") and f"`pathway {command}`" in err
    assert f"{REFUSED[name]:,}" in err and "\n  hint: " in err
    assert not [p for p in tmp_path.iterdir()]          # refused before writing anything


@pytest.mark.parametrize("name", RUN_QUICK + RUN_SLOW)
def test_a_3000_node_model_runs_the_commands_that_can(name, files, capsys, tmp_path):
    n = 3000 if FULL or name in RUN_QUICK else 300
    code, out, err = run(_command(name, files["tree", n], tmp_path), capsys)
    assert code == 0, err
    if name == "graph":
        assert out.startswith(f"{n + 9} nodes")


def test_every_limited_command_names_its_limit_in_one_place():
    """The limits live in pathway/limits.py; a small model passes every one."""
    model = loads_model(big_model_text(5, "chain"), source="chain.toml")
    for command in ("graph", "animate", "storyboard", "slides", "site", "serve", "export",
                    "explain", "list", "simulate"):
        limits.check_model_size(model, command)
    big = loads_model(big_model_text(limits.MAX_FIGURE_NODES, "chain"), source="big.toml")
    with pytest.raises(limits.UsageError, match="more than the 400"):
        limits.check_model_size(big, "graph")
    limits.check_model_size(big, "export")               # under the SBML export's own limit


def _drawing_work(n: int, shape: str, width: int) -> int:
    """Point-box comparisons made routing every arrow of one page drawing."""
    from pathway.plotting import BAND_PAD_ABOVE, band_rect
    from pathway.webdrawing import drawing
    model = loads_model(big_model_text(n, shape), source="big.toml")
    lay = layout(to_graph(model))
    nodes = [{"id": m.id, "x": lay.pos.get(m.id, (None, None))[0],
              "y": lay.pos.get(m.id, (None, None))[1], "band": lay.band.get(m.id),
              "label": m.label, "short_label": m.short_label} for m in model.nodes]
    branches = {}
    for b in model.branches.values():
        pts = [lay.pos[m] for m in lay.pos if lay.band.get(m) == b.name]
        rect = list(band_rect(pts, lay.height, lay.title_room if b.title else BAND_PAD_ABOVE)) \
            if pts else None
        branches[b.name] = {"title": b.title, "row": lay.rows.get(b.name), "rect": rect}
    edges = [{"index": e.index, "source": e.source, "target": e.target} for e in model.edges]
    WORK["comparisons"] = 0
    drawing(width, nodes, branches, edges, float(lay.height), float(lay.title_room))
    return WORK["comparisons"]


def test_routing_work_grows_about_linearly_with_a_chain():
    """Doubling a chain does not quadruple the routing work: each sample point of an
    arrow is compared only with the boxes in its own grid cell. (Counted, not timed:
    a box test against every box made 250 x 259 per candidate curve, so doubling
    would quadruple it.)"""
    small, large = _drawing_work(250, "chain", 1100), _drawing_work(500, "chain", 1100)
    assert 0 < small and large < 2.5 * small
    boxes = 259                                         # the drawing's boxes at N = 250
    assert small < boxes * boxes * 4                    # far below arrows x boxes x shapes
