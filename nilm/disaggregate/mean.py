"""Baselines every disaggregation figure is compared with.

* :class:`Mean` — each appliance's training mean power at every interval: the standard NILM
  baseline (e.g. Kelly & Knottenbelt 2015; Batra et al. 2019, NILMTK-contrib "Mean").
* :class:`AlwaysOff` — 0 W everywhere: what a method that detects nothing scores.
* :class:`Prior` — a *no-information prior*: each interval's power drawn independently from the
  appliance's training distribution, ignoring the mains. Its on/off scores (F1, MCC ≈ 0) are what
  guessing with the right duty cycle gives, so skill against it measures leakage beyond the prior.

References
----------
Kelly, J. & Knottenbelt, W. (2015). Neural NILM: deep neural networks applied to energy
disaggregation. BuildSys.
Batra, N., Kukunuri, R., Pandey, A., Malakar, R., Kumar, R., Krystalakos, O., Zhong, M., Meira, P.
& Parson, O. (2019). Towards reproducible state-of-the-art energy disaggregation. BuildSys.
"""

from __future__ import annotations

import numpy as np

from ..series import Grid
from .base import Disaggregator


class Mean(Disaggregator):
    """Predicts each appliance's mean training power (W) at every interval.

    Attributes
    ----------
    mean_ : float64 ``[k]``, W, over the fully valid training intervals.
    """

    def __init__(self, seed: int = 0):
        self.seed = seed

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        self.mean_ = grid.appliances[:, ok].astype(np.float64).mean(axis=1)

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        return np.repeat(self.mean_[:, None], len(x), axis=1)


class AlwaysOff(Disaggregator):
    """Predicts 0 W for every appliance and interval."""

    def __init__(self, seed: int = 0):
        self.seed = seed

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        self.n_appliances_ = len(grid.names)

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        return np.zeros((self.n_appliances_, len(x)))


class Prior(Disaggregator):
    """No-information prior: i.i.d. draws from each appliance's training power distribution.

    Each appliance is drawn independently of the mains and of the other appliances, from its
    empirical distribution over the fully valid training intervals (bootstrap draws of training
    values), with ``numpy.random.default_rng(seed)``; the same seed and length give the same
    prediction.

    Parameters
    ----------
    seed : int, seed of the draws.
    max_values : int, the empirical distribution keeps at most this many training values (an
        evenly spaced subset of the sorted values, i.e. quantiles), to bound memory.

    Attributes
    ----------
    values_ : float32 ``[k, m]``, W, sorted training values per appliance.
    """

    def __init__(self, seed: int = 0, max_values: int = 10_000):
        self.seed = seed
        self.max_values = max_values

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        vals = np.sort(grid.appliances[:, ok], axis=1)
        m = vals.shape[1]
        if m > self.max_values:
            vals = vals[:, np.linspace(0, m - 1, self.max_values).round().astype(np.int64)]
        self.values_ = vals

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        idx = rng.integers(0, self.values_.shape[1], size=(self.values_.shape[0], len(x)))
        return np.take_along_axis(self.values_, idx, axis=1)
