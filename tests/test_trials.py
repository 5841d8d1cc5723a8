"""The trials folder (models/trials): every file loads, the set is what the issue asks for, every identifier was
checked, broken files give one readable error, and the PEtab-style tables are complete."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest

from pathway.errors import UsageError
from pathway.trials import (COMPARATORS, Arm, Outcome, Trial, default_trials_dir, load_trial, load_trials,
                            petab_tables)

ROOT = Path(__file__).resolve().parent.parent
TRIALS_DIR = ROOT / "models" / "trials"


@pytest.fixture(scope="module")
def trials():
    return load_trials(TRIALS_DIR)


def test_default_folder_is_the_checkouts_own():
    assert default_trials_dir().resolve() == TRIALS_DIR.resolve()


def test_every_file_loads_and_is_named_by_its_id(trials):
    files = sorted(TRIALS_DIR.glob("*.toml"))
    assert len(files) == len(trials)
    for f in files:
        t = load_trial(f)
        assert isinstance(t, Trial)
        assert f.stem == t.id


def test_at_least_fifteen_trials_in_both_roles(trials):
    assert len(trials) >= 15
    roles = {t.role for t in trials}
    assert roles == {"calibrate", "validate"}
    calibrate = sum(t.role == "calibrate" for t in trials)
    assert 0.25 <= calibrate / len(trials) <= 0.45, "roughly a third should calibrate"


def test_null_trials_and_placebo_arms_in_both_roles(trials):
    for role in ("calibrate", "validate"):
        mine = [t for t in trials if t.role == role]
        assert any(t.result == "null" for t in mine), f"no null trial in {role}"
        assert any(a.kind == "control" and a.outcomes for t in mine for a in t.arms), f"no placebo arm in {role}"
    assert any(t.kind == "pooled-analysis" for t in trials)


def test_the_design_is_data(trials):
    for t in trials:
        assert t.comparator in COMPARATORS
        assert t.treatment_resistant in (True, False, "mixed")
        assert t.arms
        for a in t.arms:
            assert a.doses, f"{t.id}/{a.id} has no dose"
            for d in a.doses:
                assert d.times_h and all(x >= 0 for x in d.times_h)
                assert d.unit in ("mg/kg", "mg")
            if a.n is not None:
                assert isinstance(a.n, int) and a.n > 0
    kinds = {t.comparator for t in trials}
    assert {"saline", "midazolam", "placebo-spray", "placebo-pill", "none"} <= kinds
    backgrounds = {t.background for t in trials}
    assert {"none", "ongoing", "newly-started-oral-antidepressant"} <= backgrounds
    assert {"parallel", "crossover", "single-arm", "pooled"} <= {t.allocation for t in trials}


def test_every_number_has_a_source_and_times_are_hours(trials):
    for t in trials:
        for a in t.arms:
            for o in a.outcomes:
                assert o.source.strip()
                assert math.isfinite(o.time_h) and o.time_h >= 0
                if o.rate is not None:
                    assert 0 <= o.rate <= 1
        for c in t.contrasts:
            assert c.source.strip()
    daly = next(t for t in trials if t.id == "daly2018")
    times = sorted({o.time_h for o in daly.arm("placebo").outcomes})
    assert times == [0.0, 2.0, 24.0, 168.0]
    assert daly.arm("esketamine_56").doses[0].times_h == (0.0, 72.0)
    wade = next(t for t in trials if t.id == "wade2002")
    assert wade.contrasts[0].time_h == 8 * 168
    assert len(wade.arm("escitalopram").doses[0].times_h) == 56


def test_objects_are_frozen(trials):
    t = trials[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.role = "validate"
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.arms[0].n = 3
    assert isinstance(t.arms[0], Arm)
    assert all(isinstance(o, Outcome) for a in t.arms for o in a.outcomes)


def test_every_identifier_is_in_references_verified(trials):
    text = (ROOT / "docs" / "references-verified.md").read_text(encoding="utf-8")
    for t in trials:
        assert t.doi or t.pmid
        if t.doi:
            assert t.doi in text, f"{t.id}: DOI {t.doi} not in docs/references-verified.md"
        if t.pmid:
            assert t.pmid in text, f"{t.id}: PMID {t.pmid} not in docs/references-verified.md"
        assert re.search(rf"\|\s*{re.escape(t.id)}\s*\|", text), f"{t.id} has no row in references-verified.md"


def test_readme_states_the_role_rule_and_lists_every_trial(trials):
    readme = (TRIALS_DIR / "README.md").read_text(encoding="utf-8")
    assert "Roles: the rule" in readme
    for t in trials:
        assert re.search(rf"\|\s*{t.id}\s*\|.*\|\s*{t.role}\s*\|", readme), f"{t.id} missing from the README table"
    # "That makes 7 of 21 calibrate": counted from the files
    calibrate = sum(t.role == "calibrate" for t in trials)
    assert f"That makes {calibrate} of {len(trials)} calibrate" in " ".join(readme.split())


# ----------------------------------------------------------------------------------------- hostile files

BASE = '''
[trial]
id = "mini"
name = "A small trial"
title = "A small trial of ketamine"
journal = "J Test"
year = 2020
doi = "10.1000/test.1"
role = "calibrate"
kind = "rct"
result = "positive"

[population]
treatment_resistant = true
diagnosis = "major depressive disorder"
scale = "MADRS"

[design]
allocation = "parallel"
masking = "double-blind"
randomised = true
comparator = "saline"
background = "none"

[[arms]]
id = "ketamine"
label = "ketamine"
kind = "active"
n = 10
[[arms.doses]]
drug = "ketamine"
route = "iv"
amount = "0.5 mg/kg"
duration = "40 min"
times = ["0 h"]
[[arms.outcomes]]
time = "24 h"
measure = "response"
count = 5
rate = 0.5
source = "Table 2"
[[arms.outcomes]]
time = "24 h"
measure = "change"
mean = -12.0
sd = 8.0
source = "Table 2"

[[arms]]
id = "saline"
label = "saline"
kind = "control"
n = 10
[[arms.doses]]
drug = "saline"
route = "iv"
amount = "0 mg"
times = ["0 h"]
[[arms.outcomes]]
time = "24 h"
measure = "response"
count = 1
rate = 0.1
source = "Table 2"

[[contrasts]]
arms = ["ketamine", "saline"]
time = "24 h"
measure = "difference"
mean = -8.0
se = 2.0
source = "abstract"
'''

# (what is changed, the text to replace, its replacement, words the message must hold)
MUTATIONS = [
    ("unknown key in an outcome", 'mean = -12.0', 'mean = -12.0\nmeen = 3',
     ["arm 'ketamine'", "key 'meen'", "unknown key", "did you mean 'mean'"]),
    ("unknown key in the trial", 'role = "calibrate"', 'role = "calibrate"\nrol = "x"', ["[trial]", "'rol'"]),
    ("unknown table", '[population]', '[populace]\nx = 1\n[population]', ["unknown table 'populace'"]),
    ("age not in years", 'scale = "MADRS"', 'scale = "MADRS"\nmin_age = 650', ["key 'min_age'", "not an age"]),
    ("age a string", 'scale = "MADRS"', 'scale = "MADRS"\nmin_age = "65"', ["min_age"]),
    ("age a boolean", 'scale = "MADRS"', 'scale = "MADRS"\nmin_age = true', ["key 'min_age'"]),
    ("resistance a word", 'treatment_resistant = true', 'treatment_resistant = "some"',
     ["key 'treatment_resistant'", "'some' is not true, false or \"mixed\""]),
    ("resistance a number", 'treatment_resistant = true', 'treatment_resistant = 1',
     ["key 'treatment_resistant'", "write true or false"]),
    ("rate above 1", 'count = 5\nrate = 0.5', 'rate = 1.5', ["arm 'ketamine'", "key 'rate'", "outside [0, 1]"]),
    ("negative rate", 'count = 1\nrate = 0.1', 'rate = -0.1', ["arm 'saline'", "key 'rate'", "outside [0, 1]"]),
    ("count above n", 'count = 5\nrate = 0.5', 'count = 12\nrate = 0.5', ["key 'count'", "more than n = 10"]),
    ("rate and count disagree", 'count = 5\nrate = 0.5', 'count = 5\nrate = 0.7', ["key 'rate'", "count/n"]),
    ("n zero", 'kind = "active"\nn = 10', 'kind = "active"\nn = 0', ["arm 'ketamine'", "key 'n'", "positive"]),
    ("n negative", 'kind = "control"\nn = 10', 'kind = "control"\nn = -4', ["arm 'saline'", "key 'n'"]),
    ("n fractional", 'kind = "active"\nn = 10', 'kind = "active"\nn = 10.5', ["key 'n'", "whole number"]),
    ("n a string", 'kind = "active"\nn = 10', 'kind = "active"\nn = "ten"', ["key 'n'", "whole number"]),
    ("n a boolean", 'kind = "active"\nn = 10', 'kind = "active"\nn = true', ["key 'n'"]),
    ("time without unit (string)", 'time = "24 h"\nmeasure = "change"', 'time = "24"\nmeasure = "change"',
     ["key 'time'", "has no unit", "hint:"]),
    ("time without unit (number)", 'time = "24 h"\nmeasure = "change"', 'time = 24\nmeasure = "change"',
     ["arm 'ketamine'", "key 'time'", "has no unit"]),
    ("unknown time unit", 'time = "24 h"\nmeasure = "change"', 'time = "24 hrs"\nmeasure = "change"',
     ["key 'time'", "'hrs' is not a time unit"]),
    ("negative time", 'time = "24 h"\nmeasure = "change"', 'time = "-2 h"\nmeasure = "change"', ["key 'time'"]),
    ("dose time without unit", 'times = ["0 h"]\n[[arms.outcomes]]', 'times = [0]\n[[arms.outcomes]]',
     ["key 'times[0]'", "no unit"]),
    ("dose without unit", 'amount = "0.5 mg/kg"', 'amount = "0.5"', ["key 'amount'", "dose"]),
    ("dose as a number", 'amount = "0.5 mg/kg"', 'amount = 0.5', ["key 'amount'", "has no unit"]),
    ("unknown dose unit", 'amount = "0.5 mg/kg"', 'amount = "0.5 g/kg"', ["key 'amount'", "not a dose unit"]),
    ("dose without times", 'duration = "40 min"\ntimes = ["0 h"]', 'duration = "40 min"', ["has no times"]),
    ("outcome without source", 'mean = -12.0\nsd = 8.0\nsource = "Table 2"', 'mean = -12.0\nsd = 8.0',
     ["arm 'ketamine'", "key 'source' is missing"]),
    ("outcome with empty source", 'sd = 8.0\nsource = "Table 2"', 'sd = 8.0\nsource = "  "',
     ["key 'source'", "empty"]),
    ("contrast without source", 'se = 2.0\nsource = "abstract"', 'se = 2.0', ["contrast 1", "'source'"]),
    ("year as a string", 'year = 2020', 'year = "2020"', ["[trial], key 'year'", "is text, not a whole number"]),
    ("bad role", 'role = "calibrate"', 'role = "calibration"', ["key 'role'", "did you mean 'calibrate'"]),
    ("bad measure", 'measure = "change"', 'measure = "changes"', ["key 'measure'", "did you mean 'change'"]),
    ("bad scale", 'scale = "MADRS"', 'scale = "MADRAS"', ["[population]", "key 'scale'"]),
    ("bad comparator", 'comparator = "saline"', 'comparator = "water"', ["key 'comparator'"]),
    ("bad route", 'route = "iv"\namount = "0.5', 'route = "vein"\namount = "0.5', ["key 'route'"]),
    ("id differs from file", 'id = "mini"', 'id = "other"', ["differs from the file name"]),
    ("no identifier", 'doi = "10.1000/test.1"', '', ["neither 'doi' nor 'pmid'"]),
    ("pmid as a number", 'doi = "10.1000/test.1"', 'pmid = 12345678', ["key 'pmid'", "string"]),
    ("contrast names a missing arm", 'arms = ["ketamine", "saline"]', 'arms = ["ketamine", "placebo"]',
     ["contrast 1", "there is no arm 'placebo'"]),
    ("reversed interval", 'se = 2.0\nsource = "abstract"', 'ci = [1.0, -3.0]\nsource = "abstract"',
     ["key 'ci'", "low <= high"]),
    ("mean on a rate", 'count = 1\nrate = 0.1', 'count = 1\nrate = 0.1\nmean = 3.0', ["a response rate has no 'mean'"]),
    ("rate on a change", 'mean = -12.0\nsd = 8.0', 'mean = -12.0\nsd = 8.0\nrate = 0.5', ["has no 'rate'"]),
    ("not a number", 'mean = -12.0', 'mean = nan', ["key 'mean'", "finite"]),
    ("negative sd", 'sd = 8.0', 'sd = -8.0', ["key 'sd'", "negative"]),
    ("missing population", '[population]\ntreatment_resistant = true\ndiagnosis = "major depressive disorder"\n'
     'scale = "MADRS"\n', '', ["[population] table is missing"]),
    ("arms not a list of tables", '[[arms]]\nid = "ketamine"', '[[arms]]\nid = 5', ["key 'id'"]),
    ("two arms with one id", 'id = "saline"', 'id = "ketamine"', ["two arms have this id"]),
]


@pytest.mark.parametrize("what,old,new,words", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutated_file_gives_one_clear_error(tmp_path, what, old, new, words):
    assert old in BASE, f"mutation '{what}' does not apply"
    path = tmp_path / "mini.toml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_trial(path)
    message = str(info.value)
    assert str(path) in message
    assert "hint:" in message
    if "id differs" not in what and "table is missing" not in " ".join(words):
        assert "trial 'mini'" in message or "trial 'other'" in message
    for w in words:
        assert w in message, f"{what}: {w!r} not in\n{message}"
    assert "Traceback" not in message


def test_the_base_file_itself_is_valid(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(BASE, encoding="utf-8")
    t = load_trial(path)
    assert t.arm("ketamine").outcomes[0].time_h == 24.0
    assert t.min_age is None
    path.write_text(BASE.replace('scale = "MADRS"', 'scale = "MADRS"\nmin_age = 65', 1), encoding="utf-8")
    assert load_trial(path).min_age == 65.0
    assert t.arm("ketamine").doses[0].duration_h == pytest.approx(40 / 60)
    with pytest.raises(UsageError, match="did you mean 'saline'"):
        t.arm("salin")


GARBAGE = [b"", b"\x00\x01\xff\xfe binary", b"[trial\nid = ", b"[[trial]]\nid='x'", b"trial = 3",
           b"[trial]\nid = 'mini'\n", "[trial]\nid = \"mini\"\nname = \"\u00e9\"".encode()]


@pytest.mark.parametrize("content", GARBAGE)
def test_garbage_gives_a_usage_error(tmp_path, content):
    path = tmp_path / "mini.toml"
    path.write_bytes(content)
    with pytest.raises(UsageError) as info:
        load_trial(path)
    assert str(path) in str(info.value) and "hint:" in str(info.value)


def test_folder_errors(tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        load_trials(tmp_path / "missing")
    with pytest.raises(UsageError, match="has no trial files"):
        load_trials(tmp_path)
    with pytest.raises(UsageError, match="cannot read"):
        load_trial(tmp_path / "absent.toml")


# ----------------------------------------------------------------------------------------- PEtab tables

def test_petab_tables_have_the_columns_and_no_gaps(trials):
    tables = petab_tables(trials)
    m, c, obs = tables["measurement"], tables["condition"], tables["observable"]
    for col in ("observableId", "simulationConditionId", "time", "measurement", "noiseParameters"):
        assert col in m.columns
        assert not m[col].isna().any(), f"measurement column {col} has a gap"
    assert {"conditionId", "conditionName", "drugs", "routes", "doses", "doseTimes_h", "comparator", "background",
            "allocation", "masking", "maskedBy", "n", "role"} <= set(c.columns)
    assert set(c.loc[c["trialId"] == "lii2023", "maskedBy"]) == {"general anaesthesia"}
    # a stay in hospital is part of the condition: hours from the first dose, empty for outpatients
    assert set(c.loc[c["trialId"] == "ionescu2021", "hospitalStay_h"]) == {120.0}
    assert c.loc[c["trialId"] == "daly2018", "hospitalStay_h"].isna().all()
    for col in ("conditionId", "drugs", "routes", "doses", "doseTimes_h", "comparator", "background"):
        assert not c[col].isna().any(), f"condition column {col} has a gap"
    assert set(m["simulationConditionId"]) <= set(c["conditionId"])
    assert set(m["observableId"]) == set(obs["observableId"])
    assert (m["time"] >= 0).all()
    noise = m["noiseParameters"]
    for v in noise:
        assert (isinstance(v, str) and v.startswith("sigma_")) or (isinstance(v, float) and v > 0)
    assert len(m) == sum(len(a.outcomes) for t in trials for a in t.arms)
    assert len(tables["contrast"]) == sum(len(t.contrasts) for t in trials)


def test_petab_role_filter(trials):
    cal = petab_tables(trials, role="calibrate")["measurement"]
    val = petab_tables(trials, role="validate")["measurement"]
    ids = {t.id: t.role for t in trials}
    assert cal["datasetId"].map(ids).eq("calibrate").all()
    assert val["datasetId"].map(ids).eq("validate").all()
    assert len(cal) + len(val) == len(petab_tables(trials)["measurement"])


def test_a_rate_without_its_own_n_is_weighed_by_its_arms_n(trials):
    """The table's noise is the standard error of the interval the report judges by: a rate that gives no n
    of its own takes the arm's (it used to fall back to a placeholder sigma while the report judged it)."""
    from pathway.trials import Z95, wilson
    m = petab_tables(trials)["measurement"]
    seen = 0
    for t in trials:
        for a in t.arms:
            for o in a.outcomes:
                if o.measure != "response" or o.n or o.ci is not None or not a.n:
                    continue
                (noise,) = m.loc[(m["simulationConditionId"] == f"{t.id}__{a.id}") & (m["time"] == o.time_h)
                                 & (m["observableId"] == "response_rate"), "noiseParameters"]
                lo, hi = wilson(o.rate, a.n)
                assert noise == pytest.approx((hi - lo) / (2 * Z95))
                seen += 1
    assert seen > 0


# ------------------------------------------------------------------------------ pathway export --format petab

def test_export_petab_writes_the_tables_and_the_parameters(tmp_path, capsys):
    import pandas as pd

    from pathway.cli import main
    from pathway.modelfile import load_model
    from pathway.petabexport import FILES
    model = load_model()
    out = tmp_path / "petab"
    assert main(["export", "--format", "petab", "--out", str(out)]) == 0
    assert "wrote 6 files" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    read = {name: pd.read_csv(out / name, sep="\t") for name in FILES if name.endswith(".tsv")}
    params = read["parameters.tsv"].set_index("parameterName")
    assert list(params.index) == list(model.parameters)
    calibrated = [n for n, p in model.parameters.items() if p.calibrated]
    assert sorted(params.index[params["estimate"] == 1]) == sorted(calibrated)
    for name, p in model.parameters.items():
        row = params.loc[name]
        assert row["parameterId"] == f"par_{name}"
        assert row["lowerBound"] <= row["nominalValue"] <= row["upperBound"]
        assert row["nominalValue"] == pytest.approx(p.value, rel=1e-9)
    for name in calibrated:          # the ensemble's members stay within the bounds and around the fit
        row = params.loc[name]
        assert row["lowerBound"] <= row["ensembleLow"] <= row["ensembleHigh"] <= row["upperBound"]
    assert len(read["measurements.tsv"]) == len(petab_tables(load_trials())["measurement"])
    observables = read["observables.tsv"]
    assert not observables[["observableId", "measure", "description"]].isna().any().any()
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert f"{len(calibrated)} with estimate 1" in readme and "not a problem a PEtab tool can simulate" in readme


def test_export_petab_tables_pass_the_petab_librarys_checks(tmp_path):
    """The parameter, measurement and condition tables pass the PEtab library's own table checks (the observable
    table has no formulas: the README says why, so it is not a PEtab observable table)."""
    pv = pytest.importorskip("petab.v1")
    from pathway.modelfile import load_model
    from pathway.petabexport import write_petab
    write_petab(load_model(), tmp_path / "petab")
    parameters = pv.get_parameter_df(str(tmp_path / "petab" / "parameters.tsv"))
    measurements = pv.get_measurement_df(str(tmp_path / "petab" / "measurements.tsv"))
    conditions = pv.get_condition_df(str(tmp_path / "petab" / "conditions.tsv"))
    pv.lint.check_parameter_df(parameters, measurement_df=measurements, condition_df=conditions)
    pv.lint.check_measurement_df(measurements)
    pv.lint.check_condition_df(conditions)


def test_export_petab_ids_are_the_sbml_exports(tmp_path):
    pytest.importorskip("libsbml")
    from pathway.modelfile import load_model
    from pathway.petabexport import parameter_table
    from pathway.sbml import export_sbml
    from pathway.scenarios import showcase_pair
    model = load_model()
    text = export_sbml(model, showcase_pair(model)[0])
    for pid in parameter_table(model)["parameterId"]:
        assert f'id="{pid}"' in text, pid


def test_export_petab_without_a_matching_ensemble_leaves_its_columns_empty(tmp_path):
    from pathway.modelfile import load_model, set_parameter
    from pathway.petabexport import write_petab
    model = load_model()
    name = next(n for n, p in model.parameters.items() if p.calibrated)
    p = model.parameters[name]
    written = write_petab(set_parameter(model, name, (p.low + p.value) / 2), tmp_path / "petab")
    import pandas as pd
    params = pd.read_csv(tmp_path / "petab" / "parameters.tsv", sep="\t")
    assert params["ensembleLow"].isna().all() and params["ensembleHigh"].isna().all()
    assert "does not match this model file" in written[-1].read_text(encoding="utf-8")


@pytest.mark.parametrize("argv, text", [
    (["--out", "-"], "cannot go to standard output"),
    (["--out", "{tmp}/file.tsv"], "names a file"),
    (["--out", "{tmp}/k.xml"], "names a file"),
    (["--out", "{tmp}/absent/petab"], "does not exist"),
    (["--out", "{tmp}/petab", "--scenario", "ssri"], "--scenario applies only"),
    (["--out", "{tmp}/petab", "--days", "3"], "--days applies only"),
])
def test_export_petab_refuses_with_a_hint(tmp_path, capsys, argv, text):
    from pathway.cli import main
    (tmp_path / "file.tsv").write_text("mine\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["export", "--format", "petab"] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and text in err and "hint:" in err
    assert (tmp_path / "file.tsv").read_text() == "mine\n"


def test_the_readme_says_two_trials_of_one_design_differ_beyond_their_intervals(trials):
    """'39% and 52% of their placebo-spray arms responded at day 28, each outside the other's interval':
    computed from the two trial files (the same design: esketamine or placebo spray twice a week beside a new
    oral antidepressant, adults under 65)."""
    from pathway.trialsim import _outcome_interval
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    by_id = {t.id: t for t in trials}
    got = []
    for tid in ("fedgchin2019", "popova2019"):
        t = by_id[tid]
        assert t.comparator == "placebo-spray" and t.background == "newly-started-oral-antidepressant"
        ((o, arm),) = [(o, a) for a in t.arms if a.kind == "control" for o in a.outcomes
                       if o.measure == "response" and o.time_h == 27 * 24]
        got.append((o.rate, _outcome_interval(o, arm)))
    (r1, (lo1, hi1)), (r2, (lo2, hi2)) = got
    assert not lo2 <= r1 <= hi2 and not lo1 <= r2 <= hi1
    assert f"yet {round(100 * r1)}% and {round(100 * r2)}% of their placebo-spray arms responded at day 28, " \
           "each outside the other's interval" in readme
    assert {by_id["fedgchin2019"].role, by_id["popova2019"].role} == {"calibrate", "validate"}
