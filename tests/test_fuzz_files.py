"""Fuzzers for the side files: lecture, targets, site and trial files.

A seeded mutator changes the shipped files (their parsed values or their bytes) and
loads each result with its loader. Every case must end in success or in one
DataFileError whose every problem names the file and carries a hint; anything else
(another exception, a problem without a hint, the checker stopping at a value no
check foresaw, a hang caught by the watchdog) fails the test and names the seed that
reproduces it. The cases are deterministic: the same seed gives the same file.

CI runs a hundred cases per kind of file; ``pytest --fuzz-long`` (or
``PATHWAY_FUZZ_LONG=1``) runs a thousand per kind. ``PATHWAY_FUZZ_REPORT=FILE``
appends the counts by outcome as JSON, one line per batch.

The fixed cases at the end are the limits every TOML file shares: a folder, a FIFO,
/dev/zero, a missing file, a thousand nested brackets, a huge file, bytes that are
not UTF-8.
"""

from __future__ import annotations

import contextlib
import copy
import faulthandler
import json
import os
import random
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from pathway.errors import DataFileError
from pathway.lecture import load_lecture, schedule
from pathway.modelfile import CHECKER_STOPPED, MAX_DEPTH, MAX_FILE_BYTES, default_model_path, load_model
from pathway.trials import default_trials_dir, load_trial
from pathway.validate import load_targets
from pathway.webexport import load_site

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_fuzz import (  # noqa: E402
    NUMBERS,
    QUANTITY_TEXT,
    WEIRD,
    _get,
    _long,
    _paths,
    _report,
    _set,
    dumps_toml,
    mutate_text,
)


@contextlib.contextmanager
def watchdog(seconds: float):
    """A guard against a hang, not a timing check: if the block has not finished after
    ten times ``seconds`` (each case takes milliseconds), every thread's stack is
    written to standard error and the process ends, so the run fails and shows where
    it hung. Nothing is raised inside the code under test."""
    faulthandler.dump_traceback_later(10 * seconds, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()

MODELS = default_model_path().parent
MODEL = load_model()
SIDE_FILES = {
    "lecture": MODELS / "lectures" / "ketamine.toml",
    "targets": MODELS / "targets" / "ketamine.toml",
    "site": MODELS / "site" / "ketamine.toml",
}
TRIAL_FILES = sorted(default_trials_dir().glob("*.toml"))
KINDS = ("lecture", "targets", "site", "trial")
#: names a mutation may put where a name belongs: right ones from the model and wrong ones
NAMES = sorted({*list(MODEL.scenarios)[:4], *MODEL.node_ids[:6], *list(MODEL.references)[:4],
                *list(MODEL.interventions)[:3], *list(MODEL.hypotheses)[:2], "nope", "",
                "ketamine-iv@2h", "nbqx@-1h", "nbqx@1e300 d", "saline", "value_at", "ratio",
                "present", "gone", "strong", "MADRS", "rct", "calibrate", "16894061", "10.1/x"})
MORE_WEIRD = WEIRD + [[1e308, -1e308], [float("nan"), 1], [1, 0], ["1 h", "0 h"], ["1 h"],
                      {"kind": "ratio"}, {"kind": "nope"}, {"a": {}}, [[1, 2]], 2 ** 64]


def _text(kind: str, rng: random.Random) -> tuple[str, str]:
    """The text and the file name of a shipped file of ``kind``."""
    path = rng.choice(TRIAL_FILES) if kind == "trial" else SIDE_FILES[kind]
    return path.read_text(encoding="utf-8"), path.name


def mutate_side(data: dict, rng: random.Random) -> str:
    """One change of a parsed side file; returns its name."""
    paths = _paths(data)
    kind = rng.choice(["delete", "type", "number", "quantity", "name", "empty_table",
                       "huge_list", "wrap", "unknown_key", "duplicate_entry", "swap"])
    path = rng.choice(paths) if paths else None
    if path is None:
        return "none"
    if kind == "delete":
        del _get(data, path[:-1])[path[-1]]
    elif kind == "type":
        _set(data, path, copy.deepcopy(rng.choice(MORE_WEIRD + NUMBERS)))
    elif kind == "number":
        leaves = [p for p in paths if isinstance(_get(data, p), (int, float, str))]
        if leaves:
            _set(data, rng.choice(leaves), rng.choice(NUMBERS))
    elif kind == "quantity":
        leaves = [p for p in paths if isinstance(_get(data, p), (str, int, float))]
        if leaves:
            _set(data, rng.choice(leaves), rng.choice(QUANTITY_TEXT))
    elif kind == "name":
        leaves = [p for p in paths if isinstance(_get(data, p), str)]
        if leaves:
            _set(data, rng.choice(leaves), rng.choice(NAMES))
    elif kind == "empty_table":
        tables = [p for p in paths if isinstance(_get(data, p), (dict, list))]
        if tables:
            p = rng.choice(tables)
            _set(data, p, {} if isinstance(_get(data, p), dict) else [])
    elif kind == "huge_list":
        lists = [p for p in paths if isinstance(_get(data, p), list) and _get(data, p)]
        if lists:
            p = rng.choice(lists)
            _set(data, p, _get(data, p) * rng.choice([2, 10, 50]))
    elif kind == "wrap":
        value = _get(data, path)
        _set(data, path, rng.choice([[value], {"x": value}, {"param": value}]))
    elif kind == "unknown_key":
        tables = [()] + [p for p in paths if isinstance(_get(data, p), dict)]
        _get(data, rng.choice(tables))[rng.choice(["zz", "Title", "scenario ", "kind", "1"])] = \
            copy.deepcopy(rng.choice(MORE_WEIRD))
    elif kind == "duplicate_entry":
        lists = [p for p in paths if isinstance(_get(data, p), list) and _get(data, p)]
        if lists:
            items = _get(data, rng.choice(lists))
            items.append(copy.deepcopy(rng.choice(items)))
    elif kind == "swap":
        a, b = rng.choice(paths), rng.choice(paths)
        if a[:len(b)] != b and b[:len(a)] != a:        # neither lies inside the other
            va, vb = copy.deepcopy(_get(data, a)), copy.deepcopy(_get(data, b))
            _set(data, a, vb)
            _set(data, b, va)
    return kind


def mutated_file(kind: str, seed: int) -> tuple[bytes, str, str]:
    """The bytes of a mutated side file of ``kind``, its file name and the mutation."""
    rng = random.Random(f"{kind}:{seed}")
    text, name = _text(kind, rng)
    if rng.random() < 0.25:
        raw, what = mutate_text(text, rng)
        return raw, name, what
    data = tomllib.loads(text)
    what = "+".join(mutate_side(data, rng) for _ in range(rng.choice([1, 1, 1, 2, 3])))
    return dumps_toml(data).encode("utf-8"), name, what


def load_side(kind: str, path: Path):
    """Load ``path`` as a ``kind`` file, and use what loads as the project would."""
    if kind == "lecture":
        lecture = load_lecture(MODEL, path)
        schedule(lecture, fps=10, frames=60)
        return lecture
    if kind == "targets":
        return load_targets(path, MODEL)
    if kind == "site":
        site = load_site(MODEL, path)
        json.dumps(site, allow_nan=False)
        return site
    return load_trial(path)


def check_side_case(kind: str, raw: bytes, name: str, tmp: Path) -> str:
    """Load one mutated file: "ok", "error", or an AssertionError naming the broken rule."""
    path = tmp / name
    path.write_bytes(raw)
    try:
        load_side(kind, path)
    except DataFileError as exc:
        assert not any(CHECKER_STOPPED in p for p in exc.problems), \
            f"the checker met a value no check foresaw:\n{exc}"
        bare = [p for p in exc.problems if "\n  hint: " not in p]
        assert not bare, "a problem without a hint:\n" + "\n".join(bare[:3])
        placeless = [p for p in exc.problems if not p.startswith(f"{path}: ")]
        assert not placeless, "a problem that does not name the file:\n" + "\n".join(placeless[:3])
        return "error"
    return "ok"


def _batches(config) -> list[tuple[str, int, int]]:
    total = 1000 if _long(config) else 100
    size = 100 if _long(config) else 50
    return [(kind, start, min(total, start + size)) for kind in KINDS
            for start in range(0, total, size)]


def pytest_generate_tests(metafunc):
    if "side_batch" in metafunc.fixturenames:
        metafunc.parametrize("side_batch", _batches(metafunc.config),
                             ids=lambda b: f"{b[0]}-seeds{b[1]}-{b[2] - 1}")


def test_side_file_mutations(side_batch, tmp_path):
    kind, start, stop = side_batch
    counts, failures = Counter(), []
    for seed in range(start, stop):
        raw, name, what = mutated_file(kind, seed)
        try:
            with watchdog(30):
                counts[check_side_case(kind, raw, name, tmp_path)] += 1
        except Exception as exc:  # noqa: BLE001 - anything else is a finding
            counts["other"] += 1
            failures.append(f"{kind} seed {seed} ({what}): {type(exc).__name__}: {str(exc)[:300]}")
    _report(kind, counts)
    assert not failures, f"{len(failures)} of {sum(counts.values())} mutated {kind} files " \
                         "broke the rules:\n" + "\n".join(failures[:20])


def test_the_side_file_mutator_is_deterministic_and_varied():
    for kind in KINDS:
        assert mutated_file(kind, 7) == mutated_file(kind, 7)
        whats = {mutated_file(kind, seed)[2].split("+")[0] for seed in range(200)}
        assert {"delete", "type", "name", "wrap", "unknown_key", "truncate", "deep_nesting"} \
            <= whats, kind


def test_the_shipped_side_files_load():
    for kind in ("lecture", "targets", "site"):
        load_side(kind, SIDE_FILES[kind])
    for path in TRIAL_FILES:
        load_trial(path)


# ---------------------------------------------------------------- the shared limits

LOADERS = {
    "lecture": lambda p: load_lecture(MODEL, p),
    "targets": lambda p: load_targets(p, MODEL),
    "site": lambda p: load_site(MODEL, p),
    "trial": load_trial,
    "model": load_model,
}


def _refused(kind: str, path, *words: str) -> str:
    from pathway.errors import ModelFileError
    with watchdog(20):
        with pytest.raises((DataFileError, ModelFileError)) as info:
            LOADERS[kind](path)
    message = str(info.value)
    assert "hint:" in message and str(path) in message, message
    for w in words:
        assert w in message, f"{w!r} not in {message}"
    return message


@pytest.mark.parametrize("kind", list(LOADERS))
def test_devices_folders_and_fifos_are_refused_at_once(kind, tmp_path):
    _refused(kind, "/dev/zero", "not a regular file")
    _refused(kind, tmp_path, "not a regular file")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.toml"
        os.mkfifo(fifo)
        _refused(kind, fifo, "not a regular file")        # no writer: must not block


@pytest.mark.parametrize("kind", list(LOADERS))
def test_missing_huge_deep_and_binary_files_are_refused(kind, tmp_path):
    _refused(kind, tmp_path / "absent.toml")
    path = tmp_path / "x.toml"
    for depth in (MAX_DEPTH + 1, 1000, 100_000):
        path.write_text(f"zz = {'[' * depth}1{']' * depth}\n", encoding="utf-8")
        _refused(kind, path, f"nested more than {MAX_DEPTH} levels")
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    _refused(kind, path, "larger than")
    path.write_bytes(b"a = \"\xff\"\n")
    _refused(kind, path, "UTF-8")
    path.write_text("a = [\n", encoding="utf-8")
    _refused(kind, path, "not valid TOML")


@pytest.mark.parametrize("text, words", [
    ("lecture = 1\n", ["[lecture]", "expected a table"]),
    ("[lecture]\nscenarios = 3\n", ["lecture.scenarios", "expected a list of scenarios"]),
    ("[lecture]\nscenarios = [\"ssri\"]\nstart = \"-1 h\"\n[[chapters]]\ntitle = \"A\"\n"
     "until = \"1 h\"\n", ["lecture.start", "above 0"]),
    ("[lecture]\nscenarios = [\"ssri\"]\nchapters = 5\n", ["unknown field 'chapters'"]),
    ("[lecture]\nscenarios = [\"ssri\"]\n[[chapters]]\ntitle = \"A\"\nuntil = \"1 h\"\n"
     "seconds = inf\narms = { ssri = 3 }\n", ["chapters[1].seconds", "chapters[1].arms.ssri"]),
])
def test_lecture_file_shapes_give_a_place_and_a_hint(text, words, tmp_path):
    path = tmp_path / "l.toml"
    path.write_text(text, encoding="utf-8")
    _refused("lecture", path, *words)


@pytest.mark.parametrize("edit, words", [
    (('band = [150, 250]', 'band = [250, 150]'), ["targets.T1a", "low is above high"]),
    (('band = [150, 250]', 'band = "150-250"'), ["targets.T1a", "two numbers"]),
    (('kind = "peak_value"', 'kind = "peak"'), ["targets.T1a.quantity", "did you mean"]),
    (('t1 = "40 min"', 't1 = 40'), ["t1", "has no unit"]),
    (('t1 = "40 min"', 't1 = "40 parsecs"'), ["t1", "not a unit of time"]),
    (('scenario = "ketamine-iv"', 'scenario = "ketamin-iv"'), ["did you mean 'ketamine-iv'"]),
    (('step_min = 1', 'step_min = 0'), ["targets.T1a", "'step_min'"]),
    (('column = "ketamine_plasma"', 'colum = "ketamine_plasma"'), ["unknown field 'colum'"]),
    (('source = "zarate2006"', 'source = "zarate2060"'), ["unknown reference 'zarate2060'"]),
    (('id = "T1b"', 'id = "T1a"'), ["duplicate target id 'T1a'"]),
])
def test_targets_are_checked_as_strictly_as_the_model(edit, words, tmp_path):
    text = SIDE_FILES["targets"].read_text(encoding="utf-8")
    assert edit[0] in text
    path = tmp_path / "t.toml"
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    _refused("targets", path, *words)


def test_a_missing_site_file_given_is_an_error_and_none_beside_the_model_is_not(tmp_path):
    _refused("site", tmp_path / "absent.toml", "file not found", "--site-file")
    assert load_site(load_model(MODELS / "toy.toml")) == {"try": [], "page": {}, "glossary": {}}


@pytest.mark.parametrize("argv", [
    ["site", "--out", "s", "--site-file", "absent.toml"],
    ["site", "--out", "s", "--site-file", "/dev/zero"],
    ["animate", "--scenario", "ketamine-iv", "--out", "a.gif", "--chapters", "/dev/zero"],
    ["storyboard", "--scenario", "ketamine-iv", "--out", "sb", "--chapters", "deep.toml"],
    ["validate", "--targets", "/dev/zero"],
    ["validate", "--targets", "deep.toml"],
])
def test_the_command_line_refuses_bad_side_files_with_exit_2(argv, tmp_path, monkeypatch, capsys):
    from pathway.cli import main
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.toml").write_text("a = " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    with watchdog(60):
        code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "hint:" in err and "Traceback" not in err, err


def test_every_problem_of_every_checker_has_a_hint():
    """Each message any checker can give carries a hint (the model file's test scans
    pathway/modelfile.py, now a facade; this scans the modules that check)."""
    import ast

    import pathway
    root = Path(pathway.__file__).parent
    bare = []
    for name in ("checking", "tomlfile", "lecture", "webexport", "validate", "trials"):
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("problem", "add") and len(node.args) < 3 \
                    and not any(k.arg == "hint" for k in node.keywords):
                if node.func.attr == "add" and not (isinstance(node.func.value, ast.Name)
                                                    and node.func.value.id == "probs"):
                    continue
                bare.append(f"{name}.py:{node.lineno}")
    assert not bare, f"problem() without a hint at {bare}"
