"""The command line: real runs in-process, user mistakes give exit code 2 and no traceback."""

import csv
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from pathway.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_writes_csv_with_required_columns(capsys, tmp_path):
    path = tmp_path / "k.csv"
    code, _, err = run(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "3",
                       "--out", str(path))
    assert code == 0 and "wrote" in err
    rows = list(csv.reader(path.open()))
    header = rows[0]
    assert header[0] == "time_h"
    for column in ("ketamine_plasma", "relief", "dissociation", "spines", "nmda", "bdnf"):
        assert column in header
    t = np.array([float(r[0]) for r in rows[1:]])
    assert t[-1] == pytest.approx(72) and np.max(np.diff(t)) <= 5 / 60 + 1e-6
    plasma = np.array([float(r[header.index("ketamine_plasma")]) for r in rows[1:]])
    assert 150 <= plasma.max() <= 250


def test_simulate_to_stdout_and_dose_and_set(capsys):
    # racemic ketamine is two dose lines (S and R); --dose is the racemic dose and
    # scales both lines (the scenario states its nominal dose, 0.5 mg/kg)
    code, out, _ = run(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "1",
                       "--dose", "0.25", "--set", "spine_lifetime=8d")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    peak = max(float(r["ketamine_plasma"]) for r in table)
    assert 75 <= peak <= 125                     # half the usual dose


def test_hypothesis_switch_changes_the_hnk_scenario(capsys):
    _, off, _ = run(capsys, "simulate", "--scenario", "hnk", "--days", "2")
    _, on, _ = run(capsys, "simulate", "--scenario", "hnk", "--days", "2", "--hypothesis", "hnk")
    relief = lambda text: max(float(r["relief"]) for r in csv.DictReader(io.StringIO(text)))  # noqa: E731
    assert relief(on) > relief(off) + 0.1      # off: only the expectancy of an infusion


def test_list_shows_scenarios_hypotheses_and_parameter_ranges(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for word in ("ketamine-iv", "esketamine-in", "ssri", "hnk", "placebo", "opioid",
                 "spine_lifetime", "range"):
        assert word in out


def test_graph_summary_and_export(capsys, tmp_path):
    code, out, _ = run(capsys, "graph")
    assert code == 0 and "ketamine -| nmda" in out
    for suffix in (".graphml", ".json"):
        code, _, err = run(capsys, "graph", "--out", str(tmp_path / f"g{suffix}"))
        assert code == 0 and (tmp_path / f"g{suffix}").stat().st_size > 1000


def test_explain_a_node(capsys):
    code, out, _ = run(capsys, "explain", "glutamate")
    assert code == 0 and "gaba_interneuron -| glutamate" in out and "Moghaddam" in out


@pytest.mark.parametrize("argv, words", [
    (["simulate", "--scenario", "ketamin-iv"], "did you mean 'ketamine-iv'"),
    (["simulate", "--scenario", "ketamine-iv", "--set", "spine_lifetime=99d"], "outside its range"),
    (["simulate", "--scenario", "ketamine-iv", "--set", "nope=1"], "unknown parameter"),
    (["simulate", "--scenario", "ketamine-iv", "--set", "novalue"], "NAME=VALUE"),
    (["simulate", "--scenario", "ketamine-iv", "--hypothesis", "opiod"], "did you mean 'opioid'"),
    (["simulate", "--scenario", "ketamine-iv", "--model", "missing.toml"], "file not found"),
    (["simulate", "--scenario", "ketamine-iv", "--days", "99999"], "days"),
    (["simulate", "--scenario", "ketamine-iv", "--out", "/no/such/dir/x.csv"], "cannot write"),
    (["graph", "--out", "g.gif"], ".graphml, .json, .png, .svg, .pdf"),
    (["explain", "ampaa"], "did you mean 'ampa'"),
])
def test_user_mistakes_exit_2_with_message_and_hint(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and words in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["simulate", "--scenario", "ketamine-iv", "--dose", "-1"],
                                  ["simulate", "--scenario", "ketamine-iv", "--days", "nan"],
                                  ["simulate"], ["frobnicate"]])
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_dose_on_a_scenario_without_doses_exits_2(capsys, tmp_path):
    """--dose needs a dose line to change: a scenario built with `doses = []`."""
    from pathway.modelfile import default_model_path, load_model
    text = default_model_path().read_text(encoding="utf-8")
    assert "[scenarios.untreated]" not in text
    text += ('\n[scenarios.untreated]\n'
             'description = "No treatment at all: the course without any visit."\n'
             'days = 14\n'
             'doses = []\n')
    path = tmp_path / "untreated.toml"
    path.write_text(text, encoding="utf-8")
    assert load_model(path).scenarios["untreated"].doses == ()
    code, _, err = run(capsys, "simulate", "--scenario", "untreated", "--model", str(path),
                       "--days", "1")
    assert code == 0, err                       # the model and scenario are fine...
    code, _, err = run(capsys, "simulate", "--scenario", "untreated", "--model", str(path),
                       "--days", "1", "--dose", "1")
    assert code == 2                            # ...but there is no dose to change
    assert err.startswith("error: ") and "'untreated' has no doses to change" in err
    assert "hint: leave out --dose" in err
    assert "Traceback" not in err


def replace_once(text, old, new):
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the model text"
    return text.replace(old, new)


def test_broken_model_file_lists_every_problem(capsys, tmp_path):
    from pathway.modelfile import default_model_path, load_model
    text = default_model_path().read_text()
    text = replace_once(text, 'source = "ampa"\ntarget = "bdnf"',
                        'source = "ampa"\ntarget = "bdnff"')
    # a negative time constant for the glutamate node, whatever its tau is now
    assert text.count('id = "glutamate"') == 1
    start = text.index('id = "glutamate"')
    end = text.index("\n[", start)
    node, n = re.subn(r'^tau = .*$', 'tau = "-5 min"', text[start:end], flags=re.MULTILINE)
    assert n == 1
    text = text[:start] + node + text[end:]
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    code, _, err = run(capsys, "simulate", "--scenario", "ketamine-iv", "--model", str(bad))
    assert code == 2
    assert "unknown node 'bdnff'" in err and "'tau' must be positive" in err
    # Each intervention that names the renamed edge (the BDNF genotypes scale
    # 'ampa -> bdnf') adds a problem of its own: "no edge 'ampa -> bdnf'".
    references = [name for name, i in load_model().interventions.items()
                  for version in (i, *i.variants.values())
                  for pair in (*version.cut, *(pair for pair, _ in version.scale))
                  if pair == ("ampa", "bdnf")]
    assert references
    for name in set(references):
        assert f"interventions.{name}" in err
    assert err.count("no edge 'ampa -> bdnf'") == len(references)
    count = 2 + len(references)
    assert f"{count} problems in the model file" in err
    assert "Traceback" not in err


def test_console_script_runs_as_a_real_process(tmp_path):
    """The installed entry point, as a new user runs it."""
    proc = subprocess.run([sys.executable, "-m", "pathway", "simulate", "--scenario", "bogus"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown scenario" in proc.stderr
    assert "Traceback" not in proc.stderr
