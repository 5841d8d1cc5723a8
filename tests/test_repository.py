"""The repository stands on its own: what a user reads names nothing outside it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ_BY_USERS = (".py", ".md", ".toml", ".js", ".html", ".ipynb", ".cff")
SKIPPED = {"build", "dist", "node_modules", "__pycache__"}


def repository_files(folder=ROOT):
    """The project's own files: hidden folders (but .ci), virtual environments and build
    output are left out."""
    for path in folder.iterdir():
        if path.is_dir():
            if (path.name in SKIPPED or path.name.endswith(".egg-info") or (path / "pyvenv.cfg").exists()
                    or (path.name.startswith(".") and path.name != ".ci")):
                continue
            yield from repository_files(path)
        elif path.suffix in READ_BY_USERS or path.parent.name == ".ci":
            yield path


def test_nothing_points_outside_the_repository():
    outside = ["..", "/", "shared", "/"]       # a sibling folder some developers keep
    banned = ["".join(outside), "science" + ".md"]
    found = [f"{p.relative_to(ROOT)}:{n}: {word}"
             for p in repository_files()
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             for word in banned if word in line]
    assert not found, "\n".join(found)


def test_the_documents_the_readme_names_exist():
    for name in ("docs/science-targets.md", "docs/references-verified.md"):
        assert (ROOT / name).is_file(), name


def test_license_and_citation_agree_with_pyproject():
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert project["license"] == "MIT" and license_text.startswith("MIT License")
    assert "Copyright (c) 2026 ketamine-pathway" in license_text
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{project["version"]}"' in citation and "license: MIT" in citation


def test_every_export_names_the_package_and_model_versions(tmp_path):
    import json
    import tomllib

    import networkx as nx

    from pathway import __version__, load_model
    from pathway.graph import to_graph, write_graph
    from pathway.site import model_script
    from pathway.versions import versions
    model = load_model()
    expected = {"package": f"ketamine-pathway {__version__}", "model": model.name,
                "model_version": str(tomllib.loads(Path(model.source).read_text(encoding="utf-8"))["model"]["version"]),
                "model_file": Path(model.source).name}
    assert versions(model) == expected
    script = model_script(model)
    data = json.loads(script[script.index("{"):script.rindex("}") + 1])
    assert data["versions"] == expected                                     # the explorer's model.js
    back = nx.read_graphml(write_graph(to_graph(model), tmp_path / "g.graphml"))
    assert back.graph["package_version"] == expected["package"]
    assert back.graph["model_version"] == expected["model_version"]


def test_the_version_of_a_checkout_comes_from_pyproject():
    import tomllib

    import pathway
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert pathway.__version__ == project["version"]
