/* Runs a batch of cases through the page's solver under Node, in one process.
 *
 *   node run_solver.js SOLVER_JS MODEL_JS OUT_BIN < cases.json
 *
 * SOLVER_JS is pathway/web/solver.js and MODEL_JS the site's model.js (a script that
 * sets window.PATHWAY_MODEL); both run as the page runs them, solver.js in the global
 * scope (it sets globalThis.PathwaySolver where there is no window) and model.js with
 * a window of its own. stdin holds a JSON list of {id, scenario, options}, the
 * arguments of PathwaySolver.simulate. Every column of every case, time_h last, goes
 * to OUT_BIN as little-endian float64, column by column; stdout gets the index:
 *
 *   {"columns": [...], "cases": [{"id", "steps", "rows", "offset"} or {"id", "error"}]}
 *
 * where offset counts float64 values from the start of OUT_BIN. A case that
 * solver.js refuses gets its error message and the batch goes on. */
"use strict";
const fs = require("fs");
const vm = require("vm");

const [solverPath, modelPath, outPath] = process.argv.slice(2);
if (!outPath) {
  process.stderr.write("usage: node run_solver.js SOLVER_JS MODEL_JS OUT_BIN < cases.json\n");
  process.exit(2);
}
vm.runInThisContext(fs.readFileSync(solverPath, "utf8"), {filename: solverPath});
const page = {window: {}};
vm.runInNewContext(fs.readFileSync(modelPath, "utf8"), page, {filename: modelPath});
if (!page.window.PATHWAY_MODEL) {
  process.stderr.write(modelPath + " does not set window.PATHWAY_MODEL\n");
  process.exit(2);
}
// the model data crosses from its own context as JSON, so it is an ordinary object here
const solver = new globalThis.PathwaySolver(JSON.parse(JSON.stringify(page.window.PATHWAY_MODEL)));
const columns = solver.columns().concat(["time_h"]);
const batch = JSON.parse(fs.readFileSync(0, "utf8"));

// Float64Array is in the machine's byte order, and the reader takes little-endian
if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {
  process.stderr.write("this machine is big-endian; the reader expects little-endian float64\n");
  process.exit(2);
}
const out = fs.openSync(outPath, "w");
const index = {columns: columns, cases: []};
let offset = 0;
for (const c of batch) {
  let run;
  try {
    run = solver.simulate(c.scenario, c.options || {});
  } catch (e) {
    index.cases.push({id: c.id, error: String(e && e.message || e)});
    continue;
  }
  const rows = run.time_h.length, block = new Float64Array(rows * columns.length);
  columns.forEach(function (name, j) {
    const col = run[name];
    if (!col || col.length !== rows) throw new Error(c.id + ": column " + name + " is missing or short");
    block.set(col, j * rows);
  });
  fs.writeSync(out, new Uint8Array(block.buffer));
  index.cases.push({id: c.id, steps: run.steps, rows: rows, offset: offset});
  offset += block.length;
}
fs.closeSync(out);
process.stdout.write(JSON.stringify(index));
