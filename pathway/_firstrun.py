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
