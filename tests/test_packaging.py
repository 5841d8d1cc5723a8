"""What ``pip install .`` puts in the wheel: every data file the package reads, each in a package that
pyproject.toml lists (a folder it does not list still ships, through package-data, but setuptools then
warns on every install that the folder "would be ignored")."""

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folder(package: str) -> Path:
    """The checkout's folder of ``package``, by the package-dir mapping."""
    dirs = SETUPTOOLS.get("package-dir", {})
    parts = package.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in dirs:
            return ROOT / dirs[".".join(parts[:i])] / Path(*parts[i:])
    return ROOT / Path(*parts)


def _shipped(package: str, name: str) -> bool:
    return name.endswith(".py") or any(fnmatch.fnmatch(name, pattern)
                                       for pattern in SETUPTOOLS["package-data"].get(package, ()))


def test_every_folder_of_data_is_a_listed_package():
    listed = set(SETUPTOOLS["packages"])
    for top in ("pathway", "pathway.models"):
        for folder in sorted(_folder(top).rglob("*")):
            if not folder.is_dir() or folder.name == "__pycache__" or folder.name.startswith("."):
                continue
            if not any(f.is_file() for f in folder.iterdir()):
                continue
            package = top + "." + ".".join(folder.relative_to(_folder(top)).parts)
            assert package in listed, f"{folder.relative_to(ROOT)} is not listed in pyproject.toml as {package}"


def test_every_data_file_ships():
    """The model, its side files, the trials and the web page's files are in package-data."""
    for package in SETUPTOOLS["packages"]:
        folder = _folder(package)
        assert folder.is_dir(), f"{package}: no folder {folder.relative_to(ROOT)}"
        for f in folder.iterdir():
            if f.is_file() and not f.name.endswith((".pyc", ".nbi", ".nbc")):
                assert _shipped(package, f.name), f"{f.relative_to(ROOT)} would not be in the wheel"
