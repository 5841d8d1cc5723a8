"""How a trial's rating finds a virtual patient: response, remission and relapse counted as trials count them.

The model gives each virtual patient's outcome (relief) over time. A trial does not see that: it sees one
interview on the day of a visit. :class:`Rating` adds the two things between them, the error of the one
interview and the wandering of each person's course, and counts rates (:func:`rated_share`) and relapses
(:meth:`Rating.relapse_share`) through them. The virtual patients (:mod:`pathway.population`), the published
trials (:mod:`pathway.trialsim`), the literature checks and the experiments all count through this one module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Rating", "rated_share"]


def rated_share(outcome, level: float, sd=0.0, smooth: float = 0.0) -> np.ndarray:
    """The share of people (rows of ``outcome``) a rating finds at or above ``level``, per column.

    Each rating lies off the person's outcome by a normal amount of standard deviation ``sd`` (one number, or
    one per column), so a person at ``x`` is counted with probability Phi((x - level) / sd): the expected
    share, with no random draw. Where ``sd`` is 0 the count is the step ``x >= level``. ``smooth`` (the
    fit's) widens the step in the same way, added in quadrature, so that a rate moves smoothly with the
    parameters.

    >>> float(rated_share(np.array([0.4, 0.6]), 0.5)[()])
    0.5
    >>> round(float(rated_share(np.array([0.5, 0.7]), 0.7, sd=0.1)[()]), 3)
    0.261
    """
    x = np.asarray(outcome, float)
    sd = np.sqrt(np.square(np.asarray(sd, float)) + smooth ** 2)
    step = np.asarray(x >= level, float)
    if not np.any(sd > 0):
        return np.mean(step, axis=0)
    from scipy.special import ndtr
    with np.errstate(divide="ignore", invalid="ignore"):
        counted = np.where(sd > 0, ndtr((x - level) / np.where(sd > 0, sd, 1.0)), step)
    return np.mean(counted, axis=0)


def _soft(x: np.ndarray, smooth: float) -> np.ndarray:
    """1 where x >= 0, else 0: a step, or with ``smooth`` > 0 a logistic of that width."""
    if smooth > 0:
        return 0.5 * (1 + np.tanh(x / (2 * smooth)))
    return (x >= 0).astype(float)


@dataclass(frozen=True)
class Rating:
    """How a trial's rating finds a virtual patient: the model's outcome, plus the wandering of their course,
    plus the error of the one interview.

    * ``noise``: the standard deviation of one rating's error (``[population] rating_noise``), fresh at every
      rating.
    * ``spread`` and ``time_h``: each person's course wanders from where the model puts them, as an
      Ornstein-Uhlenbeck process that starts at 0 at entry (the entry rating is the baseline everything is
      counted from), has standard deviation ``spread`` once settled, and forgets itself with correlation
      time ``time_h`` (``[population] course_spread`` and ``course_time``). Its mean is 0: it spreads people
      without moving an arm's mean.

    A rate at one time needs no draw: the two add up to a normal error of standard deviation :meth:`sd`. A
    relapse follows each person's course from reading to reading, so it draws the courses
    (:meth:`paths`, the same for the same seed and readings: the same people in every arm); it leaves out
    the rating's error, because trials confirm a relapse on more than one visit.

    >>> r = Rating(noise=0.1, spread=0.2, time_h=48.0)
    >>> [round(float(x), 3) for x in r.sd(np.array([0.0, 48.0, 1e6]))]
    [0.1, 0.211, 0.224]
    """

    noise: float = 0.0
    spread: float = 0.0
    time_h: float = 168.0

    def sd(self, t_h) -> np.ndarray:
        """The standard deviation of a rating at hours ``t_h`` after entry (noise and course together)."""
        t = np.maximum(np.asarray(t_h, float), 0.0)
        settled = -np.expm1(-2.0 * t / self.time_h)
        return np.sqrt(self.noise ** 2 + self.spread ** 2 * settled)

    def paths(self, n: int, t_h, seed: int) -> np.ndarray:
        """``n`` people's courses (people x readings) at hours ``t_h`` after entry (any order)."""
        t = np.maximum(np.asarray(t_h, float), 0.0)
        out = np.zeros((n, t.size))
        if self.spread == 0.0 or n == 0 or t.size == 0:
            return out
        z = np.random.default_rng([int(seed), 0x0C0]).standard_normal((n, t.size))
        x, last = np.zeros(n), 0.0
        for i, k in enumerate(np.argsort(t, kind="stable")):
            keep = np.exp(-(t[k] - last) / self.time_h)        # exact Ornstein-Uhlenbeck step
            x = keep * x + self.spread * np.sqrt(1.0 - keep * keep) * z[:, i]
            out[:, k], last = x, t[k]
        return out

    def relapse_share(self, outcome, t_h, n_stable: int, level: float, below: float, *, seed: int,
                      smooth: float = 0.0, confirm: int = 1, under: float | None = None) -> float | None:
        """Among the people whose course is at or above ``level`` (and, with ``under``, below it) at each of
        the first ``n_stable`` readings (columns of ``outcome``, at hours ``t_h`` after entry), the share
        whose course falls below ``below`` at ``confirm`` consecutive later readings (1: any one); None when
        nobody is in the group. ``smooth`` > 0 counts through a logistic.

        >>> r = Rating()
        >>> x = np.array([[0.8, 0.3, 0.8, 0.3], [0.8, 0.3, 0.3, 0.8]])    # two people, four readings
        >>> r.relapse_share(x, [0, 1, 2, 3], 1, 0.7, 0.5, seed=0), r.relapse_share(x, [0, 1, 2, 3], 1, 0.7, 0.5,
        ...                                                                       seed=0, confirm=2)
        (1.0, 0.5)
        """
        if confirm < 1:
            raise ValueError(f"confirm must be 1 or more, not {confirm}")
        x = np.asarray(outcome, float)
        x = x + self.paths(x.shape[0], t_h, seed)
        in_group = np.prod(_soft(x[:, :n_stable] - level, smooth), axis=1)
        if under is not None:
            in_group = in_group * np.prod(1.0 - _soft(x[:, :n_stable] - under, smooth), axis=1)
        low = 1.0 - _soft(x[:, n_stable:] - below, smooth)          # below the line, reading by reading
        runs = low.shape[1] - confirm + 1
        if runs < 1:
            kept = np.ones(x.shape[0])
        else:
            run = np.ones((x.shape[0], runs))
            for k in range(confirm):                               # every run of `confirm` readings in a row
                run = run * low[:, k:k + runs]
            kept = np.prod(1.0 - run, axis=1)
        weight = float(np.sum(in_group))
        if weight < 1e-9:
            return None
        return float(np.sum(in_group * (1.0 - kept)) / weight)
