"""Writing files so that a good file is never lost.

Every output goes first to a temporary file in the same folder (a hidden name
ending in the real suffix, so writers that choose the format by suffix still
do); only a finished write is renamed over the target, in one step. If the
writer fails, or the run is stopped with Ctrl+C (SIGINT) or SIGTERM, the
temporary file is removed and whatever was there before is left as it was. A
run killed outright (SIGKILL, a power cut) cannot clean up: its temporary file
is removed by the next write of the same name (the name carries the writer's
process, so a write still in progress is left alone).

>>> with atomic_path("results.csv") as tmp:          # doctest: +SKIP
...     tmp.write_text(text)
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError

#: The longest temporary name: the real name is shortened to fit, and a name that is
#: too long for the file system is refused by name, not by a traceback.
_STEM_CHARS = 40


#: A temporary file whose writer cannot be asked (another machine's, or one named before
#: names carried the writer's process) is taken as abandoned after this many seconds.
STALE_AFTER_S = 24 * 3600


def _host_tag() -> str:
    """Four hex digits naming this machine, so a process number is read only where it means something."""
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:4]


def _parts(path: Path) -> tuple[str, str]:
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return stem[:_STEM_CHARS], suffix


def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path`` with the same suffix and the writer's process and
    machine, e.g. ``.out.4242-9f3c-1a2b3c4d.part.png``."""
    stem, suffix = _parts(path)
    return path.with_name(f".{stem}.{os.getpid()}-{_host_tag()}-{uuid.uuid4().hex[:8]}.part{suffix}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True                     # someone else's process, or cannot tell: leave it
    return True


def stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Temporary files of ``path`` that a killed writer left (``kill -9``, a power cut):
    those whose process on this machine has ended, and those of unknown writers older than
    :data:`STALE_AFTER_S`. A write in progress, here or elsewhere, is never among them."""
    path = Path(path)
    stem, suffix = _parts(path)
    pattern = re.compile(rf"\.{re.escape(stem)}\.(?:(\d+)-([0-9a-f]{{4}})-)?[0-9a-f]{{8}}\.part"
                         rf"{re.escape(suffix)}")
    try:
        entries = list(os.scandir(path.parent if str(path.parent) else "."))
    except OSError:
        return []
    here, now, found = _host_tag(), time.time(), []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        pid, host = match.groups()
        if pid is not None and host == here:
            if int(pid) != os.getpid() and not _alive(int(pid)):
                found.append(path.with_name(entry.name))
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S:
                found.append(path.with_name(entry.name))
        except OSError:
            pass
    return found


def remove_stale_temporaries(path: str | os.PathLike) -> int:
    """Remove :func:`stale_temporaries` of ``path``; return how many went."""
    gone = 0
    for stale in stale_temporaries(path):
        with contextlib.suppress(OSError):
            stale.unlink()
            gone += 1
    return gone


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


def check_folder(out: str | os.PathLike, what: str, example: str) -> Path:
    """``out`` as a folder that can be written into (it may not exist yet; its parent must): a clear error
    naming ``what`` (e.g. "the site") otherwise, with ``example`` as the hint's folder name."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot write {what} to '{out}': it is a file\n"
                         f"  hint: give a folder, e.g. --out {example}")
    if not out.parent.is_dir():
        raise UsageError(f"cannot write {what} to '{out}': the folder {out.parent} does not exist\n"
                         f"  hint: create it first (mkdir -p {out.parent})")
    return out


def check_suffix(path: str | os.PathLike, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse to write ``what`` under a name whose suffix says it is something else."""
    suffix = Path(path).suffix.lower()
    if suffix not in suffixes:
        raise UsageError(f"{path}: {what} cannot be written as "
                         f"'{suffix or 'a name with no suffix'}'\n"
                         f"  hint: use {', '.join(suffixes)}")


#: Set when SIGTERM stopped a write (:func:`_sigterm_raises`); the command line reads it, as it reads a
#: Ctrl+C, to end as interrupted when a library turned the KeyboardInterrupt into an error of its own.
_sigterm_seen = threading.Event()


def sigterm_seen() -> bool:
    """Whether SIGTERM stopped a write since :func:`forget_sigterm`."""
    return _sigterm_seen.is_set()


def forget_sigterm() -> None:
    _sigterm_seen.clear()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While writing, SIGTERM stops the run like Ctrl+C (so cleanup runs), if this is
    the main thread and nobody else handles SIGTERM."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def stop(signum, frame):
        _sigterm_seen.set()
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
    remove_stale_temporaries(path)
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
