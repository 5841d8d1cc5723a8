"""Time every course notebook (student version with blank answers, and its key),
executed as the tests do: `python benchmarks/bench_course.py [paths...]`."""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent / "notebooks"


def main(paths):
    paths = [Path(p) for p in paths] or sorted(ROOT.glob("*.ipynb")) + sorted((ROOT / "instructor").glob("*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        print(f"{path.parent.name}/{path.name}: {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
