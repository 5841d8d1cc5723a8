"""The project's exceptions.

Every message names where the problem is, what is wrong, and a hint for the fix,
so that a student sees one readable paragraph instead of a traceback.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable


class PathwayError(Exception):
    """Base class of every error this package raises on purpose."""


class ModelFileError(PathwayError):
    """A model file could not be read, or it describes an impossible model.

    ``problems`` holds one line per problem, each already formatted as
    ``file: place: what`` with an optional indented hint line.
    """

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{path}: {count} problem{'s' if count != 1 else ''} in the model file"
        super().__init__(head + "\n" + "\n".join(self.problems))


class SimulationError(PathwayError):
    """A simulation was asked for something impossible, or the solver failed."""


class UsageError(PathwayError, ValueError):
    """A caller named something that does not exist or gave an absurd value.

    A :class:`ValueError`, so ``except ValueError`` catches a bad value given to any
    function of the package. ``message`` says what is wrong and ``hint`` how to fix it
    (None when there is none); ``str()`` is the two together, as the command line prints
    them. The hint is given as ``hint=`` or, in the older style, as a last line
    ``"\n  hint: ..."`` of the message.

    >>> err = UsageError("unknown scenario 'fast-dos'", hint="did you mean 'fast-dose'?")
    >>> isinstance(err, ValueError), err.hint
    (True, "did you mean 'fast-dose'?")
    >>> print(err)
    unknown scenario 'fast-dos'
      hint: did you mean 'fast-dose'?
    """

    def __init__(self, message: str, hint: str | None = None):
        message = str(message)
        if hint is None:
            head, sep, tail = message.rpartition("\n  hint: ")
            if sep:
                message, hint = head, tail
        self.message, self.hint = message, hint
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))

    def __str__(self) -> str:
        return self.args[0] if self.args else ""

    def __reduce__(self):                       # pickles (for Dask workers) keep the hint
        return (type(self), (self.message, self.hint))


class UnknownNameError(UsageError, KeyError):
    """A name looked up in a table (a scenario, a column, an experiment, a target, an
    intervention) that is not there: a :class:`UsageError`, and a :class:`KeyError`
    too, so code that looks names up can catch it the usual way.

    >>> err = UnknownNameError("unknown column 'calmnes'", hint="did you mean 'calmness'?")
    >>> isinstance(err, KeyError), str(err).splitlines()[0]
    (True, "unknown column 'calmnes'")
    """


class DataFileError(UsageError):
    """A lecture, site, targets or trial file could not be read, or does not fit the model.

    Like :class:`ModelFileError`, ``problems`` holds one line per problem, each
    ``file: place: what`` with an indented hint line. A :class:`UsageError`, so
    that code which catches those catches these too.
    """

    def __init__(self, path: str, problems: list[str], kind: str = "file"):
        self.path = path
        self.kind = kind
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{path}: {count} problem{'s' if count != 1 else ''} in the {kind}"
        super().__init__(head + "\n" + "\n".join(self.problems))


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return a ``did you mean ...?`` hint, or a list of valid choices."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"choose one of: {shown}"


#: The most memory one run may ask for. A run that would need more is refused
#: before anything is allocated, with the amount it would need.
MEMORY_BUDGET_BYTES = 2_000_000_000

#: What the process holds before a run adds anything: Python, numpy, numba's compiled
#: kernels and matplotlib (measured by benchmarks/bench_memory.py: 180-280 MB at the
#: smallest sizes, the most for an animation). Every estimate is added to it.
PROCESS_BYTES = 300_000_000


def format_number(value) -> str:
    """A number as a person writes it: ``42``, ``3651.1``, ``1e+300`` (never
    ``np.float64(...)``); anything that is not a number comes back as ``repr``."""
    if isinstance(value, bool):
        return repr(value)
    try:
        v = float(value)
    except OverflowError:           # a whole number too large for a float
        digits = len(str(abs(int(value))))
        return f"{'-' if value < 0 else ''}{str(abs(int(value)))[:6]}... ({digits} digits)"
    except (TypeError, ValueError):
        return repr(value)
    if not math.isfinite(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def format_bytes(n: float) -> str:
    """``10.7 GB``, ``350 MB``: decimal units, as disks and budgets are quoted."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def check_memory(needed: float, what: str, hint: str) -> None:
    """Refuse ``what`` up front if it would need more than :data:`MEMORY_BUDGET_BYTES`:
    ``needed`` bytes for the run itself, on top of :data:`PROCESS_BYTES`."""
    needed = needed + PROCESS_BYTES
    if needed > MEMORY_BUDGET_BYTES:
        raise UsageError(f"{what} would need about {format_bytes(needed)} of memory, more than "
                         f"the {format_bytes(MEMORY_BUDGET_BYTES)} a run may use\n  hint: {hint}")
