"""Every course notebook runs top to bottom and is stored without outputs.

Student notebooks (notebooks/*.ipynb) run with their answers blank: every check
must say "Not answered yet" and nothing may fail. Instructor keys
(notebooks/instructor/, same names) must make every check say "Correct".
Parametrized, so ``pytest -n 2`` spreads the notebooks over two workers.
"""

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent / "notebooks"
STUDENT = sorted(ROOT.glob("*.ipynb"))
KEYS = sorted((ROOT / "instructor").glob("*.ipynb"))
REPLY = re.compile(r"^(Correct|Not yet|Not answered yet)\b", re.MULTILINE)


def test_every_student_notebook_has_a_key():
    assert len(STUDENT) >= 10
    assert [p.name for p in STUDENT] == [p.name for p in KEYS]


def _run(path: Path) -> tuple[list[str], float]:
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        f"{path.name} is stored with outputs; clear them before committing"
    start = time.perf_counter()
    # run in the notebook's own folder, as Jupyter does (the exercise bank is found from there)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "stream")
    return [line for line in text.splitlines() if REPLY.match(line)], seconds


def _replies(path):
    lines, seconds = _run(path)
    print(f"{path.parent.name}/{path.name}: {seconds:.1f} s, {len(lines)} checks")
    return lines, seconds


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.name)
def test_student_notebook_runs_blank(path):
    lines, seconds = _replies(path)
    assert len(lines) >= 3, f"{path.name}: at least two exercises and a quiz, found {len(lines)} checks"
    assert all(line.startswith("Not answered yet") for line in lines), lines


@pytest.mark.parametrize("path", KEYS, ids=lambda p: p.name)
def test_key_makes_every_check_correct(path):
    lines, seconds = _replies(path)
    assert len(lines) >= 3, f"{path.name}: found {len(lines)} checks"
    wrong = [line for line in lines if not line.startswith("Correct")]
    assert not wrong, wrong
