"""Long, legal model files for the size tests and benchmarks.

:func:`big_model_text` takes the toy model (``models/toy.toml``) and grows its fast
route by ``n`` extra signalling nodes, in one of two shapes:

``chain``
    ``messenger -> step1 -> step2 -> ... -> stepN -> wellbeing``: the longest path
    the graph can have for its size (what a recursive walk of the graph trips on).
``tree``
    a binary tree hanging from the messenger (node ``k``'s parent is node ``k // 2``),
    split between the fast and the slow band; every leaf feeds wellbeing. Many
    boxes share a column, so layout and arrow routing meet crowded columns.

The text is the toy file as it is, with ``[[nodes]]`` and ``[[edges]]`` tables
appended (TOML lets an array of tables go on anywhere in a file), so the result is
a model file a user could have written. ``python tests/bigmodel.py chain 1000
OUT.toml`` writes one.
"""

from __future__ import annotations

import sys
from pathlib import Path

TOY = Path(__file__).resolve().parent.parent / "models" / "toy.toml"
SHAPES = ("chain", "tree")


def _node(node_id: str, branch: str, k: int) -> str:
    return (f'\n[[nodes]]\nid = "{node_id}"\nlabel = "Step {k}"\nkind = "signal"\n'
            f'branch = "{branch}"\ntau = "{10 + k % 7 * 5} min"\n'
            f'description = "Relay {k} of a long made-up cascade."\n')


def _edge(source: str, target: str, effect: str = "activates") -> str:
    return (f'\n[[edges]]\nsource = "{source}"\ntarget = "{target}"\neffect = "{effect}"\n'
            'strength = 1.0\ngrade = "moderate"\ncitations = ["toy"]\n'
            'note = "One relay of the made-up cascade."\n')


def big_model_text(n: int, shape: str = "chain") -> str:
    """The toy model with ``n`` extra nodes in ``shape`` (see the module docstring)."""
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r}: use one of {', '.join(SHAPES)}")
    if n < 1:
        raise ValueError("n must be at least 1")
    parts = [TOY.read_text(encoding="utf-8"), f"\n# {n} extra nodes, shape {shape}\n"]
    ids = [f"step{k}" for k in range(1, n + 1)]
    if shape == "chain":
        for k, node_id in enumerate(ids, 1):
            parts.append(_node(node_id, "fast", k))
        for source, target in zip(["messenger"] + ids, ids + ["wellbeing"]):
            parts.append(_edge(source, target))
    else:
        for k, node_id in enumerate(ids, 1):
            parts.append(_node(node_id, "fast" if k % 2 else "slow", k))
        for k, node_id in enumerate(ids, 1):
            parent = "messenger" if k == 1 else ids[k // 2 - 1]
            parts.append(_edge(parent, node_id, "activates" if k % 3 else "inhibits"))
        for k, node_id in enumerate(ids, 1):
            if 2 * k > n:                       # a leaf
                parts.append(_edge(node_id, "wellbeing"))
    return "".join(parts)


def write_big_model(path: str | Path, n: int, shape: str = "chain") -> Path:
    """Write :func:`big_model_text` to ``path``; return the path."""
    path = Path(path)
    path.write_text(big_model_text(n, shape), encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SHAPES:
        sys.exit("usage: python tests/bigmodel.py chain|tree N OUT.toml")
    print(write_big_model(sys.argv[3], int(sys.argv[2]), sys.argv[1]))
