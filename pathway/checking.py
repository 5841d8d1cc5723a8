"""The model file's checker: builds a :class:`~pathway.objects.Model` from parsed
TOML while collecting every problem, each with its place and a hint.

:func:`pathway.loading.loads_model` runs it; the shared readers and the error
style come from :class:`pathway.tomlfile.FileChecker`.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from . import equations as _equations
from . import evidence as _evidence
from .errors import suggest
from .objects import (
    _ID,
    _NAME,
    EDGE_FIELD,
    EFFECTS,
    GRADES,
    KINDS,
    RESPONSES,
    SIGNALS,
    ArmSpec,
    Branch,
    Check,
    Dose,
    Drug,
    Edge,
    ExperimentSpec,
    Genotype,
    Hypothesis,
    Intervention,
    Model,
    Node,
    Parameter,
    ParamRef,
    PopulationSpec,
    Roles,
    Route,
    Scenario,
    Value,
    Variation,
)
from .tomlfile import FileChecker
from .units import UNITS, _example, format_quantity, parse_quantity

#: The longest simulation, in days (ten years): for scenarios, experiments and runs.
MAX_DAYS = 3650.0
#: The shortest interval between repeated doses, in hours (one minute).
MIN_DOSE_INTERVAL_H = 1 / 60
#: The largest dose a model file may give or allow, per unit (mg for a fixed dose).
MAX_DOSE = {"mg": 1e5, "mg/kg": 1e3}

_TOP = {"model", "roles", "branches", "nodes", "edges", "drugs", "parameters", "hypotheses",
        "scenarios", "references", "interventions", "population", "experiments", "evidence"}
_NODE_KEYS = {"id", "label", "kind", "branch", "tau", "tau_rise", "tau_fall", "baseline",
              "response", "description", "caption", "short_label"} | {
    p.source for r in _equations.RESPONSES for p in r.params}
_EVIDENCE_KEYS = {"species", "design", "replicated", "participants"}
_EDGE_KEYS = {"source", "target", "effect", "strength", "fraction", "grade",
              "citations", "hypothesis", "note", "signal"} | _EVIDENCE_KEYS | {
    p.source for k in _equations.SIGNALS for p in k.params if p.source != "source baseline"}
_DRUG_KEYS = {"clearance", "volume", "peripheral", "routes", "citations", "color", "color_dark"}
_ROLE_KEYS = {"primary", "side_effects", "outcomes", "body_weight", "expectancy", "inert",
              "showcase"}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_MEASURES = ("effect", "value", "change", "peak", "time_below", "relapse", "median")
_COMPARES = ("ratio", "difference", "test", "control")

_ROUTE_KEYS = {"bioavailability", "absorption_half_life", "expectancy"}
_PARAM_KEYS = {"value", "range", "description", "citations", "calibrated", "fitted_from"}
_DOSE_KEYS = {"drug", "route", "dose", "duration", "start", "every", "count"}


class _Checker(FileChecker):
    """Builds the model while collecting problems instead of stopping at the first."""

    def __init__(self, source: str):
        super().__init__(source)
        # (place, name, dimension, constraint): constraint is "", "positive",
        # "nonnegative" or "fraction", checked against the parameter's whole range
        self.param_refs: list[tuple[str, str, str, str]] = []

    # -- readers of the model file (the generic ones are FileChecker's)

    def quantity(self, data: dict, key: str, dims: str | tuple[str, ...], place: str, *,
                 required: bool = True, default: Value | None = None, positive: bool = False,
                 nonnegative: bool = False, fraction: bool = False,
                 allow_param: bool = True) -> Value | None:
        if key not in data:
            if required:
                dim = dims if isinstance(dims, str) else dims[0]
                self.problem(place, f"missing field '{key}'", f"add {key} = {_example(dim)}")
            return default
        raw = data[key]
        if isinstance(raw, dict):
            if allow_param and set(raw) == {"param"} and isinstance(raw["param"], str):
                dim = dims if isinstance(dims, str) else dims[0]
                rule = ("fraction" if fraction else "positive" if positive
                        else "nonnegative" if nonnegative else "")
                self.param_refs.append((f"{place}.{key}", raw["param"], dim, rule))
                return ParamRef(raw["param"])
            if not allow_param and set(raw) == {"param"}:
                self.problem(place, f"'{key}' cannot name a parameter", f"write {key} as a value")
                return default
            self.problem(place, f"'{key}' must be a quantity or {{ param = \"name\" }}, got {raw!r}",
                         f"write {key} as a value with its unit, or {key} = {{ param = \"name\" }}")
            return default
        try:
            value, _ = parse_quantity(raw, dims)
        except ValueError as exc:
            dim = dims if isinstance(dims, str) else dims[0]
            self.problem(place, f"'{key}': {exc}", f"write it like {_example(dim)}")
            return default
        if not math.isfinite(value) or abs(value) > 1e9 or 0 < abs(value) < 1e-9:
            self.problem(place, f"'{key}' = {raw!r} is implausibly large or small",
                         "use a value between 1e-9 and 1e9 in its unit")
            return default
        if positive and value <= 0:
            self.problem(place, f"'{key}' must be positive, got {raw!r}", "use a value above zero")
            return default
        if nonnegative and value < 0:
            self.problem(place, f"'{key}' must not be negative, got {raw!r}", "use 0 or more")
            return default
        if fraction and not 0 <= value <= 1:
            self.problem(place, f"'{key}' = {raw!r} must lie between 0 and 1",
                         "a fraction of 1 means all of it")
            return default
        return value

    def citations(self, data: dict, place: str, required: bool) -> tuple[str, ...]:
        raw = data.get("citations", [])
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            self.problem(place, "'citations' must be a list of reference keys",
                         "write citations = [\"key2020\"], with keys from [references]")
            return ()
        if required and not raw:
            self.problem(place, "no citations", "every edge needs at least one reference key "
                         "from [references]")
        self.cited.extend((place, c) for c in raw)
        return tuple(raw)

    # -- the whole model

    def build(self, data: dict) -> Model:
        self.cited: list[tuple[str, str]] = []
        self.unknown_keys(data, _TOP, "top level")
        meta = self.table(data.get("model", {}), "[model]")
        self.unknown_keys(meta, {"name", "version", "description", "derived"}, "[model]")
        self.branches = self.build_branches(self.table(data.get("branches", {}), "[branches]"))
        references = self.table(data.get("references", {}), "[references]")
        for key, ref in references.items():
            if not isinstance(ref, str) or not ref.strip():
                self.problem(f"references.{key}", "a reference must be a non-empty string",
                             "write the citation as one line of text, e.g. key = \"Author A (2020) Journal 1:2-3.\"")
        parameters = self.build_parameters(self.table(data.get("parameters", {}), "[parameters]"))
        hypotheses = self.build_hypotheses(self.table(data.get("hypotheses", {}), "[hypotheses]"))
        nodes = self.build_nodes(data.get("nodes", []))
        node_by_id = {n.id: n for n in nodes}
        rubric = self.build_evidence(data["evidence"]) if "evidence" in data else None
        edges = self.build_edges(data.get("edges", []), node_by_id, hypotheses)
        if rubric is not None:
            edges = self.grade_edges(data.get("edges", []), edges, rubric)
        else:
            for edge, raw in zip(edges, data.get("edges", []) if isinstance(data.get("edges"), list) else []):
                extra = sorted(_EVIDENCE_KEYS & set(raw if isinstance(raw, dict) else ()))
                if extra:
                    self.problem(f"edge[{edge.index}] ({edge.source} -> {edge.target})",
                                 f"{', '.join(extra)} without an [evidence] rubric to read them by",
                                 "add an [evidence] table with its rules (see models/ketamine.toml), "
                                 "or remove the field(s)")
        self.check_feedback(node_by_id, edges)
        drugs = self.build_drugs(self.table(data.get("drugs", {}), "[drugs]"), node_by_id)
        scenarios = self.build_scenarios(self.table(data.get("scenarios", {}), "[scenarios]"), drugs)
        self.check_days({f"scenarios.{k}": s.days for k, s in scenarios.items()})
        interventions = self.build_interventions(
            self.table(data.get("interventions", {}), "[interventions]"), node_by_id, edges,
            drugs, parameters, hypotheses)
        population = self.build_population(self.table(data.get("population", {}), "[population]"),
                                           parameters, interventions)
        derived = {}
        for name, drugs_ in self.table(meta.get("derived", {}), "model.derived").items():
            place = f"model.derived.{name}"
            if not _ID.match(name) or name in node_by_id:
                self.problem(place, f"'{name}' must be a snake_case name that is not a node id",
                             "use lower-case letters, digits and _ in a name that no node has")
            if not isinstance(drugs_, list) or not drugs_ or not all(
                    isinstance(d, str) and d in drugs for d in drugs_):
                self.problem(place, "must be a non-empty list of drug ids", suggest(
                    str(drugs_), drugs))
                continue
            derived[name] = tuple(drugs_)

        roles = self.build_roles(self.table(data.get("roles", {}), "[roles]"), node_by_id, edges,
                                 drugs, parameters, scenarios)
        experiments = self.build_experiments(
            self.table(data.get("experiments", {}), "[experiments]"), scenarios, interventions,
            hypotheses, node_by_id, derived, roles)
        self.check_days({f"experiments.{k}": e.days for k, e in experiments.items()})

        for place, name, dim, rule in self.param_refs:
            if name not in parameters:
                self.problem(place, f"unknown parameter '{name}'", suggest(name, parameters))
                continue
            p = parameters[name]
            if p.dimension != dim:
                self.problem(place, f"parameter '{name}' is a {p.dimension}, "
                             f"but this field needs a {dim}",
                             f"point it at a parameter given like {_example(dim)}")
            elif rule == "positive" and not p.low > 0 or rule == "nonnegative" and p.low < 0 \
                    or rule == "fraction" and not (0 <= p.low and p.high <= 1):
                need = {"positive": "positive (above zero)", "nonnegative": "zero or more",
                        "fraction": "between 0 and 1"}[rule]
                self.problem(place, f"parameter '{name}' may take values ({p.describe()}) that "
                             f"this field cannot: it must be {need}",
                             f"narrow the range of [parameters.{name}]")
        for place, key in self.cited:
            if key not in references:
                self.problem(place, f"unknown reference '{key}'", suggest(key, references))

        return Model(
            name=str(meta.get("name", "model")), description=str(meta.get("description", "")),
            roles=roles, nodes=tuple(nodes), edges=tuple(edges), drugs=drugs,
            parameters=parameters, hypotheses=hypotheses, scenarios=scenarios,
            references={k: v for k, v in references.items() if isinstance(v, str)},
            derived=derived, interventions=interventions, population=population,
            branches=self.branches, experiments=experiments, evidence=rubric, source=self.source)

    # -- the evidence-grade rubric (pathway.evidence)

    def build_evidence(self, raw: Any) -> _evidence.Rubric:
        """The ``[evidence]`` table: a description, what each grade means, and the rules."""
        place = "[evidence]"
        raw = self.table(raw, place)
        self.unknown_keys(raw, {"description", "grades", "rules", "rodent_studies"}, place)
        description = self.nonempty_text(raw, "description", place)
        grades = self.table(raw.get("grades", {}), "evidence.grades")
        for grade in GRADES:
            if grade not in grades:
                self.problem("evidence.grades", f"no text for the grade '{grade}'",
                             f"add {grade} = \"what a {grade} edge needs\"")
        meanings = {}
        for grade, text in grades.items():
            if grade not in GRADES:
                self.problem("evidence.grades", f"unknown grade '{grade}'", suggest(grade, GRADES))
            elif not isinstance(text, str) or not text.strip():
                self.problem(f"evidence.grades.{grade}", "must be a non-empty string",
                             "say in words what the grade requires")
            else:
                meanings[grade] = text
        rules = []
        for i, rule in self.list_of_tables(raw.get("rules", []), "evidence.rules",
                                           "[[evidence.rules]] with grade, species and designs"):
            where = f"evidence.rules[{i}]"
            self.unknown_keys(rule, {"grade", "species", "designs", "replicated",
                                     "min_participants", "why"}, where)
            grade = self.choice(rule, "grade", _evidence.RULE_GRADES, where)
            lists = {}
            for key, options in (("species", _evidence.SPECIES), ("designs", _evidence.DESIGNS)):
                value = rule.get(key)
                if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                    self.problem(where, f"'{key}' must be a non-empty list of strings",
                                 f"choose from: {', '.join(options)}")
                    value = []
                for v in value:
                    if v not in options:
                        self.problem(where, f"{key}: '{v}' is not one of {', '.join(options)}",
                                     suggest(v, options))
                lists[key] = tuple(v for v in value if v in options)
            least = self.number(rule, "min_participants", where, low=0, required=False, default=0,
                                integer=True)
            rules.append(_evidence.EvidenceRule(
                grade, lists["species"], lists["designs"], self.flag(rule, "replicated", where),
                int(least or 0), self.text(rule, "why", where, required=False)))
        if not rules:
            self.problem("[evidence]", "the rubric has no rules",
                         "add [[evidence.rules]] tables saying what earns 'strong' and 'moderate'")
        rodent = raw.get("rodent_studies", [])
        if not isinstance(rodent, list) or not all(isinstance(k, str) for k in rodent):
            self.problem(place, "'rodent_studies' must be a list of reference keys",
                         "write rodent_studies = [\"key2020\"], with keys from [references]")
            rodent = []
        self.cited.extend(("evidence.rodent_studies", k) for k in rodent)
        return _evidence.Rubric(description, tuple(rules), meanings, tuple(rodent))

    def grade_edges(self, raw_edges: list, edges: list[Edge],
                    rubric: _evidence.Rubric) -> list[Edge]:
        """Read each edge's evidence fields and refuse a grade stronger than the rubric allows."""
        out = []
        for edge, raw in zip(edges, raw_edges):
            if not isinstance(raw, dict):      # already a problem of build_edges
                out.append(edge)
                continue
            place = f"edge[{edge.index}] ({edge.source} -> {edge.target})"
            missing = [k for k in ("species", "design", "replicated") if k not in raw]
            if missing:
                self.problem(place, f"missing evidence field(s) {', '.join(missing)}: the model's "
                             "[evidence] rubric needs them on every edge",
                             "add species = \"mouse\", design = \"mechanistic experiment\", "
                             "replicated = false (or the values that fit its citations)")
                out.append(edge)
                continue
            species = self.choice(raw, "species", _evidence.SPECIES, place, fallback="none")
            design = self.choice(raw, "design", _evidence.DESIGNS, place, fallback="assumption")
            replicated = self.flag(raw, "replicated", place)
            participants = self.number(raw, "participants", place, low=1, required=False,
                                       integer=True)
            participants = int(participants) if participants is not None else None
            if participants is not None and species != "human":
                self.problem(place, f"'participants' counts people, but species is '{species}'",
                             "remove participants, or set species = \"human\"")
            allowed = _evidence.allowed_grade(rubric, species, design, replicated, participants)
            if _evidence.exceeds(edge.grade, allowed):
                size = f", {participants} participants" if participants else ""
                self.problem(
                    place, f"graded '{edge.grade}', but the rubric in [evidence] allows at most "
                    f"'{allowed}' for {species} evidence from a {design}"
                    f"{', replicated' if replicated else ', not replicated'}{size}",
                    f"set grade = \"{allowed}\", or cite evidence that meets a rule for "
                    f"'{edge.grade}' ([[evidence.rules]]) and say so in species, design, replicated "
                    "and participants")
            if _evidence.is_rodent(species) and rubric.rodent_studies and not any(
                    k in rubric.rodent_studies for k in edge.citations):
                self.problem(place, f"species is '{species}', but none of its citations is in "
                             "[evidence] rodent_studies",
                             "cite the rodent study the edge rests on, or add its key to "
                             "rodent_studies, or correct species")
            out.append(replace(edge, species=species, design=design, replicated=replicated,
                               participants=participants))
        return out + list(edges[len(out):])

    def check_feedback(self, nodes: dict[str, Node], edges: list[Edge]) -> None:
        """Refuse a loop of activations among "product" nodes (a self-loop included).

        A product node's target multiplies one factor per incoming edge; a factor
        from an activation grows without bound with its source, while one from an
        inhibition stays below 1 + strength and a drug's occupancy or a "hill"
        node stays bounded. So every node stays finite exactly when the activations
        between product nodes form no loop, whatever the numbers (hypothesis edges
        count too: any of them may be switched on).
        """
        def product(n):
            return n in nodes and nodes[n].kind != "drug" and nodes[n].response == "product"
        succ: dict[str, list[str]] = {}
        for e in edges:
            if e.effect == "activates" and product(e.source) and product(e.target):
                succ.setdefault(e.source, []).append(e.target)
        state: dict[str, int] = {}           # 1: on the current path, 2: done
        for start in succ:
            if start in state:
                continue
            path, stack = [start], [iter(succ.get(start, ()))]
            state[start] = 1
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    stack.pop()
                elif state.get(nxt) == 1:
                    loop = path[path.index(nxt):] + [nxt]
                    self.problem(f"edges {' -> '.join(loop)}",
                                 "a loop of activations between \"product\" nodes can grow "
                                 "without bound" if len(loop) > 2 else
                                 f"node '{nxt}' activates itself, which can grow without bound",
                                 "close the loop with an inhibition, or give one of its nodes "
                                 "response = \"hill\" (it saturates at its maximum)")
                    return
                elif nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(succ.get(nxt, ())))

    def build_branches(self, table: dict) -> dict[str, Branch]:
        if not table:
            self.problem("[branches]", "the model declares no branches",
                         "add [branches.main] with row = 0.0 and a title")
        out = {}
        for name, raw in table.items():
            place = f"branches.{name}"
            raw = self.table(raw, place)
            self.unknown_keys(raw, {"title", "row"}, place)
            if not _NAME.match(name):
                self.problem(place, f"branch name '{name}' must be lower-case words joined by - or _",
                             "rename it, e.g. [branches.main]")
            row = self.quantity(raw, "row", "number", place, required=False, allow_param=False)
            if row is not None and abs(row) > 100:
                self.problem(place, f"row {row:g} is far outside the figure", "use rows from -5 to 5")
                row = None
            out[name] = Branch(name, self.text(raw, "title", place, required=False), row)
        if out and all(b.row is None for b in out.values()):
            self.problem("[branches]", "no branch has a row, so nothing can be placed",
                         "give the main branch row = 0.0")
        return out

    def build_roles(self, raw: dict, nodes: dict[str, Node], edges: list[Edge],
                    drugs: dict[str, Drug], parameters: dict[str, Parameter],
                    scenarios: dict[str, Scenario]) -> Roles:
        place = "roles"
        self.unknown_keys(raw, _ROLE_KEYS, place)

        def node_ref(key, value, where):
            if not isinstance(value, str) or not value:
                self.problem(where, f"'{key}' must name a node, got {value!r}",
                             "give a node id in double quotes")
                return None
            if value not in nodes:
                self.problem(where, f"unknown node '{value}'", suggest(value, nodes))
                return None
            return value

        def node_list(key):
            raw_list = raw.get(key, [])
            if not isinstance(raw_list, list):
                self.problem(place, f"'{key}' must be a list of node ids",
                             f"write {key} = [\"node_id\", ...]")
                return ()
            return tuple(n for n in (node_ref(key, v, f"{place}.{key}") for v in raw_list) if n)

        primary = node_ref("primary", raw.get("primary"), place) if "primary" in raw else None
        if "primary" not in raw:
            self.problem(place, "missing field 'primary'",
                         "name the main outcome, e.g. primary = \"relief\"")
        side, outcomes = node_list("side_effects"), node_list("outcomes")
        readouts = ((primary,) if primary else ()) + side + outcomes
        for r in readouts:
            if nodes[r].kind == "drug":
                self.problem(place, f"'{r}' is a drug; a readout must be a node with a state",
                             "name a readout node")
        if len(set(readouts)) != len(readouts):
            self.problem(place, "a node is named twice among primary, side_effects and outcomes",
                         "list each readout node once")

        def drug_ref(key, extra_hint):
            value = raw.get(key)
            if value is None:
                return None
            if not isinstance(value, str) or value not in drugs:
                self.problem(f"{place}.{key}", f"{value!r} is not a drug",
                             suggest(str(value), drugs) + extra_hint)
                return None
            return value

        expectancy = drug_ref("expectancy", " (the drug node that stores expectancy)")
        inert = drug_ref("inert", " (the inert drug that a placebo arm gives)")
        if inert is not None:
            acting = [e.name for e in edges if e.source == inert]
            if acting:
                self.problem(f"{place}.inert", f"the inert drug '{inert}' acts through {acting[0]}",
                             "a placebo must not act: remove its edges or name another drug")
        weight = raw.get("body_weight")
        if weight is not None:
            if not isinstance(weight, str) or weight not in parameters:
                self.problem(f"{place}.body_weight", f"{weight!r} is not a parameter",
                             suggest(str(weight), parameters))
                weight = None
            elif parameters[weight].dimension != "weight" or parameters[weight].low <= 0:
                self.problem(f"{place}.body_weight", f"parameter '{weight}' is not a positive "
                             "weight", "give it like value = \"70 kg\", range = [\"30 kg\", \"150 kg\"]")
                weight = None
        showcase = raw.get("showcase", [])
        if not isinstance(showcase, list) or not 1 <= len(showcase) <= 2 or not all(
                isinstance(x, str) and x in scenarios for x in showcase):
            if showcase:
                self.problem(f"{place}.showcase", f"{showcase!r} is not a list of one or two "
                             "scenarios", suggest(str(showcase), scenarios))
            showcase = []
        return Roles(primary or next(iter(nodes), ""), side, outcomes, weight, expectancy, inert,
                     tuple(showcase))

    def build_experiments(self, table: dict, scenarios: dict[str, Scenario],
                          interventions: dict[str, Intervention],
                          hypotheses: dict[str, Hypothesis], nodes: dict[str, Node],
                          derived: dict[str, tuple[str, ...]], roles: Roles) -> dict[str, ExperimentSpec]:
        out = {}
        columns = set(nodes) | set(derived)
        for eid, raw in table.items():
            place = f"experiments.{eid}"
            raw = self.table(raw, place)
            self.unknown_keys(raw, {"reference", "finding", "scenario", "days", "hypotheses",
                                    "test", "control", "people", "seed", "checks"}, place)
            if not _NAME.match(eid):
                self.problem(place, f"experiment id '{eid}' must be lower-case words joined by -",
                             "rename it, e.g. [experiments.zarate-2006]")
            reference = self.text(raw, "reference", place)
            self.cited.append((place, reference)) if reference else None

            def names(value, known, what, where):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    self.problem(where, f"'{what}' must be a list of names",
                                 f"write {what} = [\"name\", ...]")
                    return ()
                for v in value:
                    base = v.split("@")[0]
                    if base not in known:
                        self.problem(where, f"unknown {what[:-1] if what.endswith('s') else what} "
                                     f"'{v}'", suggest(base, known))
                return tuple(value)

            common_h = names(raw.get("hypotheses", []), hypotheses, "hypotheses", place)

            def arm(key):
                if key not in raw:
                    return None
                a = self.table(raw[key], f"{place}.{key}")
                self.unknown_keys(a, {"scenario", "hypotheses", "interventions"}, f"{place}.{key}")
                sc = a.get("scenario", raw.get("scenario"))
                if not isinstance(sc, str) or sc not in scenarios:
                    self.problem(f"{place}.{key}", f"unknown scenario {sc!r}",
                                 suggest(str(sc), scenarios))
                    sc = ""
                return ArmSpec(sc, common_h + names(a.get("hypotheses", []), hypotheses, "hypotheses",
                                                    f"{place}.{key}"),
                               names(a.get("interventions", []), interventions, "interventions",
                                     f"{place}.{key}"))

            if "test" not in raw:
                raw = {**raw, "test": {}}
            test = arm("test")
            control = arm("control")
            days = self.quantity(raw, "days", "number", place, default=7.0, positive=True,
                                 allow_param=False)
            people = raw.get("people", 0)
            seed = raw.get("seed", 0)
            for key, v in (("people", people), ("seed", seed)):
                if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100_000:
                    self.problem(place, f"'{key}' must be a whole number from 0 to 100000",
                                 "use a whole number such as 1000, without quotes")
            checks = []
            raw_checks = raw.get("checks", [])
            if not isinstance(raw_checks, list) or not raw_checks:
                self.problem(place, "an experiment needs at least one check",
                             "add checks = [{ measure = \"effect\", at = [\"24 h\"], ... }]")
                raw_checks = []
            for j, c in enumerate(raw_checks):
                cplace = f"{place}.checks[{j}]"
                c = self.table(c, cplace)
                self.unknown_keys(c, {"label", "measure", "readout", "compare", "at", "band",
                                      "after", "below"}, cplace)
                measure = self.choice(c, "measure", _MEASURES, cplace)
                compare = self.choice(c, "compare", _COMPARES, cplace, default="test")
                readout = c.get("readout", roles.primary)
                if not isinstance(readout, str) or readout not in columns:
                    self.problem(cplace, f"unknown readout {readout!r}", suggest(str(readout), columns))
                    readout = roles.primary
                at = self.times(c, "at", cplace)
                if measure in ("effect", "value", "change", "relapse", "median") and not at:
                    self.problem(cplace, f"measure '{measure}' needs times in 'at'",
                                 "add at = [\"24 h\"]")
                if compare in ("ratio", "difference", "control") and control is None:
                    self.problem(cplace, f"compare '{compare}' needs a control arm",
                                 "add control = {} (the same scenario without the test's changes)")
                if measure in ("relapse", "median") and not people:
                    self.problem(cplace, f"measure '{measure}' counts virtual patients",
                                 "set people = 1000 on the experiment")
                band = c.get("band")
                try:
                    band = [float(b) for b in band] if isinstance(band, list) and not any(
                        isinstance(b, bool) for b in band) else None
                except (TypeError, ValueError, OverflowError):
                    band = None
                if not (band and len(band) == 2 and not any(math.isnan(b) for b in band)
                        and band[0] <= band[1]):
                    self.problem(cplace, f"'band' must be [low, high], got {band!r}",
                                 "use -inf or inf for an open end, e.g. band = [-inf, 0.25]")
                    band = [-math.inf, math.inf]
                after = self.times(c, "after", cplace)
                if measure == "relapse" and not after:
                    self.problem(cplace, "measure 'relapse' needs 'after': the times at which "
                                 "people must be well", "add after = [\"16 wk\"]")
                below = self.quantity(c, "below", "number", cplace, required=False,
                                      allow_param=False)
                checks.append(Check(self.text(c, "label", cplace), measure, readout, compare,
                                    tuple(at), float(band[0]), float(band[1]), tuple(after),
                                    below))
            out[eid] = ExperimentSpec(eid, reference, self.text(raw, "finding", place), test,
                                      control, float(days or 7.0), tuple(checks),
                                      people if isinstance(people, int) else 0,
                                      seed if isinstance(seed, int) else 0)
        return out

    def times(self, raw: dict, key: str, place: str) -> list[float]:
        """A time or list of times (``"24 h"``, ``["3 d", "7 d"]``), in hours."""
        out = []
        value = raw.get(key, [])
        for t in value if isinstance(value, list) else [value]:
            try:
                out.append(parse_quantity(t, "time")[0])
            except ValueError as exc:
                self.problem(place, f"'{key}': {exc}", "write times like \"24 h\" or \"3 d\"")
        return out

    def build_parameters(self, table: dict) -> dict[str, Parameter]:
        out = {}
        for name, raw in table.items():
            place = f"parameters.{name}"
            raw = self.table(raw, place)
            if not _ID.match(name):
                self.problem(place, f"parameter name '{name}' must be snake_case",
                             "use lower-case letters, digits and _, starting with a letter")
            self.unknown_keys(raw, _PARAM_KEYS, place)
            dims = tuple(UNITS)
            value = self.quantity(raw, "value", dims, place, allow_param=False)
            rng = raw.get("range")
            if not (isinstance(rng, list) and len(rng) == 2):
                self.problem(place, "missing or malformed 'range'",
                             "write range = [low, high] in the same unit as the value")
                continue
            if value is None:
                continue
            dim = parse_quantity(raw["value"], dims)[1]
            try:
                low, _ = parse_quantity(rng[0], dim)
                high, _ = parse_quantity(rng[1], dim)
            except ValueError as exc:
                self.problem(place, f"range: {exc}", f"give both ends as {_example(dim)}")
                continue
            if not low <= high:
                self.problem(place, f"range low end {rng[0]!r} is above the high end {rng[1]!r}",
                             "write range = [low, high]")
            elif not low <= value <= high:
                self.problem(place, f"value {raw['value']!r} is outside its own range {rng!r}",
                             "move the value into the range or widen the range")
            calibrated = raw.get("calibrated", False)
            if not isinstance(calibrated, bool):
                self.problem(place, f"'calibrated' must be true or false, not {calibrated!r}",
                             "write calibrated = true for a parameter that `pathway fit` estimates")
                calibrated = False
            fitted = raw.get("fitted_from", [])
            if not (isinstance(fitted, list) and all(isinstance(x, str) for x in fitted)):
                self.problem(place, "'fitted_from' must be a list of trial ids",
                             "`pathway fit` writes it, e.g. fitted_from = [\"daly2018\"]")
                fitted = []
            out[name] = Parameter(name, value, dim, low, high,
                                  self.text(raw, "description", place, required=False),
                                  self.citations(raw, place, required=False),
                                  calibrated, tuple(fitted))
        return out

    def build_hypotheses(self, table: dict) -> dict[str, Hypothesis]:
        out = {}
        for name, raw in table.items():
            place = f"hypotheses.{name}"
            raw = self.table(raw, place)
            self.unknown_keys(raw, {"enabled", "description", "citations"}, place)
            enabled = raw.get("enabled", False)
            if not isinstance(enabled, bool):
                self.problem(place, f"'enabled' must be true or false, got {enabled!r}",
                             "write enabled = false (lower case, no quotes)")
                enabled = False
            out[name] = Hypothesis(name, enabled, self.text(raw, "description", place),
                                   self.citations(raw, place, required=True))
        return out

    def build_nodes(self, raw_nodes: Any) -> list[Node]:
        if not isinstance(raw_nodes, list) or not raw_nodes:
            self.problem("[[nodes]]", "the model has no nodes", "add [[nodes]] tables")
            return []
        nodes, seen = [], set()
        for i, raw in enumerate(raw_nodes):
            raw = self.table(raw, f"node[{i}]")
            nid = raw.get("id")
            place = f"node[{i}] '{nid}'" if isinstance(nid, str) else f"node[{i}]"
            self.unknown_keys(raw, _NODE_KEYS, place)
            nid = self.text(raw, "id", place)
            if nid and not _ID.match(nid):
                self.problem(place, f"id '{nid}' must be snake_case (lower-case letters, digits, _)",
                             f"for example '{re.sub(r'[^a-z0-9_]', '_', nid.lower())}'")
            if nid in seen:
                self.problem(place, f"duplicate node id '{nid}'", "give every node its own id")
            seen.add(nid)
            kind = self.choice(raw, "kind", KINDS, place, fallback="signal")
            branch = (self.choice(raw, "branch", tuple(self.branches), place) if self.branches
                      else self.text(raw, "branch", place))
            label = self.text(raw, "label", place)
            response = self.choice(raw, "response", RESPONSES, place, default="product")
            tau_rise = tau_fall = None
            if kind == "drug":
                for key in ("tau", "tau_rise", "tau_fall", "response"):
                    if key in raw:
                        self.problem(place, f"a drug node takes no '{key}'",
                                     "a drug's time course comes from its [drugs] entry")
            elif "tau" in raw:
                if "tau_rise" in raw or "tau_fall" in raw:
                    self.problem(place, "give either 'tau' or 'tau_rise' and 'tau_fall', not both",
                                 "keep tau, or keep tau_rise and tau_fall")
                tau_rise = tau_fall = self.quantity(raw, "tau", "time", place, positive=True)
            elif "tau_rise" in raw or "tau_fall" in raw:
                tau_rise = self.quantity(raw, "tau_rise", "time", place, positive=True)
                tau_fall = self.quantity(raw, "tau_fall", "time", place, positive=True)
            else:
                self.problem(place, "missing time constant", "add tau = \"10 min\" "
                             "(or tau_rise and tau_fall)")
            baseline = self.quantity(raw, "baseline", "number", place, required=False, default=1.0,
                                     nonnegative=True)
            node = Node(id=nid, label=label, kind=kind, branch=branch, tau_rise_h=tau_rise,
                        tau_fall_h=tau_fall, baseline=baseline, response=response,
                        description=self.text(raw, "description", place, required=False),
                        caption=self.text(raw, "caption", place, required=False),
                        short_label=self.text(raw, "short_label", place, required=False))
            form = _equations.response(response) if response in RESPONSES else None
            own = {p.source for p in form.params} if form else set()
            if form is not None and kind != "drug":
                node = replace(node, **{
                    p.source: self.quantity(raw, p.source, p.dimension, place,
                                            required=p.default is None,
                                            default=1.0 if p.default is None else p.default,
                                            nonnegative=True, positive=p.positive)
                    for p in form.params})
            for key in sorted(k for r in _equations.RESPONSES for k in (p.source for p in r.params)
                              if k not in own and k in raw):
                users = [r.name for r in _equations.RESPONSES if key in {p.source for p in r.params}]
                self.problem(place, f"'{key}' applies only to response = \"{users[0]}\"",
                             f"remove it, or set response = \"{users[0]}\"")
                own.add(key)
            if response == "product" and isinstance(baseline, float) and baseline <= 0 \
                    and kind != "drug":
                self.problem(place, "a product node needs a baseline above zero",
                             "use response = \"hill\" for a readout that starts at zero")
            nodes.append(node)
        return nodes

    def build_edges(self, raw_edges: Any, nodes: dict[str, Node],
                    hypotheses: dict[str, Hypothesis]) -> list[Edge]:
        if not isinstance(raw_edges, list):
            self.problem("[[edges]]", "edges must be an array of tables",
                         "write each edge as its own [[edges]] table")
            return []
        edges, seen = [], set()
        for i, raw in enumerate(raw_edges):
            raw = self.table(raw, f"edge[{i}]")
            src, tgt = raw.get("source"), raw.get("target")
            place = f"edge[{i}] ({src} -> {tgt})"
            self.unknown_keys(raw, _EDGE_KEYS, place)
            src = self.text(raw, "source", place)
            tgt = self.text(raw, "target", place)
            for end, nid in (("source", src), ("target", tgt)):
                if end in raw and isinstance(raw[end], str) and not nid.strip():
                    self.problem(place, f"'{end}' is empty", "name a node id")
                elif nid and nid not in nodes:
                    self.problem(place, f"unknown node '{nid}'", suggest(nid, nodes))
            effect = self.choice(raw, "effect", EFFECTS, place)
            grade = self.choice(raw, "grade", GRADES, place)
            citations = self.citations(raw, place, required=True)
            hypothesis = raw.get("hypothesis")
            if hypothesis is not None:
                if not isinstance(hypothesis, str) or hypothesis not in hypotheses:
                    self.problem(place, f"unknown hypothesis {hypothesis!r}",
                                 suggest(str(hypothesis), hypotheses))
                    hypothesis = None
                elif grade != "contested":
                    self.problem(place, f"an edge of hypothesis '{hypothesis}' must be graded "
                                 "contested", "set grade = \"contested\"")
            if (src, tgt) in seen:
                self.problem(place, f"a second edge from '{src}' to '{tgt}': the graph holds one "
                             "edge per ordered pair", "merge the two edges into one, or route one "
                             "through another node")
            seen.add((src, tgt))
            s_node, t_node = nodes.get(src), nodes.get(tgt)
            edge = Edge(index=i, source=src, target=tgt, effect=effect, grade=grade,
                        citations=citations, hypothesis=hypothesis,
                        note=self.text(raw, "note", place, required=False))
            if effect == "metabolised-to":
                if s_node and s_node.kind != "drug" or t_node and t_node.kind != "drug":
                    self.problem(place, "'metabolised-to' must join two drug nodes",
                                 "point source and target at two drug nodes, or use activates or inhibits")
                if src == tgt and src:
                    self.problem(place, "a drug cannot be metabolised to itself",
                                 "point the target at the metabolite's drug node")
                frac = self.quantity(raw, "fraction", "number", place, default=0.0, fraction=True)
                edge = replace(edge, fraction=frac)
                for key in ("strength", "ec50", "hill"):
                    if key in raw:
                        self.problem(place, f"a 'metabolised-to' edge takes no '{key}'",
                                     "use 'fraction' (the share of the source's clearance)")
            else:
                if t_node is not None and t_node.kind == "drug":
                    self.problem(place, f"edge targets drug '{tgt}'; drugs are inputs",
                                 "point the edge at a receptor or other node, or use "
                                 "effect = \"metabolised-to\" for a metabolite")
                if "fraction" in raw:
                    self.problem(place, "'fraction' applies only to 'metabolised-to' edges",
                                 "remove fraction, or make the edge metabolised-to")
                strength = self.quantity(raw, "strength", "number", place, required=False,
                                         default=1.0, nonnegative=True)
                from_drug = s_node is not None and s_node.kind == "drug"
                kind = _equations.default_signal(from_drug)
                if "signal" in raw:
                    kind = self.choice(raw, "signal", SIGNALS, place, fallback=kind)
                    want = "drug" if from_drug else "node"
                    if s_node is not None and _equations.signal(kind).source_kind != want:
                        fits = [k.name for k in _equations.SIGNALS if k.source_kind == want]
                        self.problem(place, f"signal '{kind}' needs a "
                                     f"{_equations.signal(kind).source_kind} source, and "
                                     f"'{src}' is {'a drug' if from_drug else 'not a drug'}",
                                     f"use one of {', '.join(fits)}")
                        kind = _equations.default_signal(from_drug)
                form = _equations.signal(kind)
                values = {}
                for p in form.params:
                    if p.source == "source baseline":
                        if s_node is not None and isinstance(s_node.baseline, float) \
                                and s_node.baseline <= 0:
                            self.problem(place, f"source '{src}' has baseline 0, so its change "
                                         "from rest is undefined",
                                         "give the source a baseline above zero")
                        continue
                    values[EDGE_FIELD[p.source]] = self.quantity(
                        raw, p.source, p.dimension, place, required=p.default is None,
                        default=p.default, positive=p.positive, nonnegative=True)
                used = {p.source for p in form.params}
                for key in sorted({p.source for k in _equations.SIGNALS for p in k.params}
                                  - used - {"source baseline"}):
                    if key in raw:
                        users = [k.name for k in _equations.SIGNALS
                                 if key in {p.source for p in k.params}]
                        what = ("an edge from a drug" if users == ["occupancy"] else
                                "signal = " + " or ".join(f'"{u}"' for u in users))
                        self.problem(place, f"'{key}' applies only to {what}",
                                     f"remove {key}" + (", or start the edge at a drug node"
                                                        if users == ["occupancy"] else ""))
                edge = replace(edge, strength=strength, signal=kind, **values)
            edges.append(edge)
        totals: dict[str, float] = {}
        for e in edges:
            if e.effect == "metabolised-to" and isinstance(e.fraction, float):
                totals[e.source] = totals.get(e.source, 0.0) + e.fraction
        for src, total in totals.items():
            if total > 1 + 1e-12:
                self.problem(f"edges from '{src}'", f"metabolised-to fractions add up to "
                             f"{total:g}, more than all of {src}'s clearance",
                             "make the fractions add up to 1 or less")
        return edges

    def build_drugs(self, table: dict, nodes: dict[str, Node]) -> dict[str, Drug]:
        drugs = {}
        drug_nodes = {n.id for n in nodes.values() if n.kind == "drug"}
        for did, raw in table.items():
            place = f"drugs.{did}"
            raw = self.table(raw, place)
            if did not in drug_nodes:
                self.problem(place, f"'{did}' is not a drug node",
                             f"add a node with id = \"{did}\" and kind = \"drug\", or "
                             + suggest(did, drug_nodes))
            self.unknown_keys(raw, _DRUG_KEYS, place)
            clearance = self.quantity(raw, "clearance", "flow", place, positive=True)
            volume = self.quantity(raw, "volume", "volume", place, positive=True)
            peripheral = []
            raw_periph = raw.get("peripheral", [])
            if not isinstance(raw_periph, list):
                self.problem(place, "'peripheral' must be a list of {volume, flow} tables",
                             "write peripheral = [{ volume = \"100 L\", flow = \"50 L/h\" }]")
                raw_periph = []
            for j, comp in enumerate(raw_periph):
                cplace = f"{place}.peripheral[{j}]"
                comp = self.table(comp, cplace)
                self.unknown_keys(comp, {"volume", "flow"}, cplace)
                peripheral.append((self.quantity(comp, "volume", "volume", cplace, positive=True),
                                   self.quantity(comp, "flow", "flow", cplace, positive=True)))
            routes = {}
            for rname, rraw in self.table(raw.get("routes", {}), f"{place}.routes").items():
                rplace = f"{place}.routes.{rname}"
                rraw = self.table(rraw, rplace)
                self.unknown_keys(rraw, _ROUTE_KEYS, rplace)
                f = self.quantity(rraw, "bioavailability", "number", rplace, required=False,
                                  default=1.0, positive=True, fraction=True)
                absorption = self.quantity(rraw, "absorption_half_life", "time", rplace,
                                           required=False, positive=True)
                expect = self.quantity(rraw, "expectancy", "mass", rplace, required=False,
                                       default=0.0, nonnegative=True)
                routes[rname] = Route(rname, f, absorption, expect)
            colors = []
            for key in ("color", "color_dark"):
                c = raw.get(key, "")
                if c and (not isinstance(c, str) or not _COLOR.match(c)):
                    self.problem(place, f"'{key}' {c!r} is not a colour", "write it like \"#D55E00\"")
                    c = ""
                colors.append(c)
            drugs[did] = Drug(did, clearance, volume, tuple(peripheral), routes,
                              self.citations(raw, place, required=False), colors[0], colors[1])
        for did in sorted(drug_nodes - set(drugs)):
            self.problem(f"node '{did}'", "drug node has no [drugs] entry",
                         f"add [drugs.{did}] with clearance and volume")
        return drugs

    def build_scenarios(self, table: dict, drugs: dict[str, Drug]) -> dict[str, Scenario]:
        out = {}
        for name, raw in table.items():
            place = f"scenarios.{name}"
            raw = self.table(raw, place)
            if not _NAME.match(name):
                self.problem(place, f"scenario name '{name}' must be lower-case words joined by -",
                             "rename it, e.g. [scenarios.ketamine-iv]")
            self.unknown_keys(raw, {"description", "days", "doses", "study_drugs", "label", "color",
                                    "dose", "max_dose"}, place)
            color = raw.get("color", "")
            if color and (not isinstance(color, str) or not _COLOR.match(color)):
                self.problem(place, f"'color' {color!r} is not a colour", "write it like \"#D55E00\"")
                color = ""
            nominal = None
            if "dose" in raw:
                try:
                    amount, dim = parse_quantity(raw["dose"], ("mass", "dose_per_weight"))
                    if not 0 < amount < 1e6:
                        raise ValueError(f"{raw['dose']!r} must be positive")
                    nominal = (amount, dim == "dose_per_weight")
                except ValueError as exc:
                    self.problem(place, f"'dose': {exc}", "write it like \"0.5 mg/kg\" or \"56 mg\"")
            study = raw.get("study_drugs", [])
            if not isinstance(study, list) or not all(isinstance(x, str) and x in drugs
                                                      for x in study):
                self.problem(place, "'study_drugs' must be a list of drug ids",
                             suggest(str(study), drugs))
                study = []
            days = self.quantity(raw, "days", "number", place, default=14.0, positive=True,
                                 allow_param=False)
            doses = []
            raw_doses = raw.get("doses", [])
            if not isinstance(raw_doses, list):
                self.problem(place, "'doses' must be a list of dose tables",
                             "write doses = [{ drug = ..., route = ..., dose = ... }]")
                raw_doses = []
            for j, d in enumerate(raw_doses):
                dplace = f"{place}.doses[{j}]"
                d = self.table(d, dplace)
                self.unknown_keys(d, _DOSE_KEYS, dplace)
                dose = self.build_dose(d, dplace, drugs)
                if dose is not None:
                    doses.append(dose)
            out[name] = Scenario(name, self.text(raw, "description", place, required=False),
                                 float(days) if isinstance(days, float) else 14.0, tuple(doses),
                                 study_drugs=tuple(study),
                                 label=self.text(raw, "label", place, required=False),
                                 color=color, dose=nominal,
                                 max_dose=self.max_dose(raw, place, doses))
        return out

    def check_days(self, days: dict[str, float]) -> None:
        """A scenario or experiment runs at most MAX_DAYS (ten years), as any simulation."""
        for place, d in days.items():
            if d > MAX_DAYS:
                self.problem(place, f"days = {d:g} is longer than the {MAX_DAYS:g} days a "
                             "simulation may run", f"give days from above 0 to {MAX_DAYS:g}")

    def dose_interval(self, every: float | None, place: str) -> float | None:
        """Doses repeat at least a minute apart (a run holds at most 100,000 of them)."""
        if every is not None and every < MIN_DOSE_INTERVAL_H:
            self.problem(place, f"doses {format_quantity(every, 'time')} apart are too close",
                         "repeat doses at least a minute apart; for a continuous supply give "
                         "one dose with a 'duration'")
            return None
        return every

    def max_dose(self, raw: dict, place: str, doses: list[Dose]) -> tuple[float, str] | None:
        """A scenario's ``max_dose``: the ceiling of ``--dose``, in the unit of its doses."""
        if "max_dose" not in raw:
            return None
        text = raw["max_dose"]
        try:
            amount, dim = parse_quantity(text, ("mass", "dose_per_weight"))
        except ValueError as exc:
            self.problem(place, f"'max_dose': {exc}", "write it like \"2 mg/kg\" or \"112 mg\"")
            return None
        unit = "mg/kg" if dim == "dose_per_weight" else "mg"
        if not 0 < amount <= MAX_DOSE[unit]:
            self.problem(place, f"max_dose {text!r} must be above 0 and at most "
                         f"{MAX_DOSE[unit]:g} {unit}", "give the largest dose the model's "
                         "sources speak to, e.g. \"2 mg/kg\"")
            return None
        units = {d.unit for d in doses}
        if units and units != {unit}:
            self.problem(place, f"max_dose {text!r} is in {unit}, the doses in "
                         f"{' and '.join(sorted(units))}", "give max_dose in the doses' unit; "
                         "a scenario that mixes units takes no max_dose")
            return None
        over = [d.amount for d in doses if d.amount > amount]
        if over:
            self.problem(place, f"max_dose {text!r} is below the scenario's own dose of "
                         f"{max(over):g} {unit}", "raise max_dose to at least the largest dose")
            return None
        return amount, unit

    def build_population(self, table: dict, parameters: dict[str, Parameter],
                         interventions: dict[str, Intervention]) -> PopulationSpec:
        place = "population"
        self.unknown_keys(table, {"response", "remission", "definitions", "rating_noise", "course_spread",
                                  "course_time", "vary", "genotypes"}, place)
        response = self.quantity(table, "response", "number", place, required=False, default=0.5,
                                 fraction=True, allow_param=False)
        remission = self.quantity(table, "remission", "number", place, required=False,
                                  default=0.7, fraction=True, allow_param=False)
        # a rating's error, as a fraction of the symptoms at entry: a number from 0 to 1, or a parameter
        noise = self.quantity(table, "rating_noise", "number", place, required=False, default=0.0,
                              fraction=True)
        # how far each person's course wanders (a fraction of the symptoms at entry) and how slowly (a time)
        wander = self.quantity(table, "course_spread", "number", place, required=False, default=0.0,
                               fraction=True)
        settle = self.quantity(table, "course_time", "time", place, required=False, default=168.0,
                               positive=True)
        variations = []
        for pname, raw in self.table(table.get("vary", {}), f"{place}.vary").items():
            vplace = f"{place}.vary.{pname}"
            raw = self.table(raw, vplace)
            self.unknown_keys(raw, {"distribution", "sigma", "sd", "within", "why", "citations"}, vplace)
            if pname not in parameters:
                self.problem(vplace, f"unknown parameter '{pname}'", suggest(pname, parameters))
                continue
            dist = self.choice(raw, "distribution", ("lognormal", "normal"), vplace)
            key = "sigma" if dist == "lognormal" else "sd"
            spread = self.quantity(raw, key, "number", vplace, default=0.0, nonnegative=True)
            within = raw.get("within")
            if within is not None:
                p = parameters[pname]
                ok = (isinstance(within, list) and len(within) == 2
                      and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                              for x in within) and within[0] < within[1])
                if not ok:
                    self.problem(vplace, f"'within' = {within!r} must be two numbers, low < high, in the "
                                 "parameter's base unit", "write within = [0.05, 100.0]")
                    within = None
                elif not (within[0] <= p.low and p.high <= within[1]):
                    self.problem(vplace, f"'within' = {within!r} must hold the parameter's range "
                                 f"({p.low:g} to {p.high:g})", "widen it: it bounds each person, the range "
                                 "bounds the typical value")
                    within = None
                elif dist == "lognormal" and within[0] <= 0:
                    self.problem(vplace, f"'within' = {within!r} must be above zero for a lognormal spread",
                                 "give a positive lower edge")
                    within = None
            variations.append(Variation(pname, dist, 0.0 if spread is None else spread,
                                        self.text(raw, "why", vplace),
                                        self.citations(raw, vplace, required=True),
                                        None if within is None else (float(within[0]), float(within[1]))))
        genotypes = []
        graw = self.table(table.get("genotypes", {}), f"{place}.genotypes")
        for gname, raw in graw.items():
            if gname == "citations":
                continue
            gplace = f"{place}.genotypes.{gname}"
            raw = self.table(raw, gplace)
            self.unknown_keys(raw, {"frequency", "intervention"}, gplace)
            freq = self.quantity(raw, "frequency", "number", gplace, default=0.0, fraction=True,
                                 allow_param=False)
            iv = raw.get("intervention")
            if iv is not None and (not isinstance(iv, str) or iv not in interventions):
                self.problem(gplace, f"unknown intervention {iv!r}", suggest(str(iv), interventions))
                iv = None
            genotypes.append(Genotype(gname, freq or 0.0, iv))
        if genotypes and abs(sum(g.frequency for g in genotypes) - 1) > 1e-6:
            self.problem(f"{place}.genotypes", "genotype frequencies must add up to 1, not "
                         f"{sum(g.frequency for g in genotypes):g}", "adjust the frequencies")
        cites = self.citations(graw, f"{place}.genotypes", required=False) if graw else ()
        return PopulationSpec(response or 0.5, remission or 0.7,
                              self.text(table, "definitions", place, required=False),
                              tuple(variations), tuple(genotypes), cites, 0.0 if noise is None else noise,
                              0.0 if wander is None else wander, 168.0 if settle is None else settle)

    def build_interventions(self, table: dict, nodes: dict[str, Node], edges: list[Edge],
                            drugs: dict[str, Drug], parameters: dict[str, Parameter],
                            hypotheses: dict[str, Hypothesis]) -> dict[str, Intervention]:
        out = {}
        for name, raw in table.items():
            place = f"interventions.{name}"
            raw = self.table(raw, place)
            if not _NAME.match(name):
                self.problem(place, f"intervention name '{name}' must be lower-case words joined by -",
                             "rename it, e.g. [interventions.nbqx]")
            base = self.build_intervention(name, raw, place, nodes, edges, drugs, parameters)
            variants = {}
            for hyp, vraw in self.table(raw.get("under", {}), f"{place}.under").items():
                vplace = f"{place}.under.{hyp}"
                if hyp not in hypotheses:
                    self.problem(vplace, f"unknown hypothesis '{hyp}'", suggest(hyp, hypotheses))
                    continue
                vraw = self.table(vraw, vplace)
                merged = {"description": raw.get("description", ""),
                          "citations": raw.get("citations", []), **vraw}
                variants[hyp] = self.build_intervention(name, merged, vplace, nodes, edges, drugs,
                                                        parameters)
            out[name] = replace(base, variants=variants)
        return out

    def build_intervention(self, name, raw, place, nodes, edges, drugs, parameters) -> Intervention:
        self.unknown_keys(raw, {"description", "citations", "cut", "scale", "scale_parameters",
                                "doses", "reset", "under"}, place)
        pairs = {(e.source, e.target) for e in edges}

        def edge_ref(text, where):
            src, arrow, tgt = str(text).partition("->")
            key = (src.strip(), tgt.strip())
            if not arrow or key not in pairs:
                names = [f"{a} -> {b}" for a, b in sorted(pairs)]
                self.problem(where, f"no edge {text!r}", suggest(str(text), names) +
                             " (write edges as \"source -> target\")")
                return None
            return key

        cut = []
        raw_cut = raw.get("cut", [])
        if not isinstance(raw_cut, list):
            self.problem(place, "'cut' must be a list of \"source -> target\" strings",
                         "write cut = [\"source -> target\"]")
            raw_cut = []
        for text in raw_cut:
            key = edge_ref(text, f"{place}.cut")
            if key:
                cut.append(key)
        scale = []
        for text, factor in self.table(raw.get("scale", {}), f"{place}.scale").items():
            key = edge_ref(text, f"{place}.scale")
            if not isinstance(factor, (int, float)) or isinstance(factor, bool) \
                    or not 0 <= factor < 1e6:
                self.problem(f"{place}.scale", f"factor {factor!r} for {text!r} must be a number >= 0",
                             "use a factor from 0 (cut) to below 1e6; 1 leaves the edge as it is")
            elif key:
                scale.append((key, float(factor)))
        scale_params = []
        for pname, factor in self.table(raw.get("scale_parameters", {}),
                                        f"{place}.scale_parameters").items():
            if pname not in parameters:
                self.problem(f"{place}.scale_parameters", f"unknown parameter '{pname}'",
                             suggest(pname, parameters))
            elif not isinstance(factor, (int, float)) or isinstance(factor, bool) \
                    or not 0 < factor < 1e6:
                self.problem(f"{place}.scale_parameters", f"factor {factor!r} must be a number > 0",
                             "use a factor above 0 and below 1e6; 1 leaves the parameter as it is")
            else:
                scale_params.append((pname, float(factor)))
        doses = []
        raw_doses = raw.get("doses", [])
        for j, d in enumerate(raw_doses if isinstance(raw_doses, list) else []):
            dplace = f"{place}.doses[{j}]"
            d = self.table(d, dplace)
            self.unknown_keys(d, _DOSE_KEYS, dplace)
            dose = self.build_dose(d, dplace, drugs, allow_negative_start=True)
            if dose is not None:
                doses.append(dose)
        reset = []
        raw_reset = raw.get("reset", [])
        for j, r in enumerate(raw_reset if isinstance(raw_reset, list) else []):
            rplace = f"{place}.reset[{j}]"
            r = self.table(r, rplace)
            self.unknown_keys(r, {"node", "at"}, rplace)
            node = self.text(r, "node", rplace)
            if node and node not in nodes:
                self.problem(rplace, f"unknown node '{node}'", suggest(node, nodes))
            elif node and nodes[node].kind == "drug":
                self.problem(rplace, f"'{node}' is a drug; only other nodes can be reset",
                             "reset a node that has a state, e.g. a structure or signal")
            at = self.quantity(r, "at", "time", rplace, nonnegative=True, allow_param=False)
            if node in nodes and at is not None:
                reset.append((node, at))
        return Intervention(name, self.text(raw, "description", place),
                            self.citations(raw, place, required=True), tuple(cut), tuple(scale),
                            tuple(scale_params), tuple(doses), tuple(reset))

    def build_dose(self, d: dict, place: str, drugs: dict[str, Drug],
                   allow_negative_start: bool = False) -> Dose | None:
        drug = self.text(d, "drug", place)
        route = self.text(d, "route", place)
        # an empty name given is as wrong as a misspelt one (a missing one is reported above)
        if drug not in drugs and (drug or d.get("drug") == ""):
            self.problem(place, f"unknown drug '{drug}'", suggest(drug, drugs))
        elif drug in drugs and route not in drugs[drug].routes and (route or d.get("route") == ""):
            self.problem(place, f"drug '{drug}' has no route '{route}'",
                         suggest(route, drugs[drug].routes))
        amount = start = duration = every = None
        per_kg = False
        if "dose" not in d:
            self.problem(place, "missing field 'dose'", "add dose = \"0.5 mg/kg\" or \"10 mg\"")
        else:
            try:
                amount, dim = parse_quantity(d["dose"], ("mass", "dose_per_weight"))
                per_kg = dim == "dose_per_weight"
                if not 0 < amount < 1e6:
                    self.problem(place, f"dose {d['dose']!r} must be positive and finite",
                                 "give the dose as in a prescription, e.g. \"56 mg\"")
            except ValueError as exc:
                self.problem(place, f"'dose': {exc}", "write it like \"56 mg\" or \"0.5 mg/kg\"")
        start = self.quantity(d, "start", "time", place, required=False, default=0.0,
                              nonnegative=not allow_negative_start, allow_param=False)
        duration = self.quantity(d, "duration", "time", place, required=False, default=0.0,
                                 nonnegative=True, allow_param=False)
        every = self.quantity(d, "every", "time", place, required=False, positive=True,
                              allow_param=False)
        every = self.dose_interval(every, place)
        count = d.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            self.problem(place, f"count {count!r} must be a whole number of at least 1",
                         "leave out count to repeat until the end of the simulation")
            count = None
        if count is not None and every is None:
            self.problem(place, "'count' needs 'every'", "add every = \"24 h\"")
        if every is not None and duration and duration >= every:
            self.problem(place, "an infusion lasts as long as the interval between doses",
                         "shorten 'duration' or lengthen 'every'")
        if duration and drug in drugs and route in drugs[drug].routes \
                and drugs[drug].routes[route].absorption_half_life_h is not None:
            self.problem(place, f"route '{route}' is absorbed from a depot; it takes no 'duration'",
                         "leave out duration, or use a route without absorption_half_life")
        if amount is None or not amount > 0:
            return None
        return Dose(drug, route, amount, per_kg, start or 0.0, duration or 0.0, every, count)
