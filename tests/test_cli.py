"""The command line: real runs in-process, user mistakes give exit code 2 and no traceback."""

import csv
import importlib.util
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from pathway.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_writes_csv_with_required_columns(capsys, tmp_path):
    path = tmp_path / "k.csv"
    code, _, err = run(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "3",
                       "--out", str(path))
    assert code == 0 and "wrote" in err
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# ketamine-pathway ") and "; model " in lines[0]    # the versions
    rows = list(csv.reader(lines[1:]))
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
    table = list(csv.DictReader(io.StringIO(out.partition("\n")[2])))
    peak = max(float(r["ketamine_plasma"]) for r in table)
    assert 75 <= peak <= 125                     # half the usual dose


def test_hypothesis_switch_changes_the_hnk_scenario(capsys):
    _, off, _ = run(capsys, "simulate", "--scenario", "hnk", "--days", "2")
    _, on, _ = run(capsys, "simulate", "--scenario", "hnk", "--days", "2", "--hypothesis", "hnk")
    def relief(text, at_h):
        rows = csv.DictReader(io.StringIO(text.partition("\n")[2]))
        return next(float(r["relief"]) for r in rows if float(r["time_h"]) == at_h)
    # off: only the expectancy of an infusion, which has faded by day 1; on: HNK's own relief as well
    assert relief(on, 24) > relief(off, 24) + 0.1


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


# ---------------------------------------------------------------- hardening (issue 14)

def error_of(capsys, *argv):
    """Run a command that must fail cleanly; return its standard error."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:                   # argparse's own refusal
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "error: " in err and "\n  hint: " in err, err
    assert "Traceback" not in err and "np.float64" not in err
    return err


@pytest.mark.parametrize("argv, words", [
    # numbers without bounds
    (["simulate", "--scenario", "ketamine-iv", "--step", "1e-300"], "outside the range 1 s to 1440 min"),
    (["simulate", "--scenario", "ketamine-iv", "--step", "1e-6", "--days", "56"], "1 s to 1440 min"),
    (["simulate", "--scenario", "ketamine-iv", "--step", "1441"], "1 s to 1440 min"),
    (["simulate", "--scenario", "ketamine-iv", "--days", "99999"], "above 0 to 3650 days"),
    (["export", "--format", "sbml", "--out", "m.xml", "--days", "1e308"], "above 0 to 3650 days"),
    (["export", "--format", "sbml", "--out", "m.xml", "--days", "100000"], "above 0 to 3650 days"),
    (["simulate", "--scenario", "ketamine-iv", "--dose", "1e300"], "outside the range of scenario 'ketamine-iv'"),
    (["population", "--scenario", "ketamine-iv", "--n", "1000000"], "from 1 to 100000 people"),
    (["population", "--scenario", "ketamine-iv", "--at", "99999999w"], "99999999w in --at"),
    (["population", "--scenario", "ketamine-iv", "--seed", "-1"], "from 0 to 4294967295"),
    (["population", "--scenario", "ketamine-iv", "--at", "0h"], "0h in --at"),
    (["population", "--scenario", "ketamine-iv", "--at", ",".join(["1d"] * 101)], "at most 100"),
    (["animate", "--scenario", "ketamine-iv", "--out", "a.gif", "--frames", "20001"], "2 to 20000"),
    (["animate", "--scenario", "ketamine-iv", "--out", "a.gif", "--fps", "0"], "1 to 120"),
    (["simulate", "--scenario", "ketamine-iv", "--intervention", "spine-ablation@-1h"], "ten years"),
    (["simulate", "--scenario", "ketamine-iv", "--intervention", "spine-ablation@1 parsec"],
     "spine-ablation@1 parsec"),
    (["simulate", "--scenario", "ketamine-iv", "--set", "spine_lifetime=nan"], "spine_lifetime"),
    (["simulate", "--scenario", "ketamine-iv", "--set", "spine_lifetime=8 parsecs"], "parsecs"),
    (["simulate", "--scenario", "ketamine-iv", "--days", "nan"], "not a finite number"),
    # options that cannot apply
    (["graph", "--scenario", "ketamine-iv", "--at", "1h,2h", "--out", "g.png"], "one moment"),
    (["export", "--format", "graphml", "--out", "g.graphml", "--scenario", "nope"],
     "applies only to --format sbml"),
    (["export", "--format", "json", "--out", "g.json", "--days", "3"], "applies only to --format sbml"),
    (["graph", "--out", "g.graphml", "--scenario", "ketamine-iv"], "only to a picture"),
    (["graph", "--scenario", "ketamine-iv"], "the summary ignores it"),
    (["graph", "--out", "g.json", "--format", "graphml"], "disagrees"),
    (["simulate", "--scenario", "ketamine-iv", "--placebo", "--dose", "1"], "placebo arm gives none"),
    (["simulate", "--scenario", "ketamine-iv", "--placebo", "nbqx"], "the inert drugs are placebo, saline"),
    (["population", "--scenario", "ketamine-iv", "--placebo", "nbqx"], "the inert drugs are placebo, saline"),
    (["simulate", "--scenario", "esketamine-in", "--placebo", "saline"], "stands in only for the routes iv"),
    (["population", "--scenario", "ketamine-iv", "--quiet", "--progress"], "contradict"),
    # --out: pictures never go to standard output; one rule for folders
    (["plot", "--scenario", "ketamine-iv", "--out", "-"], "cannot go to standard output"),
    (["animate", "--scenario", "ketamine-iv", "--out", "-"], "cannot go to standard output"),
    (["storyboard", "--scenario", "ketamine-iv", "--out", "-"], "cannot go to standard output"),
    (["graph", "--out", "-", "--scenario", "ketamine-iv"], "only to a picture"),
    (["storyboard", "--scenario", "ketamine-iv", "--out", "sb.png"], "names a file"),
    (["simulate", "--scenario", "ketamine-iv", "--out", ""], "--out is empty"),
    # a model that is not a file
    (["list", "--model", "/dev/zero"], "not a regular file"),
    (["simulate", "--scenario", "ketamine-iv", "--model", "/dev/zero"], "not a regular file"),
])
def test_issue_14_cases_exit_2_with_a_hint(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    err = error_of(capsys, *argv)
    assert words in err
    assert not (tmp_path / "sb.png").exists()            # storyboard made no folder


@pytest.mark.parametrize("argv", [
    ["simulate", "--scenario", "ketamine-iv", "--out", "{missing}/x.csv"],
    ["graph", "--out", "{missing}/g.graphml"],
    ["graph", "--out", "{missing}/g.png"],
    ["plot", "--scenario", "ketamine-iv", "--out", "{missing}/p.png"],
    ["animate", "--scenario", "ketamine-iv", "--out", "{missing}/a.gif"],
    ["storyboard", "--scenario", "ketamine-iv", "--out", "{missing}/sb"],
    ["export", "--format", "sbml", "--out", "{missing}/m.xml"],
])
def test_every_command_refuses_a_missing_folder_the_same_way(capsys, tmp_path, argv):
    missing = tmp_path / "no" / "such"
    err = error_of(capsys, *[a.format(missing=missing) for a in argv])
    assert f"the folder {missing} does not exist" in err and f"mkdir -p {missing}" in err
    assert not (tmp_path / "no").exists()


def test_a_folder_is_not_a_file_name(capsys, tmp_path):
    err = error_of(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "1", "--out", tmp_path)
    assert "it is a folder" in err


def test_memory_budget_refuses_up_front_with_the_amount(capsys, monkeypatch):
    """Refused, not attempted: no solver call and no animation is started."""
    from pathway import _kernel, animation

    def attempted(*args, **kwargs):
        raise AssertionError("the run was attempted before it was refused")
    for name in dir(_kernel):
        if hasattr(getattr(_kernel, name), "py_func"):          # a compiled kernel function
            monkeypatch.setattr(_kernel, name, attempted)
    monkeypatch.setattr(animation, "prepare", attempted)
    err = error_of(capsys, "simulate", "--scenario", "ssri", "--days", "3650", "--step", "0.05")
    assert "would need about" in err and "GB of memory" in err and "2 GB" in err
    err = error_of(capsys, "population", "--scenario", "ketamine-iv", "--n", "100000",
                   "--at", ",".join(f"{d}d" for d in range(1, 101)))
    assert "100000 virtual patients" in err and "would need about" in err
    err = error_of(capsys, "animate", "--scenario", "ketamine-iv", "--out", "a.gif",
                   "--frames", "20000")
    assert "would need about" in err


def test_out_dash_is_standard_output(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "1",
                       "--out", "-")
    assert code == 0 and out.startswith("# ketamine-pathway ") and out.splitlines()[1].startswith("time_h,")
    assert not (tmp_path / "-").exists()
    if importlib.util.find_spec("libsbml"):         # the [sbml] extra
        code, out, _ = run(capsys, "export", "--format", "sbml", "--out", "-")
        assert code == 0 and out.lstrip().startswith("<?xml") and "<sbml" in out
    code, out, _ = run(capsys, "export", "--format", "json", "--out", "-")
    assert code == 0 and "nodes" in __import__("json").loads(out)
    code, out, _ = run(capsys, "export", "--format", "graphml", "--out", "-")
    assert code == 0 and "<graphml" in out
    code, out, _ = run(capsys, "graph", "--out", "-")
    assert code == 0 and "edges" in __import__("json").loads(out)
    code, out, _ = run(capsys, "graph", "--out", "-", "--format", "graphml")
    assert code == 0 and "<graphml" in out
    assert list(tmp_path.iterdir()) == []


def test_storyboard_creates_its_own_folder_only(capsys, tmp_path):
    code, _, err = run(capsys, "storyboard", "--scenario", "ketamine-iv", "--days", "1",
                       "--frames", "3", "--out", tmp_path / "sb")
    assert code == 0, err
    assert (tmp_path / "sb" / "captions.txt").exists()


def test_graph_picture_at_a_late_time_stays_small(capsys, tmp_path):
    """--at 3650d (the longest allowed) is simulated with at most 20,000 rows."""
    code, _, err = run(capsys, "graph", "--scenario", "ssri", "--at", "3650d",
                       "--out", tmp_path / "g.png")
    assert code == 0, err


def test_dose_ceiling_comes_from_the_model_file(capsys, model):
    from pathway.simulate import dose_ceiling
    for scenario in model.scenarios.values():
        if scenario.doses:
            top, unit = dose_ceiling(scenario)
            assert top >= max(d.amount for d in scenario.doses)
    top, unit = dose_ceiling(model.scenarios["ketamine-iv"])
    code, _, err = run(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "1",
                       "--dose", f"{top:g}")
    assert code == 0, err
    err = error_of(capsys, "simulate", "--scenario", "ketamine-iv", "--days", "1",
                   "--dose", f"{top * 1.01:g}")
    assert f"at most {top:g} {unit}" in err


def test_argparse_mistakes_carry_a_hint(capsys):
    for argv in (["simulate"], ["frobnicate"], ["simulate", "--scenario", "ketamine-iv",
                                                "--days", "abc"],
                 ["population", "--scenario", "ketamine-iv", "--n", "1e3"],
                 ["serve", "--port", "abc"], ["serve", "--port", "-1"]):
        err = error_of(capsys, *argv)
        assert "hint:" in err and ("--help" in err or argv[0] == "serve")


def test_readme_states_the_ranges_the_code_checks():
    """The README's table of ranges and limits is the code's, number for number."""
    from pathlib import Path

    from pathway.cli import ANIMATION_FRAMES, MAX_FPS
    from pathway.errors import MEMORY_BUDGET_BYTES
    from pathway.modelfile import MAX_DEPTH, MAX_FILE_BYTES
    from pathway.population import MAX_PEOPLE, MAX_SEED, MAX_TIME_H, MAX_TIMES
    from pathway.simulate import DOSE_CEILING_FACTOR, MAX_DAYS, STEP_MIN_RANGE
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in readme.splitlines() if line.startswith("| `--")}
    assert rows["`--days`"] == f"above 0 to {MAX_DAYS:g} days"
    assert rows["`--step`"].startswith(f"{STEP_MIN_RANGE[0] * 60:g} s to {STEP_MIN_RANGE[1]:g} min")
    assert f"else {DOSE_CEILING_FACTOR:g} times" in rows["`--dose`"]
    assert rows["`--n`"] == f"1 to {MAX_PEOPLE} people"
    assert rows["`--seed`"] == f"0 to {MAX_SEED}"
    assert rows["`--at`"].startswith(f"1 to {MAX_TIMES} times, each above 0 to {MAX_TIME_H / 24:g}d")
    assert rows["`--frames`"] == f"2 to {ANIMATION_FRAMES}"
    assert rows["`--fps`"] == f"1 to {MAX_FPS}"
    assert f"more than {MEMORY_BUDGET_BYTES / 1e9:g} GB of memory" in readme
    assert f"larger than {MAX_FILE_BYTES / 1e6:g} MB" in readme
    assert f"nested more than {MAX_DEPTH} levels" in readme
    from pathway.modelfile import MIN_DOSE_INTERVAL_H
    from pathway.simulate import MAX_ADMINISTRATIONS
    assert f"at most {MAX_ADMINISTRATIONS} doses" in readme
    assert f"longer than {MAX_DAYS:g} days, repeated doses less than " \
           f"{MIN_DOSE_INTERVAL_H * 60:g} min apart" in readme.replace("\n", " ")


def test_too_many_doses_are_refused_before_they_are_listed(capsys, tmp_path):
    from pathway.modelfile import default_model_path
    from pathway.simulate import MAX_ADMINISTRATIONS
    text = default_model_path().read_text(encoding="utf-8")
    start = text.index("[scenarios.ssri]")
    end = text.index("\n[", start)
    table = text[start:end]
    assert table.count('every = "24 h"') == 1
    path = tmp_path / "often.toml"
    path.write_text(text[:start] + table.replace('every = "24 h"', 'every = "2 min"')
                    + text[end:], encoding="utf-8")
    for argv in (["simulate", "--scenario", "ssri", "--step", "1440", "--days", "3650"],
                 ["population", "--scenario", "ssri", "--n", "10", "--at", "3000d"],
                 ["export", "--format", "sbml", "--scenario", "ssri", "--days", "3650",
                  "--out", tmp_path / "m.xml"]):
        err = error_of(capsys, *argv, "--model", path)
        assert f"more than the {MAX_ADMINISTRATIONS} a run may hold" in err


def test_a_message_without_a_hint_still_gets_one(capsys, monkeypatch):
    from pathway import cli
    from pathway.errors import UsageError

    def bare(args):
        raise UsageError("something went wrong")
    monkeypatch.setattr(cli, "cmd_explain", bare)
    err = error_of(capsys, "explain", "glutamate")
    assert "pathway explain --help" in err


def _every_command():
    from pathway.cli import build_parser
    import argparse
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("argv", [["--help"]] + [[c, "--help"] for c in _every_command()])
def test_every_help_page_prints(capsys, argv):
    """A per-cent sign in a help text once broke ``pathway --help`` with a traceback."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    assert stop.value.code == 0 and "usage:" in out and "Traceback" not in err
