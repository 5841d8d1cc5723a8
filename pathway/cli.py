"""The ``pathway`` command line.

User mistakes (an unknown scenario, a bad model file, an absurd value) print
``error: ...`` with a hint and exit with code 2; a traceback is a bug.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence

from .errors import PathwayError, UsageError, check_memory, format_number
from .limits import check_model_size
from .modelfile import Model, format_quantity, load_model, set_hypothesis, set_parameter

STDOUT = "-"


def _set_example(model: Model) -> str:
    """``--set NAME=VALUE`` with one of ``model``'s own parameters at its value."""
    for p in model.parameters.values():
        return f"--set {p.name}={format_quantity(p.value, p.dimension).replace(' ', '')}"
    return "--set NAME=VALUE"


def _model(args, interventions: bool = True) -> Model:
    """The model file with --set and --hypothesis applied (and --intervention, unless
    the caller draws interventions against their control itself)."""
    model = load_model(args.model)
    for item in getattr(args, "set", None) or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"--set {item!r} is not NAME=VALUE",
                             hint=f"for example {_set_example(model)} (see `pathway list`)")
        model = set_parameter(model, name.strip(), value.strip())
    for name in getattr(args, "hypothesis", None) or []:
        model = set_hypothesis(model, name, True)
    if interventions and getattr(args, "intervention", None):
        from .scenarios import apply_all
        model = apply_all(model, args.intervention)
    return model


def cmd_list(args) -> int:
    model = load_model(args.model)
    if args.json:
        import json

        from .webexport import list_json
        print(json.dumps(list_json(model), indent=1))
        return 0
    out = [f"model: {model.name} ({model.source})", "", "scenarios:"]
    for s in model.scenarios.values():
        out.append(f"  {s.name:22s} {s.description} [{s.days:g} days]")
    out += ["", "interventions (apply with --intervention NAME, or NAME@TIME for a timed one):"]
    for iv in model.interventions.values():
        extra = f" (under {', '.join(iv.variants)}: changes)" if iv.variants else ""
        out.append(f"  {iv.name:22s} {iv.description}{extra}")
    out += ["", "hypotheses (switch on with --hypothesis NAME):"]
    for h in model.hypotheses.values():
        out.append(f"  {h.name:22s} {'on ' if h.enabled else 'off'}  {h.description}")
    out += ["", "parameters (set with --set NAME=VALUE):"]
    for p in model.parameters.values():
        out.append(f"  {p.name:34s} {p.describe()}")
        if p.description:
            out.append(f"  {'':34s} {p.description}")
    out += ["", "readouts: " + ", ".join(model.readouts),
            "nodes: " + ", ".join(model.node_ids)]
    print("\n".join(out))
    return 0


def cmd_simulate(args) -> int:
    from .simulate import check_run, simulate

    model = _model(args)
    scenario = model.scenario(args.scenario)
    if args.placebo:
        if args.dose is not None:
            raise UsageError("--dose sets the study drug's dose, and the placebo arm gives none\n"
                             "  hint: leave out --dose, or --placebo")
        from .scenarios import placebo_arm
        scenario = placebo_arm(model, scenario, None if args.placebo is True else args.placebo)
    check_run(model, scenario.days if args.days is None else args.days, args.step, text=True)
    traj = simulate(model, scenario, days=args.days, dose=args.dose, step_min=args.step)
    from .versions import version_line
    comment = f"{version_line(model)}; scenario {scenario.name}"
    if args.out and args.out != STDOUT:
        _write(args.out, lambda path: traj.to_csv(path, comment=comment))
        t_peak, peak = traj.peak(traj.primary)
        print(f"wrote {args.out}: {len(traj.t_h)} rows x {len(traj.names) + 1} columns; "
              f"peak {traj.label(traj.primary).lower()} {peak:.2f} at "
              f"{format_quantity(t_peak, 'time')}", file=sys.stderr)
    else:
        sys.stdout.write(traj.to_csv(comment=comment))
    return 0


def _graph_output(args) -> str:
    """What `graph` writes: "summary", "picture", "graphml" or "json"."""
    if args.out is None:
        if args.format:
            raise UsageError(f"--format {args.format} applies to an export, and without --out "
                             "graph prints a summary\n  hint: add --out FILE.graphml, --out "
                             "FILE.json, or --out - for standard output")
        return "summary"
    if args.out == STDOUT:
        return args.format or "json"
    suffix = args.out.lower().rpartition(".")[2]
    if "." + suffix in _PICTURES:
        kind = "picture"
    else:
        _check_out(args.out, (".graphml", ".json") + _PICTURES)
        kind = suffix
    if args.format and args.format != kind:
        raise UsageError(f"--format {args.format} disagrees with the file name {args.out}\n"
                         f"  hint: name the file .{args.format}, or leave out --format")
    return kind


def cmd_graph(args) -> int:
    from .graph import to_graph, write_graph

    kind = _graph_output(args)
    if kind != "picture":
        what = {"summary": "the summary", "graphml": "a GraphML export",
                "json": "a JSON export"}[kind]
        for flag, given in (("--scenario", args.scenario), ("--at", args.at),
                            ("--theme", args.theme), ("--presenter", args.presenter)):
            if given:
                raise UsageError(f"{flag} applies only to a picture of the graph, and {what} "
                                 f"ignores it\n  hint: write a picture with --out FILE.png "
                                 f"(or .svg, .pdf), or leave out {flag}")
    model = _model(args)
    if args.at and not args.scenario:
        raise UsageError("--at needs --scenario",
                         hint=f"e.g. --scenario {next(iter(model.scenarios), 'NAME')} --at 1h")
    if kind == "picture":
        check_model_size(model, "graph")
    graph = to_graph(model)
    if kind == "picture":
        options = {"theme": args.theme or "light", "presenter": args.presenter}
        if args.scenario:
            from .plotting import activity_at
            from .population import parse_times
            from .simulate import MAX_DAYS, simulate
            labels, hours = parse_times(args.at or "1h")
            if len(hours) > 1:
                raise UsageError(f"--at gives {len(hours)} times, and a picture shows one "
                                 f"moment\n  hint: give one time, e.g. --at {labels[0]} "
                                 "(`pathway population --at` reads several)")
            t_h = float(hours[0])
            days = min(MAX_DAYS, max(t_h / 24 + 0.1, 0.2))
            # one-minute rows, or 20,000 rows in all for long runs (the drugs' peaks)
            traj = simulate(model, args.scenario, days=days,
                            step_min=max(1.0, days * 1440 / 20_000))
            options["activity"] = activity_at(graph, traj, t_h)
            options["title"] = f"{args.scenario}, {labels[0]} after the first dose"
        from .plotting import save_pathway_figure
        _write(args.out, lambda path: save_pathway_figure(graph, path, **options))
    elif kind in ("graphml", "json"):
        if args.out == STDOUT:
            _to_stdout(f".{kind}", lambda path: write_graph(graph, path))
            return 0
        _write(args.out, lambda path: write_graph(graph, path))
    if kind != "summary":
        print(f"wrote {args.out}: {graph.number_of_nodes()} nodes, "
              f"{graph.number_of_edges()} edges", file=sys.stderr)
        return 0
    print(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")
    for e in model.edges:
        hyp = f"  [hypothesis {e.hypothesis}: {'on' if model.hypotheses[e.hypothesis].enabled else 'off'}]" \
            if e.hypothesis else ""
        print(f"  edge[{e.index}] {e.name:42s} {e.grade:11s} {', '.join(e.citations)}{hyp}")
    return 0


def _ids(values):
    """``--only`` values: each may hold several ids joined by commas."""
    if not values:
        return None
    return {part.strip() for v in values for part in v.split(",") if part.strip()}


def cmd_experiments(args) -> int:
    import json

    from .experiments import format_table, run_experiments

    model = load_model(args.model)
    results = run_experiments(model, _ids(args.only))
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=1))
    else:
        print(format_table(results))
    return 0


def cmd_population(args) -> int:
    import json

    from .population import simulate_population

    from .population import dask_client

    model = _model(args)
    scenario = args.scenario
    if args.placebo:
        from .scenarios import placebo_arm
        scenario = placebo_arm(model, scenario, None if args.placebo is True else args.placebo)
    client = dask_client(args.dask)
    try:
        result = simulate_population(model, scenario, n=args.n, seed=args.seed, at=args.at,
                                     progress=not args.quiet and sys.stderr.isatty() or args.progress,
                                     dask=client)
    finally:
        if client is not None:
            client.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
        return 0
    print(f"{result.n} virtual patients, scenario {result.scenario}, seed {result.seed} "
          f"({result.seconds:.1f} s)")
    print(result.definitions)
    median = f"median {result.readout.replace('_', ' ')}"
    print(f"{'time':>8s} {'response':>9s} {'remission':>10s} {median:>{max(14, len(median))}s}")
    resp, rem, med = result.response_rate(), result.remission_rate(), result.median_outcome()
    for lab in result.labels:
        print(f"{lab:>8s} {100 * resp[lab]:8.1f}% {100 * rem[lab]:9.1f}% "
              f"{med[lab]:{max(14, len(median))}.2f}")
    return 0


def cmd_validate(args) -> int:
    import json

    from .validate import (format_scorecard, format_trial_report, run_targets, scorecard_figure,
                           trial_figure, trial_headline, trial_rows)

    if args.trials_only and args.checks_only:
        raise UsageError("--trials-only and --checks-only contradict each other\n"
                         "  hint: give one of them, or neither for both parts")
    if args.out and (args.checks_only or args.only):
        raise UsageError("--out draws the published trials, which --checks-only and --only leave out\n"
                         "  hint: use --figure for the literature checks' picture")
    if args.trials_only and (args.figure or args.only or args.targets):
        raise UsageError("--figure, --only and --targets are about the literature checks, which "
                         "--trials-only leaves out\n  hint: drop --trials-only, or use --out for "
                         "the trials' picture")
    model = load_model(args.model)
    if args.figure:
        _check_out(args.figure, _PICTURES)
    if args.out:
        _check_out(args.out, _PICTURES)
    only = _ids(args.only)
    rows = None
    if only is None and not args.checks_only:        # --only names literature checks: those alone
        rows = trial_rows(model)
        if args.out:
            _write(args.out, lambda path: trial_figure(rows, path))
            print(f"wrote {args.out}", file=sys.stderr)
    results = [] if args.trials_only else run_targets(model, args.targets, only)
    if args.figure and results:
        _write(args.figure, lambda path: scorecard_figure(results, path))
        print(f"wrote {args.figure}", file=sys.stderr)
    if args.json:
        if rows is None:
            print(json.dumps([r.to_dict() for r in results], indent=1))
        else:
            print(json.dumps({"headline": trial_headline(rows),
                              "trials": [r.to_dict() for r in rows],
                              "calibration_targets": [r.to_dict() for r in results]}, indent=1))
        return 0
    if rows is not None:
        print(format_trial_report(rows))
    if results:
        if rows is not None:
            print()
        print("== calibration targets: the literature checks the hand-set parameters were tuned "
              "against (differences between arms; not a validation) ==")
        print(format_scorecard(results))
    return 0


def cmd_fit(args) -> int:
    import json

    from .fit import apply_fit, fit, format_fit, write_fitted
    from .modelfile import default_model_path
    from .validate import headline_text, trial_rows

    path = args.model or str(default_model_path())
    model = load_model(path)
    names = sorted(_ids(args.only)) if args.only else None
    if names is not None:
        unknown = [n for n in names if n not in model.parameters]
        if unknown:
            from .errors import suggest
            raise UsageError(f"unknown parameter '{unknown[0]}'\n  hint: "
                             f"{suggest(unknown[0], model.parameters)}")
        names.sort(key=list(model.parameters).index)
    show = (lambda k, cost: print(f"  evaluation {k}: sum of squares {cost:.1f}", file=sys.stderr)) \
        if args.progress else None
    result = fit(model, names=names, n=args.n, starts=args.starts, max_nfev=args.max_steps,
                 progress=show, workers=args.workers)
    fitted = apply_fit(model, result)
    rows = trial_rows(fitted) if args.report else None
    if not args.dry_run:
        write_fitted(path, model, result)
        print(f"wrote the fitted values into {path}", file=sys.stderr)
        _write_ensemble(fitted, result)
    if args.json:
        data = result.to_dict()
        if rows is not None:
            data["headline"] = headline_text(rows).splitlines()
        print(json.dumps(data, indent=1))
        return 0
    print(format_fit(result))
    if rows is not None:
        print()
        print(headline_text(rows))
    return 0


def _write_ensemble(fitted, result) -> None:
    """After a fit of every calibrated parameter, the ensemble file beside the model (the band's parameter
    sets); a fit of some of them (--only) leaves it as it was: its draws hold the others fixed."""
    from .ensemble import ensemble_path, write_ensemble
    from .fit import calibrated_parameters

    if set(calibrated_parameters(fitted)) - set(result.names):
        print(f"left {ensemble_path(fitted)} as it was: only a fit of every calibrated parameter writes the "
              "ensemble (the --band sets); run pathway fit without --only to remake it", file=sys.stderr)
        return
    print(f"wrote the calibration ensemble into {write_ensemble(fitted, result)}", file=sys.stderr)


def cmd_sensitivity(args) -> int:
    import json

    from .population import dask_client
    from .sensitivity import sensitivity, sensitivity_figure

    model = _model(args)
    if args.figure:
        _check_out(args.figure, _PICTURES)
    client = dask_client(args.dask)
    try:
        result = sensitivity(model, args.scenario, at=args.at, output=args.output,
                             method=args.method, n=args.n, seed=args.seed, dask=client,
                             progress=not args.quiet and sys.stderr.isatty())
    finally:
        if client is not None:
            client.close()
    if args.figure:
        _write(args.figure, lambda path: sensitivity_figure(result, path))
        print(f"wrote {args.figure}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
        return 0
    print(f"{result.method.capitalize()} sensitivity of {result.output} in {result.scenario}: "
          f"{len(result.parameters)} parameters over their ranges, {result.runs:,} runs, seed "
          f"{result.seed} ({result.seconds:.1f} s)")
    for lab in result.labels:
        print()
        print(result.table(lab))
    return 0


_PICTURES = (".png", ".svg", ".pdf")


def _check_out(path: str, suffixes: tuple[str, ...]) -> None:
    from pathlib import Path
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise UsageError(f"{path}: cannot write '{p.suffix or 'no suffix'}' here\n"
                         f"  hint: use {', '.join(suffixes)}")
    if not p.parent.exists() and str(p.parent) not in ("", "."):
        raise UsageError(f"cannot write '{path}': the folder {p.parent} does not exist\n"
                         "  hint: create it first")


def cmd_plot(args) -> int:
    from .plotting import save_timecourse_figure
    from .scenarios import apply_all, placebo_arm
    from .simulate import simulate

    _check_out(args.out, _PICTURES)
    base = _model(args, interventions=False)       # the control arm; interventions below
    days = args.days or 56
    step = 5.0 if days <= 14 else 15.0
    names = [args.scenario] + list(args.compare or [])
    arms, labels, styles = [], [], []
    if args.intervention:
        treated = apply_all(base, args.intervention)
        for name in names:
            arms.append(simulate(base, name, days=days, step_min=step))
            labels.append(f"{name} (control)")
            styles.append("--")
            arms.append(simulate(treated, name, days=days, step_min=step))
            labels.append(f"{name} + {' + '.join(args.intervention)}")
            styles.append("-")
    else:
        for name in names:
            arms.append(simulate(base, name, days=days, step_min=step))
            labels.append(name)
            styles.append("-")
    if not args.no_placebo:
        arms.append(simulate(base, placebo_arm(base, args.scenario), days=days, step_min=step))
        labels.append(f"{args.scenario} (placebo arm)")
        styles.append("-")
    bands = _plot_bands(args, base, names, days, step) if args.band else None
    _write(args.out, lambda path: save_timecourse_figure(
        arms, path, labels=labels, styles=styles, theme=args.theme, presenter=args.presenter, bands=bands))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _plot_bands(args, base, names, days, step) -> list:
    """``pathway plot --band``: the ensemble band of every arm the plot draws, in its order (the arms with an
    intervention: control, then treated; then the placebo arm)."""
    from .ensemble import band, load_ensemble
    from .scenarios import apply_all

    ens = load_ensemble(base)
    models = [base, apply_all(base, args.intervention)] if args.intervention else [base]
    out = [band(m, name, days=days, step_min=step, ensemble=ens) for name in names for m in models]
    if not args.no_placebo:
        out.append(band(base, args.scenario, days=days, step_min=step, ensemble=ens, placebo=True))
    return out


def _animation_bands(frame, args) -> list:
    """``pathway animate --band``: each arm's ensemble band of what the relief panel shows."""
    from .ensemble import band, load_ensemble

    ens = load_ensemble(frame.model)
    effect = not (args.arms or args.no_placebo)
    return [band(frame.model, a.traj.scenario, days=a.traj.t_h[-1] / 24, ensemble=ens, effect=effect,
                 step_min=5.0 if a.traj.t_h[-1] <= 14 * 24 else 15.0) for a in frame.arms]


def _prepare_animation(args):
    from .animation import prepare

    def note(text):
        # why a lecture file was set aside is said even with --quiet: it explains an
        # edit that seems to be ignored
        if not getattr(args, "quiet", False) or "building chapters automatically" in text:
            print(text, file=sys.stderr)
    model = _model(args)
    check_model_size(model, args.command)
    frame = prepare(model, args.scenario, args.compare, days=args.days,
                    chapters=args.chapters, frames=args.frames, fps=getattr(args, "fps", 30),
                    placebo=not args.no_placebo, presenter=args.presenter, theme=args.theme,
                    reveal=getattr(args, "reveal", False), effect=not (args.arms or args.no_placebo), note=note)
    # which files were read, always (even with --quiet): an edit that seems ignored
    # is usually an edit to another copy
    print(f"model: {frame.model.source}", file=sys.stderr)
    print("chapters: " + ("built from the mechanism (no lecture file tells these scenarios)"
                          if frame.lecture.automatic else str(frame.lecture.source)),
          file=sys.stderr)
    return frame


def cmd_lecture_init(args) -> int:
    from .lecture import init_lecture

    model_copy, lecture_copy = init_lecture(load_model(args.model), args.dir, force=args.force)
    print(f"wrote {model_copy} (the model) and {lecture_copy} (its lecture: chapters, "
          f"captions, timing)\nedit {lecture_copy}, then use them with --model:\n"
          f"  pathway animate --model {model_copy} --out lecture.mp4\n"
          f"  pathway slides --model {model_copy} --out lecture.pptx", file=sys.stderr)
    return 0


def cmd_animate(args) -> int:
    from .animation import FORMATS, save_animation

    _check_out(args.out, FORMATS)
    frame = _prepare_animation(args)
    if args.band:
        from .animation import draw_bands
        draw_bands(frame, _animation_bands(frame, args))
    info = save_animation(frame, args.out,
                          progress=not args.quiet and (sys.stderr.isatty() or args.progress))
    print(f"wrote {info['path']}: {info['chapters']} chapters, {info['duration_s']:.0f} s, "
          f"{info['size_px'][0]}x{info['size_px'][1]}, {info['bytes'] / 1e6:.1f} MB; "
          f"{info['frames']} frames rendered at {info['fps_rendered']:.0f} frames/s "
          f"(holds repeat frames)", file=sys.stderr)
    return 0


def cmd_storyboard(args) -> int:
    from .animation import storyboard

    frame = _prepare_animation(args)
    paths = storyboard(frame, args.out)
    print(f"wrote {len(paths)} chapter frames and captions.txt to {args.out}", file=sys.stderr)
    return 0


def cmd_slides(args) -> int:
    from .slides import write_slides

    _check_out(args.out, (".pptx",))
    frame = _prepare_animation(args)
    info = write_slides(frame, args.out)
    print(f"wrote {args.out}: {info['slides']} slides ({info['chapters']} chapters), "
          f"{info['bytes'] / 1e6:.1f} MB", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from pathlib import Path

    from .graph import to_graph, write_graph

    if args.format == "petab":
        return _export_petab(args)
    suffix = {"sbml": (".xml", ".sbml"), "omex": (".omex",), "graphml": (".graphml",),
              "json": (".json",)}
    if args.format not in ("sbml", "omex"):
        for flag, given in (("--scenario", args.scenario), ("--days", args.days)):
            if given is not None:
                raise UsageError(f"{flag} applies only to --format sbml or omex (the doses "
                                 f"written as events), and a {args.format} export of the graph "
                                 f"ignores it\n  hint: leave out {flag}, or use --format sbml")
    if args.format == "omex" and args.out == STDOUT:
        raise UsageError("a COMBINE archive is a zip file, which a terminal cannot show\n"
                         "  hint: give --out FILE.omex")
    out = Path(args.out)
    if args.out != STDOUT and out.suffix.lower() not in suffix[args.format]:
        raise UsageError(f"{args.out}: a {args.format} export should end in "
                         f"{' or '.join(suffix[args.format])}\n  hint: rename the file or pick "
                         "another --format")
    model = _model(args)
    if args.format in ("sbml", "omex"):
        check_model_size(model, "export")
        _import_sbml_libraries()
    if args.format == "sbml":
        from .sbml import check_sbml, export_sbml, write_sbml
        from .scenarios import showcase_pair
        from .simulate import check_administrations
        scenario = showcase_pair(model, args.scenario)[0]
        sc = model.scenario(scenario)
        check_administrations(model, sc, (args.days or sc.days) * 24)
        if args.out == STDOUT:
            text = export_sbml(model, scenario, days=args.days)
            errors = check_sbml(text)
            if errors:
                raise UsageError("the exported SBML fails libsbml's consistency check:\n  "
                                 + "\n  ".join(errors[:5]) + "\n  hint: this is a bug; please "
                                 "report it with the model file")
            sys.stdout.write(text)
            return 0
        _write(args.out, lambda path: write_sbml(model, scenario, Path(path), days=args.days))
        print(f"wrote {out}: SBML Level 3 Version 2, scenario {scenario}", file=sys.stderr)
    elif args.format == "omex":
        from .sbml import export_omex
        from .scenarios import showcase_pair
        from .simulate import check_administrations
        scenario = showcase_pair(model, args.scenario)[0]
        sc = model.scenario(scenario)
        check_administrations(model, sc, (args.days or sc.days) * 24)
        _write(args.out, lambda path: export_omex(model, scenario, Path(path), days=args.days))
        print(f"wrote {out}: COMBINE archive (SBML + SED-ML + manifest), scenario {scenario}",
              file=sys.stderr)
    elif args.out == STDOUT:
        _to_stdout(f".{args.format}", lambda path: write_graph(to_graph(model), path))
    else:
        _write(args.out, lambda path: write_graph(to_graph(model), path))
        print(f"wrote {out}", file=sys.stderr)
    return 0


def _import_sbml_libraries() -> None:
    """Import libsbml, libsedml and libcombine with Ctrl+C held back until they are in.
    Each begins with a bare ``except:`` around a call that a Ctrl+C may land in, which
    would swallow it and leave the export running."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        for name in ("libsbml", "libsedml", "libcombine"):
            try:
                __import__(name)
            except ImportError:          # the export names the missing extra itself
                pass
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def cmd_site(args) -> int:
    from .site import published_trials, write_site

    model = load_model(args.model)
    check_model_size(model, "site")
    scorecard = None
    if args.scorecard:
        from .validate import run_targets
        print("computing the scorecard (every literature check; about a minute)", file=sys.stderr)
        scorecard = run_targets(model)
    print("running the published trials' designs (validation and calibration fit; about 10 s)", file=sys.stderr)
    trials = published_trials(model)
    if trials is None:
        print("no published trial could be simulated with this model (it has no trial map beside it): the page "
              "lists none", file=sys.stderr)
    info = write_site(model, args.out, site_file=args.site_file, scorecard=scorecard, trials=trials)
    print(f"wrote {info['path']}: {len(info['files'])} files, {info['bytes'] / 1e3:.0f} kB; open "
          f"{info['path'].rstrip('/')}/index.html in a browser, or copy the folder to any static "
          "host", file=sys.stderr)
    return 0


def _export_petab(args) -> int:
    from .petabexport import write_petab
    for flag, given in (("--scenario", args.scenario), ("--days", args.days)):
        if given is not None:
            raise UsageError(f"{flag} applies only to --format sbml or omex (the doses written as events); "
                             "the PEtab tables hold every trial's own doses\n  hint: leave out " + flag)
    model = _model(args)
    written = write_petab(model, args.out)
    print(f"wrote {len(written)} files to {args.out}: PEtab-style tables of the published trials and the "
          "model's parameters (see its README.md)", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from .serving import serve
    from .site import check_address

    check_address(args.host, args.port)
    model = load_model(args.model) if args.dir is None else None
    if model is not None:
        check_model_size(model, "serve")
    return serve(model, args.dir, host=args.host, port=args.port, site_file=args.site_file)


def cmd_warm_up(args) -> int:
    import os

    from . import _firstrun

    _firstrun.ENABLED = False               # this command says so itself
    folder = os.environ.get("NUMBA_CACHE_DIR", "numba's default folder")
    print(f"compiling the solver's kernels into {folder} (seconds to minutes the first time)",
          file=sys.stderr, flush=True)
    seconds = _firstrun.warm_up(_model(args), report=lambda name, s: print(
        f"  {name:22s} {s:6.1f} s", file=sys.stderr, flush=True))
    print(f"compiled code cache: {folder}")
    print(f"warm-up took {seconds:.1f} s; {_firstrun.compiled_signatures()} compiled kernels ready")
    return 0


def cmd_explain(args) -> int:
    from .compile import explain

    model = _model(args)
    check_model_size(model, "explain", node=args.node)
    print(explain(model, args.node))
    return 0


def _to_stdout(suffix: str, writer) -> None:
    """Run a writer that needs a file name, and copy what it wrote to standard output."""
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"out{suffix}"
        writer(path)
        sys.stdout.write(path.read_text(encoding="utf-8"))


# What each command's --out names: a file (with the suffixes its own check wants),
# a folder, or standard output ("-") where the output is text.
_OUT_KIND = {"simulate": "text", "graph": "text or picture", "plot": "picture",
             "animate": "picture", "slides": "picture", "storyboard": "folder",
             "site": "folder", "export": "text"}
#: The suffixes each command's --out may have (graph and export check theirs
#: against --format themselves); --figure is always a picture.
_OUT_SUFFIXES = {"simulate": (".csv",), "plot": (".png", ".svg", ".pdf"),
                 "animate": (".mp4", ".gif", ".html"), "slides": (".pptx",)}
#: What a folder output holds, for its messages.
_FOLDER_HOLDS = {"storyboard": "a storyboard is a folder of PNGs and captions.txt",
                 "site": "the site is a folder of web pages",
                 "export": "the PEtab export is a folder of tables"}
#: An example folder name for each command that writes a folder.
_FOLDER_EXAMPLE = {"storyboard": "slides/", "site": "site/", "export": "petab/"}
#: Options that name files a command reads.
_INPUTS = ("model", "chapters", "targets", "site_file")


def _outputs(args) -> list[tuple[str, str, str]]:
    """(option, value, kind) for every file or folder this command will write."""
    found = []
    kind = _OUT_KIND.get(args.command)
    if args.command == "export" and getattr(args, "format", None) == "petab":
        kind = "folder"
    if kind and getattr(args, "out", None) is not None:
        found.append(("--out", args.out, kind))
    if getattr(args, "figure", None) is not None:
        found.append(("--figure", args.figure, "picture"))
    return found


def _name_too_long(path: str) -> tuple[str, int] | None:
    """The first part of ``path`` longer than the file system allows, if one is, and
    the limit."""
    from pathlib import Path
    limit = 255
    try:
        parent = Path(path).parent
        limit = os.pathconf(parent if parent.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        pass
    return next(((part, limit) for part in Path(path).parts if len(os.fsencode(part)) > limit),
                None)


def _same_file(a: str, b: str) -> bool:
    from pathlib import Path
    try:
        if Path(a).exists() and Path(b).exists():
            return os.path.samefile(a, b)
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, ValueError):
        return False


def _check_output(args) -> None:
    """One rule for every file a command writes (--out, --figure): "-" is standard
    output for text and is refused for pictures; the name fits the file system and
    has a suffix the command writes; the folder it goes in must exist (nothing is
    created but the file, or a storyboard's or site's own folder); a file name must
    not name a folder; and no output is one of the command's own inputs."""
    for option, out, kind in _outputs(args):
        _check_one_output(args, option, out, kind)


def _check_one_output(args, option: str, out: str, kind: str) -> None:
    from pathlib import Path
    if not out.strip():
        raise UsageError(f"{option} is empty\n  hint: give a file name"
                         + (", or - for standard output" if kind.startswith("text") else ""))
    picture = kind in ("picture", "folder") or (
        kind == "text or picture" and out.lower().endswith(_PICTURES))
    if out == STDOUT:
        if picture:
            raise UsageError(f"{args.command} writes {'pictures' if kind != 'folder' else 'a folder'}"
                             ", which cannot go to standard output\n  hint: give a "
                             + ("folder" if kind == "folder" else "file name") + ", e.g. " + option + " "
                             + (_FOLDER_EXAMPLE[args.command] if kind == "folder"
                                else f"out{_OUT_SUFFIXES[args.command][0]}"
                                if args.command in _OUT_SUFFIXES else "picture.png"))
        return
    too_long = _name_too_long(out)
    if too_long is not None:
        part, limit = too_long
        raise UsageError(f"cannot write '{out[:60]}...': the name '{part[:40]}...' is "
                         f"{len(os.fsencode(part))} bytes long, more than the file system "
                         f"allows ({limit})\n  hint: use a shorter name")
    if out.endswith(("/", os.sep)) and kind != "folder":
        raise UsageError(f"cannot write '{out}': a name ending in '/' is a folder, and "
                         f"{option} names a file here\n  hint: leave out the final '/', e.g. "
                         f"{option} {out.rstrip('/' + os.sep) or 'out'}")
    path = Path(out)
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write '{out}': the folder {parent} does not exist\n"
                         f"  hint: create it first (mkdir -p {parent}); no command creates "
                         "missing folders")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write '{out}': the folder {parent} is not writable\n"
                         "  hint: choose a folder of your own, e.g. your home folder")
    for name in _INPUTS:
        given = getattr(args, name, None)
        if given and kind != "folder" and _same_file(out, given):
            raise UsageError(f"{option} {out} is the file --{name.replace('_', '-')} reads; "
                             "writing it would destroy the input\n  hint: give the output "
                             "another name")
    if kind == "folder":
        what = _FOLDER_HOLDS.get(args.command, "this command writes a folder")
        if (path.suffix and args.command in ("storyboard", "export")) or (path.exists() and not path.is_dir()):
            raise UsageError(f"{what}, and '{out}' names a file\n  hint: give a folder name "
                             f"such as {_FOLDER_EXAMPLE[args.command]} (it is created if missing)")
        return
    if path.is_dir():
        raise UsageError(f"cannot write '{out}': it is a folder\n  hint: give a file name, "
                         f"e.g. {path / 'out'}")
    suffixes = _PICTURES if option == "--figure" else _OUT_SUFFIXES.get(args.command)
    if suffixes and path.suffix.lower() not in suffixes:
        what = {"simulate": "a CSV time course"}.get(args.command, f"{args.command} output")
        raise UsageError(f"{option} {out}: {what} cannot be written as "
                         f"'{path.suffix or 'a name with no suffix'}'\n"
                         f"  hint: use {', '.join(suffixes)}, e.g. {option} "
                         f"{path.with_suffix(suffixes[0]).name}")


def _check_settings(args) -> None:
    """Every run setting within its stated range, before anything runs."""
    from .population import MAX_PEOPLE, MAX_SEED
    from .simulate import MAX_DAYS, STEP_MIN_RANGE

    def within(option, value, low, high, unit, hint, above=False):
        if value is None:
            return
        if not (low < value if above else low <= value) or value > high:
            span = f"above {format_number(low)}" if above else f"from {format_number(low)}"
            raise UsageError(f"{option} {format_number(value)} is outside the range {span} to "
                             f"{format_number(high)}{unit}\n  hint: {hint}")

    within("--days", getattr(args, "days", None), 0, MAX_DAYS, " days", "14 shows one ketamine "
           "dose, 56 eight weeks of an SSRI; ten years is the longest run", above=True)
    if args.command in ("animate", "storyboard", "slides") and args.days is not None:
        from .animation import CLOCK_START_H, MIN_HOURS
        if args.days * 24 < MIN_HOURS:
            raise UsageError(f"--days {format_number(args.days)} ({args.days * 1440:.1f} minutes) "
                             f"is too short for {args.command}, whose clock starts "
                             f"{CLOCK_START_H * 60:g} minutes after the first dose\n  hint: give at "
                             f"least {MIN_HOURS / 24:.3f} days ({MIN_HOURS * 60:g} minutes); "
                             "--days 1 shows an infusion's first day")
    low, high = STEP_MIN_RANGE
    if getattr(args, "step", None) is not None and not low <= args.step <= high:
        raise UsageError(f"--step {format_number(args.step)} is outside the range {low * 60:g} s "
                         f"to {high:g} min\n  hint: give the minutes between rows, from 1/60 "
                         f"(one second) to {high:g} (one day); 5 shows an infusion, 60 is plenty "
                         "for weeks")
    within("--n", getattr(args, "n", None), 1, MAX_PEOPLE, " people",
           "1000 people take about a second")
    within("--seed", getattr(args, "seed", None), 0, MAX_SEED, "",
           "any whole number in the range; the same seed gives the same people")
    within("--frames", getattr(args, "frames", None), 2, ANIMATION_FRAMES, "",
           "300 frames make ten seconds at 30 frames/s")
    within("--fps", getattr(args, "fps", None), 1, MAX_FPS, " frames/s", "30 plays smoothly")
    if getattr(args, "progress", False) and getattr(args, "quiet", False):
        raise UsageError("--progress and --quiet contradict each other\n"
                         "  hint: give one of them")
    out = getattr(args, "out", None)
    if args.command == "animate" and out and out.lower().endswith((".gif", ".html")) \
            and args.frames is not None:
        check_memory(animation_memory(args.frames, out, args.presenter),
                     f"a {args.frames}-frame {out.rpartition('.')[2]} animation",
                     "use .mp4 (written frame by frame) or fewer --frames")


#: Bytes an animation holds per frame and pixel. A GIF keeps every frame (one byte a pixel
#: once quantized) and Pillow's writer a second copy: benchmarks/bench_memory.py measured
#: 1.96-2.05 at 60 to 360 frames of 1280x720. An HTML player streams its frames to ffmpeg.
ANIMATION_BYTES_PER_PIXEL = {".gif": 2.3, ".html": 0.3}


def animation_memory(frames: int, out: str, presenter: bool) -> float:
    """Bytes an animation of ``frames`` frames written to ``out`` needs beyond the process."""
    width, height = (1920, 1080) if presenter else (1280, 720)
    return frames * width * height * ANIMATION_BYTES_PER_PIXEL[os.path.splitext(out)[1].lower()]


#: The most frames an animation or storyboard is asked for (as pathway.animation.prepare),
#: and the fastest frame rate (as pathway.animation.save_animation).
ANIMATION_FRAMES = 20_000
MAX_FPS = 120


def _write(path: str, writer) -> None:
    """Run ``writer`` on a temporary name beside ``path`` and move the finished file
    onto ``path``: a failed or interrupted write leaves the previous file as it was."""
    from .atomicio import atomic_path
    with atomic_path(path) as tmp:
        writer(str(tmp))


def _positive(kind, positive: bool = True):
    """An argparse type: a finite number (whole for ``int``), above 0 if ``positive``.
    Each command checks its own range afterwards (see ``_check_settings``)."""
    what = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if positive and not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
        return value
    parse.__name__ = kind.__name__       # argparse names the type in its messages
    return parse


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error shape: ``error: ...`` and a hint."""

    def error(self, message):
        self.print_usage(sys.stderr)
        hint = "" if "hint:" in message else \
            f"\n  hint: `{self.prog} --help` lists the options and their ranges"
        self.exit(2, f"error: {message}{hint}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pathway",
        description="Simulate why ketamine lifts depression in hours and an SSRI takes weeks. "
                    "A teaching model, not medical advice.")
    from .versions import package_version
    parser.add_argument("--version", action="version", version=f"pathway (ketamine-pathway) {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def model_options(p, params=True):
        p.add_argument("--model", metavar="FILE", help="a model file (default: the built-in model)")
        if params:
            p.add_argument("--set", action="append", metavar="NAME=VALUE",
                           help="set a parameter, e.g. --set spine_lifetime=8d (repeatable)")
            p.add_argument("--hypothesis", action="append", metavar="NAME",
                           help="switch a contested hypothesis on (repeatable)")
            p.add_argument("--intervention", action="append", metavar="NAME[@TIME]",
                           help="apply an intervention, e.g. nbqx or spine-ablation@36h "
                                "(repeatable)")

    p = sub.add_parser("list", help="scenarios, hypotheses and parameters with their ranges")
    p.add_argument("--json", action="store_true",
                   help="print JSON: every scenario, intervention, hypothesis and parameter "
                        "(value, unit and range)")
    model_options(p, params=False)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("simulate", help="simulate a scenario and write a CSV time course")
    p.add_argument("--scenario", required=True, metavar="NAME", help="e.g. ketamine-iv, ssri")
    p.add_argument("--days", type=_positive(float), metavar="D",
                   help="length in days, above 0 to 3650 (default: the scenario's)")
    p.add_argument("--dose", type=_positive(float), metavar="X",
                   help="dose in the scenario's own unit (mg/kg for IV, mg otherwise), above 0 "
                        "up to the scenario's max_dose")
    p.add_argument("--step", type=_positive(float), default=5.0, metavar="MIN",
                   help="minutes between rows, 1/60 (one second) to 1440 (default 5)")
    p.add_argument("--out", metavar="FILE.csv",
                   help="write here instead of standard output (- is standard output)")
    p.add_argument("--placebo", nargs="?", const=True, default=False, metavar="INERT",
                   help="the scenario's matched placebo arm: the same visits, the model's inert "
                        "drug (or INERT, another inert drug of the model file)")
    model_options(p)
    p.set_defaults(func=cmd_simulate)

    def picture_options(p, default="light"):
        p.add_argument("--theme", choices=("light", "dark"), default=default)
        p.add_argument("--presenter", action="store_true",
                       help="1920x1080, large type for projection")

    p = sub.add_parser("graph", help="summarise the pathway graph or export it")
    p.add_argument("--out", metavar="FILE",
                   help="FILE.graphml, FILE.json (node-link), - (standard output, see --format), "
                        "or a figure: FILE.png, .svg, .pdf")
    p.add_argument("--format", choices=("graphml", "json"),
                   help="the export format for --out - (default json)")
    p.add_argument("--scenario", metavar="NAME", help="colour the figure by this scenario's activity")
    p.add_argument("--at", metavar="TIME",
                   help="the one moment to show, above 0 to 3650d, e.g. 1h or 3d (default 1h)")
    picture_options(p, default=None)
    model_options(p)
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("experiments", help="rerun the landmark experiments and say which the "
                                           "model reproduces")
    p.add_argument("--json", action="store_true", help="one JSON object per experiment")
    p.add_argument("--only", action="append", metavar="ID",
                   help="run only this experiment (repeatable, or several joined by commas)")
    model_options(p, params=False)
    p.set_defaults(func=cmd_experiments)

    p = sub.add_parser("population", help="virtual patients: response and remission rates")
    p.add_argument("--scenario", required=True, metavar="NAME")
    p.add_argument("--n", type=_positive(int, positive=False), default=1000, metavar="N",
                   help="people, 1 to 100000 (default 1000)")
    p.add_argument("--seed", type=_positive(int, positive=False), default=0, metavar="S",
                   help="random seed, 0 to 4294967295 (default 0)")
    p.add_argument("--at", default="24h,7d", metavar="TIMES",
                   help="when to read the primary outcome: up to 100 times above 0 to 3650d, "
                        "e.g. 24h,7d,6w (default 24h,7d)")
    p.add_argument("--placebo", nargs="?", const=True, default=False, metavar="INERT",
                   help="the scenario's matched placebo arm: the same visits, the model's inert "
                        "drug (or INERT, another inert drug of the model file)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--progress", action="store_true", help="always show the progress bar")
    p.add_argument("--quiet", action="store_true", help="never show the progress bar")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster: a scheduler "
                   "address (tcp://host:8786) or 'local'")
    model_options(p)
    p.set_defaults(func=cmd_population)

    p = sub.add_parser("validate", help="the published trials (calibration fit and validation, "
                                        "each number against its trial's 95%% interval) and the "
                                        "literature checks (calibration targets)")
    p.add_argument("--json", action="store_true", help="one JSON object per check")
    p.add_argument("--figure", metavar="FILE", help="the scorecard as a figure (.png, .svg, .pdf)")
    p.add_argument("--only", action="append", metavar="ID",
                   help="only this check, e.g. T7a (repeatable, or several joined by commas: T7a,T7b)")
    p.add_argument("--targets", metavar="FILE",
                   help="a targets file (default: targets/<model file name> beside the model)")
    p.add_argument("--out", metavar="FILE",
                   help="the published trials against the model as a figure (.png, .svg, .pdf)")
    p.add_argument("--trials-only", action="store_true",
                   help="only the published trials (calibration fit and validation)")
    p.add_argument("--checks-only", action="store_true",
                   help="only the literature checks (the calibration targets)")
    model_options(p, params=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("fit", help="estimate the parameters marked calibrated from the calibration "
                                   "trials and write them into the model file")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="fit only this calibrated parameter (repeatable, or joined by commas); the "
                        "others keep their values")
    p.add_argument("--n", type=_positive(int), default=120, metavar="N",
                   help="virtual patients per trial arm, 20 to 5000 (default 120)")
    p.add_argument("--starts", type=_positive(int), default=2, metavar="K",
                   help="deterministic starts: the file's values, then points spread over the bounds "
                        "(1 to 20, default 2)")
    p.add_argument("--max-steps", type=_positive(int), default=6, metavar="S",
                   help="optimiser steps per start, 1 to 200 (default 6)")
    p.add_argument("--workers", type=_positive(int), default=None, metavar="W",
                   help="processes that evaluate the Jacobian's columns at once, 1 to 8 (default: one per "
                        "core, at most 8); the result is the same for any number")
    p.add_argument("--dry-run", action="store_true", help="report the fit, write nothing")
    p.add_argument("--report", action="store_true",
                   help="then run every trial with the fitted values and print the headline")
    p.add_argument("--progress", action="store_true", help="print each evaluation's sum of squares")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--model", metavar="FILE",
                   help="the model file to fit and write (default: the built-in model file)")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("sensitivity", help="global sensitivity (Sobol or Morris) of an output "
                                           "to every parameter over its range")
    p.add_argument("--scenario", required=True, metavar="NAME")
    p.add_argument("--at", default="24h,7d", metavar="TIMES",
                   help="when to read the output, e.g. 3h,24h,7d (default 24h,7d)")
    p.add_argument("--output", metavar="NODE", help="the output (default: the primary outcome)")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    p.add_argument("--n", type=_positive(int), default=256, metavar="N",
                   help="base sample (Sobol: a power of two; default 256)")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--figure", metavar="FILE", help="a bar chart of the indices (.png, .svg, .pdf)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster: a scheduler "
                   "address (tcp://host:8786) or 'local'")
    p.add_argument("--quiet", action="store_true", help="never show the progress bar")
    model_options(p)
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("plot", help="time-course figure: relief, plasma and dissociation")
    p.add_argument("--scenario", required=True, metavar="NAME")
    p.add_argument("--compare", action="append", metavar="NAME", help="another scenario (repeatable)")
    p.add_argument("--days", type=_positive(float), metavar="D",
                   help="length, above 0 to 3650 (default 56)")
    p.add_argument("--no-placebo", action="store_true", help="leave out the placebo arm")
    p.add_argument("--band", action="store_true",
                   help="shade each arm's band: the lowest to the highest of the calibration ensemble's "
                        "parameter sets (models/ensembles/, written by pathway fit)")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.png, .svg or .pdf")
    picture_options(p)
    model_options(p)
    p.set_defaults(func=cmd_plot)

    for name, helptext in (("animate", "lecture animation in chapters: MP4 (chapter marks), "
                                       "GIF, or an HTML player a clicker drives"),
                           ("storyboard", "one PNG per chapter, with captions.txt"),
                           ("slides", "a slide deck (.pptx): one slide per chapter, citations "
                                      "in the notes")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--scenario", metavar="NAME",
                       help="e.g. ketamine-iv (default: the model's showcase pair)")
        p.add_argument("--compare", metavar="NAME", help="a second scenario, e.g. ssri")
        p.add_argument("--days", type=_positive(float), metavar="D",
                       help="length, above 0 to 3650 (default: the lecture's, else 56)")
        p.add_argument("--chapters", metavar="FILE",
                       help="a lecture file (default: lectures/<model name>.toml beside the model, "
                            "else chapters built from the mechanism)")
        p.add_argument("--frames", type=_positive(int, positive=False), metavar="N",
                       help="at most N moving frames (2 to 20000), for a quick preview")
        p.add_argument("--no-placebo", action="store_true", help="leave out the placebo arms")
        p.add_argument("--arms", action="store_true",
                       help="plot each arm beside its own matched placebo arm (default: the drug "
                            "effect, each arm minus its placebo arm)")
        p.add_argument("--effect", action="store_true",
                       help="the drug effect (the default; kept for older scripts)")
        p.add_argument("--quiet", action="store_true", help="no progress messages")
        if name == "animate":
            p.add_argument("--out", required=True, metavar="FILE", help="FILE.mp4, .gif or .html")
            p.add_argument("--fps", type=_positive(int, positive=False), default=30,
                           help="frames per second, 1 to 120 (default 30)")
            p.add_argument("--reveal", action="store_true",
                           help="draw the curves as the clock runs (predict, then watch)")
            p.add_argument("--progress", action="store_true", help="always show the progress bar")
            p.add_argument("--band", action="store_true",
                           help="shade each arm's band on the relief panel: the lowest to the highest of "
                                "the calibration ensemble's parameter sets (written by pathway fit)")
            p.set_defaults(func=cmd_animate)
        elif name == "storyboard":
            p.add_argument("--out", required=True, metavar="DIR", help="a folder for the PNGs")
            p.set_defaults(func=cmd_storyboard)
        else:
            p.add_argument("--out", required=True, metavar="FILE.pptx")
            p.set_defaults(func=cmd_slides)
        picture_options(p)
        model_options(p)

    p = sub.add_parser("lecture", help="copy the lecture file (and its model) into a folder of "
                                       "your own to edit")
    lsub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = lsub.add_parser("init", help="copy the model file and its lecture file into DIR")
    q.add_argument("dir", metavar="DIR", help="a folder (made if missing), e.g. my-lecture")
    q.add_argument("--force", action="store_true", help="replace copies already in DIR")
    q.add_argument("--model", metavar="FILE", help="a model file (default: the built-in model)")
    q.set_defaults(func=cmd_lecture_init)

    p = sub.add_parser("export", help="export the model: SBML (with a scenario's doses), "
                                      "GraphML, node-link JSON, or the trials and parameters as PEtab-style tables")
    p.add_argument("--format", required=True, choices=("sbml", "omex", "graphml", "json", "petab"))
    p.add_argument("--out", required=True, metavar="FILE",
                   help="FILE.xml or .sbml, FILE.omex, FILE.graphml, FILE.json, or - (standard "
                        "output; not for omex); for petab a folder (created if missing)")
    p.add_argument("--scenario", metavar="NAME",
                   help="sbml only: the doses to export as events (default: the model's first "
                        "showcase scenario)")
    p.add_argument("--days", type=_positive(float), metavar="D",
                   help="sbml only: how far ahead to write dosing events, above 0 to 3650 "
                        "(default: the scenario's length)")
    model_options(p)
    p.set_defaults(func=cmd_export)

    def site_file(p):
        p.add_argument("--site-file", metavar="FILE",
                       help="guided questions for the page (default: models/site/<model>.toml "
                            "beside the model file, if there is one)")

    p = sub.add_parser("site", help="write the explorer as a static web site (no server needed), with every "
                       "published trial's result beside the model's")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write, e.g. site/")
    p.add_argument("--scorecard", action="store_true",
                   help="also add the literature checks, the targets the model was tuned to (runs every check: "
                        "about a minute)")
    site_file(p)
    model_options(p, params=False)
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("serve", help="serve the explorer web site on this machine")
    p.add_argument("--port", type=int, default=8866, help="port (1-65535, default 8866)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--dir", metavar="DIR", help="a folder written by `pathway site` (default: "
                                                "write one for the model now)")
    site_file(p)
    model_options(p, params=False)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("warm-up", help="compile every solver kernel once, into the cache folder "
                                        "(for an image that every user starts from)")
    model_options(p, params=False)
    p.set_defaults(func=cmd_warm_up)

    p = sub.add_parser("explain", help="a node's equation in words and symbols")
    p.add_argument("node", help="a node id, e.g. glutamate")
    model_options(p)
    p.set_defaults(func=cmd_explain)
    return parser


def _interrupted(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was caused by, Ctrl+C. A KeyboardInterrupt raised while
    compiled code runs comes back wrapped in SystemError ("... returned a result with
    an exception set"); the interrupt is at the end of its chain of causes."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class _CtrlC:
    """Ctrl+C for the length of one command. SIGINT raises KeyboardInterrupt as usual
    and is remembered, so an interrupt that a library swallows (raised inside a
    callback, or caught by a bare ``except:``) still ends the run as interrupted;
    such a swallowed interrupt prints nothing ("Exception ignored ...")."""

    def __init__(self):
        self._pressed = False
        self._handler = self._hook = None

    @property
    def pressed(self) -> bool:
        """Ctrl+C, or a SIGTERM that stopped a write (:mod:`pathway.atomicio`), during this command."""
        from .atomicio import sigterm_seen
        return self._pressed or sigterm_seen()

    def __enter__(self):
        import signal
        import threading

        from .atomicio import forget_sigterm
        forget_sigterm()
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._handler = signal.signal(signal.SIGINT, self._on_sigint)
        self._hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def _on_sigint(self, signum, frame):
        self._pressed = True
        raise KeyboardInterrupt

    def _unraisable(self, info):
        if _interrupted(info.exc_value):
            self._pressed = True
            return
        self._hook(info)

    def __exit__(self, *exc):
        import signal
        if self._handler is not None:
            signal.signal(signal.SIGINT, self._handler)
        sys.unraisablehook = self._hook
        return False


def _stdout_closed() -> int:
    """Standard output went away (``pathway list --json | head -c 1``): stop quietly,
    with the code a shell gives a command that SIGPIPE ended."""
    try:                        # nothing more can reach the reader; do not try at exit either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 user error, 130 Ctrl+C)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from . import _firstrun
    _firstrun.ENABLED = True           # say so on standard error before a first compile
    with _CtrlC() as ctrl_c:
        try:
            _check_settings(args)
            _check_output(args)
            code = args.func(args)
            sys.stdout.flush()
        except PathwayError as exc:
            message = str(exc)
            if "hint:" not in message:        # a safety net: every message should carry its own
                message += (f"\n  hint: `pathway {args.command} --help` lists its options; the "
                            "README's command-line section gives their ranges")
            print(f"error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return _say_interrupted()
        except BrokenPipeError:
            return _stdout_closed()
        except SystemError as exc:
            if _interrupted(exc):
                return _say_interrupted()
            raise
        except Exception:
            # compiled code that swallows the KeyboardInterrupt raised inside it and
            # raises its own error instead (matplotlib's Agg renderer: "Invalid affine
            # transformation matrix" when Ctrl+C lands while it reads a transform)
            if ctrl_c.pressed:
                return _say_interrupted()
            raise
        if ctrl_c.pressed and args.command not in _STOPPED_BY_CTRL_C:
            return _say_interrupted()         # swallowed on the way, but asked for
        return code


#: Commands that run until Ctrl+C: for them it is the way to finish, not an interruption.
_STOPPED_BY_CTRL_C = ("serve",)


def _say_interrupted() -> int:
    print("interrupted", file=sys.stderr)
    return 130


if __name__ == "__main__":
    sys.exit(main())
