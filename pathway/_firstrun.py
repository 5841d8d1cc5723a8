"""Saying so when the solver is compiled: the first run on a machine (or after an
upgrade) compiles the numba kernels, which takes seconds to a minute; later runs load
them from the cache folder (see :mod:`pathway._cache`). The command line switches this
on; the library stays quiet.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Set by the command line: print a line on standard error before a first compile.
ENABLED = False
_said = False


def _compiled(dispatcher) -> bool:
    """True when ``dispatcher`` has code in this process or an index in numba's cache."""
    if getattr(dispatcher, "signatures", None):
        return True
    try:
        return Path(dispatcher._cache._cache_file._index_path).exists()
    except AttributeError:              # not a cached numba function, or numba changed: say nothing
        return True


def announce(*dispatchers, what: str = "the solver") -> None:
    """Print once per process, before the first compile of any of ``dispatchers``."""
    global _said
    if not ENABLED or _said or all(_compiled(d) for d in dispatchers):
        return
    _said = True
    where = os.environ.get("NUMBA_CACHE_DIR", "numba's cache")
    print(f"compiling {what} for this machine (first run only: seconds to a minute; "
          f"later runs load it from {where})", file=sys.stderr, flush=True)


# ------------------------------------------------------------ warm-up

#: Small real runs that together compile every kernel the commands and the course call
#: (a kernel is compiled per type signature, so each is called as its commands call it):
#: one simulation, a batch of people large enough to share the drug's course between them
#: (population, validate, the course), and a Morris and a Sobol design (sensitivity).
WARM_UP_PEOPLE = 64
WARM_UP_DESIGN = 2


def _warm_up_steps(model):
    """(name, run) pairs, cheapest first."""
    from .population import simulate_population
    from .scenarios import showcase_pair
    from .sensitivity import sensitivity
    from .simulate import simulate

    scenario, _ = showcase_pair(model)
    return [
        ("simulate", lambda: simulate(model, scenario, days=1)),
        ("population", lambda: simulate_population(model, scenario, n=WARM_UP_PEOPLE, at="24h")),
        ("sensitivity (Morris)", lambda: sensitivity(model, scenario, at="24h", method="morris",
                                                     n=WARM_UP_DESIGN)),
        ("sensitivity (Sobol)", lambda: sensitivity(model, scenario, at="24h", method="sobol",
                                                    n=WARM_UP_DESIGN)),
    ]


def compiled_signatures() -> int:
    """How many compiled versions the solver's kernels hold in this process."""
    from . import _kernel
    return sum(len(getattr(v, "signatures", ())) for v in vars(_kernel).values()
               if hasattr(v, "_cache"))


def warm_up(model=None, report=None) -> float:
    """Compile (or load from the cache) every kernel once; return the seconds it took.
    ``report(name, seconds)`` is called after each step."""
    import time

    from .modelfile import load_model

    model = model or load_model()
    start = time.perf_counter()
    for name, run in _warm_up_steps(model):
        began = time.perf_counter()
        run()
        if report is not None:
            report(name, time.perf_counter() - began)
    return time.perf_counter() - start
