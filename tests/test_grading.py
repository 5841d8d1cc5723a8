"""The nbgrader round trip, from the instructor's source to a grades file: the
student version is generated without solutions or hidden tests, a copy filled
with the key's answers and a copy with wrong ones are autograded, feedback is
written, and the grades are exported as CSV (full marks and none)."""

import csv
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parent.parent
ASSIGNMENT = "02_a_tiny_model"          # a short notebook: the round trip stays fast

pytest.importorskip("nbgrader")


def _builder():
    spec = importlib.util.spec_from_file_location("course_build", ROOT / "course" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _solutions(source: Path) -> dict[str, str]:
    """grade_id -> the key's solution region, from the instructor's notebook."""
    out = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = cell.source.split("### BEGIN SOLUTION\n")[1].split("\n### END SOLUTION")[0]
    return out


WRONG = {     # what a student who misread the exercises might leave
    "answer-tiny-edge": "my_model = my_model.replace('# EDGE: the messenger -> mood edge goes here', "
                        "'[[edges]]\\nsource = \"messenger\"\\ntarget = \"mood\"\\neffect = \"inhibits\"\\n"
                        "strength = 1.0\\ngrade = \"moderate\"\\ncitations = [\"made-up\"]')",
    "answer-tiny-tau-peak": "fast_model = None\npeak_hour = 10.5      # read off the old run",
    "answer-tiny-quiz-tau": 'answers = {"tiny-quiz-tau": "strength", "tiny-quiz-clearance": 6.93}',
}


def _fill(release: Path, dest: Path, answers: dict[str, str]) -> None:
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        for key, text in answers.items():
            if gid.startswith(key) and "# YOUR CODE HERE" in cell.source:
                cell.source = cell.source.replace("# YOUR CODE HERE", text)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)


@pytest.mark.filterwarnings("ignore:Object of type:Warning")     # inside nbgrader's export
def test_generate_autograde_feedback_and_export(tmp_path):
    build = _builder()
    course = build.write_course(tmp_path / "course", names=[ASSIGNMENT])
    source = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    api = build.nbgrader_api(course)
    assert api.generate_assignment(ASSIGNMENT, force=True)["success"]
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    text = release.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "_grade(" not in text
    assert "# YOUR CODE HERE" in text

    key = _solutions(source)
    assert len(key) >= 4
    submitted = course / "submitted"
    _fill(release, submitted / "keen" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", key)
    wrong = {gid: WRONG[k] for gid in key for k in WRONG if gid.startswith(k)}
    _fill(release, submitted / "hasty" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", wrong)

    import os
    state = os.environ.get("PATHWAY_COURSE_STATE")
    build.grade(course, ASSIGNMENT, tmp_path / "grades.csv")
    assert os.environ.get("PATHWAY_COURSE_STATE") == state        # the test session's own file again

    with open(tmp_path / "grades.csv", newline="") as f:
        grades = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(grades) == {"keen", "hasty"}
    full = float(grades["keen"]["max_score"])
    assert full >= 4
    assert float(grades["keen"]["score"]) == full
    assert float(grades["hasty"]["score"]) == 0

    # the feedback names the confusion, not the answer
    feedback = (course / "feedback" / "hasty" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    for name in ("tiny-edge", "tiny-half-life", "tiny-tau-peak", "tiny-quiz-tau", "tiny-quiz-clearance"):
        assert f"Not yet: {name}" in feedback, name
    assert "inhibits mood" in feedback and "twice the old half-life" in feedback
    graded = json.loads((course / "autograded" / "keen" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    errors = [o for c in graded["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, [re.sub(r"\x1b\[[0-9;]*m", "", e["evalue"]) for e in errors]
    printed = "".join(o.get("text", "") for c in nbformat.reads(json.dumps(graded), as_version=4).cells
                      for o in c.get("outputs", []))
    assert "Correct: tiny-edge" in printed and "used the" not in printed     # no tries shared between students
