"""One version story: the package's version and the model file's, written into every export.

The package (``ketamine-pathway``) is versioned in ``pyproject.toml``; a model file
carries its own ``version`` in its ``[model]`` table. An export says both, so that a
figure, a table or a web page can be traced to the code and the model that made it.

>>> from pathway import load_model
>>> versions(load_model())["package"].startswith("ketamine-pathway ")
True
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .modelfile import Model

PACKAGE = "ketamine-pathway"


def package_version() -> str:
    """The version in ``pyproject.toml`` when the package is imported from a checkout
    (an editable install included, whose recorded version may be older than the file),
    otherwise the installed version."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        if project.get("name") == PACKAGE:
            return str(project["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "0+unknown"


def model_version(model: Model) -> str | None:
    """The ``version`` of the model file's ``[model]`` table (None when it has none,
    or the model was not read from a file)."""
    try:
        data = tomllib.loads(Path(model.source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = data.get("model", {}).get("version") if isinstance(data.get("model"), dict) else None
    return str(found) if found is not None else None


def versions(model: Model) -> dict:
    """``{"package", "model", "model_version", "model_file"}`` for an export's metadata."""
    return {"package": f"{PACKAGE} {package_version()}", "model": model.name,
            "model_version": model_version(model), "model_file": Path(model.source).name}


def version_line(model: Model) -> str:
    """One line for a file's header: ``ketamine-pathway 0.1.0; model ketamine-pathway 2.0 (ketamine.toml)``."""
    v = versions(model)
    made = f"model {v['model']}" + (f" {v['model_version']}" if v["model_version"] else "")
    return f"{v['package']}; {made} ({v['model_file']})"
