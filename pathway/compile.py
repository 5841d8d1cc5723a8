"""Turn a model into an ODE system: one term per edge, every term traceable.

The state vector holds, in order, the amounts (mg) in every pharmacokinetic
compartment and then the value of every non-drug node. Drug nodes have no
state of their own: a drug's value is the amount in its central compartment
divided by the central volume (ng/mL).

* Pharmacokinetics are linear: ``dA/dt = K @ A + u(t)``, with ``K`` built from
  clearances, volumes, intercompartmental flows, absorption rates and the
  ``metabolised-to`` edges; ``u`` is the infusion rate.
* A node relaxes toward a target made from its incoming edges (see
  ``models/ketamine.toml`` for the two response forms), with time constant
  ``tau_rise`` while below its target and ``tau_fall`` while above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import equations as eq
from .errors import UsageError, suggest
from .evidence import evidence_phrase
from .modelfile import EDGE_FIELD as _EDGE_FIELD, Edge, Model, ParamRef, Value, format_quantity

PRODUCT, HILL = eq.RESPONSE_INDEX["product"], eq.RESPONSE_INDEX["hill"]


@dataclass(frozen=True)
class Compartment:
    drug: str
    kind: str          # "central", "peripheral1", ..., or "depot:<route>"
    volume_l: float    # nan for a depot

    @property
    def name(self) -> str:
        return f"{self.drug}.{self.kind}"


class KernelArrays(NamedTuple):
    """The arrays the solver kernel reads, as one tuple in this order (the one
    place that order is written down besides ``_kernel`` itself)."""

    pk_lam: np.ndarray         # decay rates of the pharmacokinetic modes (1/h)
    conc_matrix: np.ndarray    # plasma concentrations (ng/mL) = conc_matrix @ modes
    pk_vinv: np.ndarray        # amounts -> modes
    tau_rise: np.ndarray       # per node, h
    tau_fall: np.ndarray
    baseline: np.ndarray
    mode: np.ndarray           # the node's response: its index in equations.RESPONSES
    n_par: np.ndarray          # (node, N_NODE_PARAMS): the response's parameters, in order
    e_src: np.ndarray          # per term: index into the signal vector [drugs..., nodes...]
    e_tgt: np.ndarray          # index of the target node
    e_kind: np.ndarray         # the edge's signal: its index in equations.SIGNALS
    e_sign: np.ndarray         # +1 activates, -1 inhibits
    e_strength: np.ndarray
    e_par: np.ndarray          # (term, N_EDGE_PARAMS): the signal's parameters, in order


@dataclass(frozen=True)
class Term:
    """One term of the equations: the contribution of one active edge to its target.

    ``signal`` names its kind in :data:`pathway.equations.SIGNALS` (for example
    ``"occupancy"``, a drug's C^n / (C^n + ec50^n), or ``"relative"``, a node's
    x / baseline - 1); ``params`` are that kind's parameter values by symbol.
    """

    edge: Edge
    signal: str
    sign: float
    strength: float
    params: tuple[tuple[str, float], ...]

    def param(self, symbol: str) -> float:
        return dict(self.params)[symbol]

    @property
    def ec50_ng_ml(self) -> float | None:
        return dict(self.params).get("ec50")

    @property
    def hill(self) -> float:
        return dict(self.params).get("n", 1.0)

    @property
    def source_baseline(self) -> float:
        return dict(self.params).get("srcbase", 1.0)


@dataclass(frozen=True)
class ParamUse:
    """Where a parameter enters: ``array`` is a KernelArrays field (``index`` its
    flat position; the entry equals the parameter's value), ``"pk"`` (the
    pharmacokinetic matrix, which mixes it with other numbers) or ``"dose"``
    (mg/kg doses are multiplied by it, or it is what an administration adds to the
    expectancy store)."""

    array: str
    index: int = -1


@dataclass(frozen=True)
class OdeSystem:
    """A model compiled to equations: the kernel's arrays, the terms they encode
    (one per active signalling edge, in array order) and where every parameter
    enters. Built only by :func:`compile_model`."""

    model: Model
    compartments: tuple[Compartment, ...]
    pk_matrix: np.ndarray          # (n_pk, n_pk), 1/h: dA/dt = K A + u
    pk_v: np.ndarray               # V: amounts = V @ modes
    drug_ids: tuple[str, ...]
    drug_central: np.ndarray       # index of each drug's central compartment
    drug_scale: np.ndarray         # ng/mL per mg in the central compartment
    node_ids: tuple[str, ...]      # the non-drug nodes, in state order
    terms: tuple[Term, ...]
    metabolism: tuple[Edge, ...]   # the active metabolised-to edges (in the PK matrix)
    kernel: KernelArrays
    param_uses: dict[str, tuple[ParamUse, ...]]

    @property
    def n_pk(self) -> int:
        return len(self.compartments)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.compartments) + self.node_ids

    @property
    def baseline(self) -> np.ndarray:
        return self.kernel.baseline

    def compartment_index(self, drug: str, kind: str) -> int:
        for i, c in enumerate(self.compartments):
            if c.drug == drug and c.kind == kind:
                return i
        raise UsageError(f"drug '{drug}' has no compartment '{kind}'")

    def node_index(self, node_id: str) -> int:
        """Position of a non-drug node among the nodes (its state is n_pk + this)."""
        try:
            return self.node_ids.index(node_id)
        except ValueError:
            raise UsageError(f"'{node_id}' is not a node with a state of its own\n"
                             f"  hint: {suggest(node_id, self.node_ids)}") from None

    def amounts(self, modes: np.ndarray) -> np.ndarray:
        """Amounts (mg) per compartment from modal coordinates (time-major rows)."""
        return modes @ self.pk_v.T

    def node_param(self, k: int, name: str) -> float:
        """Node k's response parameter ``name`` (by its model-file key, e.g.
        "maximum"); nan where its response has no such parameter."""
        form = eq.RESPONSES[int(self.kernel.mode[k])]
        for j, p in enumerate(form.params):
            if p.source == name:
                return float(self.kernel.n_par[k, j])
        return math.nan

    def ceiling_column(self, k: int) -> int:
        """Where node k's ceiling (its response's "maximum") sits in the flat
        ``n_par`` array, or -1 if its response has none."""
        form = eq.RESPONSES[int(self.kernel.mode[k])]
        for j, p in enumerate(form.params):
            if p.source == "maximum":
                return k * eq.N_NODE_PARAMS + j
        return -1

    def readout_ceiling(self, k: int) -> float:
        """The most a readout can reach: its response's maximum, else 1."""
        at = self.ceiling_column(k)
        return float(self.kernel.n_par.flat[at]) if at >= 0 else 1.0

    def initial_state(self) -> np.ndarray:
        """No drug anywhere; every node at its baseline (the untreated steady state)."""
        return np.concatenate([np.zeros(self.n_pk), self.kernel.baseline])


class _Uses:
    """Resolves model values while noting where each parameter lands."""

    def __init__(self, model: Model):
        self.model = model
        self.uses: dict[str, list[ParamUse]] = {}

    def __call__(self, v: Value | None, array: str = "pk", index: int = -1):
        if isinstance(v, ParamRef):
            self.uses.setdefault(v.name, []).append(ParamUse(array, index))
        return self.model.value(v)


def _pk_matrix(model: Model, val):
    """The compartments and the linear pharmacokinetic matrix K (dA/dt = K A + u)."""
    drug_ids = tuple(n.id for n in model.nodes if n.kind == "drug")
    comps: list[Compartment] = []
    for d in drug_ids:
        drug = model.drugs[d]
        comps.append(Compartment(d, "central", val(drug.volume_l)))
        for k, (vol, _) in enumerate(drug.peripheral, start=1):
            comps.append(Compartment(d, f"peripheral{k}", val(vol)))
        for route in drug.routes.values():
            if route.absorption_half_life_h is not None:
                comps.append(Compartment(d, f"depot:{route.name}", math.nan))
    index = {(c.drug, c.kind): i for i, c in enumerate(comps)}
    K = np.zeros((len(comps), len(comps)))
    for d in drug_ids:
        drug = model.drugs[d]
        c = index[(d, "central")]
        vc = val(drug.volume_l)
        K[c, c] -= val(drug.clearance_l_h) / vc
        for k, (vol, flow) in enumerate(drug.peripheral, start=1):
            p = index[(d, f"peripheral{k}")]
            q, vp = val(flow), val(vol)
            K[c, c] -= q / vc
            K[p, c] += q / vc
            K[p, p] -= q / vp
            K[c, p] += q / vp
        for route in drug.routes.values():
            val(route.bioavailability, "bioavailability")
            val(route.expectancy, "dose")       # added to the expectancy store at each administration
            if route.absorption_half_life_h is not None:
                dep = index[(d, f"depot:{route.name}")]
                ka = math.log(2) / val(route.absorption_half_life_h)
                K[dep, dep] -= ka
                K[c, dep] += ka
    metabolism = tuple(e for e in model.active_edges() if e.effect == "metabolised-to")
    for e in metabolism:
        src = model.drugs[e.source]
        K[index[(e.target, "central")], index[(e.source, "central")]] += \
            val(e.fraction) * val(src.clearance_l_h) / val(src.volume_l)
    return drug_ids, comps, index, K, metabolism


def pk_arrays(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Just the pharmacokinetic kernel arrays (``pk_lam``, ``conc_matrix``,
    ``pk_vinv``) of ``model``: what changes when a clearance, volume or
    absorption parameter does (used to vary those between virtual patients)."""
    drug_ids, comps, index, K, _ = _pk_matrix(model, lambda v, *where: model.value(v))
    lam, vec, vinv = _modes(K)
    conc = (np.ascontiguousarray(vec[[index[(d, "central")] for d in drug_ids]]
                                 * _arr(1000.0 / model.value(model.drugs[d].volume_l)
                                        for d in drug_ids)[:, None])
            if drug_ids else np.zeros((0, len(comps))))
    return lam, conc, vinv


def compile_model(model: Model) -> OdeSystem:
    """Compile ``model`` (with its hypotheses and interventions as they stand) into
    an :class:`OdeSystem`: the one place where the model file becomes equations."""
    val = _Uses(model)
    drug_ids, comps, index, K, metabolism = _pk_matrix(model, val)
    if model.roles.body_weight:
        val.uses.setdefault(model.roles.body_weight, []).append(ParamUse("dose"))
    lam, vec, vinv = _modes(K)
    nodes = [n for n in model.nodes if n.kind != "drug"]
    node_ids = tuple(n.id for n in nodes)
    signal_index = {d: i for i, d in enumerate(drug_ids)}
    signal_index.update({n: len(drug_ids) + i for i, n in enumerate(node_ids)})
    node_index = {n: i for i, n in enumerate(node_ids)}
    by_id = {n.id: n for n in model.nodes}

    def per_node(field_name: str, array: str) -> np.ndarray:
        return _arr(val(getattr(n, field_name), array, k) for k, n in enumerate(nodes))

    tau_rise, tau_fall = per_node("tau_rise_h", "tau_rise"), per_node("tau_fall_h", "tau_fall")
    baseline = per_node("baseline", "baseline")
    mode = _arr((eq.RESPONSE_INDEX[n.response] for n in nodes), np.int64)
    n_par = np.ones((len(nodes), eq.N_NODE_PARAMS))
    for k, n in enumerate(nodes):
        for c, p in enumerate(eq.response(n.response).params):
            n_par[k, c] = val(getattr(n, p.source), "n_par", k * eq.N_NODE_PARAMS + c)
    terms = []
    edges = [x for x in model.active_edges() if x.effect != "metabolised-to"]
    e_par = np.ones((len(edges), eq.N_EDGE_PARAMS))
    for j, e in enumerate(edges):
        form = eq.signal(e.signal)
        params = []
        for c, p in enumerate(form.params):
            where = (by_id[e.source].baseline if p.source == "source baseline"
                     else getattr(e, _EDGE_FIELD[p.source]))
            e_par[j, c] = val(where, "e_par", j * eq.N_EDGE_PARAMS + c)
            params.append((p.symbol, float(e_par[j, c])))
        terms.append(Term(
            edge=e, signal=e.signal, sign=1.0 if e.effect == "activates" else -1.0,
            strength=val(e.strength, "e_strength", j), params=tuple(params)))
    kernel = KernelArrays(
        pk_lam=lam,
        conc_matrix=np.ascontiguousarray(
            vec[[index[(d, "central")] for d in drug_ids]]
            * _arr(1000.0 / model.value(model.drugs[d].volume_l) for d in drug_ids)[:, None])
        if drug_ids else np.zeros((0, len(comps))),
        pk_vinv=vinv, tau_rise=tau_rise, tau_fall=tau_fall, baseline=baseline,
        mode=mode, n_par=np.ascontiguousarray(n_par),
        e_src=_arr((signal_index[t.edge.source] for t in terms), np.int64),
        e_tgt=_arr((node_index[t.edge.target] for t in terms), np.int64),
        e_kind=_arr((eq.SIGNAL_INDEX[t.signal] for t in terms), np.int64),
        e_sign=_arr(t.sign for t in terms),
        e_strength=_arr(t.strength for t in terms),
        e_par=np.ascontiguousarray(e_par))
    return OdeSystem(
        model=model, compartments=tuple(comps), pk_matrix=np.ascontiguousarray(K), pk_v=vec,
        drug_ids=drug_ids,
        drug_central=_arr((index[(d, "central")] for d in drug_ids), np.int64),
        drug_scale=_arr(1000.0 / model.value(model.drugs[d].volume_l) for d in drug_ids),
        node_ids=node_ids, terms=tuple(terms), metabolism=metabolism, kernel=kernel,
        param_uses={k: tuple(v) for k, v in val.uses.items()})


def _arr(values, dtype=float) -> np.ndarray:
    return np.ascontiguousarray(np.array(list(values), dtype=dtype))


def _modes(K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Diagonalise the pharmacokinetic matrix.

    Linear compartment models (mammillary compartments, depots and metabolite
    chains) have real, negative eigenvalues. Two equal rates in one chain (say an
    absorption half-life equal to an elimination half-life) make K defective;
    then a deterministic nudge of one part in 10^7 to the diagonal separates
    them, far below any effect on the curves.
    """
    if K.shape[0] == 0:
        return np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0))
    if not np.all(np.isfinite(K)):
        raise UsageError("the pharmacokinetic rates are not finite\n"
                         "  hint: check the drugs' volumes, flows and half-lives for extreme values")
    for attempt in range(4):
        try:
            w, v = np.linalg.eig(K)
        except np.linalg.LinAlgError:
            break
        if np.max(np.abs(w.imag)) <= 1e-9 * np.max(np.abs(w.real)) and np.linalg.cond(v) < 1e8:
            v = v.real
            return (np.ascontiguousarray(-w.real), np.ascontiguousarray(v),
                    np.ascontiguousarray(np.linalg.inv(v)))
        K = K + np.diag(np.diag(K) * 1e-7 * (1 + np.arange(K.shape[0])))
    raise UsageError("the pharmacokinetic matrix cannot be diagonalised\n"
                     "  hint: check the drugs' volumes, flows and clearances for extreme values")


def _cite(model: Model, keys) -> str:
    short = []
    for k in keys:
        ref = model.references.get(k, k)
        short.append(ref.split(")")[0] + ")" if ")" in ref else ref)
    return "; ".join(short)


def _grade_text(edge: Edge) -> str:
    """An edge's grade with what its evidence is from, e.g. "preliminary, rodent data only (mouse)"."""
    phrase = evidence_phrase(edge.species)
    return f"{edge.grade}, {phrase}" if phrase else edge.grade


def explain(model: Model, node_id: str, system: OdeSystem | None = None) -> str:
    """Explain one node's equation in words and symbols, term by term.

    The terms are those :func:`compile_model` hands the solver, so what is
    printed is what runs: an edge whose hypothesis is off has no term and is
    mentioned only as a hypothesis that would add one.

    >>> from pathway import load_model
    >>> m = load_model()
    >>> explain(m, m.primary).splitlines()[2].startswith(f"  d{m.primary}/dt = (target - ")
    True
    """
    node = model.node(node_id)
    system = system or compile_model(model)
    lines = [f"{node.id}: {node.label} ({node.kind}, {node.branch} branch)"]
    if node.description:
        lines.append(f"  {node.description}")
    fmt = lambda x, dim: format_quantity(x, dim)  # noqa: E731
    if node.kind == "drug":
        drug = model.drugs[node_id]
        lines.append(f"  value = amount in the central compartment / "
                     f"{fmt(model.value(drug.volume_l), 'volume')}, in ng/mL")
        lines.append(f"  cleared at {fmt(model.value(drug.clearance_l_h), 'flow')}; "
                     f"{len(drug.peripheral)} peripheral compartment(s); routes: "
                     f"{', '.join(drug.routes) or 'none (formed only as a metabolite)'}")
        for e in system.metabolism:
            if e.target == node_id:
                lines.append(f"  + edge[{e.index}] {e.name}: a fraction {model.value(e.fraction):g} "
                             f"of {e.source}'s clearance becomes {node_id} "
                             f"[{_grade_text(e)}; {_cite(model, e.citations)}]")
        return "\n".join(lines)
    k = system.node_index(node_id)
    kern = system.kernel
    rise, fall = float(kern.tau_rise[k]), float(kern.tau_fall[k])
    tau = (f"tau = {fmt(rise, 'time')}" if rise == fall else
           f"tau = {fmt(rise, 'time')} while rising, {fmt(fall, 'time')} while falling")
    rate = eq.relaxation(eq.var(node.id), eq.var("target"), eq.var("tau"))
    lines.append(f"  d{node.id}/dt = {eq.to_text(rate)},   {tau}")
    terms = [t for t in system.terms if t.edge.target == node_id]
    form = eq.RESPONSES[int(kern.mode[k])]
    node_params = {p.symbol: eq.num(float(kern.n_par[k, j])) for j, p in enumerate(form.params)}
    signals = [(t.sign, eq.num(t.strength), eq.var(f"s[{t.edge.source}]")) for t in terms]
    base = eq.num(float(kern.baseline[k]))
    if len(terms) > 1 and form.combine == "+":
        # the sum once, by name, rather than at each place the target uses it
        lines.append(f"  A = {eq.to_text(eq.combination(form.name, signals))}")
        target = eq.target_expr(form.name, base, node_params, signals, acc=eq.var("A"))
    else:
        target = eq.target_expr(form.name, base, node_params, signals)
    lines.append(f"  target = {eq.to_text(target)}")
    lines.append(f"    ({form.name} response: {form.text})")
    for t in terms:
        x = "C" if t.signal == "occupancy" else t.edge.source
        s_expr = eq.signal_expr(t.signal, eq.var(x), {p: eq.num(v) for p, v in t.params})
        what = eq.signal(t.signal).text
        if t.signal == "occupancy":
            what += f", C = plasma {t.edge.source}"
        lines.append(f"  s[{t.edge.source}] = {eq.to_text(s_expr)}   ({t.signal}: {what})")
    lines.append("  terms, one per edge:")
    if not terms:
        lines.append("    (none: the node stays at its baseline)")
    for t in terms:
        e = t.edge
        state = f" [hypothesis '{e.hypothesis}', on]" if e.hypothesis else ""
        lines.append(f"    edge[{e.index}] {e.name} ({_grade_text(e)}){state}: {e.note}")
        lines.append(f"      sources: {_cite(model, e.citations)}")
    off = sorted({e.hypothesis for e in model.edges if e.target == node_id and e.hypothesis
                  and not model.hypotheses[e.hypothesis].enabled})
    for h in off:
        lines.append(f"  (the contested hypothesis '{h}' is off; switched on, it adds a term here:"
                     f" pathway explain {node_id} --hypothesis {h})")
        if model.hypotheses[h].description:
            lines.append(f"    {h}: {model.hypotheses[h].description}")
    return "\n".join(lines)
