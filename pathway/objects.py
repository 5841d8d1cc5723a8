"""The frozen objects a model file becomes: :class:`Model` and its parts.

Change a model with the pure functions of :mod:`pathway.transforms`, which return
a new one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import equations as _equations
from .errors import UsageError, suggest
from .evidence import Rubric
from .units import format_quantity

KINDS = ("drug", "receptor", "cell", "transmitter", "signal", "structure", "readout")
EFFECTS = ("activates", "inhibits", "metabolised-to")
GRADES = ("strong", "moderate", "preliminary", "contested")
RESPONSES = tuple(r.name for r in _equations.RESPONSES)
SIGNALS = tuple(k.name for k in _equations.SIGNALS)
#: where an edge key of a signal's parameter lands on the Edge (the node keys are
#: the Node's own field names)
EDGE_FIELD = {"ec50": "ec50_ng_ml", "hill": "hill"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class ParamRef:
    """A field that takes its value from ``[parameters.<name>]``."""

    name: str


Value = float | ParamRef


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str
    branch: str
    tau_rise_h: Value | None = None
    tau_fall_h: Value | None = None
    baseline: Value = 1.0
    response: str = "product"
    maximum: Value = 1.0
    half: Value = 1.0
    hill: Value = 1.0
    description: str = ""
    caption: str = ""
    short_label: str = ""


@dataclass(frozen=True)
class Edge:
    index: int
    source: str
    target: str
    effect: str
    grade: str
    citations: tuple[str, ...]
    strength: Value = 1.0
    ec50_ng_ml: Value | None = None
    hill: Value = 1.0
    fraction: Value = 0.0
    hypothesis: str | None = None
    note: str = ""
    signal: str = ""          # the kind of signal (pathway.equations.SIGNALS); "" for metabolism
    #: the evidence the edge rests on (pathway.evidence): "" / None where the model file has no rubric
    species: str = ""
    design: str = ""
    replicated: bool | None = None
    participants: int | None = None

    @property
    def name(self) -> str:
        arrow = {"activates": "->", "inhibits": "-|", "metabolised-to": "=>"}[self.effect]
        return f"{self.source} {arrow} {self.target}"


@dataclass(frozen=True)
class Route:
    name: str
    bioavailability: Value = 1.0
    absorption_half_life_h: Value | None = None
    expectancy: Value = 0.0      # amount added to the model's expectancy store per administration


@dataclass(frozen=True)
class Drug:
    id: str
    clearance_l_h: Value
    volume_l: Value
    peripheral: tuple[tuple[Value, Value], ...] = ()   # (volume L, flow L/h)
    routes: dict[str, Route] = field(default_factory=dict)
    citations: tuple[str, ...] = ()
    color: str = ""              # line colour of an arm given this drug (light theme)
    color_dark: str = ""         # the same on a dark background ("" = same as color)


@dataclass(frozen=True)
class Branch:
    """A branch of the pathway: a band of the figure, or (``row`` None) nodes that
    sit in the band of the first branch they feed."""

    name: str
    title: str = ""
    row: float | None = None


@dataclass(frozen=True)
class Roles:
    """What the model's nodes and parameters are for; code asks these, never ids.

    ``primary`` is the main outcome (a readout node), ``side_effects`` and
    ``outcomes`` the other readouts; ``body_weight`` the parameter that mg/kg
    doses use; ``expectancy`` the drug node that stores the placebo response;
    ``inert`` the drug that stands in for a study drug in a placebo arm.
    """

    primary: str
    side_effects: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    body_weight: str | None = None
    expectancy: str | None = None
    inert: str | None = None
    showcase: tuple[str, ...] = ()   # the scenarios shown when none are named

    @property
    def readouts(self) -> tuple[str, ...]:
        return (self.primary,) + self.side_effects + self.outcomes


@dataclass(frozen=True)
class Check:
    """One measured comparison of an experiment (see ``[experiments]`` in the model file)."""

    label: str
    measure: str                 # effect | value | change | peak | time_below | relapse | median
    readout: str
    compare: str                 # ratio | difference | test | control
    at_h: tuple[float, ...] = ()
    low: float = -math.inf
    high: float = math.inf
    after_h: tuple[float, ...] = ()   # relapse: at or above the level at all these times ...
    below: float | None = None   # time_below / relapse threshold (None: the response level)


@dataclass(frozen=True)
class ArmSpec:
    scenario: str
    hypotheses: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExperimentSpec:
    """A landmark experiment as data: two arms, what to measure, the band that
    counts as reproducing the finding, and the study."""

    id: str
    reference: str
    finding: str
    test: ArmSpec
    control: ArmSpec | None
    days: float
    checks: tuple[Check, ...]
    people: int = 0              # > 0: virtual patients (population measures)
    seed: int = 0

    @property
    def hypotheses(self) -> tuple[str, ...]:
        return self.test.hypotheses


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float                 # in the base unit of `dimension`
    dimension: str
    low: float
    high: float
    description: str = ""
    citations: tuple[str, ...] = ()
    #: estimated by ``pathway fit`` from the calibration trials (not set by hand)
    calibrated: bool = False
    #: the ids of the trials the value was fitted to (written by ``pathway fit``)
    fitted_from: tuple[str, ...] = ()

    def describe(self) -> str:
        d = self.dimension
        return (f"{format_quantity(self.value, d)} "
                f"(range {format_quantity(self.low, d)} to {format_quantity(self.high, d)})")


@dataclass(frozen=True)
class Dose:
    drug: str
    route: str
    amount: float                # mg, or mg/kg when per_kg
    per_kg: bool
    start_h: float = 0.0
    duration_h: float = 0.0      # 0 = given at once (into the depot or central compartment)
    every_h: float | None = None
    count: int | None = None     # None with every_h: repeat to the end

    @property
    def unit(self) -> str:
        return "mg/kg" if self.per_kg else "mg"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    days: float
    doses: tuple[Dose, ...]
    placebo: bool = False        # a matched placebo arm (see pathway.scenarios.placebo_arm)
    study_drugs: tuple[str, ...] = ()             # replaced in the placebo arm (empty: all)
    label: str = ""              # the arm's name with dose and route, for pictures
    color: str = ""              # the arm's colour (default: its first drug's)
    dose: tuple[float, bool] | None = None        # the nominal dose --dose refers to (amount, per kg)
    #: the largest dose ``--dose`` may ask for, as (amount, "mg" or "mg/kg"); None: the
    #: model file states none, and ten times the scenario's own dose is the ceiling
    max_dose: tuple[float, str] | None = None

    @property
    def first_dose_h(self) -> float:
        return min((d.start_h for d in self.doses), default=0.0)


@dataclass(frozen=True)
class Intervention:
    """A virtual experiment's manipulation, as data: cut or scale edges, scale
    parameters, add doses (times relative to a scenario's first dose) and reset
    nodes to their baseline at a time after the first dose."""

    name: str
    description: str
    citations: tuple[str, ...]
    cut: tuple[tuple[str, str], ...] = ()
    scale: tuple[tuple[tuple[str, str], float], ...] = ()
    scale_parameters: tuple[tuple[str, float], ...] = ()
    doses: tuple[Dose, ...] = ()
    reset: tuple[tuple[str, float], ...] = ()
    variants: dict[str, "Intervention"] = field(default_factory=dict)   # by hypothesis


@dataclass(frozen=True)
class Hypothesis:
    name: str
    enabled: bool
    description: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Variation:
    """How one parameter differs between virtual patients."""

    parameter: str
    distribution: str            # "lognormal" (sigma on the log scale) or "normal" (sd)
    spread: Value                # a number, or a ParamRef to a parameter of the model
    why: str
    citations: tuple[str, ...]
    #: the bounds of one person's value (base unit); None: the parameter's range, which otherwise bounds the
    #: typical value (and is what a fit or a sensitivity analysis moves it within)
    within: tuple[float, float] | None = None


@dataclass(frozen=True)
class Genotype:
    name: str
    frequency: float
    intervention: str | None = None


@dataclass(frozen=True)
class PopulationSpec:
    response: float = 0.5
    remission: float = 0.7
    definitions: str = ""
    variations: tuple[Variation, ...] = ()
    genotypes: tuple[Genotype, ...] = ()
    citations: tuple[str, ...] = ()
    #: the standard deviation of one rating's error, in the outcome's units (a number, or a parameter of the
    #: model): response and remission rates count people through it (:class:`pathway.rating.Rating`)
    noise: Value = 0.0
    #: how far each person's course wanders from where the model puts them: its standard deviation once settled
    #: (the outcome's units) and its correlation time (hours); both numbers or parameters of the model
    course_spread: Value = 0.0
    course_time: Value = 168.0


@dataclass(frozen=True)
class Model:
    """A whole model: immutable; change it with pure functions that return a new one."""

    name: str
    description: str
    roles: Roles
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    drugs: dict[str, Drug]
    parameters: dict[str, Parameter]
    hypotheses: dict[str, Hypothesis]
    scenarios: dict[str, Scenario]
    references: dict[str, str]
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    interventions: dict[str, Intervention] = field(default_factory=dict)
    population: PopulationSpec = field(default_factory=PopulationSpec)
    branches: dict[str, Branch] = field(default_factory=dict)
    experiments: dict[str, ExperimentSpec] = field(default_factory=dict)
    #: the evidence-grade rubric of the file's [evidence] table (None: the file has none)
    evidence: Rubric | None = None
    #: interventions in force, in the order applied: (name, time in h or None)
    applied: tuple[tuple[str, float | None], ...] = ()
    source: str = "<model>"

    @property
    def readouts(self) -> tuple[str, ...]:
        return self.roles.readouts

    @property
    def expectancy(self) -> str | None:
        return self.roles.expectancy

    @property
    def primary(self) -> str:
        """The primary outcome's column (the default model: symptom relief)."""
        return self.roles.primary

    def body_weight_kg(self) -> float:
        """The body weight that mg/kg doses use (70 kg if the model names none)."""
        name = self.roles.body_weight
        return self.parameters[name].value if name else 70.0

    def node(self, node_id: str) -> Node:
        """Return the node called ``node_id``; a clear error if there is none."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise UsageError(f"{self.source}: unknown node '{node_id}'\n"
                         f"  hint: {suggest(node_id, self.node_ids)}")

    @property
    def node_ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    def value(self, v: Value | None) -> float | None:
        """Resolve a field that may name a parameter."""
        if isinstance(v, ParamRef):
            return self.parameters[v.name].value
        return v

    def active_edges(self) -> tuple[Edge, ...]:
        """Edges that act: all but those of hypotheses that are switched off."""
        return tuple(e for e in self.edges
                     if e.hypothesis is None or self.hypotheses[e.hypothesis].enabled)

    def scenario(self, name: str) -> Scenario:
        if name not in self.scenarios:
            raise UsageError(f"{self.source}: unknown scenario '{name}'\n"
                             f"  hint: {suggest(name, self.scenarios)}")
        return self.scenarios[name]
