"""Loading a model file: :func:`load_model` (a path) and :func:`loads_model` (text).

The limits (regular file, size, encoding, nesting) are those of every TOML file
the project reads (:mod:`pathway.tomlfile`); the checks are the model checker's
(:mod:`pathway.checking`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .checking import _Checker
from .errors import ModelFileError
from .objects import Model
from .tomlfile import CHECKER_STOPPED, FileKind, parse_toml, read_text, run_checks

MODEL_FILE = FileKind(
    name="model file", noun="any model needs",
    size_hint="the default model is about 60 kB; check that this is a model file",
    missing_hint="check the path, or leave out --model to use the default model",
    error=ModelFileError, loader="load_model")


def default_model_path() -> Path:
    """The path of the model file shipped with the package.

    An installed package carries ``models/`` as ``pathway.models``; a source
    checkout imported without installing finds it beside the package folder.
    """
    beside = Path(__file__).resolve().parent.parent / "models" / "ketamine.toml"
    if beside.is_file():        # a source checkout (or worktree) uses its own model file
        return beside
    try:
        path = Path(str(resources.files("pathway.models").joinpath("ketamine.toml")))
        if path.is_file():
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "models" / "ketamine.toml"


def load_model(path: str | Path | None = None) -> Model:
    """Load and check a model file; ``None`` loads the default model.

    Raises
    ------
    ModelFileError
        listing every problem, each with the place in the file and a hint.
    """
    path = default_model_path() if path is None else Path(path)
    return loads_model(read_text(path, MODEL_FILE), source=str(path))


def loads_model(text: str, source: str = "<string>") -> Model:
    """Like :func:`load_model`, from the text of a model file."""
    data = parse_toml(text, source, MODEL_FILE)
    checker = _Checker(source)
    return run_checks(checker, checker.build, data, MODEL_FILE)


__all__ = ["CHECKER_STOPPED", "MODEL_FILE", "default_model_path", "load_model", "loads_model"]
