"""The memory budget, measured: a heavy command's peak resident memory stays under the
estimate its check admitted it with (the process's own share included), and the runs that
once went past the 2 GB budget are refused up front. benchmarks/bench_memory.py measures the
same at more sizes."""

import os
import sys
from pathlib import Path

import pytest

from pathway import errors
from pathway.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")


def _peak(argv: list[str]) -> float:
    """The run's own peak: not ``os.wait4``'s ``ru_maxrss``, which on Linux starts from this
    test worker's resident size (copied before the child's ``exec``)."""
    from bench_memory import measure
    return measure(argv, env={**os.environ, "PYTHONPATH": str(ROOT)})[0]


@pytest.mark.parametrize("argv", [
    ["population", "--scenario", "ketamine-iv", "--n", "30000", "--at", "1d,3d,7d", "--quiet"],
    ["sensitivity", "--scenario", "ketamine-iv", "--method", "morris", "--n", "400", "--at", "24h",
     "--quiet"],
])
def test_a_heavy_run_stays_under_its_estimate(argv):
    from bench_memory import estimate
    guess = estimate(argv)
    assert guess > errors.PROCESS_BYTES
    assert _peak(argv) <= guess


@pytest.mark.parametrize("argv", [
    ["sensitivity", "--scenario", "ketamine-iv", "--method", "morris", "--n", "5400"],  # peaked at 4.28 GB
    ["animate", "--scenario", "ketamine-iv", "--frames", "1500", "--out", "g.gif"],    # peaked at 2.5 GB
])
def test_the_runs_that_went_past_the_budget_are_refused(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "would need about" in err and "more than the 2 GB a run may use" in err


def test_every_estimate_includes_the_process_itself(capsys):
    from bench_memory import estimate
    tiny = estimate(["population", "--scenario", "ketamine-iv", "--n", "1", "--at", "24h"])
    assert errors.PROCESS_BYTES < tiny < errors.PROCESS_BYTES + 1e6


def test_a_peak_is_the_runs_own_not_the_test_workers():
    """On Linux a child's ``ru_maxrss`` starts from its parent's resident size (copied before
    ``exec``): a worker that holds 400 MB must not see a small run peak at 400 MB."""
    held = bytearray(400_000_000)
    held[::4096] = b"\x01" * len(held[::4096])          # touch every page: resident now
    peak = _peak(["list"])
    assert peak < 300e6, f"{peak / 1e6:.0f} MB"
    del held
