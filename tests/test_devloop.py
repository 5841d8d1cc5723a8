"""The contributor's loop: the tests run the code in this checkout, and numba's compiled
kernels are kept in the user's cache folder, never inside the package, so that installs,
editable installs and uninstalls cannot shadow one another."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(code, cwd, **env):
    full = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    if full.get("PYTHONPATH"):      # as this process read it, whatever the child's folder
        full["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in full["PYTHONPATH"].split(os.pathsep))
    full.update(env)
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_the_tests_import_this_checkout(tmp_path):
    """Run from anywhere, the interpreter running the tests imports pathway from this
    checkout (an editable install, or PYTHONPATH), not from a stale installed copy."""
    (where,) = run("import pathway; print(pathway.__file__)", cwd=tmp_path)
    assert Path(where).resolve().parent == ROOT / "pathway", (
        f"pathway comes from {where}; install the checkout with: pip install -e \".[test]\"")


def test_an_edit_is_seen_without_reinstalling(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "pathway", checkout / "pathway",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    shutil.copytree(ROOT / "models", checkout / "models", ignore=shutil.ignore_patterns("__pycache__"))
    with open(checkout / "pathway" / "errors.py", "a", encoding="utf-8") as f:
        f.write("\nCONTRIBUTOR_EDIT = 'seen'\n")
    cache = tmp_path / "cache"
    out = run("import pathway, pathway.errors, pathway._terms as t\n"
              "print(pathway.errors.CONTRIBUTOR_EDIT)\n"
              "print(pathway.load_model().name)\n"
              "print(t._pos(-1.0), t._pos(2.0))",      # compiles (and caches) one tiny numba function
              cwd=checkout, PYTHONPATH=str(checkout), XDG_CACHE_HOME=str(cache))
    assert out[0] == "seen"
    assert out[2] == "0.0 2.0"
    assert not list((checkout / "pathway").rglob("*.nb[ic]")), "numba wrote its cache into the package"
    assert list((cache / "ketamine-pathway" / "numba").rglob("*.nbi")), "numba's cache is not in the user's cache"


def test_an_existing_numba_cache_dir_is_honoured(tmp_path):
    (folder,) = run("import pathway, numba; print(numba.config.CACHE_DIR)", cwd=tmp_path,
                    NUMBA_CACHE_DIR=str(tmp_path / "mine"))
    assert Path(folder) == tmp_path / "mine"


def test_an_unwritable_cache_falls_back_to_a_temporary_folder(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    (folder,) = run("import pathway, numba; print(numba.config.CACHE_DIR)", cwd=tmp_path,
                    XDG_CACHE_HOME=str(blocked), HOME=str(blocked))
    assert not Path(folder).is_relative_to(blocked)
    assert Path(folder).is_dir()


def test_the_command_line_says_so_before_a_first_compile(capsys, monkeypatch, tmp_path):
    from pathway import _firstrun

    class Uncompiled:                       # a numba function with nothing compiled or cached
        signatures = []

        class _cache:
            class _cache_file:
                _index_path = str(tmp_path / "missing.nbi")

    monkeypatch.setattr(_firstrun, "_said", False)
    monkeypatch.setattr(_firstrun, "ENABLED", False)
    _firstrun.announce(Uncompiled())
    assert capsys.readouterr().err == ""                  # the library stays quiet
    monkeypatch.setattr(_firstrun, "ENABLED", True)
    _firstrun.announce(Uncompiled())
    _firstrun.announce(Uncompiled())
    err = capsys.readouterr().err
    assert err.startswith("compiling the solver") and err.count("\n") == 1


def test_nothing_is_announced_when_the_solver_is_cached(capsys, monkeypatch):
    from pathway import _firstrun, _kernel, load_model, simulate
    simulate(load_model(), days=1)                         # compiled (or loaded) now
    monkeypatch.setattr(_firstrun, "_said", False)
    monkeypatch.setattr(_firstrun, "ENABLED", True)
    _firstrun.announce(_kernel.integrate)
    assert capsys.readouterr().err == ""
