"""The evidence-grade rubric of the model file ([evidence]) and the evidence each edge states.

Broken files are one precise edit of the default model text, as in test_modelfile.py.
"""

from __future__ import annotations

import re

import pytest

from pathway.errors import ModelFileError
from pathway.evidence import GRADE_ORDER, allowed_grade, exceeds, is_rodent, species_label
from pathway.modelfile import default_model_path, load_model, loads_model

SOURCE = "m.toml"
TEXT = default_model_path().read_text(encoding="utf-8")
MODEL = loads_model(TEXT, source=SOURCE)


def edge_block(source: str, target: str, text: str = TEXT) -> tuple[int, int]:
    """Where the [[edges]] table of ``source -> target`` runs in ``text``."""
    anchor = f'[[edges]]\nsource = "{source}"\ntarget = "{target}"\n'
    assert text.count(anchor) == 1, anchor
    start = text.index(anchor)
    nxt = re.compile(r"^\[", re.MULTILINE).search(text, start + len(anchor))
    return start, nxt.start() if nxt else len(text)


def set_in_edge(source: str, target: str, key: str, value: str | None, text: str = TEXT) -> str:
    """Set (or with ``value=None`` remove) ``key`` in one edge's table."""
    start, end = edge_block(source, target, text)
    part = text[start:end]
    line = re.compile(rf"^{re.escape(key)} = .*\n", re.MULTILINE)
    if value is None:
        new = line.sub("", part, count=1)
    elif line.search(part):
        new = line.sub(f"{key} = {value}\n", part, count=1)
    else:
        new = part.replace("\nnote = ", f"\n{key} = {value}\nnote = ", 1)
    assert new != part
    return text[:start] + new + text[end:]


def problems(text: str) -> list[str]:
    with pytest.raises(ModelFileError) as info:
        loads_model(text, source=SOURCE)
    return info.value.problems


def place(source: str, target: str) -> str:
    edge = next(e for e in MODEL.edges if (e.source, e.target) == (source, target))
    return f"edge[{edge.index}] ({source} -> {target})"


def test_the_default_model_has_a_written_rubric_applied_to_every_edge():
    rubric = MODEL.evidence
    assert rubric is not None and len(rubric.description) > 200
    assert set(rubric.grades) == {"strong", "moderate", "preliminary", "contested"}
    assert {r.grade for r in rubric.rules} == {"strong", "moderate"}
    for e in MODEL.edges:
        assert e.species and e.design and e.replicated is not None, e.name
        allowed = allowed_grade(rubric, e.species, e.design, e.replicated, e.participants)
        assert not exceeds(e.grade, allowed), (e.name, e.grade, allowed)


def test_no_rodent_or_cell_evidence_is_graded_strong():
    for e in MODEL.edges:
        if e.species != "human":
            assert e.grade != "strong" or e.design == "receptor pharmacology", e.name


def test_spines_to_relief_rests_on_one_mouse_study_and_cannot_be_moderate():
    spines = next(e for e in MODEL.edges if (e.source, e.target) == ("spines", "relief"))
    assert (spines.species, spines.replicated, spines.grade) == ("mouse", False, "preliminary")
    found = problems(set_in_edge("spines", "relief", "grade", '"moderate"'))
    assert len(found) == 1
    msg = found[0]
    assert msg.startswith(f"{SOURCE}: {place('spines', 'relief')}: graded 'moderate'")
    assert "allows at most 'preliminary'" in msg and "mouse" in msg and "not replicated" in msg
    assert 'hint: set grade = "preliminary"' in msg


def test_rodent_evidence_replicated_earns_moderate_but_never_strong():
    text = set_in_edge("bdnf", "relief", "grade", '"strong"')
    msg = problems(text)[0]
    assert place("bdnf", "relief") in msg and "at most 'moderate'" in msg
    # unreplicated, the same edge may only be preliminary
    msg = problems(set_in_edge("bdnf", "relief", "replicated", "false"))[0]
    assert "at most 'preliminary'" in msg


def test_a_single_human_study_needs_its_size():
    # naltrexone PET: one study of 21 people is moderate; with fewer than 20 it is preliminary
    e = next(e for e in MODEL.edges if e.source == "naltrexone")
    assert (e.grade, e.participants, e.replicated) == ("moderate", 21, False)
    msg = problems(set_in_edge("naltrexone", "opioid_receptor", "participants", "12"))[0]
    assert "at most 'preliminary'" in msg and "12 participants" in msg
    msg = problems(set_in_edge("naltrexone", "opioid_receptor", "participants", None))[0]
    assert "at most 'preliminary'" in msg


def test_contested_and_preliminary_are_always_allowed():
    text = set_in_edge("ssri", "sert", "grade", '"preliminary"')
    text = set_in_edge("spines", "relief", "grade", '"contested"', text)
    grades = {(e.source, e.target): e.grade for e in loads_model(text, source=SOURCE).edges}
    assert grades["ssri", "sert"] == "preliminary" and grades["spines", "relief"] == "contested"


@pytest.mark.parametrize("key", ["species", "design", "replicated"])
def test_a_missing_evidence_field_is_named_with_its_edge(key):
    msg = problems(set_in_edge("mtor", "synaptic_proteins", key, None))[0]
    assert place("mtor", "synaptic_proteins") in msg and f"missing evidence field(s) {key}" in msg
    assert "hint: add species" in msg


def test_a_misspelt_species_or_design_gets_a_suggestion():
    msg = problems(set_in_edge("mtor", "synaptic_proteins", "species", '"rats"'))[0]
    assert "species 'rats' is not one of" in msg and "rat" in msg.split("hint:")[1]
    msg = problems(set_in_edge("mtor", "synaptic_proteins", "design", '"RCT"'))[0]
    assert "design 'RCT' is not one of" in msg


def test_participants_count_people_only():
    msg = problems(set_in_edge("mtor", "synaptic_proteins", "participants", "30"))[0]
    assert "'participants' counts people, but species is 'rat'" in msg


def test_a_broken_rule_is_named():
    old = 'designs = ["mechanistic experiment", "receptor pharmacology"]'
    assert TEXT.count(old) == 1
    msg = problems(TEXT.replace(old, 'designs = ["mechanistic experiments"]'))
    assert any("evidence.rules[4]: designs: 'mechanistic experiments' is not one of" in m for m in msg)
    msg = problems(TEXT.replace('moderate = "One adequate', 'moderat = "One adequate'))
    assert any("no text for the grade 'moderate'" in m for m in msg)


def test_a_model_without_a_rubric_needs_no_evidence_fields():
    toy = load_model(default_model_path().parent / "toy.toml")
    assert toy.evidence is None and all(e.species == "" for e in toy.edges)


def test_rodent_labels():
    assert species_label("mouse") == "rodent (mouse)" and is_rodent("rat")
    assert not is_rodent("human") and species_label("in vitro") == "in vitro"
    rodent = [e for e in MODEL.edges if is_rodent(e.species)]
    assert len(rodent) >= 15
    assert GRADE_ORDER[0] == "strong"


def test_bdnf_to_relief_cites_bdnf_evidence_and_says_what_the_meta_analysis_is_for():
    e = next(e for e in MODEL.edges if (e.source, e.target) == ("bdnf", "relief"))
    assert {"autry2011", "lepack2015"} <= set(e.citations)
    assert "measured no BDNF" in e.note and "rodent" in e.note.lower()


# ---------------------------------------------------------------- where users read it

def test_explain_marks_a_rodent_step():
    from pathway.compile import explain
    text = explain(MODEL, "relief")
    line = next(ln for ln in text.splitlines() if "spines -> relief" in ln)
    assert "(preliminary, rodent data only (mouse))" in line
    human = next(ln for ln in text.splitlines() if "expectation -> relief" in ln)
    assert "human data" in human and "rodent" not in human


def test_the_explorer_data_carries_the_species():
    from pathway.webexport import export_model
    data = export_model(MODEL)
    by = {(e["source"], e["target"]): e for e in data["edges"]}
    assert by["spines", "relief"]["rodent"] is True
    assert by["spines", "relief"]["evidence"] == "rodent data only (mouse)"
    assert by["expectation", "relief"]["rodent"] is False


def test_the_graph_figure_key_counts_the_rodent_arrows():
    import matplotlib
    matplotlib.use("Agg")
    from pathway.graph import to_graph
    from pathway.plotting import draw_pathway
    ax = draw_pathway(to_graph(MODEL))
    rodent = sum(1 for e in MODEL.edges if is_rodent(e.species))
    texts = [" ".join(t.get_text().split()) for t in ax.get_legend().get_texts()]    # the entry wraps
    assert f"rodent data only: {rodent} of {len(MODEL.edges)} arrows (see pathway explain)" in texts
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


def test_lecture_notes_mark_rodent_studies():
    from pathway.evidence import source_line
    assert source_line(MODEL.references["modasava2019"], "modasava2019", MODEL.evidence).endswith(
        "[rodent study]")
    assert not source_line(MODEL.references["dean2021"], "dean2021", MODEL.evidence).endswith("]")
    assert source_line("X", "modasava2019", None) == "X"


def test_every_rodent_edge_cites_a_rodent_study():
    msg = problems(set_in_edge("spines", "relief", "citations", '["dean2021"]'))
    assert any("none of its citations is in [evidence] rodent_studies" in m for m in msg)


# ---------------------------------------------------------------- the opioid question

def _naltrexone_share(model, opioid):
    from pathway import course, set_hypothesis
    from pathway.scenarios import apply_intervention
    m = set_hypothesis(model, "opioid", opioid)
    with_ntx = course.value_at(apply_intervention(m, "naltrexone"), "ketamine-iv", "24 h", effect=True)
    return with_ntx / course.value_at(m, "ketamine-iv", "24 h", effect=True)


def test_the_opioid_studies_are_stated_with_their_sizes_and_designs():
    hyp = MODEL.hypotheses["opioid"].description
    for words in ("12 completers", "stopped early", "5 people", "open-label", "depot", "Yoon 2025"):
        assert words in hyp, words
    gate = next(e for e in MODEL.edges if e.hypothesis == "opioid")
    assert "12 completers" in gate.note and "5 people" in gate.note and gate.participants == 12
    assert {"williams2018", "yoon2019", "yoon2025"} <= set(gate.citations)
    yoon = MODEL.experiments["yoon2019-naltrexone"]
    assert "depot" in yoon.finding and "Williams 2018's oral regimen in its place" in yoon.finding


def test_the_opioid_guided_question_says_what_the_model_shows():
    from pathway.webexport import load_site
    item = next(t for t in load_site(load_model())["try"] if "naltrexone" in t.get("interventions", []))
    assert item["hypotheses"] == ["opioid"]
    assert "12 people" in item["answer"] and "5 people" in item["answer"]
    # what the answer claims, in the model: most of the drug effect gone with the hypothesis on, none without
    assert _naltrexone_share(MODEL, True) < 0.5
    assert _naltrexone_share(MODEL, False) == pytest.approx(1.0, abs=0.01)


def test_the_opioid_exercise_gets_not_yet_for_the_hypothesis_off(monkeypatch, tmp_path):
    from pathway import course
    monkeypatch.setenv("PATHWAY_COURSE_STATE", str(tmp_path / "tries.json"))
    course.load_bank()
    off = course.check("opioid-share", _naltrexone_share(MODEL, False), quiet=True)
    assert off.startswith("Not yet") and "hypothesis off" in off, off
    assert course.check("opioid-share", _naltrexone_share(MODEL, True), quiet=True).correct
    assert course.check("opioid-quiz-both", "no", quiet=True).correct
    assert not course.check("opioid-quiz-both", "yes", quiet=True).correct


def test_explain_gives_the_opioid_studies_even_with_the_hypothesis_off():
    from pathway.compile import explain
    text = explain(MODEL, "mtor")
    assert "hypothesis 'opioid' is off" in text
    assert "12 completers" in text and "5 people" in text and "open-label" in text
    on = explain(set_hypothesis_on(MODEL, "opioid"), "mtor")
    gate = next(ln for ln in on.splitlines() if "opioid_receptor -> mtor" in ln)
    assert "contested, human data" in gate and "stopped early" in gate


def set_hypothesis_on(model, name):
    from pathway import set_hypothesis
    return set_hypothesis(model, name, True)


def test_evidence_fields_without_a_rubric_are_refused():
    start = TEXT.index("# ---------------------------------------------------------------- evidence")
    end = TEXT.index("# ---------------------------------------------------------------- edges")
    msg = problems(TEXT[:start] + TEXT[end:])
    assert msg and all("without an [evidence] rubric" in m for m in msg)
    assert any(m.startswith(f"{SOURCE}: {place('spines', 'relief')}: design, replicated, species") for m in msg)
