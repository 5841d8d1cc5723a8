"""One way to read every TOML file the project reads.

The model file, lecture files, site files, targets files and trial files all go
through :func:`read_toml` (or :func:`parse_toml` for text in hand), which applies
the same limits to each:

* a regular file only (a folder, a FIFO or a device such as ``/dev/zero`` is
  refused before a byte is read, so nothing blocks and nothing reads forever);
* at most :data:`MAX_FILE_BYTES` bytes, read with a cap;
* UTF-8 text;
* valid TOML, nested at most :data:`MAX_DEPTH` levels deep (a thousand brackets
  give one clear error, never a RecursionError).

The checkers of each file derive from :class:`FileChecker`, which collects every
problem as ``file: place: what`` plus a hint line, so that one error lists them
all. :func:`run_checks` turns a value no check foresaw into one more problem
(:data:`CHECKER_STOPPED`) instead of a traceback. Each kind of file raises its
own error type: :class:`~pathway.errors.ModelFileError` for a model file,
:class:`~pathway.errors.DataFileError` (a :class:`~pathway.errors.UsageError`)
for the others.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataFileError, PathwayError, suggest
from .units import _example, _short, parse_quantity

#: The largest file read, in bytes; nesting deeper than this is refused.
MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 12

#: The message when a checker meets a value that no check foresaw (a bug the fuzzers hunt).
CHECKER_STOPPED = "the checker stopped at a value it did not expect"

#: What a checker may meet in a value of a shape no check expected.
UNFORESEEN = (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError)


@dataclass(frozen=True)
class FileKind:
    """How to speak of one kind of TOML file in its errors."""

    name: str                    # "model file", "lecture file", ...
    noun: str                    # what the size hint compares with: "any model needs"
    size_hint: str               # the hint when a file is too large
    missing_hint: str            # the hint when the file does not exist
    #: the error raised, called with (path, problems); None: a DataFileError
    error: Callable[[str, list[str]], PathwayError] | None = None
    loader: str = ""             # the function that reads a path, for a hint
    missing_what: str = "file not found"     # what a missing file is called

    def fail(self, shown: str, problems: list[str]) -> PathwayError:
        if self.error is not None:
            return self.error(shown, problems)
        return DataFileError(shown, problems, self.name)


def _depth(value: Any, limit: int = MAX_DEPTH + 1) -> int:
    """Nesting depth of parsed TOML, counted up to ``limit`` (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d >= limit:
            return d
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def read_text(path: str | Path, kind: FileKind) -> str:
    """The text of the file at ``path``, within the limits; else ``kind``'s error."""
    path = Path(path)
    shown = str(path)
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise kind.fail(shown, [f"{shown}: not a regular file\n  hint: give the path "
                                        f"of a .toml {kind.name}"])
            with os.fdopen(fd, "rb") as fh:
                fd = -1
                raw = fh.read(MAX_FILE_BYTES + 1)
        finally:
            if fd >= 0:
                os.close(fd)
        if len(raw) > MAX_FILE_BYTES:
            raise kind.fail(shown, [f"{shown}: larger than {MAX_FILE_BYTES // 1_000_000} MB, "
                                    f"far more than {kind.noun}\n  hint: {kind.size_hint}"])
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise kind.fail(shown, [f"{shown}: {kind.missing_what}\n  hint: {kind.missing_hint}"]) from None
    except IsADirectoryError:
        raise kind.fail(shown, [f"{shown}: not a regular file\n  hint: give the path "
                                f"of a .toml {kind.name}"]) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:     # ValueError: a NUL in the path
        raise kind.fail(shown, [f"{shown}: cannot read the file ({exc})\n"
                                f"  hint: a {kind.name} is UTF-8 text in TOML format"]) from None


def parse_toml(text: Any, source: str, kind: FileKind) -> dict:
    """Parse the text of a ``kind`` file, within the limits; else ``kind``'s error."""
    if not isinstance(text, str):
        raise kind.fail(source, [f"{source}: expected the text of a {kind.name}, got "
                                 f"{type(text).__name__}\n  hint: pass a str (decode bytes "
                                 f"as UTF-8), or a path to {kind.loader or 'its loader'}"])
    if len(text) > MAX_FILE_BYTES:
        raise kind.fail(source, [f"{source}: larger than {MAX_FILE_BYTES // 1_000_000} MB\n"
                                 f"  hint: check that this is a {kind.name}"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise kind.fail(source, [f"{source}: not valid TOML: {exc}\n"
                                 "  hint: check quotes, brackets and '=' on that line"]) from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        raise kind.fail(source, [f"{source}: values nested more than {MAX_DEPTH} levels deep\n"
                                 f"  hint: a {kind.name} needs only tables of tables and short "
                                 "lists; look for runaway brackets"])
    return data


def read_toml(path: str | Path, kind: FileKind) -> dict:
    """:func:`read_text` then :func:`parse_toml`."""
    return parse_toml(read_text(path, kind), str(path), kind)


def run_checks(checker: "FileChecker", build: Callable[[dict], Any], data: dict,
               kind: FileKind) -> Any:
    """``build(data)``, then ``kind``'s error listing every problem the checker found;
    a value of a shape no check foresaw is one more problem, never a traceback."""
    try:
        result = build(data)
    except PathwayError:
        raise                   # the project's own error (a UsageError is a ValueError too)
    except UNFORESEEN as exc:
        raise kind.fail(checker.source, checker.problems + [
            f"{checker.source}: {CHECKER_STOPPED} ({type(exc).__name__}: {exc})\n  hint: fix the "
            "problems above first; if none are listed, please report this file"]) from exc
    if checker.problems:
        raise kind.fail(checker.source, checker.problems)
    return result


class FileChecker:
    """Collects problems instead of stopping at the first; small readers that record a
    problem and return a fallback, so that checking goes on."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def problem(self, place: str, what: str, hint: str | None = None) -> None:
        line = f"{self.source}: {place}: {what}"
        if hint:
            line += f"\n  hint: {hint}"
        self.problems.append(line)

    # -- small readers that record a problem and return a fallback

    def table(self, data: Any, place: str) -> dict:
        if isinstance(data, dict):
            return data
        self.problem(place, f"expected a table, got {type(data).__name__}",
                     "write it as a [table] or an inline { key = value } table")
        return {}

    def unknown_keys(self, data: dict, allowed: set[str], place: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(place, f"unknown field '{key}'", suggest(key, allowed))

    def text(self, data: dict, key: str, place: str, required: bool = True, default: str = "") -> str:
        if key not in data:
            if required:
                self.problem(place, f"missing field '{key}'", f"add {key} = \"...\"")
            return default
        if not isinstance(data[key], str):
            self.problem(place, f"'{key}' must be a string, got {data[key]!r}",
                         f"write {key} = \"...\" in double quotes")
            return default
        return data[key]

    def choice(self, data: dict, key: str, options: tuple[str, ...], place: str,
               default: str | None = None, fallback: str | None = None) -> str:
        """Read one of ``options``; after a problem return ``fallback`` (chosen so
        that it causes no follow-on problems) or the first option."""
        if key not in data and default is not None:
            return default
        value = self.text(data, key, place)
        if value and value not in options:
            self.problem(place, f"{key} '{value}' is not one of {', '.join(options)}",
                         suggest(value, options))
            value = ""
        return value or fallback or options[0]

    # -- readers the side files share (the model file has its own, richer ones)

    def list_of_tables(self, data: Any, place: str, example: str) -> list[tuple[int, dict]]:
        """``(index, table)`` for each table of an array of tables; a problem for the rest."""
        if not isinstance(data, list):
            self.problem(place, f"expected an array of tables, got {type(data).__name__}",
                         f"write each entry as {example}")
            return []
        out = []
        for i, item in enumerate(data):
            if isinstance(item, dict):
                out.append((i, item))
            else:
                self.problem(f"{place}[{i}]", f"expected a table, got {type(item).__name__}",
                             f"write each entry as {example}")
        return out

    def nonempty_text(self, data: dict, key: str, place: str, required: bool = True,
                      default: str = "") -> str:
        value = self.text(data, key, place, required=required, default=default)
        if key in data and isinstance(data[key], str) and not value.strip():
            self.problem(place, f"'{key}' is empty", f"write some text: {key} = \"...\"")
            return default
        return value

    def number(self, data: dict, key: str, place: str, *, low: float = -math.inf,
               high: float = math.inf, required: bool = True, default: float | None = None,
               integer: bool = False, hint: str = "") -> float | None:
        """A finite number from ``low`` to ``high`` (a whole number if ``integer``)."""
        if key not in data:
            if required:
                self.problem(place, f"missing field '{key}'", hint or f"add {key} = a number")
            return default
        value = data[key]
        what = "a whole number" if integer else "a number"
        span = "" if (low, high) == (-math.inf, math.inf) else \
            f" from {low:g} to {high:g}" if math.isfinite(high) else f" of at least {low:g}"
        ok = not isinstance(value, bool) and (isinstance(value, int) if integer
                                               else isinstance(value, (int, float)))
        if ok:
            try:
                ok = math.isfinite(float(value)) and low <= value <= high
            except OverflowError:
                ok = False
        if not ok:
            self.problem(place, f"'{key}' = {_short(value)} must be {what}{span}",
                         hint or f"write {key} = {'10' if integer else '1.5'} (no quotes)")
            return default
        return value if integer else float(value)

    def flag(self, data: dict, key: str, place: str, default: bool = False) -> bool:
        if key not in data:
            return default
        if not isinstance(data[key], bool):
            self.problem(place, f"'{key}' must be true or false, got {_short(data[key])}",
                         f"write {key} = true or {key} = false")
            return default
        return data[key]

    def quantity_of(self, value: Any, dims: str | tuple[str, ...], place: str, *,
                    positive: bool = False, nonnegative: bool = False) -> float | None:
        """A value such as ``"5 min"`` in the base unit of its dimension; None after a problem."""
        dim = dims if isinstance(dims, str) else dims[0]
        try:
            number, _ = parse_quantity(value, dims)
        except ValueError as exc:
            self.problem(place, str(exc), f"write it like {_example(dim)}")
            return None
        if abs(number) > 1e9 or (positive and number <= 0) or (nonnegative and number < 0):
            need = "above 0" if positive else "0 or more" if nonnegative else "at most 1e9"
            self.problem(place, f"{_short(value)} is out of range", f"give a value {need}, "
                         f"like {_example(dim)}")
            return None
        return number

    def names(self, value: Any, choices: Iterable[str], place: str, what: str, *,
              single: bool = False) -> tuple[str, ...]:
        """Names that must each be one of ``choices``; a single string counts as a list
        of one (unless ``single``: then only a string is read)."""
        choices = list(choices)
        if isinstance(value, str):
            value = [value]
        elif single:
            self.problem(place, f"expected the name of a {what}, got {_short(value)}",
                         f"write it in double quotes: {suggest('', choices)}")
            return ()
        if not isinstance(value, list):
            self.problem(place, f"expected a list of {what}s, got {_short(value)}",
                         f"write [\"a\", \"b\"] with names of {what}s")
            return ()
        out = []
        for v in value:
            if not isinstance(v, str):
                self.problem(place, f"{_short(v)} is not the name of a {what}",
                             f"write names in double quotes: {suggest('', choices)}")
            elif v not in choices:
                self.problem(place, f"unknown {what} '{v}'", suggest(v, choices))
            else:
                out.append(v)
        return tuple(out)

