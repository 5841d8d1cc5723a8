"""ketamine-pathway: why ketamine lifts depression in hours and an SSRI takes weeks."""

from .compile import OdeSystem, compile_model, explain
from .errors import ModelFileError, PathwayError, SimulationError, UsageError
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
    "UsageError", "compile_model", "explain", "explore", "load_model", "loads_model", "set_hypothesis",
    "set_parameter", "simulate", "with_dose",
]
try:
    from importlib.metadata import PackageNotFoundError, version as _version
    __version__ = _version("ketamine-pathway")
except PackageNotFoundError:          # a source checkout used without installing
    __version__ = "0+unknown"
