"""The course's checker (pathway.course): blank, wrong and right answers, and the
helpers the notebooks lean on, computed from the model rather than stored."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import pathway
from pathway import course
from pathway.modelfile import load_model

ROOT = Path(__file__).parent.parent
TOY = ROOT / "models" / "toy.toml"


@pytest.fixture(scope="module")
def toy():
    return course.use_model(load_model(TOY))


@pytest.fixture(scope="module")
def peak_exercise(toy):
    return course.exercise(
        "toy-peak", "Peak wellbeing after the quick drug?",
        expected=lambda m: float(np.max(course.run(m, m.roles.showcase[0])[m.primary])),
        rel=0.05, hint="take the maximum of the primary outcome.")


@pytest.mark.parametrize("blank", [None, ..., "", "  ", "...", [], (None, "x")])
def test_blank_answers_are_not_answered_yet_and_never_raise(peak_exercise, blank, capsys):
    reply = course.check("toy-peak", blank)
    assert reply.startswith("Not answered yet: toy-peak")
    assert reply.blank and not reply.correct
    assert capsys.readouterr().out.startswith("Not answered yet")


def test_wrong_number_says_not_yet_with_a_hint_and_direction(toy, peak_exercise):
    right = peak_exercise.expected(toy)
    reply = course.check("toy-peak", right * 2, quiet=True)
    assert reply.startswith("Not yet: toy-peak") and "too high" in reply
    assert "Hint: take the maximum" in reply
    assert "too low" in course.check("toy-peak", right / 2, quiet=True)


def test_right_number_is_correct_and_follows_the_model(toy, peak_exercise):
    right = peak_exercise.expected(toy)
    assert course.check("toy-peak", right * 1.01, quiet=True).correct
    # change the model: the same answer is no longer right (nothing is stored)
    stronger = pathway.set_parameter(toy, "hope_strength", 4.0)
    course.use_model(stronger)
    try:
        assert peak_exercise.expected(stronger) != pytest.approx(right, rel=0.05)
        assert not course.check("toy-peak", right, quiet=True).correct
    finally:
        course.use_model(toy)


def test_choice_and_unreadable_answers(toy):
    course.exercise("toy-first", "Which peaks first?", kind="choice",
                    choices=("drowsiness", "wellbeing"),
                    expected=lambda m: min(("drowsiness", m.primary),
                                           key=lambda c: course.run(m, m.roles.showcase[0]).peak(c)[0]))
    assert course.check("toy-first", "Drowsiness ", quiet=True).correct
    assert course.check("toy-first", "wellbeing", quiet=True).startswith("Not yet")
    assert "choose one of" in course.check("toy-first", "brake", quiet=True)
    course.exercise("toy-number", "A number", expected=lambda m: 1.0)
    assert "could not be read" in course.check("toy-number", "one", quiet=True)
    assert "not a finite number" in course.check("toy-number", math.nan, quiet=True)


def test_unchanged_template_is_not_answered_yet(toy):
    template = "[model]\nname = 'x'\n"
    course.exercise("toy-edit", "Edit the file", kind="judge", template=template,
                    judge=lambda a, m: ("edited" in a, "not edited"))
    assert course.check("toy-edit", template, quiet=True).blank
    assert course.check("toy-edit", template + "# edited", quiet=True).correct
    assert course.check("toy-edit", template + "# changed", quiet=True).startswith("Not yet")


def test_a_model_error_in_an_answer_is_a_reply_not_a_traceback(toy):
    course.exercise("toy-load", "Write a model", kind="judge",
                    judge=lambda a, m: (bool(pathway.loads_model(a)), ""))
    reply = course.check("toy-load", "[model]\nname = 1", quiet=True)
    assert reply.startswith("Not yet: toy-load")


def test_unknown_exercise_is_a_usage_error_with_a_hint(toy):
    with pytest.raises(pathway.UsageError, match="hint"):
        course.check("toy-peek", 1)


def test_predict_and_reveal(toy, capsys):
    course.predict("p-blank", ...)
    assert "No prediction recorded" in capsys.readouterr().out
    course.predict("p-number", 0.5)
    course.reveal("p-number", 0.25)
    assert "off by +0.25" in capsys.readouterr().out
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


def test_bank_loads_from_the_notebooks_folder(monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks" / "instructor")
    bank = course.load_bank()
    assert bank.TINY_TEMPLATE and "tiny-edge" in course._BANK
    sys.modules.pop("course_bank", None)
    course.use_model(load_model())
