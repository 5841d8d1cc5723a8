"""Shared fixtures: the default model and simulations that several tests read."""

import pytest

from pathway import load_model, simulate


@pytest.fixture(scope="session")
def model():
    return load_model()


@pytest.fixture(scope="session")
def ketamine(model):
    """0.5 mg/kg racemic ketamine IV over 40 min, three weeks, one row a minute."""
    return simulate(model, "ketamine-iv", days=21, step_min=1)


@pytest.fixture(scope="session")
def esketamine(model):
    return simulate(model, "esketamine-in", days=14, step_min=1)


@pytest.fixture(scope="session")
def ssri(model):
    """Escitalopram-like SSRI once daily for 14 weeks."""
    return simulate(model, "ssri", days=98, step_min=30)


@pytest.fixture(scope="session")
def placebo_iv(model):
    """A masked placebo infusion over 40 min."""
    return simulate(model, "placebo", days=21, step_min=1)


@pytest.fixture(scope="session")
def ssri_placebo(model):
    """The matching placebo arm of the SSRI: an inert pill once daily."""
    from pathway.scenarios import placebo_arm
    return simulate(model, placebo_arm(model, "ssri"), days=98, step_min=30)


@pytest.fixture(scope="session")
def hnk_alone(model):
    return simulate(model, "hnk", days=14, step_min=5)


def pytest_addoption(parser):
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="run the long fuzz: 10,000 model-file mutations, 1,000 command lines "
                          "and 1,000 mutations of each side file (lecture, targets, site, "
                          "trial) (also PATHWAY_FUZZ_LONG=1)")


@pytest.fixture(scope="session", autouse=True)
def _course_tries(tmp_path_factory):
    """The course checker keeps each student's tries in a file; the tests (and
    the notebook kernels they start, which inherit the environment) use their own."""
    import os
    path = tmp_path_factory.mktemp("course") / "tries.json"
    old = os.environ.get("PATHWAY_COURSE_STATE")
    os.environ["PATHWAY_COURSE_STATE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("PATHWAY_COURSE_STATE", None)
    else:
        os.environ["PATHWAY_COURSE_STATE"] = old
