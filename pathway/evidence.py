"""The evidence-grade rubric: what an edge's grade requires, and which species its evidence is from.

A model file may carry an ``[evidence]`` table: a written rubric whose ``[[evidence.rules]]`` say, for the grades
"strong" and "moderate", which species, which study designs, whether replication and how many participants earn
them. With a rubric, every edge states the evidence it rests on (``species``, ``design``, ``replicated`` and, for
human data, ``participants``) and the model checker refuses an edge graded above what the rubric allows
(:func:`allowed_grade`). "preliminary" is always allowed; so is "contested", which says the evidence conflicts,
whatever its strength.

The species also labels the steps users read: :func:`species_label` gives "rodent (mouse)" and the like, used by
the explorer, ``pathway explain``, the graph figure's key and the lecture notes.
"""

from __future__ import annotations

from dataclasses import dataclass

#: what an edge's evidence comes from ("none": a model assumption with no data of its own)
SPECIES = ("human", "non-human primate", "mouse", "rat", "mouse and rat", "in vitro", "none")
#: the species that are rodents, and how users read each
RODENT_SPECIES = {"mouse": "mouse", "rat": "rat", "mouse and rat": "mouse and rat"}
#: how the evidence was gathered
DESIGNS = ("randomised trial", "meta-analysis", "open-label", "observational", "human measurement",
           "receptor pharmacology", "mechanistic experiment", "assumption")
#: the grades a rule may grant (the others are always allowed)
RULE_GRADES = ("strong", "moderate")
#: strongest first
GRADE_ORDER = ("strong", "moderate", "preliminary")


@dataclass(frozen=True)
class EvidenceRule:
    """One way to earn a grade: evidence from one of ``species``, by one of ``designs``, replicated if
    ``replicated``, with at least ``min_participants`` people (0: no size needed)."""

    grade: str
    species: tuple[str, ...]
    designs: tuple[str, ...]
    replicated: bool = False
    min_participants: int = 0
    why: str = ""

    def admits(self, species: str, design: str, replicated: bool, participants: int | None) -> bool:
        """Whether evidence of this kind meets the rule."""
        return (species in self.species and design in self.designs
                and (replicated or not self.replicated)
                and (participants or 0) >= self.min_participants)

    def describe(self) -> str:
        """The rule in one line, for messages and the explorer."""
        parts = [" or ".join(self.species) + " evidence", "from a " + " or ".join(self.designs)]
        if self.replicated:
            parts.append("replicated by an independent group")
        if self.min_participants:
            parts.append(f"at least {self.min_participants} participants")
        return f"{self.grade}: " + ", ".join(parts)


@dataclass(frozen=True)
class Rubric:
    """The model file's ``[evidence]`` table."""

    description: str
    rules: tuple[EvidenceRule, ...]
    grades: dict[str, str]      # grade -> what it means, in words
    #: reference keys of the studies done in mice or rats (labelled where sources are listed)
    rodent_studies: tuple[str, ...] = ()


def allowed_grade(rubric: Rubric, species: str, design: str, replicated: bool,
                  participants: int | None) -> str:
    """The strongest grade the rubric allows for this evidence ("preliminary" if no rule admits it).

    >>> r = Rubric("", (EvidenceRule("moderate", ("mouse",), ("mechanistic experiment",), True),), {})
    >>> allowed_grade(r, "mouse", "mechanistic experiment", False, None)
    'preliminary'
    >>> allowed_grade(r, "mouse", "mechanistic experiment", True, None)
    'moderate'
    """
    granted = [rule.grade for rule in rubric.rules
               if rule.admits(species, design, replicated, participants)]
    for grade in GRADE_ORDER:
        if grade in granted:
            return grade
    return "preliminary"


def exceeds(grade: str, allowed: str) -> bool:
    """Whether ``grade`` claims more than ``allowed`` ("contested" never does)."""
    if grade not in GRADE_ORDER:
        return False
    return GRADE_ORDER.index(grade) < GRADE_ORDER.index(allowed)


def is_rodent(species: str) -> bool:
    """Whether evidence from ``species`` is rodent data."""
    return species in RODENT_SPECIES


def species_label(species: str) -> str:
    """What users read beside a step: "rodent (mouse)", "human", "in vitro", "assumption" ...; "" if unknown.

    >>> species_label("mouse and rat"), species_label("human"), species_label("none")
    ('rodent (mouse and rat)', 'human', 'model assumption')
    """
    if species in RODENT_SPECIES:
        return f"rodent ({RODENT_SPECIES[species]})"
    if species == "none":
        return "model assumption"
    return species


def source_line(reference: str, key: str, rubric: Rubric | None) -> str:
    """A reference as a list of sources shows it, with "[rodent study]" after a study in mice or rats."""
    return f"{reference} [rodent study]" if rubric is not None and key in rubric.rodent_studies \
        else reference


def evidence_phrase(species: str) -> str:
    """How the details of a step say what its evidence is from; "" if the model file does not say.

    >>> evidence_phrase("rat"), evidence_phrase("human"), evidence_phrase("none")
    ('rodent data only (rat)', 'human data', 'a model assumption')
    """
    if species in RODENT_SPECIES:
        return f"rodent data only ({RODENT_SPECIES[species]})"
    return {"human": "human data", "non-human primate": "non-human primate data only",
            "in vitro": "in vitro (cell) data only", "none": "a model assumption"}.get(species, "")


__all__ = ["DESIGNS", "GRADE_ORDER", "RODENT_SPECIES", "RULE_GRADES", "SPECIES", "EvidenceRule", "Rubric",
           "allowed_grade", "evidence_phrase", "exceeds", "is_rodent", "source_line", "species_label"]
