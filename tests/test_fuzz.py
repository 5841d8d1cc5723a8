"""Fuzzers: a seeded model-file mutator and a seeded command-line case generator.

Every case must end in success or the project's own error: a model file either
loads (and then every scenario simulates to finite, in-range values) or raises
one ModelFileError; a command exits 0, or exits 2 with an ``error:`` line that
carries a ``hint:``. Anything else (another exception, a case that gives no
answer (cases run in a worker process, which is stopped when one hangs), a non-finite or out-of-range number in the output) fails the test
and names the seed that reproduces it.

CI runs a few hundred cases of each; ``pytest --fuzz-long`` (or
``PATHWAY_FUZZ_LONG=1``) runs ten thousand model mutations and two thousand
command lines. ``PATHWAY_FUZZ_REPORT=FILE`` appends the counts by class as JSON.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import faulthandler
import io
import json
import math
import os
import random
import re
import signal
import sys
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pathway.cli import main
from pathway.modelfile import CHECKER_STOPPED, ModelFileError, default_model_path, load_model

MODEL_TEXT = default_model_path().read_text(encoding="utf-8")
TOY_PATH = default_model_path().parent / "toy.toml"
MODEL_DATA = tomllib.loads(MODEL_TEXT)
TOY_DATA = tomllib.loads(TOY_PATH.read_text(encoding="utf-8"))


def _long(config) -> bool:
    return bool(config.getoption("--fuzz-long")) or os.environ.get("PATHWAY_FUZZ_LONG", "") not in ("", "0")


# ---------------------------------------------------------------- cases in a worker process

#: A hang guard, not a speed requirement: a case that gives no answer for this long is stuck.
CASE_LIMIT_S = 300


def _child_env() -> dict:
    env = dict(os.environ)
    if env.get("PYTHONPATH"):           # as this process read it, whatever the child's folder
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep))
    return env


def run_in_worker(kind: str, cases: list, tmp: Path) -> dict:
    """Run fuzz cases in a child process (``python tests/test_fuzz.py KIND CASES FOLDER``),
    which prints one JSON line per case. A case that gives no answer within
    :data:`CASE_LIMIT_S` is stopped (its stack is dumped), recorded as a hang, and the
    rest go to a new child; a child that dies takes only its current case with it.
    Returns case -> result (``class``, or ``failure``, and what the case recorded)."""
    import queue
    import subprocess
    import threading

    results, todo = {}, list(cases)
    while todo:
        log = tmp / "worker-stderr.txt"
        with open(log, "w", encoding="utf-8") as stderr:
            proc = subprocess.Popen([sys.executable, __file__, kind, json.dumps(todo), str(tmp)],
                                    stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=tmp,
                                    env=_child_env())
        lines: queue.Queue = queue.Queue()

        def pump(stream=proc.stdout):
            for line in stream:
                lines.put(line)
            lines.put(None)
        threading.Thread(target=pump, daemon=True).start()
        while todo:
            try:
                line = lines.get(timeout=CASE_LIMIT_S)
            except queue.Empty:
                proc.terminate()                # the child dumps its stack, then ends
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                results[todo.pop(0)] = {"failure": f"Hang: no answer within {CASE_LIMIT_S} s\n"
                                                   + log.read_text(encoding="utf-8")[-2000:]}
                break
            if line is None:                    # the child ended before every case answered
                proc.wait()
                results[todo.pop(0)] = {"failure": f"the worker process ended (exit code "
                                                   f"{proc.returncode})\n"
                                                   + log.read_text(encoding="utf-8")[-2000:]}
                break
            if line.startswith('{"case"'):
                result = json.loads(line)
                results[result["case"]] = result
                todo.remove(result["case"])
        else:
            proc.stdout.close()
            proc.wait()
    return results


def run_cli_captured(argv) -> tuple[int, str, str]:
    """``pathway ARGV`` in this process, with its output captured: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:                     # argparse's own exit
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _worker(kind: str, cases: list, tmp: Path) -> None:
    """The child's side of :func:`run_in_worker`."""
    import matplotlib
    matplotlib.use("Agg")
    if hasattr(faulthandler, "register"):
        faulthandler.register(signal.SIGTERM, chain=True)   # a stopped hang shows where it was
    os.chdir(tmp)
    pools = _pools(tmp) if kind == "cli" else None
    for case in cases:
        result = {"case": case}
        try:
            if kind == "model":
                raw, result["kind"] = mutated_model(case)
                result["class"] = check_model_case(raw, tmp, scenarios=None)
            elif kind == "cli":
                argv = result["argv"] = cli_case(case, tmp, pools)
                code, out, err = run_cli_captured(argv)
                check_cli_output(argv, code, out, err, tmp)
                result["class"] = "ok" if code == 0 else "error"
            else:                                     # one of FIXED_CASES, in a folder of its own
                where = tmp / f"case{case}"
                where.mkdir()
                os.chdir(where)
                code, out, err = run_cli_captured(FIXED_CASES[case])
                os.chdir(tmp)
                result.update(code=code, out=out, err=err, left=sorted(p.name for p in where.iterdir()))
                result["class"] = "ok" if code == 0 else "error"
        except Exception as exc:  # noqa: BLE001 - anything else is a finding
            result["failure"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        print(json.dumps(result), flush=True)


# ---------------------------------------------------------------- TOML out

def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _value(v, depth: int = 0) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x, depth + 1) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x, depth + 1)}" for k, x in v.items()
                               if x is not None) + "}"
    raise TypeError(type(v))


def dumps_toml(data: dict) -> str:
    """Top-level keys as lines, everything below as inline tables and arrays."""
    return "\n".join(f"{_key(k)} = {_value(v)}" for k, v in data.items() if v is not None) + "\n"


# ---------------------------------------------------------------- the model mutator

NUMBERS = [0, -1, 1e308, -1e308, 1e-308, 5e-324, float("nan"), float("inf"), float("-inf"),
           2 ** 63, -(2 ** 63), 10 ** 30, 1e9, 1e-9, 1e10, 1e-10, 0.0, -0.0, 3, 0.5]
QUANTITY_TEXT = ["0 h", "-5 min", "1e300 h", "1e-300 h", "nan h", "inf d", "5 parsecs", "5",
                 "", "mg", "1e9 mg", "1e-9 L", "0 L/h", "1e6 mg/kg", "0.5 mg/kg", "10 mg",
                 "3 d", "1 wk", "-0 h", "1e308 ng/mL", "70 kg", "1e-320 L", "1 s", "1e-6 h",
                 "1e9 d", "1e-9 h"]
WEIRD = [True, False, "", "x", [], {}, [1, 2], {"param": "nope"}, {"param": 3},
         "ketamine", "relief", "é", "a\u0000b", "0", -1, 1.5, [[]], [{}]]


def _paths(data, prefix=()):
    """Every (container, key) inside ``data``, as a list of key paths."""
    out = []
    stack = [(data, prefix)]
    while stack:
        node, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else ()
        for k, v in items:
            out.append(path + (k,))
            if isinstance(v, (dict, list)):
                stack.append((v, path + (k,)))
    return out


def _get(data, path):
    for k in path:
        data = data[k]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value


def _ids(data, key):
    return [n.get("id") for n in data.get(key, []) if isinstance(n, dict)]


def mutate_data(data: dict, rng: random.Random) -> str:
    """One structural mutation of the parsed model; returns its name."""
    paths = _paths(data)
    kind = rng.choice(["delete", "type", "number", "quantity", "swap_ids", "cycle", "self_loop",
                       "duplicate_id", "empty_table", "rename_ref", "empty_id", "huge_list",
                       "duplicate_edge", "scenario_dose", "parameter_range"])
    path = rng.choice(paths) if paths else None
    if kind == "delete" and path:
        del _get(data, path[:-1])[path[-1]]
    elif kind == "type" and path:
        _set(data, path, copy.deepcopy(rng.choice(WEIRD + NUMBERS)))
    elif kind == "number":
        leaves = [p for p in paths if isinstance(_get(data, p), (int, float, str))
                  and not isinstance(_get(data, p), bool)]
        if leaves:
            _set(data, rng.choice(leaves), rng.choice(NUMBERS))
    elif kind == "quantity":
        leaves = [p for p in paths if isinstance(_get(data, p), str)]
        if leaves:
            _set(data, rng.choice(leaves), rng.choice(QUANTITY_TEXT))
    elif kind == "swap_ids":
        nodes = [n for n in data.get("nodes", []) if isinstance(n, dict)]
        if len(nodes) >= 2:
            a, b = rng.sample(nodes, 2)
            a["id"], b["id"] = b.get("id"), a.get("id")
    elif kind in ("cycle", "self_loop", "duplicate_edge"):
        ids = [i for i in _ids(data, "nodes") if isinstance(i, str)]
        edges = data.setdefault("edges", [])
        if ids and isinstance(edges, list):
            template = copy.deepcopy(rng.choice(edges)) if edges and isinstance(edges[0], dict) \
                else {"effect": "activates", "grade": "strong", "citations": []}
            if not isinstance(template, dict):
                template = {}
            if kind == "self_loop":
                template["source"] = template["target"] = rng.choice(ids)
                edges.append(template)
            elif kind == "duplicate_edge" and edges:
                edges.append(copy.deepcopy(rng.choice(edges)))
            else:
                ring = rng.sample(ids, min(len(ids), rng.randint(2, 4)))
                for s, t in zip(ring, ring[1:] + ring[:1]):
                    e = copy.deepcopy(template)
                    e["source"], e["target"] = s, t
                    e["effect"] = rng.choice(["activates", "inhibits", "metabolised-to"])
                    edges.append(e)
    elif kind == "duplicate_id":
        nodes = data.get("nodes", [])
        if isinstance(nodes, list) and nodes:
            nodes.append(copy.deepcopy(rng.choice(nodes)))
    elif kind == "empty_table":
        tables = [p for p in paths if isinstance(_get(data, p), (dict, list))]
        if tables:
            p = rng.choice(tables)
            _set(data, p, {} if isinstance(_get(data, p), dict) else [])
    elif kind == "rename_ref":
        strings = [p for p in paths if isinstance(_get(data, p), str)]
        ids = [i for i in _ids(data, "nodes") if isinstance(i, str)] or ["x"]
        if strings:
            _set(data, rng.choice(strings), rng.choice(ids + list(data.get("scenarios", {}) or {})))
    elif kind == "empty_id":
        things = [x for x in data.get("nodes", []) + data.get("edges", []) if isinstance(x, dict)]
        if things:
            x = rng.choice(things)
            x[rng.choice(["id", "source", "target"])] = rng.choice(["", " ", "\t", "A", "1x"])
    elif kind == "huge_list":
        lists = [p for p in paths if isinstance(_get(data, p), list) and _get(data, p)]
        if lists:
            p = rng.choice(lists)
            _set(data, p, _get(data, p) * rng.choice([2, 10, 50]))
    elif kind == "scenario_dose":
        scen = data.get("scenarios", {})
        if isinstance(scen, dict) and scen:
            s = scen[rng.choice(list(scen))]
            if isinstance(s, dict):
                field = rng.choice(["days", "max_dose", "doses", "every"])
                if field == "every":
                    doses = [d for d in s.get("doses", []) if isinstance(d, dict)] \
                        if isinstance(s.get("doses"), list) else []
                    if doses:
                        rng.choice(doses)["every"] = rng.choice(QUANTITY_TEXT)
                else:
                    s[field] = rng.choice(QUANTITY_TEXT + NUMBERS + [[{"drug": "ketamine"}], []])
    elif kind == "parameter_range":
        params = data.get("parameters", {})
        if isinstance(params, dict) and params:
            p = params[rng.choice(list(params))]
            if isinstance(p, dict):
                p[rng.choice(["value", "range"])] = rng.choice(
                    QUANTITY_TEXT + NUMBERS + [["1 h"], ["2 h", "1 h"], ["0 h", "inf h"], []])
    return kind


def mutate_text(text: str, rng: random.Random) -> tuple[bytes, str]:
    """A mutation of the file's text or bytes; returns the bytes and its name."""
    kind = rng.choice(["truncate", "invalid_utf8", "deep_nesting", "duplicate_table",
                       "byte_flip", "delete_line", "duplicate_line", "nul", "bom"])
    raw = text.encode("utf-8")
    if kind == "truncate":
        raw = raw[:rng.randrange(len(raw))]
    elif kind == "invalid_utf8":
        i = rng.randrange(len(raw))
        raw = raw[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"]) + raw[i:]
    elif kind == "deep_nesting":
        depth = rng.choice([15, 100, 1000, 5000])
        opener, closer = rng.choice([("[", "]"), ("{a = ", "}")])
        raw += f"\nzz_deep = {opener * depth}1{closer * depth}\n".encode()
    elif kind == "duplicate_table":
        tables = re.findall(rb"^\[[^\[\n]+\]$", raw, flags=re.MULTILINE)
        if tables:
            raw += b"\n" + rng.choice(tables) + b"\n"
    elif kind == "byte_flip":
        b = bytearray(raw)
        for _ in range(rng.randint(1, 5)):
            i = rng.randrange(len(b))
            b[i] = rng.randrange(256)
        raw = bytes(b)
    elif kind in ("delete_line", "duplicate_line"):
        lines = raw.split(b"\n")
        i = rng.randrange(len(lines))
        if kind == "delete_line":
            del lines[i]
        else:
            lines.insert(i, lines[i])
        raw = b"\n".join(lines)
    elif kind == "nul":
        i = rng.randrange(len(raw))
        raw = raw[:i] + b"\x00" + raw[i:]
    elif kind == "bom":
        raw = b"\xef\xbb\xbf" + raw
    return raw, kind


def mutated_model(seed: int) -> tuple[bytes, str]:
    """The bytes of a mutated model file (the default model or the toy model)."""
    rng = random.Random(seed)
    base = MODEL_DATA if rng.random() < 0.8 else TOY_DATA
    if rng.random() < 0.25:
        text = MODEL_TEXT if base is MODEL_DATA else TOY_PATH.read_text(encoding="utf-8")
        return mutate_text(text, rng)
    data = copy.deepcopy(base)
    kinds = [mutate_data(data, rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    return dumps_toml(data).encode("utf-8"), "+".join(kinds)


def check_model_case(raw: bytes, tmp: Path, scenarios: int | None) -> str:
    """Load one file; if it loads, simulate its scenarios and check every value.
    Returns "ok" or "error"; raises AssertionError on anything the project must not do."""
    from pathway.compile import compile_model
    from pathway.graph import to_graph
    from pathway.simulate import simulate

    path = tmp / "m.toml"
    path.write_bytes(raw)
    try:
        model = load_model(path)
    except ModelFileError as exc:
        assert not any(CHECKER_STOPPED in p for p in exc.problems), \
            f"the checker met a value no check foresaw:\n{exc}"
        bare = [p for p in exc.problems if "\n  hint: " not in p]
        assert not bare, "a model-file problem without a hint:\n" + "\n".join(bare[:3])
        return "error"
    # a file that loads always compiles, draws, explains and simulates
    from pathway.compile import explain
    from pathway.population import simulate_population
    system = compile_model(model)
    to_graph(model)
    for node in model.nodes:
        explain(model, node.id)
    names = list(model.scenarios)
    for name in names if scenarios is None else names[:scenarios]:
        scenario = model.scenarios[name]
        traj = simulate(model, scenario, days=min(scenario.days, 28.0), step_min=120,
                        system=system)
        assert np.all(np.isfinite(traj.values)), f"non-finite values in scenario {name}"
        for node in model.nodes:
            col = traj[node.id]
            assert col.min() >= 0, f"{node.id} below zero in scenario {name}"
            if node.kind == "readout":
                top = model.value(node.maximum)
                assert col.max() <= top * (1 + 1e-9), f"{node.id} above its maximum in {name}"
    if names and scenarios is None:
        # a handful of virtual patients: their drawn parameters stay inside the ranges
        pop = simulate_population(model, names[0], n=5, seed=1, at="24h,7d")
        assert np.all(np.isfinite(pop.outcome)), "non-finite virtual-patient outcome"
    return "ok"


def _model_batches(config):
    total = 10_000 if _long(config) else 300
    size = 100 if _long(config) else 50
    return [(start, min(total, start + size)) for start in range(0, total, size)]


def pytest_generate_tests(metafunc):
    if "model_batch" in metafunc.fixturenames:
        metafunc.parametrize("model_batch", _model_batches(metafunc.config),
                             ids=lambda b: f"seeds{b[0]}-{b[1] - 1}")
    if "cli_batch" in metafunc.fixturenames:
        total = 2000 if _long(metafunc.config) else 200
        metafunc.parametrize("cli_batch", [(s, min(total, s + 50)) for s in range(0, total, 50)],
                             ids=lambda b: f"seeds{b[0]}-{b[1] - 1}")


def _report(kind: str, counts: Counter) -> None:
    target = os.environ.get("PATHWAY_FUZZ_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"fuzzer": kind, **counts}) + "\n")


def test_model_file_mutations(model_batch, tmp_path):
    results = run_in_worker("model", list(range(*model_batch)), tmp_path)
    counts = Counter(r.get("class", "other") for r in results.values())
    failures = [f"seed {seed} ({r.get('kind', mutated_model(seed)[1])}): {r['failure']}"
                for seed, r in sorted(results.items()) if "failure" in r]
    _report("model", counts)
    assert not failures, f"{len(failures)} of {sum(counts.values())} mutated model files " \
                         "broke the rules:\n" + "\n".join(failures[:20])


def test_mutator_covers_every_kind():
    """The mutator is not stuck on a few kinds: a few hundred seeds try them all."""
    seen = set()
    for seed in range(400):
        _, kind = mutated_model(seed)
        seen.update(kind.split("+"))
    assert {"delete", "type", "number", "quantity", "swap_ids", "cycle", "self_loop",
            "duplicate_id", "empty_table", "empty_id", "truncate", "invalid_utf8",
            "deep_nesting", "scenario_dose"} <= seen


# ---------------------------------------------------------------- the command-line generator

BAD_NUMBERS = ["", "-1", "0", "nan", "inf", "-inf", "1e308", "1e-300", "abc", "1e999", "0x10",
               " ", "-", "--", "1e-6", "99999999", "2.5.1", "1,5"]
TIMES_BAD = ["0h", "-1h", "99999999w", "1e308h", "", ",", "1h,,2h", "nan h", "1 parsec", "1e-9min",
             "0.000001h", "3651d", "1h,2h"]


def _pools(tmp: Path):
    """Option -> (cheap valid values, bad values). Valid values keep runs short."""
    model = load_model()
    scen = list(model.scenarios)
    params = list(model.parameters)
    bad_model = tmp / "bad.toml"
    bad_model.write_text("[model]\nname = 3\n", encoding="utf-8")
    (tmp / "adir").mkdir(exist_ok=True)
    return {
        "--scenario": (scen, ["nope", "", "KETAMINE-IV", "ketamin-iv", "-"]),
        "--compare": (scen, ["nope", ""]),
        "--days": (["0.5", "1", "2"], BAD_NUMBERS + ["3651", "100000"]),
        "--dose": (["0.25", "0.5", "10", "1"], BAD_NUMBERS + ["1e300", "1000", "5000"]),
        "--step": (["30", "60", "120"], BAD_NUMBERS + ["1441", "1e-6", "0.001"]),
        "--set": ([f"{p}={v}" for p in params[:4] for v in ("1", "2")] + ["spine_lifetime=8d"],
                  ["nope=1", "x", "=", "spine_lifetime=nan", "spine_lifetime=1e300d",
                   "body_weight=70 parsecs", "spine_lifetime=", f"{params[0]}=-1e308"]),
        "--hypothesis": (list(model.hypotheses), ["nope", ""]),
        "--intervention": (list(model.interventions),
                           ["nope", "spine-ablation@-1h", "spine-ablation@1e308h",
                            "spine-ablation@99999999w", "nbqx@1h", "x@", "@", "spine-ablation@",
                            "spine-ablation@nan h", "spine-ablation@0h"]),
        "--model": ([None, str(TOY_PATH)], [str(tmp / "missing.toml"), "/dev/null", "/dev/zero",
                                             str(tmp / "adir"), str(bad_model), ""]),
        "--at": (["1h", "24h", "24h,7d", "3d"], TIMES_BAD),
        "--n": (["20", "50"], BAD_NUMBERS + ["1000000", "100001", "1e3"]),
        "--seed": (["0", "7", "4294967295"], ["-1", "abc", "4294967296", "1.5", "nan", "2**40"]),
        "--frames": (["2", "3"], BAD_NUMBERS + ["1", "100000"]),
        "--fps": (["5", "10"], BAD_NUMBERS + ["1000"]),
        "--only": (list(model.experiments)[:3], ["nope", ""]),
        "--theme": (["light", "dark"], ["blue", ""]),
        "--format": (["sbml", "graphml", "json", "omex", "petab"], ["xml", ""]),
        "--chapters": ([None], [str(tmp / "missing.toml"), str(bad_model), ""]),
        "--output": ([model.primary], ["nope", ""]),
        "--method": (["morris"], ["nope", ""]),
        "--figure": ([str(tmp / "f.png")], [str(tmp / "f.gif"), str(tmp / "no" / "f.png")]),
        "--targets": ([None], [str(tmp / "missing.toml"), str(bad_model)]),
        "--site-file": ([None], [str(tmp / "missing.toml"), str(bad_model)]),
        "cheap_experiments": [e for e, spec in model.experiments.items() if not spec.people],
        "cheap_targets": ["T1a", "T3b", "T7a", "T22c"],
    }


# command -> options (flags take no value); required options are marked with "!"
COMMANDS = {
    "list": ["--model", "--json"],
    "simulate": ["!--scenario", "--days", "--dose", "--step", "--out", "--placebo", "--model",
                 "--set", "--hypothesis", "--intervention"],
    "graph": ["--out", "--scenario", "--at", "--theme", "--presenter", "--model", "--set",
              "--hypothesis", "--intervention", "--format"],
    "experiments": ["--json", "--only", "--model"],
    "population": ["!--scenario", "--n", "--seed", "--at", "--placebo", "--json", "--quiet",
                   "--progress", "--dask", "--model", "--set", "--hypothesis", "--intervention"],
    "validate": ["--json", "--figure", "--only", "--targets", "--model", "--out", "--trials-only",
                 "--checks-only"],
    "fit": ["--only", "--n", "--starts", "--max-steps", "--workers", "--dry-run", "--report", "--progress",
            "--json", "--model"],
    "sensitivity": ["!--scenario", "--at", "--output", "--method", "--n", "--seed", "--json",
                    "--figure", "--dask", "--quiet", "--model", "--set", "--hypothesis",
                    "--intervention"],
    "plot": ["!--scenario", "--compare", "--days", "--no-placebo", "--band", "!--out", "--theme",
             "--presenter", "--model", "--set", "--hypothesis", "--intervention"],
    "animate": ["--scenario", "--compare", "--days", "--chapters", "--frames", "--no-placebo",
                "--effect", "--arms", "!--out", "--fps", "--reveal", "--progress", "--band", "--quiet",
                "--theme", "--presenter", "--model", "--set", "--hypothesis", "--intervention"],
    "storyboard": ["--scenario", "--compare", "--days", "--chapters", "--frames", "--no-placebo",
                   "--effect", "--arms", "--quiet", "!--out", "--theme", "--presenter", "--model", "--set",
                   "--hypothesis", "--intervention"],
    "slides": ["--scenario", "--compare", "--days", "--chapters", "--frames", "--no-placebo",
               "--effect", "--arms", "--quiet", "!--out", "--theme", "--presenter", "--model", "--set",
               "--hypothesis", "--intervention"],
    "export": ["!--format", "!--out", "--scenario", "--days", "--model", "--set",
               "--hypothesis", "--intervention"],
    "site": ["!--out", "--site-file", "--scorecard", "--model"],
    "explain": ["NODE", "--model", "--set", "--hypothesis", "--intervention"],
    # `lecture` has an action (init DIR), tested in tests/test_lecture.py; alone it must
    # still end in an error with a hint
    "lecture": [],
}
FLAGS = {"--placebo", "--presenter", "--json", "--quiet", "--progress", "--no-placebo", "--effect",
         "--arms", "--reveal", "--trials-only", "--checks-only", "--dry-run", "--report", "--band"}
OUT_SUFFIX = {"simulate": [".csv"], "graph": [".graphml", ".json", ".png"], "plot": [".png", ".svg"],
              "animate": [".gif", ".html"], "storyboard": [""], "slides": [".pptx"],
              "export": [".xml", ".graphml", ".json", ".omex", ""], "site": [""], "validate": [".png"]}
# Valid runs of these are slow; the generator makes them rarely.
EXPENSIVE = {"experiments": 0.1, "animate": 0.3, "storyboard": 0.3, "slides": 0.2, "plot": 0.5,
             "sensitivity": 0.3, "site": 0.3}
# Options the generator leaves out: --dask starts or dials a cluster, --scorecard runs every
# literature check (both tested on their own).
NOT_GENERATED = {"--dask", "--scorecard"}     # --scorecard: a minute of checks


def cli_case(seed: int, tmp: Path, pools: dict) -> list[str]:
    """A seeded command line: a subcommand, some of its options, valid and bad values."""
    rng = random.Random(seed)
    command = rng.choice(list(COMMANDS))
    argv = [command]
    bad_rate = rng.choice([0.1, 0.3, 0.6])
    expensive = command in EXPENSIVE and rng.random() < EXPENSIVE[command]
    for option in COMMANDS[command]:
        required = option.startswith("!")
        option = option.lstrip("!")
        if option in NOT_GENERATED:
            continue
        if option == "--only" and rng.random() > bad_rate:
            cheap = pools["cheap_targets" if command == "validate" else "cheap_experiments"]
            argv += [option, rng.choice(cheap)]      # never the whole catalogue or scorecard
            continue
        if option == "NODE":
            ids = list(load_model().node_ids)
            argv.append(rng.choice(ids + ["nope", "", "-x"]))
            continue
        if not required and rng.random() > 0.35:
            continue
        if required and rng.random() < 0.03:
            continue                                    # a missing required option
        if option in FLAGS:
            if option == "--presenter" and not expensive and rng.random() > bad_rate:
                continue                                # 1920x1080 frames: now and then
            argv.append(option)
            if option == "--placebo" and rng.random() < 0.4:   # it may name the inert drug
                argv.append(rng.choice(["saline", "placebo", "nbqx", "nope"]))
            continue
        if option == "--out":
            suffix = rng.choice(OUT_SUFFIX[command] + [".txt", ""])
            choice = rng.random()
            if choice < 0.15:
                value = "-"
            elif choice < 0.25:
                value = str(tmp / "no" / "such" / f"x{suffix}")
            elif choice < 0.3:
                value = str(tmp / "adir")
            elif choice < 0.33:
                value = ""
            else:
                value = str(tmp / f"out{seed}{suffix}")
            argv += [option, value]
            continue
        valid, bad = pools.get(option, ([], ["x"]))
        if option in ("--days", "--frames", "--n") and not expensive and rng.random() > bad_rate:
            value = valid[0]
        else:
            value = rng.choice(bad) if rng.random() < bad_rate or not valid else rng.choice(valid)
        if value is None:
            continue
        argv += [option, value]
        if option in ("--set", "--hypothesis", "--intervention", "--only", "--compare") \
                and rng.random() < 0.2:
            argv += [option, rng.choice(valid or bad)]
    if command in ("animate", "storyboard", "plot") and "--days" not in argv:
        argv += ["--days", "1"]                     # keeps a valid picture run short
    if command == "animate" and "--frames" not in argv:
        argv += ["--frames", "3"]
    if command == "storyboard" and "--frames" not in argv:
        argv += ["--frames", "3"]
    if command == "experiments" and "--only" not in argv:
        argv += ["--only", rng.choice(pools["cheap_experiments"])]
    if command == "validate" and "--only" not in argv:
        argv += ["--only", rng.choice(pools["cheap_targets"])]   # the literature checks alone: cheap
    if command == "fit":
        # never write the checkout's model file, and keep a valid fit to a few evaluations
        argv += ["--dry-run", "--starts", "1", "--max-steps", "1", "--n", "20"]
        if "--report" in argv:
            argv.remove("--report")                  # a full run of every trial
        if "--only" not in argv:
            argv += ["--only", "placebo_strength"]
    if command in ("slides",) and "--frames" not in argv:
        argv += ["--frames", "3"]
    if command == "sensitivity":
        argv += [] if "--n" in argv else ["--n", "4"]
        if "--method" not in argv:
            argv += ["--method", "morris"]
    if command == "population" and "--n" not in argv:
        argv += ["--n", "20"]
    return argv


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf", re.IGNORECASE)


def test_generator_knows_every_command_and_option():
    """The case generator draws from every subcommand's every option (but serve's, which
    FIXED_CASES covers without starting a server, and warm-up's, whose one option, --model,
    every other command fuzzes, and which FIXED_CASES covers without compiling)."""
    import argparse

    from pathway.cli import build_parser
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        if name in ("serve", "warm-up"):
            continue
        options = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
        options.discard("--help")
        assert name in COMMANDS, name
        assert options == {o.lstrip("!") for o in COMMANDS[name]} - {"NODE"}, name


def check_cli_output(argv, code, out, err, tmp: Path):
    assert code in (0, 2), f"exit code {code}"
    assert "Traceback" not in err and "Traceback" not in out
    assert "np.float64" not in err + out and "np.int64" not in err + out
    if code == 2:
        assert "error:" in err, f"exit 2 without an error line: {err[-300:]}"
        assert "hint:" in err, f"an error without a hint: {err[-400:]}"
        return
    text = out
    if argv[0] in ("simulate",) and "--out" in argv and argv[argv.index("--out") + 1] != "-":
        text = Path(argv[argv.index("--out") + 1]).read_text()
    if argv[0] == "simulate":
        rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
        data = np.array([[float(x) for x in r] for r in rows[1:]])
        assert np.all(np.isfinite(data)), "non-finite value in the CSV"
        assert np.all(data >= 0), "negative value in the CSV"
        model = load_model(argv[argv.index("--model") + 1] if "--model" in argv else None)
        if "--set" not in argv:                     # a --set may move a readout's maximum
            for node in model.nodes:
                if node.kind == "readout" and node.id in rows[0]:
                    top = model.value(node.maximum)
                    column = data[:, rows[0].index(node.id)]
                    assert column.max() <= top * (1 + 1e-6), f"{node.id} above its maximum"
    if argv[0] == "population" and "--json" in argv:
        result = json.loads(out)
        for key in ("response_rate", "remission_rate"):
            assert all(0 <= v <= 1 for v in result[key].values())
        assert all(math.isfinite(v) for v in result["median"].values())
    for token in re.findall(r"\b(nan|inf)\b", out, flags=re.IGNORECASE):
        raise AssertionError(f"'{token}' in standard output")


def test_command_line_cases(cli_batch, tmp_path):
    results = run_in_worker("cli", list(range(*cli_batch)), tmp_path)
    counts = Counter(r.get("class", "other") for r in results.values())
    failures = [f"seed {seed}: pathway {' '.join(map(repr, r.get('argv', ['?'])))}: {r['failure']}"
                for seed, r in sorted(results.items()) if "failure" in r]
    _report("cli", counts)
    assert not failures, f"{len(failures)} of {sum(counts.values())} command lines broke the " \
                         "rules:\n" + "\n".join(failures[:20])


# The issue's own cases and the server's argument mistakes (the server itself is not
# started here): each must be refused with exit 2, an error line and a hint.
FIXED_CASES = [
    ["simulate", "--scenario", "ketamine-iv", "--step", "1e-300"],
    ["simulate", "--scenario", "ketamine-iv", "--step", "1e-6"],
    ["export", "--format", "sbml", "--out", "m.xml", "--days", "1e308"],
    ["export", "--format", "sbml", "--out", "m.xml", "--days", "100000"],
    ["simulate", "--scenario", "ketamine-iv", "--dose", "1e300"],
    ["population", "--scenario", "ketamine-iv", "--n", "1000000"],
    ["population", "--scenario", "ketamine-iv", "--at", "99999999w"],
    ["population", "--scenario", "ketamine-iv", "--seed", "-1"],
    ["simulate", "--scenario", "ketamine-iv", "--step", "1441"],
    ["population", "--scenario", "ketamine-iv", "--at", "0h"],
    ["simulate", "--scenario", "ketamine-iv", "--intervention", "spine-ablation@-1h"],
    ["graph", "--scenario", "ketamine-iv", "--at", "1h,2h", "--out", "g.png"],
    ["export", "--format", "graphml", "--scenario", "nope", "--out", "g.graphml"],
    ["storyboard", "--scenario", "ketamine-iv", "--out", "sb.png"],
    ["list", "--model", "/dev/zero"],
    ["serve", "--port", "abc"],
    ["serve", "--port", "-1"],
    ["serve", "--port", "0"],
    ["serve", "--host"],
    ["warm-up", "--model", "no-such-model.toml"],
    ["warm-up", "--scenario", "ketamine-iv"],
]


@pytest.fixture(scope="module")
def fixed_results(tmp_path_factory):
    """Every fixed case, run once in a worker process, each in a folder of its own."""
    return run_in_worker("fixed", list(range(len(FIXED_CASES))), tmp_path_factory.mktemp("fixed"))


@pytest.mark.parametrize("case", range(len(FIXED_CASES)), ids=[" ".join(a) for a in FIXED_CASES])
def test_fixed_cases_are_refused_with_a_hint(case, fixed_results, tmp_path):
    argv, result = FIXED_CASES[case], fixed_results[case]
    assert "failure" not in result, result["failure"]
    assert result["code"] == 2
    check_cli_output(argv, result["code"], result["out"], result["err"], tmp_path)
    assert result["left"] == []                          # nothing written, no folder made


@pytest.mark.parametrize("argv", [FIXED_CASES[1], FIXED_CASES[13], FIXED_CASES[14]], ids=" ".join)
def test_a_few_cases_as_real_processes(argv, tmp_path):
    """The installed entry point, in a process of its own, with a hard time limit."""
    import subprocess
    proc = subprocess.run([sys.executable, "-m", "pathway", *argv], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path, check=False)
    assert proc.returncode == 2
    check_cli_output(argv, proc.returncode, proc.stdout, proc.stderr, tmp_path)


if __name__ == "__main__":                  # the worker process of run_in_worker
    _worker(sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3]))
