"""`pathway fit`: the calibrated parameters are estimated from the calibration trials, written back into the model
file line by line, and a fit from the committed file gives the committed values again."""

import math
import shutil
from pathlib import Path

import pytest

from pathway import load_model
from pathway.cli import main
from pathway.errors import UsageError
from pathway.fit import FIT_PEOPLE, FitResult, calibrated_parameters, fit, write_fitted
from pathway.modelfile import default_model_path
from pathway.trials import load_trials

CALIBRATION = {t.id for t in load_trials() if t.role == "calibrate"}


def _result(model, values: dict, trials=("daly2018",)) -> FitResult:
    names = tuple(values)
    k = len(names)
    p = [model.parameters[n] for n in names]
    return FitResult(names=names, values=tuple(values.values()), start=tuple(x.value for x in p),
                     low=tuple(x.low for x in p), high=tuple(x.high for x in p), se=(0.1,) * k,
                     interval=((0.0, 1.0),) * k, trials=tuple(trials), cost_start=1.0, cost=0.5, residuals=(),
                     n_people=20, starts=1, evaluations=1, seconds=0.0,
                     dimensions=tuple(x.dimension for x in p))


def test_the_model_file_marks_its_calibrated_parameters_with_their_trials(model):
    names = calibrated_parameters(model)
    assert len(names) >= 4
    for n in names:
        p = model.parameters[n]
        assert p.fitted_from, f"{n} is marked calibrated but was never fitted"
        assert set(p.fitted_from) <= CALIBRATION, f"{n} was fitted to a validation trial"
        assert "pathway fit" in p.description, n


def test_write_fitted_changes_only_the_value_and_fitted_from_lines(tmp_path, model):
    path = tmp_path / "m.toml"
    shutil.copy(default_model_path(), path)
    before = path.read_text().splitlines()
    names = calibrated_parameters(model)[:2]
    new = {n: (model.parameters[n].low + model.parameters[n].high) / 2 for n in names}
    write_fitted(path, model, _result(model, new, trials=("daly2018", "wade2002")))
    after = path.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and 1 <= len(changed) <= 4
    for a, b in changed:
        assert a.split("=")[0].strip() == b.split("=")[0].strip() in ("value", "fitted_from")
    again = load_model(path)
    for n, v in new.items():
        assert again.parameters[n].value == pytest.approx(v, rel=1e-3)
        assert again.parameters[n].fitted_from == ("daly2018", "wade2002")
    assert [p.name for p in tmp_path.iterdir()] == ["m.toml"]     # no temporary file left behind
    # comments and layout elsewhere are untouched
    assert [x for x in before if x.startswith("#")] == [x for x in after if x.startswith("#")]


def test_write_fitted_keeps_a_value_at_its_range_limit_readable(tmp_path, model):
    """An optimum at a range limit is written so that the file still loads: a limit that 4 digits in the unit
    of the value's line would put outside the range keeps more digits, or another unit of the same kind (10 min
    in days, 0.0069444... d, is under 10 min however many digits it keeps); an optimiser's 1e-13 for a range
    from 0 is written as 0, not as a number too small for the file."""
    from pathway.fit import _render
    path = tmp_path / "m.toml"
    shutil.copy(default_model_path(), path)
    text = path.read_text()
    onset, ward = model.parameters["expectancy_onset"], model.parameters["ward_expectancy"]
    assert onset.low == pytest.approx(10 / 60)
    start = text.index("[parameters.expectancy_onset]")
    line = text.index("value = ", start)
    end = text.index("\n", line)
    path.write_text(text[:line] + 'value = "0.01 d"' + text[end:])
    write_fitted(path, model, _result(model, {"expectancy_onset": onset.low, "ward_expectancy": 1.5e-13}))
    again = load_model(path)
    assert again.parameters["expectancy_onset"].value == pytest.approx(onset.low, rel=1e-9)
    assert again.parameters["ward_expectancy"].value == ward.low == 0.0
    # more digits where they suffice: 1 h in weeks to 4 digits (0.005952 wk) is under a range from 1 h
    assert _render(1.0, "0.01 wk", "time", 1.0, 672.0) == "0.0059524 wk"


def test_fit_refuses_a_parameter_that_is_not_marked_calibrated(model):
    with pytest.raises(UsageError, match="not marked calibrated") as err:
        fit(model, names=["care_time"], starts=1, max_nfev=1)
    assert "hint:" in str(err.value)
    with pytest.raises(UsageError, match="unknown parameter"):
        fit(model, names=["no_such_thing"])
    with pytest.raises(UsageError, match="starts"):
        fit(model, starts=0)


def test_fit_cli_errors_are_one_paragraph(capsys):
    assert main(["fit", "--only", "care_time", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "hint:" in err and "Traceback" not in err
    assert main(["fit", "--only", "no_such_thing", "--dry-run"]) == 2
    assert "hint:" in capsys.readouterr().err


#: How close a refit from the committed file must come to the committed value, as a share of the
#: parameter's range (normalised coordinates, log scale for a positive range): the committed values are
#: rounded to 4 digits and the optimiser stops when a step changes the cost by less than 1e-8 of it.
TOLERANCE = 0.03


@pytest.mark.parametrize("name", ["placebo_strength"])
def test_a_fit_from_the_committed_file_reproduces_its_value(model, name):
    """One calibrated parameter refitted from the committed file (the others held at their committed values):
    the optimum the committed fit found is still the optimum."""
    from pathway.fit import _Space

    result = fit(model, names=[name], n=FIT_PEOPLE, starts=1, max_nfev=4)
    space = _Space(model, [name])
    moved = abs(space.to_u([result.values[0]])[0] - space.to_u([model.parameters[name].value])[0])
    assert moved <= TOLERANCE, (name, model.parameters[name].value, result.values[0])
    assert set(result.trials) <= CALIBRATION
    # no worse than the start, up to rounding: at a range limit (placebo_strength sits at its upper end) the
    # optimiser's step inside the bound changes the cost in its ninth digit
    assert math.isfinite(result.cost) and result.cost <= result.cost_start * (1 + 1e-8)


def test_validate_reports_trials_and_calibration_targets_apart(capsys, tmp_path):
    import json
    out = tmp_path / "trials.png"
    assert main(["validate", "--trials-only", "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert out.stat().st_size > 10_000 and [p.name for p in tmp_path.iterdir()] == ["trials.png"]
    assert data["calibration_targets"] == []
    rows = data["trials"]
    assert {r["role"] for r in rows} == {"calibrate", "validate"}
    for role in ("calibrate", "validate"):
        for kind in ("arm", "difference"):
            mine = [r for r in rows if r["role"] == role and r["kind"] == kind]
            head = data["headline"][role][kind]
            assert head["within"] == sum(r["status"] == "within" for r in mine)
            assert head["judged"] == sum(r["status"] in ("within", "miss") for r in mine)
    for r in rows:
        if r["status"] in ("within", "miss"):
            lo, hi = r["interval"]
            assert (r["status"] == "within") == (lo <= r["model"] <= hi)
        if r["status"] == "not simulated":
            assert r["reason"] and r["model"] is None


def test_validate_flags_that_contradict_say_so(capsys):
    assert main(["validate", "--trials-only", "--checks-only"]) == 2
    assert "contradict" in capsys.readouterr().err
    assert main(["validate", "--only", "T4a", "--out", "x.png"]) == 2
    assert "hint:" in capsys.readouterr().err


def test_fit_without_a_trial_map_says_where_to_put_one(tmp_path):
    shutil.copy(default_model_path(), tmp_path / "m.toml")
    with pytest.raises(UsageError, match="no trial map") as err:
        fit(load_model(tmp_path / "m.toml"), starts=1, max_nfev=1)
    assert "trialmap" in str(err.value) and "hint:" in str(err.value)


def test_worker_processes_give_the_same_fit(model):
    """The Jacobian's columns evaluated in two spawned processes give the very same fit as in this one."""
    names = ["placebo_strength", "spine_lifetime"]
    here = fit(model, names=names, n=40, starts=1, max_nfev=2, workers=1)
    pooled = fit(model, names=names, n=40, starts=1, max_nfev=2, workers=2)
    assert pooled.values == here.values and pooled.cost == here.cost
    assert pooled.evaluations == here.evaluations
    with pytest.raises(UsageError, match="workers"):
        fit(model, names=names, workers=0)


def test_the_report_names_the_values_held_at_a_range_limit(model):
    """A fitted value at (or within 1% of) a limit of its range is marked in its row and listed under the table:
    the trials pull beyond the range there, which a modeller needs to see."""
    from pathway.fit import format_fit
    p = model.parameters
    top = p["older_adult_factor"].high
    text = format_fit(_result(model, {"older_adult_factor": top, "placebo_strength": p["placebo_strength"].low,
                                      "spray_expectancy": 0.5 * p["spray_expectancy"].high}))
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()}
    assert rows["older_adult_factor"].endswith("at the upper limit")
    assert rows["placebo_strength"].endswith("at the lower limit")
    assert "limit" not in rows["spray_expectancy"]
    assert ("At or within 1% of a limit of its range: older_adult_factor (upper limit), placebo_strength "
            "(lower limit).") in text
    assert "At or within" not in format_fit(_result(model, {"spray_expectancy": 0.5 * p["spray_expectancy"].high}))


def test_the_readme_names_the_committed_values_at_a_range_limit(model):
    """'in the committed fit: the spines' lifetime, the onset of a visit's expectancy, ...': the README lists
    exactly the calibrated parameters the fit report marks at a limit."""
    from pathway.fit import _range_edge
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    words = {"spine_lifetime": "the spines' lifetime", "expectancy_onset": "the onset of a visit's expectancy",
             "ward_expectancy": "what a day on the ward adds", "relief_spread": "the spread of severity",
             "rating_noise": "the interview's error",
             "older_adult_factor": "the older adults' factor", "care_strength": "regular care's strength"}
    held = {n for n in calibrated_parameters(model)
            if _range_edge(model.parameters[n].value, model.parameters[n].low, model.parameters[n].high)}
    assert held == set(words)
    listed = readme[readme.index("in the committed fit:"):].split(")")[0]
    for n, w in words.items():
        assert w in listed, n
