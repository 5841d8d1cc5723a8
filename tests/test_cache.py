"""The compiled-code cache: a damaged file is rebuilt with one line on standard error
(never an EOFError or UnpicklingError on every later run), and a machine where neither
the cache folder set nor the home folder can be written still runs, from a private
temporary folder."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pathway import _cache

ROOT = Path(__file__).resolve().parent.parent
SIMULATE = [sys.executable, "-m", "pathway", "simulate", "--scenario", "ketamine-iv",
            "--days", "1", "--out"]
DAMAGED = "compiled-code cache file"


def _run(env: dict, out: Path) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(SIMULATE + [str(out)], env=full, capture_output=True, text=True,
                          cwd=out.parent, timeout=600)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(30, len(data), 7):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _flip_one_bit(path: Path) -> None:
    """The quietest damage: a file pickle still reads, with one bit of compiled code changed."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache folder holding the compiled solver, as a first run leaves it."""
    folder = tmp_path_factory.mktemp("warm") / "numba"
    done = _run({"NUMBA_CACHE_DIR": str(folder)}, folder.parent / "x.csv")
    assert done.returncode == 0, done.stderr
    assert list(folder.rglob("*.nbi")) and list(folder.rglob("*.nbc"))
    return folder


@pytest.mark.parametrize("damage", [_truncate, _garble, _flip_one_bit])
@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
def test_a_damaged_cache_file_is_rebuilt_with_a_message(warm, tmp_path, suffix, damage):
    cache = tmp_path / "numba"
    shutil.copytree(warm, cache)
    (victim,) = [p for p in cache.rglob(f"_kernel.integrate-*{suffix}")]
    good = victim.read_bytes()
    damage(victim)
    assert victim.read_bytes() != good

    first = _run({"NUMBA_CACHE_DIR": str(cache)}, tmp_path / "x.csv")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    said = [line for line in first.stderr.splitlines() if DAMAGED in line]
    assert len(said) == 1 and victim.name in said[0] and "compiling again" in said[0]
    assert (tmp_path / "x.csv").read_text().count("\n") > 100

    second = _run({"NUMBA_CACHE_DIR": str(cache)}, tmp_path / "y.csv")     # repaired
    assert second.returncode == 0 and DAMAGED not in second.stderr, second.stderr
    assert "compiling" not in second.stderr
    assert (tmp_path / "y.csv").read_bytes() == (tmp_path / "x.csv").read_bytes()


def test_unwritable_cache_and_home_fall_back_to_a_private_temporary_folder(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")                      # nothing can be made under it, not even by root
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {"NUMBA_CACHE_DIR": str(blocked / "numba"), "HOME": str(blocked / "home"),
           "XDG_CACHE_HOME": "", "TMPDIR": str(temporary)}
    done = _run(env, tmp_path / "x.csv")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "cannot cache" not in done.stderr
    (used,) = [p for p in temporary.iterdir() if p.name.startswith("ketamine-pathway-numba-")]
    assert list(used.rglob("*.nbc")), "the compiled code was not kept in the temporary folder"
    assert _cache._private(used)
    assert not list((ROOT / "pathway").rglob("*.nbi")), "numba wrote beside the source"


# ------------------------------------------------------------ the parts, in process

@pytest.fixture
def cache_file(tmp_path):
    from numba.core.caching import IndexDataCacheFile
    made = IndexDataCacheFile(str(tmp_path), "f-1.py311", ("stamp", 1))
    made.__class__ = _cache._checked_class()
    return made


def test_a_sealed_file_reads_back_and_every_damage_is_caught(cache_file, tmp_path, capsys):
    cache_file.save("key", {"compiled": b"\x00" * 300})
    assert cache_file.load("key") == {"compiled": b"\x00" * 300}
    index, data = tmp_path / "f-1.py311.nbi", tmp_path / "f-1.py311.1.nbc"
    assert data.read_bytes().startswith(_cache.MAGIC)
    for damage in (_truncate, _garble, _flip_one_bit):
        good = data.read_bytes()
        damage(data)
        assert cache_file.load("key") is None
        assert not data.exists() and DAMAGED in capsys.readouterr().err
        data.write_bytes(good)
    for damage in (_truncate, _garble, _flip_one_bit):
        good = index.read_bytes()
        damage(index)
        assert cache_file.load("key") is None
        assert not index.exists() and DAMAGED in capsys.readouterr().err
        index.write_bytes(good)
    assert cache_file.load("key") == {"compiled": b"\x00" * 300}


def test_an_index_from_before_checksums_is_out_of_date_not_damaged(cache_file, tmp_path, capsys):
    import pickle
    import numba
    index = tmp_path / "f-1.py311.nbi"
    index.write_bytes(pickle.dumps(numba.__version__) + pickle.dumps((("stamp", 1), {"key": "x.nbc"})))
    assert cache_file.load("key") is None
    assert capsys.readouterr().err == "" and index.exists()


def test_a_cache_that_cannot_be_saved_costs_time_not_the_run(cache_file, tmp_path, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    cache_file._cache_path, cache_file._index_path = str(blocked), str(blocked / "f.nbi")
    cache_file.save("key", {"compiled": b""})                # no exception
    assert "cannot save compiled code" in capsys.readouterr().err


def test_a_read_only_cache_lends_its_files(tmp_path):
    baked, own = tmp_path / "baked", tmp_path / "own"
    sub = baked / _cache.package_subfolder()
    sub.mkdir(parents=True)
    (sub / "_kernel.solve-1.py311.nbi").write_bytes(b"index")
    (sub / "_kernel.solve-1.py311.1.nbc").write_bytes(b"code")
    (sub / "notes.txt").write_text("not a cache file")
    assert _cache.seed(baked, own) == 2
    assert (own / _cache.package_subfolder() / "_kernel.solve-1.py311.1.nbc").read_bytes() == b"code"
    assert _cache.seed(baked, own) == 0                      # nothing copied twice
    sub.chmod(0o777)                                         # anyone could have planted these
    assert _cache.seed(baked, tmp_path / "other") == 0
    assert sorted(p.name for p in (own / _cache.package_subfolder()).iterdir()) == [
        "_kernel.solve-1.py311.1.nbc", "_kernel.solve-1.py311.nbi"]


def test_the_package_subfolder_is_the_one_numba_uses():
    from pathway import _kernel
    assert Path(_kernel.integrate._cache._cache_path).name == _cache.package_subfolder()


def test_a_temporary_folder_someone_else_can_write_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setenv("USER", "me")
    shared = tmp_path / "ketamine-pathway-numba-me"
    shared.mkdir()
    shared.chmod(0o777)
    chosen = _cache._temporary_folder()
    assert chosen is not None and chosen != shared and _cache._private(chosen)
    shared.chmod(0o700)
    assert _cache._temporary_folder() == shared


def test_a_cache_folder_set_but_unwritable_is_replaced(tmp_path, monkeypatch):
    import numba.core.config
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocked / "numba"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    chosen = _cache.configure()
    assert chosen == str(tmp_path / "cache" / "ketamine-pathway" / "numba")
    assert os.environ["NUMBA_CACHE_DIR"] == chosen == numba.core.config.CACHE_DIR


# ------------------------------------------------------------ pathway warm-up

def _files(cache: Path) -> dict:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in cache.rglob("*.nb*")}


def test_warm_up_compiles_what_every_command_needs(tmp_path):
    """After `pathway warm-up` into an empty folder, simulate, population and sensitivity
    compile nothing more: no cache file is added or rewritten."""
    cache = tmp_path / "numba"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-m", "pathway", "warm-up"], env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert f"compiled code cache: {cache}" in done.stdout and "warm-up took" in done.stdout
    before = _files(cache)
    assert any(p.endswith(".nbc") and "integrate_batch" in p for p in before)
    for argv in (["simulate", "--scenario", "ssri", "--days", "2", "--out", str(tmp_path / "s.csv")],
                 ["population", "--scenario", "ketamine-iv", "--n", "200", "--at", "24h,7d", "--quiet"],
                 ["sensitivity", "--scenario", "ketamine-iv", "--method", "morris", "--n", "2",
                  "--at", "24h", "--quiet"]):
        run = subprocess.run([sys.executable, "-m", "pathway", *argv], env=env, capture_output=True,
                             text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        assert "compiling" not in run.stderr
        assert _files(cache) == before, f"pathway {argv[0]} compiled again after the warm-up"


def test_a_baked_read_only_cache_is_copied_into_the_users_own(tmp_path, monkeypatch):
    """The JupyterHub recipe: NUMBA_CACHE_DIR names a folder the image holds and users
    cannot write; configure() uses the user's cache folder, filled from the image's."""
    import numba.core.config
    baked = tmp_path / "opt"
    sub = baked / _cache.package_subfolder()
    sub.mkdir(parents=True)
    (sub / "_kernel.integrate-1.py311.nbi").write_bytes(b"index")
    real = _cache._writable
    monkeypatch.setattr(_cache, "_writable", lambda folder: folder != baked and real(folder))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(baked))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", numba.core.config.CACHE_DIR)
    chosen = Path(_cache.configure())
    assert chosen == tmp_path / "home-cache" / "ketamine-pathway" / "numba"
    assert (chosen / sub.name / "_kernel.integrate-1.py311.nbi").read_bytes() == b"index"
