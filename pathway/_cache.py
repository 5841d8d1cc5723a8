"""Where numba keeps its compiled kernels: in the user's cache folder, never in the package.

numba's ``cache=True`` writes its files beside the source by default, that is into
``site-packages/pathway/__pycache__`` or into a checkout. Files left there by one install
survive ``pip uninstall`` and turn the folder into a namespace package that hides a later
editable install. So, before numba is imported, :func:`configure` points ``NUMBA_CACHE_DIR``
at ``~/.cache/ketamine-pathway/numba`` (the platform's cache folder), unless the user has
already set it; where that folder cannot be written, a folder in the temporary directory
is used instead. numba files each cache under the full path of its source, so an install
and a checkout never share (or shadow) each other's compiled code.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

APP = "ketamine-pathway"


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


def numba_cache_dir() -> Path:
    """The folder for numba's cache files: the user's cache folder, else a temporary one."""
    try:
        preferred = user_cache_root() / "numba"
    except (RuntimeError, KeyError):        # no home directory to be found
        preferred = None
    if preferred is not None and _writable(preferred):
        return preferred
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(getattr(os, "getuid", lambda: "")())
    fallback = Path(tempfile.gettempdir()) / f"{APP}-numba-{user}"
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def configure() -> str:
    """Set ``NUMBA_CACHE_DIR`` unless it is set already, and return the folder in use."""
    folder = os.environ.get("NUMBA_CACHE_DIR")
    if not folder:
        folder = str(numba_cache_dir())
        os.environ["NUMBA_CACHE_DIR"] = folder
        config = sys.modules.get("numba.core.config")
        if config is not None:               # numba was imported first: it read the variable already
            config.CACHE_DIR = folder
    return folder
