"""Writing files so that a good file is never lost.

Every output goes first to a temporary file in the same folder (a hidden name
ending in the real suffix, so writers that choose the format by suffix still
do); only a finished write is renamed over the target, in one step. If the
writer fails, or the run is stopped with Ctrl+C (SIGINT) or SIGTERM, the
temporary file is removed and whatever was there before is left as it was.

>>> with atomic_path("results.csv") as tmp:          # doctest: +SKIP
...     tmp.write_text(text)
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError

#: The longest temporary name: the real name is shortened to fit, and a name that is
#: too long for the file system is refused by name, not by a traceback.
_STEM_CHARS = 40


def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path`` with the same suffix, e.g. ``.out.1a2b3c.part.png``."""
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return path.with_name(f".{stem[:_STEM_CHARS]}.{uuid.uuid4().hex[:8]}.part{suffix}")


def disk_full(path) -> UsageError:
    """The error for a full disk (or a full quota), naming the file."""
    return UsageError(f"cannot write '{path}': the disk is full (no space left on the device)\n"
                      "  hint: free some space, or write to another disk; the previous file, "
                      "if there was one, is unchanged")


def os_error(path, exc: OSError) -> UsageError:
    """An :class:`OSError` while writing ``path`` as a readable error with a hint."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full(path)
    if exc.errno == errno.ENAMETOOLONG:
        return UsageError(f"cannot write '{path}': the file name is too long for the file "
                          "system\n  hint: use a shorter name (at most 255 bytes)")
    if exc.errno == errno.EISDIR:
        return UsageError(f"cannot write '{path}': it is a folder\n  hint: give a file name")
    return UsageError(f"cannot write '{path}': {exc.strerror or exc}\n"
                      "  hint: check that the folder exists and is writable")


def check_suffix(path: str | os.PathLike, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse to write ``what`` under a name whose suffix says it is something else."""
    suffix = Path(path).suffix.lower()
    if suffix not in suffixes:
        raise UsageError(f"{path}: {what} cannot be written as "
                         f"'{suffix or 'a name with no suffix'}'\n"
                         f"  hint: use {', '.join(suffixes)}")


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While writing, SIGTERM stops the run like Ctrl+C (so cleanup runs), if this is
    the main thread and nobody else handles SIGTERM."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _mode_for(path: Path) -> int:
    """The mode the finished file gets: the old file's, else what the umask allows."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an
    exception, move it onto ``path`` in one step. Any exception, Ctrl+C or SIGTERM
    removes the temporary file and leaves ``path`` untouched. An :class:`OSError`
    becomes a :class:`UsageError` naming the file (a full disk says so)."""
    named = Path(path)
    # a link is written through: the file it points to is replaced, the link stays
    path = Path(os.path.realpath(named)) if named.is_symlink() else named
    tmp = temporary_name(path)
    done = False
    with _sigterm_raises():
        try:
            yield tmp
            if not tmp.exists():
                raise UsageError(f"cannot write '{named}': the writer produced no file\n"
                                 "  hint: this is a bug; please report it")
            _sync(tmp)
            os.chmod(tmp, _mode_for(path))
            os.replace(tmp, path)
            done = True
        except OSError as exc:
            raise os_error(named, exc) from None
        finally:
            if not done:
                with contextlib.suppress(OSError):
                    tmp.unlink()


def _sync(path: Path) -> None:
    """Flush the finished temporary file to the disk before it replaces the old one."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            raise
    finally:
        os.close(fd)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as f:
            f.write(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
