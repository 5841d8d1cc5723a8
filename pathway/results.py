"""Trajectory: one simulation's result, time-major, with named access."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import UnknownNameError, UsageError, suggest


@dataclass(frozen=True)
class Trajectory:
    """Values of every node and readout over time.

    ``values[i, j]`` is variable ``names[j]`` at time ``t_h[i]`` (hours).

    >>> from pathway import load_model, simulate
    >>> traj = simulate(load_model(), days=2)
    >>> traj.values.shape == (len(traj.t_h), len(traj.names))
    True
    >>> bool(traj[traj.primary].max() > 0)      # the showcase drug brings relief within two days
    True
    """

    t_h: np.ndarray
    names: tuple[str, ...]
    values: np.ndarray
    units: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    scenario: str = ""
    steps: int = 0
    #: what the model file's roles say about this run (see simulate.display_roles)
    roles: dict = field(default_factory=dict)

    @property
    def primary(self) -> str:
        """The name of the primary outcome's column (e.g. symptom relief)."""
        return self.roles.get("primary") or self.names[-1]

    @property
    def is_placebo(self) -> bool:
        return bool(self.roles.get("is_placebo"))

    def label(self, name: str) -> str:
        """A variable's label for people, with its unit."""
        text = self.labels.get(name, name.replace("_", " "))
        unit = self.units.get(name, "")
        return f"{text} ({unit})" if unit else text

    def to_pandas(self):
        """The trajectory as a pandas DataFrame indexed by ``time_h``."""
        import pandas as pd
        frame = pd.DataFrame(self.values, columns=list(self.names))
        frame.index = pd.Index(self.t_h, name="time_h")
        return frame

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.values[:, self.names.index(name)]
        except ValueError:
            raise UnknownNameError(f"no variable '{name}' in this result\n"
                             f"  hint: {suggest(name, self.names)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def at(self, t_h: float) -> dict[str, float]:
        """All variables at time ``t_h`` (hours), linearly interpolated."""
        if not self.t_h[0] <= t_h <= self.t_h[-1]:
            raise UsageError(f"time {t_h:g} h is outside the simulated span "
                             f"{self.t_h[0]:g}-{self.t_h[-1]:g} h")
        return {n: float(np.interp(t_h, self.t_h, self.values[:, j]))
                for j, n in enumerate(self.names)}

    def peak(self, name: str) -> tuple[float, float]:
        """Time (h) and value of the maximum of ``name``."""
        y = self[name]
        i = int(np.argmax(y))
        return float(self.t_h[i]), float(y[i])

    def to_csv(self, path: str | Path | None = None, precision: int = 6, comment: str | None = None) -> str:
        """Write ``time_h`` and every variable as CSV; return the text. ``comment``, when
        given, is a first line starting with ``#`` (read it back with
        ``pandas.read_csv(path, comment="#")`` or ``numpy.loadtxt``)."""
        buf = io.StringIO()
        if comment:
            buf.write("# " + " ".join(comment.split()) + "\n")
        buf.write(",".join(("time_h",) + self.names) + "\n")
        data = np.column_stack([self.t_h, self.values])
        # time keeps more digits so that row spacing survives the round trip
        fmt = ["%.10g"] + [f"%.{precision}g"] * len(self.names)
        np.savetxt(buf, data, delimiter=",", fmt=fmt)
        text = buf.getvalue()
        if path is not None:
            if Path(path).suffix.lower() != ".csv":
                from .errors import UsageError
                raise UsageError(f"{path}: a CSV time course cannot be written as "
                                 f"'{Path(path).suffix or 'a name with no suffix'}'\n"
                                 "  hint: name the file FILE.csv")
            from .atomicio import write_text
            write_text(path, text)
        return text
