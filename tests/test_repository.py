"""The repository stands on its own: what a user reads names nothing outside it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ_BY_USERS = ("*.py", "*.md", "*.toml", "*.js", "*.html", "*.ipynb", "*.cff")
SKIPPED = {".git", ".venv", "build", "dist", "node_modules", "__pycache__"}


def repository_files():
    for pattern in READ_BY_USERS:
        for path in ROOT.rglob(pattern):
            if not SKIPPED & set(path.relative_to(ROOT).parts) and ".egg-info" not in str(path):
                yield path


def test_nothing_points_outside_the_repository():
    outside = ["..", "/shared/"]                # the sibling folder some developers keep
    banned = ["".join(outside), "science" + ".md"]
    found = [f"{p.relative_to(ROOT)}:{n}: {word}"
             for p in repository_files()
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             for word in banned if word in line]
    assert not found, "\n".join(found)


def test_the_documents_the_readme_names_exist():
    for name in ("docs/science-targets.md", "docs/references-verified.md"):
        assert (ROOT / name).is_file(), name
