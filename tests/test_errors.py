"""The project's errors: a UsageError is a ValueError with its hint as an attribute, a
failed lookup is a KeyError too, and hints name what the model in use has."""

import pickle
from pathlib import Path

import pytest

from pathway import UnknownNameError, UsageError, load_model, simulate
from pathway.cli import main

TOY = Path(__file__).resolve().parents[1] / "models" / "toy.toml"


def test_a_usage_error_is_a_value_error_with_a_hint():
    err = UsageError("--days 0 is too short\n  hint: give at least 1 minute")
    assert isinstance(err, ValueError)
    assert err.message == "--days 0 is too short" and err.hint == "give at least 1 minute"
    assert str(err) == "--days 0 is too short\n  hint: give at least 1 minute"
    same = UsageError("--days 0 is too short", hint="give at least 1 minute")
    assert str(same) == str(err) and same.hint == err.hint
    assert UsageError("no hint here").hint is None


def test_errors_survive_pickling_with_their_hint():
    err = pickle.loads(pickle.dumps(UnknownNameError("unknown node 'x'", hint="did you mean 'y'?")))
    assert type(err) is UnknownNameError and err.hint == "did you mean 'y'?"


def test_a_failed_lookup_is_a_key_error_too():
    traj = simulate(load_model(TOY), days=1)
    with pytest.raises(KeyError) as caught:
        traj["no-such-column"]
    assert isinstance(caught.value, UsageError) and caught.value.hint
    assert str(caught.value).startswith("no variable 'no-such-column'")       # not a quoted repr
    from pathway.validate import run_targets
    with pytest.raises(KeyError, match="unknown target 'T99'"):
        run_targets(load_model(), ids=["T99"])


def error_text(capsys, *argv):
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("argv", [
    ["simulate", "--scenario", "quick-dose", "--set", "novalue"],
    ["simulate", "--scenario", "quick-dose", "--intervention", "Not An Intervention"],
    ["graph", "--at", "1h", "--out", "g.png"],
])
def test_hints_name_the_model_in_use(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    toy, default = load_model(TOY), load_model()
    err = error_text(capsys, *argv, "--model", TOY)
    hint = err[err.index("hint:"):]
    own = set(toy.parameters) | set(toy.interventions) | set(toy.scenarios)
    assert any(name in hint for name in own), hint
    foreign = (set(default.parameters) | set(default.interventions) | set(default.scenarios)) - own
    assert not [name for name in foreign if name in hint], hint


def test_a_missing_extra_is_named_not_a_traceback(capsys, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_salib(name, *args, **kwargs):
        if name.startswith("SALib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_salib)
    err = error_text(capsys, "sensitivity", "--scenario", "ketamine-iv", "--n", "4")
    assert "needs SALib" in err and "[research]" in err
