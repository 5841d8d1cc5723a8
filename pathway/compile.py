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

import numpy as np

from .errors import UsageError
from .modelfile import Edge, Model, format_quantity

PRODUCT, HILL = 0, 1


@dataclass(frozen=True)
class Compartment:
    drug: str
    kind: str          # "central", "peripheral1", ..., or "depot:<route>"
    volume_l: float    # nan for a depot

    @property
    def name(self) -> str:
        return f"{self.drug}.{self.kind}"


@dataclass(frozen=True)
class OdeSystem:
    """Arrays that the solver kernel reads, plus the names that explain them."""

    model: Model
    compartments: tuple[Compartment, ...]
    pk_matrix: np.ndarray          # (n_pk, n_pk), 1/h: dA/dt = K A + u
    pk_lam: np.ndarray             # decay rates of the modes (1/h): K = V diag(-lam) V^-1
    pk_v: np.ndarray               # V: amounts = V @ modes
    pk_vinv: np.ndarray            # V^-1: modes = V^-1 @ amounts
    drug_ids: tuple[str, ...]
    drug_central: np.ndarray       # index of each drug's central compartment
    drug_scale: np.ndarray         # ng/mL per mg in the central compartment
    node_ids: tuple[str, ...]      # the non-drug nodes, in state order
    tau_rise: np.ndarray
    tau_fall: np.ndarray
    baseline: np.ndarray
    mode: np.ndarray               # PRODUCT or HILL
    maximum: np.ndarray
    half: np.ndarray
    hill: np.ndarray
    edges: tuple[Edge, ...]        # the signalling edges, in array order
    e_src: np.ndarray              # index into the signal vector [drugs..., nodes...]
    e_tgt: np.ndarray              # index of the target node
    e_drug: np.ndarray             # 1 if the source is a drug (occupancy signal)
    e_sign: np.ndarray             # +1 activates, -1 inhibits
    e_strength: np.ndarray
    e_ec50: np.ndarray
    e_hill: np.ndarray
    e_srcbase: np.ndarray          # the source node's baseline (relative-change signal)

    @property
    def n_pk(self) -> int:
        return len(self.compartments)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.compartments) + self.node_ids

    def compartment_index(self, drug: str, kind: str) -> int:
        for i, c in enumerate(self.compartments):
            if c.drug == drug and c.kind == kind:
                return i
        raise UsageError(f"drug '{drug}' has no compartment '{kind}'")

    @property
    def conc_matrix(self) -> np.ndarray:
        """Plasma concentrations (ng/mL) = conc_matrix @ modes."""
        return np.ascontiguousarray(self.pk_v[self.drug_central] * self.drug_scale[:, None])

    def amounts(self, modes: np.ndarray) -> np.ndarray:
        """Amounts (mg) per compartment from modal coordinates (time-major rows)."""
        return modes @ self.pk_v.T

    def initial_state(self) -> np.ndarray:
        """No drug anywhere; every node at its baseline (the untreated steady state)."""
        return np.concatenate([np.zeros(self.n_pk), self.baseline])

    def arrays(self) -> tuple:
        """The arrays in the order the kernel takes them."""
        return (self.pk_lam, self.conc_matrix, self.pk_vinv, self.tau_rise,
                self.tau_fall, self.baseline, self.mode, self.maximum, self.half, self.hill,
                self.e_src, self.e_tgt, self.e_drug, self.e_sign, self.e_strength, self.e_ec50,
                self.e_hill, self.e_srcbase)


def compile_model(model: Model) -> OdeSystem:
    """Compile ``model`` (with its hypotheses as switched) into an :class:`OdeSystem`."""
    v = model.value
    drug_ids = tuple(n.id for n in model.nodes if n.kind == "drug")
    comps: list[Compartment] = []
    for d in drug_ids:
        drug = model.drugs[d]
        comps.append(Compartment(d, "central", v(drug.volume_l)))
        for k, (vol, _) in enumerate(drug.peripheral, start=1):
            comps.append(Compartment(d, f"peripheral{k}", v(vol)))
        for route in drug.routes.values():
            if route.absorption_half_life_h is not None:
                comps.append(Compartment(d, f"depot:{route.name}", math.nan))
    index = {(c.drug, c.kind): i for i, c in enumerate(comps)}
    K = np.zeros((len(comps), len(comps)))
    for d in drug_ids:
        drug = model.drugs[d]
        c = index[(d, "central")]
        vc = v(drug.volume_l)
        K[c, c] -= v(drug.clearance_l_h) / vc
        for k, (vol, flow) in enumerate(drug.peripheral, start=1):
            p = index[(d, f"peripheral{k}")]
            q, vp = v(flow), v(vol)
            K[c, c] -= q / vc
            K[p, c] += q / vc
            K[p, p] -= q / vp
            K[c, p] += q / vp
        for route in drug.routes.values():
            if route.absorption_half_life_h is not None:
                dep = index[(d, f"depot:{route.name}")]
                ka = math.log(2) / v(route.absorption_half_life_h)
                K[dep, dep] -= ka
                K[c, dep] += ka
    for e in model.active_edges():
        if e.effect == "metabolised-to":
            src = model.drugs[e.source]
            K[index[(e.target, "central")], index[(e.source, "central")]] += \
                v(e.fraction) * v(src.clearance_l_h) / v(src.volume_l)

    lam, vec, vinv = _modes(K)
    nodes = [n for n in model.nodes if n.kind != "drug"]
    node_ids = tuple(n.id for n in nodes)
    signal_index = {d: i for i, d in enumerate(drug_ids)}
    signal_index.update({n: len(drug_ids) + i for i, n in enumerate(node_ids)})
    node_index = {n: i for i, n in enumerate(node_ids)}
    baselines = {n.id: v(n.baseline) for n in model.nodes}
    edges = tuple(e for e in model.active_edges() if e.effect != "metabolised-to")

    def arr(values, dtype=float):
        return np.ascontiguousarray(np.array(list(values), dtype=dtype))

    return OdeSystem(
        model=model,
        compartments=tuple(comps),
        pk_matrix=np.ascontiguousarray(K),
        pk_lam=lam, pk_v=vec, pk_vinv=vinv,
        drug_ids=drug_ids,
        drug_central=arr((index[(d, "central")] for d in drug_ids), np.int64),
        drug_scale=arr(1000.0 / v(model.drugs[d].volume_l) for d in drug_ids),
        node_ids=node_ids,
        tau_rise=arr(v(n.tau_rise_h) for n in nodes),
        tau_fall=arr(v(n.tau_fall_h) for n in nodes),
        baseline=arr(v(n.baseline) for n in nodes),
        mode=arr((HILL if n.response == "hill" else PRODUCT for n in nodes), np.int64),
        maximum=arr(v(n.maximum) for n in nodes),
        half=arr(v(n.half) for n in nodes),
        hill=arr(v(n.hill) for n in nodes),
        edges=edges,
        e_src=arr((signal_index[e.source] for e in edges), np.int64),
        e_tgt=arr((node_index[e.target] for e in edges), np.int64),
        e_drug=arr((e.source in model.drugs for e in edges), np.int64),
        e_sign=arr(1.0 if e.effect == "activates" else -1.0 for e in edges),
        e_strength=arr(v(e.strength) for e in edges),
        e_ec50=arr((v(e.ec50_ng_ml) or 1.0) for e in edges),
        e_hill=arr(v(e.hill) for e in edges),
        e_srcbase=arr((baselines[e.source] or 1.0) for e in edges),
    )


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


def explain(model: Model, node_id: str) -> str:
    """Explain one node's equation in words and symbols, edge by edge.

    >>> print(explain(load_model(), "glutamate"))      # doctest: +SKIP
    """
    node = model.node(node_id)
    v = model.value
    lines = [f"{node.id}: {node.label} ({node.kind}, {node.branch} branch)"]
    if node.description:
        lines.append(f"  {node.description}")
    incoming = [e for e in model.edges if e.target == node_id]
    if node.kind == "drug":
        drug = model.drugs[node_id]
        lines.append(f"  value = amount in the central compartment / {format_quantity(v(drug.volume_l), 'volume')}, "
                     "in ng/mL")
        lines.append(f"  cleared at {format_quantity(v(drug.clearance_l_h), 'flow')}; "
                     f"{len(drug.peripheral)} peripheral compartment(s); routes: "
                     f"{', '.join(drug.routes) or 'none (formed only as a metabolite)'}")
        for e in incoming:
            lines.append(f"  + edge[{e.index}] {e.name}: a fraction {v(e.fraction):g} of "
                         f"{e.source}'s clearance becomes {node_id} [{e.grade}; {_cite(model, e.citations)}]")
        return "\n".join(lines)
    rise, fall = v(node.tau_rise_h), v(node.tau_fall_h)
    tau = (f"tau = {format_quantity(rise, 'time')}" if rise == fall else
           f"tau = {format_quantity(rise, 'time')} while rising, "
           f"{format_quantity(fall, 'time')} while falling")
    lines.append(f"  d{node.id}/dt = (target - {node.id}) / tau,   {tau}")
    signals = []
    for e in incoming:
        if e.source in model.drugs:
            n = v(e.hill)
            signals.append(f"s[{e.source}] = C^{n:g} / (C^{n:g} + {v(e.ec50_ng_ml):g}^{n:g})"
                           f"   (occupancy, C = plasma {e.source} in ng/mL)")
        else:
            signals.append(f"s[{e.source}] = {e.source} / {v(model.node(e.source).baseline):g} - 1"
                           "   (relative change)")
    sign = {"activates": "+", "inhibits": "-"}
    if node.response == "product":
        factors = " * ".join(f"max(0, 1 {sign[e.effect]} {v(e.strength):g}*s[{e.source}])"
                             for e in incoming) or "1"
        lines.append(f"  target = {v(node.baseline):g} * {factors}")
    else:
        drive = " ".join(f"{sign[e.effect]} {v(e.strength):g}*s[{e.source}]" for e in incoming) or "0"
        n = v(node.hill)
        lines.append(f"  D = max(0, {drive})")
        lines.append(f"  target = {v(node.baseline):g} + ({v(node.maximum):g} - {v(node.baseline):g})"
                     f" * D^{n:g} / (D^{n:g} + {v(node.half):g}^{n:g})")
    lines.extend(f"  {s}" for s in signals)
    lines.append("  terms, one per edge:")
    if not incoming:
        lines.append("    (none: the node stays at its baseline)")
    for e in incoming:
        state = ""
        if e.hypothesis:
            on = model.hypotheses[e.hypothesis].enabled
            state = f" [hypothesis '{e.hypothesis}', {'on' if on else 'off: this term is absent'}]"
        lines.append(f"    edge[{e.index}] {e.name} ({e.grade}){state}: {e.note}")
        lines.append(f"      sources: {_cite(model, e.citations)}")
    return "\n".join(lines)
