/* The explorer page: controls, the pathway drawn in SVG, the time courses, and
 * everything a reader needs to try the model without programming. It reads the
 * structure written by pathway/webexport.py and runs pathway/web/solver.js.
 *
 *   PathwayApp.mount(element, data, {hash: true})
 *
 * Licence: MIT, as the rest of ketamine-pathway. */
(function (root) {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  // activity -1 .. 1: the lecture's map (ColorBrewer PRGn, pathway.plotting.ACTIVITY_ENDS around
  // a light middle), so a student sees the same colours on the page as in the hall
  var ACTIVITY = ["#762A83", "#AF8DC3", "#f4f4f4", "#7FBF7B", "#1B7837"];
  var GRADE_DASH = {strong: "", moderate: "6 3", preliminary: "1.5 2.5", contested: "7 2.5 1.5 2.5"};
  // the pathway's lines and bands take the figure's colours, from the data (layout.colors):
  // neutral greys, told apart by their heads, so colour keeps its one meaning (activity
  // in the boxes, an arm in the charts)
  var INK = "#1a1a1a", MUTED = "#555";
  var PLACEBO = "#6b6b6b", GHOST = "#b9b9b9", FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  var HINT = "Tap or click a box or an arrow (or reach it with Tab and press Enter) to read what it is, how good the evidence is, and the studies behind it.";
  var TEACHING = "A teaching model, not medical advice: simplified, tuned to published studies, not a forecast for anyone.";
  var TIME_TICKS = [[1 / 6, "10 min"], [1, "1 h"], [6, "6 h"], [24, "1 d"], [72, "3 d"], [168, "1 wk"],
    [336, "2 wk"], [672, "4 wk"], [1344, "8 wk"], [2688, "16 wk"], [5376, "32 wk"], [8760, "1 yr"]];

  // ------------------------------------------------------------ helpers
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "html") e.innerHTML = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in (attrs || {})) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function sig(x, digits) {       // like Python's %.{digits}g
    if (x === 0) return "0";
    var s = Number(x).toPrecision(digits);
    if (s.indexOf("e") >= 0) {          // never scientific notation: 0.000000828, 1200000
      var places = digits - 1 - Math.floor(Math.log10(Math.abs(Number(s))));
      s = places > 0 ? Number(s).toFixed(Math.min(places, 20)) : Math.round(Number(s)).toFixed(0);
    }
    if (s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s;
  }

  // pathway.modelfile.format_quantity: hours become min, h or d as fits
  function formatQuantity(value, dimension, baseUnit) {
    if (dimension === "time") {
      if (value < 1) return sig(value * 60, 3) + " min";
      if (value < 48) return sig(value, 3) + " h";
      return sig(value / 24, 3) + " d";
    }
    return (sig(value, 4) + " " + (baseUnit || "")).trim();
  }

  function formatTime(h) {
    if (h < 1) return sig(h * 60, 2) + " min";
    if (h < 48) return sig(h, 2) + " h";
    if (h < 24 * 14) return sig(h / 24, 2) + " d";
    return sig(h / 168, 2) + " wk";
  }

  function hexToRgb(h) {
    h = h.replace("#", "");
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }

  function activityColor(v) {
    var x = (Math.max(-1, Math.min(1, v)) + 1) / 2 * (ACTIVITY.length - 1);
    var i = Math.min(ACTIVITY.length - 2, Math.floor(x)), f = x - i;
    var a = hexToRgb(ACTIVITY[i]), b = hexToRgb(ACTIVITY[i + 1]);
    var c = a.map(function (ai, k) { return Math.round(ai + (b[k] - ai) * f); });
    return "rgb(" + c.join(",") + ")";
  }

  function inkFor(fill) {
    var m = /rgb\((\d+),(\d+),(\d+)\)/.exec(fill), c = m ? [+m[1], +m[2], +m[3]] : [255, 255, 255];
    return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255 > 0.55 ? "#111111" : "#f7f7f7";
  }

  function interp(xs, ys, x) {
    var n = xs.length;
    if (x <= xs[0]) return ys[0];
    if (x >= xs[n - 1]) return ys[n - 1];
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (xs[mid] <= x) lo = mid; else hi = mid; }
    var f = (x - xs[lo]) / (xs[hi] - xs[lo]);
    return ys[lo] + f * (ys[hi] - ys[lo]);
  }

  function niceCeil(x) {
    if (!(x > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(x))), m = x / p;
    var step = m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10;
    return step * p;
  }

  // "Title: the rest." -> ["Title", "The rest."]; a description without a colon is all title
  // (or, for a long one, at its first semicolon or comma after a few words)
  function splitTitle(text) {
    text = text || "";
    var i = text.indexOf(": ");
    if (i >= 0 && i <= 90) {
      var rest = text.slice(i + 2);
      return [text.slice(0, i), rest.charAt(0).toUpperCase() + rest.slice(1)];
    }
    if (text.length <= 80) return [text, ""];
    var j = text.indexOf("; ");
    if (j < 20 || j > 90) j = text.indexOf(", ", 20);
    if (j < 20 || j > 90) return [text, ""];
    return [text.slice(0, j), text.slice(j + 2)];
  }

  // a number for readers: never in scientific notation (3 significant digits, or
  // "less than 0.001" for a tiny positive one)
  function num(x) {
    if (x === 0 || !isFinite(x)) return String(x);
    var a = Math.abs(x);
    if (a < 0.001) return (x < 0 ? "more than -" : "less than ") + "0.001";
    if (a >= 1e6) return Math.round(x).toLocaleString("en");
    return sig(x, 3);
  }

  // text from the model file for readers: no code marks, ids in parentheses kept as
  // written, numbers left as they are
  function plain(text) {
    return String(text || "").replace(/`([^`]*)`/g, "$1")
      .replace(/[;,]?\s*choose with [^\s@]+@[^\s)]+/g, "");        // the command line's syntax
  }

  function firstSentence(text) {
    var m = /^(.*?[.!?])(\s|$)/.exec(text || "");
    return m ? m[1] : (text || "");
  }

  // ------------------------------------------------------------ the app
  function App(host, data, options) {
    this.host = host;
    this.data = data;
    this.options = Object.assign({hash: true}, options || {});
    this.solver = new root.PathwaySolver(data);
    this.nodes = {};
    var self = this;
    data.nodes.forEach(function (n) { self.nodes[n.id] = n; });
    this.primary = data.roles.primary;
    this.ghost = null;
    this.lastKey = null;
    this.runs = null;
    this.timings = [];
    this.defaults = this.defaultState();
    this.state = this.defaultState();
    if (this.options.hash && !this.options.ignoreLink) this.readHash();
    this.build();
    this.render();
    if (!this.runs) {
      // a link (or a bad start) that cannot run: say why, and show the defaults instead
      var failed = this.alert.cloneNode(true);
      this.state = this.defaultState();
      this.syncControls();
      this.render();
      this.alert.replaceWith(failed);
      this.alert = failed;
      this.alert.appendChild(el("div", {text: "The page shows the model's defaults instead."}));
      this.alert.hidden = false;
    }
    this.showHashProblems();
    if (this.options.hash) {
      root.addEventListener("hashchange", function () {
        if (root.location.hash.slice(1) !== self.hashText) { self.readHash(); self.syncControls(); self.render(); }
      });
    }
    // redraw when the app's own width changes (a window, a notebook cell, a phone turned)
    var pending = null, lastWidth = host.clientWidth;
    var redraw = function () {
      if (host.clientWidth === lastWidth) return;
      lastWidth = host.clientWidth;
      clearTimeout(pending);
      pending = setTimeout(function () { self.draw(); }, 100);
    };
    if (root.ResizeObserver) new root.ResizeObserver(redraw).observe(host);
    else root.addEventListener("resize", redraw);
  }

  App.prototype.defaultState = function () {
    var d = this.data, show = d.roles.showcase, first = this.options.initial || {};
    var s = {scenario: show[0], compare: show.length > 1 ? show[1] : "", dose: null, days: null,
      interventions: [], hypotheses: Object.keys(d.hypotheses).filter(function (h) { return d.hypotheses[h].enabled; }),
      set: {}, t: 24, side: (d.roles.side_effects[0] || d.roles.outcomes[0] || ""), placebo: true, inert: "", band: false};
    if (first.scenario in d.scenarios) s.scenario = first.scenario;
    if (first.compare === "" || first.compare in d.scenarios) s.compare = first.compare;
    return s;
  };

  App.prototype.days = function () {
    var s = this.state, d = this.data;
    if (s.days) return s.days;
    return Math.max(d.scenarios[s.scenario].days, s.compare ? d.scenarios[s.compare].days : 0);
  };

  App.prototype.doseInfo = function (name) {
    var sc = this.data.scenarios[name];
    // a scenario that states its dose (one treatment as several lines, such as racemic
    // ketamine as its two enantiomers) is changed through that dose
    if (sc.dose) return {amount: sc.dose.amount, unit: sc.dose.per_kg ? "mg/kg" : "mg"};
    var study = sc.study_drugs || [];
    var doses = sc.doses.filter(function (x) { return !study.length || study.indexOf(x.drug) >= 0; });
    if (!doses.length) return null;
    var units = {};
    doses.forEach(function (x) { units[x.per_kg ? "mg/kg" : "mg"] = 1; });
    if (Object.keys(units).length > 1) return null;
    // one number sets every study dose line (as `pathway simulate --dose` does), so the
    // page offers it only where those lines share their amount
    if (doses.some(function (x) { return x.amount !== doses[0].amount; })) return null;
    return {amount: doses[0].amount, unit: Object.keys(units)[0]};
  };

  App.prototype.label = function (id) {
    var n = this.nodes[id];
    if (n) return n.label;
    var ds = this.data.derived[id];
    if (ds) return "Plasma " + ds.map(function (x) { return (this.nodes[x] || {}).short_label || x; }, this).join(" + ");
    return id.replace(/_/g, " ");
  };

  App.prototype.unitOf = function (id) {
    var n = this.nodes[id];
    // expectancy is a drug to the solver (a store each visit fills), not to a reader
    if (id === this.data.roles.expectancy) return "";
    return (n && n.kind === "drug") || this.data.derived[id] ? "ng/mL" : "";
  };

  // a scenario's name for people: its drug, or (when two arms share a drug) its description
  App.prototype.armName = function (name) {
    var d = this.data, inert = d.roles.inert, s = this.state, self = this;
    if (d.scenarios[name].label) return d.scenarios[name].label;
    var lead = function (n) {
      var drugs = d.scenarios[n].doses.map(function (x) { return x.drug; }).filter(function (x) { return x !== inert; });
      return drugs.length ? drugs[0] : (d.scenarios[n].doses.length ? inert : null);
    };
    var drug = lead(name), other = name === s.scenario ? s.compare : s.scenario;
    if (drug && !(other && other !== name && lead(other) === drug)) {
      var n = self.nodes[drug];
      return n ? n.short_label : drug;
    }
    return firstSentence(d.scenarios[name].description).replace(/\.$/, "");
  };

  App.prototype.armColor = function (name) {
    if (this.data.scenarios[name].color) return this.data.scenarios[name].color;
    var d = this.data, inert = d.roles.inert;
    var drugs = d.scenarios[name].doses.map(function (x) { return x.drug; }).filter(function (x) { return x !== inert; });
    if (!drugs.length) return PLACEBO;
    return d.compiled.drugs[drugs[0]].color || INK;
  };

  // ------------------------------------------------------------ the DOM
  App.prototype.build = function () {
    var self = this, d = this.data, page = d.page || {};
    this.host.innerHTML = "";
    this.host.classList.add("pathway-app");
    var name = d.model.name.replace(/-/g, " ");
    var title = el("h1", {text: name.charAt(0).toUpperCase() + name.slice(1) + ": explore the model"});
    var intro = el("p", {class: "pw-intro", text: plain(page.intro || firstSentence(d.model.description))});
    this.status = el("div", {class: "pw-status", role: "status", "aria-live": "polite"});
    this.alert = el("div", {class: "pw-alert", role: "alert", hidden: true});
    this.notice = el("div", {class: "pw-notice", role: "status", hidden: true});

    // the pathway's moment, set under the chart (the dashed line) so both are in reach
    this.pathSvgBox = el("div", {class: "pw-pathway"});
    this.keyBox = el("div", {class: "pw-key"});
    this.timeLabel = el("label", {for: "pw-time", text: "Pathway at"});
    this.timeInput = el("input", {id: "pw-time", type: "range", min: 0, max: 1000, step: 1,
      "aria-describedby": "pw-time-value", oninput: function () { self.state.t = self.sliderToTime(+this.value); self.draw(true); self.writeHash(); }});
    this.timeValue = el("output", {id: "pw-time-value", for: "pw-time"});
    var timeRow = el("div", {class: "pw-time"}, [this.timeLabel, this.timeInput, this.timeValue]);
    // the answer: the main chart, with the teaching-model note beside it
    this.chartBox = el("div", {class: "pw-chart"});
    this.legendBox = el("ul", {class: "pw-legend", "aria-label": "Legend of the curves"});
    this.answer = el("section", {class: "pw-answer", "aria-labelledby": "pw-primary-title"}, [
      el("h2", {class: "pw-h2", id: "pw-primary-title", text: this.label(this.primary) + " over time"}),
      page.reading ? el("p", {class: "pw-teach pw-reading", text: plain(page.reading)}) : null,
      this.chartBox, timeRow,
      el("p", {class: "pw-teach", text: TEACHING}),
      this.legendBox]);

    this.sideSelect = el("select", {id: "pw-side", onchange: function () { self.state.side = this.value; self.draw(); self.writeHash(); }});
    this.sideChartBox = el("div", {class: "pw-chart pw-chart-small"});
    // details of a box or an arrow: a panel over the page's foot, so a tap never scrolls
    // the diagram away; Escape or its close button shuts it
    this.info = el("section", {class: "pw-info", role: "dialog", "aria-modal": "false", tabindex: "-1", hidden: true,
      "aria-label": "Details of the selected part of the pathway"});
    var buttons = el("div", {class: "pw-buttons"}, [
      el("button", {type: "button", onclick: function () { self.reset(); }, text: "Reset everything"}),
      this.options.hash ? el("button", {type: "button", onclick: function () { self.share(this); }, text: "Copy link to this setting"}) : null,
      el("button", {type: "button", onclick: function () { self.download("png"); }, text: "Download PNG"}),
      el("button", {type: "button", onclick: function () { self.download("svg"); }, text: "Download SVG"})]);
    var figure = el("section", {class: "pw-figure", "aria-label": "The pathway"}, [
      el("div", {class: "pw-figure-head"}, [el("h2", {class: "pw-h2", text: "The pathway"}), this.splitKey = el("div", {class: "pw-split-key"})]),
      this.pathSvgBox, this.keyBox,
      el("p", {class: "pw-hint"}, [HINT + " ", (d.glossary && Object.keys(d.glossary).length) ? el("button", {type: "button", class: "pw-link",
        onclick: function () { var g = self.host.querySelector("#pw-glossary"); g.open = true; g.scrollIntoView({block: "start"}); g.querySelector("summary").focus(); },
        text: "New words? See \u201cWords used here\u201d"}) : null]),
      el("div", {class: "pw-side-head"}, [el("label", {for: "pw-side", class: "pw-h2", text: "Also show"}), this.sideSelect]),
      this.sideChartBox, buttons]);

    // controls
    var controls = el("section", {class: "pw-controls", "aria-label": "Controls"});
    this.tryBox = this.buildTry();
    if (this.tryBox) figure.appendChild(this.tryBox);
    figure.appendChild(this.buildHonesty());
    var glossary = this.buildGlossary();
    if (glossary) figure.appendChild(glossary);
    controls.appendChild(this.buildTreatment());
    controls.appendChild(this.buildChecks("interventions", "Interventions (virtual experiments)",
      "Each one changes the biology, as in a published experiment; it is drawn on the pathway.", d.interventions));
    controls.appendChild(this.buildChecks("hypotheses", "Contested hypotheses",
      "Ideas that are still argued about. Switch one on to add its arrows to the model.", d.hypotheses));
    controls.appendChild(this.buildParameters());
    controls.id = "pw-controls";
    controls.tabIndex = -1;
    var skip = el("a", {class: "pw-skip", href: "#pw-controls", text: "Skip to the controls",
      onclick: function (ev) { ev.preventDefault(); controls.focus(); controls.scrollIntoView(); }});
    this.host.appendChild(skip);
    this.host.appendChild(el("header", {class: "pw-header"}, [title, intro, this.buildStart()]));
    this.host.appendChild(this.alert);
    this.host.appendChild(this.notice);
    // in the page's order the answer and the controls come first (a few Tabs from the
    // top); the grid places the pathway beside them on a wide screen and between them
    // on a phone, where the answer stays in view while the reader scrolls
    this.layout = el("div", {class: "pw-layout"}, [this.answer, controls, figure]);
    this.host.appendChild(this.layout);
    this.host.appendChild(this.info);
    this.host.appendChild(this.status);
    this.host.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape") return;
      if (!self.info.hidden) { ev.preventDefault(); self.closeInfo(); return; }
      var open = ev.target.closest && ev.target.closest("details[open]");
      if (open && open.classList.contains("pw-closable")) { open.open = false; open.querySelector("summary").focus(); }
    });
    this.syncControls();
  };

  // "Start here": the first guided question, above the fold
  App.prototype.buildStart = function () {
    var self = this, item = (this.data.things_to_try || [])[0];
    if (!item) return null;
    return el("div", {class: "pw-start"}, [
      el("strong", {class: "pw-start-label", text: "Start here: "}),
      el("span", {text: item.question + " "}),
      el("button", {type: "button", class: "pw-try-button", onclick: function () { self.applyTry(item); }, text: "Set it up"}),
      el("span", {class: "pw-start-then", text: " then move the time slider."})]);
  };

  // plain words on what the model is, what was calibrated and checked, and safety
  App.prototype.buildHonesty = function () {
    var d = this.data, page = d.page || {}, rows = d.scorecard || [];
    var box = el("details", {class: "pw-box pw-honesty pw-closable", open: true}, [
      el("summary", {class: "pw-h2", text: "What this model is, and is not"})]);
    box.appendChild(el("p", {text: "This is a teaching model: a simplified picture of the brain, not medical advice, and it cannot say how any one person will respond."}));
    var trials = d.trials || null;
    box.appendChild(el("p", {text: "Some of its numbers were fitted to published trials, and its curves were tuned to fall within results " +
      "of studies in people and animals. Matching those shows that the fitting worked, not that the model is right."}));
    box.appendChild(el("p", {class: "pw-validation", text: trials && trials.rows.length ?
      trials.sentences.validate + " Every result is listed below, the misses included." :
      "Other published trials were kept aside and used only to test it."}));
    if (page.safety) {
      var note = el("p", {class: "pw-safety"}, [el("strong", {text: "Safety and context. "}), plain(page.safety)]);
      box.appendChild(note);
      if ((page.safety_sources || []).length) {
        box.appendChild(el("p", {class: "pw-desc", text: "Sources:"}));
        box.appendChild(this.citations(page.safety_sources));
      }
    }
    if (trials && trials.rows.length) box.appendChild(this.buildTrials());
    if (rows.length) box.appendChild(this.buildScorecard());
    return box;
  };

  // The published trials (written by `pathway site`): each result beside the model's, the trials
  // kept aside (validation) first, then those the model was fitted to, one group per trial; a miss
  // says "outside", and a box shows only the misses.
  App.prototype.buildTrials = function () {
    var t = this.data.trials;
    var used = {validate: "kept aside to test the model", calibrate: "used to fit the model"};
    var table = el("table", {class: "pw-score-table pw-trials-table"}, [
      el("caption", {text: "Each published result, the model's value for the same design, and whether it falls inside the trial's 95% interval."}),
      el("thead", {}, [el("tr", {}, ["What was measured", "Trial (95% interval)", "Model", "Inside the interval?"].map(
        function (h) { return el("th", {scope: "col", text: h}); }))])]);
    var groups = [];
    t.rows.forEach(function (r) {
      var g = groups.length ? groups[groups.length - 1] : null;
      if (!g || g.trial !== r.trial || g.role !== r.role) {
        g = {trial: r.trial, role: r.role, body: el("tbody", {class: "pw-trial-group"}), misses: 0};
        g.body.appendChild(el("tr", {class: "pw-trial-head"}, [
          el("th", {colspan: "4", scope: "colgroup", text: r.trial + ": " + (used[r.role] || r.role)})]));
        groups.push(g);
        table.appendChild(g.body);
      }
      if (r.status === "miss") g.misses += 1;
      g.body.appendChild(el("tr", {class: r.status === "miss" ? "pw-miss" : (r.status === "within" ? "pw-pass" : "pw-unjudged")}, [
        el("td", {text: r.arm + ": " + r.what}),
        el("td", {text: r.result}),
        el("td", {text: r.model}),
        el("td", {text: r.verdict})]));
    });
    var only = el("input", {type: "checkbox", id: "pw-trials-misses"});
    only.addEventListener("change", function () {
      table.classList.toggle("pw-only-misses", only.checked);
      groups.forEach(function (g) { g.body.hidden = only.checked && !g.misses; });
    });
    var misses = t.rows.filter(function (r) { return r.status === "miss"; }).length;
    return el("details", {class: "pw-score pw-trials"}, [
      el("summary", {text: "How it does against published trials (" + t.rows.length + " results)"}),
      el("p", {text: t.sentences.validate + " " + t.sentences.calibrate}),
      el("p", {class: "pw-trials-filter"}, [only, el("label", {"for": "pw-trials-misses",
        text: " Show only the " + misses + " results outside their interval"})]),
      el("div", {class: "pw-score-scroll"}, [table])]);
  };

  App.prototype.buildGlossary = function () {
    var g = this.data.glossary || {}, terms = Object.keys(g).sort(function (a, b) { return a.toLowerCase() < b.toLowerCase() ? -1 : 1; });
    if (!terms.length) return null;
    var list = el("dl", {class: "pw-glossary"});
    terms.forEach(function (t) { list.appendChild(el("dt", {text: t})); list.appendChild(el("dd", {text: plain(g[t])})); });
    return el("details", {class: "pw-box pw-closable", id: "pw-glossary"}, [el("summary", {class: "pw-h2", text: "Words used here"}), list]);
  };

  App.prototype.buildTry = function () {
    var self = this, items = this.data.things_to_try || [];
    if (!items.length) return null;
    var list = el("ol", {class: "pw-try-list"});
    items.forEach(function (item, i) {
      var answer = item.answer ? el("details", {}, [el("summary", {text: "What to look for"}), el("p", {text: plain(item.answer)})]) : null;
      list.appendChild(el("li", {}, [
        el("p", {class: "pw-question", id: "pw-q" + i, text: item.question}),
        el("button", {type: "button", class: "pw-try-button", "aria-describedby": "pw-q" + i,
          onclick: function () { self.applyTry(item); }, text: "Set it up"}), answer]));
    });
    return el("details", {class: "pw-box pw-try pw-closable", open: true}, [el("summary", {class: "pw-h2", text: "Things to try"}), list]);
  };

  // The validation scorecard (written by `pathway site --scorecard`): each literature
  // check with its source, the published band, the model's value and the verdict.
  App.prototype.buildScorecard = function () {
    var rows = this.data.scorecard || [];
    var band = function (b) {
      if (b[0] == null) return "at most " + num(b[1]);
      if (b[1] == null) return "at least " + num(b[0]);
      return num(b[0]) + " to " + num(b[1]);
    };
    var body = el("tbody");
    rows.forEach(function (r) {
      var verdict = r.passed ? "within" : (r.known_gap ? "outside (a known gap)" : "outside");
      body.appendChild(el("tr", {class: r.passed ? "pw-pass" : "pw-miss"}, [
        el("td", {text: plain(r.statement) + (r.known_gap && !r.passed ? " Why the model misses it: " + plain(r.known_gap) : "")}),
        el("td", {text: r.source}),
        el("td", {text: band(r.band)}),
        el("td", {text: r.value == null ? "none" : num(r.value)}),
        el("td", {text: verdict})]));
    });
    var table = el("table", {class: "pw-score-table"}, [
      el("caption", {text: "The studies the model was tuned to, and where its value falls against each published range (tuning targets, not an independent test)."}),
      el("thead", {}, [el("tr", {}, ["What the studies found", "Source", "Published range", "Model", "Within the range?"].map(
        function (h) { return el("th", {scope: "col", text: h}); }))]),
      body]);
    return el("details", {class: "pw-score"}, [
      el("summary", {text: "The studies it was tuned to (" + rows.length + ")"}),
      el("div", {class: "pw-score-scroll"}, [table])]);
  };

  App.prototype.applyTry = function (item) {
    var s = this.defaultState();
    if (item.scenario) s.scenario = item.scenario;
    if ("compare" in item) s.compare = item.compare || "";
    s.interventions = (item.interventions || []).slice();
    s.hypotheses = s.hypotheses.concat(item.hypotheses || []);
    s.set = Object.assign({}, item.set || {});
    if (item.days) s.days = item.days;
    if (item.dose) s.dose = item.dose;
    if ("show_placebo" in item) s.placebo = !!item.show_placebo;
    s.inert = item.placebo_drug && item.placebo_drug !== this.data.roles.inert ? item.placebo_drug : "";
    this.state = s;
    this.syncControls();
    this.render();
    this.status.textContent = "Set up: " + item.question;
    this.showAnswerAndPathway();
  };

  // bring the chart and the pathway into view together: on a wide screen they sit side
  // by side at the top of the layout; on a phone the chart stays in view at the top
  // (sticky) and the pathway is brought up just below it
  App.prototype.showAnswerAndPathway = function () {
    var sticky = root.getComputedStyle(this.answer).position === "sticky";
    var target = sticky ? this.pathSvgBox : this.layout;
    var above = sticky ? this.answer.getBoundingClientRect().height + 8 : 8;
    var y = target.getBoundingClientRect().top + (root.pageYOffset || 0) - above;
    if (sticky) {               // the answer's own place, when the reader is above it
      var a = this.layout.getBoundingClientRect().top + (root.pageYOffset || 0) - 8;
      y = Math.max(y, a);
    }
    root.scrollTo({top: Math.max(0, y), behavior: "auto"});
  };

  App.prototype.scenarioOptions = function (select, withNone) {
    var d = this.data;
    if (withNone) select.appendChild(el("option", {value: "", text: "nothing (one arm only)"}));
    Object.keys(d.scenarios).forEach(function (name) {
      var sc = d.scenarios[name];
      select.appendChild(el("option", {value: name, text: firstSentence(sc.description).replace(/\.$/, "")}));
    });
  };

  App.prototype.buildTreatment = function () {
    var self = this;
    this.scenarioSelect = el("select", {id: "pw-scenario", onchange: function () {
      self.state.scenario = this.value; self.state.dose = null; self.syncControls(); self.render(); }});
    this.scenarioOptions(this.scenarioSelect, false);
    this.compareSelect = el("select", {id: "pw-compare", onchange: function () { self.state.compare = this.value; self.syncControls(); self.render(); }});
    this.scenarioOptions(this.compareSelect, true);
    this.scenarioDesc = el("p", {class: "pw-desc", id: "pw-scenario-desc"});
    this.doseInput = el("input", {id: "pw-dose", type: "range", min: 0, max: 1000, step: 1, "aria-describedby": "pw-dose-value",
      oninput: function () {
        var r = self.doseRange(), x = self.doseFromSlider(+this.value);
        self.state.dose = Math.abs(x - r.def) < 1e-9 * r.def ? null : x;
        self.doseValue.textContent = self.doseText();
        this.setAttribute("aria-valuetext", self.doseText());
        self.doseMark.hidden = self.state.dose == null;
        self.render();
      }});
    this.doseValue = el("output", {id: "pw-dose-value", for: "pw-dose"});
    this.doseMark = el("span", {class: "pw-changed", hidden: true, text: "changed"});
    this.doseRow = el("div", {class: "pw-field"}, [
      el("div", {class: "pw-field-head"}, [el("label", {for: "pw-dose", text: "Dose of each administration"}), this.doseMark]),
      this.doseInput, this.doseValue]);
    this.daysInput = el("input", {id: "pw-days", type: "range", min: 1, max: 365, step: 1, "aria-describedby": "pw-days-value",
      oninput: function () { self.state.days = +this.value; self.daysValue.textContent = this.value + " days"; self.render(); }});
    this.daysValue = el("output", {id: "pw-days-value", for: "pw-days"});
    this.placeboInput = el("input", {id: "pw-placebo", type: "checkbox", onchange: function () { self.state.placebo = this.checked; self.syncControls(); self.render(); }});
    // which inert drug the placebo arms get, where the model file has more than one
    var inerts = this.data.roles.inert_drugs || [];
    this.inertSelect = el("select", {id: "pw-inert", "aria-describedby": "pw-inert-desc",
      onchange: function () { self.state.inert = this.value === self.data.roles.inert ? "" : this.value; self.syncControls(); self.render(); }});
    inerts.forEach(function (n) { self.inertSelect.appendChild(el("option", {value: n, text: self.label(n)})); });
    this.inertDesc = el("p", {class: "pw-desc", id: "pw-inert-desc"});
    this.inertRow = el("div", {class: "pw-field", hidden: inerts.length < 2},
      [el("label", {for: "pw-inert", text: "Placebo given"}), this.inertSelect, this.inertDesc]);
    return el("fieldset", {class: "pw-box"}, [
      el("legend", {class: "pw-h2", text: "Treatment"}),
      el("div", {class: "pw-field"}, [el("label", {for: "pw-scenario", text: "Treatment and regimen"}), this.scenarioSelect, this.scenarioDesc]),
      this.doseRow,
      el("div", {class: "pw-field"}, [el("label", {for: "pw-compare", text: "Compare with"}), this.compareSelect]),
      el("div", {class: "pw-field pw-check"}, [this.placeboInput, el("label", {for: "pw-placebo",
        text: "Show each arm's matched placebo (the same visits with an inert drug: only the expectation of getting better acts)"})]),
      this.inertRow,
      this.buildBand(),
      el("div", {class: "pw-field"}, [el("label", {for: "pw-days", text: "Length of the run"}), this.daysInput, this.daysValue])]);
  };

  // the calibration ensemble's band: a checkbox, hidden when the model has no ensemble file
  App.prototype.buildBand = function () {
    var self = this, ens = this.data.ensemble;
    this.bandInput = el("input", {id: "pw-ensemble", type: "checkbox", "aria-describedby": "pw-ensemble-desc",
      onchange: function () { self.state.band = this.checked; self.render(); }});
    return el("div", {class: "pw-field", hidden: !ens}, [
      el("div", {class: "pw-check"}, [this.bandInput, el("label", {for: "pw-ensemble", text: "Uncertainty band"})]),
      el("p", {class: "pw-desc", id: "pw-ensemble-desc", text: ens ? "Shades each arm of the " +
        this.label(this.primary).toLowerCase() + " chart from the lowest to the highest of " + ens.members.length +
        " parameter sets that fit the calibration trials about as well (the " + ens.label +
        "). A parameter you set yourself keeps your value. It takes a moment: every set is run for every arm." : ""})]);
  };

  App.prototype.doseRange = function () {
    var info = this.doseInfo(this.state.scenario);
    if (!info) return null;
    return {lo: info.amount / 10, hi: info.amount * 4, def: info.amount, unit: info.unit};
  };
  App.prototype.doseFromSlider = function (v) {
    var r = this.doseRange();
    return Number(sig(r.lo * Math.pow(r.hi / r.lo, v / 1000), 2));
  };
  App.prototype.doseToSlider = function (x) {
    var r = this.doseRange();
    return Math.round(1000 * Math.log(x / r.lo) / Math.log(r.hi / r.lo));
  };
  App.prototype.doseText = function () {
    var r = this.doseRange();
    if (!r) return "";
    var x = this.state.dose == null ? r.def : this.state.dose;
    return sig(x, 3) + " " + r.unit + (this.state.dose == null || this.state.dose === r.def ? " (as in the study)" : " (study: " + sig(r.def, 3) + " " + r.unit + ")");
  };

  App.prototype.buildChecks = function (kind, title, help, table) {
    var self = this, box = el("fieldset", {class: "pw-box"}, [el("legend", {class: "pw-h2", text: title}), el("p", {class: "pw-desc", text: help})]);
    this[kind + "Inputs"] = {};
    Object.keys(table).forEach(function (name) {
      var id = "pw-" + kind + "-" + name;
      var when = null;
      var input = el("input", {type: "checkbox", id: id, onchange: function () {
        var list = self.state[kind].filter(function (x) { return x.split("@")[0] !== name; });
        if (this.checked) list.push(when && when.value !== "" && +when.value >= 0 ? name + "@" + (+when.value) + "h" : name);
        self.state[kind] = list;
        if (when) when.parentNode.hidden = !this.checked;
        self.render();
      }});
      self[kind + "Inputs"][name] = input;
      var extra = [];
      if (kind === "interventions" && table[name].reset.length) {
        // an intervention that resets a node happens at a time the reader may choose
        when = el("input", {type: "number", id: id + "-at", min: 0, max: 24 * 365, step: 1, value: table[name].reset[0][1]});
        when.addEventListener("change", function () { if (input.checked) input.dispatchEvent(new Event("change")); });
        self.whenInputs = self.whenInputs || {};
        self.whenInputs[name] = when;
      }
      if (kind === "interventions") {
        Object.keys(table[name].variants).forEach(function (h) {
          extra.push(el("span", {class: "pw-variant", text: " If the hypothesis \u201c" + self.hypothesisTitle(h) + "\u201d is on: " + plain(table[name].variants[h].description)}));
        });
      }
      var parts = splitTitle(plain(table[name].description));
      box.appendChild(el("div", {class: "pw-field pw-check"}, [input, el("label", {for: id}, [
        el("strong", {text: parts[0]}), parts[1] ? el("br") : null, parts[1] ? el("span", {text: parts[1]}) : null].concat(extra)),
        when ? el("div", {class: "pw-when", hidden: true}, [el("label", {for: id + "-at", text: "at"}), when,
          el("span", {text: "hours after the first dose"})]) : null]));
    });
    return box;
  };

  App.prototype.buildParameters = function () {
    var self = this, P = this.data.parameters;
    var box = this.paramBox = el("details", {class: "pw-box pw-params"}, [el("summary", {class: "pw-h2", text: "Parameters (" + Object.keys(P).length + ")"}),
      el("p", {class: "pw-desc", text: "Each slider covers the range the model file allows. A mark shows what you changed."})]);
    this.paramInputs = {};
    Object.keys(P).forEach(function (name) {
      var p = P[name], id = "pw-p-" + name;
      var log = p.low > 0 && p.high / p.low >= 10;
      var input = el("input", {type: "range", id: id, min: 0, max: 1000, step: 1, "aria-describedby": id + "-value " + id + "-desc",
        oninput: function () {
          var v = self.paramFromSlider(name, +this.value);
          if (Math.abs(v - p.value) <= 1e-9 * Math.max(1, Math.abs(p.value))) delete self.state.set[name];
          else self.state.set[name] = v;
          self.syncParam(name, true);
          self.render();
        }});
      var value = el("output", {id: id + "-value", for: id});
      var title = p.description ? firstSentence(plain(p.description)).replace(/\.$/, "") : name.replace(/_/g, " ");
      var mark = el("button", {type: "button", class: "pw-changed", hidden: true, "aria-label": "changed: reset " + title + " to its default",
        text: "changed: reset", onclick: function () { delete self.state.set[name]; self.syncParam(name); self.render(); }});
      self.paramInputs[name] = {input: input, value: value, mark: mark, log: log};
      box.appendChild(el("div", {class: "pw-field pw-param"}, [
        el("div", {class: "pw-field-head"}, [el("label", {for: id, text: title}), mark]),
        input, value,
        el("p", {class: "pw-desc", id: id + "-desc", text: "Default " + formatQuantity(p.value * p.factor, p.dimension, p.base_unit) + "; range " +
          formatQuantity(p.low * p.factor, p.dimension, p.base_unit) + " to " + formatQuantity(p.high * p.factor, p.dimension, p.base_unit) + "."})]));
    });
    return box;
  };

  // a hypothesis's name for readers: the start of its description
  App.prototype.hypothesisTitle = function (h) {
    var x = this.data.hypotheses[h];
    return x && x.description ? splitTitle(plain(x.description))[0] : h;
  };

  App.prototype.paramFromSlider = function (name, v) {
    var p = this.data.parameters[name], f = v / 1000, x;
    if (this.paramInputs[name].log) x = p.low * Math.pow(p.high / p.low, f);
    else x = p.low + (p.high - p.low) * f;
    return Number(sig(x, 3));
  };

  App.prototype.paramToSlider = function (name, x) {
    var p = this.data.parameters[name];
    if (this.paramInputs[name].log) return Math.round(1000 * Math.log(x / p.low) / Math.log(p.high / p.low));
    return Math.round(1000 * (x - p.low) / ((p.high - p.low) || 1));
  };

  App.prototype.syncParam = function (name, keepSlider) {
    var p = this.data.parameters[name], ui = this.paramInputs[name];
    var x = name in this.state.set ? this.state.set[name] : p.value;
    if (!keepSlider) ui.input.value = this.paramToSlider(name, x);
    var text = formatQuantity(x * p.factor, p.dimension, p.base_unit);
    ui.value.textContent = text;
    ui.input.setAttribute("aria-valuetext", text);
    ui.mark.hidden = !(name in this.state.set);
  };

  App.prototype.syncControls = function () {
    var s = this.state, d = this.data, self = this;
    this.scenarioSelect.value = s.scenario;
    this.compareSelect.value = s.compare;
    this.scenarioDesc.textContent = plain(d.scenarios[s.scenario].description);
    var r = this.doseRange();
    this.doseRow.hidden = !r;
    if (r) {
      this.doseInput.value = this.doseToSlider(s.dose == null ? r.def : s.dose);
      this.doseValue.textContent = this.doseText();
      this.doseInput.setAttribute("aria-valuetext", this.doseText());
      this.doseMark.hidden = s.dose == null || s.dose === r.def;
    }
    this.daysInput.value = this.days();
    this.daysValue.textContent = this.days() + " days";
    this.placeboInput.checked = s.placebo;
    this.bandInput.checked = s.band;
    this.inertSelect.value = s.inert || d.roles.inert;
    this.inertSelect.disabled = !s.placebo;
    this.inertDesc.textContent = (this.nodes[s.inert || d.roles.inert] || {}).description || "";
    Object.keys(this.interventionsInputs).forEach(function (n) {
      var entry = s.interventions.filter(function (x) { return x.split("@")[0] === n; })[0];
      self.interventionsInputs[n].checked = !!entry;
      var when = (self.whenInputs || {})[n];
      if (when) {
        when.parentNode.hidden = !entry;
        var m = entry && /@([0-9.]+)h$/.exec(entry);
        when.value = m ? m[1] : d.interventions[n].reset[0][1];
      }
    });
    Object.keys(this.hypothesesInputs).forEach(function (n) { self.hypothesesInputs[n].checked = s.hypotheses.indexOf(n) >= 0; });
    Object.keys(this.paramInputs).forEach(function (n) { self.syncParam(n); });
    if (Object.keys(s.set).length) this.paramBox.open = true;      // show what a link or question changed
    this.sideSelect.innerHTML = "";
    var columns = d.roles.side_effects.concat(d.roles.outcomes).filter(function (c) { return c !== self.primary; });
    this.plasmaColumns().forEach(function (c) { if (columns.indexOf(c) < 0) columns.push(c); });
    columns.forEach(function (c) { self.sideSelect.appendChild(el("option", {value: c, text: self.label(c) + (self.unitOf(c) ? " (" + self.unitOf(c) + ")" : "")})); });
    if (columns.indexOf(s.side) < 0) s.side = columns[0] || "";
    this.sideSelect.value = s.side;
  };

  // the plasma columns of the arms' drugs (a derived column where there is one)
  App.prototype.plasmaColumns = function () {
    var d = this.data, s = this.state, inert = d.roles.inert, out = [];
    [s.scenario, s.compare].forEach(function (name) {
      if (!name) return;
      d.scenarios[name].doses.forEach(function (x) {
        if (x.drug === inert) return;
        var col = x.drug;
        for (var k in d.derived) if (d.derived[k].indexOf(x.drug) >= 0) col = k;
        if (out.indexOf(col) < 0) out.push(col);
      });
    });
    return out;
  };

  // ------------------------------------------------------------ simulation
  // The placebo for a scenario's placebo arm: the chosen inert drug where it has a route
  // for every study-drug dose of the scenario (true, the model's own, otherwise)
  App.prototype.inertFor = function (name) {
    var d = this.data, chosen = this.state.inert, sc = d.scenarios[name];
    if (!chosen) return true;
    var routes = ((d.compiled.drugs[chosen] || {}).routes) || {}, study = sc.study_drugs || [];
    var fits = sc.doses.every(function (x) {
      return x.drug === d.roles.inert || (study.length && study.indexOf(x.drug) < 0) || x.route in routes;
    });
    return fits ? chosen : true;
  };

  App.prototype.simOptions = function () {
    var s = this.state;
    var tEnd = this.days() * 24, n = 320, t = [0];
    var t0 = Math.min(1 / 6, tEnd / 100);
    for (var i = 0; i < n; i++) t.push(t0 * Math.pow(tEnd / t0, i / (n - 1)));
    t[t.length - 1] = tEnd;
    var d = this.data, off = Object.keys(d.hypotheses).filter(function (h) {
      return d.hypotheses[h].enabled && s.hypotheses.indexOf(h) < 0;
    });
    return {days: this.days(), set: s.set, interventions: s.interventions, hypotheses: s.hypotheses,
      hypotheses_off: off, t_eval: t};
  };

  App.prototype.render = function () {
    var s = this.state, self = this, key = JSON.stringify([s.scenario, s.compare, s.dose, s.days, s.interventions, s.hypotheses, s.set, s.placebo, s.inert, s.band]);
    if (key === this.lastKey) { this.draw(); return; }
    var started = performance.now();
    var arms = [], sys;
    try {
      var base = this.simOptions();
      sys = this.solver.compile(base);
      arms.push({name: s.scenario, label: this.armName(s.scenario), run: this.solver.simulate(s.scenario, Object.assign({dose: s.dose}, base)),
        color: this.armColor(s.scenario), dash: ""});
      if (s.placebo) arms.push({name: s.scenario, label: "placebo arm of " + this.armName(s.scenario), placebo: true,
        inert: this.inertFor(s.scenario), run: this.solver.simulate(s.scenario, Object.assign({placebo: this.inertFor(s.scenario)}, base)),
        color: PLACEBO, dash: "6 4"});
      if (s.compare) {
        arms.push({name: s.compare, label: this.armName(s.compare), run: this.solver.simulate(s.compare, base), color: this.armColor(s.compare), dash: ""});
        if (s.placebo) arms.push({name: s.compare, label: "placebo arm of " + this.armName(s.compare), placebo: true,
          inert: this.inertFor(s.compare), run: this.solver.simulate(s.compare, Object.assign({placebo: this.inertFor(s.compare)}, base)),
          color: PLACEBO, dash: "2 3"});
      }
      if (arms.length > 1 && arms[0].color === arms[arms.length > 2 ? 2 : 1].color && s.compare) {
        var ci = s.placebo ? 2 : 1;
        if (arms[ci]) arms[ci].dash = "9 3 2 3";
      }
      if (s.band && this.data.ensemble) this.addBands(arms, base);
    } catch (err) {
      this.showError(err);
      this.syncControls();
      return;
    }
    this.alert.hidden = true;
    this.sys = sys;
    // (the band's switch changes no curve, so it leaves the ghost as it was)
    if (this.runs && this.lastKey !== null && JSON.stringify(JSON.parse(this.lastKey).slice(0, -1)) !== JSON.stringify(JSON.parse(key).slice(0, -1)))
      this.ghost = {arms: this.runs.filter(function (a) { return !a.placebo; }), days: this.runs.days};
    this.runs = arms;
    this.runs.days = this.days();
    this.lastKey = key;
    this.timings.push(performance.now() - started);
    this.draw();
    this.writeHash();
    if (this.options.onchange) this.options.onchange(JSON.parse(JSON.stringify(this.state)));
    var main = arms[0].run, i = main[this.primary].reduce(function (best, v, k, a) { return v > a[best] ? k : best; }, 0);
    this.status.textContent = "Peak " + this.label(this.primary).toLowerCase() + " " + sig(main[this.primary][i], 2) +
      " at " + formatTime(main.time_h[i]) + " (" + this.armName(s.scenario) + ").";
    self.host.dataset.ready = "1";
  };

  // each arm's band: every ensemble member run with the arm's own options (the reader's own parameter
  // values kept), the lowest and highest member at each time of the primary outcome, widened to hold the
  // arm's own curve (a member need not lie on both sides of it everywhere)
  App.prototype.addBands = function (arms, base) {
    var s = this.state, ens = this.data.ensemble, self = this, started = performance.now();
    var sets = ens.members.map(function (values) {
      var set = {};
      ens.names.forEach(function (n, i) { set[n] = values[i]; });
      return Object.assign(set, s.set);
    });
    arms.forEach(function (a) {
      var own = a.placebo ? {placebo: a.inert} : (a.name === s.scenario ? {dose: s.dose} : {});
      var low = Float64Array.from(a.run[self.primary]), high = Float64Array.from(a.run[self.primary]);
      sets.forEach(function (set) {
        var y = self.solver.simulate(a.name, Object.assign({}, base, own, {set: set}))[self.primary];
        for (var i = 0; i < y.length; i++) { if (y[i] < low[i]) low[i] = y[i]; if (y[i] > high[i]) high[i] = y[i]; }
      });
      a.band = {low: low, high: high};
    });
    this.bandMs = performance.now() - started;
  };

  App.prototype.showError = function (err) {
    var text = String(err && err.message || err).split("\n");
    this.alert.innerHTML = "";
    this.alert.appendChild(el("strong", {text: "This combination cannot run: "}));
    this.alert.appendChild(document.createTextNode(text[0]));
    if (text[1]) this.alert.appendChild(el("div", {text: text[1].replace(/^\s*hint:\s*/, "Try this: ")}));
    this.alert.hidden = false;
  };

  // ------------------------------------------------------------ drawing
  App.prototype.sliderToTime = function (v) {
    var tEnd = this.days() * 24, t0 = Math.min(1 / 6, tEnd / 100);
    return t0 * Math.pow(tEnd / t0, v / 1000);
  };
  App.prototype.timeToSlider = function (t) {
    var tEnd = this.days() * 24, t0 = Math.min(1 / 6, tEnd / 100);
    return Math.round(1000 * Math.log(Math.max(t0, Math.min(tEnd, t)) / t0) / Math.log(tEnd / t0));
  };

  App.prototype.draw = function (timeOnly) {
    if (!this.runs) return;
    var tEnd = this.days() * 24;
    this.state.t = Math.min(Math.max(this.state.t, Math.min(1 / 6, tEnd / 100)), tEnd);
    this.timeInput.value = this.timeToSlider(this.state.t);
    this.timeValue.textContent = formatTime(this.state.t);
    this.timeInput.setAttribute("aria-valuetext", formatTime(this.state.t) + " after the first dose");
    var widths = [this.pathSvgBox.clientWidth, this.chartBox.clientWidth, this.sideChartBox.clientWidth];
    this.drawPathway(widths[0]);
    if (timeOnly) { this.moveMarkers(); return; }
    this.drawChart(this.chartBox, this.primary, widths[1] < 500 ? 155 : 250, true, widths[1]);
    if (this.state.side) this.drawChart(this.sideChartBox, this.state.side, 180, false, widths[2]);
    this.drawLegend();
  };

  // the arms the pathway and the details show: the treatment and what it is compared with
  App.prototype.mainArms = function () {
    return (this.runs || []).filter(function (a) { return !a.placebo; });
  };

  App.prototype.activity = function (run, t) {
    var out = {}, self = this;
    this.data.nodes.forEach(function (n) {
      if (!(n.id in run) || n.x === null) return;
      var y = run[n.id], v = interp(run.time_h, y, t), a;
      if (n.kind === "drug") {
        var peak = 0;
        for (var i = 0; i < y.length; i++) if (y[i] > peak) peak = y[i];
        a = peak > 0 ? v / peak : 0;
      } else {
        var b = self.solverBaseline(n.id);
        a = b ? v / b - 1 : v;
      }
      out[n.id] = Math.max(-1, Math.min(1, a));
    });
    return out;
  };

  // the compiled model of the current runs (compiled once per change)
  App.prototype.system = function () {
    if (!this.sys) this.sys = this.solver.compile(this.simOptions());
    return this.sys;
  };

  App.prototype.solverBaseline = function (id) {
    var sys = this.system();
    return sys.baseline[this.data.compiled.node_ids.indexOf(id)];
  };

  // ------------------------------------------------------------ pathway geometry
  // Where every box, band, band title and arrow goes was worked out in Python
  // (pathway/webdrawing.py), for a set of page widths: the drawing for the widest that
  // fits is scaled to the room there is. Nothing here recomputes the layout or routes.
  App.prototype.geometry = function (width) {
    var list = this.data.layout.drawings, g = list[0];
    list.forEach(function (x) { if (x.width <= width) g = x; });
    return g;
  };
  App.prototype.drawPathway = function (measured) {
    var self = this, d = this.data, box = this.pathSvgBox;
    var width = measured || box.clientWidth || 800;
    var placed = d.nodes.filter(function (n) { return n.x !== null; }), C = d.layout.colors;
    // the drawing made for the widest page that fits, scaled to fill the room
    var geom = this.geometry(width), W = geom.width, H = geom.height, boxW = geom.box[0], boxH = geom.box[1];
    var s = svg("svg", {viewBox: "0 0 " + W + " " + H, width: width, height: sig(H * width / W, 5), role: "group", "font-family": FONT,
      "aria-label": "The pathway: " + placed.length + " boxes joined by arrows, coloured by activity at " + formatTime(this.state.t) + ". Use Tab to move between them and Enter to read about one."});
    svg("title", {}, s).textContent = "The pathway, coloured by activity at " + formatTime(this.state.t);
    var defs = svg("defs", {}, s);
    [["act", C.activates], ["met", C["metabolised-to"]]].forEach(function (m) {
      var mk = svg("marker", {id: "pw-arrow-" + m[0], viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse"}, defs);
      svg("path", {d: "M0,0 L10,5 L0,10 z", fill: m[1]}, mk);
    });
    var mk2 = svg("marker", {id: "pw-bar", viewBox: "0 0 4 10", refX: 2, refY: 5, markerWidth: 4, markerHeight: 9, orient: "auto"}, defs);
    svg("rect", {x: 0, y: 0, width: 3, height: 10, fill: C.inhibits}, mk2);
    // branch bands, each title inside its band at the top left
    geom.bands.forEach(function (b) {
      svg("rect", {class: "pw-band", "data-band": b.name, x: b.x, y: b.y, width: b.w, height: b.h, rx: 8, fill: C.band}, s);
      if (!b.title) return;
      var tt = svg("text", {class: "pw-band-title", "data-band": b.name, x: b.title.x, y: b.title.y + b.title.size,
        "font-size": sig(b.title.size, 3), fill: C.muted, "font-style": "italic"}, s);
      b.title.lines.forEach(function (w, i) { var sp = svg("tspan", {x: b.title.x, dy: i ? b.title.size * 1.2 : 0}, tt); sp.textContent = w; });
    });
    // each box shows every arm's activity: split left and right where two arms are compared
    var arms = this.mainArms(), acts = arms.map(function (a) { return self.activity(a.run, self.state.t); });
    // a finger needs 44 px, a mouse 24 px: each arrow gets an invisible stroke that wide
    var touch = root.matchMedia && root.matchMedia("(pointer: coarse)").matches;
    var hit = Math.ceil((touch || width < 640 ? 44 : 24) * W / width * 10) / 10;
    var sys = this.system();
    var cutEdges = {}, scaled = {}, resets = {};
    sys.applied.forEach(function (a) {
      a.iv.cut.forEach(function (k) { cutEdges[k.join(" ")] = true; });
      a.iv.scale.forEach(function (k) { scaled[k[0].join(" ")] = (scaled[k[0].join(" ")] || 1) * k[1]; });
      a.iv.reset.forEach(function (r) { resets[r[0]] = true; });
      a.iv.doses.forEach(function (x) { resets[x.drug] = true; });
    });
    var pos = geom.nodes;
    var edgeLayer = svg("g", {}, s), nodeLayer = svg("g", {}, s), markLayer = svg("g", {}, s);
    d.edges.forEach(function (e) {
      if (!(e.source in pos) || !(e.target in pos)) return;
      var route = geom.edges[e.index], path = route.d, mx = route.middle[0], my = route.middle[1];
      var on = e.hypothesis === null || sys.on[e.hypothesis];
      var color = C[e.effect] || C.activates;
      var g = svg("g", {class: "pw-edge", tabindex: 0, role: "button", "data-edge": e.index,
        "aria-label": self.label(e.source) + " " + e.effect + " " + self.label(e.target) + ", " + e.grade + " evidence" + (e.rodent ? ", rodent data only" : "") + (on ? "" : ", hypothesis off")}, edgeLayer);
      svg("path", {d: path, stroke: "transparent", "stroke-width": sig(hit, 3), fill: "none", class: "pw-hit"}, g);
      svg("path", {d: path, stroke: color, "stroke-width": 1.7,
        "stroke-dasharray": GRADE_DASH[e.grade] || "", fill: "none", opacity: on ? 1 : 0.22,
        "marker-end": e.effect === "inhibits" ? "url(#pw-bar)" : (e.effect === "metabolised-to" ? "url(#pw-arrow-met)" : "url(#pw-arrow-act)")}, g);
      svg("title", {}, g).textContent = self.label(e.source) + " " + e.effect + " " + self.label(e.target);
      var k = e.source + " " + e.target;
      if (on && cutEdges[k]) {
        var c = svg("g", {"aria-hidden": "true"}, markLayer), r = 7;
        svg("circle", {cx: mx, cy: my, r: r + 3, fill: "white", stroke: INK, "stroke-width": 1.5}, c);
        svg("path", {d: "M" + (mx - r) + "," + (my - r) + " L" + (mx + r) + "," + (my + r) + " M" + (mx - r) + "," + (my + r) + " L" + (mx + r) + "," + (my - r),
          stroke: INK, "stroke-width": 3}, c);
      } else if (on && scaled[k]) {
        var lab = svg("g", {"aria-hidden": "true"}, markLayer);
        svg("rect", {x: mx - 17, y: my - 9, width: 34, height: 17, rx: 4, fill: "white", stroke: INK}, lab);
        var tx = svg("text", {x: mx, y: my + 4, "text-anchor": "middle", "font-size": 11, fill: INK, "font-weight": "bold"}, lab);
        tx.textContent = "\u00d7" + sig(scaled[k], 2);
      }
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); self.showEdge(e, g); } });
    });
    placed.forEach(function (n) {
      var p = pos[n.id], x0 = p[0] - boxW / 2, y0 = p[1] - boxH / 2;
      var lines = geom.labels[n.id].lines, fs = geom.labels[n.id].size;
      var said = acts.map(function (act, i) {
        var v = act[n.id];
        if (v === undefined) return null;
        return (arms.length > 1 ? arms[i].label + " " : "") + (n.kind === "drug" ? Math.round(v * 100) + "% of its peak" : (v >= 0 ? "+" : "") + Math.round(v * 100) + "% from rest");
      }).filter(Boolean);
      // the name starts with the box's label (its title, and the words it shows)
      var g = svg("g", {class: "pw-node", tabindex: 0, role: "button", "data-node": n.id,
        "aria-label": n.label + (said.length ? ", activity: " + said.join("; ") : "")}, nodeLayer);
      var fills = acts.map(function (act) { return act[n.id] === undefined ? "#ffffff" : activityColor(act[n.id]); });
      svg("rect", {x: x0, y: y0, width: boxW, height: boxH, rx: 6, fill: fills[0], class: "pw-half", "data-arm": 0}, g);
      if (fills.length > 1) {        // the second arm: the right half, its right corners rounded
        var r = 6, xm = p[0], x1 = x0 + boxW, y1 = y0 + boxH;
        svg("path", {d: "M" + xm + "," + y0 + " H" + (x1 - r) + " A" + r + "," + r + " 0 0 1 " + x1 + "," + (y0 + r) + " V" + (y1 - r) +
          " A" + r + "," + r + " 0 0 1 " + (x1 - r) + "," + y1 + " H" + xm + " Z", fill: fills[1], class: "pw-half", "data-arm": 1}, g);
        svg("line", {x1: xm, y1: y0, x2: xm, y2: y1, stroke: "#777", "stroke-width": 0.8}, g);
      }
      svg("rect", {x: x0, y: y0, width: boxW, height: boxH, rx: 6, fill: "none", class: "pw-outline",
        stroke: resets[n.id] || n.kind === "readout" ? INK : "#777", "stroke-width": resets[n.id] ? 2.5 : (n.kind === "readout" ? 1.8 : 1),
        "stroke-dasharray": resets[n.id] ? "4 2" : ""}, g);
      // dark letters on a light halo read on every fill (the label is named above)
      var t = svg("text", {x: p[0], y: p[1] - (lines.length - 1) * fs * 0.56 + fs * 0.36, "text-anchor": "middle", "font-size": fs,
        fill: "#111111", stroke: "rgba(255,255,255,0.92)", "stroke-width": sig(Math.max(2.2, fs * 0.28), 3), "stroke-linejoin": "round",
        "paint-order": "stroke", "aria-hidden": "true"}, g);
      lines.forEach(function (line, i) {
        var sp = svg("tspan", {x: p[0], dy: i ? fs * 1.12 : 0}, t);
        sp.textContent = line;
      });
      svg("title", {}, g).textContent = n.label;
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); self.showNode(n, g); } });
    });
    // a tap or a click opens the box under it, else the arrow nearest to it (within reach)
    s.addEventListener("click", function (ev) { self.pick(ev, s, geom, hit); });
    var focused = document.activeElement && box.contains(document.activeElement) ?
      (document.activeElement.getAttribute("data-node") || "e" + document.activeElement.getAttribute("data-edge")) : null;
    box.innerHTML = "";
    box.appendChild(s);
    if (focused) {
      var again = focused[0] === "e" && !this.nodes[focused] ? s.querySelector('[data-edge="' + focused.slice(1) + '"]') : s.querySelector('[data-node="' + focused + '"]');
      if (again) again.focus();
    }
    this.pathSvg = s;
    this.drawSplitKey(arms);
    this.drawKey();
  };

  App.prototype.pick = function (ev, s, geom, reach) {
    var pt = s.createSVGPoint(), m = s.getScreenCTM();
    if (!m) return;
    pt.x = ev.clientX; pt.y = ev.clientY;
    var q = pt.matrixTransform(m.inverse()), bw = geom.box[0] / 2, bh = geom.box[1] / 2, self = this;
    var node = this.data.nodes.filter(function (n) {
      var p = geom.nodes[n.id];
      return p && Math.abs(q.x - p[0]) <= bw && Math.abs(q.y - p[1]) <= bh;
    })[0];
    if (node) { this.showNode(node, s.querySelector('[data-node="' + node.id + '"]')); return; }
    // each arrow as a fine polyline (made once per drawing), and the distance to its
    // nearest segment
    if (!s._lines) {
      s._lines = [].map.call(s.querySelectorAll(".pw-edge"), function (g) {
        var path = g.querySelector(".pw-hit"), len = path.getTotalLength(), n = Math.max(16, Math.ceil(len / 2)), pts = [];
        for (var i = 0; i <= n; i++) { var a = path.getPointAtLength(len * i / n); pts.push([a.x, a.y]); }
        return {g: g, pts: pts};
      });
    }
    var near = [];
    s._lines.forEach(function (line) {
      var pts = line.pts, d0 = Infinity;
      for (var i = 1; i < pts.length; i++) {
        var ax = pts[i - 1][0], ay = pts[i - 1][1], dx = pts[i][0] - ax, dy = pts[i][1] - ay, l2 = dx * dx + dy * dy;
        var f = l2 ? Math.max(0, Math.min(1, ((q.x - ax) * dx + (q.y - ay) * dy) / l2)) : 0;
        d0 = Math.min(d0, Math.hypot(ax + f * dx - q.x, ay + f * dy - q.y));
      }
      if (d0 <= reach / 2) near.push({g: line.g, d: d0});
    });
    // where arrows run together, the one whose middle is nearest the tap
    var closest = Math.min.apply(null, near.map(function (x) { return x.d; }).concat([Infinity]));
    var best = null, bestM = Infinity;
    near.forEach(function (x) {
      if (x.d > closest + 2) return;
      var mid = geom.edges[+x.g.getAttribute("data-edge")].middle, dm = Math.hypot(mid[0] - q.x, mid[1] - q.y);
      if (dm < bestM) { bestM = dm; best = x.g; }
    });
    if (best) {
      var e = this.data.edges.filter(function (x) { return String(x.index) === best.getAttribute("data-edge"); })[0];
      if (e) self.showEdge(e, best);
    }
  };

  // which half of a box is which arm
  App.prototype.drawSplitKey = function (arms) {
    var self = this, names = arms.map(function (a, i) { return self.armWithDose(a.name, i === 0); }), key = names.join("|");
    if (this.splitKey.dataset.key === key) return;
    this.splitKey.dataset.key = key;
    this.splitKey.innerHTML = "";
    if (arms.length < 2) {
      this.splitKey.appendChild(el("p", {text: "Each box shows " + names[0] + "\u2019s activity. Compare with another treatment to see both in every box."}));
      return;
    }
    var sw = svg("svg", {width: 56, height: 26, viewBox: "0 0 56 26", "aria-hidden": "true"});
    svg("rect", {x: 1, y: 1, width: 54, height: 24, rx: 5, fill: "#ffffff", stroke: "#555"}, sw);
    svg("line", {x1: 28, y1: 1, x2: 28, y2: 25, stroke: "#555"}, sw);
    [["L", 14], ["R", 42]].forEach(function (x) {
      var t = svg("text", {x: x[1], y: 18, "text-anchor": "middle", "font-size": 13, "font-weight": "bold", fill: INK}, sw);
      t.textContent = x[0];
    });
    this.splitKey.appendChild(el("p", {}, [sw, el("span", {}, ["Each box: ", el("strong", {text: "left half " + names[0]}),
      ", ", el("strong", {text: "right half " + names[1]}), "."])]));
  };

  App.prototype.drawKey = function () {
    if (this.keyBox.firstChild) return;
    var w = 300, s = svg("svg", {viewBox: "0 0 " + w + " 64", width: "100%", height: 64, role: "img", "font-family": FONT,
      "aria-label": "Colour key: purple means less active than at rest, white at rest, green more active; a drug's box shows its level as a share of its peak."});
    var defs = svg("defs", {}, s), grad = svg("linearGradient", {id: "pw-grad"}, defs);
    ACTIVITY.forEach(function (c, i) { svg("stop", {offset: (i / (ACTIVITY.length - 1) * 100) + "%", "stop-color": c}, grad); });
    svg("rect", {x: 10, y: 6, width: w - 20, height: 14, fill: "url(#pw-grad)", stroke: "#999", rx: 3}, s);
    [["below rest", 10, "start"], ["at rest", w / 2, "middle"], ["above rest", w - 10, "end"]].forEach(function (l) {
      var t = svg("text", {x: l[1], y: 36, "font-size": 12.5, fill: INK, "text-anchor": l[2]}, s);
      t.textContent = l[0];
    });
    var t2 = svg("text", {x: w / 2, y: 56, "font-size": 11.5, fill: MUTED, "text-anchor": "middle"}, s);
    t2.textContent = "drugs: share of their own peak level";
    this.keyBox.appendChild(el("div", {class: "pw-key-title", text: "Colour key"}));
    this.keyBox.appendChild(s);
    var grades = el("ul", {class: "pw-grades", "aria-label": "Line styles: evidence grades and effects"});
    var C = this.data.layout.colors, act = C.activates, met = C["metabolised-to"];
    // [grade, colour, text, opacity, head]: each line ends in the head the pathway draws
    [["strong", act, "activates (arrow), strong evidence"], ["moderate", act, "moderate evidence"],
      ["preliminary", act, "preliminary evidence"], ["contested", act, "contested evidence"], ["strong", C.inhibits, "inhibits (flat bar)", 1, "bar"]]
      .concat(this.data.edges.some(function (e) { return e.effect === "metabolised-to"; }) ? [["strong", met, "is metabolised to"]] : [])
      .concat(Object.keys(this.data.hypotheses).length ? [["strong", act, "faint: a hypothesis that is off", 0.22]] : [])
      .forEach(function (g) {
      var sw = svg("svg", {width: 34, height: 10, "aria-hidden": "true"});
      svg("line", {x1: 1, y1: 5, x2: 30, y2: 5, stroke: g[1], "stroke-width": 2, "stroke-dasharray": GRADE_DASH[g[0]], opacity: g[3] || 1}, sw);
      if (g[4] === "bar") svg("rect", {x: 30, y: 0, width: 3, height: 10, fill: g[1]}, sw);
      else svg("path", {d: "M27,1.5 L34,5 L27,8.5 z", fill: g[1], opacity: g[3] || 1}, sw);
      grades.appendChild(el("li", {}, [sw, " " + g[2]]));
    });
    if (this.data.edges.some(function (e) { return e.rodent; })) {
      grades.appendChild(el("li", {class: "pw-rodent-key", text: "rodent: an arrow whose evidence is from mice or rats only says so in its details (click it)"}));
    }
    this.keyBox.appendChild(grades);
  };

  App.prototype.drawChart = function (box, column, height, main, measured) {
    var self = this, width = measured || box.clientWidth || 600, tEnd = this.days() * 24, t0 = Math.min(1 / 6, tEnd / 100);
    var narrow = width < 500, left = narrow ? 54 : 60, right = 20, top = 10, bottom = 38;
    var H = height, plotW = width - left - right, plotH = H - top - bottom;
    var unit = this.unitOf(column), log = unit === "ng/mL";
    var series = [];
    this.runs.forEach(function (a) { if (column in a.run) series.push({arm: a, y: a.run[column], t: a.run.time_h}); });
    var ghost = [];
    if (this.ghost) this.ghost.arms.forEach(function (a) { if (column in a.run) ghost.push({t: a.run.time_h, y: a.run[column]}); });
    var ymax = 0;
    series.concat(ghost).forEach(function (s) { for (var i = 0; i < s.y.length; i++) if (s.t[i] <= tEnd && s.y[i] > ymax) ymax = s.y[i]; });
    var node = this.nodes[column], ceiling = null;
    if (node && node.kind === "readout") {
      // the readout's ceiling: its response's "maximum" parameter, else 1 (as the solver clips)
      var sys = this.system(), at = this.data.compiled.clip_par[this.data.compiled.node_ids.indexOf(column)];
      ceiling = at >= 0 ? sys.nPar[at] : 1;
    }
    var ylo, yhi;
    if (log) { yhi = niceCeil(Math.max(ymax, 1e-3) * 1.1); ylo = yhi / 1000; }
    else { ylo = 0; yhi = ceiling !== null && ymax <= ceiling && ymax > ceiling * 0.15 ? ceiling : niceCeil(ymax * 1.08 || 1); }
    function X(t) { return left + plotW * Math.log(Math.max(t, t0) / t0) / Math.log(tEnd / t0); }
    function Y(v) {
      if (log) return top + plotH * (1 - Math.log(Math.max(v, ylo) / ylo) / Math.log(yhi / ylo));
      return top + plotH * (1 - (v - ylo) / (yhi - ylo));
    }
    var title = this.label(column) + (unit ? " (" + unit + ")" : "");
    var s = svg("svg", {viewBox: "0 0 " + width + " " + H, width: width, height: H, role: "img", "font-family": FONT,
      "aria-label": title + " over " + this.days() + " days for " + series.map(function (x) { return x.arm.label; }).join(", ") + ". " + this.describeSeries(series)});
    svg("title", {}, s).textContent = title;
    svg("rect", {x: left, y: top, width: plotW, height: plotH, fill: "white", stroke: "#bbb"}, s);
    var lastX = -Infinity;
    TIME_TICKS.forEach(function (tk) {
      if (tk[0] < t0 * 0.999 || tk[0] > tEnd * 1.001) return;
      var x = X(tk[0]);
      if (x - lastX < (narrow ? 40 : 46)) return;      // keep the labels apart
      lastX = x;
      svg("line", {x1: x, x2: x, y1: top, y2: top + plotH, stroke: "#e4e4e4"}, s);
      var tt = svg("text", {x: x, y: top + plotH + 16, "text-anchor": "middle", "font-size": narrow ? 11.5 : 12.5, fill: INK}, s);
      tt.textContent = tk[1];
    });
    var xl = svg("text", {x: left + plotW / 2, y: H - 4, "text-anchor": "middle", "font-size": 12, fill: MUTED}, s);
    xl.textContent = "time after the first dose (log scale)";
    var yt = [];
    if (log) { for (var v = ylo; v <= yhi * 1.001; v *= 10) yt.push(v); }
    else { var st = niceCeil(yhi / (plotH < 160 ? 2 : 4)); for (var w = 0; w <= yhi * 1.0001; w += st) yt.push(w); }
    yt.forEach(function (v) {
      var y = Y(v);
      svg("line", {x1: left, x2: left + plotW, y1: y, y2: y, stroke: "#eeeeee"}, s);
      var tt = svg("text", {x: left - 5, y: y + 4, "text-anchor": "end", "font-size": 12, fill: INK}, s);
      tt.textContent = sig(v, 3);
    });
    var yl = svg("text", {x: 11, y: top + plotH / 2, "text-anchor": "middle", "font-size": 12, fill: MUTED,
      transform: "rotate(-90 11 " + (top + plotH / 2) + ")"}, s);
    yl.textContent = main ? this.label(column).toLowerCase() : (unit || this.label(column).toLowerCase());
    function path(t, y) {
      var dd = "";
      for (var i = 0; i < t.length; i++) {
        if (t[i] < t0 || t[i] > tEnd * 1.0001) continue;
        dd += (dd ? " L" : "M") + X(t[i]).toFixed(1) + "," + Y(y[i]).toFixed(1);
      }
      return dd;
    }
    ghost.forEach(function (g) {
      svg("path", {d: path(g.t, g.y), stroke: GHOST, "stroke-width": 3, fill: "none", "stroke-linejoin": "round", class: "pw-ghost"}, s);
    });
    if (main) series.forEach(function (x) {
      if (!x.arm.band) return;
      var lo = x.arm.band.low, hi = x.arm.band.high, up = path(x.t, hi), back = "";
      for (var i = x.t.length - 1; i >= 0; i--) {
        if (x.t[i] < t0 || x.t[i] > tEnd * 1.0001) continue;
        back += " L" + X(x.t[i]).toFixed(1) + "," + Y(lo[i]).toFixed(1);
      }
      svg("path", {d: up + back + " Z", fill: x.arm.color, "fill-opacity": x.arm.placebo ? 0.14 : 0.2, stroke: "none", class: "pw-ensemble-band"}, s);
    });
    series.forEach(function (x) {
      svg("path", {d: path(x.t, x.y), stroke: x.arm.color, "stroke-width": x.arm.placebo ? 2 : 2.6, "stroke-dasharray": x.arm.dash,
        fill: "none", "stroke-linejoin": "round"}, s);
    });
    var marker = svg("line", {x1: X(this.state.t), x2: X(this.state.t), y1: top, y2: top + plotH, stroke: "#444", "stroke-width": 1.2, "stroke-dasharray": "3 3", class: "pw-marker"}, s);
    marker.dataset.left = left;
    box.innerHTML = "";
    box.appendChild(s);
    box._scale = {X: X};
  };

  App.prototype.describeSeries = function (series) {
    var parts = [];
    series.forEach(function (x) {
      var best = 0;
      for (var i = 0; i < x.y.length; i++) if (x.y[i] > x.y[best]) best = i;
      parts.push(x.arm.label + ": peak " + sig(x.y[best], 2) + " at " + formatTime(x.t[best]));
    });
    return parts.join("; ") + ".";
  };

  App.prototype.moveMarkers = function () {
    var self = this;
    [this.chartBox, this.sideChartBox].forEach(function (box) {
      var m = box.querySelector(".pw-marker");
      if (m && box._scale) { var x = box._scale.X(self.state.t); m.setAttribute("x1", x); m.setAttribute("x2", x); }
    });
  };

  // an arm's name with the dose it got: a name that states the study's dose says the
  // reader's dose instead
  App.prototype.armWithDose = function (name, first) {
    var label = this.armName(name), info = this.doseInfo(name);
    if (!info) return label;
    var study = sig(info.amount, 3) + " " + info.unit;
    var given = first && this.state.dose != null ? sig(this.state.dose, 3) + " " + info.unit : study;
    if (label.indexOf(study) >= 0) return label.replace(study, given);
    return label + ", " + given;
  };

  // short words: the arm and its dose; its placebo arm and which inert drug it gets
  App.prototype.legendText = function (a) {
    if (!a.placebo) return this.armWithDose(a.name, a === this.runs[0]);
    var d = this.data;
    return "its placebo arm (" +
      ((d.roles.inert_drugs || []).length > 1 ? this.label(a.inert === true ? d.roles.inert : a.inert) : "an inert drug") + ")";
  };

  App.prototype.drawLegend = function () {
    var self = this, box = this.legendBox;
    box.innerHTML = "";
    this.runs.forEach(function (a) {
      var sw = svg("svg", {width: 40, height: 12, "aria-hidden": "true"});
      svg("line", {x1: 2, y1: 6, x2: 38, y2: 6, stroke: a.color, "stroke-width": 3, "stroke-dasharray": a.dash}, sw);
      var desc = self.legendText(a);
      box.appendChild(el("li", {class: a.placebo ? "pw-sub" : null, title: a.placebo ? null : firstSentence(plain(self.data.scenarios[a.name].description))}, [sw, el("span", {text: desc})]));
    });
    if (this.runs.some(function (a) { return a.band; })) {
      var bw = svg("svg", {width: 40, height: 12, "aria-hidden": "true"});
      svg("rect", {x: 2, y: 1, width: 36, height: 10, fill: "#777", "fill-opacity": 0.35}, bw);
      box.appendChild(el("li", {class: "pw-ensemble-key"}, [bw, el("span", {text: "shaded: " + this.data.ensemble.label + " (lowest to highest)"})]));
    }
    if (this.ghost) {
      var sw = svg("svg", {width: 40, height: 12, "aria-hidden": "true"});
      svg("line", {x1: 2, y1: 6, x2: 38, y2: 6, stroke: GHOST, "stroke-width": 4}, sw);
      box.appendChild(el("li", {}, [sw, el("span", {text: "before your last change"})]));
    }
    var line = el("li", {class: "pw-moment"}, [(function () {
      var sw = svg("svg", {width: 40, height: 12, "aria-hidden": "true"});
      svg("line", {x1: 20, y1: 0, x2: 20, y2: 12, stroke: "#444", "stroke-dasharray": "3 3"}, sw);
      return sw;
    })(), el("span", {text: "the moment the pathway shows"})]);
    box.appendChild(line);
  };

  // ------------------------------------------------------------ details
  App.prototype.citations = function (keys) {
    var refs = this.data.references, list = el("ul", {class: "pw-refs"});
    keys.forEach(function (k) {
      var r = refs[k];
      if (!r) return;
      var item = el("li", {text: r.text + " "});
      if (r.doi) item.appendChild(el("a", {href: "https://doi.org/" + r.doi, target: "_blank", rel: "noopener", text: "doi:" + r.doi}));
      list.appendChild(item);
    });
    return list;
  };

  // the details panel sits over the foot of the page: opening it scrolls nothing
  App.prototype.revealInfo = function (opener) {
    this.info.hidden = false;
    this.infoOpener = opener || null;
  };

  App.prototype.closeInfo = function () {
    this.info.hidden = true;
    this.info.innerHTML = "";
    var back = this.infoOpener;
    this.infoOpener = null;
    if (back && back.isConnected) back.focus();
    else if (back && back.dataset) {       // the pathway was redrawn: its twin
      var twin = this.pathSvgBox.querySelector(back.dataset.node ? '[data-node="' + back.dataset.node + '"]' : '[data-edge="' + back.dataset.edge + '"]');
      if (twin) twin.focus();
    }
  };
  App.prototype.clearInfo = App.prototype.closeInfo;

  App.prototype.infoHeader = function (title) {
    var self = this;
    this.info.innerHTML = "";
    this.info.appendChild(el("div", {class: "pw-info-head"}, [el("h3", {text: title}),
      el("button", {type: "button", class: "pw-close", "aria-label": "Close the details", text: "\u00d7",
        onclick: function () { self.closeInfo(); }})]));
  };

  App.prototype.showNode = function (n, opener) {
    var box = this.info, self = this;
    this.infoHeader(n.label);
    box.dataset.showing = "node:" + n.id;
    if (n.caption) box.appendChild(el("p", {class: "pw-caption", text: "In the story: " + plain(n.caption) + "."}));
    // expectancy is kept by the solver as a drug level; a reader gets its first sentence
    // and its level as a share of its peak
    var expect = n.id === this.data.roles.expectancy;
    if (n.description) box.appendChild(el("p", {text: expect ? firstSentence(plain(n.description)) : plain(n.description)}));
    this.mainArms().forEach(function (arm) {
      var run = arm.run;
      if (!(n.id in run)) return;
      var v = interp(run.time_h, run[n.id], self.state.t), u = self.unitOf(n.id);
      if (expect) {
        var peak = Math.max.apply(null, run[n.id]);
        box.appendChild(el("p", {text: "At " + formatTime(self.state.t) + " (" + arm.label + "): " +
          (peak > 0 ? Math.round(100 * v / peak) + "% of its highest level in this run." : "none.")}));
        return;
      }
      box.appendChild(el("p", {text: "At " + formatTime(self.state.t) + " (" + arm.label + "): " + num(v) + (u ? " " + u : "") +
        (n.baseline ? " (at rest: " + num(self.solverBaseline(n.id)) + ")" : "") + "."}));
    });
    var into = this.data.edges.filter(function (e) { return e.target === n.id; });
    if (into.length) {
      box.appendChild(el("p", {text: "Driven by: " + into.map(function (e) { return this.label(e.source) + " (" + e.effect + ", " + e.grade + " evidence" + (e.evidence ? ", " + e.evidence : "") + ")"; }, this).join("; ") + "."}));
    }
    var keys = [];
    this.data.edges.forEach(function (e) { if (e.target === n.id || e.source === n.id) e.citations.forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
    if (keys.length) { box.appendChild(el("h4", {text: "Studies on its arrows"})); box.appendChild(this.citations(keys)); }
    this.status.textContent = "Showing details of " + n.label;
    this.revealInfo(opener);
  };

  App.prototype.showEdge = function (e, opener) {
    var box = this.info, h = e.hypothesis;
    box.dataset.showing = "edge:" + e.index;
    this.infoHeader(this.label(e.source) + (e.effect === "inhibits" ? " inhibits " : e.effect === "activates" ? " activates " : " is metabolised to ") + this.label(e.target));
    box.appendChild(el("p", {}, [el("strong", {text: "Evidence: " + e.grade + (e.evidence ? ", " + e.evidence : "") + "."}),
      h ? " Part of the contested hypothesis \u201c" + this.hypothesisTitle(h) + "\u201d (" + (this.system().on[h] ? "on" : "off") + "): " + plain(this.data.hypotheses[h].description) : ""]));
    if (e.note) box.appendChild(el("p", {text: plain(e.note)}));
    box.appendChild(el("h4", {text: "Studies"}));
    box.appendChild(this.citations(e.citations));
    this.status.textContent = "Showing details of an arrow";
    this.revealInfo(opener);
  };

  // ------------------------------------------------------------ state: reset, link, download
  App.prototype.reset = function () {
    this.state = this.defaultState();
    this.ghost = null;
    this.runs = null;
    this.lastKey = null;
    this.clearInfo();
    this.alert.hidden = true;
    this.syncControls();
    this.render();
    this.status.textContent = "Everything is back to the model's defaults.";
  };

  App.prototype.hashFor = function (s) {
    var d = this.defaults, parts = [];
    function add(k, v) { parts.push(k + "=" + encodeURIComponent(v)); }
    if (s.scenario !== d.scenario) add("s", s.scenario);
    if (s.compare !== d.compare) add("c", s.compare || "none");
    if (s.dose != null) add("dose", s.dose);
    if (s.days) add("days", s.days);
    if (s.interventions.length) add("i", s.interventions.join(","));
    var hyps = s.hypotheses.filter(function (h) { return d.hypotheses.indexOf(h) < 0; });
    if (hyps.length) add("h", hyps.join(","));
    var off = d.hypotheses.filter(function (h) { return s.hypotheses.indexOf(h) < 0; });
    if (off.length) add("hoff", off.join(","));
    Object.keys(s.set).forEach(function (k) { add("p." + k, s.set[k]); });
    if (Math.abs(s.t - d.t) > 1e-9) add("t", sig(s.t, 4));
    if (s.side !== d.side) add("show", s.side);
    if (!s.placebo) add("placebo", "0");
    if (s.inert) add("inert", s.inert);
    if (s.band) add("band", "1");
    return parts.join("&");
  };

  App.prototype.writeHash = function () {
    if (!this.options.hash) return;
    var text = this.hashFor(this.state);
    if (text === this.hashText) return;
    this.hashText = text;
    try { root.history.replaceState(null, "", text ? "#" + text : root.location.pathname + root.location.search); }
    catch (err) { root.location.hash = text; }
  };

  // A link is read defensively: a bad escape, an unknown or inherited name (only a
  // table's own names count), a number written any way but plain decimals, or a value
  // outside its control's range is left out or brought into range, and a notice says so.
  App.prototype.readHash = function () {
    var d = this.data, s = this.defaultState(), text = root.location.hash.slice(1), bad = [], fixed = [], self = this;
    var own = function (table, key) { return Object.prototype.hasOwnProperty.call(table, key); };
    var number = function (v) { return /^-?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : NaN; };
    var clamp = function (what, v, lo, hi, shown) {
      if (v < lo || v > hi) {
        var c = Math.min(hi, Math.max(lo, v));
        fixed.push(what + " " + (shown ? shown(v) : num(v)) + " is outside what the page allows; it shows " + (shown ? shown(c) : num(c)));
        return c;
      }
      return v;
    };
    this.hashText = text;
    text.split("&").forEach(function (part) {
      if (!part) return;
      var i = part.indexOf("="), k, v;
      try {
        k = decodeURIComponent(i < 0 ? part : part.slice(0, i));
        v = i < 0 ? "" : decodeURIComponent(part.slice(i + 1).replace(/\+/g, " "));
      } catch (err) { bad.push(part.slice(0, 40)); return; }
      if (k === "s") { if (own(d.scenarios, v)) { s.scenario = v; s.dose = null; } else bad.push(v); }
      else if (k === "c") { if (v === "none") s.compare = ""; else if (own(d.scenarios, v)) s.compare = v; else bad.push(v); }
      else if (k === "dose") { var x = number(v); if (x > 0) s.dose = x; else bad.push("dose " + v); }
      else if (k === "days") { var n = number(v); if (n > 0) s.days = Math.round(clamp("a run of", n, 1, 365, function (y) { return num(y) + " days"; })); else bad.push("days " + v); }
      else if (k === "i") s.interventions = v.split(",").filter(function (x) {
        var m = /^([^@]+)(?:@(\d+\.?\d*)h)?$/.exec(x), ok = !!m && own(d.interventions, m[1]);
        if (!ok) bad.push(x);
        return ok;
      });
      else if (k === "h") v.split(",").forEach(function (x) { if (own(d.hypotheses, x)) { if (s.hypotheses.indexOf(x) < 0) s.hypotheses.push(x); } else bad.push(x); });
      else if (k === "hoff") v.split(",").forEach(function (x) { if (own(d.hypotheses, x)) s.hypotheses = s.hypotheses.filter(function (h) { return h !== x; }); else bad.push(x); });
      else if (k.slice(0, 2) === "p." && own(d.parameters, k.slice(2))) {
        var p = d.parameters[k.slice(2)], y = number(v);
        if (isNaN(y)) bad.push(k.slice(2) + " " + v);
        else s.set[k.slice(2)] = clamp(firstSentence(plain(p.description || k.slice(2))).replace(/\.$/, ""), y, p.low, p.high);
      }
      else if (k === "t") { var t = number(v); if (t > 0) s.t = t; else bad.push("t " + v); }
      else if (k === "show") { if (v === "" || own(self.nodes, v) || own(d.derived, v)) s.side = v; else bad.push(v); }
      else if (k === "placebo") s.placebo = v !== "0";
      else if (k === "band") s.band = !!d.ensemble && v !== "0";
      else if (k === "inert") { if ((d.roles.inert_drugs || []).indexOf(v) >= 0) s.inert = v === d.roles.inert ? "" : v; else bad.push(v); }
      else bad.push(k);
    });
    this.state = s;
    // the dose within its slider's range (a tenth to four times the study's)
    var r = this.doseRange();
    if (s.dose != null) {
      if (!r) { bad.push("dose"); s.dose = null; }
      else s.dose = clamp("a dose of", s.dose, r.lo, r.hi, function (y) { return num(y) + " " + r.unit; });
    }
    this.lastKey = null;
    this.hashProblems = bad;
    this.hashFixes = fixed;
    if (this.alert) this.showHashProblems();
  };

  App.prototype.showHashProblems = function () {
    var bad = this.hashProblems || [], fixed = this.hashFixes || [];
    if (!bad.length && !fixed.length) { if (this.notice) this.notice.hidden = true; return; }
    var box = this.notice;
    box.innerHTML = "";
    box.appendChild(el("strong", {text: "About this link: "}));
    var parts = [];
    if (bad.length) parts.push("it names something this page cannot use (" + bad.map(function (x) { return "\u201c" + x + "\u201d"; }).join(", ") + "), so that was left out");
    fixed.forEach(function (f) { parts.push(f); });
    box.appendChild(document.createTextNode(parts.join("; ") + "."));
    box.hidden = false;
  };

  App.prototype.share = function (button) {
    var url = root.location.href;
    var done = function () { button.textContent = "Link copied"; setTimeout(function () { button.textContent = "Copy link to this setting"; }, 1800); };
    if (navigator.clipboard && root.isSecureContext) navigator.clipboard.writeText(url).then(done, function () { root.prompt("Copy this link:", url); });
    else root.prompt("Copy this link:", url);
  };

  // one SVG with the pathway, the colour key, both charts and the legend
  App.prototype.figureSvg = function () {
    var parts = [this.pathSvg, this.keyBox.querySelector("svg"), this.chartBox.querySelector("svg"), this.sideChartBox.querySelector("svg")].filter(Boolean);
    var size = function (p) {           // the colour key is drawn at its natural size
      var vb = p.getAttribute("viewBox").split(" ");
      return [+vb[2], +vb[3]];
    };
    var width = Math.max.apply(null, parts.map(function (p) { return size(p)[0]; }));
    var y = 8, out = svg("svg", {xmlns: SVGNS, "font-family": FONT}), self = this;
    svg("rect", {x: 0, y: 0, width: "100%", height: "100%", fill: "white"}, out);
    // lines of text wrapped to the figure's width (letters taken as 0.56 of their size)
    var write = function (text, size, opts) {
      var wide = opts && opts["font-weight"] === "bold" ? 0.66 : 0.58;
      var x0 = (opts && opts.x) || 10;
      var per = Math.max(16, Math.floor((width - x0 - 10) / (size * wide))), words = text.split(" "), line = "";
      var flush = function () {
        y += size * 1.3;
        var t = svg("text", Object.assign({x: 10, y: y, "font-size": size, fill: INK}, opts || {}), out);
        t.textContent = line;
        line = "";
      };
      words.forEach(function (w) { if (line && (line + " " + w).length > per) flush(); line = line ? line + " " + w : w; });
      if (line) flush();
    };
    this.figureLines().forEach(function (l, i) { write(l, i ? 13 : 16, i ? {} : {"font-weight": "bold"}); });
    y += 10;
    parts.forEach(function (p, i) {
      var g = svg("g", {transform: "translate(0," + y + ")"}, out);
      var inner = p.cloneNode(true), wh = size(p);
      inner.setAttribute("x", 0); inner.setAttribute("y", 0);
      inner.setAttribute("width", wh[0]); inner.setAttribute("height", wh[1]);
      g.appendChild(inner);
      y += wh[1] + 8;
      if (p === parts[2]) {
        self.runs.concat(self.ghost ? [{label: "before your last change", color: GHOST, dash: ""}] : []).forEach(function (a) {
          svg("line", {x1: 12, y1: y + 12, x2: 48, y2: y + 12, stroke: a.color, "stroke-width": 3, "stroke-dasharray": a.dash}, out);
          var keep = y;
          y -= 4;
          write(a.run ? self.legendText(a) : a.label, 13, {x: 56});
          y = Math.max(y, keep + 20) + 2;
        });
        write(TEACHING, 12, {fill: MUTED, "font-style": "italic"});
        y += 8;
      }
    });
    write(TEACHING + " Made with ketamine-pathway.", 12, {fill: MUTED});
    y += 10;
    out.setAttribute("width", width);
    out.setAttribute("height", y);
    out.setAttribute("viewBox", "0 0 " + width + " " + y);
    return out;
  };

  // what a downloaded figure says above it: the arms and doses, the placebo, the
  // interventions, the hypotheses, changed parameters, and the moment the pathway shows
  App.prototype.figureLines = function () {
    var s = this.state, d = this.data, self = this, arms = this.mainArms();
    var lines = [this.label(this.primary) + ": " + arms.map(function (a, i) { return self.armWithDose(a.name, i === 0); }).join(" compared with ")];
    lines.push(s.placebo ? "Placebo arms: " + this.label(s.inert || d.roles.inert) + "." : "No placebo arms shown.");
    var ivs = s.interventions.map(function (x) { return splitTitle(plain(d.interventions[x.split("@")[0]].description))[0]; });
    lines.push("Interventions: " + (ivs.length ? ivs.join("; ") : "none") + ".");
    var hyps = s.hypotheses.map(function (h) { return self.hypothesisTitle(h); });
    lines.push("Contested hypotheses on: " + (hyps.length ? hyps.join("; ") : "none") + ".");
    var changed = Object.keys(s.set).map(function (k) {
      var p = d.parameters[k];
      return firstSentence(plain(p.description || k)).replace(/\.$/, "") + " = " + formatQuantity(s.set[k] * p.factor, p.dimension, p.base_unit);
    });
    if (changed.length) lines.push("Changed: " + changed.join("; ") + ".");
    lines.push("The pathway at " + formatTime(s.t) + " after the first dose" +
      (arms.length > 1 ? "; each box: left half " + self.armWithDose(arms[0].name, true) + ", right half " + self.armWithDose(arms[1].name, false) + "." : "."));
    return lines;
  };

  App.prototype.download = function (kind) {
    var s = this.figureSvg(), text = new XMLSerializer().serializeToString(s);
    var name = "pathway-" + this.state.scenario + (this.state.compare ? "-vs-" + this.state.compare : "");
    function save(blob, filename) {
      var a = el("a", {href: URL.createObjectURL(blob), download: filename});
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
    if (kind === "svg") { save(new Blob([text], {type: "image/svg+xml"}), name + ".svg"); return; }
    var img = new Image(), w = +s.getAttribute("width"), h = +s.getAttribute("height"), scale = 2;
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = w * scale; c.height = h * scale;
      var ctx = c.getContext("2d");
      ctx.fillStyle = "white"; ctx.fillRect(0, 0, c.width, c.height);
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      c.toBlob(function (b) { save(b, name + ".png"); }, "image/png");
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  };

  // ------------------------------------------------------------ public
  var PathwayApp = {
    mount: function (host, data, options) {
      var app;
      try {
        app = new App(host, data, options);
      } catch (err) {
        // never a blank page: a link that breaks the page gives way to the defaults
        if (!options || !options.hash) throw err;
        host.innerHTML = "";
        app = new App(host, data, Object.assign({}, options, {ignoreLink: true}));
        app.hashProblems = ["the whole link (" + String(err && err.message || err).slice(0, 80) + ")"];
        app.showHashProblems();
      }
      var api = {
        app: app, data: data, solver: app.solver,
        simulate: function (scenario, opts) { return app.solver.simulate(scenario, opts || {}); },
        columns: function () { return app.solver.columns(); },
        state: function () { return JSON.parse(JSON.stringify(app.state)); },
        formatQuantity: formatQuantity
      };
      if (!options || options.global !== false) root.pathway = api;
      return api;
    },
    formatQuantity: formatQuantity
  };
  root.PathwayApp = PathwayApp;
})(typeof window !== "undefined" ? window : globalThis);
