"""Where numba keeps its compiled kernels, and how a damaged cache repairs itself.

numba's ``cache=True`` writes its files beside the source by default, that is into
``site-packages/pathway/__pycache__`` or into a checkout. Files left there by one install
survive ``pip uninstall`` and turn the folder into a namespace package that hides a later
editable install. So, before numba is imported, :func:`configure` points ``NUMBA_CACHE_DIR``
at ``~/.cache/ketamine-pathway/numba`` (the platform's cache folder), unless the user has
set a folder that can be written; where none can be written (a read-only install with a
read-only home), a private folder in the temporary directory is used instead. A folder set
by the user that cannot be written (a cache baked into a shared image, say) still lends
its files: they are copied into the folder in use, so they need not be compiled again.
numba files each cache under the full path of its source, so an install and a checkout
never share (or shadow) each other's compiled code.

numba trusts its cache files: a truncated or garbled one makes every later call fail
(``EOFError``, ``UnpicklingError``) until it is deleted by hand. :func:`guard` gives the
kernels' caches a checksum: each file written carries the SHA-256 of its contents, a file
that does not match is removed with one line on standard error, and the function is
compiled again (and saved again) as on a first run. A cache that cannot be saved costs
time, not the run.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import shutil
import stat
import sys
import tempfile
from pathlib import Path

APP = "ketamine-pathway"

#: Put before every cache file's contents, then the SHA-256 of the contents.
MAGIC = b"ketamine-pathway sha256\n"
_DIGEST_BYTES = 32


def user_cache_root() -> Path:
    """The platform's per-user cache folder (as platformdirs would choose it)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        return Path(base) / APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / APP


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _private(folder: Path) -> bool:
    """True when ``folder`` is a real folder of this user's that nobody else may write:
    compiled code is loaded from it, so a shared temporary directory must not let
    another user plant a file there."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted(folder: Path) -> bool:
    """True for a folder that belongs to this user or to root and no other user may write."""
    try:
        info = os.stat(folder)
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or info.st_uid in (0, os.getuid())
    return owner_ok and not info.st_mode & stat.S_IWOTH


def _temporary_folder() -> Path | None:
    """This user's folder for compiled code in the temporary directory, or a fresh one
    when that name is taken by someone else (or cannot be made)."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(getattr(os, "getuid", lambda: "")())
    folder = Path(tempfile.gettempdir()) / f"{APP}-numba-{user}"
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, exist_ok=True)
    if _private(folder) and _writable(folder):
        return folder
    try:
        return Path(tempfile.mkdtemp(prefix=f"{APP}-numba-"))
    except OSError:
        return None


def numba_cache_dir() -> Path | None:
    """The folder for numba's cache files: the user's cache folder, else a temporary one
    (None when not even the temporary directory can be written)."""
    try:
        preferred = user_cache_root() / "numba"
    except (RuntimeError, KeyError):        # no home directory to be found
        preferred = None
    if preferred is not None and _writable(preferred):
        return preferred
    return _temporary_folder()


def package_subfolder() -> str:
    """The name numba gives this package's folder inside ``NUMBA_CACHE_DIR``: the folder's
    name and the SHA-1 of its full path (numba's ``get_suitable_cache_subpath``)."""
    source = os.path.dirname(os.path.abspath(__file__))
    return f"{os.path.basename(source)}_{hashlib.sha1(source.encode()).hexdigest()}"


def seed(source: Path, target: Path) -> int:
    """Copy this package's cache files that ``target`` lacks from ``source`` (a folder
    that cannot be written, such as a cache baked into an image); return how many."""
    origin, into = source / package_subfolder(), target / package_subfolder()
    if not _trusted(origin):
        return 0
    try:
        names = [p.name for p in origin.iterdir() if p.suffix in (".nbi", ".nbc")]
    except OSError:
        return 0
    copied = 0
    for name in names:
        if (into / name).exists():
            continue
        try:
            into.mkdir(parents=True, exist_ok=True)
            part = into / f".{name}.{os.getpid()}.part"
            shutil.copyfile(origin / name, part)
            os.replace(part, into / name)
            copied += 1
        except OSError:
            with contextlib.suppress(OSError):
                part.unlink()
    return copied


def configure() -> str | None:
    """Set ``NUMBA_CACHE_DIR`` to a folder that can be written and return it: the one the
    user set if it can be written, else the user's cache folder or a temporary one."""
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen and _writable(Path(chosen)):
        return chosen
    folder = numba_cache_dir()
    if folder is None:
        return chosen
    if chosen:                              # set but read-only: borrow what it holds
        seed(Path(chosen), folder)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    config = sys.modules.get("numba.core.config")
    if config is not None:                  # numba was imported first: it read the variable already
        config.CACHE_DIR = str(folder)
    return str(folder)


# ------------------------------------------------------------ damaged files

class Damaged(Exception):
    """A cache file whose contents are not what was written."""


def _report(path, reason: str) -> None:
    print(f"pathway: the compiled-code cache file {Path(path).name} is damaged ({reason}); "
          "removed it and compiling again (this run takes longer)", file=sys.stderr, flush=True)
    with contextlib.suppress(OSError):
        os.unlink(path)


def sealed(payload: bytes) -> bytes:
    """``payload`` with the header that :func:`unsealed` checks."""
    return MAGIC + hashlib.sha256(payload).digest() + payload


def unsealed(data: bytes) -> bytes:
    """The payload of a sealed file; :class:`Damaged` if it is cut short or changed."""
    if not data.startswith(MAGIC):
        raise Damaged("no checksum header")
    digest, payload = data[len(MAGIC):len(MAGIC) + _DIGEST_BYTES], data[len(MAGIC) + _DIGEST_BYTES:]
    if len(digest) < _DIGEST_BYTES or hashlib.sha256(payload).digest() != digest:
        raise Damaged("checksum does not match: cut short or changed")
    return payload


@functools.cache
def _checked_class():
    """numba's index-and-data cache file, with every file sealed by a checksum."""
    from numba.core import caching

    class CheckedCacheFile(caching.IndexDataCacheFile):
        _warned_save = False

        def _dump(self, obj):
            return sealed(super()._dump(obj))

        def _load_index(self):
            try:
                with open(self._index_path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                return {}
            except OSError as exc:
                _report(self._index_path, exc.strerror or str(exc))
                return {}
            stream = io.BytesIO(raw)
            try:
                version = pickle.load(stream)
            except Exception as exc:        # noqa: BLE001 - any unpickling failure is damage
                _report(self._index_path, type(exc).__name__)
                return {}
            if version != self._version:
                return {}                   # another numba's file: replaced when saved
            rest = stream.read()
            try:
                stamp, overloads = pickle.loads(unsealed(rest))
            except Damaged as exc:
                if _legacy(rest):           # written before checksums: out of date, not damaged
                    return {}
                _report(self._index_path, str(exc))
                return {}
            except Exception as exc:        # noqa: BLE001
                _report(self._index_path, type(exc).__name__)
                return {}
            if stamp != self._source_stamp:
                return {}
            return overloads

        def _load_data(self, name):
            path = self._data_path(name)
            with open(path, "rb") as f:     # OSError: numba compiles again
                raw = f.read()
            try:
                return pickle.loads(unsealed(raw))
            except Exception as exc:        # noqa: BLE001
                _report(path, str(exc) if isinstance(exc, Damaged) else type(exc).__name__)
                return None

        def save(self, key, data):
            try:
                super().save(key, data)
            except OSError as exc:
                if not CheckedCacheFile._warned_save:
                    CheckedCacheFile._warned_save = True
                    print(f"pathway: cannot save compiled code in {self._cache_path} "
                          f"({exc.strerror or exc}); the next run compiles again",
                          file=sys.stderr, flush=True)

    return CheckedCacheFile


def _legacy(rest: bytes) -> bool:
    """True for an index written by numba itself: a pickled (stamp, overloads) pair."""
    try:
        value = pickle.loads(rest)
    except Exception:                       # noqa: BLE001
        return False
    return isinstance(value, tuple) and len(value) == 2


def guard(namespace: dict) -> None:
    """Seal the cache files of every cached numba function in ``namespace`` (a module's
    ``globals()``): see the module's docstring."""
    try:
        checked = _checked_class()
    except (ImportError, AttributeError):   # numba moved its internals: keep its own cache
        return
    for value in list(namespace.values()):
        cache_file = getattr(getattr(value, "_cache", None), "_cache_file", None)
        if cache_file is not None and type(cache_file) is checked.__mro__[1]:
            cache_file.__class__ = checked
