"""Time a full `pathway fit` (every parameter marked calibrated, the default people, starts and steps) on a
copy of the model file, so the checkout's file is not touched: `python benchmarks/bench_fit.py [--n N]
[--starts K] [--max-steps S]`. The goal is under 10 minutes on a 2-core machine. Prints the wall time, the
number of model evaluations and the time per evaluation, then the fit's own report."""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from pathway import load_model
from pathway.fit import FIT_PEOPLE, fit, format_fit, write_fitted
from pathway.modelfile import default_model_path
from pathway.trialsim import default_trialmap_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=FIT_PEOPLE)
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=6)
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for the Jacobian's columns (default: one per core, as `pathway fit`)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.toml"
        shutil.copy(default_model_path(), path)
        (Path(tmp) / "trialmap").mkdir()           # the trial map goes beside the copy, as beside the model
        shutil.copy(default_trialmap_path(load_model()), Path(tmp) / "trialmap" / "model.toml")
        model = load_model(path)
        start = time.perf_counter()
        result = fit(model, n=args.n, starts=args.starts, max_nfev=args.max_steps, workers=args.workers)
        write_fitted(path, model, result)
        seconds = time.perf_counter() - start
    print(f"full fit: {seconds:.0f} s ({seconds / 60:.1f} min) for {len(result.names)} parameters, "
          f"{result.evaluations} evaluations, {seconds / result.evaluations:.1f} s each; goal: under 10 min")
    print(format_fit(result))


if __name__ == "__main__":
    main()
