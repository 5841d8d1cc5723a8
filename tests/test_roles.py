"""One source of truth: the model file names every role, and no code knows a node by name.

The default model with every node id renamed, and a small toy model with ids of its
own, run through every command; explain prints exactly the terms the solver runs;
the population varies body weight through the doses.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pathway
from pathway import compile_model, explain, load_model, set_hypothesis, simulate
from pathway.cli import main
from pathway.modelfile import default_model_path

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "models" / "toy.toml"
PREFIX = "x_"
# fields whose string value is a node id, and lists of node ids
ID_FIELD = re.compile(r'\b(id|source|target|drug|node|readout|primary|expectancy|inert)(\s*=\s*)"(\w+)"')
ID_LIST = re.compile(r'\b(side_effects|outcomes|derived|study_drugs)(\s*=\s*)(.*)$', re.MULTILINE)
EDGE_NAME = re.compile(r'"(\w+) -> (\w+)"')


def renamed_text(text: str, ids: set[str]) -> str:
    """The model text with every node id given a prefix, wherever a field names one."""
    new = lambda i: PREFIX + i if i in ids else i  # noqa: E731
    text = ID_FIELD.sub(lambda m: f'{m[1]}{m[2]}"{new(m[3])}"', text)
    text = ID_LIST.sub(lambda m: m[1] + m[2] + re.sub(r'"(\w+)"', lambda q: f'"{new(q[1])}"', m[3]),
                       text)
    text = EDGE_NAME.sub(lambda m: f'"{new(m[1])} -> {new(m[2])}"', text)
    return re.sub(r"^\[drugs\.(\w+)\]", lambda m: f"[drugs.{new(m[1])}]", text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    text = default_model_path().read_text(encoding="utf-8")
    ids = set(load_model().node_ids)
    path = tmp_path_factory.mktemp("renamed") / "renamed.toml"
    path.write_text(renamed_text(text, ids), encoding="utf-8")
    return path


def test_renaming_renames_every_node(renamed, model):
    other = load_model(renamed)
    assert set(other.node_ids) == {PREFIX + i for i in model.node_ids}
    assert other.primary == PREFIX + model.primary
    assert len(other.experiments) == len(model.experiments)


def test_renamed_model_is_the_same_science(renamed, model):
    other = load_model(renamed)
    a = simulate(model, "ketamine-iv", days=3)
    b = simulate(other, "ketamine-iv", days=3)
    np.testing.assert_array_equal(a[a.primary], b[b.primary])
    assert b.primary == PREFIX + a.primary and b.roles["plasma"] == a.roles["plasma"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


@pytest.mark.parametrize("which", ["renamed", "toy"])
def test_every_command_runs_on_another_model(which, renamed, tmp_path, capsys):
    path = renamed if which == "renamed" else TOY
    model = load_model(path)
    first, second = model.roles.showcase
    m = ["--model", path]
    out, _ = run(capsys, "list", *m)
    assert model.primary in out
    run(capsys, "simulate", "--scenario", first, "--days", 2, "--out", tmp_path / "a.csv", *m)
    header = (tmp_path / "a.csv").read_text().splitlines()[1].split(",")     # after the versions line
    assert model.primary in header and all(r in header for r in model.readouts)
    run(capsys, "simulate", "--scenario", first, "--days", 2, "--placebo", "--out", tmp_path / "p.csv", *m)
    run(capsys, "graph", *m)
    run(capsys, "graph", "--scenario", first, "--at", "1h", "--out", tmp_path / "g.png", *m)
    run(capsys, "graph", "--out", tmp_path / "g.graphml", *m)
    run(capsys, "explain", model.primary, *m)
    run(capsys, "plot", "--scenario", first, "--compare", second, "--days", 7,
        "--out", tmp_path / "t.png", *m)
    run(capsys, "animate", "--scenario", first, "--compare", second, "--days", 7, "--frames", 6,
        "--out", tmp_path / "a.gif", "--quiet", *m)
    run(capsys, "storyboard", "--scenario", first, "--days", 7, "--frames", 6,
        "--out", tmp_path / "sb", *m)
    out, _ = run(capsys, "population", "--scenario", first, "--n", 50, "--at", "24h", "--json",
                 "--quiet", *m)
    assert json.loads(out)["readout"] == model.primary
    experiment = next(iter(model.experiments))
    out, _ = run(capsys, "experiments", "--only", experiment, "--json", *m)
    assert json.loads(out)[0]["reproduced"] is True
    made = ["a.csv", "p.csv", "g.png", "g.graphml", "t.png", "a.gif"]
    if importlib.util.find_spec("libsbml"):          # the [sbml] extra
        run(capsys, "export", "--format", "sbml", "--scenario", first, "--out", tmp_path / "m.xml", *m)
        made.append("m.xml")
    out, _ = run(capsys, "list", "--json", *m)
    assert set(json.loads(out)["scenarios"]) == set(model.scenarios)
    run(capsys, "site", "--out", tmp_path / "site", *m)
    assert (tmp_path / "site" / "model.js").stat().st_size > 0
    for name in made:
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.parametrize("which", ["renamed", "toy"])
def test_explorer_runs_on_another_model(which, renamed):
    import json

    pytest.importorskip("anywidget")

    from pathway.widgets import explore
    m = load_model(renamed if which == "renamed" else TOY)
    data = json.loads(explore(m).data)
    assert {n["id"] for n in data["nodes"]} == set(m.node_ids)
    assert data["roles"]["primary"] == m.primary


def test_no_default_model_name_is_a_literal_in_the_package(model):
    """The same check as the project's before-stop hook: no quoted node id, drug,
    scenario or branch name of any shipped model in pathway/."""
    names = set()
    for path in (ROOT / "models").glob("*.toml"):
        m = load_model(path)
        names |= set(m.node_ids) | set(m.branches) | set(m.scenarios)
    names = {n for n in names if len(n) > 2}
    # The trial files' own vocabulary (what a trial's control arm received: "saline",
    # "midazolam", ...) is a schema of models/trials, read by pathway/trials.py; it names no
    # node of a model, even where a model happens to give a node the same id.
    from pathway.trials import COMPARATORS
    schema = {"trials.py": set(COMPARATORS)}
    hits = []
    # the course's exercise bank is course content written about the shipped models, as the
    # notebooks are (it lived beside them until the course moved its answers out of reach)
    for py in sorted(set((ROOT / "pathway").glob("*.py")) - {ROOT / "pathway" / "course_bank.py"}):
        for i, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            for n in names - schema.get(py.name, set()):
                if re.search(rf"[\"']{re.escape(n)}[\"']", line):
                    hits.append(f"{py.name}:{i}: {n}")
    assert not hits, hits


@pytest.mark.parametrize("hypotheses", [(), ("opioid",), ("hnk", "opioid")])
def test_explain_lists_exactly_the_terms_that_run(model, hypotheses):
    for h in hypotheses:
        model = set_hypothesis(model, h, True)
    system = compile_model(model)
    active = {e.index for e in model.active_edges() if e.effect != "metabolised-to"}
    assert {t.edge.index for t in system.terms} == active
    for node in system.node_ids:
        text = explain(model, node, system)
        listed = {int(i) for i in re.findall(r"^    edge\[(\d+)\]", text, flags=re.MULTILINE)}
        expected = {e.index for e in model.active_edges()
                    if e.target == node and e.effect != "metabolised-to"}
        assert listed == expected, (node, text)


def test_parameter_uses_come_from_the_compiler(model):
    uses = compile_model(model).param_uses
    assert {u.array for u in uses["spine_lifetime"]} == {"tau_fall"}
    assert {u.array for u in uses["baseline_spines"]} == {"baseline", "e_par"}
    assert {u.array for u in uses["body_weight"]} == {"dose"}
    assert {u.array for u in uses["expectancy_clearance"]} == {"pk"}
    # every knob of the file turns something (with every hypothesis on): no dead parameters. The equations use
    # all but those that act between people (the spread of a population variation) or on a trial's population
    # (the trial map's factors), and those two are used where they belong
    from pathway.objects import ParamRef
    from pathway.trialsim import load_trialmap
    for h in model.hypotheses:
        model = set_hypothesis(model, h, True)
    spreads = {v.spread.name for v in model.population.variations if isinstance(v.spread, ParamRef)}
    factors = {f for entry in load_trialmap(model).populations.values() for f in entry["scale"].values()}
    assert spreads == {"relief_spread"} and factors == {"older_adult_factor", "nonresistant_placebo_factor"}
    spec = model.population                  # how a rating finds a person: read when rates are counted
    rating = {v.name for v in (spec.noise, spec.course_spread, spec.course_time) if isinstance(v, ParamRef)}
    assert rating == {"rating_noise", "course_spread", "course_time"}
    assert set(compile_model(model).param_uses) == set(model.parameters) - spreads - factors - rating


def test_population_body_weight_changes_plasma_levels(model, tmp_path):
    text = default_model_path().read_text() + (
        '\n[population.vary.body_weight]\ndistribution = "normal"\nsd = 15\n'
        'why = "People differ in weight."\ncitations = ["kamp2020"]\n')
    varied = pathway.loads_model(text, "weights.toml")
    from pathway.population import simulate_population
    drug = model.roles.showcase[0]
    first = model.scenario(drug).doses[0].drug
    pop = simulate_population(varied, drug, n=200, seed=4, times_h=[40 / 60, 24.0],
                              outputs=[first])
    weight, peak = pop.values["body_weight"], pop.extra[first][:, 0]
    assert weight.std() > 5
    # a mg/kg infusion: the end-of-infusion level is in proportion to body weight
    np.testing.assert_allclose(peak / weight, peak[0] / weight[0], rtol=1e-3)


def test_interventions_stay_with_a_scenario_taken_earlier(model):
    from pathway.scenarios import apply_intervention
    scenario = model.scenario("ketamine-iv")            # taken before the intervention
    blocked = apply_intervention(model, "naltrexone")
    traj = simulate(blocked, scenario, days=1)
    assert traj["naltrexone"].max() > 1.0


def test_trajectory_to_pandas_and_version(model):
    frame = simulate(model, "ketamine-iv", days=1).to_pandas()
    assert frame.index.name == "time_h" and model.primary in frame.columns
    assert re.match(r"^\d+\.\d+", pathway.__version__)


def test_cli_runs_as_a_module_with_the_toy_model():
    done = subprocess.run([sys.executable, "-m", "pathway", "simulate", "--model", str(TOY),
                           "--scenario", "slow-course", "--days", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.splitlines()[1].startswith("time_h,")


def test_a_population_spread_can_be_a_parameter_and_bounds_each_person(model):
    """relief_half_drive's spread between people is the calibrated parameter relief_spread: moving it moves
    the draws; each person is bounded by the variation's own `within`, not by the range of the typical value
    (which would clip the hardest to treat)."""
    from pathway.modelfile import set_parameter
    from pathway.population import _draw
    var = next(v for v in model.population.variations if v.parameter == "relief_half_drive")
    p = model.parameters["relief_half_drive"]
    assert var.within is not None and var.within[0] < p.low and var.within[1] > p.high
    _, wide = _draw(model, 4000, np.random.default_rng(1))
    x = wide["relief_half_drive"]
    assert x.max() > p.high                      # people beyond the typical value's range are kept
    assert np.std(np.log(x)) == pytest.approx(model.parameters["relief_spread"].value, rel=0.05)
    narrow = set_parameter(model, "relief_spread", model.parameters["relief_spread"].low)
    _, tight = _draw(narrow, 4000, np.random.default_rng(1))
    assert np.std(np.log(tight["relief_half_drive"])) == pytest.approx(narrow.parameters["relief_spread"].value,
                                                                      rel=0.05)


@pytest.mark.parametrize("within, words", [
    ("[1.0, 2.0]", "must hold the parameter's range"),
    ("[5.0, 1.0]", "two numbers, low < high"),
    ("\"wide\"", "two numbers, low < high"),
    ("[0.0, 1000.0]", "above zero for a lognormal"),
])
def test_a_bad_within_is_refused_with_a_hint(within, words):
    from pathway.errors import PathwayError
    text = default_model_path().read_text().replace("within = [0.01, 1000.0]", f"within = {within}", 1)
    with pytest.raises(PathwayError) as err:
        pathway.loads_model(text, "bad.toml")
    message = str(err.value)
    assert "population.vary.relief_half_drive" in message and words in message and "hint" in message


def test_a_rate_counts_people_as_one_rating_finds_them(model):
    """The population's rating_noise and course are the calibrated parameters rating_noise, course_spread and
    course_time: a rate is the expected share of people a rating puts at or above the line, with the rating's
    error and the course's drift since entry; the people themselves (their relief) do not move."""
    from scipy.stats import norm

    from pathway.modelfile import set_parameter
    from pathway.population import simulate_population
    pop = simulate_population(model, "ketamine-iv", n=400, seed=2, at="24h,7d")
    p = model.parameters
    assert (pop.rating.noise, pop.rating.spread, pop.rating.time_h) == (
        p["rating_noise"].value, p["course_spread"].value, p["course_time"].value)
    level = model.population.response
    sd = np.sqrt(p["rating_noise"].value ** 2
                 + p["course_spread"].value ** 2 * (1 - np.exp(-2 * np.array([24.0, 168.0]) / p["course_time"].value)))
    expected = norm.cdf((pop.outcome - level) / sd).mean(axis=0)
    np.testing.assert_allclose(pop.rates(level), expected, rtol=1e-12)
    assert list(pop.response_rate().values()) == pytest.approx(list(expected), rel=1e-12)
    exact = set_parameter(set_parameter(model, "rating_noise", 0.0), "course_spread", 0.0)
    still = simulate_population(exact, "ketamine-iv", n=400, seed=2, at="24h,7d")
    np.testing.assert_array_equal(still.outcome, pop.outcome)          # the rating moves counts, not people
    np.testing.assert_array_equal(still.rates(level), (pop.outcome >= level).mean(axis=0))
    # a week after one dose few are near the line from above and many from below: the rating adds responders
    assert pop.rates(level)[1] > still.rates(level)[1]


@pytest.mark.parametrize("value, words", [
    ("1.5", "'rating_noise' = 1.5 must lie between 0 and 1"),
    ("-0.1", "'rating_noise' = -0.1 must lie between 0 and 1"),
    ('{ param = "no_such_noise" }', "no_such_noise"),
])
def test_a_bad_rating_noise_is_refused_with_a_hint(value, words):
    from pathway.errors import PathwayError
    text = default_model_path().read_text().replace('rating_noise = { param = "rating_noise" }',
                                                    f"rating_noise = {value}", 1)
    with pytest.raises(PathwayError) as err:
        pathway.loads_model(text, "bad.toml")
    message = str(err.value)
    assert "population" in message and words in message and "hint" in message


@pytest.mark.parametrize("line, words", [
    ('course_time = "0 h"', "course_time"),
    ('course_time = "soon"', "course_time"),
    ("course_spread = 2.0", "'course_spread' = 2.0 must lie between 0 and 1"),
])
def test_a_bad_course_is_refused_with_a_hint(line, words):
    from pathway.errors import PathwayError
    key = line.split(" =")[0]
    text = default_model_path().read_text().replace(f'{key} = {{ param = "{key}" }}', line, 1)
    assert line in text
    with pytest.raises(PathwayError) as err:
        pathway.loads_model(text, "bad.toml")
    message = str(err.value)
    assert "population" in message and words in message and "hint" in message

