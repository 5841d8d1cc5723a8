"""The compiled solver: an adaptive, second-order exponential integrator.

Every state obeys dy/dt = a(y, t) - b(y, t) * y with b >= 0 (production and
loss). A step of length h takes the exponential-Euler predictor

    y1 = y * exp(-b0 h) + a0 * (1 - exp(-b0 h)) / b0

then corrects it with the change of the remaining production across the step
(ETD2RK, Cox and Matthews 2002) to give y2. The corrector visits the nodes in
the order of the graph, each reading the already corrected values of the nodes
it depends on (Gauss-Seidel). The fast nodes form chains (NMDA, interneurons,
glutamate, AMPA, BDNF, mTOR: minutes each); corrected from the predictor alone,
each would pass its lag on down the chain, and those chains, not the drug
levels they follow, used to set the step for hours after every dose.

A node whose time constant differs between rising and falling, found falling
when its target rises past it within a step, ends the step on its target rather
than beyond it: the corrector would otherwise overshoot, and the node would turn
between rising and falling at every step.

y2 is compared with the trapezoid rule (both second order, their difference
O(h^3)) to set the next step, relative to each node's value or its resting
level, whichever is larger. Because the loss term is integrated exactly, the
fast nodes (minutes) do not force tiny steps once they have settled, which is
what makes eight weeks cost a few hundred to a few thousand steps. Values
between steps come from cubic Hermite interpolation.

The pharmacokinetics are linear, so they enter in modal coordinates
(z = V^-1 A, with K = V diag(-lam) V^-1): for them the exponential step is exact
and they take no part in step-size control.

A batch of virtual patients keeps only a few outputs, so :func:`integrate_batch`
integrates only the nodes those outputs depend on: side effects such as
dissociation then neither cost work nor shorten the steps.

Nor need every person integrate the nodes that are the same for everyone. Where
people differ only in a few parameters, the part of the graph upstream of them
(the drug levels, and the fast chains they drive) follows one course for a whole
group of people. :func:`solve` integrates such nodes once, to a tighter
tolerance, and records a table of their values and rates of change at every step
and event; each person then reads them from the table (cubic Hermite, the value
at an event being the one just before it) as given functions of time, the
corrector taking their values at the end of a step where it would take corrected
ones, and integrates only their own nodes. Read from a table, those nodes take no
part in the person's step-size control, so the short steps that the fast chains
need around every dose (their targets turn sharply where a receptor's occupancy
crosses a threshold) are taken once per group, not once per person. The person's
own nodes, no longer held to those short steps, are held to a tighter tolerance
instead, which keeps the outcome as accurate as a whole integration. Which nodes
can be shared, and the two tolerances, are set in pathway.population
(shared_nodes, TABLE_TOL, ROW_TOL); the nodes are found from the arrays, never by
name.

One step loop, :func:`solve`, takes the steps of single runs (:func:`integrate`
calls it without a table), of the batch's people (:func:`integrate_batch`) and of
the runs that record a table. It is composed of parts, each a small function
inlined into it: the events due (:func:`_events`); the stepper, which is the
predictor (:func:`_predict`), the table's values at the end of the step
(:func:`_given`) and the corrector (:func:`correct`); the error estimate and
step-size control (:func:`_error`, :func:`_grow`, :func:`_shrink`); the output
between steps (:func:`_dense`) and the table's rows (:func:`_note`).

The kernel reads the edge arrays of an OdeSystem, so the right-hand side
follows the model file with no generated code. They travel through the loop as
one tuple, ``model``, in the order of compile.KernelArrays (pass
``tuple(system.kernel)``; a batch passes the arrays stacked, one row per
person). Only :func:`rates`, :func:`correct` and :func:`node_order` take it
apart; the loop itself reads the few arrays :func:`_loop_arrays` names, and the
batch those :func:`_graph` names.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._terms import combine, signal, start, target as node_target
from numba.extending import overload


@njit(cache=True, inline="always")
def _plasma(y, conc_mat, sig):
    """Fill ``sig[:n_drug]`` with each drug's plasma level from the modes in ``y``."""
    n_drug, n_pk = conc_mat.shape
    for d in range(n_drug):
        sig[d] = 0.0
    for j in range(n_pk):
        if y[j] != 0.0:                  # most modes are empty: drugs not given
            for d in range(n_drug):
                sig[d] += conc_mat[d, j] * y[j]
    for d in range(n_drug):
        if sig[d] < 0.0:
            sig[d] = 0.0


@njit(cache=True)
def rates(y, rate_in, model, a, b, sig, acc):
    """Fill production ``a`` and loss rate ``b`` for state ``y``; ``model`` is the
    tuple of a KernelArrays' arrays. The terms (``signal``, ``combine``,
    ``node_target``) are generated from pathway/equations.py."""
    (lam, conc_mat, vinv, tau_rise, tau_fall, baseline, mode, n_par, e_src, e_tgt, e_kind,
     e_sign, e_strength, e_par) = model
    n_pk = lam.shape[0]
    n_drug = conc_mat.shape[0]
    n_node = baseline.shape[0]
    # pharmacokinetic modes: z' = -lam z + w, exactly solvable within a step
    for i in range(n_pk):
        a[i] = rate_in[i]
        b[i] = lam[i]
    _plasma(y, conc_mat, sig)
    for k in range(n_node):
        sig[n_drug + k] = y[n_pk + k]
        acc[k] = start(mode[k])
    for e in range(e_src.shape[0]):
        k = e_tgt[e]
        acc[k] = combine(mode[k], acc[k], e_sign[e], e_strength[e],
                         signal(e_kind[e], sig[e_src[e]], e_par, e))
    for k in range(n_node):
        target = node_target(mode[k], acc[k], baseline[k], n_par, k)
        x = y[n_pk + k]
        tau = tau_rise[k] if target >= x else tau_fall[k]
        a[n_pk + k] = target / tau
        b[n_pk + k] = 1.0 / tau


@njit(cache=True)
def _phis(b, h):
    """Return (exp(-b h), h*phi1(b h), h*phi2(b h)) with phi1(z) = (1 - e^-z)/z and
    phi2(z) = (z - 1 + e^-z)/z^2, using series for small z."""
    z = b * h
    if z < 1e-3:
        return (1.0 - z + 0.5 * z * z - z * z * z / 6.0, h * (1.0 - 0.5 * z + z * z / 6.0),
                h * (0.5 - z / 6.0 + z * z / 24.0))
    e = np.exp(-z)       # 1 - e loses at most ~1e-13 relative for z >= 1e-3
    return e, h * (1.0 - e) / z, h * (z - 1.0 + e) / (z * z)


@njit(cache=True)
def correct(y1, q2, a0, b0, hh, rate_in, sig, schedule, n_run, first, edges, model, y2, a1, b1):
    """The ETD2RK corrector y2 = y1 + h phi2(b0 h) (N(y1) - N(y)), node by node in
    graph order (the first ``n_run`` entries of ``schedule``, see
    :func:`node_order`), each node reading the corrected values of the nodes
    before it; then the rates ``a1``, ``b1`` at y2. The arithmetic is
    :func:`rates`', so ``a1``, ``b1`` are what it would give. Nodes left out of
    the schedule keep their value and rates."""
    (lam, conc_mat, vinv, tau_rise, tau_fall, baseline, mode, n_par, e_src, e_tgt, e_kind,
     e_sign, e_strength, e_par) = model
    n_pk = lam.shape[0]
    n_drug = conc_mat.shape[0]
    n_node = baseline.shape[0]
    for j in range(n_pk):
        y2[j] = y1[j]                   # the modes' predictor is exact
        a1[j] = rate_in[j]
        b1[j] = lam[j]
    _plasma(y1, conc_mat, sig)
    for k in range(n_node):
        i = n_pk + k
        sig[n_drug + k] = y1[i]
        y2[i] = y1[i]
        a1[i] = a0[i]
        b1[i] = b0[i]
    for pos in range(schedule.shape[0]):
        k = schedule[pos]
        acc = start(mode[k])
        for m in range(first[k], first[k + 1]):
            e = edges[m]
            acc = combine(mode[k], acc, e_sign[e], e_strength[e],
                          signal(e_kind[e], sig[e_src[e]], e_par, e))
        target = node_target(mode[k], acc, baseline[k], n_par, k)
        i = n_pk + k
        if pos < n_run:
            x = y1[i]
            tau = tau_rise[k] if target >= x else tau_fall[k]
            n1 = target / tau - (1.0 / tau - b0[i]) * x
            if n1 != a0[i]:
                if q2[i] < 0.0:
                    q2[i] = _phis(b0[i], hh)[2]
                v = x + q2[i] * (n1 - a0[i])
                x = v if v > 0.0 else 0.0
                if b0[i] == 1.0 / tau_fall[k] and tau_rise[k] != tau_fall[k]:
                    # the node was falling and its target rose past it (the
                    # predictor ends below the target): from there it rises and
                    # follows the target from below, so it cannot end above it.
                    # Left alone, the corrector (its loss rate frozen at the
                    # falling one) overshoots, the next step starts falling
                    # again, and a node that follows a slowly rising target
                    # (relief, rising in minutes and falling in hours, under a
                    # daily SSRI) turns at every step and holds the step short.
                    if y1[i] < target < x:
                        x = target
                sig[n_drug + k] = x
            y2[i] = x
        # the rates at y2 (for a node read before it was corrected, the second
        # visit gives them)
        tau = tau_rise[k] if target >= y2[i] else tau_fall[k]
        a1[i] = target / tau
        b1[i] = 1.0 / tau


@njit(cache=True)
def node_order(model, skip):
    """Return (schedule, first, edges). ``schedule`` holds every node but those
    to ``skip`` once, each after the nodes it reads (where the graph has a loop,
    the slowest node left goes first), then again the nodes that read themselves
    or a node placed after them. ``edges`` are the edge indices grouped by target node, in model
    order: node k's are ``edges[first[k]:first[k + 1]]``."""
    (lam, conc_mat, vinv, tau_rise, tau_fall, baseline, mode, n_par, e_src, e_tgt, e_kind,
     e_sign, e_strength, e_par) = model
    n_drug = conc_mat.shape[0]
    n_node = baseline.shape[0]
    n_edge = e_src.shape[0]
    first = np.zeros(n_node + 1, np.int64)
    for e in range(n_edge):
        first[e_tgt[e] + 1] += 1
    for k in range(n_node):
        first[k + 1] += first[k]
    edges = np.empty(n_edge, np.int64)
    fill = first[:n_node].copy()
    for e in range(n_edge):
        edges[fill[e_tgt[e]]] = e
        fill[e_tgt[e]] += 1
    waiting = np.zeros(n_node, np.int64)       # inputs from other nodes not yet placed
    for e in range(n_edge):
        if e_src[e] >= n_drug and e_src[e] - n_drug != e_tgt[e]:
            waiting[e_tgt[e]] += 1
    placed = np.zeros(n_node, np.bool_)
    order = np.empty(n_node, np.int64)
    for pos in range(n_node):
        pick = -1
        for k in range(n_node):
            if not placed[k] and waiting[k] == 0:
                pick = k
                break
        if pick < 0:                            # a loop: start it at its slowest node
            for k in range(n_node):
                if not placed[k] and (pick < 0 or tau_rise[k] > tau_rise[pick]):
                    pick = k
        placed[pick] = True
        order[pos] = pick
        for e in range(n_edge):
            if e_src[e] - n_drug == pick and e_tgt[e] != pick:
                waiting[e_tgt[e]] -= 1
    position = np.empty(n_node, np.int64)
    for pos in range(n_node):
        position[order[pos]] = pos
    again = np.zeros(n_node, np.bool_)
    for e in range(n_edge):
        if e_src[e] >= n_drug and position[e_src[e] - n_drug] >= position[e_tgt[e]]:
            again[e_tgt[e]] = True
    n_run = 0
    n_again = 0
    for k in range(n_node):
        if not skip[k]:
            n_run += 1
            if again[k]:
                n_again += 1
    schedule = np.empty(n_run + n_again, np.int64)
    pos = 0
    for pos_k in range(n_node):
        if not skip[order[pos_k]]:
            schedule[pos] = order[pos_k]
            pos += 1
    for pos_k in range(n_node):
        if not skip[order[pos_k]] and again[order[pos_k]]:
            schedule[pos] = order[pos_k]
            pos += 1
    return schedule, first, edges


@njit(cache=True, inline="always")
def _hermite(th):
    """The cubic Hermite basis at ``th`` in [0, 1]: weights of (y0, h f0, y1, h f1)."""
    return ((1.0 + 2.0 * th) * (1.0 - th) ** 2, th * (1.0 - th) ** 2,
            th * th * (3.0 - 2.0 * th), th * th * (th - 1.0))


@njit(cache=True, inline="always")
def _seek(tab_t, s, j):
    """The table interval (tab_t[j], tab_t[j + 1]] that holds time ``s``, searched
    from interval ``j`` on (a value at an event time is the one before it)."""
    while j + 2 < tab_t.shape[0] and tab_t[j + 1] < s:
        j += 1
    return j


@njit(cache=True, inline="always")
def _at(tab_t, s, j):
    """Where time ``s`` lies in the table, searched from interval ``j`` on: its
    interval, the interval's length and the Hermite weights there."""
    j = _seek(tab_t, s, j)
    h = tab_t[j + 1] - tab_t[j]
    return j, h, _hermite((s - tab_t[j]) / h)


@njit(cache=True, inline="always")
def _read(tab_y, tab_f, j, h, w, c):
    """Column ``c`` of the table at the place ``j, h, w`` found by :func:`_at`."""
    return w[0] * tab_y[j, c] + w[1] * h * tab_f[j, c] + w[2] * tab_y[j + 1, c] + w[3] * h * tab_f[j + 1, c]


# ---------------------------------------------------------------- the step loop
# (solve, below: the parts first, each inlined into it)

#: Where the loops find the few model arrays they read themselves, in the tuple
#: of a KernelArrays (pk_lam, conc_matrix, pk_vinv, baseline, e_src, e_tgt;
#: tests/test_solver.py checks the names).
LOOP_FIELDS = (0, 1, 2, 5, 8, 9)


@njit(cache=True, inline="always")
def _loop_arrays(model):
    """The model arrays the step loop itself reads (the rest are read only by
    :func:`rates`, :func:`correct` and :func:`node_order`): the modes' decay rates,
    the plasma matrix, amounts -> modes, and the nodes' resting levels."""
    return model[LOOP_FIELDS[0]], model[LOOP_FIELDS[1]], model[LOOP_FIELDS[2]], model[LOOP_FIELDS[3]]


@njit(cache=True, inline="always")
def _events(t, iev, ev_t, ev_kind, ev_idx, ev_val, vinv, y, rate_in):
    """Apply the events due at time t (from event ``iev`` on) to ``y`` and
    ``rate_in``; return (the next event, whether any was due)."""
    n_pk = vinv.shape[0]
    changed = False
    while iev < ev_t.shape[0] and ev_t[iev] <= t + 1e-12:
        i = ev_idx[iev]
        if ev_kind[iev] == 0:           # bolus into compartment i, spread over the modes
            for j in range(n_pk):
                y[j] += vinv[j, i] * ev_val[iev]
        elif ev_kind[iev] == 1:         # infusion rate into compartment i changes
            for j in range(n_pk):
                rate_in[j] += vinv[j, i] * ev_val[iev]
        else:                           # a node (index counted among the nodes) is set
            y[n_pk + i] = ev_val[iev]
        iev += 1
        changed = True
    return iev, changed


@njit(cache=True, inline="always")
def _predict(y, a0, b0, hh, fixed, n_pk, y1, q2):
    """The exponential-Euler predictor ``y1`` over a step ``hh``, and each state's
    h phi2(b0 h) for the corrector in ``q2`` (-1: not computed yet)."""
    # ETD2RK: the loss rate b is frozen at the start of the step, the rest
    # N(y) = a(y) - (b(y) - b0) y is taken as linear in time across the step.
    for i in range(y.shape[0]):
        if a0[i] == b0[i] * y[i] or (i >= n_pk and fixed[i - n_pk]):
            # exactly at rest (an undosed drug's modes, an untouched node), or
            # read from the table: the step leaves it where it is, unless the
            # corrector says otherwise
            q2[i] = -1.0
            y1[i] = y[i]
        else:
            e, p1, p2 = _phis(b0[i], hh)
            q2[i] = p2
            y1[i] = y[i] * e + a0[i] * p1


@njit(cache=True, inline="always")
def _given(tab_t, tab_y, tab_f, column, skip, jt, s, n_pk, y1):
    """Set the nodes read from the table to its values at time ``s`` (the end of
    the step), searching from table interval ``jt``."""
    j, ht, w = _at(tab_t, s, jt)
    for k in range(column.shape[0]):
        if column[k] >= 0 and not skip[k]:
            y1[n_pk + k] = _read(tab_y, tab_f, j, ht, w, column[k])


@njit(cache=True, inline="always")
def _error(y, y2, a0, b0, a1, b1, hh, fixed, baseline, rtol, atol, n_pk):
    """The step's error relative to the tolerances (<= 1: accept)."""
    # y2 is second order, and so is the trapezoid rule; their difference is
    # O(h^3). It is measured against a node's resting level as well as its
    # value (a node acts on others through its value relative to rest), and
    # not damped for fast nodes: their small lags feed slow ones, which add
    # them up over days.
    err = 0.0
    for i in range(n_pk, y.shape[0]):   # the modes are exact and need no control
        if fixed[i - n_pk]:
            continue
        f0 = a0[i] - b0[i] * y[i]
        f1 = a1[i] - b1[i] * y2[i]
        est = y2[i] - y[i] - 0.5 * hh * (f0 + f1)
        scale = atol + rtol * max(abs(y[i]), abs(y2[i]), baseline[i - n_pk])
        ei = abs(est) / scale
        if ei > err:
            err = ei
    return err


@njit(cache=True, inline="always")
def _grow(err, hh, h, last):
    """The next step after an accepted step ``hh`` (a step cut short to end on an
    event or the end, ``last``, does not shrink the one planned)."""
    fac = 4.0 if err < 1e-12 else min(4.0, max(0.2, 0.9 * err ** (-1.0 / 3.0)))
    return hh * fac if not last else max(h, hh * fac)


@njit(cache=True, inline="always")
def _shrink(err, hh):
    """The step to retry with after a rejected step ``hh``."""
    return hh * max(0.2, 0.9 * err ** (-1.0 / 3.0))


@njit(cache=True, inline="always")
def _dense(out, iout, t_out, t, t_new, hh, y, y2, a0, b0, a1, b1, n_pk, given, tab_t, tab_y,
           tab_f, column, jt):
    """Fill the outputs in (t, t_new] from output ``iout`` on; return the next one.
    The modes are exact at any time; the nodes come from the cubic Hermite
    interpolant of the step's ends, or from the table for the nodes it gives."""
    while iout < t_out.shape[0] and t_out[iout] <= t_new:
        h00, h10, h01, h11 = _hermite((t_out[iout] - t) / hh)
        dt = t_out[iout] - t
        for i in range(n_pk):
            if y[i] == 0.0 and a0[i] == 0.0:
                out[iout, i] = 0.0
            else:
                e, p1, p2 = _phis(b0[i], dt)
                out[iout, i] = y[i] * e + a0[i] * p1
        for i in range(n_pk, y.shape[0]):
            f0 = a0[i] - b0[i] * y[i]
            f1 = a1[i] - b1[i] * y2[i]
            out[iout, i] = h00 * y[i] + h10 * hh * f0 + h01 * y2[i] + h11 * hh * f1
        if given:
            # (in a loop of their own: a branch in the loop above slows single runs)
            j, ht, w = _at(tab_t, t_out[iout], jt)
            for k in range(column.shape[0]):
                if column[k] >= 0:
                    out[iout, n_pk + k] = _read(tab_y, tab_f, j, ht, w, column[k])
        iout += 1
    return iout


@njit(cache=True, inline="always")
def _note(tab_t, tab_y, tab_f, n_rec, t, y, a, b, column, n_pk):
    """Write the table's nodes at time t (values and rates of change) into row
    ``n_rec``; return the next row."""
    tab_t[n_rec] = t
    for k in range(column.shape[0]):
        c = column[k]
        if c >= 0:
            i = n_pk + k
            tab_y[n_rec, c] = y[i]
            tab_f[n_rec, c] = a[i] - b[i] * y[i]
    return n_rec + 1


@njit(cache=True)
def solve(y0, t0, t_end, t_out, ev_t, ev_kind, ev_idx, ev_val, rtol, atol, h_init, h_max,
          max_steps, skip, column, tab_t, tab_y, tab_f, record, model):
    """The step loop: integrate from t0 to t_end, optionally with a table of node
    values over time: ``tab_t`` (times, h), ``tab_y`` (values) and ``tab_f``
    (rates of change), where node k with ``column[k] >= 0`` is column
    ``column[k]``. ``model`` is the tuple of a KernelArrays' arrays, in its order.

    Nodes marked in ``skip`` (those no wanted output depends on) keep their
    starting value and take no part in step-size control. With ``record`` False,
    the table's nodes are read from it (if it has any rows) and take no part in
    step-size control either. With ``record`` True the solver writes their values
    and rates into the table's rows, at every step and event. A table with no
    rows and ``record`` False is no table (:func:`integrate`).

    Return (states at t_out, steps taken, status, table rows written); status
    0 = done, 1 = too many steps, 2 = a state became non-finite, 3 = the table
    is full.
    """
    lam, conc_mat, vinv, baseline = _loop_arrays(model)
    n = y0.shape[0]
    n_node = baseline.shape[0]
    n_pk = lam.shape[0]
    n_drug = conc_mat.shape[0]
    given = not record and tab_t.shape[0] > 1
    fixed = skip.copy()                 # nodes the step leaves alone or reads from the table
    for k in range(n_node):
        if given and column[k] >= 0:
            fixed[k] = True
    schedule, first, edges = node_order(model, fixed)
    n_run = n_node - np.sum(fixed)
    n_rec = 0
    jt = 0                              # the table interval holding t
    out = np.empty((t_out.shape[0], n))
    y = y0.copy()
    y1 = np.empty(n)
    y2 = np.empty(n)
    q2 = np.empty(n)
    rate_in = np.zeros(n)
    a0 = np.empty(n)
    b0 = np.empty(n)
    a1 = np.empty(n)
    b1 = np.empty(n)
    sig = np.empty(n_drug + n_node)
    acc = np.empty(n_node)
    n_ev = ev_t.shape[0]
    n_out = t_out.shape[0]
    iev = 0
    iout = 0
    t = t0
    h = h_init
    steps = 0
    while iout < n_out and t_out[iout] <= t0:
        out[iout, :] = y
        iout += 1
    dirty = True
    while t < t_end:
        iev, changed = _events(t, iev, ev_t, ev_kind, ev_idx, ev_val, vinv, y, rate_in)
        if changed or dirty:
            rates(y, rate_in, model, a0, b0, sig, acc)
            dirty = False
        if changed:
            h = min(h, h_init)
        if record and (changed or n_rec == 0):
            if n_rec == tab_t.shape[0]:
                return out, steps, 3, n_rec
            n_rec = _note(tab_t, tab_y, tab_f, n_rec, t, y, a0, b0, column, n_pk)
        t_stop = t_end
        if iev < n_ev and ev_t[iev] < t_end:
            t_stop = ev_t[iev]
        hh = min(h, h_max, t_stop - t)
        last = hh >= t_stop - t
        t_new = t_stop if last else t + hh
        _predict(y, a0, b0, hh, fixed, n_pk, y1, q2)
        if given:
            # the nodes read from the table take its values at the end of the step
            _given(tab_t, tab_y, tab_f, column, skip, jt, t_new, n_pk, y1)
        # The corrector goes through the nodes in order of the graph, each reading
        # the corrected values of the nodes before it (Gauss-Seidel): a chain of
        # fast nodes (minutes) then follows a slowly moving drug level with steps
        # of hours, where correcting every node from the predictor alone would
        # pass each node's lag on down the chain.
        correct(y1, q2, a0, b0, hh, rate_in, sig, schedule, n_run, first, edges, model, y2, a1, b1)
        err = _error(y, y2, a0, b0, a1, b1, hh, fixed, baseline, rtol, atol, n_pk)
        if not np.isfinite(err):
            return out, steps, 2, n_rec
        steps += 1
        if steps > max_steps:
            return out, steps, 1, n_rec
        if err <= 1.0 or hh <= 1e-9:
            iout = _dense(out, iout, t_out, t, t_new, hh, y, y2, a0, b0, a1, b1, n_pk, given,
                          tab_t, tab_y, tab_f, column, jt)
            for i in range(n):
                a0[i] = a1[i]
                b0[i] = b1[i]
            for i in range(n):
                y[i] = y2[i]
            t = t_new
            if given:
                jt = _seek(tab_t, t, jt)
            if record:
                if n_rec == tab_t.shape[0]:
                    return out, steps, 3, n_rec
                n_rec = _note(tab_t, tab_y, tab_f, n_rec, t, y, a0, b0, column, n_pk)
            h = _grow(err, hh, h, last)
        else:
            h = _shrink(err, hh)
    while iout < n_out:
        out[iout, :] = y
        iout += 1
    return out, steps, 0, n_rec


@njit(cache=True)
def integrate(y0, t0, t_end, t_out, ev_t, ev_kind, ev_idx, ev_val, rtol, atol, h_init, h_max,
              max_steps, skip, model):
    """Integrate a single run from t0 to t_end with :func:`solve`, without a
    table; return (states at t_out, steps taken, status)."""
    no_column = np.full(skip.shape[0], -1, np.int64)
    out, steps, status, _ = solve(y0, t0, t_end, t_out, ev_t, ev_kind, ev_idx, ev_val, rtol,
                                  atol, h_init, h_max, max_steps, skip, no_column, np.empty(0),
                                  np.empty((0, 0)), np.empty((0, 0)), False, model)
    return out, steps, status


@njit(cache=True)
def unread(keep, n_pk, n_drug, n_node, e_src, e_tgt):
    """Mark the nodes that none of the states ``keep`` depends on (through any
    chain of edges)."""
    need = np.zeros(n_node, np.bool_)
    for j in range(keep.shape[0]):
        if keep[j] >= n_pk:
            need[keep[j] - n_pk] = True
    grew = True
    while grew:
        grew = False
        for e in range(e_src.shape[0]):
            k = e_src[e] - n_drug
            if k >= 0 and need[e_tgt[e]] and not need[k]:
                need[k] = True
                grew = True
    return ~need


def _row(model, p):
    """Person ``p``'s arrays from a batch's stacked ``model`` arrays: the tuple
    ``(model[0][p], model[1][p], ...)``, whatever the arrays."""
    return tuple(a[p] for a in model)


@overload(_row)
def _row_compiled(model, p):
    # a tuple of arrays of different types is indexed by constants only: write them out
    src = ("def row(model, p):\n    return ("
           + "".join(f"model[{i}][p], " for i in range(len(model))) + ")\n")
    scope = {}
    exec(src, scope)                    # noqa: S102 (code made here from integers alone)
    return scope["row"]


@njit(cache=True, inline="always")
def _graph(model):
    """The edges' sources and targets in ``model``'s arrays."""
    return model[LOOP_FIELDS[4]], model[LOOP_FIELDS[5]]


@njit(cache=True, parallel=True)
def integrate_batch(y0s, t0, t_end, t_out, ev_t, ev_kind, ev_idx, ev_vals, rtol, atol, h_init,
                    h_max, max_steps, keep, column, group, tab_start, tab_t, tab_y, tab_f, model):
    """Integrate many people at once (one row of every array of ``model``, and of
    the event values, per person), in parallel; keep only the states ``keep`` at
    ``t_out`` (and integrate only the nodes they depend on). Person p reads the
    nodes with ``column[k] >= 0`` from the table of their group ``group[p]``: rows
    ``tab_start[g]:tab_start[g + 1]`` of ``tab_t``, ``tab_y``, ``tab_f`` (see
    :func:`solve`)."""
    n_people = y0s.shape[0]
    res = np.empty((n_people, t_out.shape[0], keep.shape[0]))
    status = np.zeros(n_people, np.int64)
    for p in prange(n_people):
        person = _row(model, p)
        lam, conc_mat, vinv, baseline = _loop_arrays(person)
        e_src, e_tgt = _graph(person)
        skip = unread(keep, lam.shape[0], conc_mat.shape[0], baseline.shape[0], e_src, e_tgt)
        rows = slice(tab_start[group[p]], tab_start[group[p] + 1])
        out, steps, st, _ = solve(
            y0s[p], t0, t_end, t_out, ev_t, ev_kind, ev_idx, ev_vals[p], rtol, atol, h_init, h_max,
            max_steps, skip, column, tab_t[rows], tab_y[rows], tab_f[rows], False, person)
        for i in range(t_out.shape[0]):
            for j in range(keep.shape[0]):
                res[p, i, j] = out[i, keep[j]]
        status[p] = st
    return res, status


from . import _cache  # noqa: E402

_cache.guard(globals())                # a damaged cache file is rebuilt, not fatal
