"""The course's checker (pathway.course): blank, wrong and right answers, the
misconceptions it names, answers it cannot read, and a table of ways to game it,
each of which must get "Not yet" or be impossible."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

import pathway
from pathway import course
from pathway.modelfile import load_model

ROOT = Path(__file__).parent.parent
TOY = ROOT / "models" / "toy.toml"


@pytest.fixture(autouse=True)
def fresh_tries(monkeypatch, tmp_path):
    """Each test starts with no tries used (kept in a file of its own)."""
    monkeypatch.setenv("PATHWAY_COURSE_STATE", str(tmp_path / "tries.json"))
    course._SOLVED.clear()
    course._PREDICTIONS.clear()


@pytest.fixture(scope="module")
def toy_model():
    return load_model(TOY)


@pytest.fixture(scope="module")
def default_model():
    return load_model()


@pytest.fixture
def toy(toy_model, default_model):
    course.use_model(toy_model)
    yield toy_model
    course.use_model(default_model)


@pytest.fixture
def peak_exercise(toy):
    return course.exercise(
        "toy-peak", "Peak wellbeing after the quick drug?",
        expected=lambda m: float(np.max(course.run(m, m.roles.showcase[0])[m.primary])),
        hint="the highest point of the primary outcome", helper="course.run, then its maximum")


def _peak(m):
    return float(np.max(course.run(m, m.roles.showcase[0])[m.primary]))


@pytest.fixture
def bank(default_model):
    course.use_model(default_model)
    return course.load_bank()


@pytest.mark.parametrize("blank", [None, ..., "", "  ", "...", [], (None, "x")])
def test_blank_answers_are_not_answered_yet_and_never_raise(peak_exercise, blank, capsys):
    reply = course.check("toy-peak", blank)
    assert reply.startswith("Not answered yet: toy-peak")
    assert reply.blank and not reply.correct
    assert capsys.readouterr().out.startswith("Not answered yet")


def test_a_reply_is_printed_once(peak_exercise, capsys):
    reply = course.check("toy-peak", 1.0)
    reply._ipython_display_()              # what a notebook does with a cell's last value
    assert capsys.readouterr().out.count("toy-peak") == 1
    quiet = course.check("toy-peak", 1.0, quiet=True)
    quiet._ipython_display_()              # not printed yet: shown once
    assert capsys.readouterr().out.count("toy-peak") == 1


def test_a_wrong_number_says_not_yet_with_a_hint_but_no_direction_and_no_answer(toy, peak_exercise):
    right = _peak(toy)
    first = course.check("toy-peak", right * 2, quiet=True)
    assert first.startswith("Not yet: toy-peak")
    assert "Think: the highest point" in first and "Use:" not in first       # the idea first
    second = course.check("toy-peak", right / 2, quiet=True)
    assert "Use: course.run" in second                                         # the function second
    for reply in (first, second):
        assert "high" not in reply.replace("highest", "") and "low" not in reply
        assert f"{right:.3g}" not in reply and f"{right:.4g}" not in reply


def test_the_right_number_is_correct_and_follows_the_model(toy, peak_exercise):
    right = _peak(toy)
    assert course.check("toy-peak", right * 1.01, quiet=True).correct
    stronger = pathway.set_parameter(toy, "hope_strength", 4.0)
    course.use_model(stronger)
    try:
        assert _peak(stronger) != pytest.approx(right, rel=0.05)
        assert not course.check("toy-peak", right, quiet=True).correct
    finally:
        course.use_model(toy)


def test_tol_zero_means_exactly(toy):
    course.exercise("toy-count", "How many nodes?", kind="integer", tol=0,
                    expected=lambda m: len(m.nodes))
    n = len(toy.nodes)
    assert course.check("toy-count", n, quiet=True).correct
    assert course.check("toy-count", np.int64(n), quiet=True).correct
    for near in (n - 1, n + 1):
        assert course.check("toy-count", near, quiet=True).startswith("Not yet")
    assert "whole number" in course.check("toy-count", n + 0.5, quiet=True)
    course.exercise("toy-exact", "Exactly 10", tol=0, expected=lambda m: 10.0)
    assert course.check("toy-exact", 10.0, quiet=True).correct
    assert not course.check("toy-exact", 10.001, quiet=True).correct


def test_a_misconception_is_named_and_never_inside_the_tolerance(toy):
    course.exercise("toy-share", "Share responding?", tol=0.5, expected=lambda m: 0.583,
                    traps=[(lambda m: 0.562, "that looks like the average relief, not a share of people")])
    reply = course.check("toy-share", 0.562, quiet=True)
    assert reply.startswith("Not yet") and "average relief" in reply      # the tolerance shrank
    assert course.check("toy-share", 0.583, quiet=True).correct


@pytest.mark.parametrize("answer, says", [
    (math.nan, "NaN"), (float("inf"), "infinite"), (10 ** 400, "too large"), (np.zeros((0, 2)), "empty"),
    (np.array([]), "empty"), ("abc", "is text"), (True, "True/False"), ([1.0, 2.0], "holds 2 numbers"),
    ({"a": 1}, "not a number"), (object(), "not a number")])
def test_unreadable_answers_get_a_clear_message_and_cost_no_try(peak_exercise, answer, says):
    reply = course.check("toy-peak", answer, quiet=True)
    assert reply.startswith("Not yet: toy-peak") and says in reply, reply
    assert "does not count" in reply and "Traceback" not in reply
    assert course._tries().get("toy-peak", []) == []


def test_a_one_row_table_or_text_number_is_read(toy, peak_exercise):
    import pandas as pd
    right = _peak(toy)
    assert course.check("toy-peak", pd.Series([right]), quiet=True).correct
    assert course.check("toy-peak", f"{right}", quiet=True).correct


def test_tries_are_limited_kept_across_sessions_and_a_rerun_is_free(toy, peak_exercise):
    right = _peak(toy)
    for k in range(3):
        assert "left" in course.check("toy-peak", right * (3 + k), quiet=True)
    assert "last try" in course.check("toy-peak", right * 6, quiet=True)
    again = course.check("toy-peak", right * 3, quiet=True)                  # the same answer again
    assert again.startswith("Not yet") and "used the" not in again
    course._LOADED.clear()                                                   # a new kernel reads the file
    locked = course.check("toy-peak", right, quiet=True)
    assert locked.startswith("Not yet") and "used the 4 tries" in locked
    course._GRADED.clear()                  # an autograding kernel: the student's file does not count
    with pytest.raises(AssertionError, match="Not yet: toy-peak"):
        course._grade("toy-peak", right * 3)
    course._GRADED.clear()
    course._grade("toy-peak", right)        # the grade judges the answer left, whatever the file says


def test_the_graders_entry_point_is_limited_too(toy, peak_exercise):
    course._GRADED.clear()
    right = _peak(toy)
    for k in range(4):
        with pytest.raises(AssertionError):
            course._grade("toy-peak", right * (3 + k))
    with pytest.raises(AssertionError, match="used the 4 tries"):
        course._grade("toy-peak", right)
    course._GRADED.clear()


def test_choices(toy):
    course.exercise("toy-first", "Which peaks first?", kind="choice", choices=("drowsiness", "wellbeing"),
                    expected=lambda m: min(("drowsiness", m.primary),
                                           key=lambda c: course.run(m, m.roles.showcase[0]).peak(c)[0]))
    assert "choose one of" in course.check("toy-first", "brake", quiet=True)
    assert "as text" in course.check("toy-first", 1, quiet=True)
    assert course.check("toy-first", "Drowsiness ", quiet=True).correct


def test_unchanged_template_is_not_answered_yet(toy):
    template = "[model]\nname = 'x'\n"
    course.exercise("toy-edit", "Edit the file", kind="judge", template=template,
                    judge=lambda a, m: ("edited" in a, "not edited"))
    assert course.check("toy-edit", template, quiet=True).blank
    assert course.check("toy-edit", template + "# changed", quiet=True).startswith("Not yet")
    assert course.check("toy-edit", template + "# edited", quiet=True).correct


def test_a_model_file_error_shows_the_loaders_whole_message(bank):
    wrong = bank.TINY_TEMPLATE.replace(bank.EDGE_MARK, '[[edges]]\nsource = "messenger"\ntarget = "mood"\n'
                                       'effect = "activate"\nstrength = 1.0\ngrade = "moderate"\n'
                                       'citations = ["made-up"]')
    reply = course.check("tiny-edge", wrong, quiet=True)
    assert reply.startswith("Not yet: tiny-edge")
    assert "effect 'activate' is not one of" in reply and "did you mean 'activates'?" in reply


def test_unknown_exercise_is_a_usage_error_with_a_hint(toy):
    with pytest.raises(pathway.UsageError, match="hint"):
        course.check("toy-peek", 1)


def test_predict_and_reveal(toy, peak_exercise, capsys):
    course.predict("p-blank", ...)
    assert "No prediction recorded" in capsys.readouterr().out
    course.reveal("toy-peak")
    out = capsys.readouterr().out
    assert "Record a prediction first" in out and f"{_peak(toy):.3g}" not in out
    course.predict("toy-peak", 0.5)
    course.reveal("toy-peak")                       # not solved yet: nothing revealed
    assert "Check your answer" in capsys.readouterr().out
    course.check("toy-peak", _peak(toy), quiet=True)
    course.reveal("toy-peak")
    assert f"the model gives {_peak(toy):.3g}" in capsys.readouterr().out
    course.predict("p-sketch", [(0, 0.0), (10, 1.0)])
    frame = course.reveal("p-sketch", lambda t: t / 20)
    assert list(frame["model"]) == [0.0, 0.5]


def test_helpers_return_dataframes_from_the_model(toy):
    first, second = toy.roles.showcase
    table = course.compare(toy, [first, second], at=("6 h", "3 d"))
    assert list(table.columns) == ["6 h", "3 d"] and len(table) == 3      # two arms and a placebo arm
    effect = course.drug_effect(toy, first, days=2)
    assert np.allclose(effect["drug effect"], effect["arm"] - effect["placebo arm"])
    assert course.value_at(toy, first, "6 h", effect=True) == pytest.approx(
        float(np.interp(6, effect.index, effect["drug effect"])), abs=1e-6)
    summary = course.summary_table(toy, first, days=2)
    assert list(summary["peak_h"]) == sorted(summary["peak_h"])
    rates = course.response_rates(toy, second, at=("14 d",), n=20)
    assert 0 <= rates["arm"].iloc[0] <= 1


def test_every_exercise_names_its_notebook_and_gives_hints_that_are_not_code(bank):
    ex = course.exercises()
    assert len(ex) >= 45
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    for name, e in ex.items():
        if name.startswith("toy-"):
            continue
        assert e.notebook in notebooks, name
        assert e.hint and e.helper, name
        for text in (e.hint, e.helper):       # no call, no subscript, no assignment: no code
            assert not re.search(r"[A-Za-z_]\(|\w\[|^\w+ = |\w+\s*=\s*\w+\(", text), (name, text)
    choices = [e for n, e in ex.items() if e.kind == "choice" and not n.startswith("toy-")]
    assert len(choices) <= len(ex) // 3, "most exercises should not be a guess among a few options"


# ------------------------------------------------------------------ the course's own misconceptions
def test_the_right_order_as_a_list_is_correct_and_the_arrow_order_is_named(bank):
    m = course.model()
    traj = course.run(m, "ketamine-iv", days=7, step_min=5)
    when = {c: traj.t_h[int(np.argmax(np.abs(traj[c] - traj[c][0])))] for c in bank.ORDER}
    right = sorted(bank.ORDER, key=when.get)
    assert course.check("pathway-order", right, quiet=True).correct
    assert course.check("pathway-order", ", ".join(right), quiet=True).correct
    if right != bank.ORDER:
        course._SOLVED.clear()
        reply = course.check("pathway-order", list(bank.ORDER), quiet=True)
        assert reply.startswith("Not yet") and "order of the arrows" in reply


def test_the_raw_arm_is_not_the_drug_effect(bank):
    m = course.model()
    raw = course.value_at(m, "ssri", "6 wk", step_min=240)
    reply = course.check("ssri-week6", raw, quiet=True)
    assert reply.startswith("Not yet") and "drug arm itself" in reply
    assert course.check("ssri-week6", course.value_at(m, "ssri", "6 wk", effect=True, step_min=240),
                        quiet=True).correct


def test_mean_relief_is_not_a_response_rate(bank):
    m = course.model()
    mean = course.value_at(m, "ketamine-iv", "24 h")
    reply = course.check("patients-24h", mean, quiet=True)
    assert reply.startswith("Not yet") and "average relief" in reply and "counts people" in reply
    share = float(course.response_rates(m, "ketamine-iv", at=("24 h",), n=60)["arm"].iloc[0])
    assert course.check("patients-24h", share, quiet=True).correct


def test_a_nan_peak_time_is_not_an_answer(bank):
    key = bank.TINY_TEMPLATE.replace(bank.EDGE_MARK, '[[edges]]\nsource = "messenger"\ntarget = "mood"\n'
                                     'effect = "activates"\nstrength = 1.0\ngrade = "moderate"\n'
                                     'citations = ["made-up"]')
    reply = course.check("tiny-tau-peak", (float("nan"), key), quiet=True)
    assert reply.startswith("Not yet") and "NaN" in reply
    fast = pathway.loads_model(key.replace('tau = "6 h"', 'tau = "2 h"'))
    hour = pathway.simulate(fast, "one-pill", step_min=10).peak("mood")[0]
    assert course.check("tiny-tau-peak", (hour, key), quiet=True).correct
    slow = pathway.simulate(pathway.loads_model(key), "one-pill", step_min=10).peak("mood")[0]
    if abs(slow - hour) > 1:
        course._SOLVED.clear()
        assert "tau = 6 h" in course.check("tiny-tau-peak", (slow, key), quiet=True)


# ------------------------------------------------------------------ gaming the checker
def _bisect(bank):
    """Two guesses around the answer, as a student halving an interval would."""
    m = course.model()
    right = course.value_at(m, "ketamine-iv", "24 h", effect=True, dose=1.0)
    return [course.check("dose-effect-1", right * 1.6, quiet=True),
            course.check("dose-effect-1", right * 0.8, quiet=True)]


def _cycle(bank):
    """Every option of a yes/no question in turn, in both orders (two fresh starts)."""
    replies = []
    for order in (("yes", "no"), ("no", "yes")):
        course._TRIES.clear()
        course._SOLVED.clear()
        course._save_tries()
        first, second = (course.check("patients-quiz", a, quiet=True) for a in order)
        replies.append(second)       # the first may be right by luck; the second is never judged
    return replies


def _cycle_grader(bank):
    """The same, through the hidden tests' entry point instead of check()."""
    replies = []
    for order in (("yes", "no"), ("no", "yes")):
        course._GRADED.clear()
        for answer in order:
            try:
                course._grade("patients-quiz", answer)
                reply = "Correct"
            except AssertionError as exc:
                reply = str(exc)
        replies.append(reply)        # the second answer is never judged right
    course._GRADED.clear()
    return replies


def _expected(bank):
    """The bank's expected functions, looked for as attributes a notebook can reach."""
    replies = []
    for obj in [course, bank, *course.exercises().values()]:
        for attr in ("_BANK", "expected", "judge", "traps", "_days_to_90", "_cross_day", "_close_calls"):
            if hasattr(obj, attr):
                replies.append(f"reachable: {attr}")
    return replies or ["Not yet: none reachable"]


def _printed_above(bank):
    """The key's solution lines must not appear in any cell a student receives."""
    import nbformat
    replies = []
    for source in sorted((ROOT / "course" / "source").glob("*/*.ipynb")):
        student = nbformat.read(ROOT / "notebooks" / source.name, as_version=4)
        seen = "\n".join(c.source for c in student.cells)
        for cell in nbformat.read(source, as_version=4).cells:
            if "### BEGIN SOLUTION" in cell.source:
                given, rest = cell.source.split("### BEGIN SOLUTION")
                given = {x.strip() for x in given.splitlines()}       # the template the student starts from
                body = rest.split("### END SOLUTION")[0]
                for line in body.strip().splitlines():
                    if len(line.strip()) > 25 and line.strip() not in given and line.strip() in seen:
                        replies.append(f"{source.name}: {line.strip()}")
    return replies or ["Not yet: no solution line in a student notebook"]


def _nan(bank):
    return [course.check("ssri-week6", float("nan"), quiet=True)]


def _huge(bank):
    return [course.check("score-passing", 10 ** 400, quiet=True)]


def _reveal_first(bank, capsys=None):
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        course.reveal("dose-effect-1")
        course.predict("dose-effect-1", 0.0)
        course.reveal("dose-effect-1")
    text = out.getvalue()
    m = course.model()
    right = course.value_at(m, "ketamine-iv", "24 h", effect=True, dose=1.0)
    return ["reveals the answer" if f"{right:.3g}" in text else "Not yet: nothing revealed"]


GAMING = {
    "a solution line printed in a cell above the exercise": _printed_above,
    "NaN as the answer": _nan,
    "a huge integer (10**400)": _huge,
    "two guesses halving the interval": _bisect,
    "a yes/no choice cycled through both options": _cycle,
    "the same, through the hidden tests' entry point": _cycle_grader,
    "the bank's expected function as an attribute": _expected,
    "reveal() before answering": _reveal_first,
}


@pytest.mark.parametrize("attempt", list(GAMING), ids=list(GAMING))
def test_gaming_attempts_get_not_yet_or_are_impossible(bank, attempt):
    replies = GAMING[attempt](bank)
    assert replies and all(str(r).startswith("Not yet") for r in replies), replies
    for r in replies:
        assert "too high" not in r and "too low" not in r


def test_warm_up_runs_the_notebooks_paths_and_the_command_says_how(toy, capsys):
    assert course.warm_up(toy) >= 0
    assert course.main(["warm up"]) == 2
    assert "python -m pathway.course warm-up" in capsys.readouterr().err
