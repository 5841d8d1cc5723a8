"""The public API is explicit and pinned; the shipped model file is found."""

import pathway
from pathway.modelfile import default_model_path

PUBLIC = {
    "Model", "ModelFileError", "OdeSystem", "PathwayError", "SimulationError", "Trajectory", "UnknownNameError",
    "UsageError", "compile_model", "explain", "explore", "load_model", "loads_model", "set_hypothesis",
    "set_parameter", "simulate", "with_dose",
}


def test_public_names_are_pinned():
    assert set(pathway.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(pathway, name)


def test_default_model_file_ships_with_the_package():
    path = default_model_path()
    assert path.is_file() and path.name == "ketamine.toml"


def test_core_imports_no_plotting_library():
    import subprocess
    import sys
    code = "import sys, pathway; pathway.simulate(days=1); print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_trajectory_named_access_at_and_csv(tmp_path):
    traj = pathway.simulate(scenario="ketamine-iv", days=1)
    assert traj["relief"].shape == traj.t_h.shape
    snap = traj.at(0.5)
    assert set(snap) == set(traj.names) and 0 < snap["ketamine_plasma"] < 300
    text = traj.to_csv(tmp_path / "t.csv")
    assert text.splitlines()[0].startswith("time_h,")
    assert (tmp_path / "t.csv").read_text() == text
    import pytest
    with pytest.raises(pathway.UsageError, match="did you mean 'relief'"):
        traj["releif"]
    with pytest.raises(pathway.UsageError, match="outside the simulated span"):
        traj.at(99)
