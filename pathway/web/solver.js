/* The model's solver in the browser: a port of pathway/_kernel.py (the adaptive
 * second-order exponential integrator), of the rebuilding of the kernel's arrays
 * that compile_model does for given parameters, hypotheses and interventions, and
 * of the dosing events of pathway/dosing.py. It reads the structure written by
 * pathway/webexport.py and nothing else, so it cannot drift from the model file.
 *
 *   const solver = new PathwaySolver(data);
 *   const run = solver.simulate("scenario-name", {days: 56, set: {name: value}});
 *   run.time_h, run[primary], ...    (Float64Arrays named like the CSV columns)
 *
 * Licence: MIT, as the rest of ketamine-pathway. */
(function (root) {
  "use strict";
  var BOLUS = 0, RATE = 1, SET = 2;
  var MAX_DAYS = 3650;

  function fail(message, hint) {
    var e = new Error(message + (hint ? "\n  hint: " + hint : ""));
    e.name = "PathwayError";
    throw e;
  }

  // ------------------------------------------------------------ small linear algebra
  function zeros(n, m) {
    var a = [];
    for (var i = 0; i < n; i++) a.push(new Float64Array(m));
    return a;
  }

  function luFactor(A) {            // in place, partial pivoting; returns the pivots
    var n = A.length, piv = new Int32Array(n), scale = 0;
    for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) scale = Math.max(scale, Math.abs(A[i][j]));
    var tiny = (scale || 1) * 1e-300;
    for (var k = 0; k < n; k++) {
      var p = k, best = Math.abs(A[k][k]);
      for (i = k + 1; i < n; i++) if (Math.abs(A[i][k]) > best) { best = Math.abs(A[i][k]); p = i; }
      piv[k] = p;
      if (p !== k) { var t = A[k]; A[k] = A[p]; A[p] = t; }
      if (A[k][k] === 0) A[k][k] = tiny;
      for (i = k + 1; i < n; i++) {
        var f = A[i][k] / A[k][k];
        A[i][k] = f;
        if (f !== 0) for (j = k + 1; j < n; j++) A[i][j] -= f * A[k][j];
      }
    }
    return piv;
  }

  function luSolve(LU, piv, b) {
    var n = LU.length, x = Float64Array.from(b), i, j;
    for (i = 0; i < n; i++) { var p = piv[i]; if (p !== i) { var t = x[i]; x[i] = x[p]; x[p] = t; } }
    for (i = 0; i < n; i++) for (j = 0; j < i; j++) x[i] -= LU[i][j] * x[j];
    for (i = n - 1; i >= 0; i--) {
      for (j = i + 1; j < n; j++) x[i] -= LU[i][j] * x[j];
      x[i] /= LU[i][i];
    }
    return x;
  }

  function copyMat(A) { return A.map(function (r) { return Float64Array.from(r); }); }

  function norm1(A) {
    var n = A.length, best = 0;
    for (var j = 0; j < n; j++) {
      var s = 0;
      for (var i = 0; i < n; i++) s += Math.abs(A[i][j]);
      best = Math.max(best, s);
    }
    return best;
  }

  // Eigenvalues of a real matrix whose eigenvalues are real (linear compartment
  // models): Householder to Hessenberg form, then the shifted QR algorithm.
  function eigenvalues(K) {
    var n = K.length, H = copyMat(K), i, j, k;
    for (k = 0; k < n - 2; k++) {
      var alpha = 0;
      for (i = k + 1; i < n; i++) alpha += H[i][k] * H[i][k];
      alpha = Math.sqrt(alpha);
      if (alpha === 0) continue;
      if (H[k + 1][k] > 0) alpha = -alpha;
      var v = new Float64Array(n);
      for (i = k + 1; i < n; i++) v[i] = H[i][k];
      v[k + 1] -= alpha;
      var vv = 0;
      for (i = k + 1; i < n; i++) vv += v[i] * v[i];
      if (vv === 0) continue;
      for (j = 0; j < n; j++) {                  // H = (I - 2vv'/v'v) H
        var s = 0;
        for (i = k + 1; i < n; i++) s += v[i] * H[i][j];
        s *= 2 / vv;
        for (i = k + 1; i < n; i++) H[i][j] -= s * v[i];
      }
      for (i = 0; i < n; i++) {                  // H = H (I - 2vv'/v'v)
        var s2 = 0;
        for (j = k + 1; j < n; j++) s2 += H[i][j] * v[j];
        s2 *= 2 / vv;
        for (j = k + 1; j < n; j++) H[i][j] -= s2 * v[j];
      }
    }
    var ev = new Float64Array(n), hi = n - 1, iter = 0, total = 0;
    while (hi >= 0) {
      var l = hi;
      while (l > 0) {
        var sc = Math.abs(H[l - 1][l - 1]) + Math.abs(H[l][l]);
        if (Math.abs(H[l][l - 1]) <= 1e-16 * (sc || 1)) break;
        l--;
      }
      if (l === hi) { ev[hi] = H[hi][hi]; hi--; iter = 0; continue; }
      var a = H[hi - 1][hi - 1], b = H[hi - 1][hi], c = H[hi][hi - 1], d = H[hi][hi];
      var tr = a + d, disc = tr * tr / 4 - (a * d - b * c), mu;
      if (disc >= 0) {
        var r = Math.sqrt(disc), m1 = tr / 2 + r, m2 = tr / 2 - r;
        mu = Math.abs(m1 - d) < Math.abs(m2 - d) ? m1 : m2;
      } else {
        mu = tr / 2;
      }
      if (iter > 0 && iter % 15 === 0) mu += 0.75 * Math.abs(c);   // an exceptional shift
      iter++; total++;
      if (total > 100 * n) return null;
      for (k = l; k <= hi; k++) H[k][k] -= mu;
      var cs = [], sn = [];
      for (k = l; k < hi; k++) {
        var x = H[k][k], y = H[k + 1][k], h = Math.hypot(x, y);
        var cc = h === 0 ? 1 : x / h, ss = h === 0 ? 0 : y / h;
        cs.push(cc); sn.push(ss);
        for (j = k; j <= hi; j++) {
          var t1 = H[k][j], t2 = H[k + 1][j];
          H[k][j] = cc * t1 + ss * t2;
          H[k + 1][j] = -ss * t1 + cc * t2;
        }
      }
      for (k = l; k < hi; k++) {
        var c2 = cs[k - l], s3 = sn[k - l], top = Math.min(k + 1, hi);
        for (i = l; i <= top; i++) {
          var u1 = H[i][k], u2 = H[i][k + 1];
          H[i][k] = c2 * u1 + s3 * u2;
          H[i][k + 1] = -s3 * u1 + c2 * u2;
        }
      }
      for (k = l; k <= hi; k++) H[k][k] += mu;
    }
    return ev;
  }

  function sub(K, rows) {
    return rows.map(function (r) { return Float64Array.from(rows.map(function (c) { return K[r][c]; })); });
  }

  // Which compartments each one reaches through the flows of K (i -> j where
  // K[j][i] is not zero), itself included.
  function reaches(K) {
    var n = K.length, out = [];
    for (var s = 0; s < n; s++) {
      var seen = new Uint8Array(n), stack = [s];
      seen[s] = 1;
      while (stack.length) {
        var i = stack.pop();
        for (var j = 0; j < n; j++) if (!seen[j] && K[j][i] !== 0) { seen[j] = 1; stack.push(j); }
      }
      out.push(seen);
    }
    return out;
  }

  // K = V diag(-lam) V^-1, as pathway.compile._modes (with the same nudge for a
  // defective matrix: two equal rates in one chain). The eigenvalues come from each
  // group of compartments that reach one another (a drug's central and peripheral
  // compartments; a depot on its own), and each eigenvector from the compartments
  // that group reaches (its drug and the drugs it is metabolised to), zero elsewhere,
  // as LAPACK's are in Python: two drugs with equal rates (the enantiomers; a placebo
  // and saline) never share a mode, which would leave round-off in the level of a
  // drug not given.
  function modes(K0) {
    var n = K0.length, K = copyMat(K0), i, j;
    if (n === 0) return {lam: new Float64Array(0), V: [], Vinv: []};
    for (i = 0; i < n; i++) for (j = 0; j < n; j++) {
      if (!isFinite(K[i][j])) fail("the pharmacokinetic rates are not finite",
        "check the drugs' volumes, flows and half-lives for extreme values");
    }
    var down = reaches(K), groups = [], grouped = new Uint8Array(n);
    for (i = 0; i < n; i++) {
      if (grouped[i]) continue;
      var g = [];
      for (j = 0; j < n; j++) if (down[i][j] && down[j][i]) { g.push(j); grouped[j] = 1; }
      var reached = [];
      for (j = 0; j < n; j++) if (down[i][j]) reached.push(j);
      groups.push({members: g, reached: reached});
    }
    for (var attempt = 0; attempt < 4; attempt++) {
      var lam = new Float64Array(n), V = zeros(n, n), m = 0, ok = true;
      for (var gi = 0; gi < groups.length && ok; gi++) {
        var ev = eigenvalues(sub(K, groups[gi].members)), R = groups[gi].reached;
        if (!ev) { ok = false; break; }
        var KR = sub(K, R), nR = R.length;
        for (var q = 0; q < ev.length && ok; q++, m++) {
          var shift = ev[q] + 1e-10 * Math.max(1e-6, Math.abs(ev[q]));
          var M = copyMat(KR);
          for (i = 0; i < nR; i++) M[i][i] -= shift;
          var piv = luFactor(M), x = new Float64Array(nR);
          for (i = 0; i < nR; i++) x[i] = 1 / (1 + R[i] + m);
          for (var it = 0; it < 3 && ok; it++) {
            x = luSolve(M, piv, x);
            var nrm = 0;
            for (i = 0; i < nR; i++) nrm += x[i] * x[i];
            nrm = Math.sqrt(nrm);
            if (!(nrm > 0) || !isFinite(nrm)) ok = false;
            for (i = 0; i < nR; i++) x[i] /= nrm;
          }
          // round-off where the exact vector has zeros (compartments of the chain
          // that this mode does not reach)
          for (i = 0; i < nR; i++) V[R[i]][m] = Math.abs(x[i]) < 1e-14 ? 0 : x[i];
          lam[m] = -ev[q];
        }
      }
      if (ok) {
        var LU = copyMat(V), p = luFactor(LU), Vinv = zeros(n, n);
        for (j = 0; j < n; j++) {
          var e = new Float64Array(n);
          e[j] = 1;
          var col = luSolve(LU, p, e);
          for (i = 0; i < n; i++) Vinv[i][j] = col[i];
        }
        var big = 0;
        for (i = 0; i < n; i++) for (j = 0; j < n; j++) big = Math.max(big, Math.abs(Vinv[i][j]));
        for (i = 0; i < n; i++) for (j = 0; j < n; j++) if (Math.abs(Vinv[i][j]) < 1e-14 * big) Vinv[i][j] = 0;
        var cond = norm1(V) * norm1(Vinv);
        if (isFinite(cond) && cond < 1e8) return {lam: lam, V: V, Vinv: Vinv};
      }
      for (i = 0; i < n; i++) K[i][i] += K[i][i] * 1e-7 * (1 + i);
    }
    fail("the pharmacokinetic matrix cannot be diagonalised",
      "check the drugs' volumes, flows and clearances for extreme values");
  }

  // ------------------------------------------------------------ the kernel
  function phis(b, h, out) {      // exp(-bh), h phi1(bh), h phi2(bh)
    var z = b * h;
    if (z < 1e-3) {
      out[0] = 1 - z + 0.5 * z * z - z * z * z / 6;
      out[1] = h * (1 - 0.5 * z + z * z / 6);
      out[2] = h * (0.5 - z / 6 + z * z / 24);
    } else {
      var e = Math.exp(-z);
      out[0] = e; out[1] = h * (1 - e) / z; out[2] = h * (z - 1 + e) / (z * z);
    }
  }

  function pw(x, n) { return n === 1 ? x : (n === 2 ? x * x : Math.pow(x, n)); }

  // ---- the model's terms (generated by `python pathway/_generate.py` from pathway/equations.py; do not edit)
  var N_EDGE_PARAMS = 2, N_NODE_PARAMS = 3;
  function pos(x) { return x > 0 ? x : 0; }
  function termSignal(kind, x, par, e) {
    var o = e * 2;
    if (kind === 0) {   // relative
      return ((x / par[o + 0]) - 1.0);
    } else if (kind === 1) {   // occupancy
      var xn = pw((x / par[o + 0]), par[o + 1]);
      return (xn / (1.0 + xn));
    } else if (kind === 2) {   // saturating
      var un = pw((x / par[o + 0]), par[o + 1]);
      return ((un - 1.0) / (un + 1.0));
    }
    return 0;
  }
  function termStart(kind) {
    if (kind === 0) return 1.0;   // product
    if (kind === 1) return 0.0;   // hill
    return 0;
  }
  function termCombine(kind, acc, sign, w, s) {
    if (kind === 0) return acc * pos((1.0 + ((sign * w) * s)));   // product
    if (kind === 1) return acc + ((sign * w) * s);   // hill
    return acc;
  }
  function termTarget(kind, acc, base, par, k) {
    var o = k * 3;
    if (kind === 0) {   // product
      return (base * acc);
    }
    if (kind === 1) {   // hill
      var dn = pw(pos(acc), par[o + 2]);
      return (base + (((par[o + 0] - base) * dn) / (dn + pw(par[o + 1], par[o + 2]))));
    }
    return base;
  }
  // ---- end of the model's terms

  // the nonzero entries of the concentration matrix, drug by drug
  function sparseConc(conc, nDrug, nPk) {
    var start = new Int32Array(nDrug + 1), mode = [], coef = [];
    for (var d = 0; d < nDrug; d++) {
      start[d] = mode.length;
      for (var j = 0; j < nPk; j++) {
        if (conc[d * nPk + j] !== 0) { mode.push(j); coef.push(conc[d * nPk + j]); }
      }
    }
    start[nDrug] = mode.length;
    return {start: start, mode: Int32Array.from(mode), coef: Float64Array.from(coef)};
  }

  // The nodes in graph order (each after the nodes it reads; in a loop the slowest
  // node left goes first), then again those that read themselves or a node placed
  // after them; and the edges grouped by target node, in model order.
  function nodeOrder(nDrug, nNode, tauR, eSrc, eTgt) {
    var nE = eSrc.length, e, k, pos;
    var first = new Int32Array(nNode + 1), edges = new Int32Array(nE);
    for (e = 0; e < nE; e++) first[eTgt[e] + 1]++;
    for (k = 0; k < nNode; k++) first[k + 1] += first[k];
    var fill = first.slice(0, nNode);
    for (e = 0; e < nE; e++) edges[fill[eTgt[e]]++] = e;
    var waiting = new Int32Array(nNode), placed = new Uint8Array(nNode), order = new Int32Array(nNode);
    for (e = 0; e < nE; e++) if (eSrc[e] >= nDrug && eSrc[e] - nDrug !== eTgt[e]) waiting[eTgt[e]]++;
    for (pos = 0; pos < nNode; pos++) {
      var pick = -1;
      for (k = 0; k < nNode && pick < 0; k++) if (!placed[k] && waiting[k] === 0) pick = k;
      if (pick < 0) {
        for (k = 0; k < nNode; k++) if (!placed[k] && (pick < 0 || tauR[k] > tauR[pick])) pick = k;
      }
      placed[pick] = 1;
      order[pos] = pick;
      for (e = 0; e < nE; e++) if (eSrc[e] - nDrug === pick && eTgt[e] !== pick) waiting[eTgt[e]]--;
    }
    var position = new Int32Array(nNode), again = new Uint8Array(nNode), schedule = Array.from(order);
    for (pos = 0; pos < nNode; pos++) position[order[pos]] = pos;
    for (e = 0; e < nE; e++) {
      if (eSrc[e] >= nDrug && position[eSrc[e] - nDrug] >= position[eTgt[e]]) again[eTgt[e]] = 1;
    }
    for (pos = 0; pos < nNode; pos++) if (again[order[pos]]) schedule.push(order[pos]);
    return {schedule: Int32Array.from(schedule), first: first, edges: edges};
  }

  // Integrate from t0 to tEnd; hand the state at each output time to emit(index, state).
  function integrate(sys, y0, t0, tEnd, tOut, ev, rtol, atol, hInit, hMax, maxSteps, emit) {
    var nPk = sys.lam.length, nDrug = sys.nDrug, nNode = sys.baseline.length;
    var n = nPk + nNode, nE = sys.eSrc.length;
    var lam = sys.lam, conc = sys.conc, vinv = sys.vinv;
    var tauR = sys.tauRise, tauF = sys.tauFall, base = sys.baseline, mode = sys.mode;
    var nPar = sys.nPar, ePar = sys.ePar;
    var eSrc = sys.eSrc, eTgt = sys.eTgt, eKind = sys.eKind, eSign = sys.eSign;
    var eStr = sys.eStrength;
    var nOut = tOut.length, row = new Float64Array(n);
    var y = Float64Array.from(y0), y1 = new Float64Array(n), y2 = new Float64Array(n);
    var q2 = new Float64Array(n), rateIn = new Float64Array(n);
    var a0 = new Float64Array(n), b0 = new Float64Array(n), a1 = new Float64Array(n), b1 = new Float64Array(n);
    var sig = new Float64Array(nDrug + nNode), acc = new Float64Array(nNode);
    var ph = new Float64Array(3), i, j, d, k;
    var nz = sparseConc(conc, nDrug, nPk), nzStart = nz.start, nzMode = nz.mode, nzCoef = nz.coef;

    function rates(y, a, b) {
      var i, j, d, k;
      for (i = 0; i < nPk; i++) { a[i] = rateIn[i]; b[i] = lam[i]; }
      for (d = 0; d < nDrug; d++) {      // plasma levels; each drug reads only its own modes
        var sd = 0;
        for (var q = nzStart[d]; q < nzStart[d + 1]; q++) sd += nzCoef[q] * y[nzMode[q]];
        sig[d] = sd > 0 ? sd : 0;
      }
      for (k = 0; k < nNode; k++) { sig[nDrug + k] = y[nPk + k]; acc[k] = termStart(mode[k]); }
      for (var e = 0; e < nE; e++) {
        var tg = eTgt[e];
        acc[tg] = termCombine(mode[tg], acc[tg], eSign[e], eStr[e], termSignal(eKind[e], sig[eSrc[e]], ePar, e));
      }
      for (k = 0; k < nNode; k++) {
        var target = termTarget(mode[k], acc[k], base[k], nPar, k);
        var xk = y[nPk + k], tau = target >= xk ? tauR[k] : tauF[k];
        a[nPk + k] = target / tau;
        b[nPk + k] = 1 / tau;
      }
    }

    // The ETD2RK corrector, node by node in graph order, each node reading the
    // corrected values of the nodes before it (so a chain of fast nodes follows a
    // slow drug level with long steps); then the rates a1, b1 at y2.
    var ord = nodeOrder(nDrug, nNode, tauR, eSrc, eTgt), schedule = ord.schedule;
    var first = ord.first, edges = ord.edges;
    function correct(hh) {
      var i, j, d, k, m;
      for (j = 0; j < nPk; j++) { y2[j] = y1[j]; a1[j] = rateIn[j]; b1[j] = lam[j]; }
      for (d = 0; d < nDrug; d++) {
        var sd = 0;
        for (var q = nzStart[d]; q < nzStart[d + 1]; q++) sd += nzCoef[q] * y1[nzMode[q]];
        sig[d] = sd > 0 ? sd : 0;
      }
      for (k = 0; k < nNode; k++) sig[nDrug + k] = y1[nPk + k];
      for (var pos = 0; pos < schedule.length; pos++) {
        k = schedule[pos];
        var ac = termStart(mode[k]);
        for (m = first[k]; m < first[k + 1]; m++) {
          var e = edges[m];
          ac = termCombine(mode[k], ac, eSign[e], eStr[e], termSignal(eKind[e], sig[eSrc[e]], ePar, e));
        }
        var target = termTarget(mode[k], ac, base[k], nPar, k);
        i = nPk + k;
        var tau;
        if (pos < nNode) {
          var xk = y1[i];
          tau = target >= xk ? tauR[k] : tauF[k];
          var n1 = target / tau - (1 / tau - b0[i]) * xk;
          if (n1 !== a0[i]) {
            if (q2[i] < 0) { phis(b0[i], hh, ph); q2[i] = ph[2]; }
            var v = xk + q2[i] * (n1 - a0[i]);
            xk = v > 0 ? v : 0;
            // a falling node that its rising target passed stops on the target
            // (as in _kernel.correct)
            if (b0[i] === 1 / tauF[k] && tauR[k] !== tauF[k] && y1[i] < target && target < xk) {
              xk = target;
            }
            sig[nDrug + k] = xk;
          }
          y2[i] = xk;
        }
        tau = target >= y2[i] ? tauR[k] : tauF[k];
        a1[i] = target / tau;
        b1[i] = 1 / tau;
      }
    }

    var nEv = ev.t.length, iev = 0, iout = 0, t = t0, h = hInit, steps = 0;
    while (iout < nOut && tOut[iout] <= t0) { emit(iout, y); iout++; }
    var dirty = true;
    while (t < tEnd) {
      var changed = false;
      while (iev < nEv && ev.t[iev] <= t + 1e-12) {
        var idx = ev.index[iev], kind = ev.kind[iev], val = ev.value[iev];
        if (kind === BOLUS) { for (j = 0; j < nPk; j++) y[j] += vinv[j * nPk + idx] * val; }
        else if (kind === RATE) { for (j = 0; j < nPk; j++) rateIn[j] += vinv[j * nPk + idx] * val; }
        else y[nPk + idx] = val;
        iev++;
        changed = true;
      }
      if (changed || dirty) { rates(y, a0, b0); dirty = false; }
      if (changed) h = Math.min(h, hInit);
      var tStop = tEnd;
      if (iev < nEv && ev.t[iev] < tEnd) tStop = ev.t[iev];
      var hh = Math.min(h, hMax, tStop - t), last = hh >= tStop - t;
      for (i = 0; i < n; i++) {
        if (a0[i] === b0[i] * y[i]) { q2[i] = -1; y1[i] = y[i]; }
        else { phis(b0[i], hh, ph); q2[i] = ph[2]; y1[i] = y[i] * ph[0] + a0[i] * ph[1]; }
      }
      correct(hh);
      var err = 0;
      for (i = nPk; i < n; i++) {
        var f0 = a0[i] - b0[i] * y[i], f1 = a1[i] - b1[i] * y2[i];
        var est = y2[i] - y[i] - 0.5 * hh * (f0 + f1);
        var scale = atol + rtol * Math.max(Math.abs(y[i]), Math.abs(y2[i]), base[i - nPk]);
        var ei = Math.abs(est) / scale;
        if (ei > err) err = ei;
      }
      if (!isFinite(err)) return {steps: steps, status: 2};
      steps++;
      if (steps > maxSteps) return {steps: steps, status: 1};
      if (err <= 1 || hh <= 1e-9) {
        var tNew = last ? tStop : t + hh;
        while (iout < nOut && tOut[iout] <= tNew) {
          var th = (tOut[iout] - t) / hh, om = 1 - th;
          var h00 = (1 + 2 * th) * om * om, h10 = th * om * om, h01 = th * th * (3 - 2 * th),
            h11 = th * th * (th - 1), dt = tOut[iout] - t;
          for (i = 0; i < nPk; i++) {
            if (y[i] === 0 && a0[i] === 0) row[i] = 0;
            else { phis(b0[i], dt, ph); row[i] = y[i] * ph[0] + a0[i] * ph[1]; }
          }
          for (i = nPk; i < n; i++) {
            var g0 = a0[i] - b0[i] * y[i], g1 = a1[i] - b1[i] * y2[i];
            row[i] = h00 * y[i] + h10 * hh * g0 + h01 * y2[i] + h11 * hh * g1;
          }
          emit(iout, row);
          iout++;
        }
        var sw = a0; a0 = a1; a1 = sw; sw = b0; b0 = b1; b1 = sw;
        y.set(y2);
        t = tNew;
        var fac = err < 1e-12 ? 4 : Math.min(4, Math.max(0.2, 0.9 * Math.pow(err, -1 / 3)));
        h = last ? Math.max(h, hh * fac) : hh * fac;
      } else {
        h = hh * Math.max(0.2, 0.9 * Math.pow(err, -1 / 3));
      }
    }
    while (iout < nOut) { emit(iout, y); iout++; }
    return {steps: steps, status: 0};
  }

  // ------------------------------------------------------------ the model
  function PathwaySolver(data) {
    if (!data || data.format !== 1) fail("this page's model data has an unknown format",
      "rebuild the site with the same version of pathway: pathway site --out DIR");
    this.data = data;
    var c = data.compiled;
    this.nDrug = c.drug_ids.length;
    this.compIndex = {};
    for (var i = 0; i < c.compartments.length; i++) {
      this.compIndex[c.compartments[i].drug + "." + c.compartments[i].kind] = i;
    }
    this.edgeKey = {};                 // "source target" -> term or metabolism entry
    for (i = 0; i < c.terms.length; i++) this.edgeKey[c.terms[i].key.join(" ")] = c.terms[i];
    for (i = 0; i < c.metabolism.length; i++) {
      var m = c.metabolism[i];
      this.edgeKey[m.source + " " + m.target] = m;
    }
    this.defaults = {};
    for (var p in data.parameters) {
      var q = data.parameters[p];
      this.defaults[p] = q.value * q.factor;
    }
    this._cache = [];
  }

  PathwaySolver.prototype.scenarioNames = function () { return Object.keys(this.data.scenarios); };

  // A set of parameter values (in the unit `pathway list` shows) in base units.
  PathwaySolver.prototype.parameters = function (set) {
    var params = Object.assign({}, this.defaults), P = this.data.parameters;
    for (var name in (set || {})) {
      if (!(name in P)) fail("unknown parameter '" + name + "'",
        "one of " + Object.keys(P).join(", ") + " (`pathway list --json` shows them)");
      var p = P[name], v = Number(set[name]);
      if (!isFinite(v)) fail("parameter '" + name + "': " + set[name] + " is not a finite number");
      var eps = 1e-9 * Math.max(Math.abs(p.low), Math.abs(p.high), 1);
      if (v < p.low - eps || v > p.high + eps) {
        fail("parameter '" + name + "' = " + v + " " + p.unit + " is outside its range " +
          p.low + " to " + p.high + " " + p.unit, "pick a value inside the range");
      }
      params[name] = v * p.factor;
    }
    return params;
  };

  function parseIntervention(text) {
    if (typeof text !== "string") return {name: text.name, at_h: text.at_h == null ? null : text.at_h};
    var m = /^([a-z][a-z0-9-]*)(?:@\s*([-+0-9.eE]+)\s*(min|h|d|wk)?)?$/.exec(text.trim());
    if (!m) fail("cannot read intervention '" + text + "'", "write NAME or NAME@TIME, e.g. NAME@36h");
    var units = {min: 1 / 60, h: 1, d: 24, wk: 168};
    return {name: m[1], at_h: m[2] === undefined ? null : Number(m[2]) * units[m[3] || "h"]};
  }

  // The kernel's arrays for parameter values, hypotheses switched on and
  // interventions applied in order (as pathway.scenarios.apply_all and compile_model).
  PathwaySolver.prototype.compile = function (options) {
    options = options || {};
    var key = JSON.stringify([options.set || {}, options.hypotheses || [], options.hypotheses_off || [],
      options.interventions || []]);
    for (var ci = 0; ci < this._cache.length; ci++) if (this._cache[ci].key === key) return this._cache[ci].sys;
    var data = this.data, c = data.compiled, self = this;
    var params = this.parameters(options.set);
    var on = {};
    for (var h in data.hypotheses) on[h] = !!data.hypotheses[h].enabled;
    (options.hypotheses || []).forEach(function (name) {
      if (!(name in data.hypotheses)) fail("unknown hypothesis '" + name + "'",
        "one of " + Object.keys(data.hypotheses).join(", "));
      on[name] = true;
    });
    (options.hypotheses_off || []).forEach(function (name) {     // a hypothesis the model switches on
      if (!(name in data.hypotheses)) fail("unknown hypothesis '" + name + "'",
        "one of " + Object.keys(data.hypotheses).join(", "));
      on[name] = false;
    });
    var val = function (v) { return typeof v === "string" ? params[v] : v; };
    var override = {};       // edge index -> strength (or fraction) after interventions
    var applied = [];
    (options.interventions || []).forEach(function (text) {
      var it = parseIntervention(text);
      var iv = data.interventions[it.name];
      if (!iv) fail("unknown intervention '" + it.name + "'",
        "one of " + Object.keys(data.interventions).join(", "));
      for (var hyp in iv.variants) if (on[hyp]) { iv = iv.variants[hyp]; break; }
      if (it.at_h !== null && !iv.reset.length) fail("intervention '" + it.name +
        "' happens at no particular time, so it takes no '@time'", "only interventions that reset a node take one");
      var cut = {};
      iv.cut.forEach(function (k) { cut[k.join(" ")] = true; });
      var scale = {};
      iv.scale.forEach(function (s) { scale[s[0].join(" ")] = s[1]; });
      for (var k in self.edgeKey) {
        var e = self.edgeKey[k], isMet = "fraction" in e;
        var current = e.edge in override ? override[e.edge] : val(isMet ? e.fraction : e.strength);
        if (cut[k]) override[e.edge] = 0;
        else if (k in scale) override[e.edge] = isMet ? Math.min(1, current * scale[k]) : current * scale[k];
      }
      iv.scale_parameters.forEach(function (s) {
        // the range scales with the value, as in pathway.scenarios.apply_intervention
        var p = data.parameters[s[0]], v = params[s[0]] * s[1], f = p.factor * s[1];
        if (v < p.low * f * (1 - 1e-12) || v > p.high * f * (1 + 1e-12)) {
          fail("intervention '" + it.name + "' takes parameter '" + s[0] + "' outside its range",
            "move that parameter back toward its default");
        }
        params[s[0]] = v;
      });
      applied.push({iv: iv, at_h: it.at_h});
    });

    var active = function (x) { return x.hypothesis === null || on[x.hypothesis]; };
    var terms = c.terms.filter(active);
    var nT = terms.length, sys = {
      nDrug: this.nDrug, params: params, applied: applied, on: on,
      tauRise: Float64Array.from(c.tau_rise.map(val)), tauFall: Float64Array.from(c.tau_fall.map(val)),
      baseline: Float64Array.from(c.baseline.map(val)), mode: Int32Array.from(c.mode),
      nPar: Float64Array.from([].concat.apply([], c.n_par).map(val)),
      eSrc: new Int32Array(nT), eTgt: new Int32Array(nT), eKind: new Int32Array(nT),
      eSign: new Float64Array(nT), eStrength: new Float64Array(nT),
      ePar: new Float64Array(nT * N_EDGE_PARAMS)};
    terms.forEach(function (t, j) {
      sys.eSrc[j] = t.src; sys.eTgt[j] = t.tgt; sys.eKind[j] = t.kind; sys.eSign[j] = t.sign;
      sys.eStrength[j] = t.edge in override ? override[t.edge] : val(t.strength);
      for (var c2 = 0; c2 < N_EDGE_PARAMS; c2++) sys.ePar[j * N_EDGE_PARAMS + c2] = val(t.par[c2]);
    });
    // the pharmacokinetic matrix, as compile_model builds it
    var nPk = c.compartments.length, K = zeros(nPk, nPk), ci2 = this.compIndex;
    c.drug_ids.forEach(function (d) {
      var drug = c.drugs[d], cc = ci2[d + ".central"], vc = val(drug.volume);
      K[cc][cc] -= val(drug.clearance) / vc;
      drug.peripheral.forEach(function (pf, k) {
        var p = ci2[d + ".peripheral" + (k + 1)], q = val(pf[1]), vp = val(pf[0]);
        K[cc][cc] -= q / vc; K[p][cc] += q / vc; K[p][p] -= q / vp; K[cc][p] += q / vp;
      });
      for (var r in drug.routes) {
        var th = drug.routes[r].absorption_half_life_h;
        if (th !== null) {
          var dep = ci2[d + ".depot:" + r], ka = Math.LN2 / val(th);
          K[dep][dep] -= ka; K[cc][dep] += ka;
        }
      }
    });
    c.metabolism.filter(active).forEach(function (m) {
      var src = c.drugs[m.source], f = m.edge in override ? override[m.edge] : val(m.fraction);
      K[ci2[m.target + ".central"]][ci2[m.source + ".central"]] += f * val(src.clearance) / val(src.volume);
    });
    var md = modes(K);
    sys.K = K;
    sys.lam = md.lam;
    sys.vinv = new Float64Array(nPk * nPk);
    for (var i = 0; i < nPk; i++) for (var j = 0; j < nPk; j++) sys.vinv[i * nPk + j] = md.Vinv[i][j];
    sys.conc = new Float64Array(this.nDrug * nPk);
    c.drug_ids.forEach(function (d, di) {
      var row = ci2[d + ".central"], s = 1000 / val(c.drugs[d].volume);
      for (var j2 = 0; j2 < nPk; j2++) sys.conc[di * nPk + j2] = md.V[row][j2] * s;
    });
    this._cache.unshift({key: key, sys: sys});
    if (this._cache.length > 8) this._cache.pop();
    return sys;
  };

  // ------------------------------------------------------------ scenarios and events
  PathwaySolver.prototype.scenario = function (scenario, options) {
    var data = this.data, sc;
    if (typeof scenario === "string" || scenario == null) {
      var name = scenario == null ? data.roles.showcase[0] : scenario;
      if (!(name in data.scenarios)) fail("unknown scenario '" + name + "'",
        "one of " + Object.keys(data.scenarios).join(", "));
      sc = Object.assign({name: name}, data.scenarios[name]);
    } else sc = Object.assign({}, scenario);
    sc.doses = sc.doses.map(function (d) { return Object.assign({}, d); });
    var study = sc.study_drugs || [];
    var isStudy = function (d) { return !study.length || study.indexOf(d.drug) >= 0; };
    if (options.dose != null) {
      // as pathway.simulate.with_dose: a stated nominal dose scales every line of the
      // study drugs; otherwise each study line is set to the dose
      var dose = Number(options.dose);
      if (!(dose > 0) || !isFinite(dose)) fail("dose " + options.dose + " must be a positive number");
      var lines = sc.doses.filter(isStudy);
      if (!lines.length) fail("scenario '" + sc.name + "' has no doses to change");
      if (sc.dose) {
        var factor = dose / sc.dose.amount;
        lines.forEach(function (d) { d.amount = d.amount * factor; });
      } else {
        var units = {};
        lines.forEach(function (d) { units[d.per_kg ? "mg/kg" : "mg"] = 1; });
        if (Object.keys(units).length > 1) fail("scenario '" + sc.name + "' mixes dose units, so one dose cannot set them all");
        lines.forEach(function (d) { d.amount = dose; });
      }
      sc.label = "";
    }
    if (options.placebo) {
      // true: the model's inert drug; a drug id: another inert drug of the model
      var inert = typeof options.placebo === "string" ? options.placebo : data.roles.inert;
      if (!inert || !(inert in data.compiled.drugs) || (data.roles.inert_drugs || [inert]).indexOf(inert) < 0) {
        fail("the model has no inert drug" + (inert ? " '" + inert + "'" : "") + " for a placebo arm");
      }
      sc.doses = sc.doses.map(function (d) {
        if (d.drug === inert || !isStudy(d)) return d;     // background treatment stays
        if (!(d.route in data.compiled.drugs[inert].routes)) {
          fail("the inert drug '" + inert + "' has no route '" + d.route + "' to mimic '" + d.drug + "'");
        }
        return Object.assign({}, d, {drug: inert, amount: 1, per_kg: false});
      });
      sc.name = sc.name + " (placebo arm)";
      sc.placebo = true;
    }
    return sc;
  };

  function doseTimes(d, tEnd) {
    var times = [];
    if (d.every_h === null) times.push(d.start_h);
    else {
      var n = d.count !== null ? d.count : Math.floor((tEnd - d.start_h) / d.every_h + 1e-9) + 1;
      for (var i = 0; i < Math.max(n, 0); i++) times.push(d.start_h + d.every_h * i);
    }
    return times.filter(function (t) { return t < tEnd; });
  }

  PathwaySolver.prototype.events = function (sys, sc, tEnd) {
    var data = this.data, c = data.compiled, ci = this.compIndex, rows = [];
    var val = function (v) { return typeof v === "string" ? sys.params[v] : v; };
    var weight = data.roles.body_weight ? sys.params[data.roles.body_weight] : 70;
    var first = sc.doses.length ? Math.min.apply(null, sc.doses.map(function (d) { return d.start_h; })) : 0;
    var extra = [];
    sys.applied.forEach(function (a) {
      a.iv.doses.forEach(function (d) { extra.push(Object.assign({}, d, {start_h: first + d.start_h})); });
      a.iv.reset.forEach(function (r) {
        var i = c.node_ids.indexOf(r[0]);
        rows.push([first + (a.at_h === null ? r[1] : a.at_h), SET, i, sys.baseline[i]]);
      });
    });
    var exp = data.roles.expectancy;
    // the compartment a dose's expectancy goes to: the store's route of the dose's route name if it
    // builds up (a pill's), else its visit route if that builds up, else the store (dosing.expectancy_store)
    var expectancyStore = function (routeName) {
      if (!exp) return null;
      var names = [routeName, "visit"];
      for (var k = 0; k < names.length; k++) {
        var r = c.drugs[exp].routes[names[k]];
        if (r && r.absorption_half_life_h !== null) return ci[exp + ".depot:" + names[k]];
      }
      return ci[exp + ".central"];
    };
    sc.doses.concat(extra).forEach(function (d) {
      var route = c.drugs[d.drug].routes[d.route];
      var f = val(route.bioavailability), expect = val(route.expectancy);
      var store = expectancyStore(d.route);
      var times = doseTimes(d, tEnd);
      if (store !== null && expect > 0) times.forEach(function (t) { rows.push([t, BOLUS, store, expect]); });
      var mg = d.amount * (d.per_kg ? weight : 1) * f;
      var target = route.absorption_half_life_h !== null ? ci[d.drug + ".depot:" + d.route] : ci[d.drug + ".central"];
      times.forEach(function (t) {
        if (d.duration_h > 0) {
          var rate = mg / d.duration_h;
          rows.push([t, RATE, target, rate]);
          rows.push([t + d.duration_h, RATE, target, -rate]);
        } else rows.push([t, BOLUS, target, mg]);
      });
    });
    rows.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    return {t: Float64Array.from(rows.map(function (r) { return r[0]; })),
      kind: Int32Array.from(rows.map(function (r) { return r[1]; })),
      index: Int32Array.from(rows.map(function (r) { return r[2]; })),
      value: Float64Array.from(rows.map(function (r) { return r[3]; }))};
  };

  // simulate(scenario, {days, dose, set, interventions, hypotheses, hypotheses_off, placebo,
  //                     step_min | t_eval, rtol, atol}) -> {time_h, <column>: Float64Array, ...}
  // placebo: true for the matched placebo arm, or the id of another inert drug to give it
  PathwaySolver.prototype.simulate = function (scenario, options) {
    options = options || {};
    var data = this.data, c = data.compiled;
    var sc = this.scenario(scenario, options);
    var days = options.days == null ? sc.days : Number(options.days);
    if (!(days > 0 && days <= MAX_DAYS)) fail("days " + options.days + " must be a number above 0 and at most " + MAX_DAYS);
    var tEnd = days * 24, tOut;
    if (options.t_eval) {
      tOut = Float64Array.from(options.t_eval);
    } else {
      var step = options.step_min == null ? 5 : Number(options.step_min);
      if (!(step > 0 && step <= 1440)) fail("step_min must lie between 0 and 1440 minutes");
      var n = Math.floor(tEnd * 60 / step + 1e-9), arr = [];
      for (var i = 0; i <= n; i++) arr.push(i * (step / 60));     // as simulate.py: the same times
      if (arr[arr.length - 1] < tEnd - 1e-9) arr.push(tEnd);
      tOut = Float64Array.from(arr);
    }
    var sys = this.compile(options);
    var ev = this.events(sys, sc, tEnd);
    var t0 = ev.t.length ? Math.min(0, ev.t[0]) : 0;
    var nPk = sys.lam.length, nNode = sys.baseline.length, nS = nPk + nNode;
    var y0 = new Float64Array(nS);
    y0.set(sys.baseline, nPk);
    // the columns are filled as the solver reaches each output time: plasma levels from
    // the modes (never below zero), nodes clipped to zero and a readout to its ceiling
    var nT = tOut.length, nD = this.nDrug, nz = sparseConc(sys.conc, nD, nPk), bad = false;
    var drugCols = c.drug_ids.map(function () { return new Float64Array(nT); });
    var nodeCols = c.node_ids.map(function () { return new Float64Array(nT); });
    var top = new Float64Array(nNode).fill(Infinity);
    data.nodes.forEach(function (nd) {
      if (nd.kind === "readout") {
        var k = c.node_ids.indexOf(nd.id), at = c.clip_par[k];
        top[k] = at >= 0 ? sys.nPar[at] : 1;
      }
    });
    var nzStart = nz.start, nzMode = nz.mode, nzCoef = nz.coef;
    function emit(r, state) {
      for (var di = 0; di < nD; di++) {
        var sd = 0;
        for (var q = nzStart[di]; q < nzStart[di + 1]; q++) sd += nzCoef[q] * state[nzMode[q]];
        drugCols[di][r] = sd > 0 ? sd : 0;
      }
      for (var k = 0; k < nNode; k++) {
        var v = state[nPk + k];
        if (!(v > -Infinity && v < Infinity)) bad = true;
        nodeCols[k][r] = v < 0 ? 0 : (v > top[k] ? top[k] : v);
      }
    }
    var res = integrate(sys, y0, t0, tEnd, tOut, ev, options.rtol || 1e-5, options.atol || 1e-8,
      1 / 60, 24, options.max_steps || 5000000, emit);
    if (res.status === 1) fail("the solver took too many steps on scenario '" + sc.name + "'", "shorten the simulation");
    if (res.status === 2) bad = true;
    var out = {time_h: tOut, steps: res.steps, scenario: sc.name};
    data.nodes.forEach(function (nd) {
      out[nd.id] = nd.kind === "drug" ? drugCols[c.drug_ids.indexOf(nd.id)] : nodeCols[c.node_ids.indexOf(nd.id)];
    });
    if (bad) fail("the simulation of '" + sc.name + "' produced non-finite values",
      "check the parameters you changed; a time constant near zero or a huge strength can do this");
    for (var name in data.derived) {
      var col = new Float64Array(nT);
      data.derived[name].forEach(function (d) { var x = out[d]; for (var r = 0; r < nT; r++) col[r] += x[r]; });
      out[name] = col;
    }
    return out;
  };

  PathwaySolver.prototype.columns = function () {
    return this.data.nodes.map(function (n) { return n.id; }).concat(Object.keys(this.data.derived));
  };

  root.PathwaySolver = PathwaySolver;
})(typeof window !== "undefined" ? window : globalThis);
