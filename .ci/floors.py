"""Print a pip constraints file that pins every core dependency to the lowest version
pyproject.toml allows (its ``>=`` bound), so that the floors can be installed and tested:

    python .ci/floors.py > floors.txt && pip install -c floors.txt -e .

``python .ci/floors.py --check`` then says whether the installed versions are those floors.
A dependency without a ``>=`` bound is left out; a bound written any other way stops the
script, since it cannot be turned into one version to test.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def floors(extras=()):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = {}
    for requirement in requirements:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*", requirement)
        if m is None:
            if "ketamine-pathway" in requirement:
                continue
            sys.exit(f"pyproject.toml: cannot pin {requirement!r}: write its lowest version as name>=X.Y")
        pins[m.group(1).lower()] = m.group(3)
    return pins


def check(pins):
    """Compare the installed versions with the floors; return the mismatches."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = []
    for name, floor in pins.items():
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "not installed"
        if _release(have) != _release(floor):
            wrong.append(f"{name}: floor {floor}, installed {have}")
    return wrong


def _release(text):
    parts = [int(p) for p in re.findall(r"\d+", text.split("+")[0])[:3]] if text[:1].isdigit() else [-1]
    return tuple(parts + [0] * (3 - len(parts)))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--check"]:
        wrong = check(floors(args[1:]))
        print("\n".join(wrong) or "every core dependency is at its floor")
        sys.exit(1 if wrong else 0)
    for name, version in floors(args).items():
        print(f"{name}=={version}")
