"""The model's equations, written once.

Every non-drug node relaxes toward a target made from its incoming edges:

    dx/dt = (target - x) / tau,   tau = tau_rise while x is below its target, else tau_fall

An edge contributes a *signal* ``s`` computed from its source (a drug's plasma
level, or another node's value), and the node's *response* folds the signals of
its edges into the target. Both come in a few kinds, declared here and nowhere
else, as small expression trees (:class:`Expr`). From these declarations come

* the numba functions the solver kernel calls (``pathway/_terms.py``),
* the same functions for the browser's solver (a marked region of
  ``pathway/web/solver.js``),
* the SBML math of every node (:func:`target_expr` rendered by :func:`to_sbml`),
* the equations ``explain()`` prints (rendered by :func:`to_text`).

The two generated files are written by ``python pathway/_generate.py``; a test
fails, naming that command, when either no longer matches these declarations. So
a new kind of signal or response is one entry in :data:`SIGNALS` or
:data:`RESPONSES` and one run of the generator.

A kind's parameters are columns of the kernel's per-edge (``e_par``) or per-node
(``n_par``) parameter matrices, in the order declared; each names where its value
comes from in the model file (an edge key, or the source node's baseline).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


# ---------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Expr:
    """A node of an expression tree: ``op`` is "num", "var", "+", "-", "*", "/",
    "pow" or "pos" (max(0, x)); ``args`` are sub-expressions (or the number or
    the variable's name)."""

    op: str
    args: tuple

    def __add__(self, other): return Expr("+", (self, _e(other)))
    def __radd__(self, other): return Expr("+", (_e(other), self))
    def __sub__(self, other): return Expr("-", (self, _e(other)))
    def __rsub__(self, other): return Expr("-", (_e(other), self))
    def __mul__(self, other): return Expr("*", (self, _e(other)))
    def __rmul__(self, other): return Expr("*", (_e(other), self))
    def __truediv__(self, other): return Expr("/", (self, _e(other)))
    def __rtruediv__(self, other): return Expr("/", (_e(other), self))
    def __pow__(self, other): return Expr("pow", (self, _e(other)))

    def variables(self) -> set[str]:
        if self.op == "var":
            return {self.args[0]}
        if self.op == "num":
            return set()
        return set().union(*(a.variables() for a in self.args))

    def subs(self, values: dict[str, "Expr"]) -> "Expr":
        """The expression with variables replaced (names not in ``values`` stay)."""
        if self.op == "var":
            return values.get(self.args[0], self)
        if self.op == "num":
            return self
        return Expr(self.op, tuple(a.subs(values) for a in self.args))


def var(name: str) -> Expr:
    return Expr("var", (name,))


def num(x: float) -> Expr:
    return Expr("num", (float(x),))


def pos(x: Expr) -> Expr:
    """max(0, x)."""
    return Expr("pos", (_e(x),))


def _e(x) -> Expr:
    return x if isinstance(x, Expr) else num(x)


# ---------------------------------------------------------------- the kinds

@dataclass(frozen=True)
class Param:
    """A parameter of a kind: its symbol in the expressions, where its value comes
    from (an edge or node key of the model file, or ``"source baseline"``), its
    dimension for the units, and its SBO term."""

    symbol: str
    source: str
    dimension: str
    sbo: int                         # its Systems Biology Ontology term (SBO:0000...)
    sbml: str                        # the prefix of its SBML id (the owner's id follows)
    default: float | None = None     # None: the model file must give it
    positive: bool = True            # else zero is allowed too


@dataclass(frozen=True)
class Signal:
    """How an edge turns its source's value ``x`` into a signal ``s`` (zero when
    the source is at rest or, for a drug, absent). ``lets`` are named steps,
    evaluated in order before ``value``."""

    name: str
    source_kind: str                 # "drug" or "node": what the edge starts at
    params: tuple[Param, ...]
    value: Expr
    lets: tuple[tuple[str, Expr], ...] = ()
    text: str = ""                   # a sentence for explain()

    def expr(self) -> Expr:
        """The value with the ``lets`` substituted (for SBML and text)."""
        out, env = self.value, {}
        for name, e in self.lets:
            env[name] = e.subs(env)
        return out.subs(env)


@dataclass(frozen=True)
class Response:
    """How a node folds its edges' signals into its target: each edge gives
    ``term`` (of ``sign``, its strength ``w`` and its signal ``s``), the terms are
    combined by ``combine`` ("*" or "+") starting from ``start``, and the target is
    ``target`` of the combination ``acc`` and the node's ``base``line."""

    name: str
    params: tuple[Param, ...]
    term: Expr
    combine: str
    start: float
    target: Expr
    lets: tuple[tuple[str, Expr], ...] = ()
    text: str = ""

    def expr(self) -> Expr:
        """The target with the ``lets`` substituted (for SBML and text)."""
        env: dict[str, Expr] = {}
        for name, e in self.lets:
            env[name] = e.subs(env)
        return self.target.subs(env)


X, S, W, SIGN, ACC, BASE = (var(n) for n in ("x", "s", "w", "sign", "acc", "base"))

#: The signals, in the order of their kernel index (``e_kind``).
SIGNALS: tuple[Signal, ...] = (
    Signal(
        name="relative", source_kind="node",
        params=(Param("srcbase", "source baseline", "number", 2, "baseline"),),
        value=X / var("srcbase") - 1.0,
        text="relative change of the source from its resting level"),
    Signal(
        name="occupancy", source_kind="drug",
        params=(Param("ec50", "ec50", "concentration", 287, "ec50"),
                Param("n", "hill", "number", 190, "n", 1.0)),
        lets=(("xn", (X / var("ec50")) ** var("n")),),
        value=var("xn") / (1.0 + var("xn")),
        text="receptor occupancy by the drug at plasma level x (ng/mL)"),
    Signal(
        name="saturating", source_kind="node",
        params=(Param("srcbase", "source baseline", "number", 2, "baseline"),
                Param("n", "hill", "number", 190, "n", 1.0)),
        lets=(("un", (X / var("srcbase")) ** var("n")),),
        value=(var("un") - 1.0) / (var("un") + 1.0),
        text="change of the source from rest, saturating at +1 and -1"),
)

#: The responses, in the order of their kernel index (``mode``).
RESPONSES: tuple[Response, ...] = (
    Response(
        name="product", params=(),
        term=pos(1.0 + SIGN * W * S), combine="*", start=1.0,
        target=BASE * ACC,
        text="each edge scales the resting level by max(0, 1 +/- w*s)"),
    Response(
        name="hill",
        params=(Param("maximum", "maximum", "number", 2, "max", positive=False),
                Param("half", "half", "number", 2, "half"),
                Param("n", "hill", "number", 190, "hill")),
        term=SIGN * W * S, combine="+", start=0.0,
        lets=(("dn", pos(ACC) ** var("n")),),
        target=BASE + (var("maximum") - BASE) * var("dn") / (var("dn") + var("half") ** var("n")),
        text="the signed sum A of the edges' w*s drives a Hill curve from the resting "
             "level to the maximum"),
)

SIGNAL_INDEX = {s.name: i for i, s in enumerate(SIGNALS)}
RESPONSE_INDEX = {r.name: i for i, r in enumerate(RESPONSES)}
#: columns of the parameter matrices
N_EDGE_PARAMS = max(len(s.params) for s in SIGNALS)
N_NODE_PARAMS = max(1, max(len(r.params) for r in RESPONSES))


def signal(name: str) -> Signal:
    return SIGNALS[SIGNAL_INDEX[name]]


def response(name: str) -> Response:
    return RESPONSES[RESPONSE_INDEX[name]]


def default_signal(source_is_drug: bool) -> str:
    return "occupancy" if source_is_drug else "relative"


def relaxation(x: Expr, target: Expr, tau: Expr) -> Expr:
    """dx/dt: relaxation toward the target with time constant ``tau``."""
    return (target - x) / tau


def signal_expr(kind: str, x: Expr, params: dict[str, Expr]) -> Expr:
    """The signal of kind ``kind`` of a source whose value is ``x``."""
    return signal(kind).expr().subs({"x": x, **params})


def combination(response_name: str, terms: list[tuple[float, Expr, Expr]]) -> Expr:
    """The response's combination of the terms (sign, strength, signal), in order;
    its start value when there are none."""
    r = response(response_name)
    acc = None
    for sign, w, s in terms:
        t = r.term.subs({"sign": num(sign), "w": w, "s": s})
        acc = t if acc is None else Expr(r.combine, (acc, t))
    return num(r.start) if acc is None else acc


def target_expr(response_name: str, base: Expr, node_params: dict[str, Expr],
                terms: list[tuple[float, Expr, Expr]], acc: Expr | None = None) -> Expr:
    """A node's target as one expression (for SBML and ``explain()``): ``terms``
    are (sign, strength, signal) of its edges, in model order; ``acc``, if given,
    stands for their combination."""
    r = response(response_name)
    return r.expr().subs({"acc": combination(response_name, terms) if acc is None else acc,
                          "base": base, **node_params})


# ---------------------------------------------------------------- renderers

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "pow": 3}


def _fmt_num(x: float) -> str:
    return repr(float(x))


def _code(e: Expr, names: dict[str, str], pow_fn: str, pos_fn: str) -> str:
    """Fully parenthesised code (Python and JavaScript share it): the evaluation
    order is the tree's, so both languages do the same arithmetic."""
    if e.op == "num":
        return _fmt_num(e.args[0])
    if e.op == "var":
        return names.get(e.args[0], e.args[0])
    if e.op == "pow":
        return f"{pow_fn}({_code(e.args[0], names, pow_fn, pos_fn)}, " \
               f"{_code(e.args[1], names, pow_fn, pos_fn)})"
    if e.op == "pos":
        return f"{pos_fn}({_code(e.args[0], names, pow_fn, pos_fn)})"
    a, b = (_code(x, names, pow_fn, pos_fn) for x in e.args)
    return f"({a} {e.op} {b})"


def to_sbml(e: Expr, names: dict[str, str] | None = None, units: str = "dimensionless") -> str:
    """An SBML Level 3 infix formula (libsbml.parseL3FormulaWithModel reads it):
    every literal number carries ``units`` (the terms' numbers are all
    dimensionless), and max(0, x) is ``max(x, 0 units)``.

    >>> to_sbml(signal_expr("occupancy", var("C"), {"ec50": var("ec50_nmda"), "n": var("n_nmda")}))
    '(((C / ec50_nmda))^(n_nmda) / (1 dimensionless + ((C / ec50_nmda))^(n_nmda)))'
    """
    names = names or {}

    def go(x: Expr) -> str:
        if x.op == "num":
            v = x.args[0]
            text = repr(v) if v != int(v) or abs(v) > 1e15 else str(int(v))
            return f"{text} {units}"
        if x.op == "var":
            return names.get(x.args[0], x.args[0])
        if x.op == "pow":
            return f"({go(x.args[0])})^({go(x.args[1])})"
        if x.op == "pos":
            return f"max({go(x.args[0])}, 0 {units})"
        return f"({go(x.args[0])} {x.op} {go(x.args[1])})"

    return go(e)


def to_text(e: Expr, names: dict[str, str] | None = None) -> str:
    """Readable maths: the fewest parentheses, numbers in short form.

    >>> to_text(target_expr("product", num(1), {}, [(-1.0, num(0.5), var("s"))]))
    'max(0, 1 - 0.5 * s)'
    """
    names = names or {}

    def go(x: Expr, outer: int = 0, right: bool = False) -> str:
        if x.op == "num":
            return f"{x.args[0]:g}"
        if x.op == "var":
            return names.get(x.args[0], x.args[0])
        if x.op == "pos":
            return f"max(0, {go(x.args[0])})"
        p = _PREC[x.op]
        if x.op == "*" and x.args[0].op == "num" and x.args[0].args[0] in (1.0, -1.0):
            inner = go(x.args[1], p, right=True)       # a sign times a term
            return inner if x.args[0].args[0] == 1.0 else f"-{inner}"
        if x.op in ("pow", "/") and x.args[1].op == "num" and x.args[1].args[0] == 1.0:
            return go(x.args[0], outer, right)          # x^1 and x/1 read as x
        if x.op == "pow":
            a, b = go(x.args[0], 4), go(x.args[1], 4)
            s = f"{a}^{b}"
        else:
            a = go(x.args[0], p)
            b = go(x.args[1], p, right=True)
            if x.op == "+" and b.startswith("-"):
                s = f"{a} - {b[1:].lstrip()}"
            else:
                s = f"{a} {x.op} {b}"
        if p < outer or (right and p == outer and x.op in "-/"):
            return f"({s})"
        return s

    return go(e)


def evaluate(e: Expr, values: dict[str, float]) -> float:
    """The value of ``e`` with its variables set from ``values`` (a plain reading
    of the tree, independent of the generated code; tests compare the two)."""
    if e.op == "num":
        return e.args[0]
    if e.op == "var":
        return float(values[e.args[0]])
    if e.op == "pos":
        return max(0.0, evaluate(e.args[0], values))
    a, b = (evaluate(x, values) for x in e.args)
    if e.op == "+":
        return a + b
    if e.op == "-":
        return a - b
    if e.op == "*":
        return a * b
    if e.op == "/":
        return a / b
    return a ** b


# ---------------------------------------------------------------- code generation

_HEADER = "generated by `python pathway/_generate.py` from pathway/equations.py; do not edit"


def numba_source() -> str:
    """The kernel's term functions, as Python source for numba."""
    lines = [f'"""The model\'s terms for the solver kernel ({_HEADER})."""', "",
             "from numba import njit", "", "",
             "@njit(cache=True, inline=\"always\")",
             "def _pow(x, n):",
             "    # Hill exponents are mostly 1 or 2; pow() costs several times a multiply",
             "    if n == 1.0:", "        return x", "    if n == 2.0:", "        return x * x",
             "    return x ** n", "", "",
             "@njit(cache=True, inline=\"always\")",
             "def _pos(x):", "    return x if x > 0.0 else 0.0", ""]

    lines += ["", "@njit(cache=True, inline=\"always\")",
              "def signal(kind, x, par, e):",
              "    \"\"\"Edge e's signal from its source's value x (kind: its index in "
              "equations.SIGNALS).\"\"\""]
    for i, k in enumerate(SIGNALS):
        names = {p.symbol: f"par[e, {j}]" for j, p in enumerate(k.params)}
        lines.append(f"    {'if' if i == 0 else 'elif'} kind == {i}:   # {k.name}")
        for name, e in k.lets:
            lines.append(f"        {name} = {_code(e, names, '_pow', '_pos')}")
            names[name] = name
        lines.append(f"        return {_code(k.value, names, '_pow', '_pos')}")
    lines.append("    return 0.0")
    lines += ["", "", "@njit(cache=True, inline=\"always\")",
              "def start(kind):",
              "    \"\"\"The value a node's combination of terms starts from.\"\"\""]
    for i, r in enumerate(RESPONSES):
        lines += [f"    {'if' if i == 0 else 'elif'} kind == {i}:   # {r.name}",
                  f"        return {_fmt_num(r.start)}"]
    lines += ["    return 0.0", "", "",
              "@njit(cache=True, inline=\"always\")",
              "def combine(kind, acc, sign, w, s):",
              "    \"\"\"The combination so far, with one more edge's term.\"\"\""]
    for i, r in enumerate(RESPONSES):
        t = _code(r.term, {}, "_pow", "_pos")
        lines += [f"    {'if' if i == 0 else 'elif'} kind == {i}:   # {r.name}",
                  f"        return acc {r.combine} {t}"]
    lines += ["    return acc", "", "",
              "@njit(cache=True, inline=\"always\")",
              "def target(kind, acc, base, par, k):",
              "    \"\"\"Node k's target from the combination of its terms.\"\"\""]
    for i, r in enumerate(RESPONSES):
        names = {p.symbol: f"par[k, {j}]" for j, p in enumerate(r.params)}
        lines.append(f"    {'if' if i == 0 else 'elif'} kind == {i}:   # {r.name}")
        for name, e in r.lets:
            lines.append(f"        {name} = {_code(e, names, '_pow', '_pos')}")
            names[name] = name
        lines.append(f"        return {_code(r.target, names, '_pow', '_pos')}")
    lines += ["    return base", ""]
    return "\n".join(lines)


def js_source() -> str:
    """The same functions for the browser's solver (flat parameter arrays)."""
    out = [f"  // ---- the model's terms ({_HEADER})",
           f"  var N_EDGE_PARAMS = {N_EDGE_PARAMS}, N_NODE_PARAMS = {N_NODE_PARAMS};",
           "  function pos(x) { return x > 0 ? x : 0; }",
           "  function termSignal(kind, x, par, e) {",
           f"    var o = e * {N_EDGE_PARAMS};"]
    for i, k in enumerate(SIGNALS):
        names = {p.symbol: f"par[o + {j}]" for j, p in enumerate(k.params)}
        out.append(f"    {'if' if i == 0 else '} else if'} (kind === {i}) {{   // {k.name}")
        for name, e in k.lets:
            out.append(f"      var {name} = {_code(e, names, 'pw', 'pos')};")
            names[name] = name
        out.append(f"      return {_code(k.value, names, 'pw', 'pos')};")
    out += ["    }", "    return 0;", "  }",
            "  function termStart(kind) {"]
    for i, r in enumerate(RESPONSES):
        out.append(f"    if (kind === {i}) return {_fmt_num(r.start)};   // {r.name}")
    out += ["    return 0;", "  }",
            "  function termCombine(kind, acc, sign, w, s) {"]
    for i, r in enumerate(RESPONSES):
        out.append(f"    if (kind === {i}) return acc {r.combine} {_code(r.term, {}, 'pw', 'pos')};"
                   f"   // {r.name}")
    out += ["    return acc;", "  }",
            "  function termTarget(kind, acc, base, par, k) {",
            f"    var o = k * {N_NODE_PARAMS};"]
    for i, r in enumerate(RESPONSES):
        names = {p.symbol: f"par[o + {j}]" for j, p in enumerate(r.params)}
        out.append(f"    if (kind === {i}) {{   // {r.name}")
        for name, e in r.lets:
            out.append(f"      var {name} = {_code(e, names, 'pw', 'pos')};")
            names[name] = name
        out.append(f"      return {_code(r.target, names, 'pw', 'pos')};")
        out.append("    }")
    out += ["    return base;", "  }", "  // ---- end of the model's terms"]
    return "\n".join(out)


ROOT = Path(__file__).resolve().parent
NUMBA_FILE = ROOT / "_terms.py"
JS_FILE = ROOT / "web" / "solver.js"
_JS_BEGIN = "  // ---- the model's terms ("
_JS_END = "  // ---- end of the model's terms"


def js_with_terms(text: str) -> str:
    """``solver.js``'s text with its generated region replaced by :func:`js_source`."""
    start = text.index(_JS_BEGIN)
    stop = text.index(_JS_END) + len(_JS_END)
    return text[:start] + js_source() + text[stop:]


def generated_files() -> dict[Path, str]:
    """Each generated file and the text it should hold."""
    return {NUMBA_FILE: numba_source(),
            JS_FILE: js_with_terms(JS_FILE.read_text(encoding="utf-8"))}


def write_generated() -> list[Path]:
    """Rewrite the generated files that differ; return those written."""
    changed = []
    for path, text in generated_files().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
            changed.append(path)
    return changed
