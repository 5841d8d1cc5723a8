"""ketamine-pathway: why ketamine lifts depression in hours and an SSRI takes weeks."""

from . import _cache

_cache.configure()                    # before numba is imported: compiled kernels go to the user's cache

from .compile import OdeSystem, compile_model, explain
from .errors import ModelFileError, PathwayError, SimulationError, UnknownNameError, UsageError
from .modelfile import Model, load_model, loads_model, set_hypothesis
from .results import Trajectory
from .scenarios import set_parameter
from .simulate import simulate, with_dose


def explore(*args, **kwargs):
    """The interactive explorer in a notebook (needs anywidget); see :func:`pathway.widgets.explore`."""
    from .widgets import explore as _explore
    return _explore(*args, **kwargs)

__all__ = [
    "Model", "ModelFileError", "OdeSystem", "PathwayError", "SimulationError", "Trajectory",
    "UnknownNameError", "UsageError", "compile_model", "explain", "explore", "load_model", "loads_model", "set_hypothesis",
    "set_parameter", "simulate", "with_dose",
]
from .versions import package_version as _package_version

__version__ = _package_version()       # the installed version, or the checkout's pyproject.toml
