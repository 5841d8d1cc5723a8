"""Rewrite the files generated from the model's equations (pathway/equations.py):

    python pathway/_generate.py

It loads equations.py on its own, not the package, so it works even when a
generated file is missing or out of date (the package imports them).
"""

import importlib.util
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location("_pathway_equations", here / "equations.py")
    eq = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = eq          # dataclasses look their module up here
    spec.loader.exec_module(eq)
    written = eq.write_generated()
    for p in written:
        print(f"wrote {p.relative_to(here.parent)}")
    if not written:
        print("the generated files are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
