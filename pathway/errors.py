"""The project's exceptions.

Every message names where the problem is, what is wrong, and a hint for the fix,
so that a student sees one readable paragraph instead of a traceback.
"""

from __future__ import annotations

import difflib
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


class UsageError(PathwayError):
    """A caller named something that does not exist or gave an absurd value."""


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return a ``did you mean ...?`` hint, or a list of valid choices."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"choose one of: {shown}"
